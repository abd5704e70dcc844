#!/bin/sh
# tests/clients/node/node_check.sh -- make check: node-postgres (`pg` from npm) against a fresh
# ShaleDB (test_pg.js). The exact package versions are pinned by package-lock.json here; they
# are installed with `npm ci` into tests/clients/node/node_modules of the build tree (never
# globally) and reused while the lockfile is unchanged. Skips when node/npm are missing or
# npm cannot reach its registry. SHALE_TEST_SERVER=postgres runs it against PostgreSQL 15.
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/clients/client_lib.sh"
client_init node-pg
command -v node >/dev/null 2>&1 || client_skip "node not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || client_skip "npm not installed (apt-get install npm)"
src=$top/tests/clients/node
dir=$builddir/tests/clients/node
mkdir -p "$dir" || exit 2
if ! cmp -s "$src/package-lock.json" "$dir/package-lock.json" || [ ! -f "$dir/node_modules/pg/package.json" ]; then
  if [ "$src" != "$dir" ]; then
    cp "$src/package.json" "$src/package-lock.json" "$dir/" || exit 2
    chmod u+w "$dir/package.json" "$dir/package-lock.json"
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1) ||
    client_skip "npm ci failed (no registry?): $(tail -1 "$dir/npm-ci.log")"
fi
NODE_PATH=$dir/node_modules
# Dates without a zone are parsed in the process' local time zone: make it UTC.
TZ=UTC
export NODE_PATH TZ
client_start
client_run node "$src/test_pg.js"
