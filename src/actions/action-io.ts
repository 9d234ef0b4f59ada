/**
 * The narrow surface an action's run() needs from the runner. main files pass runner-io.ts;
 * tests pass a recorder, so no module mocking is needed.
 */
import type { Logger } from '../core/logger.ts';

export interface ActionIO extends Logger {
  getInput(name: string): string;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  appendSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}
