/**
 * A mistake the user can fix (bad policy, bad input, missing secret), as opposed to a bug.
 * Actions and the CLI report these as they are (exit 1) and everything else as an internal
 * error (exit 2), so a user never has to read a stack trace to fix their own input.
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  /** Each problem on its own line: `file:line:column: path: message`. */
  readonly problems: string[];
  /**
   * The same problems placed in a file, where they have a place (a policy's): the actions
   * annotate the file there, so the problem shows on the line to edit.
   */
  readonly located: LocatedProblem[];

  constructor(message: string, problems: string[] = [], located: LocatedProblem[] = []) {
    super(
      problems.length > 0 ? `${message}\n${problems.map((p) => `  ${p}`).join('\n')}` : message,
    );
    this.problems = problems;
    this.located = located;
  }
}

export interface LocatedProblem {
  file: string;
  line: number;
  column: number;
  /** The problem without its place: `path: message`. */
  message: string;
}

/** Turns anything thrown into an Error, so a thrown string or object can never leave a step green. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(`non-Error thrown: ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`non-Error thrown: ${String(thrown)}`);
  }
}
