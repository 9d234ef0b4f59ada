/**
 * Recorded series, for replaying an incident and for tests: OpenMetrics text with timestamps
 * (raw samples) or a saved Prometheus query_range response (stepped values). A query is a
 * series selector (`error_ratio{service="api"}`), matched like Prometheus matches one.
 *
 * A JSON recording may also bundle several query_range responses keyed by the query that
 * produced them (`{"queries": {"sum(rate(...))": {...}}}`): that is how a replay answers the
 * PromQL of a policy without a Prometheus.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { ConfigurationError, toError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { firstAtOrAfter } from '../promql.ts';
import {
  seriesFromSamples,
  type RangeRequest,
  type Sample,
  type Series,
  type SignalKind,
  type SignalResult,
} from '../signal.ts';
import { parseSampleValue } from '../../shared/fetch-with-retry.ts';
import type { SignalSource } from '../signal-source.ts';
import {
  OpenMetricsColumns,
  readOpenMetricsFile,
  RecordingUnusable,
  type KeepRange,
  type ParsedColumns,
} from './openmetrics.ts';
import {
  bytesSource,
  fileSource,
  readQueryRangeJson,
  type QueryRangeJson,
} from './query-range-json.ts';
import { plural } from '../../shared/plural.ts';

// ---------------------------------------------------------------------------------------------
// Series selectors

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
  regex?: RegExp;
}

export interface Selector {
  name: string | undefined;
  matchers: LabelMatcher[];
}

const EXAMPLE = 'error_ratio{service="api"}';

export function parseSelector(text: string): Selector {
  const q = text.trim();
  const fail = (detail: string, maybePromql = true): never => {
    // Quoted label values may hold any character; only the text outside them hints at PromQL.
    const outside = q.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
    if (
      maybePromql &&
      /[([]|\s(?:by|without|offset|and|or|unless)\b|[+*/^<>]|\s-\s/.test(outside)
    ) {
      throw new ConfigurationError(
        `file sources take a series selector such as ${EXAMPLE}; "${q}" is PromQL`,
      );
    }
    throw new ConfigurationError(
      `"${q}" is not a series selector (${detail}); write one such as ${EXAMPLE}`,
    );
  };
  let i = 0;
  const isNameStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_:]/.test(c);
  const isNameChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_:]/.test(c);
  const skip = (): void => {
    while (i < q.length && /\s/.test(q[i] ?? '')) i++;
  };
  let name: string | undefined;
  if (isNameStart(q[i])) {
    const start = i;
    while (isNameChar(q[i])) i++;
    name = q.slice(start, i);
  }
  skip();
  const matchers: LabelMatcher[] = [];
  if (q[i] === '{') {
    i++;
    for (;;) {
      skip();
      if (q[i] === '}') break;
      if (!isNameStart(q[i])) fail(`expected a label name at column ${i + 1}`);
      const start = i;
      while (isNameChar(q[i])) i++;
      const label = q.slice(start, i);
      skip();
      const two = q.slice(i, i + 2);
      let op: MatchOp;
      if (two === '=~' || two === '!~' || two === '!=') op = two;
      else if (q[i] === '=') op = '=';
      else return fail(`expected =, !=, =~ or !~ after ${label}`);
      i += op.length;
      skip();
      const value = readString();
      const matcher: LabelMatcher = { label, op, value };
      if (op === '=~' || op === '!~') {
        try {
          // Prometheus anchors regular expressions at both ends.
          matcher.regex = new RegExp(`^(?:${value})$`);
        } catch (thrown) {
          fail(
            `${label}${op}"${value}" is not a valid regular expression: ${toError(thrown).message}`,
            false,
          );
        }
      }
      matchers.push(matcher);
      skip();
      if (q[i] === ',') {
        i++;
        continue;
      }
      if (q[i] !== '}') fail(`expected "," or "}" at column ${i + 1}`);
      break;
    }
    i++;
  }
  skip();
  if (i < q.length) fail(`unexpected ${JSON.stringify(q.slice(i))}`);
  if (name === undefined && matchers.length === 0) fail('it names no metric and no label');
  return { name, matchers };

  function readString(): string {
    const quote = q[i];
    if (quote !== '"' && quote !== "'" && quote !== '`') {
      return fail(`label values are quoted, such as service="api"`);
    }
    i++;
    let out = '';
    while (i < q.length && q[i] !== quote) {
      const c = q[i] ?? '';
      if (c === '\\' && quote !== '`') {
        const next = q[i + 1] ?? '';
        out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
        i += 2;
      } else {
        out += c;
        i++;
      }
    }
    if (i >= q.length) fail('unterminated string');
    i++;
    return out;
  }
}

