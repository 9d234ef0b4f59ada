/**
 * The README of each action (`actions/<name>/README.md`), rendered from its `action.yml` (name,
 * description, inputs, outputs) and a small hand-written table below (purpose, the
 * least-privilege `permissions:` block, the secrets it reads, an example step). Pure: the text
 * comes in, Markdown goes out; `scripts/write-docs.ts` does the reading and writing, and a test
 * fails when a committed README differs from a fresh rendering.
 */
import { parse } from 'yaml';

export interface ActionInputDoc {
  name: string;
  description: string;
  required: boolean;
  /** Undefined when action.yml declares no default. */
  default: string | undefined;
}

export interface ActionOutputDoc {
  name: string;
  description: string;
}

export interface ActionMetadata {
  name: string;
  description: string;
  /** `runs.using`: node24, composite, docker... */
  using: string;
  inputs: ActionInputDoc[];
  outputs: ActionOutputDoc[];
}

export interface PermissionDoc {
  scope: string;
  access: 'read' | 'write';
  why: string;
}

export interface SecretDoc {
  /** An example name: the policy decides the real one with `${NAME}`. */
  name: string;
  readFor: string;
}

export interface ActionDocData {
  /** Two or three sentences. */
  purpose: string;
  permissions: PermissionDoc[];
  /** Conditions the block alone cannot say (tokens, repository settings). */
  permissionNotes: string[];
  secrets: SecretDoc[];
  example: {
    id: string;
    env: Record<string, string>;
    with: Record<string, string>;
  };
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);

/** Reads the parts of an action.yml the README shows. `where` names the file in errors. */
export function parseActionMetadata(yamlText: string, where: string): ActionMetadata {
  const doc = asRecord(parse(yamlText));
  const name = asText(doc.name);
  if (name === '') throw new Error(`${where}: action.yml has no name`);
  const inputs = Object.entries(asRecord(doc.inputs)).map(([key, raw]): ActionInputDoc => {
    const input = asRecord(raw);
    return {
      name: key,
      description: asText(input.description).trim(),
      required: input.required === true || input.required === 'true',
      default: 'default' in input ? asText(input.default) : undefined,
    };
  });
  const outputs = Object.entries(asRecord(doc.outputs)).map(([key, raw]): ActionOutputDoc => ({
    name: key,
    description: asText(asRecord(raw).description).trim(),
  }));
  return {
    name,
    description: asText(doc.description).trim(),
    using: asText(asRecord(doc.runs).using),
    inputs,
    outputs,
  };
}

const notifySecrets: SecretDoc = {
  name: 'SLACK_WEBHOOK_URL, PD_ROUTING_KEY, AUDIT_SECRET',
  readFor:
    'the `notify.channels` the event is routed to (webhook URLs, PagerDuty routing keys, webhook signing secrets)',
};

const flagSecrets: SecretDoc = {
  name: 'UNLEASH_TOKEN',
  readFor: 'the feature-flag services under `flags` (API tokens, headers)',
};

const sourceSecrets: SecretDoc = {
  name: 'PROM_TOKEN, DD_API_KEY, DD_APP_KEY',
  readFor:
    'the metric `sources` (Prometheus `auth` and `headers`, Datadog `api_key` and `app_key`, HTTP `headers`)',
};

