/**
 * Setting the scene on the run's shared unleash-server (support/unleash-server.ts) the way a
 * team would, through its Admin API, and reading a flag back the way the application's SDK
 * would, through the client API with a backend token.
 */
import { sharedUnleash } from './unleash-server.ts';

/** One Admin API call; the parsed JSON answer (undefined when empty). Throws on a non-2xx. */
export async function unleashAdmin(method: string, path: string, body?: unknown): Promise<unknown> {
  const unleash = sharedUnleash();
  const res = await fetch(`${unleash.url}${path}`, {
    method,
    headers: { authorization: unleash.adminToken, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/**
 * A release flag in the default project with one flexibleRollout strategy at `rollout`%
 * (default 100) in `environment`, switched on there unless `enabled` is false; returns the
 * strategy's id.
 */
export async function createFlag(
  name: string,
  environment: string,
  opts: { rollout?: number; enabled?: boolean } = {},
): Promise<string> {
  const features = '/api/admin/projects/default/features';
  await unleashAdmin('POST', features, { name, type: 'release' });
  const strategy = (await unleashAdmin(
    'POST',
    `${features}/${name}/environments/${environment}/strategies`,
    {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: String(opts.rollout ?? 100), stickiness: 'default', groupId: name },
    },
  )) as { id: string };
  if (opts.enabled !== false)
    await unleashAdmin('POST', `${features}/${name}/environments/${environment}/on`);
  return strategy.id;
}

export interface ClientFeature {
  name: string;
  enabled: boolean;
  strategies: { name: string; parameters?: Record<string, string> }[];
}

/** What an SDK with a backend token for `environment` receives, with the HTTP status. */
export async function clientFeatures(
  environment: string,
): Promise<{ status: number; features: ClientFeature[] }> {
  const unleash = sharedUnleash();
  const res = await fetch(`${unleash.url}/api/client/features`, {
    headers: { authorization: unleash.clientToken(environment) },
  });
  const body = (await res.json()) as { features?: ClientFeature[] };
  return { status: res.status, features: body.features ?? [] };
}
