/** Reads and validates the policy file: the only place the policy meets the file system. */
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigurationError } from '../shared/errors.ts';
import { formatProblems, MAX_POLICY_BYTES, parsePolicy, type ParseOptions } from './load.ts';
import type { Policy } from './schema.ts';

export const defaultPolicyPath = '.github/ripcord.yml';

export async function readPolicy(
  path: string = defaultPolicyPath,
  options: ParseOptions = {},
): Promise<Policy> {
  let text: string;
  try {
    text = await readCapped(path);
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
    if (thrown instanceof ConfigurationError) throw thrown;
    throw new ConfigurationError(
      `cannot read the policy ${path}: ${(thrown as Error).message ?? String(thrown)}`,
    );
  }
  const result = parsePolicy(text, path, options);
  if (result.ok) return result.policy;
  const n = result.problems.length + (result.omitted ?? 0);
  throw new ConfigurationError(
    `${path} is not a valid Ripcord policy (${n} problem${n === 1 ? '' : 's'})`,
    formatProblems(result.problems, result.omitted),
    result.problems.map((p) => ({
      file: p.file,
      line: p.line,
      column: p.column,
      message: p.path === '' ? p.message : `${p.path}: ${p.message}`,
    })),
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
  const doc = parseDocument(await readCapped(path));
  return doc.hasIn(['environments', environment, key]);
}

/**
 * Reads at most MAX_POLICY_BYTES + 1 bytes: a 10 GB file (or /dev/zero) is refused after one
 * megabyte instead of filling the memory.
 */
async function readCapped(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (info.isDirectory()) {
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    const buffer = Buffer.alloc(MAX_POLICY_BYTES + 1);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > MAX_POLICY_BYTES) {
      const message = `the policy is larger than the limit of ${MAX_POLICY_BYTES} bytes (1 MiB); a policy is a runbook, keep it under that`;
      throw new ConfigurationError(
        `${path} is not a valid Ripcord policy (1 problem)`,
        [`${path}:1:1: ${message}`],
        [{ file: path, line: 1, column: 1, message }],
      );
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}
