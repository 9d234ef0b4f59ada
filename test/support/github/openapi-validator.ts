/**
 * Validates requests and responses against GitHub's OpenAPI description with ajv. Schemas are
 * converted from OpenAPI 3.0 to JSON Schema on demand and compiled once per operation.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { deref, isObject, loadSpec, type JsonObject, type OperationSpec } from './spec.ts';

const COMPONENT_ID = 'https://stand-in.invalid/schemas/';

/** Keywords that OpenAPI adds and JSON Schema does not know; dropped so ajv stays quiet. */
const DROPPED = new Set([
  'nullable',
  'discriminator',
  'readOnly',
  'writeOnly',
  'example',
  'examples',
  'xml',
  'externalDocs',
  'deprecated',
  'description',
  'title',
  'default',
]);

export interface SchemaIssue {
  message: string;
  errors: ErrorObject[];
}

type AddFormats = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: under NodeNext its default export may arrive wrapped.
const addFormats: AddFormats = (
  typeof addFormatsModule === 'function'
    ? addFormatsModule
    : (addFormatsModule as unknown as { default: AddFormats }).default
) as AddFormats;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    logger: false,
    validateSchema: false,
  });
  addFormats(ajv);
  // github.com sends "" for unset URLs (a deployment status's target_url, environment_url)
  // although the description says `format: uri`; accept that, reject anything else.
  ajv.addFormat('uri', (value: string) => value === '' || /^[a-z][a-z0-9+.-]*:\S+$/i.test(value));
  return ajv;
}

let bodyAjv: Ajv | undefined;
let paramAjv: Ajv | undefined;
const registered = new Set<string>();
const compiled = new Map<string, ValidateFunction>();

/**
 * OpenAPI 3.0 -> JSON Schema. `oneOf` becomes `anyOf`: GitHub's description has many `oneOf`
 * whose branches overlap (a user also satisfies `empty-object`), which real payloads fail.
 */
