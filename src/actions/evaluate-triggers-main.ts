import { run } from './evaluate-triggers-entry.ts';

await run();
