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
  const byRawKey = new Map<string, SeriesBuilder>();
  const byCanonicalKey = new Map<string, SeriesBuilder>();
  const problems: string[] = [];
  let lineNo = 0;
  let pos = 0;
  let eofLine = 0;

  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (eofLine > 0) {
      problems.push(`${file}:${lineNo}: data after "# EOF" (line ${eofLine})`);
      break;
    }
    if (line.charCodeAt(0) === 35 /* # */) {
      if (line === '# EOF') eofLine = lineNo;
      // # TYPE, # HELP, # UNIT and plain comments carry nothing a recording needs.
      continue;
    }
    try {
      parseSampleLine(line, byRawKey, byCanonicalKey);
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
  for (const builder of byCanonicalKey.values()) {
    if (!builder.sorted) builder.series.samples.sort((a, b) => a.t - b.t);
    out.push(builder.series);
  }
  return out;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function parseSampleLine(
  line: string,
  byRawKey: Map<string, SeriesBuilder>,
  byCanonicalKey: Map<string, SeriesBuilder>,
): void {
  const len = line.length;
  let i = 0;
  if (!isNameStart(line.charCodeAt(0))) {
    throw new LineError(`expected a metric name, found ${JSON.stringify(line.slice(0, 20))}`);
  }
  while (i < len && isNameChar(line.charCodeAt(i))) i++;
  let keyEnd = i;
  if (line.charCodeAt(i) === 123 /* { */) {
    keyEnd = findLabelsEnd(line, i) + 1;
  }
  const rawKey = line.slice(0, keyEnd);
  let builder = byRawKey.get(rawKey);
  if (builder === undefined) {
    const labels: Record<string, string> = { __name__: line.slice(0, i) };
    if (keyEnd > i) parseLabels(line, i, keyEnd - 1, labels);
    const canonical = canonicalKey(labels);
    builder = byCanonicalKey.get(canonical);
    if (builder === undefined) {
      builder = { series: { labels, samples: [] }, sorted: true, lastT: -Infinity };
      byCanonicalKey.set(canonical, builder);
    }
    byRawKey.set(rawKey, builder);
  }

  i = keyEnd;
  if (line.charCodeAt(i) !== 32) throw new LineError('expected a space before the value');
  while (line.charCodeAt(i) === 32) i++;
  let tokenEnd = line.indexOf(' ', i);
  if (tokenEnd < 0) tokenEnd = len;
  const valueText = line.slice(i, tokenEnd);
  const v = parseSampleValue(valueText);
  if (v === undefined) throw new LineError(`${JSON.stringify(valueText)} is not a number`);

  i = tokenEnd;
  while (line.charCodeAt(i) === 32) i++;
  if (i >= len || line.charCodeAt(i) === 35 /* exemplar */) {
    throw new LineError(
      'the sample has no timestamp; a recording needs one per sample (value then unix seconds)',
    );
  }
  tokenEnd = line.indexOf(' ', i);
  if (tokenEnd < 0) tokenEnd = len;
  const tsText = line.slice(i, tokenEnd);
  const seconds = Number(tsText);
  if (tsText === '' || !Number.isFinite(seconds)) {
    throw new LineError(`${JSON.stringify(tsText)} is not a timestamp (unix seconds)`);
  }
  if (Math.abs(seconds) > MAX_SECONDS) {
    throw new LineError(
      `timestamp ${tsText} looks like milliseconds; OpenMetrics timestamps are unix seconds (${seconds / 1000})`,
    );
  }
  i = tokenEnd;
  while (line.charCodeAt(i) === 32) i++;
  if (i < len && line.charCodeAt(i) !== 35) {
    throw new LineError(`unexpected ${JSON.stringify(line.slice(i))} after the timestamp`);
  }

  const t = Math.round(seconds * 1000);
  const sample: Sample = { t, v };
  if (t < builder.lastT) builder.sorted = false;
  builder.lastT = t;
  builder.series.samples.push(sample);
}

/** Index of the `}` closing the label set opened at `open`, skipping quoted values. */
function findLabelsEnd(line: string, open: number): number {
  let inQuote = false;
  for (let i = open + 1; i < line.length; i++) {
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
      throw new LineError(`expected a label name at column ${i + 1}`);
    }
    while (i < close && isNameChar(line.charCodeAt(i)) && line.charCodeAt(i) !== 58) i++;
    const name = line.slice(nameStart, i);
    skipSpaces();
    if (line.charCodeAt(i) !== 61 /* = */) {
      throw new LineError(`expected "=" after label ${name} at column ${i + 1}`);
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
      throw new LineError(`expected "," or "}" at column ${i + 1}`);
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
