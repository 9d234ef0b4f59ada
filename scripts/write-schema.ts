/** `npm run schema`: regenerates schema/ripcord.schema.json from the zod policy schema. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from './lib/policy-json-schema.ts';

const target = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'schema',
  'ripcord.schema.json',
);
await mkdir(dirname(target), { recursive: true });
await writeFile(target, policyJsonSchemaText());
console.log(`wrote ${target}`);
