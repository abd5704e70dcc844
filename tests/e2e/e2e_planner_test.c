/* e2e_planner_test.c -- ANALYZE and the cost-based planner through the real server: exact
 * statistics on small generated tables (pg_stats, pg_class, pg_stat_user_tables), row
 * estimates within a factor of 3 of the truth on a skewed table, sequential vs index scan
 * choice, join order of FROM lists, statistics surviving clean and crash restarts, EXPLAIN
 * (COSTS OFF) / ANALYZE output, and query results that never change with the plan. */
#include "tests/harness/test.h"
#include "tests/e2e/e2e_util.h"

#include <signal.h>

static bool restart(int sig)
{
    (void)wire_stop(&e2e_srv, sig, 30000);
    int port = e2e_srv.port;
    e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

/* The estimated rows of the plan's top line (EXPLAIN), -1 when absent. */
static double top_estimate(PGconn *c, const char *sql)
{
    char q[1024], buf[8192];
    snprintf(q, sizeof q, "EXPLAIN %s", sql);
    e2e_query(c, q, buf, sizeof buf);
    const char *p = strstr(buf, " rows=");
    return p ? atof(p + 6) : -1;
}

static double count_rows(PGconn *c, const char *where)
{
    char q[1024], buf[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM sk WHERE %s", where);
    e2e_query(c, q, buf, sizeof buf);
    return atof(buf);
}

static void make_skewed(PGconn *c)
{
    /* z: half the rows 1, a quarter 2, an eighth 3, the rest spread over ~1000 values;
     * n: a third NULL; cat: 50 values; v: uniform 0..100; d: 1000 dates */
    REQUIRE_EXEC(c, "CREATE TABLE sk (id int PRIMARY KEY, z int, cat text, v float8, d date, n int)");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO sk SELECT g, CASE WHEN g %% 2 = 0 THEN 1 WHEN g %% 4 = 1 THEN 2 WHEN g %% 8 = 3 THEN 3 "
             "ELSE (g %% 997) + 4 END, 'c' || (g %% 50), (g * 7919 %% 10007)::float8 / 100, "
             "date '2020-01-01' + (g %% 1000), CASE WHEN g %% 3 = 0 THEN NULL ELSE g %% 500 END "
             "FROM generate_series(1, %d) g",
             E2E_SCALE(40000, 10000));
    REQUIRE_EXEC(c, sql);
    REQUIRE_EXEC(c, "CREATE INDEX sk_z ON sk (z)");
    REQUIRE_EXEC(c, "CREATE INDEX sk_v ON sk (v)");
}

TEST(analyze_exact_small_table)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE st (id int PRIMARY KEY, a int, b text, u int)");
    REQUIRE_EXEC(c, "INSERT INTO st SELECT g, g % 10, CASE WHEN g % 4 = 0 THEN NULL ELSE 'v' || (g % 3) END, g "
                    "FROM generate_series(1, 1000) g");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_stats WHERE tablename = 'st'", "0");
    CHECK_EXEC(c, "ANALYZE st");
    CHECK_QUERY(c, "SELECT attname, null_frac, avg_width, n_distinct FROM pg_stats WHERE tablename = 'st' ORDER BY attname",
                "a|0|4|10;b|0.25|3|3;id|0|4|-1;u|0|4|-1");
    CHECK_QUERY(c, "SELECT most_common_vals::text, most_common_freqs::text FROM pg_stats WHERE tablename = 'st' AND attname = 'a'",
                "{0,1,2,3,4,5,6,7,8,9}|{0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1}");
    CHECK_QUERY(c, "SELECT most_common_vals::text, most_common_freqs::text FROM pg_stats WHERE tablename = 'st' AND attname = 'b'",
                "{v0,v1,v2}|{0.25,0.25,0.25}");
    /* a unique column: no MCVs, a 101-bound histogram from min to max, perfect correlation */
    CHECK_QUERY(c, "SELECT most_common_vals IS NULL, array_length(histogram_bounds, 1), histogram_bounds[1], "
                   "histogram_bounds[101], correlation FROM pg_stats WHERE tablename = 'st' AND attname = 'u'",
                "t|101|1|1000|1");
    CHECK_QUERY(c, "SELECT reltuples, relpages > 0 FROM pg_class WHERE relname = 'st'", "1000|t");
    CHECK_QUERY(c, "SELECT last_analyze IS NOT NULL, analyze_count FROM pg_stat_user_tables WHERE relname = 'st'", "t|1");
    CHECK_EXEC(c, "VACUUM ANALYZE st");
    CHECK_EXEC(c, "ANALYZE st (a, b)");
    CHECK_QUERY(c, "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'st'", "3");
    CHECK_QUERY(c, "SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_stats WHERE tablename = 'st'", "a,b");
    CHECK_EXEC(c, "ANALYZE");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_stats WHERE tablename = 'st'", "4");
    CHECK_ERROR(c, "ANALYZE nosuch", "42P01", "relation \"nosuch\" does not exist");
    CHECK_ERROR(c, "ANALYZE st (nosuch)", "42703", "column \"nosuch\" of relation \"st\" does not exist");
    /* inside a transaction block, and the count it records is the committed one after COMMIT */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "INSERT INTO st SELECT g, 0, 'x', g FROM generate_series(1001, 1500) g");
    CHECK_EXEC(c, "ANALYZE st");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT reltuples FROM pg_class WHERE relname = 'st'", "1500");
    CHECK_QUERY(c, "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'st'", "1500");
    PQfinish(c);
}

