/* e2e_pgss_test.c -- pg_stat_statements and pg_sleep end to end (docs/observability.md):
 * statements counted per normalised text (constants -> $n, extended-protocol $n kept,
 * EXECUTE under its PREPARE), calls and rows summed, reset, pg_stat_statements.track = none,
 * other users' texts masked for non-superusers; pg_sleep* durations and their cancellation by
 * statement_timeout and PQcancel (57014). The expectations were checked against PostgreSQL 15
 * with shared_preload_libraries = pg_stat_statements (oracle mode). */
#include <stdlib.h>
#include <string.h>

#include "tests/harness/test.h"
#include "tests/e2e/e2e_util.h"

/* This database's entries whose text mentions pgss_t (not the queries reading the view). */
#define MINE "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) " \
             "AND query LIKE '%pgss_t%' AND query NOT LIKE '%pg_stat_statements%'"

static PGconn *super_conn(void)
{
    PGconn *c = e2e_connect(NULL);
    if (PQstatus(c) != CONNECTION_OK)
        printf("  connect: %s", PQerrorMessage(c));
    return c;
}

TEST(counts_and_normalises)
{
    PGconn *c = super_conn();
    REQUIRE_EXEC(c, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    REQUIRE_EXEC(c, "DROP TABLE IF EXISTS pgss_t");
    REQUIRE_EXEC(c, "CREATE TABLE pgss_t(a int, b text)");
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    REQUIRE_EXEC(c, "INSERT INTO pgss_t VALUES (1, 'x'), (2, 'y')");
    REQUIRE_EXEC(c, "INSERT INTO pgss_t VALUES (3, 'z'), (4, 'w')");
    REQUIRE_EXEC(c, "SELECT a FROM pgss_t WHERE a = 1");
    REQUIRE_EXEC(c, "select a   from pgss_t where a = -7");  /* same statement in PostgreSQL's eyes */
    REQUIRE_EXEC(c, "SELECT a FROM pgss_t WHERE a > 1 ORDER BY 1 LIMIT 2");
    REQUIRE_EXEC(c, "UPDATE pgss_t SET b = 'q' WHERE a <= 2");
    REQUIRE_EXEC(c, "UPDATE pgss_t SET b = 'r' WHERE a <= 3");
    REQUIRE_EXEC(c, "SELECT 'a'::varchar(10), interval '1 day', true, NULL, a - 1 FROM pgss_t WHERE b IS NOT NULL");
    CHECK_QUERY(c, "SELECT calls, rows, query, toplevel " MINE " ORDER BY query COLLATE \"C\"",
                "2|4|INSERT INTO pgss_t VALUES ($1, $2), ($3, $4)|t;"
                "1|4|SELECT $1::varchar(10), interval $2, $3, $4, a - $5 FROM pgss_t WHERE b IS NOT NULL|t;"
                "2|1|SELECT a FROM pgss_t WHERE a = $1|t;"
                "1|2|SELECT a FROM pgss_t WHERE a > $1 ORDER BY 1 LIMIT $2|t;"
                "2|5|UPDATE pgss_t SET b = $1 WHERE a <= $2|t");
    /* timings: ms, min <= mean <= max, total = mean * calls */
    CHECK_QUERY(c, "SELECT min_exec_time >= 0, min_exec_time <= mean_exec_time, mean_exec_time <= max_exec_time, "
                   "abs(total_exec_time - mean_exec_time * calls) < 0.001, stddev_exec_time >= 0, queryid <> 0, "
                   "plans, shared_blks_hit >= 0, wal_bytes >= 0 " MINE " AND query LIKE 'UPDATE%'",
                "t|t|t|t|t|t|0|t|t");
    /* utility statements keep their text; PREPARE/EXECUTE count under the PREPARE text */
    REQUIRE_EXEC(c, "PREPARE pgss_q(int) AS SELECT a FROM pgss_t WHERE a = $1 AND b <> 'zz'");
    REQUIRE_EXEC(c, "EXECUTE pgss_q(1)");
    REQUIRE_EXEC(c, "EXECUTE pgss_q(3)");
    REQUIRE_EXEC(c, "DEALLOCATE pgss_q");
    REQUIRE_EXEC(c, "ALTER TABLE pgss_t ADD COLUMN c int DEFAULT 5");
    CHECK_QUERY(c, "SELECT calls, rows, query " MINE " AND (query LIKE 'PREPARE%' OR query LIKE 'ALTER%') "
                   "ORDER BY query COLLATE \"C\"",
                "1|0|ALTER TABLE pgss_t ADD COLUMN c int DEFAULT 5;"
                "2|2|PREPARE pgss_q(int) AS SELECT a FROM pgss_t WHERE a = $1 AND b <> $2");
    /* the extended protocol keeps its parameters and numbers constants after them */
    const char *vals[1] = {"2"};
    for (int i = 0; i < 3; i++)
        PQclear(PQexecParams(c, "SELECT b FROM pgss_t WHERE a = $1 AND c = 5 ;", 1, NULL, vals, NULL, NULL, 0));
    PGresult *r = PQprepare(c, "pgss_s", "SELECT count(*) FROM pgss_t WHERE a >= $1", 1, NULL);
    PQclear(r);
    for (int i = 0; i < 2; i++)
        PQclear(PQexecPrepared(c, "pgss_s", 1, vals, NULL, NULL, 0));
    CHECK_QUERY(c, "SELECT calls, rows, query " MINE " AND (query LIKE 'SELECT b FROM pgss_t WHERE a = $1 AND c%' OR query LIKE '%count(*)%') "
                   "ORDER BY query COLLATE \"C\"",
                "3|3|SELECT b FROM pgss_t WHERE a = $1 AND c = $2;"
                "2|2|SELECT count(*) FROM pgss_t WHERE a >= $1");
    PQfinish(c);
}

TEST(reset_and_track_none)
{
    PGconn *c = super_conn();
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    CHECK_QUERY(c, "SELECT count(*) " MINE, "0");
    REQUIRE_EXEC(c, "SET pg_stat_statements.track = none");
    REQUIRE_EXEC(c, "SELECT a FROM pgss_t WHERE a = 1");
    REQUIRE_EXEC(c, "SET pg_stat_statements.track = top");
    CHECK_QUERY(c, "SELECT count(*) " MINE, "0");
    REQUIRE_EXEC(c, "SELECT b FROM pgss_t WHERE a = 2");
    CHECK_QUERY(c, "SELECT calls, query " MINE, "1|SELECT b FROM pgss_t WHERE a = $1");
    CHECK_ERROR(c, "SET pg_stat_statements.track = sometimes", "22023",
                "invalid value for parameter \"pg_stat_statements.track\": \"sometimes\"");
    CHECK_QUERY(c, "SHOW pg_stat_statements.track", "top");
    PQfinish(c);
}

TEST(other_users_texts_are_masked)
{
    PGconn *c = super_conn();
    REQUIRE_EXEC(c, "DROP ROLE IF EXISTS pgss_alice");
    REQUIRE_EXEC(c, "DROP ROLE IF EXISTS pgss_bob");
    REQUIRE_EXEC(c, "CREATE ROLE pgss_alice LOGIN");
    REQUIRE_EXEC(c, "CREATE ROLE pgss_bob LOGIN");
    REQUIRE_EXEC(c, "GRANT SELECT ON pgss_t TO pgss_alice, pgss_bob");
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    PGconn *a = e2e_connect("user=pgss_alice");
    PGconn *b = e2e_connect("user=pgss_bob");
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    REQUIRE_EXEC(a, "SELECT a FROM pgss_t WHERE a = 42");
    REQUIRE_EXEC(b, "SELECT b FROM pgss_t WHERE a = 43");
    /* alice's own text; bob's masked, queryid NULL (every role may read the view) */
    CHECK_QUERY(a, "SELECT calls, queryid IS NULL, query " MINE " OR (query = '<insufficient privilege>' AND userid = "
                   "(SELECT oid FROM pg_roles WHERE rolname = 'pgss_bob')) ORDER BY 3",
                "1|t|<insufficient privilege>;1|f|SELECT a FROM pgss_t WHERE a = $1");
    /* the superuser sees both */
    CHECK_QUERY(c, "SELECT query " MINE " ORDER BY 1",
                "SELECT a FROM pgss_t WHERE a = $1;SELECT b FROM pgss_t WHERE a = $1");
    CHECK_ERROR(a, "SELECT pg_stat_statements_reset()", "42501",
                "permission denied for function pg_stat_statements_reset");
    PQfinish(a);
    PQfinish(b);
    REQUIRE_EXEC(c, "REVOKE ALL ON pgss_t FROM pgss_alice, pgss_bob");
    REQUIRE_EXEC(c, "DROP ROLE pgss_alice");
    REQUIRE_EXEC(c, "DROP ROLE pgss_bob");
    PQfinish(c);
}

/* Elapsed ms of sql (its rendered result into buf). */
static int64_t timed(PGconn *c, const char *sql, char *buf, size_t cap)
{
    int64_t t0 = wire_now_ms();
    e2e_query(c, sql, buf, cap);
    return wire_now_ms() - t0;
}

TEST(pg_sleep_durations)
{
    PGconn *c = super_conn();
    char buf[256];
    int64_t ms = timed(c, "SELECT pg_sleep(0.2)", buf, sizeof buf);
    CHECK_STR(buf, "");
    CHECK_MSG(ms >= 195 && ms < 2000, "pg_sleep(0.2) took %lld ms", (long long)ms);
    ms = timed(c, "SELECT pg_sleep_for('150 milliseconds')", buf, sizeof buf);
    CHECK_STR(buf, "");
    CHECK_MSG(ms >= 145 && ms < 2000, "pg_sleep_for took %lld ms", (long long)ms);
    ms = timed(c, "SELECT pg_sleep_until(clock_timestamp() + interval '150 ms')", buf, sizeof buf);
    CHECK_STR(buf, "");
    CHECK_MSG(ms >= 140 && ms < 2000, "pg_sleep_until took %lld ms", (long long)ms);
    ms = timed(c, "SELECT pg_sleep(-1), pg_sleep(0), pg_sleep(NULL) IS NULL, pg_typeof(pg_sleep(0))", buf, sizeof buf);
    CHECK_STR(buf, "||t|void");
    CHECK(ms < 1000);
    ms = timed(c, "SELECT pg_sleep_until('2000-01-01 00:00:00+00')", buf, sizeof buf);
    CHECK_STR(buf, "");
    CHECK(ms < 1000);
    PQfinish(c);
}

TEST(pg_sleep_statement_timeout)
{
    PGconn *c = super_conn();
    char buf[256];
    REQUIRE_EXEC(c, "SET statement_timeout = 100");
    int64_t ms = timed(c, "SELECT pg_sleep(10)", buf, sizeof buf);
    CHECK_STR(buf, "ERROR 57014 canceling statement due to statement timeout");
    CHECK_MSG(ms >= 95 && ms < 3000, "took %lld ms", (long long)ms);
    ms = timed(c, "SELECT pg_sleep_for('1 hour')", buf, sizeof buf);
    CHECK_STR(buf, "ERROR 57014 canceling statement due to statement timeout");
    CHECK(ms < 3000);
    REQUIRE_EXEC(c, "RESET statement_timeout");
    CHECK_QUERY(c, "SELECT 1", "1");
    PQfinish(c);
}

typedef struct CancelArg {
    PGconn *c;
    int delay_ms;
} CancelArg;

static void *cancel_later(void *p)
{
    CancelArg *ca = p;
    struct timespec ts = {0, (long)ca->delay_ms * 1000000L};
    nanosleep(&ts, NULL);
    PGcancel *cn = PQgetCancel(ca->c);
    char err[256];
    if (cn) {
        (void)PQcancel(cn, err, sizeof err);
        PQfreeCancel(cn);
    }
    return NULL;
}

TEST(pg_sleep_pqcancel)
{
    PGconn *c = super_conn();
    char buf[256];
    CancelArg ca = {c, 200};
    pthread_t th;
    REQUIRE(pthread_create(&th, NULL, cancel_later, &ca) == 0);
    int64_t ms = timed(c, "SELECT pg_sleep(20)", buf, sizeof buf);
    pthread_join(th, NULL);
    CHECK_STR(buf, "ERROR 57014 canceling statement due to user request");
    CHECK_MSG(ms >= 150 && ms < 5000, "took %lld ms", (long long)ms);
    CHECK_QUERY(c, "SELECT 2", "2");
    PQfinish(c);
}

TEST(sleep_times_are_recorded)
{
    PGconn *c = super_conn();
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    REQUIRE_EXEC(c, "SELECT pg_sleep(0.02) /* pgss_t */");
    REQUIRE_EXEC(c, "SELECT pg_sleep(0.08) /* pgss_t */");
    CHECK_QUERY(c, "SELECT calls, min_exec_time >= 19, max_exec_time >= 79, max_exec_time < 2000, "
                   "stddev_exec_time > 20, rows, query " MINE,
                "2|t|t|t|t|2|SELECT pg_sleep($1) /* pgss_t */");
    PQfinish(c);
}

/* pg_stat_statements.max bounds the table (the server runs with 200): a full shard drops its
 * least-called entry, so a hot statement survives a flood of one-off ones. */
TEST(bounded_by_max)
{
    if (e2e_oracle()) {
        printf("SKIP e2e_pgss_test.bounded_by_max: the oracle's max is its own\n");
        return;
    }
    PGconn *c = super_conn();
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    for (int i = 0; i < 50; i++)
        REQUIRE_EXEC(c, "SELECT count(*) AS hot FROM pgss_t");
    char sql[128], buf[256];
    for (int i = 0; i < 1000; i++) {
        snprintf(sql, sizeof sql, "SELECT %d AS pgss_one_off_%d", i, i);
        REQUIRE_EXEC(c, sql);
    }
    const char *n = e2e_query(c, "SELECT count(*) FROM pg_stat_statements", buf, sizeof buf);
    CHECK_MSG(atoi(n) >= 100 && atoi(n) <= 208, "%s entries", n);  /* 16 shards x ceil(200 / 16) */
    CHECK_QUERY(c, "SELECT calls FROM pg_stat_statements WHERE query LIKE '%AS hot%' AND query NOT LIKE '%pg_stat%'", "50");
    CHECK_QUERY(c, "SELECT dealloc >= 700, stats_reset > now() - interval '1 hour' FROM pg_stat_statements_info", "t|t");
    REQUIRE_EXEC(c, "SELECT pg_stat_statements_reset()");
    CHECK_QUERY(c, "SELECT dealloc FROM pg_stat_statements_info", "0");
    CHECK_QUERY(c, "SHOW pg_stat_statements.max", "200");
    PQfinish(c);
}

static const char *const server_args[] = {"-c", "pg_stat_statements.max=200", NULL};

TEST_MAIN(
    if (!e2e_start(server_args)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(counts_and_normalises);
    RUN(reset_and_track_none);
    RUN(other_users_texts_are_masked);
    RUN(pg_sleep_durations);
    RUN(pg_sleep_statement_timeout);
    RUN(pg_sleep_pqcancel);
    RUN(sleep_times_are_recorded);
    RUN(bounded_by_max);
    e2e_finish();
)
