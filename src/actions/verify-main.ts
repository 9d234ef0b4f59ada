import { run } from './verify-entry.ts';

await run();