TEST(estimates_within_factor_three)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    make_skewed(c);
    REQUIRE_EXEC(c, "ANALYZE sk");
    static const char *preds[] = {
        "z = 1", "z = 2", "z = 3", "z = 500", "z > 500", "z < 3", "z <> 1", "v < 10", "v BETWEEN 10 AND 20",
        "v >= 95", "n IS NULL", "n IS NOT NULL", "cat = 'c7'", "cat LIKE 'c1%'", "cat IN ('c1', 'c2', 'c3')",
        "z IN (1, 2)", "z = 1 OR v < 5", "cat = 'c7' AND z = 2", "NOT (z = 1)", "d > '2021-06-01'", "id < 1000",
    };
    for (size_t i = 0; i < sizeof preds / sizeof preds[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM sk WHERE %s", preds[i]);
        double est = top_estimate(c, sql), act = count_rows(c, preds[i]);
        bool ok = est > 0 && (est <= 3 * act + 10) && (act <= 3 * est + 10);
        CHECK_MSG(ok, "%s: estimated %.0f, actual %.0f", preds[i], est, act);
    }
    /* joins: 1/max(nd) for equi-joins */
    REQUIRE_EXEC(c, "CREATE TABLE sk_cat (cat text PRIMARY KEY, w int)");
    REQUIRE_EXEC(c, "INSERT INTO sk_cat SELECT 'c' || g, g FROM generate_series(0, 49) g");
    REQUIRE_EXEC(c, "ANALYZE sk_cat");
    double est = top_estimate(c, "SELECT * FROM sk JOIN sk_cat USING (cat) WHERE sk_cat.w < 10");
    char buf[64];
    e2e_query(c, "SELECT count(*) FROM sk JOIN sk_cat USING (cat) WHERE sk_cat.w < 10", buf, sizeof buf);
    double act = atof(buf);
    CHECK_MSG(est > 0 && est <= 3 * act && act <= 3 * est, "join: estimated %.0f, actual %.0f", est, act);
    PQfinish(c);
}

