/**
 * GitHub's official REST description (from @octokit/openapi), loaded once per process, and
 * the route table that maps a concrete request path onto its operation.
 */
import { readFileSync } from 'node:fs';

export type Json = unknown;
export type JsonObject = Record<string, unknown>;

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject;
}

export interface OperationSpec {
  operationId: string;
  method: string;
  template: string;
  parameters: ParameterSpec[];
  requestBody: JsonObject | undefined;
  responses: JsonObject;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
  };
}

const SPEC_URL = new URL(
  '../../../node_modules/@octokit/openapi/generated/api.github.com.json',
  import.meta.url,
);

let cachedSpec: OpenApiDocument | undefined;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function loadSpec(): OpenApiDocument {
  // The description is ~13 MB: parse it once per process, whatever the number of stand-ins.
  cachedSpec ??= JSON.parse(readFileSync(SPEC_URL, 'utf8')) as OpenApiDocument;
  return cachedSpec;
}

/** Follows a local `#/components/...` reference (operation-level refs only). */
export function deref(value: unknown): JsonObject {
  if (!isObject(value)) return {};
  const ref = value['$ref'];
  if (typeof ref !== 'string') return value;
  const [, , kind, name] = ref.split('/');
  const spec = loadSpec();
  const table: Record<string, JsonObject> | undefined =
    kind === 'parameters'
      ? spec.components.parameters
      : kind === 'responses'
        ? spec.components.responses
        : kind === 'schemas'
          ? spec.components.schemas
          : undefined;
  const target = table && name !== undefined ? table[name] : undefined;
  if (!target) throw new Error(`Unresolvable reference ${ref}`);
  return deref(target);
}

interface Route {
  operation: OperationSpec;
  segments: string[];
  literalCount: number;
}

export interface RouteMatch {
  operation: OperationSpec;
  params: Record<string, string>;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

let routesByMethod: Map<string, Route[]> | undefined;
const operationsById = new Map<string, OperationSpec>();

function buildRoutes(): Map<string, Route[]> {
  const spec = loadSpec();
  const table = new Map<string, Route[]>();
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = Array.isArray(item['parameters']) ? item['parameters'] : [];
    for (const [method, rawOperation] of Object.entries(item)) {
      if (!METHODS.has(method) || !isObject(rawOperation)) continue;
      const operationId = rawOperation['operationId'];
      if (typeof operationId !== 'string') continue;
      const ownParameters = Array.isArray(rawOperation['parameters'])
        ? rawOperation['parameters']
        : [];
      const parameters = [...shared, ...ownParameters].map((p) => {
        const resolved = deref(p);
        return {
          name: String(resolved['name']),
          in: resolved['in'] as ParameterSpec['in'],
          required: resolved['required'] === true,
          schema: isObject(resolved['schema']) ? resolved['schema'] : {},
        };
      });
      const operation: OperationSpec = {
        operationId,
        method: method.toUpperCase(),
        template,
        parameters,
        requestBody: isObject(rawOperation['requestBody'])
          ? deref(rawOperation['requestBody'])
          : undefined,
        responses: isObject(rawOperation['responses']) ? rawOperation['responses'] : {},
      };
      operationsById.set(operationId, operation);
      const segments = template.split('/').slice(1);
      const route: Route = {
        operation,
        segments,
        literalCount: segments.filter((s) => !s.startsWith('{')).length,
      };
      const list = table.get(operation.method) ?? [];
      list.push(route);
      table.set(operation.method, list);
    }
  }
  // Literal segments beat parameters (`/deployments/protection` vs `/deployments/{id}`).
  for (const list of table.values()) list.sort((a, b) => b.literalCount - a.literalCount);
  return table;
}

function routes(): Map<string, Route[]> {
  routesByMethod ??= buildRoutes();
  return routesByMethod;
}

export function operationById(operationId: string): OperationSpec | undefined {
  routes();
  return operationsById.get(operationId);
}

function paramName(segment: string): string | undefined {
  const m = /^\{([^}]+)\}$/.exec(segment);
  return m?.[1];
}

/** Parameters that hold slash-separated names on GitHub (refs, file paths, branches). */
const SLASHED_PARAMS = new Set(['ref', 'path', 'branch']);

function tryMatch(route: Route, raw: string[], greedyTail: boolean): RouteMatch | undefined {
  const { segments } = route;
  if (greedyTail ? raw.length <= segments.length : raw.length !== segments.length) return;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] ?? '';
    const name = paramName(segment);
    const last = i === segments.length - 1;
    const value = greedyTail && last ? raw.slice(i).join('/') : raw[i];
    if (value === undefined) return;
    if (name === undefined) {
      if (segment !== value) return;
      continue;
    }
    if (value === '') return;
    try {
      params[name] = decodeURIComponent(value);
    } catch {
      return;
    }
  }
  return { operation: route.operation, params };
}

/**
 * Octokit percent-encodes `/` inside parameters (`heads%2Fmain`), other clients do not: a
 * trailing parameter such as `{ref}` or `{path}` may therefore span several raw segments.
 */
export function matchRoute(method: string, pathname: string): RouteMatch | undefined {
  const candidates = routes().get(method.toUpperCase()) ?? [];
  const raw = pathname.split('/').slice(1);
  for (const route of candidates) {
    const match = tryMatch(route, raw, false);
    if (match) return match;
  }
  for (const route of candidates) {
    const lastSegment = route.segments[route.segments.length - 1] ?? '';
    if (!SLASHED_PARAMS.has(paramName(lastSegment) ?? '')) continue;
    const match = tryMatch(route, raw, true);
    if (match) return match;
  }
  return undefined;
}
