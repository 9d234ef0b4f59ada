/**
 * Wires the runner to an action's run(). Every failure, including a thrown non-Error, fails
 * the step: a ConfigurationError as the user's fix-it message, anything else as an internal error.
 * A problem placed in a file (a policy's) is also an annotation there, on the line to edit.
 */
import { isAbsolute, relative } from 'node:path';
import { ConfigurationError, toError } from '../shared/errors.ts';
import type { ActionIO } from './action-io.ts';
import { processRunnerIO } from './runner-io.ts';

/** GitHub shows at most 10 error annotations a step; the failure itself is one of them. */
const MAX_ANNOTATIONS = 9;

export async function runAction(
  run: (io: ActionIO) => Promise<void>,
  io: ActionIO = processRunnerIO(),
  workspace: string | undefined = process.env.GITHUB_WORKSPACE,
): Promise<void> {
  try {
    await run(io);
    io.endPhase();
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof ConfigurationError) {
      io.setFailed(error.message);
      for (const problem of error.located.slice(0, MAX_ANNOTATIONS)) {
        io.annotate('error', problem.message, {
          file: repositoryPath(problem.file, workspace),
          line: problem.line,
          column: problem.column,
          title: 'Ripcord policy',
        });
      }
    } else {
      io.debug(error.stack ?? error.message);
      io.setFailed(`internal error (please report it): ${error.message}`);
    }
  }
}

/** Annotations name files from the repository root; a policy input may be absolute. */
function repositoryPath(file: string, workspace: string | undefined): string {
  if (!workspace || !isAbsolute(file)) return file;
  const inside = relative(workspace, file);
  return inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}

export interface ProcessDeps {
  env: NodeJS.ProcessEnv;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * An action's entry point with no arguments, as the bundle (dist/<name>/index.js) and
 * @github/local-action call it (`export run()` in `<name>-entry.ts`).
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
