/**
 * `docs/policy-reference.md`: the policy language as tables, rendered from the JSON Schema that
 * is itself generated from the zod schema (`policyJsonSchema()`), so the reference cannot
 * drift from what validation accepts. One section per object (a union of objects with a
 * discriminator, such as sources by `type` or triggers by `kind`, gives one section per
 * variant); an object that appears again identically links to its first section. Pure and
 * deterministic: the same schema gives the same text.
 */
import { POLICY_SCHEMA_MODELINE } from '../../src/shared/published.ts';
import { tableCell } from './action-docs.ts';

type JsonObject = Record<string, unknown>;

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
  required: string;
}

interface Section {
  anchor: string;
  title: string;
  description: string;
  rows: Row[];
}

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const members = (schema: JsonObject, key: 'oneOf' | 'anyOf'): JsonObject[] => {
  const list = schema[key];
  return Array.isArray(list) ? list.filter(isObject) : [];
};

const hasProperties = (schema: JsonObject): boolean => isObject(schema.properties);

const code = (value: unknown): string =>
  value === '' ? "`''`" : `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** The property every member fixes to a distinct constant (`type`, `kind`), if any. */
function discriminator(variants: JsonObject[]): string | undefined {
  const first = variants[0];
  if (first === undefined || !isObject(first.properties)) return undefined;
  for (const key of Object.keys(first.properties)) {
    const values = variants.map((variant) => {
      const props = variant.properties;
      const prop = isObject(props) ? props[key] : undefined;
      return isObject(prop) ? prop.const : undefined;
    });
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return key;
  }
  return undefined;
}

/** How to tell apart the members of a union without a discriminator: their required keys. */
function formOf(variant: JsonObject): string {
  const required = Array.isArray(variant.required) ? variant.required.map(String) : [];
  const keys = required.length > 0 ? required : Object.keys(variant.properties as JsonObject);
  return `with ${keys.map((key) => `\`${key}\``).join(', ')}`;
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

class Renderer {
  readonly sections: Section[] = [];
  private readonly seen = new Map<string, string>();
  private readonly anchors = new Set<string>();

  /** Adds the section of an object schema (once per distinct schema) and returns its anchor. */
  objectSection(schema: JsonObject, path: string, variant?: string): string {
    const fingerprint = JSON.stringify(schema);
    const known = this.seen.get(fingerprint);
    if (known !== undefined) return known;
    let anchor = slug(`${path === '' ? 'top-level' : path} ${variant ?? ''}`);
    for (let n = 2; this.anchors.has(anchor); n++) anchor = `${anchor.replace(/-\d+$/, '')}-${n}`;
    this.anchors.add(anchor);
    this.seen.set(fingerprint, anchor);
    const section: Section = {
      anchor,
      title:
        path === '' ? 'Top level' : `\`${path}\`${variant === undefined ? '' : ` (${variant})`}`,
      description: typeof schema.description === 'string' ? schema.description : '',
      rows: [],
    };
    this.sections.push(section);
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const [key, raw] of Object.entries(properties)) {
      const prop = isObject(raw) ? raw : {};
      section.rows.push({
        key: code(key),
        type: this.typeOf(prop, path === '' ? key : `${path}.${key}`),
        default: 'default' in prop ? tableCell(code(prop.default)) : '',
        description: tableCell(this.descriptionOf(prop)),
        required: required.includes(key) ? 'yes' : 'no',
      });
    }
    return anchor;
  }

  private descriptionOf(prop: JsonObject): string {
    if (typeof prop.description === 'string') return prop.description;
    return '';
  }

  /** The type column: a short phrase with links to the sections of nested objects. */
  typeOf(schema: JsonObject, path: string): string {
    if ('const' in schema) return code(schema.const);
    if (Array.isArray(schema.enum)) {
      return `one of ${schema.enum.map((value) => tableCell(code(value))).join(', ')}`;
    }
    for (const kind of ['oneOf', 'anyOf'] as const) {
      const variants = members(schema, kind);
      if (variants.length === 0) continue;
      const key = variants.every(hasProperties) ? discriminator(variants) : undefined;
      if (key !== undefined) {
        const links = variants.map((variant) => {
          const props = variant.properties as JsonObject;
          const value = (props[key] as JsonObject).const;
          const label = typeof value === 'string' ? value : JSON.stringify(value);
          return `[${label}](#${this.objectSection(variant, path, `${key}: \`${label}\``)})`;
        });
        return `object by \`${key}\`: ${links.join(', ')}`;
      }
      return variants
        .map((variant) =>
          hasProperties(variant)
            ? `[object](#${this.objectSection(variant, path, formOf(variant))})`
            : this.typeOf(variant, path),
        )
        .join(' or ');
    }
    const type = schema.type;
    if (Array.isArray(type)) return type.map((t) => String(t)).join(' or ');
    switch (type) {
      case 'object': {
        if (hasProperties(schema)) return `[object](#${this.objectSection(schema, path)})`;
        const values = schema.additionalProperties;
        if (isObject(values)) return `map of names to ${this.typeOf(values, `${path}.<name>`)}`;
        return 'object';
      }
      case 'array': {
        const items = schema.items;
        return isObject(items) ? `list of ${this.typeOf(items, `${path}[]`)}` : 'list';
      }
      case 'string': {
        const format = typeof schema.format === 'string' ? ` (${schema.format})` : '';
        const examples = Array.isArray(schema.examples) ? schema.examples : [];
        const example = examples.length > 0 ? `, such as ${tableCell(code(examples[0]))}` : '';
        return `string${format}${example}`;
      }
      case 'integer':
      case 'number': {
        const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
        const max =
          typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER
            ? schema.maximum
            : undefined;
        const exclusiveMin =
          typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
        if (min !== undefined && max !== undefined) return `${type} ${min} to ${max}`;
        if (min !== undefined) return `${type} >= ${min}`;
        if (exclusiveMin !== undefined) return `${type} > ${exclusiveMin}`;
        if (max !== undefined) return `${type} <= ${max}`;
        return type;
      }
      case 'boolean':
      case 'null':
        return type;
      default:
        return 'any';
    }
  }
}