TEST(seq_scan_or_index_scan)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char buf[8192];
    /* sk exists (previous case) and is analyzed */
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE z = 1", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Seq Scan on sk") != NULL, "half the rows: %s", buf);
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE z = 500", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using sk_z on sk") != NULL, "a rare value: %s", buf);
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE v < 0.5", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using sk_v on sk") != NULL, "a narrow range: %s", buf);
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE v > 50", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Seq Scan on sk") != NULL, "half the range: %s", buf);
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE id = 77", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using sk_pkey on sk") != NULL && strstr(buf, "rows=1 "), "point: %s", buf);
    e2e_query(c, "EXPLAIN SELECT * FROM sk WHERE id BETWEEN 10 AND 5000", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using sk_pkey on sk") != NULL, "primary-key range: %s", buf);
    /* COSTS OFF drops the estimates; ANALYZE shows actual rows and loops */
    e2e_query(c, "EXPLAIN (COSTS OFF) SELECT * FROM sk WHERE z = 500", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "cost=") == NULL && strstr(buf, "Index Cond: (z = 500)") != NULL, "%s", buf);
    e2e_query(c, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM sk WHERE z = 500", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using sk_z on sk (actual rows=") != NULL && strstr(buf, "loops=1)") != NULL, "%s",
              buf);
    e2e_query(c, "EXPLAIN ANALYZE SELECT count(*) FROM sk WHERE z = 3", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "(actual time=") != NULL && strstr(buf, "Execution Time:") != NULL, "%s", buf);
    PQfinish(c);
}

TEST(join_order_of_from_lists)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE ja (id int PRIMARY KEY, x int)");
    REQUIRE_EXEC(c, "CREATE TABLE jb (id int PRIMARY KEY, y int)");
    REQUIRE_EXEC(c, "CREATE TABLE jc (id int PRIMARY KEY, x int, y int)");
    REQUIRE_EXEC(c, "INSERT INTO ja SELECT g, g % 100 FROM generate_series(1, 2000) g");
    REQUIRE_EXEC(c, "INSERT INTO jb SELECT g, g % 50 FROM generate_series(1, 3000) g");
    REQUIRE_EXEC(c, "INSERT INTO jc SELECT g, g % 100, g % 50 FROM generate_series(1, 20) g");
    const char *q = "SELECT count(*), sum(ja.id + jb.id + jc.id) FROM ja, jb, jc WHERE ja.x = jc.x AND jb.y = jc.y";
    char before[256], buf[8192];
    e2e_query(c, q, before, sizeof before);
    CHECK_STR(before, "24000|58956000");
    REQUIRE_EXEC(c, "ANALYZE ja");
    REQUIRE_EXEC(c, "ANALYZE jb");
    REQUIRE_EXEC(c, "ANALYZE jc");
    char sql[512];
    snprintf(sql, sizeof sql, "EXPLAIN %s", q);
    e2e_query(c, sql, buf, sizeof buf);
    /* FROM order would join ja and jb first: a cross product of 6 million rows */
    CHECK_MSG(strstr(buf, "Nested Loop") == NULL && strstr(buf, "rows=24000 ") != NULL, "%s", buf);
    CHECK_QUERY(c, q, "24000|58956000");
    PQfinish(c);
}

