# sql/obs.mk -- observability (docs/observability.md): the metric list shared by the
# shale_stats view and the Prometheus /metrics endpoint (src/server/metrics_http.c), and their tests.
libshale_a_SOURCES += sql/obs.h sql/obs.c
dist_doc_DATA += docs/observability.md
