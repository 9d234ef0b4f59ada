/**
 * Recorded series, for replaying an incident and for tests: OpenMetrics text with timestamps
 * (raw samples) or a saved Prometheus query_range response (stepped values). A query is a
 * series selector (`error_ratio{service="api"}`), matched like Prometheus matches one.
 *
 * A JSON recording may also bundle several query_range responses keyed by the query that
 * produced them (`{"queries": {"sum(rate(...))": {...}}}`): that is how a replay answers the
 * PromQL of a policy without a Prometheus.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { ConfigurationError, toError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { RangeRequest, Sample, Series, SignalKind, SignalResult } from '../core/signal.ts';
import { parseSampleValue } from './fetch-with-retry.ts';
import type { SignalSource } from './index.ts';
import { parseOpenMetrics } from './openmetrics.ts';

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
  /** Bundled query_range answers, keyed by the query with its whitespace collapsed. */
  queries: Map<string, Series[]> | undefined;
  minT: number;
  maxT: number;
}

function normaliseQuery(query: string): string {
  return query.trim().replace(/\s+/g, ' ');
}

export function parseRecording(text: string, file: string): Recording {
  const ext = extname(file).toLowerCase();
  const isJson = ext === '.json' || (ext === '' && text.trimStart().startsWith('{'));
  if (!isJson) return indexRecording(file, 'raw', parseOpenMetrics(text, file), undefined);

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (thrown) {
    throw new ConfigurationError(`${file} is not valid JSON: ${toError(thrown).message}`);
  }
  if (isObject(doc) && isObject(doc.queries)) {
    const queries = new Map<string, Series[]>();
    const all: Series[] = [];
    for (const [query, response] of Object.entries(doc.queries)) {
      const series = seriesFromQueryResponse(
        response,
        `${file}: queries[${JSON.stringify(query)}]`,
      );
      queries.set(normaliseQuery(query), series);
      all.push(...series);
    }
    return indexRecording(file, 'stepped', all, queries);
  }
  return indexRecording(file, 'stepped', seriesFromQueryResponse(doc, file), undefined);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a Prometheus query_range (or query) response body into series. */
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
    return { labels, samples };
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

/**
 * A recording holds one value per series and time: two different values at one timestamp
 * would be decided by whichever came last, so they are an error. Equal repeats are dropped
 * (they would count twice in an average). Samples are sorted when this runs.
 */
function checkDuplicateTimestamps(file: string, series: readonly Series[]): void {
  const problems: string[] = [];
  for (const s of series) {
    const samples = s.samples;
    let kept = 0;
    for (let i = 0; i < samples.length; i++) {
      const sample = samples[i] as Sample;
      const previous = kept > 0 ? samples[kept - 1] : undefined;
      if (previous && previous.t === sample.t) {
        const same = Object.is(previous.v, sample.v) || previous.v === sample.v;
        if (!same && problems.length < 10) {
          const labels = Object.entries(s.labels)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(', ');
          problems.push(
            `${file}: series {${labels}} has two values at ${new Date(sample.t).toISOString()} (${previous.v} and ${sample.v}); keep one sample per series and time`,
          );
        }
        continue;
      }
      samples[kept++] = sample;
    }
    samples.length = kept;
  }
  if (problems.length > 0) {
    throw new ConfigurationError(
      `${file} holds two different values for one series at one time`,
      problems,
    );
  }
}

function indexRecording(
  file: string,
  kind: SignalKind,
  series: Series[],
  queries: Map<string, Series[]> | undefined,
): Recording {
  checkDuplicateTimestamps(file, series);
  const byName = new Map<string, Series[]>();
  let minT = Infinity;
  let maxT = -Infinity;
  for (const s of series) {
    const name = s.labels.__name__ ?? '';
    const list = byName.get(name);
    if (list) list.push(s);
    else byName.set(name, [s]);
    const first = s.samples[0];
    const last = s.samples[s.samples.length - 1];
    if (first && first.t < minT) minT = first.t;
    if (last && last.t > maxT) maxT = last.t;
  }
  return { file, kind, series, byName, queries, minT, maxT };
}

/**
 * The largest recording read. Past about 512 MB a file cannot even become one string, and the
 * series it holds take several times its size in memory.
 */
export const MAX_RECORDING_BYTES = 256 * 1024 * 1024;

interface CacheEntry {
  mtimeMs: number;
  size: number;
  recording: Promise<Recording>;
}
const cache = new Map<string, CacheEntry>();

/** Loads in progress: concurrent triggers share one stat and one parse. */
const loading = new Map<string, Promise<Recording>>();

/**
 * Parses a recording once and shares it: two hundred triggers over one file cost one parse.
 * A changed file (mtime or size) is read again, so a test or a replay can rewrite it.
 */
export function loadRecording(path: string): Promise<Recording> {
  const abs = resolve(path);
  const inFlight = loading.get(abs);
  if (inFlight) return inFlight;
  const load = loadFresh(path, abs);
  loading.set(abs, load);
  const done = (): void => {
    loading.delete(abs);
  };
  load.then(done, done);
  return load;
}

async function loadFresh(path: string, abs: string): Promise<Recording> {
  let info;
  try {
    info = await stat(abs);
  } catch (thrown) {
    const code = (thrown as { code?: unknown }).code;
    throw new ConfigurationError(
      code === 'ENOENT'
        ? `recorded series file ${path} does not exist`
        : `cannot read recorded series file ${path}: ${toError(thrown).message}`,
    );
  }
  if (info.size > MAX_RECORDING_BYTES) {
    throw new ConfigurationError(
      `recorded series file ${path} is ${info.size} bytes, over the limit of ${MAX_RECORDING_BYTES} bytes (256 MiB) Ripcord reads; record a shorter time range or fewer series`,
    );
  }
  const cached = cache.get(abs);
  if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
    return cached.recording;
  }
  const recording = readFile(abs, 'utf8').then((text) => parseRecording(text, path));
  cache.set(abs, { mtimeMs: info.mtimeMs, size: info.size, recording });
  return recording;
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
}

