/**
 * An in-process api.github.com for tests: stateful routes for what Ripcord uses, every request
 * and response checked against GitHub's OpenAPI description, queued faults, and call counts.
 *
 *   const gh = await startGitHubStandIn();            // default repository acme/shop
 *   const octokit = getOctokit('any-token', { baseUrl: gh.url });
 *   gh.state.repo().addDeployment({ ref: 'main', environment: 'production',
 *     created_at: '2024-01-01T00:00:00Z', statuses: [{ state: 'success' }] });
 *   gh.faults.inject({ match: 'git/create-ref', kind: 'ref-race' });
 *   ...code under test...
 *   expect(gh.calls.count('repos/list-deployments')).toBeLessThanOrEqual(3);
 *   await gh.close();                                 // throws if any violation was recorded
 *
 * A request or response that breaks the description is a violation; so is a route GitHub does
 * not have (answered 404) or one the stand-in does not implement (answered 501).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  formatErrors,
  validateParameters,
  validateRequestBody,
  validateResponse,
  type SchemaIssue,
} from './openapi-validator.ts';
import { Faults, SECONDARY_RATE_LIMIT_MESSAGE, type FaultKind } from './faults.ts';
import { Shapes } from './shapes.ts';
import { matchRoute, loadSpec, type OperationSpec } from './spec.ts';
import { StandInState, type StandInStateOptions } from './state.ts';
import { error, validationFailed, type Reply, type RouteContext } from './routes/context.ts';
import { routes } from './routes/index.ts';

export interface Violation {
  direction: 'route' | 'request' | 'response';
  operationId: string | undefined;
  method: string;
  path: string;
  status?: number;
  message: string;
  errors: SchemaIssue['errors'];
}

export interface CallRecord {
  method: string;
  path: string;
  query: string;
  operationId: string | undefined;
  status: number;
  requestBody: unknown;
  faults: FaultKind['kind'][];
  durationMs: number;
  /** performance.now() when the request arrived and when its answer was sent. */
  startedAt: number;
  endedAt: number;
}

export class Calls {
  readonly log: CallRecord[] = [];

  /** Requests made to `operationId` (or all requests when omitted), faulted ones included. */
  count(operationId?: string): number {
    return operationId === undefined
      ? this.log.length
      : this.log.filter((c) => c.operationId === operationId).length;
  }

  get total(): number {
    return this.log.length;
  }

  /** operationId -> number of requests. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.log) {
      const key = c.operationId ?? `${c.method} ${c.path}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  }

  reset(): void {
    this.log.length = 0;
  }

  /**
   * Round trips made one after another: the longest chain of calls in which each call arrived
   * after the one before it had been answered (the critical path of the client's requests).
   * Calls that overlap in time count once, however many there are. Only calls answered by
   * `until` (performance.now()) count, so a caller can measure up to a moment such as the first
   * rollback step. A measurement from the requests' own times, not a count of the code's awaits.
   */
  sequentialDepth(until = Infinity): number {
    const done = this.log.filter((c) => c.endedAt <= until).sort((a, b) => a.endedAt - b.endedAt);
    const depth: number[] = [];
    let best = 0;
    for (let i = 0; i < done.length; i++) {
      const call = done[i] as CallRecord;
      let before = 0;
      for (let j = 0; j < i; j++) {
        const prior = done[j] as CallRecord;
        if (prior.endedAt <= call.startedAt) before = Math.max(before, depth[j] ?? 0);
      }
      depth[i] = before + 1;
      best = Math.max(best, before + 1);
    }
    return best;
  }
}

export interface StandInOptions extends StandInStateOptions {
  /** close() throws when violations were recorded (default true). */
  failOnViolations?: boolean;
}

export interface GitHubStandIn {
  url: string;
  state: StandInState;
  calls: Calls;
  faults: Faults;
  readonly violations: Violation[];
  /** Returns the violations recorded so far and forgets them (for tests that expect some). */
  takeViolations(): Violation[];
  assertNoViolations(): void;
  close(): Promise<void>;
}

