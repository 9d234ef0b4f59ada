/**
 * The small JSON path language of http sources and probe expectations: `.data.error_rate`,
 * `.items[0].value`, `.["key.with.dots"]`, and `.` for the whole document.
 */
import { ConfigurationError } from '../../shared/errors.ts';

export type PathSegment = string | number;

export function parseJsonPath(path: string): PathSegment[] {
  const fail = (message: string): never => {
    throw new ConfigurationError(
      `"${path}" is not a JSON path: ${message}; write one such as .data.error_rate or .items[0].value`,
    );
  };
  if (!path.startsWith('.') && !path.startsWith('[')) fail('it must start with "."');
  if (path === '.') return [];
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const ch = path[i];
    if (ch === '.') {
      i++;
      if (path[i] === '[') continue;
      let end = i;
      while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
      const key = path.slice(i, end);
      if (key === '') fail(`empty key at position ${i}`);
      segments.push(key);
      i = end;
    } else if (ch === '[') {
      const close = findClosingBracket(path, i);
      if (close < 0) fail(`unclosed "[" at position ${i}`);
      const inner = path.slice(i + 1, close).trim();
      if (/^\d+$/.test(inner)) {
        segments.push(Number(inner));
      } else if (inner.length >= 2 && (inner[0] === '"' || inner[0] === "'")) {
        if (inner[inner.length - 1] !== inner[0]) fail(`unterminated string in ${inner}`);
        segments.push(inner.slice(1, -1).replace(/\\(.)/g, '$1'));
      } else {
        fail(`[${inner}] is neither an index nor a quoted key`);
      }
      i = close + 1;
    } else {
      fail(`unexpected "${ch}" at position ${i}`);
    }
  }
  return segments;
}

function findClosingBracket(path: string, open: number): number {
  let quote = '';
  for (let i = open + 1; i < path.length; i++) {
    const ch = path[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ']') {
      return i;
    }
  }
  return -1;
}

export type PathLookup = { found: true; value: unknown } | { found: false; missingAt: string };

export function getJsonPath(document: unknown, segments: readonly PathSegment[]): PathLookup {
  let current: unknown = document;
  let walked = '';
  for (const segment of segments) {
    walked += typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) {
        return { found: false, missingAt: walked };
      }
      current = current[segment] as unknown;
    } else {
      if (
        typeof current !== 'object' ||
        current === null ||
        Array.isArray(current) ||
        !Object.hasOwn(current, segment)
      ) {
        return { found: false, missingAt: walked };
      }
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}

/** A JSON value as a reason shows it: strings quoted, long values cut. */
export function describeJsonValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
