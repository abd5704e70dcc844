#!/bin/sh
# tests/clients/psql/psql_describe.sh -- psql 15's \d family against ShaleDB, compared line
# by line with PostgreSQL 15's output for the same schema (schema.sql).
#
# Every psql command of commands.txt runs (psql -X, unaligned output so one differing width
# does not shift every line) against a fresh ShaleDB; the outputs are compared with
# expected/describe.out, which regen.sh captured from a scratch PostgreSQL 15 (so make check
# needs no PostgreSQL). Documented differences (differences.txt: a command glob, a sed
# expression applied to both sides, and the reason) are normalised away first; whatever
# else differs is a FAIL with the diff. Output, in the harness's format:
#   PASS psql_describe.<n>_<command>     FAIL ... followed by the indented diff
#   SKIP psql_describe.comments (...)    when the server rejects COMMENT ON (a known bug):
#                                        then the "comments" differences apply as well
#   psql_describe: N passed, M failed
# Exit 0 when nothing FAILed, 1 otherwise, 77 skipped (no server binary or no psql).
#
#   psql_describe.sh                 make check (ShaleDB vs expected/describe.out)
#   psql_describe.sh --regen         run against PostgreSQL 15 and rewrite expected/describe.out
#   SHALEDB=path                     server binary (default: ./shaledb in the build tree)
#   SHALE_PSQL_KEEP=dir              keep the actual and normalised outputs in dir
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
here=$top/tests/clients/psql
. "$top/tests/lib/pgserver.sh"
regen=0
[ "${1:-}" = --regen ] && regen=1
psql_bin=$(command -v psql || true)
[ -z "$psql_bin" ] && [ -x /usr/lib/postgresql/15/bin/psql ] && psql_bin=/usr/lib/postgresql/15/bin/psql
if [ -z "$psql_bin" ]; then
  echo "SKIP psql_describe.all (psql not installed)"; echo "psql_describe: 0 passed, 0 failed"; exit 77
fi
bin=${SHALEDB:-shaledb}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/psql_describe.XXXXXX") || exit 1
trap 'pgserver_stop; rm -rf "$work"' EXIT INT TERM

# Runs schema.sql then every command against $PGSERVER_CONN; the outputs go to $1, each
# command's section headed by "== <command>"; COMMENT ON failures are noted in $1.comments.
run_all() {
  PGTZ=UTC PGCLIENTENCODING=UTF8 "$psql_bin" "$PGSERVER_CONN" -X -q -f "$here/schema.sql" >"$1.schema" 2>&1
  grep -q "COMMENT" "$1.schema" && grep -q ERROR "$1.schema" && : >"$1.comments"
  : >"$1"
  while IFS= read -r cmd; do
    [ -z "$cmd" ] && continue
    echo "== $cmd" >>"$1"
    PGTZ=UTC "$psql_bin" "$PGSERVER_CONN" -X -q -P format=unaligned -P pager=off -c "$cmd" >>"$1" 2>&1
  done <"$here/commands.txt"
}

if [ "$regen" = 1 ]; then
  pgserver_start_postgres "$work/pg" || exit 1
  run_all "$work/pg.out"
  if [ -e "$work/pg.out.comments" ] || grep -q ERROR "$work/pg.out.schema"; then
    echo "regen: schema.sql failed on PostgreSQL:" >&2; cat "$work/pg.out.schema" >&2; exit 1
  fi
  mkdir -p "$here/expected"
  cp "$work/pg.out" "$here/expected/describe.out"
  echo "regen: wrote $here/expected/describe.out ($(grep -c '^== ' "$work/pg.out") commands)"
  exit 0
fi

if [ ! -x "$bin" ]; then
  echo "SKIP psql_describe.all (no server binary $bin)"; echo "psql_describe: 0 passed, 0 failed"; exit 77
fi
pgserver_start_shaledb "$bin" "$work/sh" || { echo "FAIL psql_describe.start"; echo "psql_describe: 0 passed, 1 failed"; exit 1; }
run_all "$work/sh.out"
pgserver_stop

# Splits a combined output into numbered sections $2/N (N = the command's line number).
split_sections() {
  awk -v d="$2" '/^== /{n++; f=sprintf("%s/%03d", d, n)} {print > f}' "$1"
}
mkdir -p "$work/exp" "$work/got"
split_sections "$here/expected/describe.out" "$work/exp"
split_sections "$work/sh.out" "$work/got"

# The sed script of the differences that apply to command $1 ("comments" ones only when
# the server rejected COMMENT ON).
sed_for() {
  _tab=$(printf '\t')
  while IFS="$_tab" read -r glob expr reason; do
    case $glob in ''|'#'*) continue ;; esac
    case $glob in
      comments:*) [ -e "$work/sh.out.comments" ] || continue; glob=${glob#comments:} ;;
    esac
    glob=$(printf '%s' "$glob" | sed 's/\\/\\\\/g')   # a backslash in the glob is literal
    # shellcheck disable=SC2254
    case $1 in $glob) printf '%s\n' "$expr" ;; esac
  done <"$here/differences.txt"
}

pass=0; fail=0
if [ -e "$work/sh.out.comments" ]; then
  echo "SKIP psql_describe.comments (server rejects COMMENT ON: \"this statement is not supported yet\"; descriptions not compared)"
fi
for f in "$work"/exp/*; do
  n=$(basename "$f")
  cmd=$(head -1 "$f" | sed 's/^== //')
  name="psql_describe.${n}_$(printf '%s' "$cmd" | tr -c 'A-Za-z0-9+_\n' '_')"
  sed_for "$cmd" >"$work/sed.$n"
  sed -E -f "$work/sed.$n" "$f" >"$work/exp.$n"
  if [ -e "$work/got/$n" ]; then sed -E -f "$work/sed.$n" "$work/got/$n" >"$work/got.$n"; else : >"$work/got.$n"; fi
  if diff -u "$work/exp.$n" "$work/got.$n" >"$work/diff.$n"; then
    echo "PASS $name"; pass=$((pass + 1))
  else
    echo "FAIL $name"; sed -n '3,40s/^/    /p' "$work/diff.$n"; fail=$((fail + 1))
  fi
done
if [ -n "${SHALE_PSQL_KEEP:-}" ]; then mkdir -p "$SHALE_PSQL_KEEP" && cp -r "$work"/* "$SHALE_PSQL_KEEP"/; fi
echo "psql_describe: $pass passed, $fail failed"
[ "$fail" = 0 ]
