/**
 * The email channel (#13; seeds 000 and 003 name email) end to end: the notify action, the
 * GitHub stand-in for the incident issue (dedup record), nodemailer sending to a real SMTP
 * receiver (smtp-server) on loopback, and mailparser reading what arrived.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { run } from '../../src/actions/notify/run.ts';
import { renderIncidentBody, type IncidentState } from '../../src/incident/state.ts';
import { recorder, type RecordedIO } from '../support/action-recorder.ts';
import { startGitHubStandIn, type GitHubStandIn } from '../support/github/stand-in.ts';

const PASSWORD = 'smtpP4ssw0rdS3cret';

let gh: GitHubStandIn;
let smtp: SMTPServer;
let port: number;
let policy: string;
let mails: { envelopeTo: string[]; mail: ParsedMail; raw: string }[];
let logins: { user: string; ok: boolean }[];
/** SMTP replies to give to DATA, in order, before accepting. */
let dataFailures: { code: number; message: string }[];

function incidentState(): IncidentState {
  return {
    version: 1,
    environment: 'production',
    status: 'rolled-back',
    openedAt: '2026-11-24T10:00:00.000Z',
    updatedAt: '2026-11-24T10:05:00.000Z',
    reason: 'error-rate above 5% for 15m',
    bad: { deploymentId: 3, ref: 'v1.2.0', sha: 'c'.repeat(40), createdAt: '2026-11-24T09:50:00Z' },
    target: { deploymentId: 2, ref: 'v1.1.0', sha: 'a'.repeat(40) },
    rollbackDeploymentId: 4,
    strategy: 'redeploy',
    attempts: 1,
    lastRollbackAt: '2026-11-24T10:01:00.000Z',
    runs: [{ runId: '1001', attempt: 1, startedAt: '2026-11-24T10:00:00.000Z' }],
    steps: [],
    dataLossWindow: null,
    recovery: null,
  };
}