export function createFileSource(
  name: string,
  path: string,
  options: FileSourceOptions,
): SignalSource {
  return {
    name,
    async fetchRange(req: RangeRequest): Promise<SignalResult> {
      const query = req.query;
      let recording: Recording;
      try {
        recording = await loadRecording(path);
      } catch (thrown) {
        return { ok: false, reason: toError(thrown).message, query };
      }
      let candidates: Series[] | undefined = recording.queries?.get(normaliseQuery(query));
      if (candidates === undefined) {
        let selector: Selector;
        try {
          selector = parseSelector(query);
        } catch (thrown) {
          const hint = recording.queries
            ? ` (nor is it one of the ${recording.queries.size} queries recorded in ${path})`
            : '';
          return { ok: false, reason: `${toError(thrown).message}${hint}`, query };
        }
        const pool =
          selector.name !== undefined
            ? (recording.byName.get(selector.name) ?? [])
            : recording.series;
        candidates = pool.filter((s) => matchesSelector(selector, s.labels));
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
      const from = req.start - options.lookbackMs;
      const series: Series[] = [];
      for (const s of candidates) {
        const samples = sliceByTime(s.samples, from, req.end);
        if (samples.length > 0) series.push({ labels: s.labels, samples });
      }
      if (series.length === 0) {
        return {
          ok: false,
          reason:
            `query returned no series between ${iso(from)} and ${iso(req.end)}: ` +
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

/** Samples with from <= t <= to, by binary search (samples are sorted by time). */
export function sliceByTime(samples: readonly Sample[], from: number, to: number): Sample[] {
  const lo = lowerBound(samples, from);
  const hi = lowerBound(samples, to + 1);
  return samples.slice(lo, hi);
}

function lowerBound(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid]?.t ?? Infinity) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
