#!/bin/sh
# tools/bench/pgbench_wire.sh -- wire-protocol throughput: pgbench running `SELECT 1;` at 1, 8
# and 32 clients with -M simple/extended/prepared, against ShaleDB and against a scratch
# PostgreSQL 15 cluster started in the same run; prints both TPS and the ratio per line
# (goal: ShaleDB >= 1.5x). Not run by make check.
#
# Usage: tools/bench/pgbench_wire.sh [SHALEDB_BINARY] [SECONDS]
#   SHALEDB_BINARY defaults to ./shaledb (the build directory), SECONDS per run to 5.
set -eu
SHALEDB=${1:-./shaledb}
SECS=${2:-5}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGBENCH=${PGBENCH:-$(command -v pgbench || echo $PGBIN/pgbench)}
[ -x "$SHALEDB" ] || { echo "no server binary at $SHALEDB" >&2; exit 2; }
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 not found in $PGBIN" >&2; exit 2; }

TMP=$(mktemp -d /tmp/pgbench_wire.XXXXXX)
# initdb refuses to run as root: run the PostgreSQL side as the postgres user then.
AS=""; PGUSER_NAME=$(id -un)
if [ "$(id -u)" = 0 ]; then
  AS="runuser -u postgres --"; PGUSER_NAME=postgres
  mkdir -p "$TMP/pg"; chown postgres "$TMP/pg"; chmod 755 "$TMP"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SPORT=$(free_port); PPORT=$(free_port)
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
  $AS "$PGBIN/pg_ctl" -D "$TMP/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

"$SHALEDB" -D "$TMP/shale" -p "$SPORT" -c log_min_messages=error >"$TMP/shale.log" 2>&1 &
SPID=$!
$AS "$PGBIN/initdb" -D "$TMP/pg" -U "$PGUSER_NAME" --locale=C.UTF-8 --encoding=UTF8 -A trust >/dev/null
$AS "$PGBIN/pg_ctl" -D "$TMP/pg" -o "-p $PPORT -k $TMP/pg -c max_connections=100" -l "$TMP/pg/pg.log" -w start >/dev/null
for i in $(seq 100); do
  pg_isready -h 127.0.0.1 -p "$SPORT" >/dev/null 2>&1 && break; sleep 0.1
done

echo 'SELECT 1;' > "$TMP/select1.sql"
tps() { # port clients mode user
  "$PGBENCH" -n -h 127.0.0.1 -p "$1" -U "$4" -d postgres -f "$TMP/select1.sql" -c "$2" -j "$(( $2 < 2 ? 1 : 2 ))" \
    -M "$3" -T "$SECS" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1
}
printf '%-9s %7s %12s %12s %7s\n' mode clients shaledb_tps postgres_tps ratio
for mode in simple extended prepared; do
  for c in 1 8 32; do
    s=$(tps "$SPORT" "$c" "$mode" "$(id -un)"); p=$(tps "$PPORT" "$c" "$mode" "$PGUSER_NAME")
    r=$(awk -v s="${s:-0}" -v p="${p:-0}" 'BEGIN { if (p > 0) printf "%.2f", s / p; else print "n/a" }')
    printf '%-9s %7d %12s %12s %7s\n' "$mode" "$c" "${s:-fail}" "${p:-fail}" "$r"
  done
done
