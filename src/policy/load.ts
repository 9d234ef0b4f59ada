/**
 * Turns the text of `.github/ripcord.yml` into a `Policy`, or into every problem in it at once,
 * each pinned to the line and column a person has to edit and worded as the fix. Pure: the
 * caller reads the file.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Scalar,
} from 'yaml';
import { z } from 'zod';
import { didYouMean } from '../shared/did-you-mean.ts';
import { resolveExtends } from './extends.ts';
import { promqlSyntaxError } from '../signals/promql-syntax.ts';
import {
  policySchema,
  quantity,
  type DecisionRule,
  type Environment,
  type Policy,
} from './schema.ts';
import { DURATION_INPUTS } from './schema-primitives.ts';

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

type Segment = string | number;

/** A problem before it is placed in the file: `key` points at a mapping key instead of its value. */
interface Draft {
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
 * Never throws: a hostile file (alias bombs, nesting deep enough to exhaust the stack, a
 * megabyte of problems) ends in located problems in bounded time, never a stack trace.
 */
export interface ParseOptions {
  /**
   * `validate`: also what only evaluation needs (an environment with no triggers can never
   * decide; verify, notify and a manual rollback accept one).
   */
  strict?: boolean;
}

export function parsePolicy(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParsePolicyResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    return fatal(
      file,
      1,
      1,
      `the policy is ${bytes} bytes, over the limit of ${MAX_POLICY_BYTES} bytes (1 MiB); a policy is a runbook, keep it under that`,
    );
  }
  try {
    return parsePolicyUnchecked(text, file, options);
  } catch (thrown) {
    if (thrown instanceof RangeError) {
      return fatal(
        file,
        1,
        1,
        `the policy is nested too deeply to read (${thrown.message}); a policy needs at most ${MAX_POLICY_DEPTH} levels`,
      );
    }
    throw thrown;
  }
}

function fatal(file: string, line: number, column: number, message: string): ParsePolicyResult {
  return { ok: false, problems: [{ file, line, column, path: '', message }] };
}

function parsePolicyUnchecked(
  text: string,
  file: string,
  options: ParseOptions,
): ParsePolicyResult {
  const lineCounter = new LineCounter();
  const prescan = scanShape(text);
  if (prescan) {
    const { line, col } = lineAt(text, prescan.offset);
    return fatal(file, line, col, prescan.message);
  }
  // uniqueKeys: false, because the library's check compares every key with every other
  // (60,000 keys took two minutes); duplicateKeys below does it with a set.
  // merge: true accepts `<<: *defaults` (YAML 1.1 merge keys), which the yaml library reads
  // as an unknown key "<<" otherwise.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    keepSourceTokens: true,
    uniqueKeys: false,
    merge: true,
  });
  const locate = locator(doc, lineCounter, text);
  // Warnings are unresolved tags (`!js/function`) and the like: a policy means none of them.
  const yamlErrors = [...doc.errors, ...doc.warnings];
  const problems: PolicyProblem[] = yamlErrors.slice(0, MAX_PROBLEMS_EXPLAINED).map((error) => {
    const unclosed = unclosedQuote(error, text);
    const { line, col } = lineCounter.linePos(unclosed?.offset ?? error.pos[0]);
    const message =
      unclosed?.message ?? yamlMessage(error, text.slice(error.pos[0], error.pos[0] + 200));
    return { file, line: Math.max(line, 1), column: col, path: '', message };
  });
  let yamlOmitted = Math.max(0, yamlErrors.length - MAX_PROBLEMS_EXPLAINED);
  const duplicates = duplicateKeys(doc.contents);
  for (const dup of duplicates.slice(0, MAX_PROBLEMS_EXPLAINED)) {
    const { line, col } = lineCounter.linePos(dup.offset);
    problems.push({
      file,
      line: Math.max(line, 1),
      column: col,
      path: '',
      message: `YAML: key "${dup.name}" appears twice in the same mapping; keep one`,
    });
  }
  yamlOmitted += Math.max(0, duplicates.length - MAX_PROBLEMS_EXPLAINED);

  const deep = tooDeep(doc.contents);
  if (deep) {
    const { line, column } = pos(lineCounter, deep.range?.[0]);
    return fatal(
      file,
      line,
      column,
      `YAML: nesting deeper than ${MAX_POLICY_DEPTH} levels starts here; a policy needs far fewer`,
    );
  }

  const loop = aliasInsideItsAnchor(doc.contents, []);
  if (loop) {
    const { line, column } = pos(lineCounter, loop.range?.[0]);
    return fatal(
      file,
      line,
      column,
      `YAML: alias *${loop.source} is inside the value anchored as &${loop.source}, so the value contains itself; write it out instead`,
    );
  }

  let data: unknown;
  try {
    // An alias expanding to more than 1000 nodes is a "billion laughs" bomb, not a policy.
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const alias = firstAlias(doc.contents);
    const { line, column } = pos(lineCounter, alias?.range?.[0]);
    return fatal(
      file,
      line,
      column,
      /alias/i.test(message)
        ? `YAML: aliases (*name) expand to too many nodes (${message}); write the values out instead`
        : `YAML: ${message}`,
    );
  }

  const drafts: Draft[] = [];
  let unexplained = yamlOmitted;
  // `extends:` is resolved first; a problem in the result is placed where its value was written.
  const inherited = resolveExtends(data);
  data = inherited.data;
  drafts.push(...inherited.problems);
  let policy: Policy | undefined;
  if (data === null || data === undefined) {
    drafts.push({
      path: [],
      message:
        'the policy is empty; start with "version: 1" and an "environments:" mapping (see examples/policies/runbook.yml)',
    });
  } else {
    // zod drops a `__proto__` key silently (an environment named so would vanish), and it is
    // never a name anyone means.
    for (const path of protoKeys(data)) {
      drafts.push({
        path,
        at: 'key',
        message: '"__proto__" is reserved and cannot be used as a name; choose another name',
      });
    }
    // Every message zod would write itself comes back as this marker, so the ones the schema
    // words on purpose (durations, quantities, secrets) are kept and only the defaults are rewritten.
    const parsed = policySchema.safeParse(data, { reportInput: true, error: () => DEFAULT });
    if (parsed.success) policy = parsed.data;
    else {
      const issues = parsed.error.issues;
      // Problems an unresolved `extends:` would echo are left out (its own problem says it).
      const echo = (d: Draft): boolean =>
        d.path[0] === 'environments' && inherited.broken.has(String(d.path[1]));
      drafts.push(
        ...withoutEchoes(explainIssues(issues.slice(0, MAX_PROBLEMS_EXPLAINED), [], data)).filter(
          (d) => !echo(d),
        ),
      );
      // An unrecognized_keys issue holds one problem per key (a mapping of 60,000 typos).
      const weight = (list: readonly Issue[], cap: number): number =>
        list.reduce(
          (n, i) => n + (i.code === 'unrecognized_keys' ? Math.min(i.keys.length, cap) : 1),
          0,
        );
      unexplained +=
        weight(issues, Infinity) -
        weight(issues.slice(0, MAX_PROBLEMS_EXPLAINED), MAX_PROBLEMS_EXPLAINED);
    }
  }
  if (policy) drafts.push(...crossCheck(policy, options.strict === true, data));

  for (const draft of drafts.slice(0, MAX_PROBLEMS_EXPLAINED)) {
    const written = inherited.originOf(draft.path);
    const { line, column } = locate(written, draft.at ?? 'value', draft.inner);
    problems.push({ file, line, column, path: formatPath(written), message: draft.message });
  }
  unexplained += Math.max(0, drafts.length - MAX_PROBLEMS_EXPLAINED);
  if (problems.length > 0 || !policy) {
    return { ok: false, problems: sortProblems(dedupe(problems)), omitted: unexplained };
  }
  return { ok: true, policy };
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

