# sql/obs.mk -- observability (docs/observability.md): the metric list shared by the
# shale_stats view and the Prometheus /metrics endpoint (src/server/metrics_http.c), and their tests.
libshale_a_SOURCES += sql/obs.h sql/obs.c
dist_doc_DATA += docs/observability.md

# The endpoint's parsing and formatting (the file is also part of the shaledb binary).
check_PROGRAMS += tests/unit/metrics_http_test
TESTS += tests/unit/metrics_http_test
tests_unit_metrics_http_test_SOURCES = tests/unit/metrics_http_test.c src/server/metrics_http.c \
	src/server/metrics_http.h tests/harness/test.h

# pg_stat_statements (per-statement statistics) and pg_sleep*.
libshale_a_SOURCES += sql/pgss.h sql/pgss.c sql/pg_sleep.h sql/pg_sleep.c
