/* e2e_obs_test.c -- observability end to end (docs/observability.md): the shale_stats view
 * through libpq and the Prometheus /metrics endpoint over a plain socket, on a real server
 * started with metrics_port set: values move with the work done, both agree on names, and
 * malformed, oversized or slow HTTP requests get 400 (or are dropped) while the server keeps
 * serving both SQL and metrics. shaledb only (no oracle mode: PostgreSQL has neither). */
#include <stdlib.h>
#include <string.h>

#include "tests/harness/test.h"
#include "tests/e2e/e2e_util.h"

static int metrics_port;

/* Sends req raw and reads the whole response (the server closes). Returns bytes read. */
static size_t http_raw(const char *req, size_t n, char *out, size_t cap)
{
    int fd = wire_raw_connect(metrics_port);
    if (fd < 0)
        return 0;
    (void)wire_raw_send(fd, req, n);
    bool closed;
    size_t got = wire_raw_read_all(fd, out, cap - 1, 10000, &closed);
    out[got] = 0;
    close(fd);
    return got;
}

static size_t http_get(const char *path, char *out, size_t cap)
{
    char req[256];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    return http_raw(req, (size_t)n, out, cap);
}

/* The value of the sample line starting with `name ` (or `name{...} ` when name has the
 * labels) in a Prometheus body, -1 if absent. */
static double metric_value(const char *body, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = body; (p = strstr(p, name)) != NULL; p += n) {
        if ((p == body || p[-1] == '\n') && p[n] == ' ')
            return atof(p + n + 1);
    }
    return -1;
}

static double stat_value(PGconn *c, const char *name, const char *labels)
{
    char sql[256], buf[64];
    snprintf(sql, sizeof sql, "SELECT value FROM shale_stats WHERE name = '%s' AND labels %s", name,
             labels ? labels : "IS NULL");
    const char *v = e2e_query(c, sql, buf, sizeof buf);
    return v && *v ? atof(v) : -1;
}

static char body[1 << 17];

#define METRICS_IDLE 20

TEST(shale_stats_moves)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    E2E_EXEC(c, "CREATE TABLE obs_t (id int PRIMARY KEY, v text)");
    double commits0 = stat_value(c, "xact_commit_total", NULL);
    double wal0 = stat_value(c, "wal_bytes_total", NULL);
    double syncs0 = stat_value(c, "wal_syncs_total", NULL);
    CHECK(commits0 >= 1);
    for (int i = 0; i < 20; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "INSERT INTO obs_t SELECT g, repeat('x', 100) FROM generate_series(%d, %d) g",
                 i * 100 + 1, i * 100 + 100);
        E2E_EXEC(c, sql);
    }
    CHECK(stat_value(c, "xact_commit_total", NULL) >= commits0 + 20);
    CHECK(stat_value(c, "wal_bytes_total", NULL) > wal0 + 20 * 100 * 100);
    CHECK(stat_value(c, "wal_syncs_total", NULL) >= syncs0 + 20);
    CHECK(stat_value(c, "connections", NULL) >= 1);
    CHECK(stat_value(c, "lsm_level_files", "= 'level=0'") >= 0);
    CHECK(stat_value(c, "memtable_bytes", NULL) > 0);
    double ratio = stat_value(c, "block_cache_hit_ratio", NULL);
    CHECK(ratio >= 0 && ratio <= 1);
    /* rollbacks and failed statements */
    double rb0 = stat_value(c, "xact_rollback_total", NULL), err0 = stat_value(c, "statement_errors_total", NULL);
    E2E_EXEC(c, "BEGIN; INSERT INTO obs_t VALUES (-1, 'a'); ROLLBACK");
    PQclear(PQexec(c, "INSERT INTO obs_t VALUES (1, 'dup')"));
    CHECK(stat_value(c, "xact_rollback_total", NULL) >= rb0 + 2);
    CHECK(stat_value(c, "statement_errors_total", NULL) >= err0 + 1);
    /* a checkpoint (what BASE_BACKUP / shalectl backup take) */
    double ck0 = stat_value(c, "checkpoints_total", NULL);
    PQclear(PQexec(c, "CHECKPOINT"));
    char buf[64];
    CHECK_STR(e2e_query(c, "SELECT count(*) FROM shale_stats WHERE type NOT IN ('counter', 'gauge')", buf, sizeof buf),
              "0");
    CHECK_STR(e2e_query(c, "SELECT count(DISTINCT name) >= 40 FROM pg_catalog.shale_stats", buf, sizeof buf), "t");
    CHECK(stat_value(c, "checkpoints_total", NULL) >= ck0);
    /* read-only: a view */
    PGresult *r = PQexec(c, "DELETE FROM shale_stats");
    CHECK(PQresultStatus(r) == PGRES_FATAL_ERROR);
    PQclear(r);
    PQfinish(c);
}

TEST(deadlock_is_counted)
{
    PGconn *a = e2e_connect(NULL), *b = e2e_connect(NULL);
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    E2E_EXEC(a, "CREATE TABLE obs_dl (id int PRIMARY KEY, v int); INSERT INTO obs_dl VALUES (1, 0), (2, 0)");
    double d0 = stat_value(a, "deadlocks_total", NULL);
    E2E_EXEC(a, "BEGIN; UPDATE obs_dl SET v = 1 WHERE id = 1");
    E2E_EXEC(b, "BEGIN; UPDATE obs_dl SET v = 1 WHERE id = 2");
    REQUIRE(PQsendQuery(a, "UPDATE obs_dl SET v = 2 WHERE id = 2"));
    wire_sleep_ms(200);
    PGresult *rb = PQexec(b, "UPDATE obs_dl SET v = 2 WHERE id = 1");
    PGresult *ra;
    bool deadlock = PQresultStatus(rb) == PGRES_FATAL_ERROR;
    while ((ra = PQgetResult(a)) != NULL) {
        deadlock |= PQresultStatus(ra) == PGRES_FATAL_ERROR;
        PQclear(ra);
    }
    PQclear(rb);
    CHECK(deadlock);
    PQclear(PQexec(a, "ROLLBACK"));
    PQclear(PQexec(b, "ROLLBACK"));
    CHECK(stat_value(a, "deadlocks_total", NULL) >= d0 + 1);
    PQfinish(a);
    PQfinish(b);
}

