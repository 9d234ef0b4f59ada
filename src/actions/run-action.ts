/**
 * Wires @actions/core to an action's run(). Every failure, including a thrown non-Error, fails
 * the step: a ConfigurationError as the user's fix-it message, anything else as an internal error.
 */
import * as core from '@actions/core';
import { ConfigurationError, toError } from '../core/errors.ts';
import type { ActionIO } from './action-io.ts';

export function coreIO(): ActionIO {
  return {
    getInput: (name) => core.getInput(name),
    setOutput: (name, value) => core.setOutput(name, value),
    setSecret: (value) => core.setSecret(value),
    appendSummary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
    },
    setFailed: (message) => core.setFailed(message),
    debug: (m) => core.debug(m),
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    error: (m) => core.error(m),
  };
}

export async function runAction(run: (io: ActionIO) => Promise<void>): Promise<void> {
  const io = coreIO();
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
