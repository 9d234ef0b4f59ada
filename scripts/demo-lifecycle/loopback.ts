/**
 * The loopback services of the lifecycle demo, all on 127.0.0.1: a flag service that keeps the
 * flag state (the http flag provider of the policy talks to it), the app's health endpoint, and
 * a Slack-like incoming webhook that checks each message against Slack's Block Kit limits.
 */
import { startReceiver, type Receiver } from '../../test/support/http-receiver.ts';
import { slackProblems } from '../../test/support/receivers.ts';

export interface FlagState {
  enabled: boolean;
  rollout: number;
}

export interface FlagService {
  receiver: Receiver;
  state(environment: string, flag: string): FlagState;
  /** Every change as it happened, for the timeline. */
  changes: { at: number; key: string; change: string }[];
}

export async function startFlagService(initial: Record<string, FlagState>): Promise<FlagService> {
  const flags = new Map<string, FlagState>(Object.entries(initial).map(([k, v]) => [k, { ...v }]));
  const changes: FlagService['changes'] = [];
  const get = (key: string): FlagState => {
    let s = flags.get(key);
    if (!s) {
      s = { enabled: false, rollout: 0 };
      flags.set(key, s);
    }
    return s;
  };
  const receiver = await startReceiver((req) => {
    const m = /^\/flags\/([^/]+)\/([^/]+)(?:\/(enabled|rollout))?$/.exec(req.path);
    if (!m) return { status: 404, body: { message: 'no such flag route' } };
    const key = `${decodeURIComponent(m[1] ?? '')}/${decodeURIComponent(m[2] ?? '')}`;
    const state = get(key);
    if (req.method === 'GET' && m[3] === undefined) return { body: state };
    if (req.method !== 'PUT' || m[3] === undefined) return { status: 405, body: {} };
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { message: 'body is not JSON' } };
    }
    const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (m[3] === 'enabled') {
      if (typeof fields.enabled !== 'boolean') return { status: 400, body: { message: 'enabled' } };
      state.enabled = fields.enabled;
      changes.push({ at: Date.now(), key, change: fields.enabled ? 'on' : 'off' });
    } else {
      const percent = fields.percent;
      if (typeof percent !== 'number' || percent < 0 || percent > 100)
        return { status: 400, body: { message: 'percent must be 0..100' } };
      state.rollout = percent;
      changes.push({ at: Date.now(), key, change: `rollout ${percent}%` });
    }
    return { body: state };
  });
  return {
    receiver,
    state: (environment, flag) => ({ ...get(`${environment}/${flag}`) }),
    changes,
  };
}

export interface App {
  receiver: Receiver;
  setHealthy(healthy: boolean): void;
}

/** The app's /health: degraded while the incident lasts, healthy once it is rolled back. */
export async function startApp(): Promise<App> {
  let healthy = false;
  const receiver = await startReceiver((req) => {
    if (req.path !== '/health') return { status: 404, body: {} };
    return healthy
      ? { body: { health: 'healthy' } }
      : { status: 503, body: { health: 'degraded' } };
  });
  return { receiver, setHealthy: (value) => (healthy = value) };
}

export interface SlackMessage {
  at: number;
  text: string;
  problems: string[];
}

export interface Slack {
  receiver: Receiver;
  messages: SlackMessage[];
}

export async function startSlack(): Promise<Slack> {
  const messages: SlackMessage[] = [];
  const receiver = await startReceiver((req) => {
    let body: unknown;
    try {
      body = JSON.parse(req.body);
    } catch {
      messages.push({ at: Date.now(), text: '', problems: ['body is not JSON'] });
      return { status: 400, body: 'invalid_payload' };
    }
    const problems = slackProblems(body);
    const text =
      typeof body === 'object' && body !== null && 'text' in body && typeof body.text === 'string'
        ? body.text
        : '';
    messages.push({ at: Date.now(), text, problems });
    return problems.length > 0 ? { status: 400, body: 'invalid_blocks' } : { body: 'ok' };
  });
  return { receiver, messages };
}