TEST(metrics_endpoint)
{
    size_t n = http_get("/metrics", body, sizeof body);
    REQUIRE(n > 0);
    CHECK(!strncmp(body, "HTTP/1.1 200 OK\r\n", 17));
    CHECK(strstr(body, "Content-Type: text/plain; version=0.0.4") != NULL);
    const char *b = strstr(body, "\r\n\r\n");
    REQUIRE(b != NULL);
    b += 4;
    CHECK(strstr(b, "# TYPE shaledb_xact_commit_total counter\n") != NULL);
    CHECK(strstr(b, "# TYPE shaledb_memtable_bytes gauge\n") != NULL);
    CHECK(strstr(b, "# HELP shaledb_wal_bytes_total ") != NULL);
    CHECK(strstr(b, "shaledb_lsm_level_files{level=\"0\"} ") != NULL);
    double c0 = metric_value(b, "shaledb_xact_commit_total");
    double w0 = metric_value(b, "shaledb_wal_bytes_total");
    CHECK(c0 >= 1 && w0 > 0);
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    E2E_EXEC(c, "CREATE TABLE obs_m (id int PRIMARY KEY)");
    E2E_EXEC(c, "INSERT INTO obs_m SELECT generate_series(1, 500)");
    n = http_get("/metrics", body, sizeof body);
    b = strstr(body, "\r\n\r\n");
    REQUIRE(b != NULL);
    b += 4;
    CHECK(metric_value(b, "shaledb_xact_commit_total") >= c0 + 2);
    CHECK(metric_value(b, "shaledb_wal_bytes_total") > w0);
    CHECK(metric_value(b, "shaledb_connections") >= 1);
    /* every sample line is name[{labels}] value, and every name has TYPE */
    int lines = 0, bad = 0;
    for (const char *p = b; *p; ) {
        const char *e = strchr(p, '\n');
        if (!e)
            break;
        if (*p != '#') {
            lines++;
            bool ok = !strncmp(p, "shaledb_", 8) && memchr(p, ' ', (size_t)(e - p));
            if (!ok)
                printf("  bad line: %.*s\n", (int)(e - p), p);
            bad += !ok;
        }
        p = e + 1;
    }
    CHECK(lines >= 40);
    CHECK_EQ_INT(bad, 0);
    /* HEAD: headers only */
    n = http_raw("HEAD /metrics HTTP/1.1\r\n\r\n", 26, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 200 OK\r\n", 17));
    CHECK(strstr(body, "shaledb_") == NULL);
    PQfinish(c);
}

TEST(bad_requests_and_still_serving)
{
    http_get("/nope", body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 404 ", 13));
    http_raw("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 45, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 405 ", 13));
    http_raw("garbage\r\n\r\n", 11, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 400 ", 13));
    http_raw("GET /metrics HTTP/9.9\r\n\r\n", 25, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 400 ", 13));
    /* oversized: 64 KiB of header without an end */
    static char big[65536];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /metrics HTTP/1.1\r\nX-Big: ", 30);
    http_raw(big, sizeof big, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 400 ", 13));
    /* binary junk */
    char junk[512];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 37 + 11);
    http_raw(junk, sizeof junk, body, sizeof body);
    CHECK(!strncmp(body, "HTTP/1.1 400 ", 13));
    /* idle clients holding every slot (and more in the backlog) do not stop the SQL side;
     * the endpoint serves again once their time limit drops them */
    int idle[METRICS_IDLE];
    for (int i = 0; i < METRICS_IDLE; i++)
        idle[i] = wire_raw_connect(metrics_port);
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char buf[32];
    int64_t t0 = wire_now_ms();
    CHECK_STR(e2e_query(c, "SELECT 1 + 1", buf, sizeof buf), "2");
    CHECK(wire_now_ms() - t0 < 2000);
    size_t n = http_get("/metrics", body, sizeof body);
    CHECK(n > 0 && !strncmp(body, "HTTP/1.1 200 OK\r\n", 17));
    for (int i = 0; i < METRICS_IDLE; i++)
        if (idle[i] >= 0)
            close(idle[i]);
    CHECK_STR(e2e_query(c, "SELECT count(*) > 0 FROM shale_stats", buf, sizeof buf), "t");
    PQfinish(c);
}

/* Starts the server with metrics_port on a free port (the oracle has no such thing). */
static int obs_start(void)
{
    if (getenv("SHALE_E2E_ORACLE_PORT") && *getenv("SHALE_E2E_ORACLE_PORT")) {
        printf("SKIP e2e_obs_test: shale_stats and /metrics are ShaleDB's own\n");
        return 0;
    }
    metrics_port = wire_free_port();
    static char setting[64];
    snprintf(setting, sizeof setting, "metrics_port=%d", metrics_port);
    const char *extra[] = {"-c", setting, NULL};
    if (!e2e_start(extra)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return -1;
    }
    return 1;
}

TEST_MAIN(
    int st = obs_start();
    if (st <= 0)
        return st < 0 ? 1 : 0;
    RUN(shale_stats_moves);
    RUN(deadlock_is_counted);
    RUN(metrics_endpoint);
    RUN(bad_requests_and_still_serving);
    e2e_finish();
)
