/**
 * The narrow surface an action's run() needs from the runner. The actions pass runner-io.ts
 * (@actions/core); tests pass a recorder, so no module mocking is needed.
 */
import type { Logger } from '../shared/logger.ts';

/** Where an annotation points: a file of the repository, and a line and column in it. */
export interface AnnotationAt {
  /** Relative to the repository root, as GitHub shows it (`.github/ripcord.yml`). */
  file: string;
  line: number;
  column: number;
  title?: string;
}

export interface ActionIO extends Logger {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  appendSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
  /** An error, warning or notice shown on a file's line in the run and in pull requests. */
  annotate(level: 'error' | 'warning' | 'notice', message: string, at: AnnotationAt): void;
  /**
   * Starts the log group of the next phase (closing the open one): the log folds into the
   * phases an action goes through. Groups do not nest in the runner's log, hence phases.
   */
  phase(name: string): void;
  /** Closes the open phase's group, if any. */
  endPhase(): void;
  /** A value for this action's post step (getState there reads it). */
  saveState(name: string, value: string): void;
  getState(name: string): string;
  /** A GitHub OIDC token for `audience` (needs `permissions: id-token: write`), for cloud back-ends. */
  getIDToken(audience?: string): Promise<string>;
}
