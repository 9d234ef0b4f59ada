/**
 * `extends:` between environments, resolved on the plain data before the schema sees it, so
 * staging can say "production's triggers, with a looser error ratio" instead of repeating
 * production's queries. The schema then checks the result as if it had been written out.
 *
 * Every problem must still point at the text a person edits, so each resolved mapping and list
 * remembers, per key, the path the value was written at (`originOf`): a bad inherited query is
 * reported on production's line, a bad override on staging's.
 *
 * Semantics, kept small on purpose: mappings are merged key by key (the inheriting environment
 * wins), lists are replaced, except `triggers`, which are merged by `name` (an entry naming an
 * inherited trigger overrides only the keys it writes; any other entry is added). Chains are
 * allowed; a cycle or an unknown environment is a problem at the `extends:` value.
 */
import { didYouMean } from '../shared/did-you-mean.ts';

export type Segment = string | number;

export interface ExtendsProblem {
  path: Segment[];
  message: string;
}

export interface ResolvedExtends {
  data: unknown;
  /** The path in the file a path in the resolved data came from. */
  originOf: (path: readonly Segment[]) => Segment[];
  problems: ExtendsProblem[];
  /**
   * Environments whose `extends` could not be followed: what they lack would have come from the
   * parent, so problems inside them are echoes of the one mistake and are not reported.
   */
  broken: Set<string>;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function resolveExtends(data: unknown): ResolvedExtends {
  const origins = new WeakMap<object, Map<string, Segment[]>>();
  const problems: ExtendsProblem[] = [];
  const broken = new Set<string>();
  const originOf = (path: readonly Segment[]): Segment[] => {
    let node: unknown = resolvedData;
    let out: Segment[] = [];
    for (const seg of path) {
      const known =
        node !== null && typeof node === 'object' ? origins.get(node)?.get(String(seg)) : undefined;
      out = known ?? [...out, seg];
      node = node !== null && typeof node === 'object' ? (node as Obj)[String(seg)] : undefined;
    }
    return out;
  };
  let resolvedData: unknown = data;
  if (!isObj(data) || !isObj(data.environments)) return { data, originOf, problems, broken };
  const envs = data.environments;
  if (!Object.values(envs).some((e) => isObj(e) && 'extends' in e))
    return { data, originOf, problems, broken };

  /** Where the child at `key` of `container` (written at `at`) came from. */
  const childOrigin = (container: object, at: Segment[], key: Segment): Segment[] =>
    origins.get(container)?.get(String(key)) ?? [...at, key];

  const merge = (base: unknown, baseAt: Segment[], over: unknown, overAt: Segment[]): unknown => {
    if (!isObj(base) || !isObj(over)) return over;
    const out: Obj = {};
    const map = new Map<string, Segment[]>();
    for (const [k, v] of Object.entries(base)) {
      out[k] = v;
      map.set(k, childOrigin(base, baseAt, k));
    }
    for (const [k, v] of Object.entries(over)) {
      const from = childOrigin(over, overAt, k);
      if (k === 'triggers' && Array.isArray(base[k]) && Array.isArray(v)) {
        out[k] = mergeTriggers(base[k] as unknown[], map.get(k) ?? [...baseAt, k], v, from);
      } else if (isObj(base[k]) && isObj(v)) {
        out[k] = merge(base[k], map.get(k) ?? [...baseAt, k], v, from);
      } else out[k] = v;
      map.set(k, from);
    }
    origins.set(out, map);
    return out;
  };

  const mergeTriggers = (
    base: unknown[],
    baseAt: Segment[],
    over: unknown[],
    overAt: Segment[],
  ): unknown[] => {
    const out: unknown[] = [];
    const map = new Map<string, Segment[]>();
    base.forEach((t, i) => {
      out.push(t);
      map.set(String(i), childOrigin(base, baseAt, i));
    });
    over.forEach((t, i) => {
      const from = childOrigin(over, overAt, i);
      const name = isObj(t) ? t.name : undefined;
      const at = typeof name === 'string' ? out.findIndex((b) => isObj(b) && b.name === name) : -1;
      if (at >= 0) {
        out[at] = merge(out[at], map.get(String(at)) ?? [...baseAt, at], t, from);
        map.set(String(at), from);
      } else {
        map.set(String(out.length), from);
        out.push(t);
      }
    });
    origins.set(out, map);
    return out;
  };

  const done = new Map<string, unknown>();
  const resolving = new Set<string>();
  const resolveEnv = (name: string): unknown => {
    if (done.has(name)) return done.get(name);
    const env = envs[name];
    const at: Segment[] = ['environments', name];
    if (!isObj(env) || typeof env.extends !== 'string') {
      done.set(name, env);
      return env;
    }
    const parentName = env.extends;
    const problemAt: Segment[] = [...at, 'extends'];
    let result: unknown = env;
    if (!Object.hasOwn(envs, parentName)) {
      const others = Object.keys(envs).filter((n) => n !== name);
      const hint = didYouMean(parentName, others);
      broken.add(name);
      problems.push({
        path: problemAt,
        message: hint
          ? `no environment named "${parentName}" to extend; did you mean "${hint}"?`
          : `no environment named "${parentName}" to extend; write one of ${others.join(', ') || '(no other environment)'}`,
      });
    } else if (resolving.has(parentName) || parentName === name) {
      broken.add(name);
      problems.push({
        path: problemAt,
        message: `environment "${name}" extends "${parentName}", which extends "${name}" again; break the cycle`,
      });
    } else {
      resolving.add(name);
      const parent = resolveEnv(parentName);
      resolving.delete(name);
      // The parent's own `extends` is not inherited: each environment names its own parent.
      const parentBody = isObj(parent)
        ? Object.fromEntries(Object.entries(parent).filter(([k]) => k !== 'extends'))
        : parent;
      if (isObj(parent) && isObj(parentBody)) {
        const map = new Map<string, Segment[]>();
        for (const k of Object.keys(parentBody))
          map.set(k, childOrigin(parent, ['environments', parentName], k));
        origins.set(parentBody, map);
      }
      result = merge(parentBody, ['environments', parentName], env, at);
    }
    done.set(name, result);
    return result;
  };

  const environments: Obj = {};
  const envMap = new Map<string, Segment[]>();
  for (const name of Object.keys(envs)) {
    environments[name] = resolveEnv(name);
    envMap.set(name, ['environments', name]);
  }
  origins.set(environments, envMap);
  resolvedData = { ...data, environments };
  return { data: resolvedData, originOf, problems, broken };
}
