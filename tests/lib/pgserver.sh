# tests/lib/pgserver.sh -- shell helpers (POSIX sh, to be sourced) that start a scratch
# PostgreSQL 15 cluster or a ShaleDB server on a free loopback port in a temp dir, and
# stop them again. Used by tests/slt/slt_check.sh, tests/sqldiff/sqldiff_check.sh and
# tests/sqldiff/regen.sh.
#
#   . tests/lib/pgserver.sh
#   pgserver_start_postgres WORKDIR        # or: pgserver_start_shaledb BINARY WORKDIR
#   ... use $PGSERVER_CONN (a libpq connection string), $PGSERVER_PORT ...
#   pgserver_stop
#
# Both servers are reached as "host=127.0.0.1 port=P user=<current OS user> dbname=postgres"
# with trust authentication, so tools use one connection string shape for either. The
# PostgreSQL cluster: initdb --locale=C.UTF-8 --encoding=UTF8 -A trust -U <OS user>,
# TimeZone=UTC, DateStyle='ISO, MDY', lc_messages=C, fsync off. initdb refuses to run as
# root: as root, initdb and postgres run as the OS user "postgres" (created by the
# postgresql-15 package) or else "shaletest", WORKDIR is chowned to that user and its
# parent directory made traversable (a+x).
#
# Readiness: $PGSERVER_PING, when set, is a command given the connection string that exits
# 0 once the server answers (the runners' --ping); else pg_isready; else a fixed wait.
# A port already in use is detected from the server log and another port is tried.
#
# State (one server at a time per shell): PGSERVER_KIND, PGSERVER_PORT, PGSERVER_CONN,
# PGSERVER_PID (shaledb), PGSERVER_DIR, PGSERVER_LOG.

PGSERVER_KIND=""

# Prints the directory holding initdb/pg_ctl/postgres of PostgreSQL 15 ($PG_BINDIR wins).
pgserver_pg_bindir() {
  for d in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    if [ -n "$d" ] && [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
      echo "$d"; return 0
    fi
  done
  return 1
}

# A pseudo-random port in 20000..59999 for attempt $1 (differs across concurrent shells).
pgserver_pick_port() {
  echo $(( 20000 + ( $$ * 7919 + $1 * 104729 + $(date +%N | sed 's/^0*//;s/^$/0/') ) % 40000 ))
}

# Waits up to $2 seconds for a server on port $1; returns 0 when it answers.
pgserver_wait_ready() {
  _conn="host=127.0.0.1 port=$1 user=$(id -un) dbname=postgres"
  _i=0
  while [ "$_i" -lt $(( $2 * 10 )) ]; do
    if [ -n "${PGSERVER_PID:-}" ] && ! kill -0 "$PGSERVER_PID" 2>/dev/null; then
      return 1
    fi
    if [ -n "${PGSERVER_PING:-}" ]; then
      $PGSERVER_PING "$_conn" >/dev/null 2>&1 && return 0
    elif command -v pg_isready >/dev/null 2>&1; then
      pg_isready -q -h 127.0.0.1 -p "$1" -t 1 >/dev/null 2>&1 && return 0
    else
      sleep 2; return 0
    fi
    sleep 0.1 2>/dev/null || sleep 1
    _i=$((_i + 1))
  done
  return 1
}

# Runs "$@" as the PostgreSQL OS user (ourselves unless we are root).
pgserver_as_pguser() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$PGSERVER_PGUSER" -- "$@"
  else
    "$@"
  fi
}

# Starts PostgreSQL 15 in WORKDIR ($1, created if needed). Returns non-zero with a message
# on stderr when it cannot.
pgserver_start_postgres() {
  PGSERVER_DIR=$1
  _bindir=$(pgserver_pg_bindir) || { echo "pgserver: PostgreSQL 15 not found (apt-get install postgresql-15, or set PG_BINDIR)" >&2; return 1; }
  mkdir -p "$PGSERVER_DIR" || return 1
  _me=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    PGSERVER_PGUSER=""
    for u in postgres shaletest; do
      if id "$u" >/dev/null 2>&1; then PGSERVER_PGUSER=$u; break; fi
    done
    [ -n "$PGSERVER_PGUSER" ] || { echo "pgserver: running as root and no 'postgres' user to run initdb as (useradd -m shaletest)" >&2; return 1; }
    chown -R "$PGSERVER_PGUSER" "$PGSERVER_DIR" || return 1
    # The caller's temp dir (mktemp -d: mode 0700) must let that user through.
    chmod a+x "$(dirname "$PGSERVER_DIR")" 2>/dev/null
  fi
  PGSERVER_LOG=$PGSERVER_DIR/postgres.log
  if ! pgserver_as_pguser "$_bindir/initdb" -D "$PGSERVER_DIR/pgdata" -U "$_me" -A trust \
       --locale=C.UTF-8 --encoding=UTF8 --no-sync >"$PGSERVER_DIR/initdb.log" 2>&1; then
    echo "pgserver: initdb failed:" >&2; tail -5 "$PGSERVER_DIR/initdb.log" >&2; return 1
  fi
  _attempt=0
  while [ "$_attempt" -lt 8 ]; do
    _port=$(pgserver_pick_port "$_attempt")
    if pgserver_as_pguser "$_bindir/pg_ctl" -D "$PGSERVER_DIR/pgdata" -w -t 60 -l "$PGSERVER_LOG" \
         -o "-p $_port -k $PGSERVER_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c TimeZone=UTC -c DateStyle='ISO, MDY' -c lc_messages=C" \
         start >"$PGSERVER_DIR/pg_ctl.log" 2>&1; then
      PGSERVER_KIND=postgres; PGSERVER_PORT=$_port; PGSERVER_PID=""
      PGSERVER_BINDIR=$_bindir
      PGSERVER_CONN="host=127.0.0.1 port=$_port user=$_me dbname=postgres"
      return 0
    fi
    grep -qi "in use" "$PGSERVER_LOG" 2>/dev/null || break
    _attempt=$((_attempt + 1))
  done
  echo "pgserver: PostgreSQL did not start:" >&2; tail -5 "$PGSERVER_LOG" >&2
  return 1
}

