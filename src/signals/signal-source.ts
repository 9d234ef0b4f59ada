/**
 * The interface every signal source adapter implements (one file per provider, like Flagger's
 * metrics/providers); apart from the factory in index.ts so adapters do not import it back.
 */
import type { ProbeTrigger } from '../policy/schema.ts';
import type { ProbeResult, RangeRequest, SignalResult } from './signal.ts';

export interface SignalSource {
  readonly name: string;
  /** Never throws for data problems: returns `{ok: false, reason}`. */
  fetchRange(req: RangeRequest, signal?: AbortSignal): Promise<SignalResult>;
  /**
   * The ranges one evaluation will ask for, before it asks: a recording then keeps only the
   * samples they need. Called again with other ranges, a source keeps what all of them need.
   */
  plan?(requests: readonly RangeRequest[]): void;
  /** HTTP sources only: one health check at time `at`. */
  probe?(expect: ProbeTrigger['expect'], at: number): Promise<ProbeResult>;
}
