/**
 * A saved Prometheus query_range answer (or a bundle of them under `queries`), read from bytes
 * in chunks straight into per-series columns. `JSON.parse` would need the whole file as one
 * string (V8 caps strings near 512 MiB) and an array per sample; this reads the few shapes a
 * recording has and hands anything else to a small generic value reader.
 *
 * The shape is Prometheus' documented response format:
 * https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigurationError } from '../../shared/errors.ts';
import type { Series } from '../signal.ts';
import { parseSampleValue } from '../../shared/fetch-with-retry.ts';
import {
  DEFAULT_MAX_SAMPLES,
  RecordingUnusable,
  tooManySamples,
  type ColumnOptions,
  type KeepRange,
} from './openmetrics.ts';

/** Where bytes come from: `fill` reads more into `buf`, returning how many (0 at the end). */
export interface ByteSource {
  fill(buf: Buffer, offset: number): number;
  close(): void;
}

export function bytesSource(bytes: Buffer): ByteSource {
  let at = 0;
  return {
    fill(buf, offset) {
      const n = bytes.copy(buf, offset, at);
      at += n;
      return n;
    },
    close() {},
  };
}

export function fileSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  return {
    fill: (buf, offset) => readSync(fd, buf, offset, buf.length - offset, null),
    close: () => closeSync(fd),
  };
}

export interface QueryRangeJson {
  series: Series[];
  /** Bundled answers, keyed by the query with its whitespace collapsed. */
  queries: Map<string, Series[]> | undefined;
  minT: number;
  maxT: number;
}

const CHUNK = 1 << 20;

class JsonSyntaxError extends Error {}

class Reader {
  buf: Buffer;
  pos = 0;
  end = 0;
  private consumed = 0;
  private line = 1;
  private lineStart = 0;
  private done = false;

  private readonly source: ByteSource;

  constructor(source: ByteSource) {
    this.source = source;
    this.buf = Buffer.allocUnsafe(CHUNK);
  }

  /** The byte at pos, reading more when the buffer is used up; -1 at the end. */
  peek(): number {
    if (this.pos < this.end) return this.buf[this.pos] ?? -1;
    return this.refill();
  }

  private refill(): number {
    if (this.done) return -1;
    this.consumed += this.end;
    this.lineStart -= this.end;
    this.pos = 0;
    this.end = 0;
    const n = this.source.fill(this.buf, 0);
    if (n === 0) {
      this.done = true;
      return -1;
    }
    this.end = n;
    return this.buf[0] ?? -1;
  }

  /** Skips whitespace; returns the next byte without consuming it. */
  ws(): number {
    for (;;) {
      const c = this.peek();
      if (c === 32 || c === 9 || c === 13) this.pos++;
      else if (c === 10) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else return c;
    }
  }

  expect(c: number, what: string): void {
    if (this.ws() !== c) this.fail(`expected ${what}`);
    this.pos++;
  }

  fail(message: string): never {
    const found = this.peek();
    const near = found < 0 ? 'the end of the file' : JSON.stringify(String.fromCharCode(found));
    throw new JsonSyntaxError(
      `${message} at line ${this.line}, column ${this.pos - this.lineStart + 1} (found ${near})`,
    );
  }

