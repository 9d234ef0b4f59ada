/**
 * Wires the runner to an action's run(). Every failure, including a thrown non-Error, fails
 * the step: a ConfigurationError as the user's fix-it message, anything else as an internal error.
 */
import { ConfigurationError, toError } from '../core/errors.ts';
import type { ActionIO } from './action-io.ts';
import { processRunnerIO } from './runner-io.ts';

export async function runAction(run: (io: ActionIO) => Promise<void>): Promise<void> {
  const io = processRunnerIO();
  try {
    await run(io);
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof ConfigurationError) {
      io.setFailed(error.message);
    } else {
      io.debug(error.stack ?? error.message);
      io.setFailed(`internal error (please report it): ${error.message}`);
    }
  }
}

export interface ProcessDeps {
  env: NodeJS.ProcessEnv;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * An action's entry point with no arguments, as the runner's bundle and @github/local-action
 * call it (`export run()` in `<name>-entry.ts`, called by `<name>-main.ts`).
 */
export function entryPoint(
  run: (io: ActionIO, deps: ProcessDeps) => Promise<unknown>,
): () => Promise<void> {
  return () =>
    runAction(async (io) => {
      await run(io, {
        env: process.env,
        now: () => Date.now(),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      });
    });
}
