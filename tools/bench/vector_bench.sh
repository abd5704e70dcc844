#!/bin/sh
# tools/bench/vector_bench.sh -- the vector search benchmark of docs/benchmarks.md: starts a
# fresh ShaleDB and a scratch PostgreSQL 15 cluster with pgvector, runs one
# tools/bench/vector_bench against both (it loads and indexes them in turn, then alternates
# between them within every timed repeat, so both see the same machine load), prints the
# ShaleDB/pgvector ratios and draws recall (x) vs queries/s (y, log) for every server into a
# PNG with gnuplot.
# Not run by make check.
#
# Usage: tools/bench/vector_bench.sh [SHALEDB_BINARY] [vector_bench options...]
#   SHALEDB_BINARY defaults to ./shaledb (run from the build directory); the options go to
#   every vector_bench run, e.g. --rows=10000 --queries=100 for a quick run.
# Environment:
#   SERVERS   which servers, in load order (default "pgvector shaledb"; at most two)
#   VBENCH    the vector_bench binary (default: tools/bench/vector_bench next to SHALEDB_BINARY)
#   PGBIN     PostgreSQL 15 binaries (default /usr/lib/postgresql/15/bin)
#   OUT       results directory (default ./vector-bench-results/<UTC date-time>)
#   PLOT      the PNG to write (default docs/vector-bench.png of this source tree)
#   PG_SHARED_BUFFERS / PG_MAINTENANCE_WORK_MEM   (default 1GB / 1GB)
# pgvector is not packaged for Debian 12: build it once with tools/bench/pgvector_setup.sh.
set -eu
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
SHALEDB=./shaledb
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then SHALEDB=$1; shift; fi
VBENCH=${VBENCH:-$(dirname "$SHALEDB")/tools/bench/vector_bench}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
SERVERS=${SERVERS:-pgvector shaledb}
OUT=${OUT:-./vector-bench-results/$(date -u +%Y%m%d-%H%M%S)}
PLOT=${PLOT:-$SRCDIR/docs/vector-bench.png}
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-1GB}
PG_MAINTENANCE_WORK_MEM=${PG_MAINTENANCE_WORK_MEM:-1GB}
[ -x "$VBENCH" ] || { echo "vector_bench binary not found at $VBENCH (make tools/bench/vector_bench, or set VBENCH)" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

TMP=$(mktemp -d /tmp/vector_bench.XXXXXX)
chmod 755 "$TMP"
SPID=""; PGDATA_DIR=""
AS=""; PGUSER_NAME=$(id -un)
if [ "$(id -u)" = 0 ]; then AS="runuser -u postgres --"; PGUSER_NAME=postgres; fi
stop_servers() {
  if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""; fi
  if [ -n "$PGDATA_DIR" ]; then $AS "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true; PGDATA_DIR=""; fi
}
cleanup() { stop_servers; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { # port
  i=0
  while [ $i -lt 300 ]; do
    pg_isready -q -h 127.0.0.1 -p "$1" >/dev/null 2>&1 && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

start_shaledb() {
  [ -x "$SHALEDB" ] || { echo "no ShaleDB binary at $SHALEDB" >&2; return 1; }
  port=$(free_port)
  "$SHALEDB" -D "$TMP/shale" -p "$port" --listen 127.0.0.1 >"$OUT/shaledb.log" 2>&1 &
  SPID=$!
  wait_ready "$port" || { echo "shaledb did not start (log: $OUT/shaledb.log)" >&2; return 1; }
  CONN="host=127.0.0.1 port=$port user=$(id -un) dbname=postgres"
  SETTINGS="defaults"
}

start_pgvector() {
  [ -x "$PGBIN/initdb" ] || { echo "PostgreSQL 15 not found in $PGBIN" >&2; return 1; }
  if [ ! -f "$("$PGBIN/pg_config" --sharedir 2>/dev/null || echo /usr/share/postgresql/15)/extension/vector.control" ]; then
    echo "pgvector is not installed: get its source (git clone https://github.com/pgvector/pgvector)" >&2
    echo "and run tools/bench/pgvector_setup.sh SOURCE_DIR; skipping the pgvector server" >&2
    return 1
  fi
  mkdir -p "$TMP/pg"; [ -n "$AS" ] && chown postgres "$TMP/pg"
  $AS "$PGBIN/initdb" -D "$TMP/pg/data" -U "$PGUSER_NAME" --locale=C.UTF-8 --encoding=UTF8 -A trust >"$OUT/initdb.log" 2>&1
  port=$(free_port)
  SETTINGS="shared_buffers=$PG_SHARED_BUFFERS maintenance_work_mem=$PG_MAINTENANCE_WORK_MEM (others default)"
  $AS "$PGBIN/pg_ctl" -D "$TMP/pg/data" -l "$TMP/pg/postgres.log" -w -t 120 \
    -o "-p $port -k $TMP/pg -c listen_addresses=127.0.0.1 -c shared_buffers=$PG_SHARED_BUFFERS -c maintenance_work_mem=$PG_MAINTENANCE_WORK_MEM" \
    start >/dev/null || { cat "$TMP/pg/postgres.log" >&2; return 1; }
  PGDATA_DIR=$TMP/pg/data
  CONN="host=127.0.0.1 port=$port user=$PGUSER_NAME dbname=postgres"
}

echo "vector_bench.sh: results in $OUT"
LABELS=""; CONNS=""; n=0
for s in $SERVERS; do
  CONN=""
  case $s in
    shaledb) start_shaledb || continue ;;
    pgvector) start_pgvector || continue ;;
    *) echo "unknown server $s (shaledb, pgvector)" >&2; exit 2 ;;
  esac
  echo "$s: $SETTINGS" | tee -a "$OUT/settings.txt"
  LABELS="$LABELS${LABELS:+,}$s"; n=$((n + 1))
  eval "CONN_$n=\$CONN"