# Starts the ShaleDB server binary $1 with a fresh data dir under WORKDIR ($2).
# Waits up to $2 seconds for the started shaledb ($PGSERVER_PID) to log that it listens on
# port $1; fails when the process exits first (e.g. the port was taken).
pgserver_wait_listening() {
  _i=0
  while [ "$_i" -lt $(( $2 * 10 )) ]; do
    grep -q "listening on .*port $1\$" "$PGSERVER_LOG" 2>/dev/null && return 0
    kill -0 "$PGSERVER_PID" 2>/dev/null || return 1
    sleep 0.1 2>/dev/null || sleep 1
    _i=$((_i + 1))
  done
  return 1
}

pgserver_start_shaledb() {
  _bin=$1; PGSERVER_DIR=$2
  mkdir -p "$PGSERVER_DIR/data" || return 1
  PGSERVER_LOG=$PGSERVER_DIR/shaledb.log
  _attempt=0
  while [ "$_attempt" -lt 8 ]; do
    _port=$(pgserver_pick_port "$_attempt")
    "$_bin" -D "$PGSERVER_DIR/data" -p "$_port" --listen 127.0.0.1 >>"$PGSERVER_LOG" 2>&1 &
    PGSERVER_PID=$!
    # Only ping once OUR process says it listens on the port: a server of someone else's
    # already bound there would otherwise answer the ping and be taken for ours.
    if pgserver_wait_listening "$_port" 30 && pgserver_wait_ready "$_port" 30; then
      PGSERVER_KIND=shaledb; PGSERVER_PORT=$_port
      PGSERVER_CONN="host=127.0.0.1 port=$_port user=$(id -un) dbname=postgres"
      return 0
    fi
    kill "$PGSERVER_PID" 2>/dev/null; wait "$PGSERVER_PID" 2>/dev/null
    PGSERVER_PID=""
    grep -qi "in use" "$PGSERVER_LOG" 2>/dev/null || break
    _attempt=$((_attempt + 1))
  done
  echo "pgserver: shaledb did not start:" >&2; tail -5 "$PGSERVER_LOG" >&2
  return 1
}

# True while the started server process is alive (always true for PostgreSQL via pg_ctl).
pgserver_alive() {
  case "$PGSERVER_KIND" in
    shaledb) kill -0 "$PGSERVER_PID" 2>/dev/null ;;
    postgres) pgserver_as_pguser "$PGSERVER_BINDIR/pg_ctl" -D "$PGSERVER_DIR/pgdata" status >/dev/null 2>&1 ;;
    *) return 1 ;;
  esac
}

# Stops the server started last (idempotent); the work dir is left to the caller.
pgserver_stop() {
  case "$PGSERVER_KIND" in
    postgres)
      pgserver_as_pguser "$PGSERVER_BINDIR/pg_ctl" -D "$PGSERVER_DIR/pgdata" -m immediate -w stop >/dev/null 2>&1 ;;
    shaledb)
      if kill -0 "$PGSERVER_PID" 2>/dev/null; then
        kill "$PGSERVER_PID" 2>/dev/null
        _i=0
        while kill -0 "$PGSERVER_PID" 2>/dev/null && [ "$_i" -lt 50 ]; do sleep 0.1 2>/dev/null || sleep 1; _i=$((_i + 1)); done
        kill -9 "$PGSERVER_PID" 2>/dev/null
      fi
      wait "$PGSERVER_PID" 2>/dev/null ;;
  esac
  PGSERVER_KIND=""; PGSERVER_PID=""
}