  /** A JSON string; the opening quote is next. */
  string(): string {
    this.expect(34, 'a string');
    // Short strings without escapes inside the buffer (sample values, label values).
    const close = this.buf.indexOf(34, this.pos);
    if (close >= 0 && close < this.end) {
      let plain = true;
      for (let i = this.pos; i < close; i++) {
        const c = this.buf[i] ?? 0;
        if (c === 92 || c < 32) {
          plain = false;
          break;
        }
      }
      if (plain) {
        const out = this.buf.toString('utf8', this.pos, close);
        this.pos = close + 1;
        return out;
      }
    }
    const parts: string[] = [];
    let start = this.pos;
    let escaped = false;
    for (;;) {
      if (this.pos >= this.end) {
        parts.push(this.buf.toString('latin1', start, this.pos));
        if (this.peek() < 0) this.fail('unterminated string');
        start = this.pos;
      }
      const c = this.buf[this.pos] ?? 0;
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        this.pos++;
        if (this.pos >= this.end) {
          parts.push(this.buf.toString('latin1', start, this.pos));
          if (this.peek() < 0) this.fail('unterminated string');
          start = this.pos;
        }
      } else if (c < 32) {
        this.fail('a control character inside a string');
      }
      this.pos++;
    }
    parts.push(this.buf.toString('latin1', start, this.pos));
    this.pos++;
    // Collected as latin1 (one char per byte), so chunk edges cannot split a character.
    const raw = Buffer.from(parts.join(''), 'latin1').toString('utf8');
    if (!escaped) return raw;
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return this.fail('a bad escape in a string');
    }
  }

  /** A JSON number, as text and value. */
  number(): number {
    // Most numbers lie inside the buffer: read them there, without a string per digit.
    let i = this.pos;
    for (;;) {
      const c = this.buf[i] ?? -1;
      if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) i++;
      else break;
    }
    if (i < this.end && i > this.pos) {
      const v = Number(this.buf.toString('latin1', this.pos, i));
      if (Number.isNaN(v)) this.fail('a number');
      this.pos = i;
      return v;
    }
    let text = '';
    for (;;) {
      const c = this.peek();
      if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) {
        text += String.fromCharCode(c);
        this.pos++;
      } else break;
    }
    const v = text === '' ? NaN : Number(text);
    if (Number.isNaN(v)) this.fail('a number');
    return v;
  }

  /** Any JSON value, as JavaScript (small parts: labels, errors, unknown keys). */
  value(): unknown {
    const c = this.ws();
    if (c === 34) return this.string();
    if (c === 123) {
      const out: Record<string, unknown> = {};
      this.object((key) => {
        out[key] = this.value();
      });
      return out;
    }
    if (c === 91) {
      const out: unknown[] = [];
      this.array(() => out.push(this.value()));
      return out;
    }
    if (c === 116) return this.word('true', true);
    if (c === 102) return this.word('false', false);
    if (c === 110) return this.word('null', null);
    return this.number();
  }

  private word<T>(word: string, value: T): T {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() !== word.charCodeAt(i)) this.fail('a value');
      this.pos++;
    }
    return value;
  }

  /** `{ "key": ..., }`: calls `member` with each key, the reader at its value. */
  object(member: (key: string) => void): void {
    this.expect(123, '"{"');
    if (this.ws() === 125) {
      this.pos++;
      return;
    }
    for (;;) {
      const key = this.string();
      this.expect(58, '":"');
      member(key);
      const c = this.ws();
      this.pos++;
      if (c === 125) return;
      if (c !== 44) {
        this.pos--;
        this.fail('"," or "}"');
      }
    }
  }

  /** `[ ... ]`: calls `element` with each index, the reader at the element. */
  array(element: (index: number) => void): void {
    this.expect(91, '"["');
    if (this.ws() === 93) {
      this.pos++;
      return;
    }
    for (let index = 0; ; index++) {
      element(index);
      const c = this.ws();
      this.pos++;
      if (c === 93) return;
      if (c !== 44) {
        this.pos--;
        this.fail('"," or "]"');
      }
    }
  }

  atEnd(): boolean {
    return this.ws() < 0;
  }
}

/** One series' columns as they grow. */
interface Columns {
  labels: Record<string, string>;
  times: Float64Array;
  values: Float64Array;
  n: number;
  sorted: boolean;
  hasValues: boolean;
  hasValue: boolean;
  metricBad: boolean;
}

interface Response {
  status: unknown;
  error: unknown;
  errorType: unknown;
  resultType: unknown;
  result: Columns[] | undefined;
  resultBad: boolean;
}

class QueryRangeReader {
  private kept = 0;
  /** Names the answer being read in messages: the file, or the file and the query. */
  private where: string;
  minT = Infinity;
  maxT = -Infinity;
  private readonly from: number;
  private readonly to: number;
  private readonly maxSamples: number;

  private readonly r: Reader;
  private readonly file: string;
  private readonly keep: KeepRange | undefined;

  constructor(r: Reader, file: string, keep: KeepRange | undefined, maxSamples?: number) {
    this.r = r;
    this.file = file;
    this.keep = keep;
    this.from = keep?.from ?? -Infinity;
    this.to = keep?.to ?? Infinity;
    this.maxSamples = maxSamples ?? DEFAULT_MAX_SAMPLES;
    this.where = file;
  }

