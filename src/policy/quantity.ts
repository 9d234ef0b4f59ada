/**
 * Thresholds as a runbook writes them: `5%`, `2s`, `500ms`, `500MB`, `1.5GiB`, or a plain number.
 * Everything becomes a plain number in the unit Prometheus uses: ratios (5% -> 0.05),
 * seconds (500ms -> 0.5) and bytes (500MB -> 500e6; MiB/GiB are powers of two).
 */
const SUFFIX: Record<string, number> = {
  '%': 0.01,
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

const QUANTITY_RE =
  /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(%|ms|s|m|h|B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?\s*$/;

/** QUANTITY_RE as a JSON Schema `pattern`, for the string form of a quantity. */
export const QUANTITY_PATTERN = QUANTITY_RE.source;

export type QuantityUnit = 'ratio' | 'seconds' | 'bytes' | 'number';

export interface Quantity {
  value: number;
  unit: QuantityUnit;
  /** The text as written, for evidence ("> 5%"). */
  text: string;
}

export function parseQuantity(input: number | string): Quantity | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input)
      ? { value: input, unit: 'number', text: String(input) }
      : undefined;
  }
  const m = QUANTITY_RE.exec(input);
  if (!m) return undefined;
  const suffix = m[2];
  const factor = suffix === undefined ? 1 : SUFFIX[suffix];
  if (factor === undefined) return undefined;
  const unit: QuantityUnit =
    suffix === undefined
      ? 'number'
      : suffix === '%'
        ? 'ratio'
        : ['ms', 's', 'm', 'h'].includes(suffix)
          ? 'seconds'
          : 'bytes';
  return { value: Number(m[1]) * factor, unit, text: input.trim() };
}

/**
 * Renders a value in the unit of the threshold it is compared with, so evidence reads naturally.
 * With `near` (that threshold), a value that would round to the same text gets the digits that
 * tell them apart: "0.11499999999999999, below 0.115", never "0.115, below 0.115".
 */
export function formatValue(value: number, unit: QuantityUnit, near?: number): string {
  const text = formatDigits(value, unit, 3);
  if (near === undefined || value === near || !Number.isFinite(value) || !Number.isFinite(near)) {
    return text;
  }
  for (let digits = 3; digits <= 17; digits++) {
    const mine = formatDigits(value, unit, digits);
    if (mine !== formatDigits(near, unit, digits)) return mine;
  }
  return formatDigits(value, unit, 17);
}

function formatDigits(value: number, unit: QuantityUnit, digits: number): string {
  const round = (n: number): number => (n === 0 ? 0 : Number(n.toPrecision(digits)));
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'ratio':
      return `${round(value * 100)}%`;
    case 'seconds':
      return Math.abs(value) < 1 ? `${round(value * 1000)}ms` : `${round(value)}s`;
    case 'bytes': {
      const abs = Math.abs(value);
      if (abs >= 1e9) return `${round(value / 1e9)}GB`;
      if (abs >= 1e6) return `${round(value / 1e6)}MB`;
      if (abs >= 1e3) return `${round(value / 1e3)}KB`;
      return `${round(value)}B`;
    }
    default:
      return String(round(value));
  }
}
