// Builds one self-contained ESM bundle per action (and the CLI) with @vercel/ncc into dist/<name>/index.js.
import ncc from '@vercel/ncc';
import { Buffer } from 'node:buffer';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  'evaluate-triggers': 'src/actions/evaluate-triggers-main.ts',
  rollback: 'src/actions/rollback-main.ts',
  verify: 'src/actions/verify-main.ts',
  'staged-recovery': 'src/actions/staged-recovery-main.ts',
  notify: 'src/actions/notify-main.ts',
  cli: 'src/cli-main.ts',
};
// ncc must type-check (not transpileOnly): with NodeNext, TypeScript only knows a file is ESM
// when it sees the whole program, and transpiling file by file would emit require() calls.

const only = process.argv.slice(2);
for (const [name, entry] of Object.entries(entries)) {
  if (only.length > 0 && !only.includes(name)) continue;
  let built;
  try {
    built = await ncc(join(root, entry), {
      minify: false,
      sourceMap: false,
      quiet: true,
      target: 'es2023',
    });
  } catch (error) {
    // ncc's own stack prints its minified source; the first lines of the message say what broke.
    console.error(`bundling ${entry} failed: ${String(error?.message ?? error).slice(0, 3000)}`);
    process.exit(1);
  }
  const { code, assets } = built;
  const out = join(root, 'dist', name);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'index.js'), code);
  for (const [file, asset] of Object.entries(assets ?? {})) {
    await mkdir(dirname(join(out, file)), { recursive: true });
    await writeFile(join(out, file), asset.source);
  }
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  console.log(`dist/${name}/index.js ${(Buffer.byteLength(code) / 1024).toFixed(0)} KiB`);
}
