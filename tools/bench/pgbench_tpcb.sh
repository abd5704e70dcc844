#!/bin/sh
# tools/bench/pgbench_tpcb.sh -- pgbench's built-in workloads against ShaleDB and a scratch
# PostgreSQL 15 cluster in the same run: CREATE DATABASE bench and the standard, unmodified
# `pgbench -i -s SCALE` (steps dtgvp) on both, then the tpcb-like and
# select-only scripts at CLIENTS clients with -M simple and -M prepared for SECONDS each.
# Every run must finish with zero failed transactions; afterwards ShaleDB must satisfy
# sum(abalance) over pgbench_accounts = sum(delta) over pgbench_history (no lost or
# half-applied transfer). Prints the TPS of both servers and the ratio per line (goal:
# ShaleDB >= 1.5x). Exit status 1 when a check fails. Not run by make check.
#
# Usage: tools/bench/pgbench_tpcb.sh [SHALEDB_BINARY] [SECONDS]
#   SHALEDB_BINARY defaults to ./shaledb (the build directory), SECONDS per run to 60.
#   Environment: SCALE (10), CLIENTS (8), JOBS (2), PGBIN, PGBENCH, KEEP_LOGS=1 (print the
#   temp dir and keep it).
# Both servers run with their defaults (synchronous commit on, fsync on).
set -eu
SHALEDB=${1:-./shaledb}
SECS=${2:-60}
SCALE=${SCALE:-10}
CLIENTS=${CLIENTS:-8}
JOBS=${JOBS:-2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PGBENCH=${PGBENCH:-$(command -v pgbench || echo $PGBIN/pgbench)}
PSQL=${PSQL:-$(command -v psql || echo $PGBIN/psql)}
[ -x "$SHALEDB" ] || { echo "no server binary at $SHALEDB" >&2; exit 2; }
[ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 not found in $PGBIN" >&2; exit 2; }

TMP=$(mktemp -d /tmp/pgbench_tpcb.XXXXXX)
AS=""; PGUSER_NAME=$(id -un); ME=$(id -un)
if [ "$(id -u)" = 0 ]; then  # initdb refuses root
  AS="runuser -u postgres --"; PGUSER_NAME=postgres
  mkdir -p "$TMP/pg"; chown postgres "$TMP/pg"; chmod 755 "$TMP"
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
SPORT=$(free_port); PPORT=$(free_port)
SPID=""
cleanup() {
  [ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null || true
  $AS "$PGBIN/pg_ctl" -D "$TMP/pg" -m fast stop >/dev/null 2>&1 || true
  if [ "${KEEP_LOGS:-0}" = 1 ]; then echo "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM

"$SHALEDB" -D "$TMP/shale" -p "$SPORT" --listen 127.0.0.1 -c log_min_messages=error ${SHALE_ARGS:-} >"$TMP/shale.log" 2>&1 &
SPID=$!
$AS "$PGBIN/initdb" -D "$TMP/pg" -U "$PGUSER_NAME" --locale=C.UTF-8 --encoding=UTF8 -A trust >/dev/null
$AS "$PGBIN/pg_ctl" -D "$TMP/pg" -o "-p $PPORT -k $TMP/pg -c listen_addresses=127.0.0.1" -l "$TMP/pg/pg.log" -w start >/dev/null
for i in $(seq 100); do
  pg_isready -q -h 127.0.0.1 -p "$SPORT" >/dev/null 2>&1 && break; sleep 0.1
done

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

init() { # port user label
  t0=$(now)
  if "$PSQL" -q -X -h 127.0.0.1 -p "$1" -U "$2" -d postgres -c "create database bench" >"$TMP/init_$3.log" 2>&1 &&
     "$PGBENCH" -i -q -s "$SCALE" -h 127.0.0.1 -p "$1" -U "$2" bench >>"$TMP/init_$3.log" 2>&1; then
    echo "init $3: pgbench -i -s $SCALE in $(elapsed "$t0") s"
    return 0
  fi
  echo "init $3 FAILED:" >&2; tail -5 "$TMP/init_$3.log" >&2
  return 1
}
init "$PPORT" "$PGUSER_NAME" postgres
init "$SPORT" "$ME" shaledb

STATUS=0
run() { # port user builtin mode label -> prints tps; checks failures
  out="$TMP/run_$5_$3_$4.log"
  if ! "$PGBENCH" -n -h 127.0.0.1 -p "$1" -U "$2" -b "$3" -c "$CLIENTS" -j "$JOBS" -M "$4" -T "$SECS" bench >"$out" 2>&1; then
    echo "pgbench $5 $3 -M $4 exited non-zero:" >&2; grep -iE "error|abort" "$out" | head -3 >&2; STATUS=1
  fi
  failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$out")
  if [ "${failed:-x}" != 0 ]; then
    echo "pgbench $5 $3 -M $4: failed transactions: ${failed:-unknown}" >&2; STATUS=1
  fi
  sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$out" | head -1
}

echo "scale $SCALE, $CLIENTS clients, $JOBS threads, ${SECS}s per run"
printf '%-12s %-9s %12s %12s %7s\n' script mode shaledb_tps postgres_tps ratio
# The consistency check below reads what the tpcb-like runs left behind.
for script in tpcb-like select-only; do
  for mode in simple prepared; do
    s=$(run "$SPORT" "$ME" "$script" "$mode" shaledb); p=$(run "$PPORT" "$PGUSER_NAME" "$script" "$mode" postgres)
    r=$(awk -v s="${s:-0}" -v p="${p:-0}" 'BEGIN { if (p > 0) printf "%.2f", s / p; else print "n/a" }')
    printf '%-12s %-9s %12s %12s %7s\n' "$script" "$mode" "${s:-fail}" "${p:-fail}" "$r"
  done
done

# Consistency of ShaleDB after the tpcb-like runs: every transfer applied exactly once.
q() { "$PSQL" -X -At -h 127.0.0.1 -p "$SPORT" -U "$ME" -d bench -c "$1"; }
acc=$(q "select coalesce(sum(abalance),0) from pgbench_accounts")
hist=$(q "select coalesce(sum(delta),0) from pgbench_history")
nh=$(q "select count(*) from pgbench_history")
if [ -n "$acc" ] && [ "$acc" = "$hist" ]; then
  echo "check shaledb: sum(abalance) = sum(delta) = $acc over $nh history rows: OK"
else
  echo "check shaledb: sum(abalance) = $acc, sum(delta) = $hist: MISMATCH" >&2; STATUS=1
fi
exit $STATUS
