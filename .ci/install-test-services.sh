#!/usr/bin/env bash
# Installs what the Unleash integration tests need on a fresh Debian machine (run as root):
# PostgreSQL's server binaries, and unleash-server 8.2.0 in test/support/unleash.
# Run after the root `npm ci`: npm for the sub-project must run under the Node 24 from the
# root's `node` package, because under Node < 22 npm silently resolves unleash-server 7.x.
# Safe to run again: it skips what is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
ls -d /usr/lib/postgresql/*/bin | tail -1

NODE24_BIN="$PWD/node_modules/node/bin"
if [ ! -x "$NODE24_BIN/node" ]; then
  echo "node_modules/node/bin/node is missing: run npm ci at the repository root first" >&2
  exit 1
fi
want=8.2.0
manifest=test/support/unleash/node_modules/unleash-server/package.json
# Read the file: unleash-server's "exports" hide package.json from require().
installed() { [ -f "$manifest" ] && "$NODE24_BIN/node" -p "JSON.parse(require('fs').readFileSync('$manifest', 'utf8')).version" || echo none; }
have=$(installed)
if [ "$have" != "$want" ]; then
  # --ignore-scripts: none of unleash-server's install scripts is needed to run it (husky,
  # a telemetry ping, optional native ssh2 helpers), and the machine has no network beyond
  # the registries.
  (cd test/support/unleash && PATH="$NODE24_BIN:$PATH" npm ci --no-audit --no-fund --ignore-scripts)
  have=$(installed)
fi
if [ "$have" != "$want" ]; then
  echo "test/support/unleash has unleash-server $have, expected $want" >&2
  exit 1
fi
echo "unleash-server $have"
