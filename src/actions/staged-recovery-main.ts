import { run } from './staged-recovery-entry.ts';

await run();
