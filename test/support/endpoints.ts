/**
 * Loopback services the action tests start: a health endpoint a verify probe reads, and a
 * Slack incoming webhook that checks each message against Slack's published format.
 */
import { startReceiver, type Receiver } from './http-receiver.ts';
import { slackProblems } from './receivers.ts';

export interface HealthEndpoint extends Receiver {
  /** While true `/health` answers 200 `{health: healthy}`, otherwise 503 `{health: down}`. */
  healthy: boolean;
}

export async function startHealthEndpoint(): Promise<HealthEndpoint> {
  const state = { healthy: true };
  const receiver = await startReceiver(() =>
    state.healthy ? { body: { health: 'healthy' } } : { status: 503, body: { health: 'down' } },
  );
  return Object.defineProperty(receiver, 'healthy', {
    get: () => state.healthy,
    set: (value: boolean) => {
      state.healthy = value;
    },
    enumerable: true,
  }) as HealthEndpoint;
}

/** A Slack webhook answering `ok`; what is wrong with each message is pushed onto `problems`. */
export function startSlack(problems: string[]): Promise<Receiver> {
  return startReceiver((req) => {
    problems.push(...slackProblems(JSON.parse(req.body)));
    return { status: 200, body: 'ok' };
  });
}
