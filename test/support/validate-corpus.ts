/**
 * Runs `ripcord validate` (the CLI's main, in this process) on each file named on the command
 * line and prints one JSON line per file: exit code, output, wall time and the process's peak
 * resident memory so far. Run it as a child process (node --import tsx), so the memory figure
 * is this process's alone, not the test runner's; one child per file gives per-file peaks.
 */
import { main } from '../../src/cli/cli.ts';

for (const file of process.argv.slice(2)) {
  const output: string[] = [];
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const code = await main(['validate', '--policy', file], {
    stdout: (text) => output.push(text),
    stderr: (text) => output.push(text),
    env: {},
    now: () => Date.now(),
  });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time, next to wall time: on a shared machine the wall clock also counts other jobs.
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ file, code, ms, cpuMs, maxRssMb, output: output.join('\n') })}\n`,
  );
}
