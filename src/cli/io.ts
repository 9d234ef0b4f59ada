/**
 * What every CLI command is given: the terminal's streams, environment and clock, and the
 * GitHub target most commands resolve the same way. Kept apart from cli.ts so that the commands
 * do not import the dispatcher that imports them (an import cycle).
 */
import { ConfigurationError } from '../shared/errors.ts';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  now: () => number;
  /** Answers to `init`'s prompts; absent, init asks nothing (as with --yes). */
  stdin?: NodeJS.ReadableStream | undefined;
  /** Whether stdout is a terminal: colour is used only then (and never with NO_COLOR). */
  isTTY?: boolean;
  /** Waits between polls of `evaluate --watch`; setTimeout when omitted. */
  sleep?: (ms: number) => Promise<void>;
}

/** --repo / GITHUB_REPOSITORY and --token / GITHUB_TOKEN / GH_TOKEN, or a message saying which is missing. */
export function githubTarget(
  values: { repo?: string | undefined; token?: string | undefined },
  io: CliIO,
  purpose: string,
): { owner: string; repo: string; token: string } {
  const repository = values.repo ?? io.env.GITHUB_REPOSITORY ?? '';
  const [owner, repo] = repository.split('/');
  if (!owner || !repo)
    throw new ConfigurationError('--repo owner/name is required (or GITHUB_REPOSITORY)');
  const token = values.token ?? io.env.GITHUB_TOKEN ?? io.env.GH_TOKEN;
  if (!token) throw new ConfigurationError(`set GITHUB_TOKEN or pass --token to ${purpose}`);
  return { owner, repo, token };
}

/** The options of every command that talks to GitHub for an environment. */
export const GITHUB_OPTIONS = {
  environment: { type: 'string' },
  repo: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/** --environment, or the error that says how to give it. */
export function requiredEnvironment(value: string | undefined): string {
  if (!value)
    throw new ConfigurationError('--environment is required, such as --environment production');
  return value;
}
