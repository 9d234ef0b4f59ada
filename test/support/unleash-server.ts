/**
 * The run's shared unleash-server 8.2.0 (on PostgreSQL from npm), as a test file sees it. The
 * global setup (test/support/services/global-setup.ts) installs and starts it once per run and
 * stops it at the end; test files only read its address and tokens.
 *
 * Shared means shared: test files run in parallel against the same server, so each file uses
 * flag names that no other file uses (Unleash's open-source edition has only the `default`
 * project, so projects cannot keep them apart).
 */
import { inject } from 'vitest';

export { UNLEASH_VERSION } from './services/unleash.ts';

export interface UnleashServer {
  url: string;
  /** Admin token (`*:*.<secret>`) for the Admin API. */
  adminToken: string;
  /** Backend (client SDK) token for one environment, for `/api/client/features`. */
  clientToken(environment: string): string;
  environments: readonly string[];
}

export function sharedUnleash(): UnleashServer {
  const shared = inject('unleash');
  if (shared === undefined) {
    throw new Error(
      'no shared unleash-server: run the tests through vitest with its config (npm test), whose global setup starts it',
    );
  }
  return {
    url: shared.url,
    adminToken: shared.adminToken,
    environments: shared.environments,
    clientToken: (environment) => {
      const token = shared.clientTokens[environment];
      if (token === undefined) {
        throw new Error(
          `no backend token for environment ${environment}; started with ${shared.environments.join(', ')}`,
        );
      }
      return token;
    },
  };
}
