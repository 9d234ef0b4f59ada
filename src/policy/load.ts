/**
 * Turns the text of `.github/ripcord.yml` into a `Policy`, or into every problem in it at once,
 * each pinned to the line and column a person has to edit and worded as the fix. Pure: the
 * caller reads the file.
 */
import { LineCounter, parseDocument } from 'yaml';
import { DEFAULT, explainIssues, type Issue } from './explain.ts';
import { resolveExtends } from './extends.ts';
import {
  dedupe,
  type Draft,
  formatPath,
  type ParsePolicyResult,
  type PolicyProblem,
  sortProblems,
  MAX_POLICY_BYTES,
  MAX_POLICY_DEPTH,
  MAX_PROBLEMS_EXPLAINED,
  withoutEchoes,
} from './problems.ts';
import { crossCheck } from './cross-check.ts';
import { type Policy, policySchema } from './schema.ts';
import {
  aliasInsideItsAnchor,
  duplicateKeys,
  firstAlias,
  lineAt,
  locator,
  pos,
  protoKeys,
  scanShape,
  tooDeep,
  unclosedQuote,
  yamlMessage,
} from './yaml-guards.ts';

export {
  formatProblem,
  formatProblems,
  MAX_POLICY_BYTES,
  MAX_POLICY_DEPTH,
  MAX_POLICY_ENTRIES,
  MAX_PROBLEMS_EXPLAINED,
  type PolicyProblem,
  type ParsePolicyResult,
} from './problems.ts';

/**
 * Never throws: a hostile file (alias bombs, nesting deep enough to exhaust the stack, a
 * megabyte of problems) ends in located problems in bounded time, never a stack trace.
 */
export interface ParseOptions {
  /**
   * `validate`: also what only evaluation needs (an environment with no triggers can never
   * decide; verify, notify and a manual rollback accept one).
   */
  strict?: boolean;
}

export function parsePolicy(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParsePolicyResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    return fatal(
      file,
      1,
      1,
      `the policy is ${bytes} bytes, over the limit of ${MAX_POLICY_BYTES} bytes (1 MiB); a policy is a runbook, keep it under that`,
    );
  }
  try {
    return parsePolicyUnchecked(text, file, options);
  } catch (thrown) {
    if (thrown instanceof RangeError) {
      return fatal(
        file,
        1,
        1,
        `the policy is nested too deeply to read (${thrown.message}); a policy needs at most ${MAX_POLICY_DEPTH} levels`,
      );
    }
    throw thrown;
  }
}

function fatal(file: string, line: number, column: number, message: string): ParsePolicyResult {
  return { ok: false, problems: [{ file, line, column, path: '', message }] };
}

