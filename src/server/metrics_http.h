/* metrics_http.h -- the Prometheus /metrics endpoint (docs/observability.md): a minimal
 * HTTP/1.1 server on its own port (setting metrics_port; 0 = off) run by one thread with
 * poll(), serving GET /metrics as the Prometheus text format 0.0.4 from obs_collect
 * (sql/obs.h). Every response closes the connection (Connection: close).
 *
 * Limits: a request (request line + headers) of at most METRICS_HTTP_MAX_REQUEST bytes,
 * read within METRICS_HTTP_TIMEOUT_MS of the accept (the whole connection, response
 * included, must end by then too), at most METRICS_HTTP_MAX_CLIENTS at once (more wait in
 * the listen backlog). Sockets are non-blocking: a slow or hostile client costs one slot,
 * never the thread. The thread never touches a session: collecting takes only the short
 * locks obs_collect documents, so SQL work is never blocked by a scrape. */
#ifndef SHALE_SERVER_METRICS_HTTP_H
#define SHALE_SERVER_METRICS_HTTP_H

#include <stddef.h>

#include "sql/obs.h"
#include "sql/sql.h"
#include "util/buf.h"

#define METRICS_HTTP_MAX_REQUEST 8192
#define METRICS_HTTP_TIMEOUT_MS 5000
#define METRICS_HTTP_MAX_CLIENTS 16

typedef struct MetricsServer MetricsServer;

/* Listens on port at every address of the comma-separated list ('*' = all IPv4 and IPv6)
 * and starts the thread. eng is borrowed and must outlive metrics_server_stop. Returns 0
 * with *out set (free with metrics_server_stop), or -1 after logging why. */
int metrics_server_start(SqlEngine *eng, const char *listen_addresses, int port, MetricsServer **out);
/* Stops the thread, closes every socket and frees m (NULL is fine). */
void metrics_server_stop(MetricsServer *m);

/* ---- pure parts (unit-tested) ---------------------------------------------------------- */

/* Parses the request in buf[0..n): returns 0 while incomplete (no blank line yet and n <=
 * METRICS_HTTP_MAX_REQUEST), else the HTTP status to answer: 200 (GET or HEAD of /metrics,
 * a query string ignored; *head says HEAD), 404 (another path), 405 (another method), 400
 * (malformed: bad request line, version other than HTTP/1.0 or 1.1, control bytes, a
 * header line without ':', or no end of headers within the size limit). */
int metrics_http_parse(const char *buf, size_t n, int *head);

/* Appends one sample in the text format to out: "# HELP"/"# TYPE" lines first when
 * m->name differs from prev_name (NULL = none), then `shaledb_<name>{label="v"} value`. */
void metrics_format_sample(const ObsMetric *m, const char *prev_name, ShaleBuf *out);

/* Appends a whole response (status line, headers, body) for status to out; body is the
 * exposition for 200 (not sent for HEAD), a short text otherwise. */
void metrics_http_response(int status, int head, const ShaleBuf *body, ShaleBuf *out);

#endif
