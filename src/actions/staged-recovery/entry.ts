import { entryPoint } from '../run-action.ts';
import { run as runAction } from './run.ts';

/** What the bundle runs, and what `local-action run actions/staged-recovery src/actions/staged-recovery/entry.ts .env` calls. */
export const run = entryPoint(runAction);
