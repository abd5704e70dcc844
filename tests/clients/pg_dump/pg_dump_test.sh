#!/bin/sh
# tests/clients/pg_dump/pg_dump_test.sh -- pg_dump 15 against ShaleDB: dumps a database
# built from schema.sql (+ comments.sql), restores the dump into a scratch PostgreSQL 15
# and into a fresh ShaleDB with psql -f, and compares every table's rows, the sequences'
# positions, the view's rows and the schema (columns, constraints, indexes) with the source.
#
#   PASS pg_dump.NAME / FAIL pg_dump.NAME (why) / SKIP pg_dump.NAME (why)
#   SKIP known bug: ...      a ShaleDB bug the test works around (stays visible in the log)
#   pg_dump_test: N passed, M failed
# Exit 0 when nothing FAILed, 1 otherwise, 77 when skipped entirely (no pg_dump/psql or no
# server binary). Without PostgreSQL 15's server binaries the PostgreSQL restore is skipped
# and the ShaleDB restore still runs.
#
# Environment: SHALEDB=path (server binary; default ./shaledb of the build tree),
# PG_BINDIR (PostgreSQL 15 server binaries), SHALE_PGDUMP_KEEP=dir (keep the work files).
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
here=$top/tests/clients/pg_dump
bin=${SHALEDB:-}
if [ -z "$bin" ]; then
  bin=shaledb
  [ -x "$bin" ] || bin=src/server/shaledb
fi
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

passed=0; failed=0
pass() { echo "PASS pg_dump.$1"; passed=$((passed + 1)); }
fail() { echo "FAIL pg_dump.$1 ($2)"; failed=$((failed + 1)); }
skipcase() { echo "SKIP pg_dump.$1 ($2)"; }
finish() {
  echo "pg_dump_test: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
skipall() {
  echo "SKIP pg_dump.all ($1)"
  echo "pg_dump_test: 0 passed, 0 failed (skipped)"
  exit 77
}

PG_DUMP=${PG_DUMP:-pg_dump}
command -v "$PG_DUMP" >/dev/null 2>&1 || skipall "pg_dump not installed (postgresql-client-15)"
command -v psql >/dev/null 2>&1 || skipall "psql not installed"
"$PG_DUMP" --version | grep -q ' 15\.' || skipall "pg_dump is not version 15: $("$PG_DUMP" --version)"
[ -x "$bin" ] || skipall "no ShaleDB server binary at $bin"

. "$top/tests/lib/pgserver.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/shale-pgdump-XXXXXX") || exit 2
chmod a+x "$work"

