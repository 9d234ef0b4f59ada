import { describe, expect, it } from 'vitest';
import {
  combineOutcomes,
  labelOutcome,
  OUTCOME_LABELS,
  OUTCOMES,
  outcomeLabels,
  outcomeOf,
  relabel,
  type OutcomeContext,
} from '../../src/shared/outcome.ts';

const contexts = Object.keys(OUTCOME_LABELS) as OutcomeContext[];

describe('one outcome vocabulary, a word per context', () => {
  it.each(contexts)('%s: each outcome has its own word, and the word reads back', (context) => {
    const words = OUTCOMES.map((o) => labelOutcome(context, o));
    // Two outcomes under one word would make a stored state or an output ambiguous.
    expect(new Set(words).size).toBe(OUTCOMES.length);
    for (const o of OUTCOMES) expect(outcomeOf(context, labelOutcome(context, o))).toBe(o);
  });

  it('a failing verify check is a breached gate verdict and a failed verification', () => {
    expect(relabel('check', 'trigger', 'fail')).toBe('breached');
    expect(relabel('check', 'verify', 'fail')).toBe('failed');
    expect(relabel('trigger', 'gate', 'ok')).toBe('healthy');
    expect(relabel('check', 'verify', 'inconclusive')).toBe('inconclusive');
  });

  it('lists a context in the order its schema documents', () => {
    expect(outcomeLabels('trigger', ['inconclusive', 'pass', 'fail'])).toEqual([
      'inconclusive',
      'ok',
      'breached',
    ]);
    expect(outcomeLabels('gate')).toEqual(['healthy', 'regressed', 'inconclusive']);
    expect(() => outcomeLabels('verify', ['pass', 'pass', 'fail'])).toThrow(/each outcome once/);
  });

  it('a word from another context is refused', () => {
    // A JSON value bypasses the types: `passed` is verify's word, not a trigger's.
    expect(() => outcomeOf('trigger', 'passed' as never)).toThrow(
      '"passed" is not a trigger outcome',
    );
  });

  it('readings taken together: a failure wins, then inconclusive; nothing is never healthy', () => {
    expect(combineOutcomes(['pass', 'inconclusive', 'fail'])).toBe('fail');
    expect(combineOutcomes(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(combineOutcomes(['pass', 'pass'])).toBe('pass');
    expect(combineOutcomes([])).toBe('inconclusive');
  });
});
