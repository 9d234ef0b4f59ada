// Starts unleash-server from this folder's node_modules for Ripcord's integration tests.
// Run with Node >= 22 (unleash-server 8 needs it); the settings come as JSON in
// RIPCORD_UNLEASH_CONFIG so that no secret shows up in a process listing.
// Plain JavaScript on purpose: the root project's tsc never has to read unleash's types.
import process from 'node:process';
import { start } from 'unleash-server';

const raw = process.env.RIPCORD_UNLEASH_CONFIG;
if (!raw) {
  process.stderr.write('RIPCORD_UNLEASH_CONFIG is not set\n');
  process.exit(2);
}
const config = JSON.parse(raw);

const unleash = await start({
  db: {
    host: config.db.host,
    port: config.db.port,
    user: config.db.user,
    password: '',
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
  try {
    await unleash.stop();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
