/**
 * Durations as written in a policy: Prometheus style (`30s`, `15m`, `1h30m`, `2d`, `500ms`).
 * Kept in milliseconds everywhere inside Ripcord.
 */
const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_RE = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h|d|w))+$/;

/**
 * The same language as DURATION_RE, untrimmed text included, as a JSON Schema `pattern`, so an
 * editor rejects `5 minutes` or `300` exactly where `ripcord validate` does.
 */
export const DURATION_PATTERN = '^\\s*(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d|w))+\\s*$';
const PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;

/** Parses `15m` / `1h30m` / `500ms`; returns undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!DURATION_RE.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(PART_RE)) {
    const unit = UNIT_MS[match[2] ?? ''];
    if (unit === undefined) return undefined;
    total += Number(match[1]) * unit;
  }
  return total;
}

/** Best guess at what the user meant, used in "write 15m" hints. */
export function suggestDuration(text: string): string | undefined {
  const m =
    /^\s*(\d+(?:\.\d+)?)\s*(milliseconds?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w)\s*$/i.exec(
      text,
    );
  if (!m) return undefined;
  const word = (m[2] ?? '').toLowerCase();
  const unit =
    word.startsWith('ms') || word.startsWith('milli')
      ? 'ms'
      : word.startsWith('s')
        ? 's'
        : word.startsWith('mi') || word === 'm'
          ? 'm'
          : word.startsWith('h')
            ? 'h'
            : word.startsWith('d')
              ? 'd'
              : 'w';
  return `${m[1]}${unit}`;
}

/** Formats milliseconds the way a policy would write them (`1h30m`, `45s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
    ['ms', UNIT_MS.ms],
  ] as const) {
    if (size === undefined) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${n}${unit}`);
      rest -= n * size;
    }
  }
  return sign + parts.join('');
}
