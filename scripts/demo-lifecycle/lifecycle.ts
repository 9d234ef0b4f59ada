/**
 * The full-lifecycle demo: one incident from the bad deploy to the incident report, on this
 * machine alone. An in-process GitHub stand-in (OpenAPI-validated), a metrics recording made
 * relative to now, a loopback flag service, app health endpoint and Slack-like webhook, and the
 * REAL committed action bundles (dist/<action>/index.js) run in order as a workflow would.
 *
 *   node scripts/demo-lifecycle/lifecycle.ts
 *
 * Exit 0 only when every stage happened as expected; a failed expectation says what went wrong
 * and exits 1. Job summaries and the incident report are written under .tmp/demo/.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  describeViolations,
  startGitHubStandIn,
  type GitHubStandIn,
} from '../../test/support/github/stand-in.ts';
import type { RepoState } from '../../test/support/github/state.ts';
import { startApp, startFlagService, startSlack } from './loopback.ts';
import { readScenario, recordingText, type Timeline } from './recording.ts';
import { runStep, type StepRun } from './runner.ts';

const MIN = 60_000;
const root = resolve(import.meta.dirname, '../..');
const examples = join(root, 'examples/lifecycle');
const outDir = join(root, '.tmp/demo');
const runDir = join(outDir, 'run');
const summaryDir = join(outDir, 'summaries');
/** The whole demo must finish well inside a minute. */
const BUDGET_MS = 55_000;

class DemoFailure extends Error {
  readonly detail: string;
  constructor(message: string, detail = '') {
    super(message);
    this.detail = detail;
  }
}

function expectThat(condition: unknown, message: string, step?: StepRun): asserts condition {
  if (condition) return;
  const detail = step
    ? [
        `exit status: ${String(step.status)}`,
        `outputs: ${JSON.stringify(step.outputs, null, 2)}`,
        'stdout (last 40 lines):',
        ...step.stdout.trimEnd().split('\n').slice(-40),
        ...(step.stderr.trim() ? ['stderr:', step.stderr.trimEnd()] : []),
      ].join('\n')
    : '';
  throw new DemoFailure(message, detail);
}

const started = Date.now();
function hhmmss(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}
function line(step: string, what: string): void {
  const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  console.log(`${hhmmss(Date.now())}  +${elapsed}s  ${step.padEnd(16)} ${what}`);
}
function rel(path: string): string {
  return relative(root, path);
}

/** The incident report the recovery proposed, read back from the pull request's branch. */
function reportFromPull(repo: RepoState): { path: string; markdown: string } | undefined {
  const pull = repo.pulls[0];
  if (!pull) return undefined;
  const head = repo.refs.get(`refs/heads/${pull.head}`);
  const commit = head !== undefined ? repo.commits.get(head) : undefined;
  const tree = commit ? repo.trees.get(commit.tree) : undefined;
  for (const [path, entry] of tree ?? []) {
    if (entry.type !== 'blob' || !/^docs\/incidents\/.+\.md$/.test(path)) continue;
    const blob = repo.blobs.get(entry.sha);
    if (blob) return { path, markdown: blob.toString('utf8') };
  }
  return undefined;
}

