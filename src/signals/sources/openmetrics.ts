/**
 * OpenMetrics text with timestamps, the format `promtool tsdb create-blocks-from openmetrics`
 * backfills: `# TYPE name gauge`, `name{label="v"} value timestamp_seconds`, `# EOF`.
 *
 * Recordings are large (a week of minutes for 1,000 series is 600 MB, more than V8's longest
 * string), so this is a scanner over bytes fed in chunks: there is no whole-file string and no
 * object per sample. Each series grows two Float64Array columns. Lines mostly repeat the
 * previous line's series, which costs a byte comparison; other series keys cost a map lookup,
 * and each distinct label text is parsed once.
 *
 * A run at one evaluation time needs only the samples in its triggers' windows: with `keep`,
 * samples outside it are parsed and checked, then dropped, so memory grows with series x window
 * rather than with the file's length.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Sample, Series } from '../signal.ts';
import { parseSampleValue } from '../../shared/fetch-with-retry.ts';

const MAX_PROBLEMS = 10;
/** Above this a "seconds" timestamp is in the year 5138: it was written in milliseconds. */
const MAX_SECONDS = 1e11;
/** Read size; a line longer than this grows the buffer. */
const CHUNK = 1 << 20;
const MAX_LINE = 64 << 20;
/**
 * Samples a recording may keep in memory (16 bytes each: 1.6 GB). Beyond it a run fails with
 * this limit named rather than the process running out of memory.
 */
export const DEFAULT_MAX_SAMPLES = 100_000_000;

/** Inclusive time range (unix ms) of the samples a run can use. */
export interface KeepRange {
  from: number;
  to: number;
}

export interface ColumnOptions {
  /** Keep only samples in this range; all when absent. */
  keep?: KeepRange | undefined;
  /** Samples kept, at most; a larger recording is a ConfigurationError naming the limit. */
  maxSamples?: number | undefined;
}

export interface ParsedColumns {
  series: Series[];
  /** First and last timestamp anywhere in the file, kept or not. */
  minT: number;
  maxT: number;
}

class LineError extends Error {}

/**
 * A recording the run cannot use at all (too large, unreadable): the run fails with it, where
 * a malformed line is the trigger's reason to be inconclusive.
 */
export class RecordingUnusable extends ConfigurationError {}

/** Raised when a recording holds more samples than the limit allows. */
export function tooManySamples(file: string, limit: number, keep: KeepRange | undefined): never {
  const range = keep
    ? ` between ${iso(keep.from)} and ${iso(keep.to)}, the range this run's triggers need`
    : '';
  throw new RecordingUnusable(
    `${file} holds more than ${limit.toLocaleString('en-US')} samples${range}; that is the limit (RIPCORD_MAX_RECORDING_SAMPLES, ${Math.round((limit * 16) / 1e6).toLocaleString('en-US')} MB in memory): record fewer series or a shorter time, or raise the limit`,
  );
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : String(t);
}

/** A series' growing columns; `lastT`/`lastV`/`lastLine` also track dropped samples. */
class Builder {
  times: Float64Array<ArrayBufferLike> = new Float64Array(0);
  values: Float64Array<ArrayBufferLike> = new Float64Array(0);
  n = 0;
  sorted = true;
  lastT = -Infinity;
  lastV = NaN;
  lastLine = 0;
  /**
   * While set, this series' times so far equal `shared`'s first `n` entries and `times` holds
   * none of them (see OpenMetricsColumns.store).
   */
  shared: Float64Array | undefined = undefined;
  readonly labels: Record<string, string>;
  /** The series as first written, for messages. */
  readonly keyText: string;
  constructor(labels: Record<string, string>, keyText: string) {
    this.labels = labels;
    this.keyText = keyText;
  }
}

/**
 * Feeds bytes in, complete lines at a time. `feed` parses every complete line in
 * `buf[0, end)` and returns where the unparsed tail starts; the caller moves that tail to the
 * front and reads more after it.
 */
export class OpenMetricsColumns {
  private readonly byRawKey = new Map<string, Builder>();
  private readonly byCanonicalKey = new Map<string, Builder>();
  /** The previous line's series key, as bytes: recordings list a series' samples together. */
  private lastKey = Buffer.alloc(0);
  private lastKeyLength = 0;
  private last: Builder | undefined;
  private readonly problems: string[] = [];
  private lineNo = 0;
  private eofLine = 0;
  private kept = 0;
  private typical = 16;
  private minT = Infinity;
  private maxT = -Infinity;
  private readonly from: number;
  private readonly to: number;
  private readonly maxSamples: number;
  get lineNumber(): number {
    return this.lineNo;
  }

