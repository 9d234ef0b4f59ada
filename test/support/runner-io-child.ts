/**
 * Runs calls on the real ActionIO (runner-io.ts, over @actions/core) in a process of its own,
 * the way an action's step does: @actions/core reads process.env and writes process.stdout, so
 * a test gives the environment and reads stdout, the runner's files and the exit code.
 * argv[2]: JSON [method, ...args][]; what each call returned goes to stderr as JSON.
 */
import { processRunnerIO } from '../../src/actions/runner-io.ts';

const calls = JSON.parse(process.argv[2] ?? '[]') as [string, ...unknown[]][];
const io = processRunnerIO() as unknown as Record<string, (...args: unknown[]) => unknown>;
const results: unknown[] = [];
for (const [method, ...args] of calls) {
  const fn = io[method];
  if (!fn) throw new Error(`ActionIO has no ${method}`);
  results.push(await fn(...args));
}
process.stderr.write(JSON.stringify(results));
