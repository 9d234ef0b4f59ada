import { runAction } from './run-action.ts';
import { run } from './staged-recovery.ts';

await runAction(async (io) => {
  await run(io, {
    env: process.env,
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
});