  /** The document: one answer, or `{"queries": {query: answer}}`. */
  document(): { top: Response; queries: Map<string, Response> | undefined } {
    if (this.r.ws() !== 123) {
      this.r.value();
      return { top: emptyResponse(), queries: undefined };
    }
    let queries: Map<string, Response> | undefined;
    const top = this.response((key) => {
      if (key !== 'queries' || this.r.ws() !== 123) return false;
      queries = new Map();
      this.r.object((query) => {
        this.where = `${this.file}: queries[${JSON.stringify(query)}]`;
        queries?.set(query, this.r.ws() === 123 ? this.response() : notAnObject(this.r.value()));
      });
      return true;
    });
    return { top, queries };
  }

  private response(other?: (key: string) => boolean): Response {
    const out = emptyResponse();
    const member = (key: string): void => {
      switch (key) {
        case 'status':
          out.status = this.r.value();
          return;
        case 'error':
          out.error = this.r.value();
          return;
        case 'errorType':
          out.errorType = this.r.value();
          return;
        case 'data':
          if (this.r.ws() === 123) this.r.object(member);
          else this.r.value();
          return;
        case 'resultType':
          out.resultType = this.r.value();
          return;
        case 'result':
          if (this.r.ws() === 91) out.result = this.result();
          else {
            this.r.value();
            out.resultBad = true;
          }
          return;
        default:
          if (!other?.(key)) this.r.value();
      }
    };
    this.r.object(member);
    return out;
  }

  private result(): Columns[] {
    const entries: Columns[] = [];
    this.r.array(() => {
      const entry: Columns = {
        labels: {},
        times: new Float64Array(0),
        values: new Float64Array(0),
        n: 0,
        sorted: true,
        hasValues: false,
        hasValue: false,
        metricBad: false,
      };
      entries.push(entry);
      if (this.r.ws() !== 123) {
        this.r.value();
        entry.metricBad = true;
        return;
      }
      const at = `data.result[${entries.length - 1}]`;
      this.r.object((key) => {
        if (key === 'metric') {
          const metric = this.r.value();
          if (isObject(metric)) {
            for (const [k, v] of Object.entries(metric)) entry.labels[k] = String(v);
          } else entry.metricBad = true;
        } else if (key === 'values' && this.r.ws() === 91) {
          entry.hasValues = true;
          this.r.array((j) => this.pair(entry, `${at}.values[${j}]`));
        } else if (key === 'value' && this.r.ws() === 91) {
          entry.hasValue = true;
          this.pair(entry, `${at}.value`);
        } else {
          this.r.value();
        }
      });
    });
    return entries;
  }

  /** `[1712000000.123, "0.05"]`: Prometheus sends values as strings (NaN, +Inf...). */
  private pair(entry: Columns, at: string): void {
    const r = this.r;
    const bad = (): never => {
      throw new ConfigurationError(`${this.where}: ${at} is not a [timestamp, "value"] pair`);
    };
    if (r.ws() !== 91) bad();
    r.pos++;
    const c = r.ws();
    if (!((c >= 48 && c <= 57) || c === 45)) bad();
    const seconds = r.number();
    if (!Number.isFinite(seconds)) bad();
    if (r.ws() !== 44) bad();
    r.pos++;
    const q = r.ws();
    let v: number | undefined;
    if (q === 34) v = parseSampleValue(r.string());
    else if ((q >= 48 && q <= 57) || q === 45) v = r.number();
    if (v === undefined) return bad();
    if (r.ws() !== 93) bad();
    r.pos++;
    const t = Math.round(seconds * 1000);
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    if (t < this.from || t > this.to) return;
    if (entry.n === entry.times.length) {
      const capacity = Math.max(16, entry.n * 2);
      const times = new Float64Array(capacity);
      const values = new Float64Array(capacity);
      times.set(entry.times);
      values.set(entry.values);
      entry.times = times;
      entry.values = values;
    }
    if (entry.n > 0 && t < (entry.times[entry.n - 1] ?? 0)) entry.sorted = false;
    entry.times[entry.n] = t;
    entry.values[entry.n] = v;
    entry.n++;
    if (++this.kept > this.maxSamples) tooManySamples(this.file, this.maxSamples, this.keep);
  }
}

