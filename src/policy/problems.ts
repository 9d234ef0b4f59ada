/**
 * A policy problem as a person reads it (file:line:column, the dotted path, the fix), and the
 * draft it starts as before it is placed in the file.
 */
import type { Policy } from './schema.ts';

/** Past this size a policy is not a runbook but an attack or a mistake (a log pasted in). */
export const MAX_POLICY_BYTES = 1024 * 1024;
/** Deeper than this no policy goes (the deepest real path is about 8); parsers recurse. */
export const MAX_POLICY_DEPTH = 64;
/**
 * Lines plus commas: an upper bound on the YAML nodes a file can hold. The yaml library needs
 * tens of microseconds per node, so 100,000 of them take seconds; the largest real policy has
 * a few hundred (the runbook example 180 lines).
 */
export const MAX_POLICY_ENTRIES = 5_000;
/** Problems explained and located; the rest are counted. One mistake copied 100,000 times is one fix. */
export const MAX_PROBLEMS_EXPLAINED = 200;

export interface PolicyProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path such as `environments.production.triggers[2].for`; empty for the whole file. */
  path: string;
  message: string;
}

export type ParsePolicyResult =
  | { ok: true; policy: Policy }
  /** `omitted`: problems counted but not explained (past MAX_PROBLEMS_EXPLAINED). */
  | { ok: false; problems: PolicyProblem[]; omitted?: number };

export type Segment = string | number;

/** A problem before it is placed in the file: `key` points at a mapping key instead of its value. */
export interface Draft {
  path: Segment[];
  message: string;
  at?: 'value' | 'key';
  /** Set on "missing required key" drafts. */
  missing?: true;
  /** The key an unknown key was probably meant to be. */
  meant?: string;
  /** A position inside the string value (a PromQL error), placed inside the YAML scalar. */
  inner?: number;
}

export function formatProblem(p: PolicyProblem): string {
  return p.path === ''
    ? `${p.file}:${p.line}:${p.column}: ${p.message}`
    : `${p.file}:${p.line}:${p.column}: ${p.path}: ${p.message}`;
}

export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/**
 * `treshold: 5%` is one mistake, not two: the "did you mean threshold" already says it, so the
 * "missing required key threshold" it causes in the same mapping is dropped.
 */
export function withoutEchoes(drafts: Draft[]): Draft[] {
  const meant = new Set(
    drafts.filter((d) => d.meant).map((d) => formatPath([...d.path.slice(0, -1), d.meant ?? ''])),
  );
  return drafts.filter((d) => !(d.missing && meant.has(formatPath(d.path))));
}

export function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return problems.sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

export function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The problems as lines for a person: the first `max` (sorted by position), then one line
 * counting the rest, so a file with 100,000 copies of one mistake prints 51 lines.
 */
export function formatProblems(
  problems: readonly PolicyProblem[],
  omitted = 0,
  max = 50,
): string[] {
  const lines = problems.slice(0, max).map(formatProblem);
  const rest = problems.length - lines.length + omitted;
  if (rest > 0) lines.push(`... and ${rest} more problems; fix the ones above and validate again`);
  return lines;
}
