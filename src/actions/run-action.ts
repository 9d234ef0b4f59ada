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
