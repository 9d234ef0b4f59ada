/**
 * Guards on the YAML text and tree before the schema sees it (shape pre-scan, nesting depth,
 * duplicate keys, aliases, reserved keys, unclosed quotes), and the positions problems are placed at.
 * Each bounds the work a hostile file can cause: every check is linear in the file.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Scalar,
} from 'yaml';
import {
  MAX_POLICY_DEPTH,
  MAX_POLICY_ENTRIES,
  MAX_PROBLEMS_EXPLAINED,
  type Segment,
} from './problems.ts';

export function pos(lc: LineCounter, offset: number | undefined): { line: number; column: number } {
  if (offset === undefined) return { line: 1, column: 1 };
  const { line, col } = lc.linePos(offset);
  return { line: Math.max(line, 1), column: col };
}

export interface Ranged {
  range?: [number, number, number] | null;
}

/** The first node deeper than MAX_POLICY_DEPTH, found without recursion. */
export function tooDeep(root: unknown): Ranged | undefined {
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
export function duplicateKeys(root: unknown): { offset: number; name: string }[] {
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
export function scanShape(text: string): { offset: number; message: string } | undefined {
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
export function compactDashes(text: string, lineStart: number): number {
  const prefix = text.slice(lineStart, lineStart + 4 * MAX_POLICY_DEPTH + 8);
  const dashes = /^[ \t]*((?:-[ \t]+)*)/.exec(prefix)?.[1] ?? '';
  let n = 0;
  for (const ch of dashes) if (ch === '-') n++;
  return n;
}

export function lineAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return { line, col: offset - text.lastIndexOf('\n', offset - 1) };
}

/** Paths of every `__proto__` key in the data (yaml keeps it as an own property). */
export function protoKeys(data: unknown): Segment[][] {
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
export function aliasInsideItsAnchor(
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

export function firstAlias(root: unknown): Ranged | undefined {
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
 * yaml reports an unclosed quote where the file ends, which is rarely where the mistake is;
 * the last quote that opens a value before that point is.
 */
export function unclosedQuote(
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

export function yamlMessage(error: { code: string; message: string }, rest: string): string {
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
export function locator(doc: Document, lc: LineCounter, text: string) {
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
export function offsetInScalar(node: Scalar, text: string, index: number): number | undefined {
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

export type Pair = { key: unknown; value: unknown };

/**
 * The pair for `key` in a mapping, following `<<: *anchor` (or `<<: [*a, *b]`) when the key is
 * not written in the mapping itself, so a problem in a merged value points at the anchored text.
 * Keys written in the mapping win, then the merged mappings in order, as YAML merge keys do.
 */
export function findPair(doc: Document, node: unknown, key: string, depth = 0): Pair | undefined {
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
