/**
 * Replays a recorded incident through the real engine, minute by minute, and says when Ripcord
 * would have rolled back. Nothing is faked: the same policy loader, file source and engine as
 * the evaluate-triggers action, with the clock moved by the replay instead of waiting.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDuration } from '../../policy/duration.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Decision, Verdict } from '../../signals/verdict.ts';
import { evaluateEnvironment } from '../../signals/evaluate-environment.ts';
import { readPolicy } from '../../policy/read.ts';
import { createSources } from '../../signals/factory.ts';
import { readScenario } from './scenario.ts';

/**
 * The scenario shipped in the repository. Found by walking up from this file to the package
 * root, so it works from src/ and from dist/cli/index.js alike; a static `new URL(...)` would
 * make a bundler copy the file into dist/ without the policy and series it points at.
 */
const SCENARIO_PARTS = 'examples/demo/scenario.yml'.split('/');

export function defaultScenarioPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ...SCENARIO_PARTS);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return join(process.cwd(), ...SCENARIO_PARTS);
    dir = parent;
  }
}

export interface DemoOptions {
  scenarioPath?: string | undefined;
  print: (line: string) => void;
  logger: Logger;
}

export interface DemoResult {
  decisions: Decision[];
  firstRollback: Decision | null;
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const scenario = await readScenario(opts.scenarioPath ?? defaultScenarioPath());
  const policy = await readPolicy(scenario.policyPath);
  const { sources } = createSources(policy, {
    env: {},
    policyDir: dirname(scenario.policyPath),
    logger: opts.logger,
    fileOverride: scenario.seriesPath,
  });
  const print = opts.print;
  print(`Ripcord demo: ${scenario.name}`);
  if (scenario.description) print(scenario.description.trim());
  print(
    `Policy ${rel(scenario.policyPath)}, environment ${scenario.environment}, recorded series ${rel(scenario.seriesPath)}`,
  );
  print(
    `Deployed at ${hhmm(scenario.deployedAt)} UTC; replaying ${hhmm(scenario.from)}–${hhmm(scenario.to)} every ${formatDuration(scenario.step)}.`,
  );
  print('');

  const triggers = policy.environments[scenario.environment]?.triggers ?? [];
  const names = triggers.map((t) => t.name);
  // A probe cell reads "down (12)!": room for a streak of two or three digits.
  const widths = triggers.map((t) => Math.max(t.name.length, t.kind === 'probe' ? 11 : 9));
  print(`time   decision  ${names.map((n, i) => n.padEnd(widths[i] ?? 9)).join('  ')}`);
  const decisions: Decision[] = [];
  let firstRollback: Decision | null = null;
  for (let at = scenario.from; at <= scenario.to; at += scenario.step) {
    const decision = await evaluateEnvironment({
      policy,
      environment: scenario.environment,
      sources,
      at,
      deployedAt: scenario.deployedAt,
      logger: opts.logger,
    });
    decisions.push(decision);
    const marker = at === scenario.deployedAt ? '  <- deploy' : '';
    const cells = decision.triggers.map((v, i) => cell(v).padEnd(widths[i] ?? 9));
    print(
      `${hhmm(at)}  ${decision.decision.toUpperCase().padEnd(8)}  ${cells.join('  ')}${marker}`.trimEnd(),
    );
    if (decision.decision === 'rollback' && !firstRollback) {
      firstRollback = decision;
      print('');
      print(`>>> Ripcord would roll back now: ${decision.summary}`);
      print('');
    }
  }
  print('');
  print(
    'Legend: value as the trigger sees it (a probe: up, or down with its failures in a row); ! breached, ? inconclusive (no data is never healthy).',
  );
  if (firstRollback) {
    const at = Date.parse(firstRollback.evaluatedAt);
    print(
      `Verdict: roll back at ${hhmm(at)} UTC, ${formatDuration(at - scenario.deployedAt)} after the deploy, strategy ${firstRollback.strategy ?? 'none'} (${flagText(firstRollback)}approval: ${firstRollback.approval ?? 'none'}); breached: ${firstRollback.triggered.join(', ')}.`,
    );
  } else {
    print('Verdict: Ripcord would not have rolled back during this replay.');
    // A critical breach left to a team decision is not "nothing happened": say who was asked.
    const team = decisions.find((d) => d.teamDecision);
    if (team)
      print(
        `At ${hhmm(Date.parse(team.evaluatedAt))} UTC the decision matrix left a critical breach (${team.triggered.join(', ')}) to a team decision: ${(team.ask ?? []).length > 0 ? `asking ${(team.ask ?? []).join(', ')}` : 'nobody named to ask'}, no automatic rollback.`,
      );
  }
  return { decisions, firstRollback };
}

/** `flag: gradual 25% -> 0% 5m apart; `: how a decision row switches the flag, when it says. */
function flagText(d: Decision): string {
  const f = d.flag;
  if (!f) return '';
  const how =
    f.mode === 'gradual'
      ? `gradual${f.steps ? ` ${f.steps.map((p) => `${p}%`).join(' -> ')}` : ''}${f.step_wait ? ` ${formatDuration(f.step_wait)} apart` : ''}`
      : f.mode === 'components'
        ? `components ${(f.components ?? []).join(', ')}`
        : 'immediate';
  return `flag: ${how}; `;
}

function cell(v: Verdict): string {
  const mark = v.status === 'breached' ? '!' : v.status === 'inconclusive' ? '?' : '';
  return `${probeText(v) ?? v.valueText ?? '-'}${mark}`;
}

/** A probe's value is its failure streak; "0" read as a metric looks like "nothing", so say up/down. */
function probeText(v: Verdict): string | null {
  if (v.kind !== 'probe' || v.value === null) return null;
  return v.value === 0 ? 'up' : `down (${v.value})`;
}

function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

function rel(path: string): string {
  const cwd = process.cwd();
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}
