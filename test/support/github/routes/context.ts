/** What every route handler receives and returns, plus GitHub's error and paging conventions. */
import type { RepoState, StandInState } from '../state.ts';
import type { Shapes } from '../shapes.ts';
import { isObject } from '../spec.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteContext {
  operationId: string;
  method: string;
  url: URL;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  state: StandInState;
  shapes: Shapes;
  /** The token the request came with (from `Authorization: token|bearer <token>`). */
  token: string;
}

export type Handler = (ctx: RouteContext) => Reply;
export type RouteTable = Record<string, Handler>;

const DOCS = 'https://docs.github.com/rest';

export function notFound(): Reply {
  return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
}

export function error(status: number, message: string): Reply {
  return { status, body: { message, documentation_url: DOCS, status: String(status) } };
}

/** GitHub's `Validation Failed` shape; `errors` entries name resource, field and code. */
export function validationFailed(
  errors: Array<Record<string, string>>,
  message = 'Validation Failed',
): Reply {
  return { status: 422, body: { message, errors, documentation_url: DOCS, status: '422' } };
}

export function unprocessable(message: string): Reply {
  return { status: 422, body: { message, documentation_url: DOCS, status: '422' } };
}

export function repoOf(ctx: RouteContext): RepoState | undefined {
  return ctx.state.findRepo(ctx.params['owner'] ?? '', ctx.params['repo'] ?? '');
}

export function bodyObject(ctx: RouteContext): Record<string, unknown> {
  return isObject(ctx.body) ? ctx.body : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Pages a list the way GitHub does: `per_page` (max 100), `page`, and a `Link` header. */
export function paginate<T>(
  ctx: RouteContext,
  items: T[],
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(ctx.query.get('per_page') ?? 30) || 30, 1), 100);
  const page = Math.max(Number(ctx.query.get('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string): string => {
    const target = new URL(ctx.url.href);
    target.searchParams.set('per_page', String(perPage));
    target.searchParams.set('page', String(p));
    return `<${target.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
  if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
  const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
  return { page: items.slice((page - 1) * perPage, page * perPage), headers };
}

export function listReply<T>(ctx: RouteContext, items: T[], render: (item: T) => unknown): Reply {
  const { page, headers } = paginate(ctx, items);
  return { status: 200, body: page.map(render), headers };
}

/** Newest first, ties broken by id (creation order). */
export function newestFirst<T extends { created_at: string; id: number }>(items: T[]): T[] {
  return [...items].sort((a, b) =>
    a.created_at === b.created_at ? b.id - a.id : a.created_at < b.created_at ? 1 : -1,
  );
}
