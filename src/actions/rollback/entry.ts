import { entryPoint } from '../run-action.ts';
import { run as runAction } from './run.ts';

/** What the bundle runs, and what `local-action run actions/rollback src/actions/rollback/entry.ts .env` calls. */
export const run = entryPoint(runAction);
