import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { renderDocs } from '../../scripts/write-docs.ts';
import {
  actionDocs,
  parseActionMetadata,
  renderActionReadme,
  tableCell,
} from '../../scripts/lib/action-docs.ts';
import { renderPolicyReference } from '../../scripts/lib/policy-reference.ts';

const root = process.cwd();
const rendered = await renderDocs(root);

describe('generated documentation is fresh', () => {
  test.each([...rendered.files.keys()])('%s equals a fresh rendering', (relative) => {
    const committed = readFileSync(join(root, relative), 'utf8');
    expect(
      committed === rendered.files.get(relative),
      `${relative} is stale: run npm run docs`,
    ).toBe(true);
  });

  test('every action with docs data gets a README, and the five actions have data', () => {
    for (const name of ['evaluate-triggers', 'rollback', 'verify', 'staged-recovery', 'notify']) {
      expect(Object.keys(actionDocs)).toContain(name);
      expect(rendered.files.has(`actions/${name}/README.md`)).toBe(true);
    }
    expect(rendered.files.has('docs/policy-reference.md')).toBe(true);
  });
});

describe('action READMEs', () => {
  const readmes = [...rendered.files.keys()].filter((path) => path.startsWith('actions/'));

  test.each(readmes)('%s has a permissions: block and every input of its action.yml', (path) => {
    const text = readFileSync(join(root, path), 'utf8');
    const block = /```yaml\npermissions:\n((?: {2}[a-z-]+: (?:read|write)(?: #.*)?\n)+)```/.exec(
      text,
    );
    expect(block, `${path} has no permissions: block`).not.toBeNull();
    const yml = readFileSync(join(root, path.replace(/README\.md$/, 'action.yml')), 'utf8');
    const inputs = Object.keys((parse(yml) as { inputs?: Record<string, unknown> }).inputs ?? {});
    expect(inputs.length).toBeGreaterThan(0);
    for (const input of inputs) expect(text).toContain(`| \`${input}\``);
  });

  test('escapes | in table cells and rejects an example with an unknown input', () => {
    expect(tableCell('a | b\nc <env>')).toBe('a \\| b c &lt;env&gt;');
    expect(tableCell('`x | <y>`')).toBe('`x \\| <y>`');
    const meta = parseActionMetadata(
      'name: T\ndescription: d\ninputs:\n  need: { description: "x | y", required: true }\nruns: { using: node24 }\n',
      't/action.yml',
    );
    const data = {
      purpose: 'p',
      permissions: [{ scope: 'issues', access: 'write' as const, why: 'w' }],
      permissionNotes: [],
      secrets: [],
      example: { id: 't', env: {}, with: { need: 'v' } },
    };
    expect(renderActionReadme('t', meta, data)).toContain('x \\| y');
    expect(() =>
      renderActionReadme('t', meta, { ...data, example: { ...data.example, with: { nope: 'v' } } }),
    ).toThrow(/not an input/);
  });
});

describe('policy reference', () => {
  test('is deterministic and has a section per object kind', () => {
    const text = rendered.files.get('docs/policy-reference.md') ?? '';
    for (const heading of [
      '## Top level',
      '## `sources.<name>` (type: `prometheus`)',
      '## `environments.<name>`',
      '## `environments.<name>.triggers[]` (kind: `burn-rate`)',
      '## `environments.<name>.rollback`',
      '## `environments.<name>.verify`',
      '## `environments.<name>.recovery`',
      '## `notify`',
    ]) {
      expect(text).toContain(heading);
    }
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', description: 'x | y', default: 'q' } },
      required: ['a'],
    };
    expect(renderPolicyReference(schema)).toBe(renderPolicyReference(schema));
    expect(renderPolicyReference(schema)).toContain('| `a` | string | `q` | x \\| y | yes |');
  });
});
