import { main } from './cli.ts';

/** The CLI wired to this process: what dist/cli/index.js (and so bin/ripcord.js) and cli-main.ts run. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    now: () => Date.now(),
    stdin: process.stdin,
    isTTY: process.stdout.isTTY === true,
  });
}