function pos(lc: LineCounter, offset: number | undefined): { line: number; column: number } {
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lc.linePos(offset);
  return { line: Math.max(line, 1), column: col };
}

interface Ranged {
  range?: [number, number, number] | null;
}

/** The first node deeper than MAX_POLICY_DEPTH, found without recursion. */
function tooDeep(root: unknown): Ranged | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (depth > MAX_POLICY_DEPTH) return node as Ranged;
    if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        if (isPair(item)) {
          stack.push({ node: item.key, depth: depth + 1 });
          stack.push({ node: item.value, depth: depth + 1 });
        } else stack.push({ node: item, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

/** Every key written a second time in its mapping, where the second one is. */
function duplicateKeys(root: unknown): { offset: number; name: string }[] {
  const found: { offset: number; name: string }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (isScalar(pair.key)) {
          const name = String(pair.key.value);
          if (seen.has(name)) found.push({ offset: pair.key.range?.[0] ?? 0, name });
          seen.add(name);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/**
 * Cheap checks on the raw text before the YAML parser sees it: too many entries (lines and
 * commas) or flow brackets nested too deep. Brackets inside quoted PromQL are balanced, so
 * counting them without reading quotes is safe.
 */
function scanShape(text: string): { offset: number; message: string } | undefined {
  let entries = 0;
  let depth = 0;
  if (compactDashes(text, 0) > MAX_POLICY_DEPTH) {
    return {
      offset: 0,
      message: `YAML: nesting deeper than ${MAX_POLICY_DEPTH} levels starts here; a policy needs far fewer`,
    };
  }
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 44) {
      entries++;
      if (entries > MAX_POLICY_ENTRIES) {
        return {
          offset: i,
          message: `the policy has more than ${MAX_POLICY_ENTRIES} entries (lines and list items) by here; a policy is a runbook of a few hundred, split or shorten it`,
        };
      }
      if (c === 10 && compactDashes(text, i + 1) > MAX_POLICY_DEPTH) {
        return {
          offset: i + 1,
          message: `YAML: nesting deeper than ${MAX_POLICY_DEPTH} levels starts here; a policy needs far fewer`,
        };
      }
    } else if (c === 91 || c === 123) {
      depth++;
      if (depth > MAX_POLICY_DEPTH) {
        return {
          offset: i,
          message: `YAML: nesting deeper than ${MAX_POLICY_DEPTH} levels starts here; a policy needs far fewer`,
        };
      }
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** `- - - - x` nests one sequence per dash on a single line, with no brackets to count. */
function compactDashes(text: string, lineStart: number): number {
  const prefix = text.slice(lineStart, lineStart + 4 * MAX_POLICY_DEPTH + 8);
  const dashes = /^[ \t]*((?:-[ \t]+)*)/.exec(prefix)?.[1] ?? '';
  let n = 0;
  for (const ch of dashes) if (ch === '-') n++;
  return n;
}

function lineAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, col: offset - text.lastIndexOf('\n', offset - 1) };
}

/** Paths of every `__proto__` key in the data (yaml keeps it as an own property). */
function protoKeys(data: unknown): Segment[][] {
  const found: Segment[][] = [];
  const stack: { node: unknown; path: Segment[] }[] = [{ node: data, path: [] }];
  while (stack.length > 0 && found.length < MAX_PROBLEMS_EXPLAINED) {
    const { node, path } = stack.pop() as { node: unknown; path: Segment[] };
    if (Array.isArray(node))
      node.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        if (key === '__proto__') found.push([...path, key]);
        else stack.push({ node: (node as Record<string, unknown>)[key], path: [...path, key] });
      }
    }
  }
  return found;
}

/**
 * An alias used inside the node its anchor names (`a: &x {b: *x}`) makes a value that contains
 * itself: every walk over it (the schema, the checks) would never end. Depth is bounded by
 * tooDeep, which runs first, so recursion is safe here.
 */
function aliasInsideItsAnchor(
  node: unknown,
  open: string[],
): (Ranged & { source: string }) | undefined {
  if (isAlias(node)) return open.includes(node.source) ? node : undefined;
  if (!isMap(node) && !isSeq(node)) return undefined;
  const anchor = (node as { anchor?: string }).anchor;
  const inside = anchor ? [...open, anchor] : open;
  for (const item of node.items as unknown[]) {
    const found = isPair(item)
      ? (aliasInsideItsAnchor(item.key, inside) ?? aliasInsideItsAnchor(item.value, inside))
      : aliasInsideItsAnchor(item, inside);
    if (found) return found;
  }
  return undefined;
}

function firstAlias(root: unknown): Ranged | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) return node;
    if (isMap(node) || isSeq(node)) {
      for (const item of [...(node.items as unknown[])].reverse()) {
        if (isPair(item)) stack.push(item.value, item.key);
        else stack.push(item);
      }
    }
  }
  return undefined;
}

