/**
 * Bench worker: 200 triggers over --series series of --points one-minute points, read from one
 * OpenMetrics file. Runs in its own process so its peak RSS is its own (the file is generated
 * by an earlier process: `evaluate-large.ts generate`). Prints one JSON line.
 *
 *   node bench/evaluate-large.ts [generate] [--series N] [--points P] [--policy mixed|window1h|rules] [--once]
 */
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/shared/logger.ts';
import { parsePolicy } from '../src/policy/load.ts';
import { evaluateEnvironment } from '../src/signals/evaluate-environment.ts';
import { createSources } from '../src/signals/factory.ts';
import { dir, END, fileFor, generate, policyText } from './large-data.ts';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    series: { type: 'string', default: '1000' },
    points: { type: 'string', default: '360' },
    policy: { type: 'string', default: 'mixed' },
    /** One evaluation only, as the action runs (the promtool side-by-side times the process). */
    once: { type: 'boolean', default: false },
  },
});
const SERIES = Number(args.series);
const POINTS = Number(args.points);

if (positionals[0] === 'generate') {
  generate(SERIES, POINTS);
  process.exit(0);
}

const parsed = parsePolicy(policyText(args.policy, fileFor(SERIES, POINTS)), 'bench.yml');
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems.slice(0, 3)));

const t0 = performance.now();
// CPU time (every thread of the process) besides wall time: on a shared, loaded machine wall
// time measures the neighbours too; CPU time is close to what an idle machine's wall time is.
const cpu0 = process.cpuUsage();
const { sources } = createSources(parsed.policy, { env: {}, policyDir: dir, logger: silentLogger });
const options = {
  policy: parsed.policy,
  environment: 'bench',
  sources,
  at: END * 1000,
  deployedAt: (END - 7200) * 1000,
  logger: silentLogger,
};
const decision = await evaluateEnvironment(options);
const firstMs = performance.now() - t0;
const firstCpu = process.cpuUsage(cpu0);
// A second pass over the parsed file: the cost of evaluation alone.
const t1 = performance.now();
if (!args.once) await evaluateEnvironment(options);
const secondMs = performance.now() - t1;

const counts = { breached: 0, ok: 0, inconclusive: 0 };
for (const v of decision.triggers) counts[v.status] += 1;
const reasons = [
  ...new Set(decision.triggers.filter((v) => v.status === 'inconclusive').map((v) => v.reason)),
];
console.log(
  JSON.stringify({
    series: SERIES,
    points: POINTS,
    policy: args.policy,
    triggers: decision.triggers.length,
    firstEvaluationMs: Math.round(firstMs),
    firstEvaluationCpuMs: Math.round((firstCpu.user + firstCpu.system) / 1000),
    evaluationOnlyMs: Math.round(secondMs),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    verdicts: counts,
    decision: decision.decision,
    ...(reasons.length > 0 ? { inconclusiveReasons: reasons.slice(0, 2) } : {}),
  }),
);
