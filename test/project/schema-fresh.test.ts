import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { policyJsonSchema, policyJsonSchemaText } from '../../scripts/lib/policy-json-schema.ts';

test('schema/ripcord.schema.json is generated from the zod schema', () => {
  const committed = readFileSync('schema/ripcord.schema.json', 'utf8');
  expect(
    committed === policyJsonSchemaText(),
    'schema/ripcord.schema.json is stale: run npm run schema',
  ).toBe(true);
});

test('the JSON Schema describes what people write, not what it parses into', () => {
  const schema = policyJsonSchema();
  expect(schema.$id).toBe('urn:ripcord:policy:1');
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  expect(schema.required).toEqual(['version', 'environments']);
  const text = JSON.stringify(schema);
  expect(text).toContain('"const":"burn-rate"');
  expect(text).toContain('A duration such as 30s, 15m, 1h30m or 2d.');
});
