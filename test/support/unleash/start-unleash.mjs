// Starts unleash-server for Ripcord's integration tests, from the install folder that the test
// services keep in their cache (see test/support/services/unleash.ts). Run with Node >= 22
// (unleash-server 8 needs it); the settings come as JSON in RIPCORD_UNLEASH_CONFIG so that no
// secret shows up in a process listing. It stops when its stdin closes: the process that started
// it has gone, however it went.
// Plain JavaScript on purpose: the root project's tsc never has to read unleash's types.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { pathToFileURL } from 'node:url';

const raw = process.env.RIPCORD_UNLEASH_CONFIG;
if (!raw) {
  process.stderr.write('RIPCORD_UNLEASH_CONFIG is not set\n');
  process.exit(2);
}
const config = JSON.parse(raw);
const entry = createRequire(join(config.installDir, 'package.json')).resolve('unleash-server');
const { start } = await import(pathToFileURL(entry).href);

const unleash = await start({
  db: {
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: config.db.password,
    database: config.db.database,
    ssl: false,
  },
  server: { host: '127.0.0.1', port: config.port, enableRequestLogger: false },
  authentication: {
    type: 'open-source',
    createAdminUser: false,
    initApiTokens: config.tokens,
  },
  versionCheck: { enable: false },
  // Unleash reads `telemetry: false` as "not set" and falls back to SEND_TELEMETRY, which the
  // harness also sets to false; both are kept so neither path phones home.
  telemetry: false,
  clientFeatureCaching: { enabled: false },
  logLevel: config.logLevel ?? 'warn',
});

process.stdout.write(`unleash-server listening on 127.0.0.1:${config.port}\n`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  // The database may already be gone (the whole run is stopping): do not wait on it forever.
  setTimeout(() => process.exit(0), 5000).unref();
  try {
    await unleash.stop();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.on('error', () => void shutdown());
process.stdin.resume();
