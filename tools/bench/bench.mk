# tools/bench/bench.mk -- shale_bench, the storage benchmark comparing ShaleDB with LevelDB
# (docs/benchmarks.md), and its smoke test. The LevelDB half is compiled only when configure
# found LevelDB; without it the program benchmarks ShaleDB alone.
noinst_PROGRAMS += tools/bench/shale_bench
tools_bench_shale_bench_SOURCES = \
	tools/bench/bench.h \
	tools/bench/bench_main.c \
	tools/bench/bench_run.c \
	tools/bench/bench_workload.c \
	tools/bench/bench_hist.c \
	tools/bench/bench_shale.c
if HAVE_LEVELDB
tools_bench_shale_bench_SOURCES += tools/bench/bench_leveldb.c
endif
tools_bench_shale_bench_LDADD = $(LDADD) $(LEVELDB_LIBS)

TESTS += tools/bench/bench_smoke.sh
EXTRA_DIST += tools/bench/bench_smoke.sh tools/bench/run.sh

# embed_bench: embedding-job throughput and latency over the wire (libpq; docs/benchmarks.md)
noinst_PROGRAMS += tools/bench/embed_bench
tools_bench_embed_bench_SOURCES = tools/bench/embed_bench.c
tools_bench_embed_bench_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS)
tools_bench_embed_bench_LDADD = $(LIBPQ_LIBS)
