/**
 * The GitHub Environments Ripcord's workflows run in, and a check that they exist with the
 * protection they need. A job that names an environment which does not exist makes GitHub
 * create it, silently and with no protection rules ("Referencing an environment that does not
 * exist will create an environment with the referenced name", docs.github.com, "Managing
 * environments for deployment"); a rollback meant to wait for a reviewer would then run at
 * once. `ripcord validate --github` asks before that happens.
 *
 * The names are those of examples/workflows and of what `ripcord init` writes; README's table
 * "GitHub Environments and secrets" lists the same.
 */
import type { GitHubClient } from './client.ts';

export interface ExpectedEnvironment {
  name: string;
  /** Which workflow runs a job in it. */
  usedBy: string;
  /** required: must have required reviewers; none: must not (it would stall automatic rollbacks); either: exists. */
  reviewers: 'required' | 'none' | 'either';
}

/**
 * Environments the workflows expect for the policy's environments. `environmentApprovals`:
 * some decision asks for an approval that is neither none nor a rule under rollback.approvals,
 * so the guard routes it to the rollback-approval Environment's reviewers; when every approval
 * is a comment rule (or none), that Environment may exist without reviewers, or not at all.
 */
export function expectedEnvironments(
  policyEnvironments: string[],
  environmentApprovals = true,
): ExpectedEnvironment[] {
  const list: ExpectedEnvironment[] = [];
  for (const env of policyEnvironments) {
    list.push({
      name: env,
      usedBy: 'your deploy job (records the deployments)',
      reviewers: 'either',
    });
    list.push({
      name: `${env}-rollback`,
      usedBy: 'the manual "Roll back" workflow: who may approve a rollback by hand',
      reviewers: 'required',
    });
  }
  list.push(
    {
      name: 'rollback-approval',
      usedBy: 'the post-deploy guard, for decisions whose approval is not none',
      reviewers: environmentApprovals ? 'required' : 'either',
    },
    {
      name: 'rollback-auto',
      usedBy: 'the post-deploy guard, for decisions with approval: none',
      reviewers: 'none',
    },
  );
  return list;
}

export interface EnvironmentFinding {
  name: string;
  ok: boolean;
  message: string;
}

interface ProtectionRule {
  type?: string;
  reviewers?: unknown[];
}

/** GET /repos/{owner}/{repo}/environments/{name} for each, and what is wrong with each. */
export async function checkEnvironments(
  octokit: GitHubClient,
  repo: { owner: string; repo: string },
  expected: ExpectedEnvironment[],
): Promise<EnvironmentFinding[]> {
  const findings: EnvironmentFinding[] = [];
  for (const env of expected) {
    let rules: ProtectionRule[];
    try {
      const { data } = await octokit.rest.repos.getEnvironment({
        ...repo,
        environment_name: env.name,
      });
      rules = (data.protection_rules ?? []) as ProtectionRule[];
    } catch (thrown) {
      const status = (thrown as { status?: number }).status;
      if (status !== 404) throw thrown;
      findings.push({
        name: env.name,
        ok: env.reviewers === 'none',
        message:
          env.reviewers === 'none'
            ? `${env.name}: missing; GitHub creates it without reviewers on first use, which is what ${env.usedBy} needs`
            : `${env.name}: missing; GitHub would create it on first use WITHOUT reviewers. Create it under Settings -> Environments${env.reviewers === 'required' ? ' and add Required reviewers' : ''} (used by ${env.usedBy})`,
      });
      continue;
    }
    const reviewers = rules.find((r) => r.type === 'required_reviewers');
    const count = Array.isArray(reviewers?.reviewers) ? reviewers.reviewers.length : 0;
    if (env.reviewers === 'required' && count === 0) {
      findings.push({
        name: env.name,
        ok: false,
        message: `${env.name}: has no required reviewers, so ${env.usedBy} runs without approval; add Required reviewers under Settings -> Environments -> ${env.name}`,
      });
    } else if (env.reviewers === 'none' && count > 0) {
      findings.push({
        name: env.name,
        ok: false,
        message: `${env.name}: has required reviewers, so automatic rollbacks (${env.usedBy}) wait for a person; remove them, or set approval in the policy's decision matrix instead`,
      });
    } else {
      findings.push({
        name: env.name,
        ok: true,
        message: `${env.name}: exists${count > 0 ? `, ${count} required reviewer${count === 1 ? '' : 's'}` : ''}`,
      });
    }
  }
  return findings;
}

/** Whether any decision of `policy` asks for an approval the guard routes to an Environment. */
export function usesEnvironmentApprovals(policy: {
  environments: Record<
    string,
    {
      default_approval: string;
      decision: readonly { approval: string }[];
      rollback: { approvals: Record<string, unknown> };
    }
  >;
}): boolean {
  return Object.values(policy.environments).some((env) =>
    [env.default_approval, ...env.decision.map((d) => d.approval)].some(
      (a) => a !== 'none' && !Object.hasOwn(env.rollback.approvals, a),
    ),
  );
}
