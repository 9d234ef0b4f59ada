/**
 * OpenMetrics text with timestamps, the format `promtool tsdb create-blocks-from openmetrics`
 * backfills: `# TYPE name gauge`, `name{label="v"} value timestamp_seconds`, `# EOF`.
 *
 * Recordings are large (the bench reads 1,000 series x 360 points), so this is a hand-written
 * scanner over char codes: each distinct label text is parsed once, later lines with the same
 * text only cost a map lookup.
 */
import { ConfigurationError } from '../core/errors.ts';
import type { Sample, Series } from '../core/signal.ts';
import { parseSampleValue } from './fetch-with-retry.ts';

const MAX_PROBLEMS = 10;
/** Above this a "seconds" timestamp is in the year 5138: it was written in milliseconds. */
const MAX_SECONDS = 1e11;

class LineError extends Error {}

interface SeriesBuilder {
  series: Series;
  sorted: boolean;
  lastT: number;
}

export function parseOpenMetrics(text: string, file: string): Series[] {
  const state: ParseState = {
    text,
    byRawKey: new Map(),
    byCanonicalKey: new Map(),
    lastKey: '',
    last: undefined,
  };
  const problems: string[] = [];
  let lineNo = 0;
  let pos = 0;
  let eofLine = 0;

  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const lineStart = pos;
    const lineEnd = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    pos = end + 1;
    lineNo++;
    const first = text.charCodeAt(lineStart);
    if (lineStart === lineEnd) continue;
    if (first === 32 || first === 9) {
      if (text.slice(lineStart, lineEnd).trim() === '') continue;
    }
    if (eofLine > 0) {
      problems.push(`${file}:${lineNo}: data after "# EOF" (line ${eofLine})`);
      break;
    }
    if (first === 35 /* # */) {
      if (text.slice(lineStart, lineEnd) === '# EOF') eofLine = lineNo;
      // # TYPE, # HELP, # UNIT and plain comments carry nothing a recording needs.
      continue;
    }
    try {
      parseSampleLine(state, lineStart, lineEnd);
    } catch (thrown) {
      if (!(thrown instanceof LineError)) throw thrown;
      problems.push(`${file}:${lineNo}: ${thrown.message}`);
      if (problems.length >= MAX_PROBLEMS) {
        problems.push('(stopped after 10 problems)');
        break;
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `${file} is not OpenMetrics text with timestamps (name{label="value"} value unix_seconds)`,
      problems,
    );
  }
  const out: Series[] = [];
  for (const builder of state.byCanonicalKey.values()) {
    if (!builder.sorted) builder.series.samples.sort((a, b) => a.t - b.t);
    out.push(builder.series);
  }
  return out;
}

