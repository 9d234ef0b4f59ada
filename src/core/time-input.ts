import { ConfigurationError } from './errors.ts';
import { parseDuration } from './duration.ts';

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