function emptyResponse(): Response {
  return {
    status: undefined,
    error: undefined,
    errorType: undefined,
    resultType: undefined,
    result: undefined,
    resultBad: false,
  };
}

function notAnObject(_value: unknown): Response {
  return { ...emptyResponse(), resultBad: true, status: 'not an object' };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The series of one answer, checked as `seriesFromQueryResponse` checks a parsed one. */
function seriesOf(response: Response, where: string): Series[] {
  const bad = (message: string): never => {
    throw new ConfigurationError(`${where}: ${message}`);
  };
  if (response.status === 'not an object') {
    return bad('expected a Prometheus query_range response (a JSON object)');
  }
  if (response.status === 'error') {
    const why = response.error ?? response.errorType ?? 'unknown error';
    return bad(`holds a failed query: ${String(why)}`);
  }
  const { resultType, result } = response;
  if (result === undefined || response.resultBad) {
    return bad('expected {"status":"success","data":{"resultType":"matrix","result":[...]}}');
  }
  if (resultType !== 'matrix' && resultType !== 'vector') {
    return bad(`resultType is ${JSON.stringify(resultType)}; expected "matrix" (query_range)`);
  }
  return result.map((entry, index) => {
    const at = `data.result[${index}]`;
    if (entry.metricBad) return bad(`${at} is not an object, or its metric is not`);
    if (resultType === 'matrix' && !entry.hasValues) return bad(`${at}.values is not an array`);
    if (resultType === 'vector' && !entry.hasValue) {
      return bad(`${at}.value is not a [timestamp, "value"] pair`);
    }
    return finishColumns(entry, `${where}: ${at}`);
  });
}

/** Sorted, trimmed columns; two different values at one time are an error, repeats are dropped. */
function finishColumns(entry: Columns, where: string): Series {
  let times = entry.times.subarray(0, entry.n);
  let values = entry.values.subarray(0, entry.n);
  if (!entry.sorted) {
    const order = Array.from(times, (_, i) => i).sort((a, b) => (times[a] ?? 0) - (times[b] ?? 0));
    times = Float64Array.from(order, (i) => times[i] ?? NaN);
    values = Float64Array.from(order, (i) => values[i] ?? NaN);
  }
  let n = 0;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] ?? NaN;
    const v = values[i] ?? NaN;
    if (n > 0 && times[n - 1] === t) {
      const previous = values[n - 1] ?? NaN;
      if (Object.is(previous, v) || previous === v) continue;
      throw new RecordingUnusable(
        `${where} has two values at ${t / 1000} (unix seconds): ${String(previous)} and ${String(v)}; a series holds one value per timestamp, so remove one`,
      );
    }
    times[n] = t;
    values[n] = v;
    n++;
  }
  times = times.subarray(0, n);
  values = values.subarray(0, n);
  if (times.buffer.byteLength > times.byteLength * 1.25 + 1024) {
    times = times.slice();
    values = values.slice();
  }
  return { labels: entry.labels, times, values };
}

function normaliseQuery(query: string): string {
  return query.trim().replace(/\s+/g, ' ');
}

/** Reads one query_range answer or a `queries` bundle from `source` into columns. */
export function readQueryRangeJson(
  source: ByteSource,
  file: string,
  options: ColumnOptions = {},
): QueryRangeJson {
  const reader = new Reader(source);
  const parser = new QueryRangeReader(reader, file, options.keep, options.maxSamples);
  let doc: ReturnType<QueryRangeReader['document']>;
  try {
    doc = parser.document();
    if (!reader.atEnd()) reader.fail('the end of the document');
  } catch (thrown) {
    if (thrown instanceof JsonSyntaxError) {
      throw new ConfigurationError(`${file} is not valid JSON: ${thrown.message}`);
    }
    throw thrown;
  } finally {
    source.close();
  }
  const { minT, maxT } = parser;
  if (doc.queries) {
    const queries = new Map<string, Series[]>();
    for (const [query, response] of doc.queries) {
      queries.set(
        normaliseQuery(query),
        seriesOf(response, `${file}: queries[${JSON.stringify(query)}]`),
      );
    }
    return { series: [...queries.values()].flat(), queries, minT, maxT };
  }
  return { series: seriesOf(doc.top, file), queries: undefined, minT, maxT };
}
