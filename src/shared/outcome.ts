/**
 * One outcome vocabulary. A trigger verdict, a verify check, a round of checks, a whole
 * verification and a staged-recovery gate all answer the same question with the same three
 * answers: the evidence says healthy (`pass`), it says unhealthy (`fail`), or there is no
 * evidence either way (`inconclusive`: no data, a source down, nothing ran). Code compares and
 * combines `Outcome`s; each context shows it under the word its readers already know, and only
 * at the edge (action outputs, summaries, the incident state and report), through the maps below.
 *
 * Why the words differ per context and are kept: they are a public contract (the decision JSON,
 * the `result` output of verify, the incident state block people read and hand-edit, the
 * `missing_data` policy value), and each reads right where it is shown: a trigger is `breached`,
 * a verification `failed`, a recovery gate `regressed`. Why they all come from this one table:
 * so that one answer has one meaning, the conversions between contexts are table look-ups rather
 * than hand-written ternaries, and a new context cannot invent a sixth spelling: every label type
 * is derived from `OUTCOME_LABELS`, and `outcomeOf` turns any label back into its outcome.
 *
 * "Did not run" is not an outcome: it says nothing about health, and it is never counted as
 * evidence. Where a list shows checks that never ran (the report's verification table), it is
 * `NOT_RUN` next to the labels, not a fourth outcome.
 */

export const OUTCOMES = ['pass', 'fail', 'inconclusive'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** A check that never ran: shown beside outcomes, never one of them. */
export const NOT_RUN = 'skipped';
export type NotRun = typeof NOT_RUN;

/** Each context's word for each outcome. Inconclusive is spelled the same everywhere. */
export const OUTCOME_LABELS = {
  /**
   * A trigger's verdict (`Verdict.status`: the decision JSON, the evidence in the incident state,
   * a source's `missing_data`). A trigger's condition describes trouble, so `fail` is `breached`.
   */
  trigger: { pass: 'ok', fail: 'breached', inconclusive: 'inconclusive' },
  /** One verify check, and one round of checks (the timing machine, the incident's checks). */
  check: { pass: 'pass', fail: 'fail', inconclusive: 'inconclusive' },
  /**
   * A whole verification (verify's `result` output, the incident state's verification, the
   * report's verification table and the summaries).
   */
  verify: { pass: 'passed', fail: 'failed', inconclusive: 'inconclusive' },
  /** A staged-recovery gate reading (the recovery state's `lastGate`, the recovery summary). */
  gate: { pass: 'healthy', fail: 'regressed', inconclusive: 'inconclusive' },
} as const satisfies Record<string, Record<Outcome, string>>;

export type OutcomeContext = keyof typeof OUTCOME_LABELS;
export type OutcomeLabel<C extends OutcomeContext> = (typeof OUTCOME_LABELS)[C][Outcome];

/** The word `context` shows for `outcome`. */
export function labelOutcome<C extends OutcomeContext>(
  context: C,
  outcome: Outcome,
): OutcomeLabel<C> {
  return OUTCOME_LABELS[context][outcome] as OutcomeLabel<C>;
}

/** The outcome behind one of `context`'s words. */
export function outcomeOf<C extends OutcomeContext>(context: C, label: OutcomeLabel<C>): Outcome {
  const labels: Record<Outcome, string> = OUTCOME_LABELS[context];
  const found = OUTCOMES.find((o) => labels[o] === label);
  // Unreachable for a typed label; a value read from JSON is validated before it gets here.
  if (found === undefined) throw new RangeError(`"${label}" is not a ${context} outcome`);
  return found;
}

/** Relabels a word of one context as the word another context uses for the same outcome. */
export function relabel<From extends OutcomeContext, To extends OutcomeContext>(
  from: From,
  to: To,
  label: OutcomeLabel<From>,
): OutcomeLabel<To> {
  return labelOutcome(to, outcomeOf(from, label));
}

/**
 * `context`'s words as a tuple for `z.enum`, in the outcome order given: validation messages
 * and the generated policy reference list them in this order, so each schema keeps its own.
 */
export function outcomeLabels<C extends OutcomeContext>(
  context: C,
  order: readonly [Outcome, Outcome, Outcome] = OUTCOMES,
): [OutcomeLabel<C>, ...OutcomeLabel<C>[]] {
  if (new Set(order).size !== OUTCOMES.length)
    throw new RangeError(`an outcome order names each outcome once, not ${order.join(', ')}`);
  const [a, b, c] = order;
  return [labelOutcome(context, a), labelOutcome(context, b), labelOutcome(context, c)];
}

/**
 * The outcome of several readings taken together: any failure fails it, then any inconclusive
 * makes it inconclusive; nothing at all is inconclusive (no data is never healthy).
 */
export function combineOutcomes(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.length === 0) return 'inconclusive';
  if (outcomes.includes('fail')) return 'fail';
  if (outcomes.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}