done
[ "$n" -gt 0 ] || { echo "no server could be started" >&2; exit 1; }
case $n in
  1) set -- "$@" "$CONN_1" ;;
  2) set -- "$@" "$CONN_1" "$CONN_2" ;;
esac
rc=0
"$VBENCH" --label="$LABELS" --json-dir="$OUT" "$@" | tee "$OUT/vector_bench.txt" || rc=$?
cp "$TMP/pg/postgres.log" "$OUT/postgres.log" 2>/dev/null || true
stop_servers
[ $rc = 0 ] || echo "vector_bench exited $rc" >&2
RAN=""
for s in $(echo "$LABELS" | tr , ' '); do [ -f "$OUT/$s.json" ] && RAN="$RAN $s"; done
[ -n "$RAN" ] || { echo "no server was measured" >&2; exit 1; }

# Ratios, the curves for gnuplot (one .dat per server: recall qps ef), and the plot script.
python3 - "$OUT" $RAN <<'EOF' | tee "$OUT/summary.txt"
import json, math, sys
out, names = sys.argv[1], sys.argv[2:]
res = {n: json.load(open(f"{out}/{n}.json")) for n in names}

def curve(r):
    pts = [(x["recall"], x["qps"], x["ef_search"]) for x in r["runs"]
           if x["variant"] == "plain" and x["clients"] == 1 and not x["exact_scan"] and x["queries"] > 0]
    return sorted(pts)

def run(r, variant, ef, clients=1):
    for x in r["runs"]:
        if x["variant"] == variant and x["clients"] == clients and (x["ef_search"] == ef or x["exact_scan"]):
            return x
    return None

def qps_at(pts, target):
    # log-linear interpolation of queries/s at a recall, on the curve's upper envelope
    for (r0, q0, _), (r1, q1, _) in zip(pts, pts[1:]):
        if r0 <= target <= r1:
            t = 0 if r1 == r0 else (target - r0) / (r1 - r0)
            return math.exp(math.log(q0) + t * (math.log(q1) - math.log(q0)))
    return None

for n in names:
    with open(f"{out}/{n}.dat", "w") as f:
        for rec, q, ef in sorted(curve(res[n]), key=lambda p: p[2]):
            f.write(f"{rec:.4f} {q:.2f} {ef}\n")
    with open(f"{out}/{n}.exact.dat", "w") as f:
        for x in res[n]["runs"]:
            if x["variant"] == "plain" and x["clients"] == 1 and x["exact_scan"] and x["queries"] > 0:
                f.write(f"{x['recall']:.4f} {x['qps']:.2f} {x['queries']}\n")

print()
for n in names:
    bad = [x for x in res[n]["runs"] if x.get("ef_search_rejected")]
    if bad:
        print(f"WARNING: {n} rejected SET hnsw.ef_search: {len(bad)} runs used its default ef_search")
print("server      load s   index build s  index  recall@ef40  QPS@ef40  filter1% rows/q recall   filter10% rows/q recall")
for n in names:
    r = res[n]
    p40 = run(r, "plain", 40); f1 = run(r, "filter_1pct", 40); f10 = run(r, "filter_10pct", 40)
    fmt = lambda x, k, d: (d % x[k]) if x else "-"
    b = r["index_build_seconds"]
    print(f"{n:<10} {r['load_seconds']:7.2f}  {('%.2f' % b) if b is not None else 'none':>13}  "
          f"{'used' if r['index_used'] else 'unknown' if r['index_used'] is None else 'NOT USED':>6}  {fmt(p40,'recall','%.4f'):>11}  {fmt(p40,'qps','%.1f'):>8}"
          f"  {fmt(f1,'rows_per_query','%.2f'):>15} {fmt(f1,'recall','%.4f'):>6}"
          f"  {fmt(f10,'rows_per_query','%.2f'):>16} {fmt(f10,'recall','%.4f'):>6}")
    if r["index_used"] is False:
        print(f"  {n}: NO USABLE INDEX -- its figures are exact scans over {p40['queries'] if p40 else '?'} queries"
              f" ({r['index_error'] or 'plan: ' + r['plan']})")

