import { run } from './notify-entry.ts';

await run();
