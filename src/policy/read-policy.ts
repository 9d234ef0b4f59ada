/** Reads and validates the policy file: the only place the policy meets the file system. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError } from '../core/errors.ts';
import { formatProblem, parsePolicy } from '../core/policy-load.ts';
import type { Policy } from '../core/policy-schema.ts';

export const defaultPolicyPath = '.github/ripcord.yml';

export async function readPolicy(path: string = defaultPolicyPath): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (thrown) {
    const code = (thrown as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ConfigurationError(
        `no Ripcord policy at ${path} (looked for ${resolve(path)}); create one with npx ripcord-rollback init (or copy examples/policies/runbook.yml from the Ripcord repository to ${defaultPolicyPath}), adapt its queries, then check it with npx ripcord-rollback validate`,
      );
    }
    if (code === 'EISDIR') {
      throw new ConfigurationError(
        `${path} is a directory; point the policy input at a file such as ${defaultPolicyPath}`,
      );
    }
    throw thrown;
  }
  const result = parsePolicy(text, path);
  if (result.ok) return result.policy;
  const n = result.problems.length;
  throw new ConfigurationError(
    `${path} is not a valid Ripcord policy (${n} problem${n === 1 ? '' : 's'})`,
    result.problems.map(formatProblem),
  );
}

/**
 * Whether the policy file itself writes `environments.<environment>.<key>` (the schema fills in
 * defaults, so the parsed policy cannot tell). Verify asks it of `recovery`: an environment
 * without a recovery section resolves its incident when the rollback verifies.
 */
export async function environmentDeclares(
  path: string,
  environment: string,
  key: string,
): Promise<boolean> {
  const doc = parseDocument(await readFile(path, 'utf8'));
  return doc.hasIn(['environments', environment, key]);
}