/* The same answers whatever the statistics say. */
TEST(results_independent_of_plans)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE r1 (id int PRIMARY KEY, k int, t text)");
    REQUIRE_EXEC(c, "CREATE TABLE r2 (id int PRIMARY KEY, k int, w int)");
    REQUIRE_EXEC(c, "CREATE TABLE r3 (k int, z int)");
    REQUIRE_EXEC(c, "CREATE INDEX r1_k ON r1 (k)");
    REQUIRE_EXEC(c, "CREATE INDEX r2_w ON r2 (w)");
    REQUIRE_EXEC(c, "INSERT INTO r1 SELECT g, g % 37, 't' || (g % 11) FROM generate_series(1, 3000) g");
    REQUIRE_EXEC(c, "INSERT INTO r2 SELECT g, g % 53, g % 7 FROM generate_series(1, 2000) g");
    REQUIRE_EXEC(c, "INSERT INTO r3 SELECT g % 37, g FROM generate_series(1, 100) g");
    static const char *qs[] = {
        "SELECT count(*), sum(id) FROM r1 WHERE k = 5",
        "SELECT count(*), sum(id) FROM r1 WHERE k < 30 AND t LIKE 't1%'",
        "SELECT count(*), sum(r1.id), sum(r2.id) FROM r1 JOIN r2 ON r1.k = r2.k WHERE r2.w = 3",
        "SELECT count(*), sum(r1.id * r3.z) FROM r1, r2, r3 WHERE r1.k = r3.k AND r2.k = r3.k AND r2.w < 2",
        "SELECT count(*) FROM r3, r1, r2 WHERE r1.k = r3.k AND r2.id = r1.id",
        "SELECT r1.id, r2.id FROM r1, r2 WHERE r1.id = r2.w * 100 + r2.k AND r2.k IN (1, 2) ORDER BY 1, 2 LIMIT 5",
        "SELECT k, count(*) FROM r1 WHERE id BETWEEN 100 AND 900 GROUP BY k ORDER BY k LIMIT 4",
        "SELECT count(*) FROM r1 LEFT JOIN r3 ON r1.k = r3.k WHERE r3.z IS NULL",
        "SELECT t, max(id) FROM r1 WHERE k IN (SELECT k FROM r3 WHERE z < 50) GROUP BY t ORDER BY t",
    };
    enum { NQ = sizeof qs / sizeof qs[0] };
    char before[NQ][512];
    for (int i = 0; i < NQ; i++)
        e2e_query(c, qs[i], before[i], sizeof before[i]);
    REQUIRE_EXEC(c, "ANALYZE r1");
    REQUIRE_EXEC(c, "ANALYZE r2");
    REQUIRE_EXEC(c, "ANALYZE r3");
    for (int i = 0; i < NQ; i++) {
        char after[512];
        e2e_query(c, qs[i], after, sizeof after);
        CHECK_MSG(strcmp(before[i], after) == 0, "%s: %s before ANALYZE, %s after", qs[i], before[i], after);
    }
    PQfinish(c);
}

TEST(statistics_survive_restarts)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char want[256];
    e2e_query(c, "SELECT string_agg(attname || ':' || n_distinct, ',' ORDER BY attname) FROM pg_stats WHERE tablename = 'st'",
              want, sizeof want);
    CHECK(strlen(want) > 10);
    PQfinish(c);
    REQUIRE(restart(SIGTERM));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT string_agg(attname || ':' || n_distinct, ',' ORDER BY attname) FROM pg_stats WHERE tablename = 'st'",
                want);
    CHECK_EXEC(c, "ANALYZE ja");
    PQfinish(c);
    REQUIRE(restart(SIGKILL));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT c.reltuples, s.analyze_count FROM pg_class c JOIN pg_stat_user_tables s "
                   "ON c.relname = s.relname WHERE c.relname = 'ja'", "2000|2");
    char buf[4096];
    e2e_query(c, "EXPLAIN SELECT * FROM ja", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "rows=2000 ") != NULL, "%s", buf);
    /* TRUNCATE keeps the column statistics (as PostgreSQL) but the row estimate follows it */
    CHECK_EXEC(c, "TRUNCATE ja");
    e2e_query(c, "EXPLAIN SELECT * FROM ja", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "rows=1 ") != NULL, "%s", buf);
    CHECK_QUERY(c, "SELECT count(*) > 0 FROM pg_stats WHERE tablename = 'ja'", "t");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(analyze_exact_small_table);
    RUN(estimates_within_factor_three);
    RUN(seq_scan_or_index_scan);
    RUN(join_order_of_from_lists);
    RUN(results_independent_of_plans);
    RUN(statistics_survive_restarts);
    e2e_finish();
)
