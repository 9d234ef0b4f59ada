/**
 * The composition root of the actions: the one place that turns the runner (ActionIO) and the
 * process's seams (env, clock, sleep, fetch, the tests' short waits) into the services a use
 * case needs: the run's context and token, the policy, Ripcord's identity, signal sources,
 * flag providers, and (compose-github.ts) the Octokit client, stores, lock, comment history,
 * approvals, authority and notify dispatch. Before it, each action wired these by hand.
 *
 * Three stages, each built from the one before, because each needs what the one before
 * yields: `compose()` (the runner; nothing read yet), `load()` (reads the policy), `github()`
 * (the GitHub half, imported on first use: from source an evaluation that makes no GitHub call
 * never loads Octokit; the one bundle parses all of it at start anyway). Every service is built on first use and kept: an action pays only for what
 * its run touches. Building a service makes no request, so the round trips of a run are its
 * use case's alone (test/rollback/round-trips.test.ts).
 */
import { dirname, resolve } from 'node:path';
import type { NotifyValues } from '../notify/templates.ts';
import type { Environment, Policy } from '../policy/schema.ts';
import { environmentOf } from '../signals/evaluate-environment.ts';
import { identityFor, type RipcordIdentity } from '../github/identity.ts';
import { defaultPolicyPath, readPolicy } from '../policy/read.ts';
import { createSources, type CreateSourcesOptions, type SignalSource } from '../signals/factory.ts';
import {
  createFlagProviders,
  type CreateFlagProvidersOptions,
  type FlagProviders,
} from '../rollback/flags/providers.ts';
import { lazy, type ActionDeps } from './action-deps.ts';
import type { ActionIO } from './action-io.ts';
import type { GitHubOptions, GitHubServices } from './compose-github.ts';
import { runContext, type RunContext } from './run-context.ts';

export { lazy, type ActionDeps } from './action-deps.ts';

export interface ComposeOptions {
  /** Names the action in the "runs inside a workflow" message. */
  action: string;
  /** What the token must be allowed to do, for the "input token is empty" message. */
  tokenNeeds: string;
  /**
   * The `policy` input (empty: .github/ripcord.yml). Read by the action itself, so its source
   * names every input it reads (test/actions/metadata.test.ts holds them to action.yml).
   */
  policyInput: string;
}

/** The runner's half: inputs, context and the policy path. Nothing is read until asked for. */
export interface ActionRoot {
  readonly io: ActionIO;
  readonly deps: ActionDeps;
  /** The `policy` input, or .github/ripcord.yml. */
  readonly policyPath: string;
  /** The token (masked at once), repository and run; a ConfigurationError when one is missing. */
  context(): RunContext;
  /** Reads the policy (once) and gives the services built from it. */
  load(): Promise<ActionServices>;
  /** What every notification of this run carries: the run, the deployments page, the actor. */
  runValues(): NotifyValues;
  mask(secrets: Iterable<string>): void;
}

/** The services the policy decides. */
export interface ActionServices {
  readonly root: ActionRoot;
  readonly io: ActionIO;
  readonly deps: ActionDeps;
  readonly policy: Policy;
  /** Relative file sources are relative to the policy file. */
  readonly policyDir: string;
  /** Who Ripcord writes as: only what it wrote is trusted when read back. */
  identity(): RipcordIdentity;
  /** The environment's policy with its defaults; a ConfigurationError naming it when absent. */
  environment(name: string): Environment;
  /**
   * The policy's signal sources, their secrets masked. Built on the first call, with its
   * options (a recorded file, the clock, retry delays); later calls get the same.
   */
  sources(options?: SourceOptions): BuiltSources;
  /**
   * The flag providers `only` names (a run needs no secrets of services it never calls), their
   * secrets masked. Built on the first call; later calls (with the same names) get the same.
   */
  flags(only: readonly string[], options?: FlagOptions): FlagProviders;
  /**
   * The GitHub half (client, stores, lock, history, approvals, notify) for the run's context.
   * Built on the first call; later calls (with the same options) get the same.
   */
  github(options?: GitHubOptions): Promise<GitHubServices>;
  /**
   * The GitHub half when the action was given a token and runs in a repository, else null:
   * for actions whose GitHub reads are extras (the evaluation's pause notice).
   */
  githubIfAvailable(options?: GitHubOptions): Promise<GitHubServices | null>;
}