/**
 * `treshold: 5%` is one mistake, not two: the "did you mean threshold" already says it, so the
 * "missing required key threshold" it causes in the same mapping is dropped.
 */
function withoutEchoes(drafts: Draft[]): Draft[] {
  const meant = new Set(
    drafts.filter((d) => d.meant).map((d) => formatPath([...d.path.slice(0, -1), d.meant ?? ''])),
  );
  return drafts.filter((d) => !(d.missing && meant.has(formatPath(d.path))));
}

function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return problems.sort(
    (a, b) =>
      a.line - b.line ||
      a.column - b.column ||
      a.path.localeCompare(b.path) ||
      a.message.localeCompare(b.message),
  );
}

function dedupe(problems: PolicyProblem[]): PolicyProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * yaml reports an unclosed quote where the file ends, which is rarely where the mistake is;
 * the last quote that opens a value before that point is.
 */
function unclosedQuote(
  error: { code: string; message: string; pos: [number, number] },
  text: string,
): { offset: number; message: string } | undefined {
  if (error.code !== 'MISSING_CHAR' || !error.message.includes('quote')) return undefined;
  const quote = error.message.includes('"quote') ? '"' : "'";
  const before = text.slice(0, error.pos[0]);
  const opener = Math.max(before.lastIndexOf(`: ${quote}`), before.lastIndexOf(`- ${quote}`));
  if (opener < 0) return undefined;
  return {
    offset: opener + 2,
    message: `YAML: the quoted value starting here is never closed; add the closing ${quote}`,
  };
}

