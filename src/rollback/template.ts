/**
 * `{{name}}` placeholders in the URLs, headers and bodies of http steps and http flag
 * providers. Templates are compiled once, when the policy is turned into executors, so a typo
 * such as `{{enviroment}}` fails before any rollback starts instead of halfway through one.
 *
 * Each place a value lands has its own escaping, so a value can never change the shape of what
 * it is put into: JSON string content in bodies, percent-encoding in URLs, and no line breaks in
 * headers.
 */
import { didYouMean } from '../shared/did-you-mean.ts';
import { ConfigurationError } from '../shared/errors.ts';

/**
 * - `json`: the value as the inside of a JSON string (`"{{flag}}"` in the template); numbers
 *   and booleans go in bare, so `{"rollout": {{percent}}}` stays a number.
 * - `url`: percent-encoded (`encodeURIComponent`).
 * - `header`: as is, but a value holding CR, LF or NUL is refused (header injection).
 * - `text`: as is.
 */
export type Escaping = 'json' | 'url' | 'header' | 'text';

export type TemplateValue = string | number | boolean;

export interface Template {
  readonly source: string;
  /** The placeholder names used, each once, in order of first use. */
  readonly placeholders: readonly string[];
  render(values: Readonly<Record<string, TemplateValue | undefined>>): string;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles `source`; `allowed` are the placeholders this place offers and `where` names it in
 * errors (`flags.launchdarkly.disable.body`). Throws a ConfigurationError naming every unknown
 * placeholder at once.
 */
export function compileTemplate(
  source: string,
  options: { allowed: readonly string[]; escaping: Escaping; where: string },
): Template {
  const placeholders: string[] = [];
  const problems: string[] = [];
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!NAME.test(name) || !options.allowed.includes(name)) {
      const hint = didYouMean(name, options.allowed);
      problems.push(
        `${options.where}: unknown placeholder {{${name}}}${hint ? `; did you mean {{${hint}}}?` : ''} ` +
          `(available here: ${options.allowed.map((a) => `{{${a}}}`).join(', ') || 'none'})`,
      );
      continue;
    }
    if (!placeholders.includes(name)) placeholders.push(name);
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`invalid template in ${options.where}`, problems);
  }
  return {
    source,
    placeholders,
    render: (values) =>
      source.replace(PLACEHOLDER, (_whole, raw: string) => {
        const name = raw.trim();
        const value = values[name];
        if (value === undefined) {
          // A bug in the caller, not the policy: compile-time checks passed for this name.
          throw new Error(`${options.where}: no value for {{${name}}}`);
        }
        return escapeValue(value, options.escaping, name, options.where);
      }),
  };
}

function escapeValue(
  value: TemplateValue,
  escaping: Escaping,
  name: string,
  where: string,
): string {
  const text = String(value);
  switch (escaping) {
    case 'json':
      return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : text;
    case 'url':
      return encodeURIComponent(text);
    case 'header':
      if (/[\r\n\0]/.test(text)) {
        throw new ConfigurationError(
          `${where}: the value of {{${name}}} contains a line break, which cannot go into an HTTP header`,
        );
      }
      return text;
    case 'text':
      return text;
  }
}

/** Compiles every header value of a header map with `header` escaping. */
export function compileHeaders(
  headers: Readonly<Record<string, string>> | undefined,
  allowed: readonly string[],
  where: string,
): Record<string, Template> {
  const out: Record<string, Template> = {};
  const problems: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    try {
      out[name] = compileTemplate(value, {
        allowed,
        escaping: 'header',
        where: `${where}.${name}`,
      });
    } catch (thrown) {
      if (thrown instanceof ConfigurationError) problems.push(...thrown.problems);
      else throw thrown;
    }
  }
  if (problems.length > 0) {
    throw new ConfigurationError(`invalid template in ${where}`, problems);
  }
  return out;
}

export function renderHeaders(
  headers: Readonly<Record<string, Template>>,
  values: Readonly<Record<string, TemplateValue | undefined>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, template]) => [name, template.render(values)]),
  );
}