/** The hand-written part of each README, by directory name under `actions/`. */
export const actionDocs: Readonly<Record<string, ActionDocData>> = {
  'evaluate-triggers': {
    purpose:
      'Run it after a deploy, once or with `watch` to keep looking for a while; the evidence of every trigger goes to the job summary and the whole decision to the `report` output, which the rollback action takes as its `decision`. ' +
      'It writes nothing to GitHub.',
    permissions: [
      { scope: 'contents', access: 'read', why: 'actions/checkout, to read the policy file' },
      {
        scope: 'deployments',
        access: 'read',
        why: 'only with baseline-deployment (the creation time of the deployment under watch)',
      },
    ],
    permissionNotes: [
      'Leave out `deployments: read` unless you pass `baseline-deployment`: on a `deployment` or `deployment_status` event the time comes from the event itself.',
    ],
    secrets: [sourceSecrets],
    example: {
      id: 'triggers',
      env: { PROM_TOKEN: '${{ secrets.PROM_TOKEN }}' },
      with: { environment: 'production', watch: '15m', interval: '1m' },
    },
  },
  rollback: {
    purpose:
      'When a strategy fails it escalates up `rollback.ladder`; twenty runs at once give one rollback, a re-run does nothing new, and a run that died half-way is resumed by the next from the incident issue. ' +
      'A manual run (no `decision`) checks the actor against `rollback.authority` first.',
    permissions: [
      {
        scope: 'contents',
        access: 'write',
        why: 'the lock is the ref refs/ripcord/locks/<environment>',
      },
      { scope: 'deployments', access: 'write', why: 'rollback deployment and statuses' },
      { scope: 'issues', access: 'write', why: 'the incident issue and its comments' },
      {
        scope: 'actions',
        access: 'write',
        why: 'the redeploy strategy through workflow_dispatch, and enabling the recovery workflow (recovery.workflow)',
      },
    ],
    permissionNotes: [
      'Drop `actions: write` when no rung of the ladder redeploys through `workflow_dispatch` and the policy sets no `recovery.workflow`; with `recovery.workflow`, a token without it rolls back but warns that the recovery schedule stayed off.',
      'When `rollback.authority` names `teams`, pass a `token` that can read organisation teams (`read:org`: a GitHub App installation token or a fine-grained token); the default `GITHUB_TOKEN` cannot.',
      'A decision whose `approval` names a rule under `rollback.approvals` does not roll back at once: the incident opens as awaiting-approval and asks for `/ripcord approve` comments (`result: awaiting-approval`, with a warning). Run this action again from an `issue_comment` workflow (examples/workflows/ripcord-commands.yml, no `environment` or `decision` inputs needed): it counts distinct approvers the rule names and rolls back once they are in; `/ripcord reject` closes the incident. Rules with `teams` need a token with `read:org` there too.',
    ],
    secrets: [
      flagSecrets,
      {
        name: 'CONFIG_API_TOKEN',
        readFor:
          'the HTTP steps of the `config` and `full` strategies (`url`, `headers`); commands get the step `env` and `RIPCORD_*` values',
      },
      notifySecrets,
    ],
    example: {
      id: 'rollback',
      env: { UNLEASH_TOKEN: '${{ secrets.UNLEASH_TOKEN }}' },
      with: { environment: 'production', decision: '${{ needs.watch.outputs.report }}' },
    },
  },
  verify: {
    purpose:
      'Run it with `mode: after-deploy` after a deploy (a failure sets `rollback-recommended`) or with `mode: after-rollback` after the rollback action (a failure marks the incident verification-failed and sets `escalate` and `next-strategy`). ' +
      'Inconclusive (no data) is never a pass; GitHub records it on the deployment as `error`.',
    permissions: [
      { scope: 'contents', access: 'read', why: 'actions/checkout, to read the policy file' },
      { scope: 'deployments', access: 'write', why: 'the outcome as a deployment status' },
      { scope: 'issues', access: 'write', why: 'the outcome on the incident issue' },
    ],
    permissionNotes: [],
    secrets: [
      sourceSecrets,
      {
        name: 'API_HEALTH_TOKEN',
        readFor: 'the `headers` and `url` of probe checks',
      },
      flagSecrets,
      notifySecrets,
    ],
    example: {
      id: 'verify',
      env: { PROM_TOKEN: '${{ secrets.PROM_TOKEN }}' },
      with: { environment: 'production', mode: 'after-rollback' },
    },
  },
  'staged-recovery': {
    purpose:
      'Run it on a schedule (`command: tick`) and by `workflow_dispatch` for `proceed`, `abort` and `status`: every tick computes from recorded timestamps, so late or skipped cron runs are harmless, and two ticks at once cannot both advance (the environment lock). ' +
      'When 100% holds it closes the incident as recovered and proposes the incident report as a pull request (`report-pr` output).',
    permissions: [
      { scope: 'contents', access: 'write', why: 'the environment lock ref and the report branch' },
      { scope: 'issues', access: 'write', why: 'the incident issue' },
      { scope: 'pull-requests', access: 'write', why: 'the incident report pull request' },
      { scope: 'deployments', access: 'read', why: 'the deployments of the incident' },
      {
        scope: 'actions',
        access: 'write',
        why: 'only with recovery.workflow: the last tick disables this workflow',
      },
    ],
    permissionNotes: [
      'With `recovery.workflow` the schedule exists only while a recovery is in progress: the rollback enables this workflow and the tick that finds nothing left to recover disables it. Drop `actions: write` without it.',
      'The report pull request also needs the repository setting Settings -> Actions -> General -> Workflow permissions -> "Allow GitHub Actions to create and approve pull requests"; without it the report goes on the incident issue and the step warns.',
      'When `recovery.approval` (or `rollback.authority`) names `teams`, pass a `token` with `read:org`; the default `GITHUB_TOKEN` cannot read organisation teams.',
      'With `auto_proceed: false`, `/ripcord proceed` (or `/ripcord approve`) commented on the incident by a person `recovery.approval` names passes the checkpoint, when this action runs from an `issue_comment` workflow (examples/workflows/ripcord-commands.yml); a comment written before the checkpoint was reached, edited, quoted or by a bot does not.',
    ],
    secrets: [flagSecrets, sourceSecrets, notifySecrets],
    example: {
      id: 'recovery',
      env: { UNLEASH_TOKEN: '${{ secrets.UNLEASH_TOKEN }}' },
      with: { environment: 'production', command: "${{ inputs.command || 'tick' }}" },
    },
  },
  notify: {
    purpose:
      'The rollback, verify and staged-recovery actions already send their own events through the same routes; use this action for the rest, such as a `warning` after evaluate-triggers decides warn. ' +
      'The same event for the same incident reaches each channel once, however often the step runs; a `required` channel that still fails after its retries fails the step.',
    permissions: [
      { scope: 'contents', access: 'read', why: 'actions/checkout, to read the policy file' },
      { scope: 'issues', access: 'write', why: 'reads and comments on the incident issue' },
    ],
    permissionNotes: [],
    secrets: [notifySecrets],
    example: {
      id: 'notify',
      env: {
        SLACK_WEBHOOK_URL: '${{ secrets.SLACK_WEBHOOK_URL }}',
        PD_ROUTING_KEY: '${{ secrets.PD_ROUTING_KEY }}',
      },
      with: { event: 'warning', environment: 'production', reason: 'error rate above 2%' },
    },
  },
};