function yamlMessage(error: { code: string; message: string }, rest: string): string {
  switch (error.code) {
    case 'MULTIPLE_DOCS':
      return 'YAML: the file holds more than one document ("---"); a policy is a single document';
    case 'DUPLICATE_KEY': {
      const key = /^\s*(?:"([^"]*)"|'([^']*)'|([^:\n]*?))\s*:/.exec(rest);
      const name = key?.[1] ?? key?.[2] ?? key?.[3];
      return name
        ? `YAML: key "${name}" appears twice in the same mapping; keep one`
        : 'YAML: a key appears twice in the same mapping; keep one';
    }
    case 'TAG_RESOLVE_FAILED': {
      const tag = /^\s*(![^\s]*)/.exec(rest)?.[1];
      return `YAML: unresolved tag ${tag ?? ''}; a policy holds plain values, remove the tag`;
    }
    case 'TAB_AS_INDENT':
      return 'YAML: tabs are not allowed as indentation; indent with spaces';
    default:
      return `YAML: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
  }
}

// ---- positions -------------------------------------------------------------------------------

/**
 * Maps a data path to the YAML node it came from. A path that runs out (a missing key) stops at
 * the deepest mapping that exists, which is where the key has to be added.
 */
function locator(doc: Document, lc: LineCounter, text: string) {
  const pos = (offset: number | undefined): { line: number; column: number } => {
    if (offset === undefined) return { line: 1, column: 1 };
    const { line, col } = lc.linePos(offset);
    return { line: Math.max(line, 1), column: col };
  };
  return (
    path: readonly Segment[],
    at: 'value' | 'key',
    inner?: number,
  ): { line: number; column: number } => {
    let node: unknown = doc.contents;
    let keyOffset: number | undefined;
    for (const seg of path) {
      if (isAlias(node)) node = node.resolve(doc);
      keyOffset = undefined;
      if (isMap(node)) {
        const pair = findPair(doc, node, String(seg));
        if (!pair) return pos(node.range?.[0]);
        keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        // `for:` with nothing after it has no value node: point at the key instead.
        if (pair.value === null || pair.value === undefined) return pos(keyOffset);
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item: unknown = node.items[seg];
        if (item === undefined || item === null) return pos(node.range?.[0]);
        node = item;
      } else {
        break;
      }
    }
    if (at === 'key' && keyOffset !== undefined) return pos(keyOffset);
    if (inner !== undefined && isScalar(node)) {
      const offset = offsetInScalar(node, text, inner);
      if (offset !== undefined) return pos(offset);
    }
    const range = isScalar(node) || isMap(node) || isSeq(node) || isAlias(node) ? node.range : null;
    return pos(range?.[0] ?? keyOffset);
  };
}

/**
 * Where character `index` of a scalar's value sits in the file. Exact for plain and quoted
 * one-line scalars; for block scalars (`|`, `>`) the value's line is found in the source.
 * Undefined when escapes or folding make the mapping uncertain: the scalar's start is used.
 */
function offsetInScalar(node: Scalar, text: string, index: number): number | undefined {
  const range = node.range;
  if (!range || typeof node.value !== 'string') return undefined;
  const value = node.value;
  const source = text.slice(range[0], range[1]);
  // An error at the very end (an unclosed bracket) is placed after the last character written.
  const at = Math.min(index, value.trimEnd().length);
  if (node.type === 'PLAIN' && source === value) return range[0] + at;
  if (
    (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') &&
    source.slice(1, -1) === value
  ) {
    return range[0] + 1 + at;
  }
  const lineStart = at === 0 ? 0 : value.lastIndexOf('\n', at - 1) + 1;
  const lineEnd = value.indexOf('\n', at);
  const line = value.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  if (line.trim() === '') return undefined;
  // Earlier identical lines would be found first; skip as many as precede this one.
  let from = 0;
  const before = value
    .slice(0, lineStart)
    .split('\n')
    .filter((l) => l === line).length;
  let found = -1;
  for (let i = 0; i <= before; i++) {
    found = source.indexOf(line, from);
    if (found < 0) return undefined;
    from = found + line.length;
  }
  return range[0] + found + (at - lineStart);
}

type Pair = { key: unknown; value: unknown };

/**
 * The pair for `key` in a mapping, following `<<: *anchor` (or `<<: [*a, *b]`) when the key is
 * not written in the mapping itself, so a problem in a merged value points at the anchored text.
 * Keys written in the mapping win, then the merged mappings in order, as YAML merge keys do.
 */
function findPair(doc: Document, node: unknown, key: string, depth = 0): Pair | undefined {
  if (isAlias(node)) node = node.resolve(doc);
  if (!isMap(node) || depth > 20) return undefined;
  const items = node.items as Pair[];
  const own = items.find((p) => isScalar(p.key) && String(p.key.value) === key);
  if (own) return own;
  for (const p of items) {
    // The yaml library reads a merge key as a Scalar holding Symbol(<<) when merge is on.
    const merge = isScalar(p.key) && (typeof p.key.value === 'symbol' || p.key.value === '<<');
    if (!merge) continue;
    const sources = isSeq(p.value) ? p.value.items : [p.value];
    for (const source of sources) {
      const found = findPair(doc, source, key, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

// ---- zod issues into plain words ---------------------------------------------------------------

const DEFAULT = '\u0000zod-default';

type Issue = z.core.$ZodIssue;

function explainIssues(issues: readonly Issue[], prefix: Segment[], data: unknown): Draft[] {
  return issues.flatMap((issue) => explainIssue(issue, prefix, data));
}

function explainIssue(issue: Issue, prefix: Segment[], data: unknown): Draft[] {
  const path = [...prefix, ...issue.path.filter((s): s is Segment => typeof s !== 'symbol')];
  const key = lastKey(path);
  const value = valueAt(data, path);
  const missing = isMissing(data, path);
  const draft = (message: string): Draft[] => [{ path, message }];

  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.slice(0, MAX_PROBLEMS_EXPLAINED).map((k) => ({
        path: [...path, k],
        at: 'key' as const,
        ...unknownKey(k, path, data),
      }));
    case 'invalid_union': {
      // zod's "no matching discriminator": a discriminated union whose kind/type is unknown.
      if (issue.discriminator !== undefined && issue.errors.length === 0 && 'options' in issue) {
        return draft(
          badDiscriminator(issue.discriminator, issue.options ?? [], path, value, missing),
        );
      }
      if (missing) return [{ path, message: `missing required key "${key}"`, missing: true }];
      const special = specialExpectation(path, data);
      if (special) return draft(`expected ${special}, got ${show(value)}`);
      const branches = issue.errors;
      const typeOnly = branches.every(
        (b) => b.length === 1 && b[0]?.code === 'invalid_type' && b[0].path.length === 0,
      );
      if (typeOnly) {
        const expected = branches.map((b) => (b[0]?.code === 'invalid_type' ? b[0].expected : ''));
        return draft(`expected ${orList(expected.map(typeName))}, got ${show(value)}`);
      }
      // Explain the member the hints are drawn from, else the one with the fewest complaints.
      const member = schemaAt(policySchema, path, data)?.member;
      const best =
        (member === undefined ? undefined : branches[member]) ??
        [...branches].sort((a, b) => a.length - b.length)[0] ??
        [];
      return explainIssues(best, path, data);
    }
    case 'invalid_key':
      return issue.issues.map((inner) => ({
        path,
        at: 'key' as const,
        message:
          inner.message !== DEFAULT ? inner.message : `${show(lastKey(path))} is not a valid name`,
      }));
    case 'invalid_type':
      if (missing) return [{ path, message: `missing required key "${key}"`, missing: true }];
      return draft(`expected ${typeName(issue.expected)}, got ${show(value)}`);
    default:
      break;
  }
  if (issue.message !== DEFAULT) {
    // The schema's own pattern messages say what is allowed; name the offending value too.
    if (issue.code === 'invalid_format')
      return draft(`${show(value)} is not allowed; ${issue.message}`);
    return draft(issue.message);
  }
  switch (issue.code) {
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      if (values.length === 1)
        return draft(`${show(value)} is not supported; write ${key}: ${values[0]}`);
      const noun = NOUNS[key] ?? `valid ${key}`;
      const hint = typeof value === 'string' ? didYouMean(value, values) : undefined;
      const fix = hint
        ? `did you mean "${hint}"? (one of ${values.join(', ')})`
        : `write one of ${values.join(', ')}`;
      return draft(`${show(value)} is not ${noun}; ${fix}`);
    }
    case 'too_small': {
      if (issue.origin === 'array') return draft(`needs at least ${entries(issue.minimum)}`);
      if (issue.origin === 'string') return draft(`must not be empty`);
      const bound = issue.inclusive
        ? `at least ${String(issue.minimum)}`
        : `more than ${String(issue.minimum)}`;
      return draft(`${show(value)} is too small; write ${bound}`);
    }
    case 'too_big': {
      if (issue.origin === 'array') return draft(`allows at most ${entries(issue.maximum)}`);
      const bound = issue.inclusive
        ? `at most ${String(issue.maximum)}`
        : `less than ${String(issue.maximum)}`;
      return draft(`${show(value)} is too large; write ${bound}`);
    }
    case 'invalid_format':
      if (issue.format === 'url') {
        if (typeof value === 'string' && URL.canParse(value)) {
          return draft(
            `${show(value)} is a ${new URL(value).protocol} URL; Ripcord only sends requests over http and https, write a URL such as https://prometheus.example.com`,
          );
        }
        return draft(
          `${show(value)} is not a URL; write a full URL such as https://prometheus.example.com`,
        );
      }
      return draft(`${show(value)} is not a valid ${issue.format}`);
    default: {
      const fallback = z.locales.en().localeError(issue as unknown as z.core.$ZodRawIssue);
      const text = typeof fallback === 'string' ? fallback : fallback?.message;
      return draft(text ?? `${show(value)} is not valid here`);
    }
  }
}

