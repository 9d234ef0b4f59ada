import { run } from './entry.ts';

// Runs the CLI from source (`node src/cli/main.ts`); the bundle runs cli-entry.ts's run() itself.
await run();
