import { run } from './rollback-entry.ts';

await run();