export type SourceOptions = Omit<CreateSourcesOptions, 'env' | 'policyDir' | 'logger'>;
export type FlagOptions = Pick<CreateFlagProvidersOptions, 'retryDelayMs'>;
export interface BuiltSources {
  sources: Map<string, SignalSource>;
  secrets: string[];
}

/** The composition root of one action run: see the module header. */
export function compose(io: ActionIO, deps: ActionDeps, options: ComposeOptions): ActionRoot {
  const policyPath = options.policyInput || defaultPolicyPath;
  const root: ActionRoot = {
    io,
    deps,
    policyPath,
    context: lazy(() => runContext(io, deps.env, deps.now, options.action, options.tokenNeeds)),
    load: lazy(async () => servicesFor(root, await readPolicy(policyPath))),
    runValues() {
      const { repository, serverUrl, runUrl } = root.context();
      return {
        ...(runUrl ? { run_url: runUrl } : {}),
        deployment_url: `${serverUrl}/${repository}/deployments`,
        ...(deps.env.GITHUB_ACTOR ? { actor: deps.env.GITHUB_ACTOR } : {}),
      };
    },
    mask(secrets) {
      for (const secret of secrets) io.setSecret(secret);
    },
  };
  return root;
}

/**
 * One service built with the options of its first call, then kept. A later call asking for it
 * with other options is a wiring mistake (it would silently get the first build's), so it
 * throws; options are compared as JSON (functions, such as a clock, are not compared).
 */
function keptWith<O, T>(what: string, build: (options: O) => T): (options: O) => T {
  let built: { key: string; value: T } | null = null;
  return (options) => {
    const key = JSON.stringify(options) ?? '';
    if (built === null) built = { key, value: build(options) };
    else if (built.key !== key)
      throw new Error(`${what} was built with ${built.key} and is asked for with ${key}`);
    return built.value;
  };
}

function servicesFor(root: ActionRoot, policy: Policy): ActionServices {
  const { io, deps } = root;
  const sources = keptWith('sources()', (options: SourceOptions) => {
    const built = createSources(policy, {
      env: deps.env,
      policyDir: services.policyDir,
      logger: io,
      ...options,
    });
    root.mask(built.secrets);
    return built;
  });
  const flags = keptWith(
    'flags()',
    ({ only, options }: { only: readonly string[]; options: FlagOptions }) => {
      const built = createFlagProviders(policy.flags, {
        env: deps.env,
        logger: io,
        only,
        ...options,
      });
      root.mask(built.secrets);
      return built;
    },
  );
  const github = keptWith('github()', async (options: GitHubOptions) => {
    const context = root.context();
    const { githubServices } = await import('./compose-github.ts');
    return githubServices(
      { io, deps, notifyPolicy: policy.notify, identity: services.identity },
      context,
      options,
    );
  });
  const services: ActionServices = {
    root,
    io,
    deps,
    policy,
    policyDir: dirname(resolve(root.policyPath)),
    identity: lazy(() => identityFor(policy.github.bot_login, deps.env)),
    environment: (name) => environmentOf(policy, name),
    sources: (options = {}) => sources(options),
    flags: (only, options = {}) => flags({ only, options }),
    github: (options = {}) => github(options),
    async githubIfAvailable(options = {}) {
      const [owner, repo] = (deps.env.GITHUB_REPOSITORY ?? '').split('/');
      if (!io.getInput('token') || !owner || !repo) return null;
      return services.github(options);
    },
  };
  return services;
}
