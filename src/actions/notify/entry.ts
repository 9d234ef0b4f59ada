import { entryPoint } from '../run-action.ts';
import { run as runAction } from './run.ts';

/** What the bundle runs, and what `local-action run actions/notify src/actions/notify/entry.ts .env` calls. */
export const run = entryPoint(runAction);