  private readonly slab = new Slab();
  /**
   * The times of the last series read whole: the next series usually has the same ones (a
   * recording samples every series at the same instants), and then shares this column instead
   * of writing its own copy. Half the memory a recording takes, and on a machine where touching
   * fresh memory is slow (a fresh page can cost tens of microseconds in a VM) half that time.
   */
  private template: Float64Array | undefined;

  /** Set once parsing has stopped early (data after # EOF, or 10 problems). */
  stopped = false;

  private readonly file: string;
  private readonly options: ColumnOptions;

  constructor(file: string, options: ColumnOptions = {}) {
    this.file = file;
    this.options = options;
    this.from = options.keep?.from ?? -Infinity;
    this.to = options.keep?.to ?? Infinity;
    this.maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  }

  feed(buf: Buffer, end: number, final: boolean): number {
    let limit: number;
    if (final) {
      // The buffer keeps one spare byte: a last line without a newline gets one.
      if (end > 0 && buf[end - 1] !== 10) buf[end++] = 10;
      limit = end;
    } else {
      limit = buf.lastIndexOf(10, end - 1) + 1;
      if (limit <= 0) return 0;
    }
    let pos = 0;
    while (pos < limit && !this.stopped) {
      this.lineNo++;
      const c = buf[pos];
      if (c === 10) {
        pos++;
        continue;
      }
      if (c === 13 && buf[pos + 1] === 10) {
        pos += 2;
        continue;
      }
      if (c === 32 || c === 9 || c === 13) {
        const lineEnd = buf.indexOf(10, pos);
        if (isBlank(buf, pos, lineEnd)) {
          pos = lineEnd + 1;
          continue;
        }
      }
      if (this.eofLine > 0) {
        this.problems.push(
          `${this.file}:${this.lineNo}: data after "# EOF" (line ${this.eofLine})`,
        );
        this.stopped = true;
        break;
      }
      if (c === 35 /* # */) {
        const lineEnd = buf.indexOf(10, pos);
        const textEnd = lineEnd > pos && buf[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
        if (textEnd - pos === 5 && buf.toString('latin1', pos, textEnd) === '# EOF') {
          this.eofLine = this.lineNo;
        }
        // # TYPE, # HELP, # UNIT and plain comments carry nothing a recording needs.
        pos = lineEnd + 1;
        continue;
      }
      try {
        pos = this.sampleLine(buf, pos) + 1;
      } catch (thrown) {
        if (!(thrown instanceof LineError)) throw thrown;
        this.problems.push(`${this.file}:${this.lineNo}: ${thrown.message}`);
        if (this.problems.length >= MAX_PROBLEMS) {
          this.problems.push('(stopped after 10 problems)');
          this.stopped = true;
          break;
        }
        pos = buf.indexOf(10, pos) + 1;
      }
    }
    return pos;
  }

  finish(): ParsedColumns {
    let out: Series[] = [];
    if (this.problems.length === 0) {
      for (const b of this.byCanonicalKey.values()) {
        try {
          out.push(columnsOf(b));
        } catch (thrown) {
          if (!(thrown instanceof LineError)) throw thrown;
          this.problems.push(`${this.file}: ${thrown.message}`);
          if (this.problems.length >= MAX_PROBLEMS) break;
        }
      }
    }
    if (this.problems.length > 0) {
      throw new ConfigurationError(
        `${this.file} is not OpenMetrics text with timestamps (name{label="value"} value unix_seconds)`,
        this.problems,
      );
    }
    // Columns that grew by doubling left their old copies behind: when that is a fifth or
    // more of what was taken, the kept samples move to exact-size buffers.
    let needed = 0;
    for (const b of this.byCanonicalKey.values()) needed += b.shared === undefined ? 2 * b.n : b.n;
    if (this.slab.taken > needed * 1.25 + SLAB) out = compact(out, this.kept);
    return { series: out, minT: this.minT, maxT: this.maxT };
  }

  /** Parses the sample line starting at `start`; returns the index of its closing newline. */
  private sampleLine(buf: Buffer, start: number): number {
    let builder: Builder;
    let i: number;
    const keyLength = this.lastKeyLength;
    if (
      this.last !== undefined &&
      keyLength > 0 &&
      buf[start + keyLength] === 32 &&
      sameBytes(buf, start, this.lastKey, keyLength)
    ) {
      builder = this.last;
      i = start + keyLength;
    } else {
      if (!isNameStart(buf[start] ?? 0)) {
        const lineEnd = buf.indexOf(10, start);
        const shown = buf.toString('utf8', start, Math.min(lineEnd, start + 20));
        throw new LineError(`expected a metric name, found ${JSON.stringify(shown)}`);
      }
      let nameEnd = start;
      while (isNameChar(buf[nameEnd] ?? 0)) nameEnd++;
      let keyEnd = nameEnd;
      if (buf[nameEnd] === 123 /* { */) keyEnd = findLabelsEnd(buf, nameEnd) + 1;
      const rawKey = buf.toString('latin1', start, keyEnd);
      let found = this.byRawKey.get(rawKey);
      if (found === undefined) {
        const keyText = buf.toString('utf8', start, keyEnd);
        const nameLength = nameEnd - start;
        const labels: Record<string, string> = { __name__: keyText.slice(0, nameLength) };
        if (keyEnd > nameEnd) parseLabels(keyText, nameLength, keyText.length - 1, labels);
        const canonical = canonicalKey(labels);
        found = this.byCanonicalKey.get(canonical);
        if (found === undefined) {
          found = new Builder(labels, keyText);
          this.byCanonicalKey.set(canonical, found);
        }
        this.byRawKey.set(rawKey, found);
      }
      builder = found;
      const previous = this.last;
      if (previous !== undefined) {
        // A new series starts at the size the previous one reached: series are mostly alike.
        this.typical = Math.min(Math.max(previous.n, 16), 1 << 16);
        if (previous.shared === undefined && previous.sorted && previous.n > 0) {
          if (previous.n > (this.template?.length ?? 0))
            this.template = previous.times.subarray(0, previous.n);
        }
      }
      if (builder.n === 0 && builder.shared === undefined && builder.times.length === 0)
        builder.shared = this.template;
      this.last = builder;
      if (this.lastKey.length < keyEnd - start) this.lastKey = Buffer.alloc((keyEnd - start) * 2);
      buf.copy(this.lastKey, 0, start, keyEnd);
      this.lastKeyLength = keyEnd - start;
      i = keyEnd;
    }

    if (buf[i] !== 32) throw new LineError('expected a space before the value');
    while (buf[i] === 32) i++;
    let v = parseDecimal(buf, i);
    let tokenEnd = decimalEnd;
    if (Number.isNaN(v)) {
      const valueText = buf.toString('utf8', i, tokenEnd);
      const parsed = parseSampleValue(valueText);
      if (parsed === undefined) throw new LineError(`${JSON.stringify(valueText)} is not a number`);
      v = parsed;
    }

    i = tokenEnd;
    while (buf[i] === 32) i++;
    if (buf[i] === 10 || buf[i] === 13 || buf[i] === 35 /* exemplar */) {
      throw new LineError(
        'the sample has no timestamp; a recording needs one per sample (value then unix seconds)',
      );
    }
    let seconds = parseDecimal(buf, i);
    tokenEnd = decimalEnd;
    const tsText =
      Number.isNaN(seconds) || Math.abs(seconds) > MAX_SECONDS
        ? buf.toString('utf8', i, tokenEnd)
        : '';
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
    while (buf[i] === 32) i++;
    if (buf[i] === 13 && buf[i + 1] === 10) i++;
    let lineEnd = i;
    if (buf[i] !== 10) {
      lineEnd = buf.indexOf(10, i);
      if (buf[i] !== 35) {
        const textEnd = buf[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
        throw new LineError(
          `unexpected ${JSON.stringify(buf.toString('utf8', i, textEnd))} after the timestamp`,
        );
      }
    }

    const t = Math.round(seconds * 1000);
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    if (t === builder.lastT) {
      // The same sample written twice is harmless; two values for one time are a broken file.
      if (Object.is(v, builder.lastV) || v === builder.lastV) return lineEnd;
      // Not one bad line among good ones: which value the series had is unknowable, so the
      // whole recording is refused (the run fails) rather than read as inconclusive.
      throw new RecordingUnusable(`${this.file} holds two values for one series at one time`, [
        `${this.file}:${this.lineNo}: ${duplicateMessage(builder, t, builder.lastV, v, builder.lastLine)}`,
      ]);
    }
    if (t < builder.lastT) builder.sorted = false;
    builder.lastT = t;
    builder.lastV = v;
    builder.lastLine = this.lineNo;
    if (t < this.from || t > this.to) return lineEnd;
    const n = builder.n;
    const shared = builder.shared;
    if (shared !== undefined && !(n < shared.length && shared[n] === t)) this.unshare(builder);
    if (n === builder.values.length) this.grow(builder);
    if (builder.shared === undefined) builder.times[n] = t;
    builder.values[n] = v;
    builder.n = n + 1;
    if (++this.kept > this.maxSamples)
      tooManySamples(this.file, this.maxSamples, this.options.keep);
    return lineEnd;
  }

  /** Grows the values column, and the times column unless the series shares its times. */
  private grow(b: Builder): void {
    const capacity = b.n === 0 ? this.typical : b.n * 2;
    const values = this.slab.take(capacity);
    values.set(b.values.subarray(0, b.n));
    b.values = values;
    if (b.shared === undefined) {
      const times = this.slab.take(capacity);
      times.set(b.times.subarray(0, b.n));
      b.times = times;
    }
  }

  /** The series' next time differs from the shared column: it gets a column of its own. */
  private unshare(b: Builder): void {
    const shared = b.shared as Float64Array;
    b.shared = undefined;
    if (b.n === 0) return;
    const times = this.slab.take(Math.max(b.values.length, this.typical));
    times.set(shared.subarray(0, b.n));
    b.times = times;
  }
}

/**
 * Columns are cut from large shared buffers: one ArrayBuffer per series (tens of thousands)
 * costs more in allocation and garbage collection than the parse itself.
 */
class Slab {
  private current = new Float64Array(0);
  private used = 0;
  /** Entries handed out, including those a column outgrew. */
  taken = 0;

  take(n: number): Float64Array {
    if (this.current.length - this.used < n) {
      this.current = new Float64Array(Math.max(SLAB, n));
      this.used = 0;
    }
    const out = this.current.subarray(this.used, this.used + n);
    this.used += n;
    this.taken += n;
    return out;
  }
}

const SLAB = 1 << 20;

/** Two values for one time: `first` was written before `second` (on `line` when known). */
function duplicateMessage(
  b: Builder,
  t: number,
  first: number,
  second: number,
  line: number,
): string {
  const where = line > 0 ? ` on line ${line} and ${String(second)} here` : ` and ${String(second)}`;
  return `${b.keyText} has two values at ${t / 1000} (unix seconds): ${String(first)}${where}; a series holds one value per timestamp, so remove one`;
}

/** Trimmed, sorted columns of a builder; unsorted input is sorted and checked for duplicates. */
function columnsOf(b: Builder): Series {
  let times = (b.shared ?? b.times).subarray(0, b.n);
  let values = b.values.subarray(0, b.n);
  if (!b.sorted) {
    const order = Array.from(times, (_, i) => i).sort((x, y) => (times[x] ?? 0) - (times[y] ?? 0));
    const sortedTimes = new Float64Array(order.length);
    const sortedValues = new Float64Array(order.length);
    let n = 0;
    for (const i of order) {
      const t = times[i] ?? NaN;
      const v = values[i] ?? NaN;
      if (n > 0 && sortedTimes[n - 1] === t) {
        const previous = sortedValues[n - 1] ?? NaN;
        if (Object.is(previous, v) || previous === v) continue;
        throw new LineError(duplicateMessage(b, t, previous, v, 0));
      }
      sortedTimes[n] = t;
      sortedValues[n] = v;
      n++;
    }
    times = sortedTimes.subarray(0, n);
    values = sortedValues.subarray(0, n);
  }
  return { labels: b.labels, times, values };
}

/**
 * The series' values copied into one buffer of exactly `total` entries, and their times into
 * a slab; times columns that series shared stay shared (one copy per shared column).
 */
function compact(series: Series[], total: number): Series[] {
  const values = new Float64Array(total);
  const timesSlab = new Slab();
  const copies = new Map<ArrayBufferLike, Map<number, Float64Array>>();
  let at = 0;
  return series.map((s) => {
    const n = s.times.length;
    values.set(s.values, at);
    let byOffset = copies.get(s.times.buffer);
    if (byOffset === undefined) {
      byOffset = new Map();
      copies.set(s.times.buffer, byOffset);
    }
    let copy = byOffset.get(s.times.byteOffset);
    if (copy === undefined || copy.length < n) {
      copy = timesSlab.take(n);
      copy.set(s.times);
      byOffset.set(s.times.byteOffset, copy);
    }
    const out = {
      labels: s.labels,
      times: copy.subarray(0, n),
      values: values.subarray(at, at + n),
    };
    at += n;
    return out;
  });
}

/** Parses a whole OpenMetrics text (tests, small inputs). */
export function parseOpenMetrics(text: string, file: string, options?: ColumnOptions): Series[] {
  const bytes = Buffer.from(`${text}\n`, 'utf8');
  const parser = new OpenMetricsColumns(file, options);
  parser.feed(bytes, bytes.length - 1, true);
  return parser.finish().series;
}

/** Reads an OpenMetrics file in chunks into columns; the file is never one string. */
export function readOpenMetricsFile(
  path: string,
  file: string,
  options?: ColumnOptions,
): ParsedColumns {
  const parser = new OpenMetricsColumns(file, options);
  const fd = openSync(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK + 1);
    let filled = 0;
    for (;;) {
      const n = readSync(fd, buf, filled, buf.length - 1 - filled, null);
      const final = n === 0;
      filled += n;
      const consumed = parser.feed(buf, filled, final);
      if (final || parser.stopped) break;
      if (consumed === 0 && filled === buf.length - 1) {
        if (buf.length > MAX_LINE) {
          throw new RecordingUnusable(
            `${file}:${parser.lineNumber + 1}: a line is longer than the limit of ${MAX_LINE >> 20} MiB; this is not OpenMetrics text`,
          );
        }
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
        continue;
      }
      buf.copyWithin(0, consumed, filled);
      filled -= consumed;
    }
  } finally {
    closeSync(fd);
  }
  return parser.finish();
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 58;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

/** `buf` at `at` starts with the first `length` bytes of `key`. */
function sameBytes(buf: Buffer, at: number, key: Buffer, length: number): boolean {
  for (let k = length - 1; k >= 0; k--) {
    if (buf[at + k] !== key[k]) return false;
  }
  return true;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Where the last `parseDecimal` stopped: the end of its token. */
let decimalEnd = 0;

/**
 * Scans the token at `start` (up to a byte <= 32) and parses it when it is
 * `-?digits(.digits)?` with at most 15 significant digits; NaN for anything else (the caller
 * falls back to Number). Mantissa and power of ten are exact doubles, so the one division is
 * correctly rounded: the same result as Number(), without a string per number.
 */
function parseDecimal(buf: Buffer, start: number): number {
  let i = start;
  let negative = false;
  if (buf[i] === 45 /* - */) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fraction = -1;
  let ok = true;
  for (;;) {
    const c = buf[i] as number;
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (fraction >= 0) fraction++;
    } else if (c === 46 /* . */ && fraction < 0) {
      fraction = 0;
    } else if (c > 32) {
      ok = false;
    } else {
      break;
    }
    i++;
  }
  decimalEnd = i;
  if (!ok || digits === 0 || digits > 15) return NaN;
  const value = fraction > 0 ? mantissa / (POW10[fraction] as number) : mantissa;
  return negative ? -value : value;
}

/** Index of the `}` closing the label set opened at `open`, skipping quoted values. */
function findLabelsEnd(buf: Buffer, open: number): number {
  let inQuote = false;
  for (let i = open + 1; ; i++) {
    const c = buf[i];
    if (c === 10 || c === undefined) break;
    if (inQuote) {
      if (c === 92 /* \ */) {
        if (buf[i + 1] === 10) break;
        i++;
      } else if (c === 34) inQuote = false;
    } else if (c === 34) {
      inQuote = true;
    } else if (c === 125 /* } */) {
      return i;
    }
  }
  throw new LineError(inQuote ? 'unterminated label value' : 'missing "}" after the labels');
}

/** Parses `a="x",b="y"` between `{` at open and `}` at close of one series key into labels. */
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

/** What the writer takes: columns, or sample objects (tests and small recordings). */
export type WritableSeries =
  Series | { labels: Record<string, string>; samples: readonly Sample[] };

/** Writes series as OpenMetrics text that promtool backfills (tests and `ripcord record`). */
export function formatOpenMetrics(series: readonly WritableSeries[]): string {
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
    if ('samples' in s) {
      for (const sample of s.samples)
        lines.push(`${head} ${formatValue(sample.v)} ${sample.t / 1000}`);
    } else {
      s.times.forEach((t, i) => {
        lines.push(`${head} ${formatValue(s.values[i] ?? NaN)} ${t / 1000}`);
      });
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