export function toJsonSchema(schema: unknown, refs: Set<string>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, refs));
  if (!isObject(schema)) return schema;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const name = ref.split('/').pop() ?? '';
    refs.add(name);
    const target = { $ref: COMPONENT_ID + encodeURIComponent(name) };
    return schema['nullable'] === true ? { anyOf: [target, { type: 'null' }] } : target;
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === 'properties' && isObject(value)) {
      const props: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) props[name] = toJsonSchema(sub, refs);
      out[key] = props;
    } else if (key === 'oneOf' || key === 'anyOf' || key === 'allOf') {
      out[key === 'oneOf' ? 'anyOf' : key] = toJsonSchema(value, refs);
    } else if (
      key === 'items' ||
      key === 'not' ||
      (key === 'additionalProperties' && isObject(value))
    ) {
      out[key] = toJsonSchema(value, refs);
    } else {
      out[key] = value;
    }
  }
  if (schema['nullable'] !== true) return out;
  if (Array.isArray(out['enum']) && !out['enum'].includes(null)) {
    out['enum'] = [...out['enum'], null];
  }
  if (typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function register(ajv: Ajv, refs: Set<string>): void {
  const pending = [...refs];
  const components = loadSpec().components.schemas;
  while (pending.length > 0) {
    const name = pending.pop() ?? '';
    if (registered.has(name)) continue;
    registered.add(name);
    const nested = new Set<string>();
    const converted = toJsonSchema(components[name] ?? {}, nested);
    const withId = isObject(converted) ? converted : {};
    ajv.addSchema({ ...withId, $id: COMPONENT_ID + encodeURIComponent(name) });
    pending.push(...nested);
  }
}

function compileBodySchema(key: string, schema: unknown): ValidateFunction {
  const cached = compiled.get(key);
  if (cached) return cached;
  bodyAjv ??= makeAjv(false);
  const refs = new Set<string>();
  const converted = toJsonSchema(schema, refs);
  register(bodyAjv, refs);
  const fn = bodyAjv.compile(isObject(converted) ? converted : {});
  compiled.set(key, fn);
  return fn;
}

function run(fn: ValidateFunction, data: unknown, what: string): SchemaIssue | undefined {
  if (fn(data)) return undefined;
  const errors = fn.errors ?? [];
  return { message: `${what}: ${formatErrors(errors)}`, errors };
}

export function formatErrors(errors: ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map(
      (e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
    )
    .join('; ');
}

/**
 * Path and query values arrive as strings: they are coerced (as GitHub parses them) and
 * unknown query names are reported, since GitHub would silently ignore a misspelt filter.
 */
export function validateParameters(
  operation: OperationSpec,
  location: 'path' | 'query',
  values: Record<string, string | string[]>,
): SchemaIssue[] {
  const key = `${operation.operationId} ${location}`;
  let fn = compiled.get(key);
  const declared = operation.parameters.filter((p) => p.in === location);
  if (!fn) {
    paramAjv ??= makeAjv(true);
    const refs = new Set<string>();
    const properties: JsonObject = {};
    for (const p of declared) properties[p.name] = toJsonSchema(p.schema, refs);
    register(paramAjv, refs);
    fn = paramAjv.compile({
      type: 'object',
      properties,
      required: declared.filter((p) => p.required).map((p) => p.name),
    });
    compiled.set(key, fn);
  }
  const issues: SchemaIssue[] = [];
  const names = new Set(declared.map((p) => p.name));
  for (const name of Object.keys(values)) {
    if (!names.has(name)) {
      issues.push({ message: `unknown ${location} parameter "${name}"`, errors: [] });
    }
  }
  const issue = run(fn, structuredClone(values), `${location} parameters`);
  if (issue) issues.push(issue);
  return issues;
}

export function validateRequestBody(
  operation: OperationSpec,
  contentType: string,
  body: unknown,
): SchemaIssue | undefined {
  const requestBody = operation.requestBody;
  if (!requestBody) {
    return body === undefined
      ? undefined
      : { message: 'request body sent to an operation that takes none', errors: [] };
  }
  const content = isObject(requestBody['content']) ? requestBody['content'] : {};
  const media = content[contentType] ?? content['application/json'];
  if (body === undefined) {
    return requestBody['required'] === true
      ? { message: 'request body is required', errors: [] }
      : undefined;
  }
  if (!isObject(media) || media['schema'] === undefined) return undefined;
  const fn = compileBodySchema(`${operation.operationId} request`, media['schema']);
  return run(fn, body, 'request body');
}

/** Statuses any endpoint may answer with, whether or not the description lists them. */
const GENERIC_STATUSES = new Set([401, 403, 404, 429, 500, 502, 503, 504]);

/**
 * Statuses GitHub really answers that the description leaves out, per operation, each with
 * its evidence. Their body is GitHub's basic error.
 */
const UNDOCUMENTED_BUT_REAL: Record<string, readonly number[]> = {
  // `Unexpected inputs provided: ["foo"]` for an input the workflow does not declare
  // (https://github.com/peter-evans/slash-command-dispatch/pull/115,
  // https://github.com/benc-uk/workflow-dispatch/issues/80); `"return_run_details" is not a
  // permitted key.` from GitHub Enterprise Server before 3.21
  // (https://github.com/benc-uk/workflow-dispatch/issues/86, https://github.com/port-labs/ocean/pull/3502).
  'actions/create-workflow-dispatch': [400, 422],
};

export function validateResponse(
  operation: OperationSpec,
  status: number,
  body: unknown,
): SchemaIssue | undefined {
  const responses = operation.responses;
  const declared =
    responses[String(status)] ?? responses[`${String(status)[0] ?? ''}XX`] ?? responses['default'];
  if (declared === undefined) {
    const known = UNDOCUMENTED_BUT_REAL[operation.operationId] ?? [];
    if (!GENERIC_STATUSES.has(status) && !known.includes(status)) {
      return { message: `status ${status} is not documented for this operation`, errors: [] };
    }
    if (body === undefined) return undefined;
    const fn = compileBodySchema('basic-error', { $ref: '#/components/schemas/basic-error' });
    return run(fn, body, `response ${status} body`);
  }
  const response = deref(declared);
  const content = isObject(response['content']) ? response['content'] : undefined;
  if (status === 204 || status === 304) {
    return body === undefined
      ? undefined
      : { message: `status ${status} must have no body`, errors: [] };
  }
  if (!content) return undefined;
  const media = content['application/json'];
  if (!isObject(media) || media['schema'] === undefined) return undefined;
  if (body === undefined) return { message: `response ${status} has no body`, errors: [] };
  const fn = compileBodySchema(`${operation.operationId} response ${status}`, media['schema']);
  return run(fn, body, `response ${status} body`);
}
