/**
 * The JSON Schema editors use for completion and checks on `.github/ripcord.yml`, generated
 * from the zod schema so the two can never disagree. `schema/ripcord.schema.json` is this,
 * committed; a test fails when it goes stale.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../../src/policy/duration.ts';
import { policySchema } from '../../src/policy/schema.ts';
import { QUANTITY_PATTERN } from '../../src/policy/quantity.ts';
import { DURATION_INPUTS, quantityInput } from '../../src/policy/schema-primitives.ts';

/** A duration whose every part is zero (`0s`, `0m0s`, `0.0h`). */
const ZERO_DURATION_PATTERN = '^\\s*(?:0+(?:\\.0+)?(?:ms|s|m|h|d|w))+\\s*$';

/** A name, not a download address: editors find the file through the modeline or their settings. */
export const policySchemaId = 'urn:ripcord:policy:1';

export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(policySchema, {
    // The file is what people write (`15m`, `5%`), not the normalised values it parses into.
    io: 'input',
    // draft-07 is what editor YAML plugins understand most widely.
    target: 'draft-07',
    unrepresentable: 'any',
    // zod sees a duration as "string or number" and a quantity as "number or any string": the
    // parse is in a transform, which JSON Schema cannot carry. Without these patterns an editor
    // would accept `for: 5 minutes` or `for: 300`, which validate rejects (test/schema-agrees).
    override: ({ zodSchema, jsonSchema }) => {
      const duration = DURATION_INPUTS.get(zodSchema);
      if (duration) {
        const { description, examples } = durationStringMeta(jsonSchema);
        replace(jsonSchema, {
          type: 'string',
          pattern: DURATION_PATTERN,
          // Timeouts, windows and leases must be longer than zero (`timeout: 0s` is refused).
          ...(duration.positive ? { not: { pattern: ZERO_DURATION_PATTERN } } : {}),
          description,
          examples,
        });
      } else if (zodSchema === quantityInput) {
        const meta = { ...jsonSchema };
        delete meta.anyOf;
        replace(jsonSchema, {
          ...meta,
          anyOf: [{ type: 'number' }, { type: 'string', pattern: QUANTITY_PATTERN }],
        });
      }
    },
  });
  // $id and $schema first: readers of the file look for them at the top.
  const { $schema, ...rest } = generated;
  return { $schema, $id: policySchemaId, ...rest };
}

/** Deterministic text of the committed file: two-space JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

/** The description and examples zod put on the string branch of a duration's anyOf. */
function durationStringMeta(schema: Record<string, unknown>): {
  description?: unknown;
  examples?: unknown;
} {
  const branches = Array.isArray(schema.anyOf) ? (schema.anyOf as Record<string, unknown>[]) : [];
  const text = branches.find((b) => b.type === 'string') ?? {};
  return { description: text.description, examples: text.examples };
}

/** override() must edit zod's object in place: it keeps the reference. */
function replace(target: Record<string, unknown>, next: Record<string, unknown>): void {
  for (const key of Object.keys(target)) Reflect.deleteProperty(target, key);
  Object.assign(target, next);
}