/** What the user should call an enum field's value ("a severity"), keyed by the field name. */
const NOUNS: Record<string, string> = {
  severity: 'a severity',
  op: 'a comparison',
  aggregate: 'an aggregate',
  change: 'a change',
  method: 'an HTTP method',
  missing_data: 'a missing_data choice',
  strategy: 'a strategy',
  default_strategy: 'a strategy',
};

function badDiscriminator(
  disc: string,
  options: readonly unknown[],
  path: Segment[],
  value: unknown,
  missing: boolean,
): string {
  const names = options.filter((o): o is string => typeof o === 'string');
  if (missing) return `missing required key "${disc}"; write one of ${names.join(', ')}`;
  // `triggers[1].kind` is a trigger kind, `sources.x.type` a source type.
  const noun = `${collectionNoun(path.at(-3))} ${disc}`;
  const hint = typeof value === 'string' ? didYouMean(value, names) : undefined;
  const fix = hint
    ? `did you mean "${hint}"? (one of ${names.join(', ')})`
    : `write one of ${names.join(', ')}`;
  return `${show(value)} is not a ${noun}; ${fix}`;
}

function unknownKey(
  key: string,
  objectPath: Segment[],
  data: unknown,
): { message: string; meant?: string } {
  const found = schemaAt(policySchema, objectPath, data);
  const allowed =
    found && found.schema instanceof z.ZodObject ? Object.keys(found.schema.shape) : [];
  const hint = didYouMean(key, allowed);
  if (hint) return { message: `unknown key "${key}"; did you mean "${hint}"?`, meant: hint };
  return { message: unknownKeyWithoutHint(key, objectPath, allowed, found) };
}