/** The whole of docs/policy-reference.md for `schema` (from `policyJsonSchema()`). */
export function renderPolicyReference(schema: JsonObject): string {
  const renderer = new Renderer();
  renderer.objectSection(schema, '');
  const lines = [
    '<!-- Generated from the zod policy schema by `npm run docs`; do not edit. -->',
    '',
    '# Policy reference',
    '',
    'Every key of `.github/ripcord.yml`, generated from the schema Ripcord validates with (also',
    'published as [`schema/ripcord.schema.json`](../schema/ripcord.schema.json) for editors:',
    `put \`${POLICY_SCHEMA_MODELINE}\` on the first line).`,
    '`<name>` stands for a name you choose; `[]` for an item of a list. Durations are written',
    'as `30s`, `15m`, `1h30m` or `2d`, quantities as `5%`, `2s`, `500ms` or `500MB`; secrets only',
    'as `${NAME}` references to environment variables of the step.',
    '',
    '## Contents',
    '',
    ...renderer.sections.map((section) => `- [${section.title}](#${section.anchor})`),
    '',
  ];
  for (const section of renderer.sections) {
    lines.push(`<a id="${section.anchor}"></a>`, '', `## ${section.title}`, '');
    if (section.description !== '') lines.push(section.description, '');
    if (section.rows.length === 0) {
      lines.push('No keys.', '');
      continue;
    }
    lines.push(
      '| Key | Type | Default | Description | Required |',
      '| --- | --- | --- | --- | --- |',
      ...section.rows.map(
        (row) =>
          `| ${row.key} | ${row.type} | ${row.default} | ${row.description} | ${row.required} |`,
      ),
      '',
    );
  }
  return lines.join('\n');
}