function parsePolicyUnchecked(
  text: string,
  file: string,
  options: ParseOptions,
): ParsePolicyResult {
  const lineCounter = new LineCounter();
  const prescan = scanShape(text);
  if (prescan) {
    const { line, col } = lineAt(text, prescan.offset);
    return fatal(file, line, col, prescan.message);
  }
  // uniqueKeys: false, because the library's check compares every key with every other
  // (60,000 keys took two minutes); duplicateKeys below does it with a set.
  // merge: true accepts `<<: *defaults` (YAML 1.1 merge keys), which the yaml library reads
  // as an unknown key "<<" otherwise.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    keepSourceTokens: true,
    uniqueKeys: false,
    merge: true,
  });
  const locate = locator(doc, lineCounter, text);
  // Warnings are unresolved tags (`!js/function`) and the like: a policy means none of them.
  const yamlErrors = [...doc.errors, ...doc.warnings];
  const problems: PolicyProblem[] = yamlErrors.slice(0, MAX_PROBLEMS_EXPLAINED).map((error) => {
    const unclosed = unclosedQuote(error, text);
    const { line, col } = lineCounter.linePos(unclosed?.offset ?? error.pos[0]);
    const message =
      unclosed?.message ?? yamlMessage(error, text.slice(error.pos[0], error.pos[0] + 200));
    return { file, line: Math.max(line, 1), column: col, path: '', message };
  });
  let yamlOmitted = Math.max(0, yamlErrors.length - MAX_PROBLEMS_EXPLAINED);
  const duplicates = duplicateKeys(doc.contents);
  for (const dup of duplicates.slice(0, MAX_PROBLEMS_EXPLAINED)) {
    const { line, col } = lineCounter.linePos(dup.offset);
    problems.push({
      file,
      line: Math.max(line, 1),
      column: col,
      path: '',
      message: `YAML: key "${dup.name}" appears twice in the same mapping; keep one`,
    });
  }
  yamlOmitted += Math.max(0, duplicates.length - MAX_PROBLEMS_EXPLAINED);

  const deep = tooDeep(doc.contents);
  if (deep) {
    const { line, column } = pos(lineCounter, deep.range?.[0]);
    return fatal(
      file,
      line,
      column,
      `YAML: nesting deeper than ${MAX_POLICY_DEPTH} levels starts here; a policy needs far fewer`,
    );
  }

  const loop = aliasInsideItsAnchor(doc.contents, []);
  if (loop) {
    const { line, column } = pos(lineCounter, loop.range?.[0]);
    return fatal(
      file,
      line,
      column,
      `YAML: alias *${loop.source} is inside the value anchored as &${loop.source}, so the value contains itself; write it out instead`,
    );
  }

  let data: unknown;
  try {
    // An alias expanding to more than 1000 nodes is a "billion laughs" bomb, not a policy.
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    const alias = firstAlias(doc.contents);
    const { line, column } = pos(lineCounter, alias?.range?.[0]);
    return fatal(
      file,
      line,
      column,
      /alias/i.test(message)
        ? `YAML: aliases (*name) expand to too many nodes (${message}); write the values out instead`
        : `YAML: ${message}`,
    );
  }

  const drafts: Draft[] = [];
  let unexplained = yamlOmitted;
  // `extends:` is resolved first; a problem in the result is placed where its value was written.
  const inherited = resolveExtends(data);
  data = inherited.data;
  drafts.push(...inherited.problems);
  let policy: Policy | undefined;
  if (data === null || data === undefined) {
    drafts.push({
      path: [],
      message:
        'the policy is empty; start with "version: 1" and an "environments:" mapping (see examples/policies/runbook.yml)',
    });
  } else {
    // zod drops a `__proto__` key silently (an environment named so would vanish), and it is
    // never a name anyone means.
    for (const path of protoKeys(data)) {
      drafts.push({
        path,
        at: 'key',
        message: '"__proto__" is reserved and cannot be used as a name; choose another name',
      });
    }
    // Every message zod would write itself comes back as this marker, so the ones the schema
    // words on purpose (durations, quantities, secrets) are kept and only the defaults are rewritten.
    const parsed = policySchema.safeParse(data, { reportInput: true, error: () => DEFAULT });
    if (parsed.success) policy = parsed.data;
    else {
      const issues = parsed.error.issues;
      // Problems an unresolved `extends:` would echo are left out (its own problem says it).
      const echo = (d: Draft): boolean =>
        d.path[0] === 'environments' && inherited.broken.has(String(d.path[1]));
      drafts.push(
        ...withoutEchoes(explainIssues(issues.slice(0, MAX_PROBLEMS_EXPLAINED), [], data)).filter(
          (d) => !echo(d),
        ),
      );
      // An unrecognized_keys issue holds one problem per key (a mapping of 60,000 typos).
      const weight = (list: readonly Issue[], cap: number): number =>
        list.reduce(
          (n, i) => n + (i.code === 'unrecognized_keys' ? Math.min(i.keys.length, cap) : 1),
          0,
        );
      unexplained +=
        weight(issues, Infinity) -
        weight(issues.slice(0, MAX_PROBLEMS_EXPLAINED), MAX_PROBLEMS_EXPLAINED);
    }
  }
  if (policy) drafts.push(...crossCheck(policy, options.strict === true, data));

  for (const draft of drafts.slice(0, MAX_PROBLEMS_EXPLAINED)) {
    const written = inherited.originOf(draft.path);
    const { line, column } = locate(written, draft.at ?? 'value', draft.inner);
    problems.push({ file, line, column, path: formatPath(written), message: draft.message });
  }
  unexplained += Math.max(0, drafts.length - MAX_PROBLEMS_EXPLAINED);
  if (problems.length > 0 || !policy) {
    return { ok: false, problems: sortProblems(dedupe(problems)), omitted: unexplained };
  }
  return { ok: true, policy };
}
