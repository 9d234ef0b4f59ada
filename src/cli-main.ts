import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
  now: () => Date.now(),
  stdin: process.stdin,
  isTTY: process.stdout.isTTY === true,
});