export function actionDocData(directory: string): ActionDocData | undefined {
  return Object.hasOwn(actionDocs, directory) ? actionDocs[directory] : undefined;
}

/** A table cell: one line, `|` escaped, `<` and `>` outside code spans as entities. */
export function tableCell(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`')
    .replace(/\|/g, '\\|');
}

const code = (text: string): string => (text === '' ? "`''`" : `\`${text}\``);

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function renderPermissions(data: ActionDocData): string[] {
  const width = Math.max(...data.permissions.map((p) => `${p.scope}: ${p.access}`.length));
  return [
    '```yaml',
    'permissions:',
    ...data.permissions.map((p) => `  ${`${p.scope}: ${p.access}`.padEnd(width)} # ${p.why}`),
    '```',
  ];
}

function renderExample(directory: string, meta: ActionMetadata, data: ActionDocData): string[] {
  const known = new Set(meta.inputs.map((input) => input.name));
  for (const key of Object.keys(data.example.with)) {
    if (!known.has(key)) {
      throw new Error(`actions/${directory}: the example passes "${key}", which is not an input`);
    }
  }
  for (const input of meta.inputs) {
    if (input.required && !(input.name in data.example.with)) {
      throw new Error(`actions/${directory}: the example lacks the required input "${input.name}"`);
    }
  }
  const block = (title: string, values: Record<string, string>): string[] =>
    Object.keys(values).length === 0
      ? []
      : [`  ${title}:`, ...Object.entries(values).map(([k, v]) => `    ${k}: ${v}`)];
  const lines = [
    '- uses: actions/checkout@v4',
    `- id: ${data.example.id}`,
    `  uses: ripcord-dev/ripcord/actions/${directory}@v1`,
    ...block('env', data.example.env),
    ...block('with', data.example.with),
  ];
  // A broken example is a bug in the table above, not something to commit.
  parse(lines.join('\n'));
  return ['```yaml', ...lines, '```'];
}

/** The whole README of `actions/<directory>`, ending with one newline. */
export function renderActionReadme(
  directory: string,
  meta: ActionMetadata,
  data: ActionDocData,
): string {
  const inputRows = meta.inputs.map((input) => [
    code(input.name),
    tableCell(input.description),
    input.required ? 'yes' : 'no',
    input.default === undefined ? '' : tableCell(code(input.default)),
  ]);
  const outputRows = meta.outputs.map((output) => [
    code(output.name),
    tableCell(output.description),
  ]);
  const lines = [
    '<!-- Generated from action.yml and scripts/lib/action-docs.ts by `npm run docs`; do not edit. -->',
    '',
    `# ${meta.name}`,
    '',
    meta.description.replace(/\s*\n\s*/g, ' '),
    '',
    data.purpose,
    '',
    '## Permissions',
    '',
    'The least the job needs; anything not listed stays `none`:',
    '',
    ...renderPermissions(data),
    '',
    ...data.permissionNotes.flatMap((note) => [`- ${note}`]),
    ...(data.permissionNotes.length > 0 ? [''] : []),
    '## Secrets',
    '',
    'Secrets reach the action only as environment variables of the step, named by `${NAME}` references in the policy (the names below are examples). ' +
      'A referenced variable that is unset or empty is a policy error naming the key; every value read is masked in the log.',
    '',
    ...table(
      ['Variables (examples)', 'Read for'],
      data.secrets.map((secret) => [
        secret.name
          .split(', ')
          .map((name) => code(name))
          .join(', '),
        tableCell(secret.readFor),
      ]),
    ),
    '',
    ...(meta.inputs.some((input) => input.name === 'token')
      ? [
          'The `token` input defaults to `${{ github.token }}`, whose rights are the `permissions:` above.',
          '',
        ]
      : []),
    '## Example',
    '',
    ...renderExample(directory, meta, data),
    '',
    '## Inputs',
    '',
    ...(inputRows.length > 0
      ? table(['Name', 'Description', 'Required', 'Default'], inputRows)
      : ['None.']),
    '',
    '## Outputs',
    '',
    ...(outputRows.length > 0 ? table(['Name', 'Description'], outputRows) : ['None.']),
    '',
  ];
  return lines.join('\n');
}
