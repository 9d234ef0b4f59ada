/**
 * zod's issues in plain words: what to write instead, with the key a typo was probably meant
 * to be, found by walking the schema alongside the data.
 */
import { z } from 'zod';
import { didYouMean } from '../shared/did-you-mean.ts';
import { MAX_PROBLEMS_EXPLAINED, type Draft, type Segment } from './problems.ts';
import { DURATION_INPUTS } from './schema-primitives.ts';
import { policySchema, quantity } from './schema.ts';

// ---- zod issues into plain words ---------------------------------------------------------------

export const DEFAULT = '\u0000zod-default';

export type Issue = z.core.$ZodIssue;

export function explainIssues(issues: readonly Issue[], prefix: Segment[], data: unknown): Draft[] {
  return issues.flatMap((issue) => explainIssue(issue, prefix, data));
}

export function explainIssue(issue: Issue, prefix: Segment[], data: unknown): Draft[] {
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
export const NOUNS: Record<string, string> = {
  severity: 'a severity',
  op: 'a comparison',
  aggregate: 'an aggregate',
  change: 'a change',
  method: 'an HTTP method',
  missing_data: 'a missing_data choice',
  strategy: 'a strategy',
  default_strategy: 'a strategy',
};

export function badDiscriminator(
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

export function unknownKey(
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

export function unknownKeyWithoutHint(
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

export function specialExpectation(path: Segment[], data: unknown): string | undefined {
  const found = schemaAt(policySchema, path, data);
  if (!found) return undefined;
  const inner = unwrapPipe(found.schema);
  if (DURATION_INPUTS.has(inner)) return 'a duration such as 15m';
  if (inner === quantity.in) return 'a number or a quantity such as 5%, 2s or 500MB';
  return undefined;
}

export function typeName(expected: string): string {
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

export function show(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

export function entries(n: number | bigint): string {
  return Number(n) === 1 ? 'one entry' : `${String(n)} entries`;
}

export function orList(items: string[], word = 'or'): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? '';
  return `${unique.slice(0, -1).join(', ')} ${word} ${unique.at(-1) ?? ''}`;
}

/** `triggers` -> `trigger`: what one element of the collection holding a path is called. */
export function collectionNoun(segment: Segment | undefined): string {
  return typeof segment === 'string' ? segment.replace(/s$/, '').replaceAll('_', ' ') : 'entry';
}

export function lastKey(path: readonly Segment[]): string {
  const last = path.at(-1);
  return last === undefined ? '' : String(last);
}

export function valueAt(data: unknown, path: readonly Segment[]): unknown {
  let node = data;
  for (const seg of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[String(seg)];
  }
  return node;
}

export function isMissing(data: unknown, path: readonly Segment[]): boolean {
  const last = path.at(-1);
  if (last === undefined) return data === undefined;
  const parent = valueAt(data, path.slice(0, -1));
  return parent !== null && typeof parent === 'object' && !Object.hasOwn(parent, String(last));
}

// ---- walking the schema alongside the data -------------------------------------------------------

export type AnyObject = z.ZodObject<z.ZodRawShape>;

export interface Found {
  schema: z.ZodType;
  /** Set when the schema is one kind of a discriminated union (a trigger, a source). */
  union?: { disc: string; options: AnyObject[] };
  /** Set when the schema was picked from a plain union: its index among the members. */
  member?: number;
}

/** Strips optional/default/meta wrappers, and transforms down to the input side. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  for (;;) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
    else if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) s = s.unwrap() as z.ZodType;
    else return s;
  }
}

export function unwrapPipe(schema: z.ZodType): z.ZodType {
  const s = unwrap(schema);
  return s instanceof z.ZodPipe ? unwrap(s.in as z.ZodType) : s;
}

export function discriminatorValue(option: AnyObject, disc: string): string | undefined {
  const literal = option.shape[disc];
  const inner = literal ? unwrap(literal as z.ZodType) : undefined;
  return inner instanceof z.ZodLiteral && typeof inner.value === 'string' ? inner.value : undefined;
}

/** Picks the union member the data is written for, so keys and hints come from the right kind. */
export function pickOption(schema: z.ZodUnion, value: unknown): Found | undefined {
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

export function schemaAt(
  root: z.ZodType,
  path: readonly Segment[],
  data: unknown,
): Found | undefined {
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
