#!/bin/sh
# tests/clients/psql/psql_complete.sh -- psql 15's tab completion against ShaleDB: an
# interactive psql runs in a detached tmux session (a real pty with readline); the test
# types a partial statement, presses TAB and reads the screen. psql completes from the
# catalog queries it sends (pg_class/pg_attribute/pg_proc with quote_ident, substring,
# pg_table_is_visible ...): a query the server rejects shows as no completion, so each case
# checks the completed line, whose expected text is what psql 15 completes against
# PostgreSQL 15 for the same schema. (ShaleDB does not log failed statements, so the
# screen, not the server log, is the witness.)
#   PASS psql_complete.<case> / FAIL psql_complete.<case> (expected / screen line)
#   psql_complete: N passed, M failed
# Exit 0 when nothing FAILed, 1 otherwise, 77 skipped (no tmux, psql or server binary).
#   SHALE_TEST_SERVER=postgres   run against a scratch PostgreSQL 15 instead (must pass)
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$top/tests/lib/pgserver.sh"
skip() { echo "SKIP psql_complete.all ($1)"; echo "psql_complete: 0 passed, 0 failed"; exit 77; }
command -v tmux >/dev/null 2>&1 || skip "tmux not installed"
psql_bin=$(command -v psql || true)
[ -n "$psql_bin" ] || skip "psql not installed"
bin=${SHALEDB:-shaledb}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
work=$(mktemp -d "${TMPDIR:-/tmp}/psql_complete.XXXXXX") || exit 1
sock=$work/tmux.sock
sess=psqlc$$
trap 'tmux -S "$sock" kill-server 2>/dev/null; pgserver_stop; rm -rf "$work"' EXIT INT TERM
if [ "${SHALE_TEST_SERVER:-shaledb}" = postgres ]; then
  pgserver_start_postgres "$work/pg" || exit 1
else
  [ -x "$bin" ] || skip "no server binary $bin"
  pgserver_start_shaledb "$bin" "$work/sh" || { echo "FAIL psql_complete.start"; echo "psql_complete: 0 passed, 1 failed"; exit 1; }
fi
"$psql_bin" "$PGSERVER_CONN" -X -q -c "CREATE TABLE tab_alpha (name_first text, name_last text, qty int)" \
  -c "CREATE TABLE tab_beta (id int PRIMARY KEY, nickname text)" -c "CREATE VIEW zview_only AS SELECT 1 AS one" \
  >"$work/setup.log" 2>&1 || { echo "FAIL psql_complete.setup"; cat "$work/setup.log"; echo "psql_complete: 0 passed, 1 failed"; exit 1; }

# psql with readline on a 200x50 pty; HOME points at the work dir so no ~/.psqlrc or history leaks in.
HOME=$work TERM=xterm tmux -S "$sock" new-session -d -s "$sess" -x 200 -y 50 \
  "env PGTZ=UTC INPUTRC=/dev/null '$psql_bin' -X '$PGSERVER_CONN'" || skip "tmux could not start a session"

# The last non-empty screen line (the prompt line being edited).
screen_line() {
  tmux -S "$sock" capture-pane -p -t "$sess" | awk 'NF {l = $0} END {print l}' | sed 's/[[:space:]]*$//'
}
# Waits (up to ~5 s) for the prompt line to end with $1.
wait_line() {
  _i=0
  while [ $_i -lt 50 ]; do
    case "$(screen_line)" in *"$1") return 0 ;; esac
    sleep 0.1; _i=$((_i + 1))
  done
  return 1
}
wait_line "postgres=#" || { echo "FAIL psql_complete.prompt (psql did not start)"; tmux -S "$sock" capture-pane -p -t "$sess"; echo "psql_complete: 0 passed, 1 failed"; exit 1; }

pass=0; fail=0
# check NAME TYPED EXPECTED: types TYPED, presses TAB, expects the prompt line (trailing blanks
# trimmed) to end with EXPECTED.
check() {
  tmux -S "$sock" send-keys -t "$sess" -l "$2"
  tmux -S "$sock" send-keys -t "$sess" Tab
  if wait_line "$3"; then
    echo "PASS psql_complete.$1"; pass=$((pass + 1))
  else
    echo "FAIL psql_complete.$1 (expected the line to end with '$3', screen: '$(screen_line)')"; fail=$((fail + 1))
  fi
  tmux -S "$sock" send-keys -t "$sess" C-c          # abandon the line
  wait_line "postgres=#" || sleep 0.5
}
check table_from       "SELECT * FROM tab_al"          "SELECT * FROM tab_alpha"
check table_unique     "SELECT * FROM tab_b"           "SELECT * FROM tab_beta"
check view_from        "SELECT * FROM zvi"             "SELECT * FROM zview_only"
check table_describe   '\d tab_be'                     '\d tab_beta'
check insert_into      "INSERT INTO tab_a"             "INSERT INTO tab_alpha"
check update_set_col   "UPDATE tab_alpha SET name_f"   "UPDATE tab_alpha SET name_first"
check insert_cols      "INSERT INTO tab_beta (nick"    "INSERT INTO tab_beta (nickname"
check where_column     "SELECT * FROM tab_alpha WHERE name_l" "SELECT * FROM tab_alpha WHERE name_last"
check alter_column     "ALTER TABLE tab_alpha ALTER COLUMN qt" "ALTER TABLE tab_alpha ALTER COLUMN qty"
check drop_table       "DROP TABLE tab_al"             "DROP TABLE tab_alpha"
# Finally the session must still work (no completion query broke it).
tmux -S "$sock" send-keys -t "$sess" -l "SELECT count(*) AS ok_rows FROM tab_alpha;"
tmux -S "$sock" send-keys -t "$sess" Enter
sleep 0.5
if tmux -S "$sock" capture-pane -p -t "$sess" | grep -q "ok_rows"; then
  echo "PASS psql_complete.session_alive"; pass=$((pass + 1))
else
  echo "FAIL psql_complete.session_alive"; tmux -S "$sock" capture-pane -p -t "$sess" | tail -5; fail=$((fail + 1))
fi
echo "psql_complete: $pass passed, $fail failed"
[ "$fail" = 0 ]
