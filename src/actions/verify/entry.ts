import { entryPoint } from '../run-action.ts';
import { run as runAction } from './run.ts';

/** What the bundle runs, and what `local-action run actions/verify src/actions/verify/entry.ts .env` calls. */
export const run = entryPoint(runAction);
