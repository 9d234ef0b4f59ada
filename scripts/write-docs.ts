/**
 * `npm run docs`: regenerates actions/<name>/README.md from each action.yml (plus the table in
 * scripts/lib/action-docs.ts) and docs/policy-reference.md from the zod policy schema. The text is
 * passed through Prettier here, so `prettier --check` agrees with the committed files.
 * test/project/docs-fresh.test.ts calls `renderDocs` and compares with what is committed.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { actionDocData, parseActionMetadata, renderActionReadme } from './lib/action-docs.ts';
import { policyJsonSchema } from './lib/policy-json-schema.ts';
import { renderPolicyReference } from './lib/policy-reference.ts';

export interface RenderedDocs {
  /** Path relative to the repository root -> file text. */
  files: Map<string, string>;
  /** Actions without a README, and why. */
  skipped: string[];
}

async function formatMarkdown(root: string, relative: string, text: string): Promise<string> {
  const filepath = join(root, relative);
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(text, { ...options, filepath, parser: 'markdown' });
}

export async function renderDocs(root: string): Promise<RenderedDocs> {
  const files = new Map<string, string>();
  const skipped: string[] = [];
  const entries = await readdir(join(root, 'actions'), { withFileTypes: true });
  const directories = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const directory of directories) {
    const where = `actions/${directory}/action.yml`;
    let text: string;
    try {
      text = await readFile(join(root, where), 'utf8');
    } catch {
      continue; // not an action directory
    }
    const meta = parseActionMetadata(text, where);
    const data = actionDocData(directory);
    if (data === undefined) {
      skipped.push(
        `actions/${directory}: no entry in scripts/lib/action-docs.ts (runs.using: ${meta.using || 'unknown'}); no README generated`,
      );
      continue;
    }
    const relative = `actions/${directory}/README.md`;
    files.set(
      relative,
      await formatMarkdown(root, relative, renderActionReadme(directory, meta, data)),
    );
  }
  const reference = 'docs/policy-reference.md';
  files.set(
    reference,
    await formatMarkdown(root, reference, renderPolicyReference(policyJsonSchema())),
  );
  return { files, skipped };
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const invoked = process.argv[1];
if (invoked !== undefined && resolve(invoked) === fileURLToPath(import.meta.url)) {
  const { files, skipped } = await renderDocs(root);
  for (const [relative, text] of files) {
    await writeFile(join(root, relative), text);
    console.log(`wrote ${relative}`);
  }
  for (const note of skipped) console.log(`skipped ${note}`);
}
