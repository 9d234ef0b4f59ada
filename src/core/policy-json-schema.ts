/**
 * The JSON Schema editors use for completion and checks on `.github/ripcord.yml`, generated
 * from the zod schema so the two can never disagree. `schema/ripcord.schema.json` is this,
 * committed; a test fails when it goes stale.
 */
import { z } from 'zod';
import { policySchema } from './policy-schema.ts';

/** A name, not a download address: editors find the file through the modeline or their settings. */
export const policySchemaId = 'urn:ripcord:policy:1';

export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(policySchema, {
    // The file is what people write (`15m`, `5%`), not the normalised values it parses into.
    io: 'input',
    // draft-07 is what editor YAML plugins understand most widely.
    target: 'draft-07',
    unrepresentable: 'any',
  });
  // $id and $schema first: readers of the file look for them at the top.
  const { $schema, ...rest } = generated;
  return { $schema, $id: policySchemaId, ...rest };
}

/** Deterministic text of the committed file: two-space JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
