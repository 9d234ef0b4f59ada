/**
 * PromQL syntax, checked by `validate` with the Prometheus project's own grammar
 * (@prometheus-io/lezer-promql, the parser behind the Prometheus UI's editor), so a query with
 * a missing bracket is reported at its column when the policy is written, not as an
 * `inconclusive` verdict at 3 am.
 */
import { parser } from '@prometheus-io/lezer-promql';

export interface PromqlSyntaxError {
  /** Character index in the query where the parser gave up. */
  index: number;
  message: string;
}

/** The first syntax error in `query`, or undefined when it parses. */
export function promqlSyntaxError(query: string): PromqlSyntaxError | undefined {
  const tree = parser.parse(query);
  let index: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (index !== undefined) return false;
      if (node.type.isError) {
        index = node.from;
        return false;
      }
      return undefined;
    },
  });
  if (index === undefined) return undefined;
  const near = query.slice(index, index + 20).split('\n')[0] ?? '';
  const what =
    index >= query.trimEnd().length
      ? 'the query ends before it is complete (an unclosed bracket or quote, or a missing operand?)'
      : `unexpected ${JSON.stringify(near)}`;
  return {
    index,
    message: `PromQL does not parse at character ${index + 1} of the query: ${what}`,
  };
}
