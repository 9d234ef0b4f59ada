/**
 * What the `feature-flag` strategy needs from a flag service (Unleash, or any other through the
 * generic HTTP provider): read a flag, switch it off or on, change its rollout percentage, and
 * switch off single components of a feature.
 *
 * Components: a feature such as `chat-assistant` may have parts that can fail on their own
 * (`streaming`, `voice`). Each component is a flag of its own named `<flag>.<component>`
 * (`chat-assistant.streaming`) that the application checks together with the parent flag. This
 * works on every flag service, shows up as plain flags in the service's UI, and lets a rollback
 * switch off one part without touching the rest; a component flag that does not exist is a
 * configuration error, like a missing parent flag.
 *
 * Errors every provider throws:
 * - ConfigurationError when the user can fix it: the flag or environment does not exist (was
 *   it deleted?), the token is rejected or lacks permission (naming the variable that holds it),
 *   an invalid percentage.
 * - Error for everything else (network, timeouts, 5xx after retries), with the reason.
 */

export interface FlagComponentState {
  enabled: boolean;
  rollout: number | null;
}

export interface FlagState {
  flag: string;
  environment: string;
  /** Whether the flag is switched on in this environment. */
  enabled: boolean;
  /**
   * The rollout percentage (0..100) of the flag's gradual rollout; null when the flag has no
   * percentage rollout, so that `enabled` alone says whether everyone gets it.
   */
  rollout: number | null;
  /** Components asked for (or found), by component name. */
  components?: Record<string, FlagComponentState>;
}

export interface GetStateOptions {
  /** Components to read as well; providers that can list flags may also find others. */
  components?: readonly string[];
}

export interface FlagProvider {
  /** `unleash` / `http:<name>`, for logs and the job summary. */
  readonly kind: string;
  getState(flag: string, environment: string, options?: GetStateOptions): Promise<FlagState>;
  /** Switches the flag off for everyone in the environment. Idempotent. */
  disable(flag: string, environment: string): Promise<void>;
  /** Switches the flag on. Set the rollout first to bring a feature back gradually. */
  enable(flag: string, environment: string): Promise<void>;
  /** Sets the gradual-rollout percentage (an integer 0..100) without switching the flag on or off. */
  setRollout(flag: string, environment: string, percent: number): Promise<void>;
  /** Switches off the component flags `<flag>.<component>`, leaving the parent flag alone. */
  disableComponents(
    flag: string,
    environment: string,
    components: readonly string[],
  ): Promise<void>;
  /** Switches the component flags back on (staged recovery). */
  enableComponents(flag: string, environment: string, components: readonly string[]): Promise<void>;
}

/** The flag name of one component of a feature (see the module comment). */
export function componentFlag(flag: string, component: string): string {
  return `${flag}.${component}`;
}