async function startSmtp(opts: { offerStartTls?: boolean } = {}): Promise<void> {
  smtp = new SMTPServer({
    // A loopback receiver: no certificate, so no STARTTLS unless a test asks for the offer.
    disabledCommands: opts.offerStartTls ? [] : ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      const ok = auth.username === 'ripcord' && auth.password === PASSWORD;
      logins.push({ user: auth.username ?? '', ok });
      if (!ok) {
        callback(new Error('Invalid username or password'));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith('@nowhere.example')) {
        const e = new Error('No such user') as Error & { responseCode: number };
        e.responseCode = 550;
        callback(e);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const fail = dataFailures.shift();
        if (fail) {
          const e = new Error(fail.message) as Error & { responseCode: number };
          e.responseCode = fail.code;
          callback(e);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        void simpleParser(raw).then((mail) => {
          mails.push({
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            mail,
            raw,
          });
          callback();
        });
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
}

function writePolicy(channel: string) {
  writeFileSync(
    policy,
    [
      'version: 1',
      'notify:',
      '  retries: 2',
      '  backoff: 1s',
      '  channels:',
      `    mail: ${channel}`,
      '  routes:',
      '    - {events: "*", channels: [mail]}',
      'environments:',
      '  production: {}',
      '',
    ].join('\n'),
  );
}

function channel(extra = ''): string {
  return `{type: email, host: 127.0.0.1, port: ${port}, tls: none, username: ripcord, password: "\${SMTP_PASSWORD}", from: ripcord@acme.example, to: [oncall@acme.example, lead@acme.example]${extra}}`;
}

beforeEach(async () => {
  mails = [];
  logins = [];
  dataFailures = [];
  gh = await startGitHubStandIn();
  await startSmtp();
  policy = join(mkdtempSync(join(tmpdir(), 'ripcord-email-')), 'ripcord.yml');
  writePolicy(channel());
});

afterEach(async () => {
  await Promise.all([gh.close(), new Promise<void>((resolve) => smtp.close(() => resolve()))]);
});

const sleeps: number[] = [];

async function notifyRun(inputs: Record<string, string>): Promise<RecordedIO> {
  const io = recorder({ policy, environment: 'production', token: 'ghs_token', ...inputs });
  await run(io, {
    env: {
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '2002',
      GITHUB_ACTOR: 'deploy-bot',
      SMTP_PASSWORD: PASSWORD,
    },
    now: () => Date.parse('2026-11-24T10:10:00Z'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retryAfterBaseValue: 1,
  });
  return io;
}

function sent(io: RecordedIO) {
  return JSON.parse(io.outputs.sent ?? '[]') as {
    channel: string;
    type: string;
    result: string;
    attempts: number;
    detail?: string;
  }[];
}

function everythingWritten(io: RecordedIO): string {
  const issues = gh.state
    .repo()
    .issues.flatMap((i) => [i.body ?? '', ...i.comments.map((c) => c.body)]);
  return [
    ...io.logs.map((l) => l.message),
    ...io.summaries,
    ...io.failed,
    ...Object.values(io.outputs),
    ...issues,
  ].join('\n');
}

function addIncident() {
  return gh.state.repo().addIssue({
    title: 'Rollback: production',
    body: renderIncidentBody(incidentState(), 'Rolled back.'),
    labels: ['ripcord:incident', 'ripcord:env:production'],
  });
}

describe('email channel', () => {
  test('a rollback mail reaches every recipient, with the template, escaped values and links', async () => {
    const issue = addIncident();
    const io = await notifyRun({
      event: 'rollback.started',
      reason: 'error rate 7% @channel\r\nBcc: attacker@evil.example',
    });
    expect(io.failed).toEqual([]);
    expect(sent(io)).toEqual([{ channel: 'mail', type: 'email', result: 'sent', attempts: 1 }]);
    expect(logins).toEqual([{ user: 'ripcord', ok: true }]);
    expect(mails).toHaveLength(1);
    const [{ envelopeTo, mail, raw }] = mails as [(typeof mails)[number]];
    expect(envelopeTo).toEqual(['oncall@acme.example', 'lead@acme.example']);
    expect(mail.from?.text).toBe('ripcord@acme.example');
    expect(mail.subject).toBe('[critical] Rolling back production');
    // The value is one line, its @ cannot mention, and it adds no header or recipient.
    expect(mail.text).toContain(
      'Reason: error rate 7% @\u200bchannel Bcc: attacker@\u200bevil.example',
    );
    expect(raw).not.toMatch(/^Bcc:/im);
    expect(mail.bcc).toBeUndefined();
    expect(mail.text).toMatch(
      new RegExp(
        `\nIncident #${issue.number}: http://127\\.0\\.0\\.1:\\d+/acme/shop/issues/${issue.number}\n`,
      ),
    );
    expect(mail.text).toContain('rollback.started · critical · rollback.started:');
    // The password was masked for the runner and appears nowhere Ripcord wrote.
    expect(io.secrets).toContain(PASSWORD);
    expect(everythingWritten(io)).not.toContain(PASSWORD);
  });

  test('the same event for the same incident is not mailed twice (the incident records it)', async () => {
    addIncident();
    await notifyRun({ event: 'rollback.completed' });
    const again = await notifyRun({ event: 'rollback.completed' });
    expect(sent(again).map((s) => s.result)).toEqual(['duplicate']);
    expect(mails).toHaveLength(1);
  });

  test('a channel template overrides the subject and the text, values still escaped', async () => {
    writePolicy(
      channel(
        ', template: {default: {title: "Ripcord: {{event}} on {{environment}}", text: "Why: {{reason}}"}}',
      ),
    );
    await notifyRun({ event: 'warning', reason: '@team look' });
    expect(mails[0]?.mail.subject).toBe('[warning] Ripcord: warning on production');
    expect(mails[0]?.mail.text).toMatch(/^Why: @\u200bteam look\n/);
  });

  test('a temporary SMTP failure (451) is retried with backoff; a permanent one (550) is not', async () => {
    dataFailures.push({ code: 451, message: 'Try again later' });
    sleeps.length = 0;
    const io = await notifyRun({ event: 'rollback.failed' });
    expect(sent(io)).toEqual([{ channel: 'mail', type: 'email', result: 'sent', attempts: 2 }]);
    expect(sleeps).toEqual([1000]);
    expect(mails).toHaveLength(1);

    writePolicy(channel().replace('lead@acme.example', 'ghost@nowhere.example'));
    const bad = await notifyRun({ event: 'rollback.failed' });
    expect(sent(bad)).toEqual([
      {
        channel: 'mail',
        type: 'email',
        result: 'failed',
        attempts: 1,
        detail:
          'SMTP rejected ghost@nowhere.example (550 No such user); delivered to oncall@acme.example after 1 attempt',
      },
    ]);
    // Not retried: the recipient that accepted it would get it twice.
    expect(mails.map((m) => m.envelopeTo)).toEqual([
      ['oncall@acme.example', 'lead@acme.example'],
      ['oncall@acme.example'],
    ]);
  });

  test('a wrong password fails once, clearly, without the password in any record', async () => {
    const io = recorder({
      policy,
      environment: 'production',
      token: 'ghs_token',
      event: 'rollback.failed',
    });
    await run(io, {
      env: {
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_API_URL: gh.url,
        GITHUB_RUN_ID: '2002',
        SMTP_PASSWORD: 'wr0ngP4ssword',
      },
      now: () => Date.parse('2026-11-24T10:10:00Z'),
      sleep: async () => {},
      retryAfterBaseValue: 1,
    });
    expect(sent(io)[0]).toMatchObject({ result: 'failed', attempts: 1 });
    expect(sent(io)[0]?.detail).toMatch(/^SMTP 535: /);
    expect(logins).toEqual([{ user: 'ripcord', ok: false }]);
    expect(everythingWritten(io)).not.toContain('wr0ngP4ssword');
    expect(io.secrets).toContain('wr0ngP4ssword');
  });

  test('tls: starttls refuses to log in over a connection that offers no STARTTLS', async () => {
    writePolicy(channel().replace('tls: none', 'tls: starttls'));
    const io = await notifyRun({ event: 'rollback.failed' });
    expect(sent(io)[0]).toMatchObject({ result: 'failed' });
    expect(sent(io)[0]?.detail).toMatch(/STARTTLS/i);
    expect(logins).toEqual([]);
    expect(mails).toEqual([]);
  });

  test('validation: an address list entry that is not one address is refused where it stands', async () => {
    const { parsePolicy, formatProblem } = await import('../../src/policy/load.ts');
    const text = [
      'version: 1',
      'notify:',
      '  channels:',
      '    mail: {type: email, host: smtp.example.com, from: a@b.example, to: ["x@y.example, z@w.example"]}',
      'environments: {production: {}}',
      '',
    ].join('\n');
    const result = parsePolicy(text, 'p.yml');
    if (result.ok) throw new Error('expected a problem');
    expect(result.problems.map(formatProblem)).toEqual([
      'p.yml:4:73: notify.channels.mail.to[0]: "x@y.example, z@w.example" is not allowed; write one email address, such as oncall@example.com',
    ]);
  });
});
