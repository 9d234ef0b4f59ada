/**
 * Every action.yml is checked with GitHub's own parser (@actions/workflow-parser), and against
 * the code: each input the action reads is declared, and each runs on node24 from its bundle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/index';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const actions = readdirSync(join(root, 'actions')).filter((name) =>
  existsSync(join(root, 'actions', name, 'action.yml')),
);

function errorsOf(content: string): string[] {
  const result = parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter());
  return result.context.errors.getErrors().map((e) => e.message);
}

describe('action metadata', () => {
  test("GitHub's parser rejects a broken action.yml (the check can fail)", () => {
    const content = readFileSync(join(root, 'actions', 'rollback', 'action.yml'), 'utf8');
    expect(errorsOf(content.replace('inputs:', 'inptus:'))).not.toEqual([]);
  });

  test.each(actions)(
    '%s: valid for GitHub, node24, bundle present, every read input declared',
    (name) => {
      const content = readFileSync(join(root, 'actions', name, 'action.yml'), 'utf8');
      expect(errorsOf(content)).toEqual([]);
      const meta = parse(content) as {
        description?: string;
        inputs?: Record<string, { description?: string }>;
        runs: { using: string; main?: string };
      };
      expect(meta.description).toBeTruthy();
      if (meta.runs.using === 'composite') return;
      expect(meta.runs.using).toBe('node24');
      expect(meta.runs.main).toBe(`../../dist/${name}/index.js`);
      expect(existsSync(join(root, 'dist', name, 'index.js'))).toBe(true);
      for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
        expect(spec.description, `${name}.${input} has a description`).toBeTruthy();
      }
      const source = readFileSync(join(root, 'src', 'actions', `${name}.ts`), 'utf8');
      const read = [...source.matchAll(/getInput\('([a-z-]+)'\)/g)].map((m) => m[1]);
      for (const input of read)
        expect(Object.keys(meta.inputs ?? {}), `${name} declares ${input}`).toContain(input);
    },
  );
});
