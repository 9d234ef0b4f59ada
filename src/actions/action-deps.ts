/**
 * What the entry point (or a test) passes every action's run() beside the runner: the process's
 * seams, so no module is mocked. And `lazy`, how the composition root builds each service on
 * first use. Its own module so that compose.ts and compose-github.ts share it without
 * importing each other both ways.
 */

export interface ActionDeps {
  env: Record<string, string | undefined>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Tests shorten Octokit's retry waits. */
  retryAfterBaseValue?: number;
  /** Tests shorten the looks at a held lock. */
  lockPollMs?: number;
  /** Notification channels' HTTP (tests point it at a stand-in). */
  fetch?: typeof fetch;
}

/** Built on the first call, then kept; a failure is kept too (it would fail the same way again). */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | null = null;
  return () => (built ??= { value: build() }).value;
}
