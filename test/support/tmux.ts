/**
 * tmux for the terminal tests: what a person sees in a real terminal (a pty, so stdout is a
 * TTY and colour is on), read back with `capture-pane`.
 *
 * From PATH; otherwise, on Debian and Ubuntu, the distribution's package is fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` into the test-services cache, as
 * test/support/services does for Prometheus (tmux's libraries, libevent and libutempter, are
 * on any machine with a desktop or an SSH server; when one is missing `tmux -V` says so).
 * Where neither works the test fails with one line naming the install command: a skipped
 * terminal test would let a broken view pass.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { cachedEntry } from './services/cache.ts';

const exec = promisify(execFile);

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return undefined;
}

const INSTALL =
  process.platform === 'darwin' ? 'brew install tmux' : 'sudo apt-get install -y tmux';

async function works(binary: string): Promise<boolean> {
  try {
    await exec(binary, ['-V'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export async function locateTmux(): Promise<string> {
  const found = onPath('tmux');
  if (found && (await works(found))) return found;
  if (process.platform === 'linux' && onPath('apt-get') && onPath('dpkg-deb')) {
    try {
      const { dir } = await cachedEntry('tmux-deb', async (tmp) => {
        await exec('apt-get', ['download', 'tmux'], { cwd: tmp, timeout: 300_000 });
        const deb = (await readdir(tmp)).find((f) => f.endsWith('.deb'));
        if (deb === undefined) throw new Error('apt-get download tmux left no .deb file');
        await exec('dpkg-deb', ['-x', join(tmp, deb), join(tmp, 'root')], { timeout: 120_000 });
        await rm(join(tmp, deb));
      });
      const binary = join(dir, 'root', 'usr', 'bin', 'tmux');
      if (await works(binary)) return binary;
    } catch {
      // fall through to the one-line failure
    }
  }
  throw new Error(
    `tmux is not available (not on PATH, and no usable package); install it: ${INSTALL}`,
  );
}

/** A tmux server of its own (its own socket), with one window of a fixed size. */
export async function startTerminal(tmux: string, name: string, cols = 200, rows = 50) {
  const socket = `ripcord-test-${process.pid}-${name}`;
  const run = (...args: string[]) => exec(tmux, ['-L', socket, ...args], { timeout: 20_000 });
  await run(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    'main',
    '-x',
    String(cols),
    '-y',
    String(rows),
    'env PS1="$ " TERM=xterm-256color bash --norc --noprofile',
  );
  return {
    /** Types a command line and presses Enter. */
    type: async (line: string) => {
      await run('send-keys', '-t', 'main', '-l', line);
      await run('send-keys', '-t', 'main', 'Enter');
    },
    /** The screen as text; with `escapes`, with colour codes as the terminal got them. */
    screen: async (escapes = false) =>
      (
        await run(
          'capture-pane',
          '-p',
          '-J',
          '-S',
          '-200',
          ...(escapes ? ['-e'] : []),
          '-t',
          'main',
        )
      ).stdout,
    waitFor: async (pattern: RegExp, timeoutMs = 30_000, escapes = false): Promise<string> => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const text = (
          await run(
            'capture-pane',
            '-p',
            '-J',
            '-S',
            '-200',
            ...(escapes ? ['-e'] : []),
            '-t',
            'main',
          )
        ).stdout;
        if (pattern.test(text)) return text;
        if (Date.now() > until)
          throw new Error(`timed out waiting for ${pattern} on the terminal; it shows:\n${text}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: async () => {
      await run('kill-server').catch(() => {});
    },
  };
}
