/**
 * `${NAME}` references in a policy are filled from environment variables at the last moment,
 * so secrets live in the workflow's `secrets` and never in the repository. The resolved values
 * come back too, for the caller to mask (`core.setSecret`) before anything is logged.
 */
import { ConfigurationError } from '../shared/errors.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface ResolvedSecrets<T> {
  value: T;
  /**
   * Every value substituted, each once, to be masked in logs (the runner IO masks every
   * encoded form of each, see secretForms) and redacted from reasons (redactSecrets).
   */
  secrets: string[];
}

/**
 * Replaces `${NAME}` in every string inside `value` (headers, auth, url...). `where` is the path
 * of `value` in the policy, such as `sources.prom`, so errors name the exact key. Every unset
 * variable is reported at once; no message ever contains a secret's value.
 */
export function resolveSecrets<T>(
  value: T,
  env: Record<string, string | undefined>,
  where: string,
): ResolvedSecrets<T> {
  const secrets = new Set<string>();
  const problems: string[] = [];

  const fill = (text: string, path: string): string =>
    text.replace(REFERENCE, (whole, name: string) => {
      const found = env[name];
      if (found === undefined || found === '') {
        problems.push(
          `${path}: environment variable ${name} is ${found === undefined ? 'not set' : 'empty'}; set env: ${name}: \${{ secrets.${name} }} on the step`,
        );
        return whole;
      }
      secrets.add(found);
      return found;
    });

  const walk = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') return fill(node, path);
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${path}[${i}]`));
    if (isPlainObject(node)) {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, joinPath(path, key))]),
      );
    }
    return node;
  };

  const resolved = walk(value, where) as T;
  if (problems.length > 0) {
    const names = [...new Set(problems.map((p) => /variable (\S+)/.exec(p)?.[1] ?? ''))];
    throw new ConfigurationError(
      `missing secret${names.length > 1 ? 's' : ''} ${names.join(', ')} for ${where || 'the policy'}`,
      problems,
    );
  }
  return { value: resolved, secrets: [...secrets] };
}

function isPlainObject(node: unknown): node is Record<string, unknown> {
  if (node === null || typeof node !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(node);
  return proto === Object.prototype || proto === null;
}

function joinPath(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return segment;
  return segment.startsWith('[') ? `${path}${segment}` : `${path}.${segment}`;
}

/** The variable names behind `${NAME}` references anywhere in `value`, each once. */
export function referencedEnvs(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (typeof node === 'string') {
      for (const match of node.matchAll(REFERENCE)) if (match[1]) names.add(match[1]);
    } else if (Array.isArray(node)) {
      node.forEach(walk);
    } else if (node !== null && typeof node === 'object') {
      Object.values(node).forEach(walk);
    }
  };
  walk(value);
  return [...names];
}

/**
 * The forms a secret takes once it is in a request: as written, percent-encoded the three ways
 * that happen (encodeURIComponent, encodeURI, and the WHATWG URL serialiser that `new URL` and
 * fetch apply to a path or a query), JSON-escaped in a body, form-encoded, and base64 (basic
 * auth, tokens in headers). `tok {Zq9}"secret"` appears in a logged URL as
 * `tok%20%7BZq9%7D%22secret%22`, which a raw-only redaction misses. Longest first, so a form
 * containing another is replaced whole.
 */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const forms = new Set<string>([secret]);
  const add = (make: () => string): void => {
    try {
      const form = make();
      if (form !== '') forms.add(form);
    } catch {
      // A lone surrogate cannot be URI-encoded; it cannot appear encoded either.
    }
  };
  add(() => encodeURIComponent(secret));
  add(() => encodeURI(secret));
  add(() => new URL(`http://h/${secret}`).pathname.slice(1));
  add(() => new URL(`http://h/?${secret}`).search.slice(1));
  add(() => new URLSearchParams({ v: secret }).toString().slice(2));
  add(() => JSON.stringify(secret).slice(1, -1));
  add(() => Buffer.from(secret, 'utf8').toString('base64'));
  add(() => Buffer.from(secret, 'utf8').toString('base64url'));
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every form of every secret (3 characters or more) with `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.flatMap(secretForms))]
    .filter((f) => f.length >= 3)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const form of forms) out = out.split(form).join('***');
  return out;
}