function unknownKeyWithoutHint(
  key: string,
  objectPath: Segment[],
  allowed: string[],
  found: Found | undefined,
): string {
  if (found?.union) {
    // Right key, wrong kind: say which kinds take it instead of listing unrelated keys.
    const { disc, options } = found.union;
    const owners = options
      .filter((o) => o !== found.schema && key in o.shape)
      .map((o) => discriminatorValue(o, disc))
      .filter((v): v is string => v !== undefined);
    const mine =
      found.schema instanceof z.ZodObject ? discriminatorValue(found.schema, disc) : undefined;
    if (owners.length > 0 && mine !== undefined) {
      const noun = collectionNoun(objectPath.at(-2));
      return `unknown key "${key}" in a ${mine} ${noun}; only ${orList(owners, 'and')} ${noun}s take it (set ${disc})`;
    }
  }
  return allowed.length > 0
    ? `unknown key "${key}"; expected one of ${allowed.join(', ')}`
    : `unknown key "${key}"`;
}

function specialExpectation(path: Segment[], data: unknown): string | undefined {
  const found = schemaAt(policySchema, path, data);
  if (!found) return undefined;
  const inner = unwrapPipe(found.schema);
  if (DURATION_INPUTS.has(inner)) return 'a duration such as 15m';
  if (inner === quantity.in) return 'a number or a quantity such as 5%, 2s or 500MB';
  return undefined;
}

function typeName(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    record: 'a mapping',
    map: 'a mapping',
    array: 'a list',
    string: 'a string',
    number: 'a number',
    int: 'a whole number',
    boolean: 'true or false',
  };
  return names[expected] ?? expected;
}

function show(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function entries(n: number | bigint): string {
  return Number(n) === 1 ? 'one entry' : `${String(n)} entries`;
}

function orList(items: string[], word = 'or'): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `${unique.slice(0, -1).join(', ')} ${word} ${unique.at(-1) ?? ''}`;
}

/** `triggers` -> `trigger`: what one element of the collection holding a path is called. */
function collectionNoun(segment: Segment | undefined): string {
  return typeof segment === 'string' ? segment.replace(/s$/, '').replaceAll('_', ' ') : 'entry';
}

function lastKey(path: readonly Segment[]): string {
  const last = path.at(-1);
  return last === undefined ? '' : String(last);
}

function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[String(seg)];
  }
  return node;
}

function isMissing(data: unknown, path: readonly Segment[]): boolean {
  const last = path.at(-1);
  if (last === undefined) return data === undefined;
  const parent = valueAt(data, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && !Object.hasOwn(parent, String(last));
}

// ---- walking the schema alongside the data -------------------------------------------------------

type AnyObject = z.ZodObject<z.ZodRawShape>;

interface Found {
  schema: z.ZodType;
  /** Set when the schema is one kind of a discriminated union (a trigger, a source). */
  union?: { disc: string; options: AnyObject[] };
  /** Set when the schema was picked from a plain union: its index among the members. */
  member?: number;
}

/** Strips optional/default/meta wrappers, and transforms down to the input side. */
function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else return s;
  }
}

function unwrapPipe(schema: z.ZodType): z.ZodType {
  const s = unwrap(schema);
  return s instanceof z.ZodPipe ? unwrap(s.in as z.ZodType) : s;
}

function discriminatorValue(option: AnyObject, disc: string): string | undefined {
  const literal = option.shape[disc];
  const inner = literal ? unwrap(literal as z.ZodType) : undefined;
  return inner instanceof z.ZodLiteral && typeof inner.value === 'string' ? inner.value : undefined;
}

/** Picks the union member the data is written for, so keys and hints come from the right kind. */
function pickOption(schema: z.ZodUnion, value: unknown): Found | undefined {
  const options = (schema.options as readonly z.ZodType[]).map(unwrap);
  const objects = options.filter((o): o is AnyObject => o instanceof z.ZodObject);
  const record =
    value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const disc = schema.def.discriminator;
    const chosen = objects.find((o) => {
      const d = o.shape[disc];
      return d !== undefined && (d as z.ZodType).safeParse(record[disc]).success;
    });
    return chosen ? { schema: chosen, union: { disc, options: objects } } : undefined;
  }
  // A plain union of mappings (auth: bearer, or username and password): the member sharing the
  // most keys with what was written; the first on a tie.
  const keys = Object.keys(record);
  const scored = options
    .map((o, index) => ({
      o,
      index,
      score: o instanceof z.ZodObject ? keys.filter((k) => k in o.shape).length : -1,
    }))
    .sort((a, b) => b.score - a.score);
  const best = scored[0];
  return best ? { schema: best.o, member: best.index } : undefined;
}

function schemaAt(root: z.ZodType, path: readonly Segment[], data: unknown): Found | undefined {
  let value = data;
  const step = (s: z.ZodType): Found | undefined => {
    const u = unwrap(s);
    return u instanceof z.ZodUnion ? pickOption(u, value) : { schema: u };
  };
  let found = step(root);
  if (!found) return undefined;
  for (const seg of path) {
    const s = found.schema;
    let next: z.ZodType | undefined;
    if (s instanceof z.ZodObject) next = (s.shape as Record<string, z.ZodType>)[String(seg)];
    else if (s instanceof z.ZodRecord) next = s.valueType as z.ZodType;
    else if (s instanceof z.ZodArray) next = s.element as z.ZodType;
    if (!next) return undefined;
    value = valueAt(value, [seg]);
    const stepped = step(next);
    if (!stepped) return undefined;
    found = stepped;
  }
  return found;
}

// ---- checks across the policy -------------------------------------------------------------------