if "shaledb" in res and "pgvector" in res:
    s, p = res["shaledb"], res["pgvector"]
    def ratio(a, b):
        return f"{a / b:.2f}x" if a and b else "n/a"
    print()
    print("ShaleDB / pgvector ratios (times: < 1 is faster; QPS: > 1 is faster)")
    print(f"  load time (COPY)         {ratio(s['load_seconds'], p['load_seconds'])}")
    print(f"  index build time         {ratio(s['index_build_seconds'], p['index_build_seconds'])}")
    s40, p40 = run(s, "plain", 40), run(p, "plain", 40)
    if s["index_used"] is not False and s40 and p40 and not s40["exact_scan"]:
        print(f"  QPS at ef_search 40      {ratio(s40['qps'], p40['qps'])}  (recall {s40['recall']:.4f} vs {p40['recall']:.4f})")
        for v in ("filter_1pct", "filter_10pct"):
            a, b = run(s, v, 40), run(p, v, 40)
            if a and b:
                print(f"  QPS {v:<12} ef 40 {ratio(a['qps'], b['qps'])}  (recall {a['recall']:.4f} vs {b['recall']:.4f},"
                      f" rows/q {a['rows_per_query']:.2f} vs {b['rows_per_query']:.2f})")
        cs, cp = curve(s), curve(p)
        lo = max(cs[0][0], cp[0][0]) if cs and cp else 1
        hi = min(cs[-1][0], cp[-1][0]) if cs and cp else 0
        targets = [t for t in (0.80, 0.90, 0.95, 0.99) if lo <= t <= hi] or ([round((lo + hi) / 2, 4)] if lo <= hi else [0.90])
        for target in targets:
            a, b = qps_at(cs, target), qps_at(cp, target)
            print(f"  QPS at equal recall {target:.4g} {ratio(a, b) if a and b else 'n/a (outside a curve)'}"
                  + (f"  ({a:.1f} vs {b:.1f})" if a and b else ""))
    else:
        x = run(s, "plain", 40)
        print(f"  QPS: n/a -- ShaleDB ran exact scans (no usable index): {x['qps'] if x else 0:.1f} QPS at recall"
              f" {x['recall'] if x else 0:.4f} over {x['queries'] if x else 0} queries")
EOF

{
  echo "# generated by tools/bench/vector_bench.sh; run: gnuplot $OUT/vector-bench.gp"
  if gnuplot -e 'set terminal' 2>&1 | grep -q pngcairo; then
    echo "set terminal pngcairo size 900,600 font ',10' noenhanced"
  else
    echo "set terminal png size 900,600 noenhanced"
  fi
  echo "set output '$PLOT'"
  first=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{r['rows']:,} x {r['dim']} ({r['metric']}), {r['queries']:,} queries, k={r['k']}, hnsw m={r['m']} ef_construction={r['ef_construction']}, {r['date'][:10]}\")" "$OUT/$(echo $RAN | cut -d' ' -f1).json")
  printf '%s\n' "set title \"Vector search: recall@10 vs queries/s, 1 client\\n$first\""
  echo "set offsets graph 0.02, graph 0.03, 0, 0"
  echo "set xlabel 'recall@10'"
  echo "set ylabel 'queries/s (log scale)'"
  echo "set logscale y"
  echo "set grid"
  echo "set key bottom left"
  printf "plot "
  sep=""
  for s in $RAN; do
    if [ -s "$OUT/$s.dat" ]; then
      printf "%s'%s' using 1:2 with linespoints lw 2 pt 7 title '%s (hnsw)', '%s' using 1:2:(sprintf('ef %%d', \$3)) with labels offset 0,1 font ',8' notitle" \
        "$sep" "$OUT/$s.dat" "$s" "$OUT/$s.dat"
      sep=", "
    fi
    if [ -s "$OUT/$s.exact.dat" ]; then
      printf "%s'%s' using 1:2 with points pt 5 ps 1.5 title '%s: exact scan, no usable index'" "$sep" "$OUT/$s.exact.dat" "$s"
      sep=", "
    fi
  done
  echo
} >"$OUT/vector-bench.gp"
if command -v gnuplot >/dev/null 2>&1; then
  gnuplot "$OUT/vector-bench.gp" && echo "plot written to $PLOT"
else
  echo "gnuplot not found: apt-get install gnuplot-nox, then run: gnuplot $OUT/vector-bench.gp (writes $PLOT)"
fi