export function describeViolations(violations: Violation[]): string {
  return violations
    .map(
      (v, i) =>
        `${i + 1}. [${v.direction}] ${v.operationId ?? '(no operation)'} ${v.method} ${v.path}` +
        `${v.status !== undefined ? ` -> ${v.status}` : ''}: ${v.message}`,
    )
    .join('\n');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return out;
}

function faultReply(fault: FaultKind): Reply | undefined {
  if (fault.kind === 'status') {
    const reply = error(fault.status, fault.message ?? 'Server Error');
    return fault.headers ? { ...reply, headers: fault.headers } : reply;
  }
  if (fault.kind === 'secondary-rate-limit') {
    return {
      status: 403,
      body: {
        message: SECONDARY_RATE_LIMIT_MESSAGE,
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
      headers: { 'retry-after': String(fault.retryAfter ?? 1), 'x-ratelimit-remaining': '4999' },
    };
  }
  return undefined;
}

export async function startGitHubStandIn(options: StandInOptions = {}): Promise<GitHubStandIn> {
  loadSpec();
  const state = new StandInState(options);
  const calls = new Calls();
  const faults = new Faults();
  const violations: Violation[] = [];
  let shapes = new Shapes('http://127.0.0.1');
  let requestCounter = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const startedAt = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', shapes.api);
    const path = url.pathname;
    const rawBody = await readBody(req);
    const firedKinds: FaultKind['kind'][] = [];
    let operation: OperationSpec | undefined;
    let requestBody: unknown;

    const violate = (v: Omit<Violation, 'method' | 'path' | 'operationId'>): void => {
      violations.push({ ...v, method, path, operationId: operation?.operationId });
    };

    const reply = await (async (): Promise<Reply> => {
      const match = matchRoute(method, path);
      if (!match) {
        violate({
          direction: 'route',
          message: 'no such operation in the OpenAPI description',
          errors: [],
        });
        return error(404, 'Not Found');
      }
      operation = match.operation;
      const auth = req.headers.authorization ?? '';
      if (!/^(token|bearer) \S+$/i.test(auth)) return error(401, 'Requires authentication');

      for (const issue of validateParameters(operation, 'path', match.params)) {
        violate({ direction: 'request', message: `path: ${issue.message}`, errors: issue.errors });
      }
      const queryIssues = validateParameters(operation, 'query', queryObject(url.searchParams));
      for (const issue of queryIssues) {
        violate({ direction: 'request', message: `query: ${issue.message}`, errors: issue.errors });
      }
      if (rawBody.trim() !== '') {
        try {
          requestBody = JSON.parse(rawBody);
        } catch {
          violate({ direction: 'request', message: 'request body is not JSON', errors: [] });
          return error(400, 'Problems parsing JSON');
        }
      }
      const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0] ?? '';
      const bodyIssue = validateRequestBody(operation, contentType.trim(), requestBody);
      if (bodyIssue) {
        violate({ direction: 'request', message: bodyIssue.message, errors: bodyIssue.errors });
        // GitHub rejects a body that breaks its schema before doing anything.
        return validationFailed([], `Invalid request.\n\n${formatErrors(bodyIssue.errors)}`);
      }

      // The primary rate limit (state.rateLimit): counted per request, enforced before routing.
      const limit = state.rateLimit;
      const nowSeconds = Math.floor(Date.now() / 1000);
      if (limit.resetAt === undefined) limit.resetAt = nowSeconds + 3600;
      else if (limit.resetAt <= nowSeconds) {
        limit.resetAt = nowSeconds + 3600;
        limit.used = 0;
      }
      if (limit.used >= limit.limit && operation.operationId !== 'rate-limit/get') {
        // What GitHub answers an installation token (a GITHUB_TOKEN) past its limit.
        return {
          ...error(403, 'API rate limit exceeded for installation ID 1.'),
          headers: { 'x-ratelimit-remaining': '0' },
        };
      }
      if (operation.operationId !== 'rate-limit/get') limit.used += 1;

      const target = {
        operationId: operation.operationId,
        method,
        template: operation.template,
        path,
      };
      const fired = faults.take(target);
      firedKinds.push(...fired.map((f) => f.kind));
      let tamper: ((r: Reply) => Reply) | undefined;
      for (const fault of fired) {
        if (fault.kind === 'latency') await sleep(fault.ms);
        if (fault.kind === 'tamper') tamper = fault.mutate;
      }
      const ctx: RouteContext = {
        operationId: operation.operationId,
        method,
        url,
        params: match.params,
        query: url.searchParams,
        body: requestBody,
        state,
        shapes,
        token: auth.replace(/^(token|bearer) /i, ''),
      };
      let result: Reply | undefined;
      for (const fault of fired) {
        result ??= faultReply(fault);
        if (fault.kind === 'ref-race' && result === undefined) {
          const repo = state.findRepo(match.params['owner'] ?? '', match.params['repo'] ?? '');
          const body = typeof requestBody === 'object' && requestBody !== null ? requestBody : {};
          const ref = 'ref' in body && typeof body.ref === 'string' ? body.ref : '';
          const sha = fault.sha ?? ('sha' in body && typeof body.sha === 'string' ? body.sha : '');
          repo?.refs.set(ref, sha);
        }
      }
      if (!result) {
        const handler = routes[operation.operationId];
        if (!handler) {
          violate({
            direction: 'route',
            message: 'operation exists on GitHub but the stand-in does not implement it',
            errors: [],
          });
          return error(501, `The GitHub stand-in does not implement ${operation.operationId}`);
        }
        result = handler(ctx);
        const lost = fired.find((f) => f.kind === 'after-write');
        if (lost?.kind === 'after-write') result = error(lost.status ?? 502, 'Server Error');
      }
      return tamper ? tamper(result) : result;
    })();

    if (operation && reply.status !== 501) {
      const issue = validateResponse(operation, reply.status, reply.body);
      if (issue) {
        violate({
          direction: 'response',
          status: reply.status,
          message: issue.message,
          errors: issue.errors,
        });
      }
    }
    calls.log.push({
      method,
      path,
      query: url.search,
      operationId: operation?.operationId,
      status: reply.status,
      requestBody,
      faults: firedKinds,
      durationMs: Date.now() - started,
      startedAt,
      endedAt: performance.now(),
    });
    requestCounter += 1;
    // The headers GitHub sends a GITHUB_TOKEN: a limit of 1,000 an hour (state.rateLimit).
    const rl = state.rateLimit;
    const headers: Record<string, string> = {
      'x-github-request-id': `STANDIN:${requestCounter}`,
      'x-github-api-version-selected': '2022-11-28',
      'x-ratelimit-limit': String(rl.limit),
      'x-ratelimit-remaining': String(Math.max(rl.limit - rl.used, 0)),
      'x-ratelimit-used': String(Math.min(rl.used, rl.limit)),
      'x-ratelimit-reset': String(rl.resetAt ?? Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      ...reply.headers,
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    res
      .writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify(reply.body));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      violations.push({
        direction: 'route',
        operationId: undefined,
        method: req.method ?? '',
        path: req.url ?? '',
        message: `stand-in crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        errors: [],
      });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Server Error' }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  shapes = new Shapes(url);

  const assertNoViolations = (): void => {
    if (violations.length === 0) return;
    throw new Error(
      `GitHub stand-in recorded ${violations.length} OpenAPI violation(s):\n${describeViolations(violations)}`,
    );
  };

  return {
    url,
    state,
    calls,
    faults,
    violations,
    takeViolations: () => violations.splice(0, violations.length),
    assertNoViolations,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.failOnViolations !== false) assertNoViolations();
    },
  };
}