async function main(): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  mkdirSync(summaryDir, { recursive: true });

  const scenario = readScenario(join(examples, 'scenario.yml'));
  const env = scenario.environment;
  const flagName = scenario.flag;
  console.log(`Ripcord full-lifecycle demo: ${scenario.name}`);
  console.log(scenario.description.trim().replace(/^/gm, '  '));
  console.log('');

  const now = Date.now();
  const flags = await startFlagService({ [`${env}/${flagName}`]: { enabled: true, rollout: 100 } });
  const app = await startApp();
  const slack = await startSlack();
  let gh: GitHubStandIn | undefined;
  try {
    gh = await startGitHubStandIn();
    const repo = gh.state.repo();

    // The policy lives next to the recording it reads (file sources are relative to the policy).
    const policy = join(runDir, 'policy.yml');
    writeFileSync(
      policy,
      readFileSync(join(examples, scenario.policy), 'utf8').replaceAll(
        'http://127.0.0.1:8080',
        app.receiver.url,
      ),
    );
    const recording = join(runDir, 'recording.om');
    const timeline: Timeline = {
      from: now - (scenario.known_good.deployed_minutes_ago + 5) * MIN,
      deployedAt: now - scenario.bad.deployed_minutes_ago * MIN,
      to: now,
    };
    writeFileSync(recording, recordingText(scenario, timeline));

    let runId = 9000;
    let notified = 0;
    const summaries: string[] = [];
    const step = async (
      n: number,
      action: string,
      inputs: Record<string, string>,
      event = 'workflow_dispatch',
    ): Promise<StepRun> => {
      runId += 1;
      const summaryPath = join(summaryDir, `${String(n).padStart(2, '0')}-${action}.md`);
      const r = await runStep({
        root,
        action,
        inputs: { policy, environment: env, token: 'ghs_demo_token', ...inputs },
        scratch: runDir,
        summaryPath,
        env: {
          GITHUB_REPOSITORY: repo.fullName,
          GITHUB_API_URL: gh?.url ?? '',
          GITHUB_SERVER_URL: 'https://github.com',
          GITHUB_RUN_ID: String(runId),
          GITHUB_RUN_ATTEMPT: '1',
          GITHUB_ACTOR: 'ripcord-demo',
          GITHUB_EVENT_NAME: event,
          GITHUB_WORKFLOW: 'ripcord',
          RUNNER_TEMP: runDir,
          FLAGS_URL: flags.receiver.url,
          SLACK_WEBHOOK_URL: `${slack.receiver.url}/services/T0DEMO/B0DEMO/demo-secret`,
        },
      });
      summaries.push(summaryPath);
      for (const m of slack.messages.slice(notified)) {
        line(
          '  slack',
          `${m.text.split('\n')[0] ?? ''}${m.problems.length > 0 ? ' (REJECTED)' : ''}`,
        );
      }
      notified = slack.messages.length;
      return r;
    };

    // 1) The deploys, as the deploy workflow recorded them.
    const good = repo.addDeployment({
      ref: scenario.known_good.ref,
      environment: env,
      created_at: new Date(now - scenario.known_good.deployed_minutes_ago * MIN),
      statuses: [{ state: 'success' }],
    });
    const bad = repo.addDeployment({
      ref: scenario.bad.ref,
      environment: env,
      created_at: timeline.deployedAt ? new Date(timeline.deployedAt) : undefined,
      statuses: [{ state: 'success' }],
    });
    line(
      'deploy',
      `${good.ref} (deployment ${good.id}, success, ${scenario.known_good.deployed_minutes_ago} min ago) then ` +
        `${bad.ref} (deployment ${bad.id}, success, ${scenario.bad.deployed_minutes_ago} min ago); ` +
        `flag ${flagName} on at 100%`,
    );
    line('recording', `${rel(recording)}: healthy, then errors from the deploy on`);

    // 2) evaluate-triggers against the recording, at now.
    const evaluated = await step(1, 'evaluate-triggers', {
      'source-file': recording,
      at: new Date(now).toISOString(),
      'fail-on-rollback': 'false',
    });
    expectThat(evaluated.status === 0, 'evaluate-triggers failed', evaluated);
    expectThat(
      evaluated.outputs.decision === 'rollback',
      `evaluate-triggers decided ${evaluated.outputs.decision ?? '(nothing)'}, expected rollback`,
      evaluated,
    );
    const triggered = evaluated.outputs.triggered ?? '';
    expectThat(
      triggered.split(',').includes('error-rate'),
      'error-rate was not breached',
      evaluated,
    );
    line(
      'evaluate',
      `decision ${evaluated.outputs.decision} (${evaluated.outputs.severity}), triggered ${triggered}, ` +
        `strategy ${evaluated.outputs.strategy}, approval ${evaluated.outputs.approval}`,
    );

    // 3) rollback: the feature-flag strategy switches the flag off through the http provider.
    const rolled = await step(
      2,
      'rollback',
      { decision: evaluated.outputs.report ?? '', strategy: 'auto', target: 'last-known-good' },
      'deployment_status',
    );
    expectThat(rolled.status === 0, 'rollback failed', rolled);
    expectThat(
      rolled.outputs.result === 'rolled-back',
      `rollback result ${rolled.outputs.result ?? '(none)'}, expected rolled-back`,
      rolled,
    );
    expectThat(
      rolled.outputs['target-ref'] === good.ref,
      `rolled back to ${rolled.outputs['target-ref'] ?? '(none)'}, expected ${good.ref}`,
      rolled,
    );
    const flagAfterRollback = flags.state(env, flagName);
    expectThat(
      !flagAfterRollback.enabled,
      `flag ${flagName} is still on after the rollback`,
      rolled,
    );
    const incident = Number(rolled.outputs.incident);
    expectThat(Number.isInteger(incident) && incident > 0, 'no incident number', rolled);
    const rolledBackAt = Date.now();
    line(
      'rollback',
      `rolled back with ${rolled.outputs.strategy}: flag ${flagName} off; incident #${incident}, ` +
        `target ${rolled.outputs['target-ref']} (${(rolled.outputs['target-sha'] ?? '').slice(0, 7)}), ` +
        `rollback deployment ${rolled.outputs['deployment-id']}`,
    );

    // The app is healthy again, and so is what the metrics record from now on.
    app.setHealthy(true);
    timeline.rolledBackAt = rolledBackAt;
    timeline.to = rolledBackAt + scenario.healthy_after_rollback * MIN;
    writeFileSync(recording, recordingText(scenario, timeline));
    line('recording', `healthy again from the rollback on`);

    // 4) verify after-rollback: the health probe and "the flag is really off".
    const verified = await step(3, 'verify', {
      mode: 'after-rollback',
      checks: [
        `- {type: probe, name: health, url: "${app.receiver.url}/health", json: [{path: .health, equals: healthy}]}`,
        `- {type: flag-off, name: ${flagName}-off, provider: flagd, flag: ${flagName}}`,
      ].join('\n'),
      incident: String(incident),
      'deployment-id': rolled.outputs['deployment-id'] ?? '',
    });
    expectThat(
      verified.status === 0 && verified.outputs.result === 'passed',
      `verify after-rollback: ${verified.outputs.result ?? '(no result)'}: ${verified.outputs.reason ?? ''}`,
      verified,
    );
    expectThat(
      app.receiver.requests.length > 0,
      'verify never probed the health endpoint',
      verified,
    );
    const checks = JSON.parse(verified.outputs.checks ?? '[]') as {
      name: string;
      status: string;
    }[];
    expectThat(
      checks.some((c) => c.name === `${flagName}-off` && c.status === 'pass'),
      `the flag-off check did not pass: ${verified.outputs.checks ?? '(no checks output)'}`,
      verified,
    );
    line(
      'verify',
      `verified: ${verified.outputs.result} (${verified.outputs.reason ?? ''}); ` +
        `${checks.map((c) => `${c.name} ${c.status}`).join(', ')}; ` +
        `${app.receiver.requests.length} health probes`,
    );

    // 5) staged recovery: scheduled ticks until recovered.
    const percentages: number[] = [];
    let last: StepRun | undefined;
    for (let tick = 1; tick <= 40; tick++) {
      expectThat(
        Date.now() - started < BUDGET_MS,
        `staged recovery still ${last?.outputs.outcome ?? 'not started'} after ${BUDGET_MS / 1000}s`,
        last,
      );
      const r = await step(3 + tick, 'staged-recovery', { command: 'tick' }, 'schedule');
      last = r;
      expectThat(r.status === 0, `staged-recovery tick ${tick} failed`, r);
      const outcome = r.outputs.outcome ?? '';
      expectThat(
        !['rolled-back-again', 'aborted', 'no-incident', 'skipped'].includes(outcome),
        `staged-recovery tick ${tick}: ${outcome}: ${r.outputs.message ?? ''}`,
        r,
      );
      const percent = Number(r.outputs.percentage ?? '0');
      const flag = flags.state(env, flagName);
      if (outcome === 'advanced') {
        percentages.push(percent);
        expectThat(
          flag.enabled && flag.rollout === percent,
          `flag ${flagName} is ${flag.enabled ? 'on' : 'off'} at ${flag.rollout}%, expected on at ${percent}%`,
          r,
        );
      }
      line(
        'staged-recovery',
        `tick ${tick}: ${outcome}, stage ${r.outputs.stage}, ${percent}% ` +
          `(flag ${flag.enabled ? 'on' : 'off'} at ${flag.rollout}%)` +
          (r.outputs['next-action'] && r.outputs['next-action'] !== 'none'
            ? `, next ${r.outputs['next-action']}`
            : ''),
      );
      if (outcome === 'recovered') break;
      const nextAt = Date.parse(r.outputs['next-at'] ?? '');
      const wait = Number.isNaN(nextAt)
        ? 1000
        : Math.min(Math.max(nextAt - Date.now(), 0) + 250, 5000);
      await sleep(wait);
    }
    expectThat(last?.outputs.outcome === 'recovered', 'the recovery did not finish', last);
    expectThat(
      JSON.stringify(percentages) === JSON.stringify([5, 25, 50, 100]),
      `the recovery went through ${percentages.join(' -> ') || 'no stage'}, expected 5 -> 25 -> 50 -> 100`,
      last,
    );
    const finalFlag = flags.state(env, flagName);
    expectThat(
      finalFlag.enabled && finalFlag.rollout === 100,
      `flag ${flagName} ended ${finalFlag.enabled ? 'on' : 'off'} at ${finalFlag.rollout}%`,
      last,
    );
    line('staged-recovery', `recovered 100%: ${percentages.map((p) => `${p}%`).join(' -> ')}`);

    // The incident report pull request, read back from the stand-in.
    const reportPr = last.outputs['report-pr'] ?? '';
    expectThat(
      repo.pulls.length === 1,
      `${repo.pulls.length} report pull requests, expected 1`,
      last,
    );
    const pull = repo.pulls[0];
    expectThat(
      pull && reportPr.endsWith(`/pull/${pull.number}`),
      `report-pr output "${reportPr}"`,
      last,
    );
    const report = reportFromPull(repo);
    expectThat(report, `no docs/incidents/*.md on the pull request's branch ${pull.head}`);
    const reportPath = join(outDir, 'incident-report.md');
    writeFileSync(reportPath, report.markdown);
    const issue = repo.findIssue(incident);
    expectThat(issue?.state === 'closed', `incident #${incident} is ${issue?.state ?? 'missing'}`);
    line(
      'report',
      `report PR #${pull.number} (${pull.head} -> ${pull.base}): ${report.path}; incident #${incident} closed`,
    );

    // 6) What the Slack-like receiver got.
    const broken = slack.messages.filter((m) => m.problems.length > 0);
    expectThat(
      broken.length === 0,
      `Slack rejected ${broken.length} message(s): ${broken.map((m) => m.problems.join('; ')).join(' | ')}`,
    );
    const texts = slack.messages.map((m) => m.text.toLowerCase());
    expectThat(
      texts.some((t) => t.includes('roll')),
      'no rollback notification reached Slack',
    );
    expectThat(
      texts.some((t) => t.includes('recover')),
      'no recovery notification reached Slack',
    );
    line('notify', `${slack.messages.length} notifications received by the local Slack receiver`);

    const violations = gh.takeViolations();
    expectThat(
      violations.length === 0,
      `GitHub API calls outside the OpenAPI description:\n${describeViolations(violations)}`,
    );

    console.log('');
    console.log(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)}s: rolled back, verified, recovered 100%, ` +
        `report PR #${pull.number}, ${slack.messages.length} notifications, ${gh.calls.total} GitHub API calls.`,
    );
    console.log('Job summaries:');
    for (const s of summaries) console.log(`  ${rel(s)}`);
    console.log(`Incident report: ${rel(reportPath)} (${report.path} on ${pull.head})`);
  } finally {
    await Promise.all([
      gh?.close().catch(() => undefined),
      flags.receiver.close(),
      app.receiver.close(),
      slack.receiver.close(),
    ]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.log('');
    if (e instanceof DemoFailure) {
      console.log(`DEMO FAILED: ${e.message}`);
      if (e.detail) console.log(e.detail);
    } else {
      console.log(`DEMO FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
    process.exit(1);
  },
);
