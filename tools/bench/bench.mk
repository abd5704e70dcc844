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

# vector_bench: recall and queries/s of HNSW vector search on any server through libpq
# (docs/benchmarks.md, "Vector search"); vector_bench.sh runs it against ShaleDB and
# PostgreSQL + pgvector side by side. Not run by make check.
noinst_PROGRAMS += tools/bench/vector_bench
tools_bench_vector_bench_SOURCES = tools/bench/vector_bench.h tools/bench/vector_bench.c \
	tools/bench/vector_bench_data.c
tools_bench_vector_bench_CPPFLAGS = $(AM_CPPFLAGS) $(LIBPQ_CFLAGS)
tools_bench_vector_bench_LDADD = $(LIBPQ_LIBS) -lpthread -lm
EXTRA_DIST += tools/bench/vector_bench.sh tools/bench/pgvector_setup.sh docs/vector-bench.png

# its smoke test: a tiny run against ShaleDB (~2 s)
TESTS += tests/bench/vector_bench_smoke.sh
EXTRA_DIST += tests/bench/vector_bench_smoke.sh
