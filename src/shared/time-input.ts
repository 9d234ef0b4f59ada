import { ConfigurationError } from './errors.ts';
import { parseDuration } from '../policy/duration.ts';

/** Accepts ISO 8601 (`2026-11-24T10:15:00Z`) or unix seconds (`1795000000`), as the CLI and inputs do. */
export function parseTime(text: string, where: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const ms = Date.parse(trimmed);
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed) && !Number.isNaN(ms)) return ms;
  throw new ConfigurationError(
    `${where}: "${text}" is not a time; write ISO 8601 such as 2026-11-24T10:15:00Z, or unix seconds such as 1795000000`,
  );
}

/**
 * The CLI's `--at`: a time as parseTime reads it, a time without a zone read as UTC (an
 * operator copying "2026-11-24 10:15" from a dashboard in UTC means UTC, not the laptop's zone),
 * `now`, or relative to now (`-30m`, `-1h30m`). A time after `now` is an error: there is no
 * data from the future, and evaluating there would report "no data" as if something broke.
 * `allowFuture` is for a recording (`--source-file`), whose times are its own: the example
 * incidents are dated when their story happens, not before the machine's clock.
 */
export function parseAtTime(
  text: string,
  now: number,
  where: string,
  opts: { allowFuture?: boolean } = {},
): number {
  const trimmed = text.trim();
  let at: number;
  if (trimmed === 'now') {
    at = now;
  } else if (/^-/.test(trimmed)) {
    const ms = parseDuration(trimmed.slice(1));
    if (ms === undefined) {
      throw new ConfigurationError(
        `${where}: "${text}" is not a relative time; write it like -30m, -2h or -1h30m (before now)`,
      );
    }
    at = now - ms;
  } else {
    const zoneless = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(trimmed);
    at = zoneless ? parseTime(`${zoneless[1]}T${zoneless[2]}Z`, where) : parseTime(trimmed, where);
  }
  if (at > now && !opts.allowFuture) {
    throw new ConfigurationError(
      `${where}: ${new Date(at).toISOString()} is in the future (now is ${new Date(now).toISOString()}); give a past time, such as -30m`,
    );
  }
  return at;
}

export function parseDurationInput(text: string, where: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new ConfigurationError(
      `${where}: "${text}" is not a duration; write it like 10m, 30s or 1h`,
    );
  }
  return ms;
}

export function parseBooleanInput(text: string, where: string): boolean {
  const t = text.trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(t)) return true;
  if (['false', 'no', '0', 'off', ''].includes(t)) return false;
  throw new ConfigurationError(`${where}: "${text}" is not a boolean; write true or false`);
}