function crossCheck(policy: Policy, strict: boolean, data: unknown): Draft[] {
  const drafts: Draft[] = [...checkFlagProviders(policy)];
  const sourceNames = Object.keys(policy.sources);
  const unknownSource = (name: string): string => {
    const hint = didYouMean(name, sourceNames);
    if (hint) return `no source named "${name}" under sources; did you mean "${hint}"?`;
    return sourceNames.length > 0
      ? `no source named "${name}" under sources; define it there or use one of ${sourceNames.join(', ')}`
      : `no source named "${name}"; add it under sources`;
  };

  for (const [envName, env] of Object.entries(policy.environments)) {
    const envPath: Segment[] = ['environments', envName];
    const firstUse = new Map<string, number>();
    env.triggers.forEach((t, i) => {
      const at = (...rest: Segment[]): Segment[] => [...envPath, 'triggers', i, ...rest];
      const source = Object.hasOwn(policy.sources, t.source) ? policy.sources[t.source] : undefined;
      if (!source) drafts.push({ path: at('source'), message: unknownSource(t.source) });
      else if (t.kind === 'probe' && source.type !== 'http' && source.type !== 'file') {
        drafts.push({
          path: at('source'),
          message: `a probe trigger needs an http or file source; "${t.source}" is a ${source.type} source`,
        });
      }
      const earlier = firstUse.get(t.name);
      if (earlier === undefined) firstUse.set(t.name, i);
      else {
        drafts.push({
          path: at('name'),
          message: `trigger name "${t.name}" is already used by triggers[${earlier}]; names must be unique within an environment`,
        });
      }
      if (t.kind === 'aggregate') {
        if (t.aggregate === 'quantile' && t.quantile === undefined) {
          drafts.push({
            path: at('quantile'),
            message:
              'missing required key "quantile" (aggregate: quantile needs one, such as 0.95)',
          });
        } else if (t.aggregate !== 'quantile' && t.quantile !== undefined) {
          drafts.push({
            path: at('quantile'),
            message: `quantile only applies to aggregate: quantile; remove it or write aggregate: quantile`,
          });
        }
      }
    });
    if (env.impact && !Object.hasOwn(policy.sources, env.impact.source)) {
      drafts.push({
        path: [...envPath, 'impact', 'source'],
        message: unknownSource(env.impact.source),
      });
    }
    // The default strategy as written, or implied (redeploy): an implied one is checked by
    // `validate` only, so a policy that always names its strategy still loads in the actions.
    const written = Object.hasOwn(
      (valueAt(data, ['environments', envName]) ?? {}) as object,
      'default_strategy',
    );
    drafts.push(...checkEnvironment(policy, envName, env, strict, written));
    env.decision.forEach((rule, i) => {
      if (rule.min_impact && rule.max_impact && rule.min_impact.value >= rule.max_impact.value) {
        drafts.push({
          path: [...envPath, 'decision', i, 'min_impact'],
          message: `min_impact ${rule.min_impact.text} must be below max_impact ${rule.max_impact.text}; a rule matches impact from min_impact up to, not including, max_impact`,
        });
      }
      drafts.push(...checkDecisionFlag(rule, env, [...envPath, 'decision', i]));
      drafts.push(
        ...checkApprovalName(rule.approval, env, [...envPath, 'decision', i, 'approval']),
      );
      // A row naming a trigger that does not exist would never match: a typo, caught here.
      const names = env.triggers.map((t) => t.name);
      (rule.triggers ?? []).forEach((name, j) => {
        if (names.includes(name)) return;
        const hint = didYouMean(name, names);
        drafts.push({
          path: [...envPath, 'decision', i, 'triggers', j],
          message: `trigger "${name}" is not a trigger of this environment, so the row would never match; ${hint ? `did you mean "${hint}"?` : `write one of ${names.join(', ') || '(no triggers defined)'}`}`,
        });
      });
    });
    drafts.push(...checkApprovalName(env.default_approval, env, [...envPath, 'default_approval']));
  }
  return drafts;
}

type EnvironmentPolicy = Policy['environments'][string];

