/**
 * Queued fault injection. A fault matches an operation by operationId
 * (`repos/create-deployment`), by `METHOD /template` (`POST /repos/{owner}/{repo}/git/refs`),
 * by a RegExp tested against `METHOD /actual/path`, or by a predicate; it fires `times` times
 * (default 1), in the order faults were added.
 */
import type { Reply } from './routes/context.ts';

export interface FaultTarget {
  operationId: string;
  method: string;
  template: string;
  path: string;
}

export type FaultMatch = string | RegExp | ((target: FaultTarget) => boolean);

export type FaultKind =
  /** Answer with this status (500, 502, 503, 404, ...) and a GitHub error body. */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string> }
  /** 403 with `retry-after` and GitHub's secondary-rate-limit message. */
  | { kind: 'secondary-rate-limit'; retryAfter?: number }
  /** Delay, then answer normally. */
  | { kind: 'latency'; ms: number }
  /**
   * `git/create-ref` only: another run creates the ref first (pointing at `sha`, default the
   * requested sha), so this request gets 422 "Reference already exists".
   */
  | { kind: 'ref-race'; sha?: string }
  /**
   * Performs the request, then answers this status (default 502) as if the response were lost
   * on the way back: GitHub did the write, the client sees a 5xx and (plugin-retry) retries.
   */
  | { kind: 'after-write'; status?: number }
  /** Rewrites the response the stand-in would send (still validated: proves the check). */
  | { kind: 'tamper'; mutate: (reply: Reply) => Reply };

export type FaultSpec = FaultKind & { match: FaultMatch; times?: number };

export interface FaultRecord {
  kind: FaultKind['kind'];
  operationId: string;
  method: string;
  path: string;
  at: number;
}

interface Pending {
  spec: FaultSpec;
  remaining: number;
}

function matches(match: FaultMatch, target: FaultTarget): boolean {
  if (typeof match === 'function') return match(target);
  if (match instanceof RegExp) return match.test(`${target.method} ${target.path}`);
  return match === target.operationId || match === `${target.method} ${target.template}`;
}

export class Faults {
  private readonly pending: Pending[] = [];
  /** Every fault that fired, in order. */
  readonly log: FaultRecord[] = [];

  inject(spec: FaultSpec): this {
    this.pending.push({ spec, remaining: spec.times ?? 1 });
    return this;
  }

  /** Faults still queued (not yet fired). */
  get remaining(): number {
    return this.pending.reduce((sum, p) => sum + p.remaining, 0);
  }

  clear(): void {
    this.pending.length = 0;
  }

  /** Takes every fault that applies to this request (a latency fault may precede another). */
  take(target: FaultTarget): FaultKind[] {
    const fired: FaultKind[] = [];
    for (const p of this.pending) {
      if (p.remaining <= 0 || !matches(p.spec.match, target)) continue;
      const blocking = fired.some((f) => f.kind !== 'latency' && f.kind !== 'tamper');
      if (blocking && p.spec.kind !== 'latency' && p.spec.kind !== 'tamper') continue;
      p.remaining -= 1;
      fired.push(p.spec);
      this.log.push({
        kind: p.spec.kind,
        operationId: target.operationId,
        method: target.method,
        path: target.path,
        at: Date.now(),
      });
    }
    for (let i = this.pending.length - 1; i >= 0; i--) {
      if ((this.pending[i]?.remaining ?? 0) <= 0) this.pending.splice(i, 1);
    }
    return fired;
  }
}

export const SECONDARY_RATE_LIMIT_MESSAGE =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.';
