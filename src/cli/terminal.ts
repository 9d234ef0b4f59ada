/**
 * How the CLI talks to a person: colour only on a terminal (never with NO_COLOR, never when
 * piped, so scripts and logs get plain text), columns padded to the widest cell, times as
 * "HH:MM UTC", and failures to reach a service as one line saying what to check instead of
 * a stack trace. Pure apart from what the caller passes in.
 */
import { ConfigurationError } from '../shared/errors.ts';
import { requestStatus } from '../github/repo-ref.ts';

export interface Style {
  readonly enabled: boolean;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  magenta(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

/** https://no-color.org: any non-empty NO_COLOR turns colour off; FORCE_COLOR turns it on. */
export function colourWanted(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0')
    return true;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

export function createStyle(enabled: boolean): Style {
  const sgr =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    magenta: sgr(35, 39),
    bold: sgr(1, 22),
    dim: sgr(2, 22),
  };
}

// eslint-disable-next-line no-control-regex -- matching the escape sequences this file writes
const ANSI = /\u001b\[[0-9;]*m/g;

export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

/** Rows of cells as aligned columns (two spaces apart); the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleWidth(cell)),
      )
      .join('  ')
      .trimEnd(),
  );
}

/** A verdict or state word in its colour: red for trouble, yellow for on its way, green for fine. */
export function statusWord(style: Style, word: string): string {
  switch (word) {
    case 'breached':
    case 'rollback':
    case 'rollback-failed':
    case 'verification-failed':
    case 'live':
      return style.red(word);
    case 'pending':
    case 'warn':
    case 'rolling-back':
    case 'recovering':
    case 'hold':
      return style.yellow(word);
    case 'ok':
    case 'none':
    case 'rolled-back':
    case 'recovered':
    case 'expired':
      return style.green(word);
    case 'inconclusive':
      return style.magenta(word);
    default:
      return word;
  }
}

/** "10:02 UTC" for today's times, "2026-11-23 10:02 UTC" for others. */
export function clockTime(ms: number, now: number): string {
  const text = new Date(ms).toISOString();
  const sameDay = text.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
  return `${sameDay ? '' : `${text.slice(0, 10)} `}${text.slice(11, 16)} UTC`;
}

/** "3h 12m", "45s": how long ago or how long until, for people. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'CERT_HAS_EXPIRED',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
]);

/** The low-level code (ECONNREFUSED...) anywhere down an error's cause chain, if it is a network failure. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const message = (current as { message?: unknown }).message;
    if (
      depth > 0 &&
      typeof message === 'string' &&
      message === 'fetch failed' &&
      !('cause' in current)
    )
      return 'fetch failed';
    current = (current as { cause?: unknown }).cause;
  }
  const message = (error as { message?: unknown } | null)?.message;
  if (
    typeof message === 'string' &&
    /^fetch failed$|connect ECONNREFUSED|getaddrinfo ENOTFOUND/.test(message)
  )
    return /ENOTFOUND/.test(message)
      ? 'ENOTFOUND'
      : /ECONNREFUSED/.test(message)
        ? 'ECONNREFUSED'
        : 'fetch failed';
  return undefined;
}

/**
 * A failure to reach GitHub (or another service), or GitHub refusing the token, as a
 * ConfigurationError of one line with what to check; undefined for anything else (a bug).
 */
export function explainServiceError(
  error: unknown,
  env: Record<string, string | undefined>,
): ConfigurationError | undefined {
  const api = env.GITHUB_API_URL ?? 'https://api.github.com';
  const code = networkCode(error);
  if (code !== undefined) {
    const proxy = env.HTTPS_PROXY ?? env.https_proxy;
    return new ConfigurationError(
      `cannot reach ${api} (${code}); check your network connection${proxy ? `, the proxy ${proxy}` : ''} and GITHUB_API_URL${env.GITHUB_API_URL ? '' : ' (unset: github.com)'}, then run the command again`,
    );
  }
  const status = requestStatus(error);
  const message = (error as { message?: unknown } | null)?.message;
  const what = typeof message === 'string' ? message.split('\n')[0] : '';
  // Octokit reports a request that got no answer at all (refused port, TLS, DNS) as status 500
  // without a response; GitHub's own 500s come with one.
  const answered =
    typeof error === 'object' && error !== null && 'response' in error && Boolean(error.response);
  if (status === 500 && !answered) {
    return new ConfigurationError(
      `cannot reach ${api} (${what}); check your network connection and GITHUB_API_URL${env.GITHUB_API_URL ? '' : ' (unset: github.com)'}, then run the command again`,
    );
  }
  if (status === 401) {
    return new ConfigurationError(
      `GitHub refused the token (401 ${what}); check that GITHUB_TOKEN (or --token) is a valid, unexpired token`,
    );
  }
  if (status === 403 || status === 404) {
    return new ConfigurationError(
      `GitHub answered ${status} (${what}); check the repository name (--repo / GITHUB_REPOSITORY) and that the token may read and write it`,
    );
  }
  if (status !== undefined && status >= 500) {
    return new ConfigurationError(
      `GitHub answered ${status} (${what}); GitHub may be having trouble (https://www.githubstatus.com), run the command again in a minute`,
    );
  }
  return undefined;
}