# Several servers at once: pgserver.sh keeps one in its PGSERVER_* variables, so each
# server's variables are saved under a prefix and put back to stop it.
save_server() { eval "${1}_KIND=\$PGSERVER_KIND ${1}_PID=\$PGSERVER_PID ${1}_DIR=\$PGSERVER_DIR ${1}_PORT=\$PGSERVER_PORT ${1}_BINDIR=\${PGSERVER_BINDIR:-}"; }
stop_server() {
  eval "PGSERVER_KIND=\${${1}_KIND:-} PGSERVER_PID=\${${1}_PID:-} PGSERVER_DIR=\${${1}_DIR:-} PGSERVER_BINDIR=\${${1}_BINDIR:-}"
  pgserver_stop
  eval "${1}_KIND="
}
cleanup() {
  stop_server SRC; stop_server DST; stop_server PG
  if [ -n "${SHALE_PGDUMP_KEEP:-}" ]; then
    mkdir -p "$SHALE_PGDUMP_KEEP" && cp -r "$work"/. "$SHALE_PGDUMP_KEEP"/
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
conn() { echo "host=127.0.0.1 port=$1 dbname=postgres"; }

# ---- source ------------------------------------------------------------------------------
pgserver_start_shaledb "$bin" "$work/src" >"$work/start.log" 2>&1 || { fail source "ShaleDB did not start: $(tail -2 "$work/start.log")"; finish; }
save_server SRC
SRC=$(conn "$SRC_PORT")
if psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -f "$here/schema.sql" >"$work/schema.log" 2>&1; then
  pass source_schema
else
  fail source_schema "$(grep ERROR "$work/schema.log" | head -1)"; finish
fi
comments=yes
if ! psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -f "$here/comments.sql" >"$work/comments.log" 2>&1; then
  echo "SKIP known bug: COMMENT ON is not supported ($(grep ERROR "$work/comments.log" | head -1)); comments are not dumped"
  comments=no
fi

# ---- dump ------------------------------------------------------------------------------
if "$PG_DUMP" -d "$SRC" -f "$work/dump.sql" 2>"$work/dump.err"; then
  missing=""
  for want in 'CREATE TABLE public.customers (' 'CREATE TABLE public.orders (' 'CREATE TABLE public."Odd Table" (' \
      'CREATE SEQUENCE public.invoice_seq' 'CREATE VIEW public.big_orders AS' \
      'ALTER SEQUENCE public.customers_id_seq OWNED BY public.customers.id;' \
      "ALTER TABLE ONLY public.customers ALTER COLUMN id SET DEFAULT nextval('public.customers_id_seq'::regclass);" \
      "no integer DEFAULT nextval('public.invoice_seq'::regclass) NOT NULL" \
      'ADD CONSTRAINT customers_pkey PRIMARY KEY (id);' 'ADD CONSTRAINT orders_customer_id_order_id_key UNIQUE (customer_id, order_id);' \
      'CONSTRAINT orders_qty_check CHECK ((qty > 0))' \
      'ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE;' \
      'CREATE INDEX customers_name_email_idx ON public.customers USING btree (name, email);' \
      'CREATE UNIQUE INDEX customers_code_idx ON public.customers USING btree (code);' \
      "SELECT pg_catalog.setval('public.invoice_seq', 110, true);" \
      'GRANT SELECT ON TABLE public.customers TO PUBLIC;' 'GRANT SELECT,INSERT ON TABLE public.orders TO PUBLIC;' \
      'REVOKE ALL ON TABLE public.kv FROM root;' 'GRANT USAGE ON SEQUENCE public.invoice_seq TO PUBLIC;' \
      'COPY public.customers (id, name, email, code, active, created_at, created_tz, birth, wake, dur, score, ratio, small, big, amount, anynum, blob, ident, doc, docb, tags, nums) FROM stdin;'; do
    grep -qF "$want" "$work/dump.sql" || missing="$missing [$want]"
  done
  if [ "$comments" = yes ]; then
    for want in "COMMENT ON TABLE public.customers IS 'the customers';" "COMMENT ON COLUMN public.customers.email IS 'contact address';" \
        "COMMENT ON VIEW public.big_orders IS 'orders over ten';"; do
      grep -qF "$want" "$work/dump.sql" || missing="$missing [$want]"
    done
  fi
  # Objects must come after what they need (psql -f runs them in order).
  order_ok=yes
  before() { a=$(grep -nF "$1" "$work/dump.sql" | head -1 | cut -d: -f1); b=$(grep -nF "$2" "$work/dump.sql" | head -1 | cut -d: -f1)
             [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || order_ok="no: $1 after $2"; }
  before 'CREATE TABLE public.orders (' 'CREATE VIEW public.big_orders AS'
  before 'CREATE SEQUENCE public.invoice_seq' 'CREATE TABLE public.aaa_invoices ('
  if [ -n "$missing" ]; then fail dump "missing from the dump:$missing"
  elif [ "$order_ok" != yes ]; then fail dump "order $order_ok"
  else pass dump; fi
else
  fail dump "pg_dump failed: $(head -3 "$work/dump.err" | tr '\n' ' ')"; finish
fi

# ---- comparison ----------------------------------------------------------------------------
# The rows of every public table and view (sorted; text format), the sequences' positions.
snapshot_data() {
  _c=$1; _out=$2; : >"$_out"
  # one name a line: quoted identifiers may hold spaces ("Odd Table")
  { psql -X -At -d "$SRC" -c "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    echo big_orders; } | while IFS= read -r t; do
    echo "== $t" >>"$_out"
    psql -X -At -d "$_c" -c "COPY (SELECT * FROM public.$t ORDER BY 1) TO STDOUT" >>"$_out" 2>&1
  done
  for s in customers_id_seq orders_order_id_seq invoice_seq; do
    echo "== $s" >>"$_out"
    psql -X -At -d "$_c" -c "SELECT last_value, is_called FROM public.$s" >>"$_out" 2>&1
  done
}
# The schema as both servers describe it (structure, not expression texts: PostgreSQL and
# ShaleDB print CHECK/DEFAULT expressions differently, docs/compatibility.md).
snapshot_schema() {
  _c=$1; _out=$2; _what=${3:-all}
  {
    psql -X -At -d "$_c" -c "SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1, 2"
    # Without constraints (known DDL gaps), the indexes backing them are left out too.
    _kinds="'r', 'v', 'S', 'i'"; _noconidx=""
    [ "$_what" = all ] || { _kinds="'r', 'v', 'S'"; _noconidx="AND indexname NOT IN (SELECT conname FROM pg_constraint)"; }
    psql -X -At -d "$_c" -c "SELECT relname, relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND relkind IN ($_kinds) ORDER BY 1"
    # privileges (GRANT/REVOKE restored); the owner's name is the connecting superuser on both
    psql -X -At -d "$_c" -c "SELECT relname, relacl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND relacl IS NOT NULL ORDER BY 1"
    psql -X -At -d "$_c" -c "SELECT has_table_privilege('public.kv', 'TRUNCATE'), has_schema_privilege('public', 'USAGE')"
    psql -X -At -d "$_c" -c "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' $_noconidx ORDER BY 2"
    if [ "$_what" = all ]; then
      psql -X -At -d "$_c" -c "SELECT r.relname, c.conname, c.contype, (SELECT relname FROM pg_class f WHERE f.oid = c.confrelid)
        FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' ORDER BY 2"
      psql -X -At -d "$_c" -c "SELECT s.relname, d.refobjsubid FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
        WHERE d.classid = 'pg_class'::regclass AND s.relkind = 'S' AND d.deptype = 'a' ORDER BY 1"
    fi
    if [ "$comments" = yes ]; then
      psql -X -At -d "$_c" -c "SELECT c.relname, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
        WHERE d.classoid = 'pg_class'::regclass ORDER BY 1, 2"
    fi
  } >"$_out" 2>&1
}
# compare NAME EXPECTED ACTUAL
compare() {
  if cmp -s "$2" "$3"; then pass "$1"
  else fail "$1" "differs from the source: $(diff "$2" "$3" | grep '^[<>]' | head -4 | tr '\n' ' ')"; fi
}
snapshot_data "$SRC" "$work/src.data"
snapshot_schema "$SRC" "$work/src.schema"
snapshot_schema "$SRC" "$work/src.schema_nocon" nocon

# ---- restore into PostgreSQL 15 ----------------------------------------------------------
if ! pgserver_pg_bindir >/dev/null 2>&1; then
  skipcase restore_postgres "PostgreSQL 15 server binaries not installed"
elif ! pgserver_start_postgres "$work/pg" >"$work/pgstart.log" 2>&1; then
  skipcase restore_postgres "PostgreSQL 15 did not start: $(tail -1 "$work/pgstart.log")"
else
  save_server PG
  PG=$(conn "$PG_PORT")
  if psql -X -q -v ON_ERROR_STOP=1 -d "$PG" -f "$work/dump.sql" >"$work/restore_pg.log" 2>&1; then
    pass restore_postgres
    snapshot_data "$PG" "$work/pg.data"
    compare restore_postgres.data "$work/src.data" "$work/pg.data"
    snapshot_schema "$PG" "$work/pg.schema"
    compare restore_postgres.schema "$work/src.schema" "$work/pg.schema"
  else
    fail restore_postgres "$(grep -m1 ERROR "$work/restore_pg.log")"
  fi
  stop_server PG
fi

# ---- restore into a fresh ShaleDB ------------------------------------------------------------
# The dump must restore without a single error (psql -v ON_ERROR_STOP=1), as into PostgreSQL.
if ! pgserver_start_shaledb "$bin" "$work/dst" >"$work/start2.log" 2>&1; then
  fail restore_shaledb "ShaleDB did not start: $(tail -2 "$work/start2.log")"; finish
fi
save_server DST
DST=$(conn "$DST_PORT")
if psql -X -q -v ON_ERROR_STOP=1 -d "$DST" -f "$work/dump.sql" >"$work/restore_sh.log" 2>&1; then
  pass restore_shaledb
else
  # the failing statement: psql names the line it ends on
  n=$(sed -n 's/^psql:[^:]*:\([0-9]*\): ERROR:.*$/\1/p' "$work/restore_sh.log" | head -1)
  fail restore_shaledb "$(grep -m1 ERROR "$work/restore_sh.log") in: $(sed -n "${n:-1}p" "$work/dump.sql")"
fi
snapshot_data "$DST" "$work/dst.data"
compare restore_shaledb.data "$work/src.data" "$work/dst.data"
snapshot_schema "$DST" "$work/dst.schema"
compare restore_shaledb.schema "$work/src.schema" "$work/dst.schema"
# psql's own description of every relation (\d, \d TABLE, \dp) must be the same
describe() {
  { psql -X -d "$1" -c '\d' -c '\dp'
    for t in customers orders aaa_invoices kv '"Odd Table"' big_orders invoice_seq; do psql -X -d "$1" -c "\\d public.$t"; done
  } >"$2" 2>&1
}
describe "$SRC" "$work/src.describe"
describe "$DST" "$work/dst.describe"
compare restore_shaledb.describe "$work/src.describe" "$work/dst.describe"
# The restored ShaleDB dumps again (a second round trip must not lose rows).
if "$PG_DUMP" -d "$DST" -f "$work/dump2.sql" 2>"$work/dump2.err"; then
  sed -n '/^COPY /,/^\\\.$/p' "$work/dump.sql" >"$work/dump.copy"
  sed -n '/^COPY /,/^\\\.$/p' "$work/dump2.sql" >"$work/dump2.copy"
  if [ -s "$work/dump.copy" ] && cmp -s "$work/dump.copy" "$work/dump2.copy"; then
    pass redump_shaledb
  else
    fail redump_shaledb "the data of the second dump differs from the first"
  fi
else
  fail redump_shaledb "pg_dump of the restored database failed: $(head -2 "$work/dump2.err" | tr '\n' ' ')"
fi
finish