interface ParseState {
  text: string;
  byRawKey: Map<string, SeriesBuilder>;
  byCanonicalKey: Map<string, SeriesBuilder>;
  /** Recordings list a series' samples together: the previous line's key usually repeats. */
  lastKey: string;
  last: SeriesBuilder | undefined;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** Parses the sample on text[start, end), indices into the whole file (no per-line copies). */
function parseSampleLine(state: ParseState, start: number, end: number): void {
  const text = state.text;
  let builder: SeriesBuilder | undefined;
  let i: number;
  const lastKey = state.lastKey;
  if (
    lastKey !== '' &&
    state.last !== undefined &&
    text.charCodeAt(start + lastKey.length) === 32 &&
    sameAt(text, start, lastKey)
  ) {
    builder = state.last;
    i = start + lastKey.length;
  } else {
    if (!isNameStart(text.charCodeAt(start))) {
      const shown = text.slice(start, Math.min(end, start + 20));
      throw new LineError(`expected a metric name, found ${JSON.stringify(shown)}`);
    }
    let nameEnd = start;
    while (nameEnd < end && isNameChar(text.charCodeAt(nameEnd))) nameEnd++;
    let keyEnd = nameEnd;
    if (text.charCodeAt(nameEnd) === 123 /* { */ && nameEnd < end) {
      keyEnd = findLabelsEnd(text, nameEnd, end) + 1;
    }
    const rawKey = text.slice(start, keyEnd);
    builder = state.byRawKey.get(rawKey);
    if (builder === undefined) {
      const labels: Record<string, string> = { __name__: text.slice(start, nameEnd) };
      if (keyEnd > nameEnd) parseLabels(text, nameEnd, keyEnd - 1, start, labels);
      const canonical = canonicalKey(labels);
      builder = state.byCanonicalKey.get(canonical);
      if (builder === undefined) {
        builder = { series: { labels, samples: [] }, sorted: true, lastT: -Infinity };
        state.byCanonicalKey.set(canonical, builder);
      }
      state.byRawKey.set(rawKey, builder);
    }
    state.lastKey = rawKey;
    state.last = builder;
    i = keyEnd;
  }

  if (text.charCodeAt(i) !== 32 || i >= end) {
    throw new LineError('expected a space before the value');
  }
  while (text.charCodeAt(i) === 32 && i < end) i++;
  let tokenEnd = text.indexOf(' ', i);
  if (tokenEnd < 0 || tokenEnd > end) tokenEnd = end;
  let v = parseDecimal(text, i, tokenEnd);
  if (Number.isNaN(v)) {
    const valueText = text.slice(i, tokenEnd);
    const parsed = parseSampleValue(valueText);
    if (parsed === undefined) throw new LineError(`${JSON.stringify(valueText)} is not a number`);
    v = parsed;
  }

  i = tokenEnd;
  while (text.charCodeAt(i) === 32 && i < end) i++;
  if (i >= end || text.charCodeAt(i) === 35 /* exemplar */) {
    throw new LineError(
      'the sample has no timestamp; a recording needs one per sample (value then unix seconds)',
    );
  }
  tokenEnd = text.indexOf(' ', i);
  if (tokenEnd < 0 || tokenEnd > end) tokenEnd = end;
  let seconds = parseDecimal(text, i, tokenEnd);
  const tsText =
    Number.isNaN(seconds) || Math.abs(seconds) > MAX_SECONDS ? text.slice(i, tokenEnd) : '';
  if (Number.isNaN(seconds)) seconds = tsText === '' ? NaN : Number(tsText);
  if (!Number.isFinite(seconds)) {
    throw new LineError(`${JSON.stringify(tsText)} is not a timestamp (unix seconds)`);
  }
  if (Math.abs(seconds) > MAX_SECONDS) {
    throw new LineError(
      `timestamp ${tsText} looks like milliseconds; OpenMetrics timestamps are unix seconds (${seconds / 1000})`,
    );
  }
  i = tokenEnd;
  while (text.charCodeAt(i) === 32 && i < end) i++;
  if (i < end && text.charCodeAt(i) !== 35) {
    throw new LineError(`unexpected ${JSON.stringify(text.slice(i, end))} after the timestamp`);
  }

  const t = Math.round(seconds * 1000);
  const sample: Sample = { t, v };
  if (t < builder.lastT) builder.sorted = false;
  builder.lastT = t;
  builder.series.samples.push(sample);
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `-?digits(.digits)?` with at most 15 significant digits, or NaN for anything else (the caller
 * falls back to Number). Mantissa and power of ten are exact doubles, so the one division is
 * correctly rounded: the same result as Number(), without a string per number.
 */
function parseDecimal(text: string, start: number, end: number): number {
  let i = start;
  let negative = false;
  if (text.charCodeAt(i) === 45 /* - */) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 /* . */ && fraction < 0) {
      fraction = 0;
    } else {
      return NaN;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  const value = fraction > 0 ? mantissa / (POW10[fraction] ?? NaN) : mantissa;
  return negative ? -value : value;
}

/** `text.startsWith(key, at)`, which V8 runs far slower on a large string than this loop. */
function sameAt(text: string, at: number, key: string): boolean {
  for (let k = key.length - 1; k >= 0; k--) {
    if (text.charCodeAt(at + k) !== key.charCodeAt(k)) return false;
  }
  return true;
}

/** Index of the `}` closing the label set opened at `open`, skipping quoted values. */
function findLabelsEnd(line: string, open: number, end: number): number {
  let inQuote = false;
  for (let i = open + 1; i < end; i++) {
    const c = line.charCodeAt(i);
    if (inQuote) {
      if (c === 92 /* \ */) i++;
      else if (c === 34) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 125 /* } */) {
      return i;
    }
  }
  throw new LineError(inQuote ? 'unterminated label value' : 'missing "}" after the labels');
}

/** Parses `a="x",b="y"` between `{` at open and `}` at close into labels. */
function parseLabels(
  line: string,
  open: number,
  close: number,
  lineStart: number,
  labels: Record<string, string>,
): void {
  let i = open + 1;
  const skipSpaces = (): void => {
    while (i < close && line.charCodeAt(i) === 32) i++;
  };
  for (;;) {
    skipSpaces();
    if (i >= close) return;
    const nameStart = i;
    const first = line.charCodeAt(i);
    if (!(isNameStart(first) && first !== 58)) {
      throw new LineError(`expected a label name at column ${i - lineStart + 1}`);
    }
    while (i < close && isNameChar(line.charCodeAt(i)) && line.charCodeAt(i) !== 58) i++;
    const name = line.slice(nameStart, i);
    skipSpaces();
    if (line.charCodeAt(i) !== 61 /* = */) {
      throw new LineError(`expected "=" after label ${name} at column ${i - lineStart + 1}`);
    }
    i++;
    skipSpaces();
    if (line.charCodeAt(i) !== 34) {
      throw new LineError(`the value of label ${name} must be in double quotes`);
    }
    i++;
    let value = '';
    let chunkStart = i;
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        value += line.slice(chunkStart, i);
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new LineError(`unknown escape "\\${next ?? ''}" in label ${name}`);
        i += 2;
        chunkStart = i;
        continue;
      }
      i++;
    }
    value += line.slice(chunkStart, i);
    i++;
    if (Object.hasOwn(labels, name)) throw new LineError(`label ${name} appears twice`);
    labels[name] = value;
    skipSpaces();
    if (i >= close) return;
    if (line.charCodeAt(i) !== 44 /* , */) {
      throw new LineError(`expected "," or "}" at column ${i - lineStart + 1}`);
    }
    i++;
  }
}

export function canonicalKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k] ?? ''}`)
    .join('\u0001');
}

/** Writes series as OpenMetrics text that promtool backfills (tests and `ripcord record`). */
export function formatOpenMetrics(series: readonly Series[]): string {
  const lines: string[] = [];
  const typed = new Set<string>();
  // A metric family must be contiguous, so series are grouped by name.
  const ordered = [...series].sort((a, b) =>
    (a.labels.__name__ ?? '').localeCompare(b.labels.__name__ ?? ''),
  );
  for (const s of ordered) {
    const name = s.labels.__name__ ?? 'unnamed';
    if (!typed.has(name)) {
      typed.add(name);
      lines.push(`# TYPE ${name} gauge`);
    }
    const pairs = Object.entries(s.labels)
      .filter(([k]) => k !== '__name__')
      .map(
        ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
      );
    const head = pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name;
    for (const sample of s.samples) {
      lines.push(`${head} ${formatValue(sample.v)} ${sample.t / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