/** Checks that only fail at run time otherwise: PromQL syntax, strategies, empty environments. */
function checkEnvironment(
  policy: Policy,
  envName: string,
  env: EnvironmentPolicy,
  strict: boolean,
  defaultWritten: boolean,
): Draft[] {
  const drafts: Draft[] = [];
  const envPath: Segment[] = ['environments', envName];
  const isPrometheus = (name: string): boolean =>
    Object.hasOwn(policy.sources, name) && policy.sources[name]?.type === 'prometheus';
  const promql = (query: string, path: Segment[]): void => {
    const error = promqlSyntaxError(query);
    if (error) drafts.push({ path, message: error.message, inner: error.index });
  };

  if (strict && env.triggers.length === 0) {
    drafts.push({
      path: envPath,
      at: 'key',
      message: `environment "${envName}" has no triggers, so evaluating it can never decide anything; add triggers under it`,
    });
  }
  env.triggers.forEach((t, i) => {
    const at = (...rest: Segment[]): Segment[] => [...envPath, 'triggers', i, ...rest];
    if (t.query !== '' && isPrometheus(t.source)) promql(t.query, at('query'));
    if (t.kind === 'burn-rate' && !(t.objective.value > 0 && t.objective.value < 1)) {
      drafts.push({
        path: at('objective'),
        message: `objective ${t.objective.text} leaves no error budget (the burn rate divides by 1 - objective); write a ratio between 0 and 100%, such as 99.9%`,
      });
    }
  });
  if (env.impact && isPrometheus(env.impact.source)) {
    promql(env.impact.query, [...envPath, 'impact', 'query']);
  }
  env.verify.checks.forEach((check, i) => {
    if (check.type === 'metric' && isPrometheus(check.source)) {
      promql(check.query, [...envPath, 'verify', 'checks', i, 'query']);
    }
  });

  // A decision (or the default) that picks a strategy the environment does not configure fails
  // the rollback when it is needed. An environment configuring no strategy leaves the rollback
  // to its own workflow and is not checked.
  const strategies = env.rollback.strategies;
  const configured = (['feature-flag', 'config', 'redeploy', 'full'] as const).filter(
    (name) => strategies[name] !== undefined,
  );
  if (configured.length > 0) {
    const problem = (name: string): string | undefined => {
      if (name === 'full' && strategies.full !== undefined && strategies.redeploy === undefined) {
        return 'strategy full redeploys as configured under rollback.strategies.redeploy, which is missing; add it';
      }
      return (strategies as Record<string, unknown>)[name] === undefined
        ? `strategy ${name} can be picked here but rollback.strategies.${name} is not configured; configure it or pick one of ${configured.join(', ')}`
        : undefined;
    };
    env.decision.forEach((rule, i) => {
      const message = problem(rule.strategy);
      if (message) drafts.push({ path: [...envPath, 'decision', i, 'strategy'], message });
    });
    // The default is picked when no rule matches; rules matching every impact of every
    // severity make it unreachable.
    const catchAll = (['critical', 'warning'] as const).every((severity) =>
      env.decision.some(
        (r) =>
          (r.severity === undefined || r.severity === severity) &&
          r.min_impact === undefined &&
          r.max_impact === undefined,
      ),
    );
    const message =
      catchAll || !(defaultWritten || strict) ? undefined : problem(env.default_strategy);
    if (message) drafts.push({ path: [...envPath, 'default_strategy'], message });
  }
  return drafts;
}

/** Every `provider:` names a flag provider under `flags`. */
function checkFlagProviders(policy: Policy): Draft[] {
  const drafts: Draft[] = [];
  const names = Object.keys(policy.flags);
  const check = (provider: string | undefined, path: Segment[]): void => {
    if (provider === undefined || Object.hasOwn(policy.flags, provider)) return;
    const hint = didYouMean(provider, names);
    drafts.push({
      path,
      message:
        names.length === 0
          ? `no flag provider "${provider}": define it under flags`
          : `no flag provider "${provider}" under flags${hint ? ` (did you mean "${hint}"?)` : ''}; known providers are ${names.join(', ')}`,
    });
  };
  for (const [envName, env] of Object.entries(policy.environments)) {
    const envPath: Segment[] = ['environments', envName];
    const ff = env.rollback.strategies['feature-flag'];
    if (ff) check(ff.provider, [...envPath, 'rollback', 'strategies', 'feature-flag', 'provider']);
    env.verify.checks.forEach((c, i) => {
      if (c.type === 'flag-off') check(c.provider, [...envPath, 'verify', 'checks', i, 'provider']);
    });
    check(env.recovery.flag?.provider, [...envPath, 'recovery', 'flag', 'provider']);
  }
  return drafts;
}

/**
 * Once an environment names approval rules (rollback.approvals), an approval that is neither
 * none nor one of them is a mistake: a typo of `senior-consensus` would otherwise be routed to
 * a GitHub Environment's reviewers (or nobody) instead of the comment approvals it meant.
 */
function checkApprovalName(approval: string, env: Environment, path: Segment[]): Draft[] {
  const names = Object.keys(env.rollback.approvals);
  if (names.length === 0 || approval === 'none' || Object.hasOwn(env.rollback.approvals, approval))
    return [];
  const hint = didYouMean(approval, names);
  return [
    {
      path,
      message: `no approval rule "${approval}" under rollback.approvals${hint ? ` (did you mean "${hint}"?)` : ''}; write none or one of ${names.join(', ')}`,
    },
  ];
}

/** A row's `flag` only means something for a feature-flag rollback the policy can plan. */
function checkDecisionFlag(rule: DecisionRule, env: Environment, rulePath: Segment[]): Draft[] {
  if (!rule.flag) return [];
  const at = (...rest: Segment[]): Segment[] => [...rulePath, 'flag', ...rest];
  if (rule.strategy !== 'feature-flag') {
    return [
      {
        path: at(),
        message: `flag applies to strategy feature-flag only; this row picks ${rule.strategy}, so remove flag or write strategy: feature-flag`,
      },
    ];
  }
  const base = env.rollback.strategies['feature-flag'];
  if (!base) {
    return [
      {
        path: at(),
        message:
          'this row switches a flag, but rollback.strategies.feature-flag is not configured (provider and flag name); add it',
      },
    ];
  }
  if (rule.flag.mode === 'components' && !rule.flag.components && base.components.length === 0) {
    return [
      {
        path: at('mode'),
        message:
          'mode components needs the components to switch off; add components: [...] here or under rollback.strategies.feature-flag',
      },
    ];
  }
  return [];
}