export function matchesSelector(selector: Selector, labels: Record<string, string>): boolean {
  if (selector.name !== undefined && labels.__name__ !== selector.name) return false;
  for (const m of selector.matchers) {
    // A missing label matches as the empty string, as in Prometheus.
    const actual = labels[m.label] ?? '';
    switch (m.op) {
      case '=':
        if (actual !== m.value) return false;
        break;
      case '!=':
        if (actual === m.value) return false;
        break;
      case '=~':
        if (!m.regex?.test(actual)) return false;
        break;
      case '!~':
        if (m.regex?.test(actual)) return false;
        break;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Recordings

export interface Recording {
  file: string;
  kind: SignalKind;
  series: Series[];
  byName: Map<string, Series[]>;
  /** Series by `label\u0000value`, for every label: a selector's `=` matchers look up here. */
  postings: Map<string, Series[]>;
  /** Bundled query_range answers, keyed by the query with its whitespace collapsed. */
  queries: Map<string, Series[]> | undefined;
  /** First and last timestamp in the file, whether or not the samples were kept. */
  minT: number;
  maxT: number;
  /** The samples kept: all, or those in this range (one evaluation time). */
  keep: KeepRange | undefined;
}

export interface LoadOptions {
  keep?: KeepRange | undefined;
  maxSamples?: number | undefined;
}

function normaliseQuery(query: string): string {
  return query.trim().replace(/\s+/g, ' ');
}

function isJsonName(file: string): boolean {
  return extname(file).toLowerCase() === '.json';
}

/** Parses a recording held in a string (tests, small inputs); files are read in chunks. */
export function parseRecording(text: string, file: string, options: LoadOptions = {}): Recording {
  const ext = extname(file).toLowerCase();
  const isJson = ext === '.json' || (ext === '' && text.trimStart().startsWith('{'));
  const bytes = Buffer.from(text, 'utf8');
  if (!isJson) {
    const parser = new OpenMetricsColumns(file, options);
    const spare = Buffer.alloc(bytes.length + 1);
    bytes.copy(spare);
    parser.feed(spare, bytes.length, true);
    return indexRecording(file, 'raw', parser.finish(), undefined, options.keep);
  }
  return jsonRecording(readQueryRangeJson(bytesSource(bytes), file, options), file, options);
}

function jsonRecording(parsed: QueryRangeJson, file: string, options: LoadOptions): Recording {
  return indexRecording(file, 'stepped', parsed, parsed.queries, options.keep);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a Prometheus query_range (or query) response body, already parsed, into series. */
export function seriesFromQueryResponse(doc: unknown, where: string): Series[] {
  const bad = (message: string): never => {
    throw new ConfigurationError(`${where}: ${message}`);
  };
  if (!isObject(doc)) return bad('expected a Prometheus query_range response (a JSON object)');
  if (doc.status === 'error') {
    return bad(`holds a failed query: ${String(doc.error ?? doc.errorType ?? 'unknown error')}`);
  }
  const data = isObject(doc.data) ? doc.data : doc;
  const { resultType, result } = data;
  if (!Array.isArray(result)) {
    return bad('expected {"status":"success","data":{"resultType":"matrix","result":[...]}}');
  }
  if (resultType !== 'matrix' && resultType !== 'vector') {
    return bad(`resultType is ${JSON.stringify(resultType)}; expected "matrix" (query_range)`);
  }
  return result.map((entry: unknown, index): Series => {
    const at = `data.result[${index}]`;
    if (!isObject(entry)) return bad(`${at} is not an object`);
    const labels: Record<string, string> = {};
    if (entry.metric !== undefined) {
      if (!isObject(entry.metric)) return bad(`${at}.metric is not an object`);
      for (const [k, v] of Object.entries(entry.metric)) labels[k] = String(v);
    }
    const pairs: unknown[] =
      resultType === 'matrix'
        ? Array.isArray(entry.values)
          ? entry.values
          : bad(`${at}.values is not an array`)
        : [entry.value];
    const samples: Sample[] = [];
    pairs.forEach((pair, j) => {
      const sample = readPair(pair);
      if (!sample) {
        bad(
          `${at}.${resultType === 'matrix' ? `values[${j}]` : 'value'} is not a [timestamp, "value"] pair`,
        );
      } else {
        samples.push(sample);
      }
    });
    samples.sort((a, b) => a.t - b.t);
    return seriesFromSamples(labels, samples);
  });
}

/** `[1712000000.123, "0.05"]` -> sample; Prometheus sends values as strings (NaN, +Inf...). */
export function readPair(pair: unknown): Sample | undefined {
  if (!Array.isArray(pair) || pair.length !== 2) return undefined;
  const [ts, raw] = pair as [unknown, unknown];
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return undefined;
  const v =
    typeof raw === 'string' ? parseSampleValue(raw) : typeof raw === 'number' ? raw : undefined;
  if (v === undefined) return undefined;
  return { t: Math.round(ts * 1000), v };
}

function indexRecording(
  file: string,
  kind: SignalKind,
  parsed: ParsedColumns,
  queries: Map<string, Series[]> | undefined,
  keep: KeepRange | undefined,
): Recording {
  const byName = new Map<string, Series[]>();
  const postings = new Map<string, Series[]>();
  const add = (map: Map<string, Series[]>, key: string, s: Series): void => {
    const list = map.get(key);
    if (list) list.push(s);
    else map.set(key, [s]);
  };
  for (const s of parsed.series) {
    add(byName, s.labels.__name__ ?? '', s);
    for (const [label, value] of Object.entries(s.labels))
      add(postings, `${label}\u0000${value}`, s);
  }
  return {
    file,
    kind,
    series: parsed.series,
    byName,
    postings,
    queries,
    minT: parsed.minT,
    maxT: parsed.maxT,
    keep,
  };
}

/**
 * The series a selector matches. Each `=` matcher with a value names a list in the index; the
 * shortest list is filtered, so a selector costs its matches rather than a scan of every series.
 */
export function selectSeries(recording: Recording, selector: Selector): Series[] {
  let pool: Series[] = recording.series;
  const consider = (list: Series[] | undefined): void => {
    const candidates = list ?? [];
    if (candidates.length < pool.length) pool = candidates;
  };
  if (selector.name !== undefined) consider(recording.byName.get(selector.name));
  for (const m of selector.matchers) {
    // `label=""` also matches series without the label, which no list holds.
    if (m.op === '=' && m.value !== '')
      consider(recording.postings.get(`${m.label}\u0000${m.value}`));
  }
  return pool.filter((s) => matchesSelector(selector, s.labels));
}

interface CacheEntry {
  mtimeMs: number;
  size: number;
  keep: KeepRange | undefined;
  recording: Promise<Recording>;
}
const cache = new Map<string, CacheEntry>();

/** Loads in progress: concurrent triggers share one stat and one parse. */
const loading = new Map<string, Promise<Recording>>();

function covers(outer: KeepRange | undefined, inner: KeepRange | undefined): boolean {
  if (outer === undefined) return true;
  if (inner === undefined) return false;
  return outer.from <= inner.from && outer.to >= inner.to;
}

/**
 * Parses a recording once and shares it: two hundred triggers over one file cost one parse.
 * A changed file (mtime or size) is read again, so a test or a replay can rewrite it; so is one
 * whose kept range does not cover what is asked.
 */
export function loadRecording(path: string, options: LoadOptions = {}): Promise<Recording> {
  const abs = resolve(path);
  const key = `${abs}\u0000${options.keep ? `${options.keep.from}:${options.keep.to}` : 'all'}`;
  const inFlight = loading.get(key);
  if (inFlight) return inFlight;
  const load = loadFresh(path, abs, options);
  loading.set(key, load);
  const done = (): void => {
    loading.delete(key);
  };
  load.then(done, done);
  return load;
}

async function loadFresh(path: string, abs: string, options: LoadOptions): Promise<Recording> {
  let info;
  try {
    info = await stat(abs);
  } catch (thrown) {
    const code = (thrown as { code?: unknown }).code;
    if (code === 'ENOENT')
      throw new RecordingMissing(`recorded series file ${path} does not exist`);
    throw new RecordingUnusable(
      `cannot read recorded series file ${path}: ${toError(thrown).message}`,
    );
  }
  const cached = cache.get(abs);
  if (
    cached &&
    cached.mtimeMs === info.mtimeMs &&
    cached.size === info.size &&
    covers(cached.keep, options.keep)
  ) {
    return cached.recording;
  }
  const recording = Promise.resolve().then(() => readRecordingFile(abs, path, options));
  cache.set(abs, { mtimeMs: info.mtimeMs, size: info.size, keep: options.keep, recording });
  recording.catch(() => {
    if (cache.get(abs)?.recording === recording) cache.delete(abs);
  });
  return recording;
}

/** A file that is not there: a reason for the trigger, like any other missing data. */
class RecordingMissing extends Error {}

function readRecordingFile(abs: string, file: string, options: LoadOptions): Recording {
  try {
    let json = isJsonName(file);
    if (!json && extname(file) === '') json = startsWithBrace(abs);
    if (json)
      return jsonRecording(readQueryRangeJson(fileSource(abs), file, options), file, options);
    return indexRecording(
      file,
      'raw',
      readOpenMetricsFile(abs, file, options),
      undefined,
      options.keep,
    );
  } catch (thrown) {
    if (thrown instanceof ConfigurationError) throw thrown;
    const error = toError(thrown);
    const code = (thrown as { code?: unknown }).code;
    if (error instanceof RangeError) {
      // Typed arrays past what this machine can hold: the same limit, reached earlier.
      throw new RecordingUnusable(
        `${file} does not fit in memory (${error.message}); record fewer series or a shorter time, or lower RIPCORD_MAX_RECORDING_SAMPLES`,
      );
    }
    throw new RecordingUnusable(
      `cannot read recorded series file ${file}${typeof code === 'string' ? ` (${code})` : ''}: ${error.message}`,
    );
  }
}

function startsWithBrace(abs: string): boolean {
  const fd = openSync(abs, 'r');
  try {
    const head = Buffer.alloc(256);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8', 0, n).trimStart().startsWith('{');
  } finally {
    closeSync(fd);
  }
}

export function clearRecordingCache(): void {
  cache.clear();
  loading.clear();
}

// ---------------------------------------------------------------------------------------------
// The source

export interface FileSourceOptions {
  logger: Logger;
  /** Samples this far before the range start come along, for the engine's lookback. */
  lookbackMs: number;
  /** Samples a recording may keep in memory; DEFAULT_MAX_SAMPLES when absent. */
  maxSamples?: number | undefined;
}

export function createFileSource(
  name: string,
  path: string,
  options: FileSourceOptions,
): SignalSource {
  /**
   * The range the run's triggers need, from `plan`. A second plan reaching outside the first
   * (a replay, a watch) means many evaluation times: from then on the whole file is kept.
   */
  let planned: KeepRange | 'all' | undefined;
  const needed = (req: RangeRequest): KeepRange => ({
    from: req.start - options.lookbackMs,
    to: req.end,
  });
  return {
    name,
    plan(requests: readonly RangeRequest[]): void {
      if (requests.length === 0 || planned === 'all') return;
      const ranges = requests.map(needed);
      const range = {
        from: Math.min(...ranges.map((r) => r.from)),
        to: Math.max(...ranges.map((r) => r.to)),
      };
      planned = planned === undefined || covers(planned, range) ? (planned ?? range) : 'all';
    },
    async fetchRange(req: RangeRequest): Promise<SignalResult> {
      const query = req.query;
      const need = needed(req);
      const keep =
        planned !== undefined && planned !== 'all' && covers(planned, need) ? planned : undefined;
      let recording: Recording;
      try {
        recording = await loadRecording(path, { keep, maxSamples: options.maxSamples });
      } catch (thrown) {
        // A file too large or unreadable fails the run: deciding without it would look healthy.
        if (thrown instanceof RecordingUnusable) throw thrown;
        return { ok: false, reason: toError(thrown).message, query };
      }
      let candidates: Series[] | undefined = recording.queries?.get(normaliseQuery(query));
      if (candidates === undefined) {
        let selector: Selector;
        try {
          selector = parseSelector(query);
        } catch (thrown) {
          const hint = recording.queries
            ? ` (nor is it one of the ${plural(recording.queries.size, 'query')} recorded in ${path})`
            : '';
          return { ok: false, reason: `${toError(thrown).message}${hint}`, query };
        }
        candidates = selectSeries(recording, selector);
      }
      if (candidates.length === 0) {
        const names = [...recording.byName.keys()].filter((n) => n !== '').slice(0, 8);
        const has = names.length > 0 ? ` (it has ${names.join(', ')})` : '';
        return {
          ok: false,
          reason: `query returned no series: nothing in ${path} matches ${query}${has}`,
          query,
        };
      }
      const series: Series[] = [];
      for (const s of candidates) {
        const slice = sliceByTime(s, need.from, need.to);
        if (slice.times.length > 0) series.push(slice);
      }
      if (series.length === 0) {
        return {
          ok: false,
          reason:
            `query returned no series between ${iso(need.from)} and ${iso(need.to)}: ` +
            `${path} covers ${iso(recording.minT)} to ${iso(recording.maxT)}`,
          query,
        };
      }
      options.logger.debug(`file source "${name}": ${query} -> ${series.length} series`);
      return { ok: true, kind: recording.kind, series, query };
    },
  };
}

function iso(t: number): string {
  return Number.isFinite(t) ? new Date(t).toISOString() : 'nothing';
}

/** Samples with from <= t <= to, by binary search: views on the same columns, no copies. */
export function sliceByTime(series: Series, from: number, to: number): Series {
  const lo = firstAtOrAfter(series.times, from);
  const hi = firstAtOrAfter(series.times, to + 1);
  return {
    labels: series.labels,
    times: series.times.subarray(lo, hi),
    values: series.values.subarray(lo, hi),
  };
}
