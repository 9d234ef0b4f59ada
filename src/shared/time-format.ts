/**
 * Times as people read them in summaries, comments and messages: `2026-11-30 21:22:21 UTC`
 * (seconds left out on a whole minute, milliseconds never shown), not the raw ISO
 * `2026-11-30T21:22:21.096Z` that state blocks and outputs keep for machines.
 */

/** `2026-11-30 21:22 UTC`, `2026-11-30 21:22:21 UTC`; text that is not a time is returned as is. */
export function formatUtc(time: number | string): string {
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return String(time);
  const iso = new Date(t).toISOString();
  return `${iso.slice(0, 10)} ${clock(t, iso)} UTC`;
}

/** `21:22 UTC` or `21:22:21 UTC`, for times within the day a table is about. */
export function formatClockUtc(time: number | string): string {
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (!Number.isFinite(t)) return String(time);
  return `${clock(t, new Date(t).toISOString())} UTC`;
}

function clock(t: number, iso: string): string {
  return Math.floor(t / 1000) % 60 === 0 ? iso.slice(11, 16) : iso.slice(11, 19);
}

/**
 * How long something took, in the unit a person reads: `17 ms`, `2.0 s`, `3m5s`; never
 * `2s12ms`, which reads as two numbers.
 */
export function formatElapsed(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${rest > 0 ? `${rest}s` : ''}`;
}
