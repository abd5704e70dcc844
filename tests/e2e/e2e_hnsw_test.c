/* e2e_hnsw_test.c -- CREATE INDEX ... USING hnsw through the real server: DDL surface and
 * pgvector's errors, every opclass, recall against exact (seq-scan) results on random
 * vectors, EXPLAIN, extended-protocol parameters, filtered queries with iterative scan,
 * transactional visibility (own/other/rollback/delete/update), clean restart (graph loaded
 * from its file, not rebuilt) and SIGKILL (committed rows found, uncommitted not). */
#include "tests/harness/test.h"

#include "config.h"
#include "tests/e2e/e2e_util.h"

#ifdef SHALE_SANITIZERS
#define N_ROWS 600
#else
#define N_ROWS 3000
#endif
#define DIMS 16

static uint64_t rng = 42;
static double rnd(void)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng >> 11) / 9007199254740992.0;
}

static void vec_text(char *buf, size_t cap, int dims)
{
    size_t n = (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < dims; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%.3f", i ? "," : "", rnd() * 2 - 1);
    snprintf(buf + n, cap - n, "]");
}

static bool restart(int sig)
{
    wire_stop(&e2e_srv, sig, 30000);
    int port = e2e_srv.port;
    e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

static int log_count(const char *needle)
{
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "grep -c '%s' '%s'", needle, e2e_srv.log);
    FILE *f = popen(cmd, "r");
    int n = 0;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = 0;
        pclose(f);
    }
    return n;
}

/* The EXPLAIN text of sql (lines joined by ';') contains every needle, in order. */
static bool explain_has(PGconn *c, const char *sql, const char *n1, const char *n2, const char *n3)
{
    static char buf[8000];
    e2e_query(c, sql, buf, sizeof buf);
    const char *p = buf;
    const char *needles[3] = { n1, n2, n3 };
    for (int i = 0; i < 3; i++) {
        if (!needles[i])
            continue;
        p = strstr(p, needles[i]);
        if (!p) {
            printf("  EXPLAIN lacks \"%s\": %s\n", needles[i], buf);
            return false;
        }
    }
    return true;
}

TEST(ddl_and_errors)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3), note text, free vector)");
    CHECK_EXEC(c, "INSERT INTO items VALUES (1, '[1,2,3]', 'a'), (2, '[4,5,6]', 'b'), (3, NULL, 'c')");
    CHECK_EXEC(c, "CREATE INDEX items_embedding_idx ON items USING hnsw (embedding vector_l2_ops) WITH (m = 16, ef_construction = 64)");
    CHECK_QUERY(c, "SELECT indexdef FROM pg_indexes WHERE indexname = 'items_embedding_idx'",
                "CREATE INDEX items_embedding_idx ON public.items USING hnsw (embedding vector_l2_ops) WITH (m='16', ef_construction='64')");
    CHECK_QUERY(c, "SELECT pg_get_indexdef('items_embedding_idx'::regclass)",
                "CREATE INDEX items_embedding_idx ON public.items USING hnsw (embedding vector_l2_ops) WITH (m='16', ef_construction='64')");
    CHECK_EXEC(c, "CREATE INDEX IF NOT EXISTS items_embedding_idx ON items USING hnsw (embedding vector_l2_ops)");
    CHECK_EXEC(c, "CREATE INDEX CONCURRENTLY ON items USING hnsw (embedding vector_cosine_ops)");
    CHECK_QUERY(c, "SELECT indexname FROM pg_indexes WHERE tablename = 'items' ORDER BY 1",
                "items_embedding_idx;items_embedding_idx1;items_pkey");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding)", "42704",
                "data type vector has no default operator class for access method \"hnsw\"");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_foo_ops)", "42704",
                "operator class \"vector_foo_ops\" does not exist for access method \"hnsw\"");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (note vector_l2_ops)", "42804",
                "operator class \"vector_l2_ops\" does not accept data type text");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (free vector_l2_ops)", "22023", "column does not have dimensions");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops, free vector_l2_ops)", "0A000",
                "access method \"hnsw\" does not support multicolumn indexes");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 1)", "22023",
                "value 1 out of bounds for option \"m\"");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 101)", "22023",
                "value 101 out of bounds for option \"m\"");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (ef_construction = 1001)", "22023",
                "value 1001 out of bounds for option \"ef_construction\"");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (m = 40, ef_construction = 64)",
                "22023", "ef_construction must be greater than or equal to 2 * m");
    CHECK_ERROR(c, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops) WITH (lists = 3)", "22023",
                "unrecognized parameter \"lists\"");
    CHECK_ERROR(c, "SELECT id FROM items ORDER BY embedding <-> '[1,2]' LIMIT 1", "22000",
                "different vector dimensions 3 and 2");
    CHECK_ERROR(c, "SET hnsw.ef_search = 0", "22023", "0 is outside the valid range for parameter \"hnsw.ef_search\" (1 .. 1000)");
    CHECK_ERROR(c, "SET hnsw.iterative_scan = sideways", "22023", "invalid value for parameter \"hnsw.iterative_scan\": \"sideways\"");
    CHECK_EXEC(c, "SET hnsw.iterative_scan = relaxed_order");
    CHECK_QUERY(c, "SHOW hnsw.iterative_scan", "relaxed_order");
    CHECK_EXEC(c, "RESET hnsw.iterative_scan");
    CHECK_QUERY(c, "SHOW hnsw.max_scan_tuples", "20000");
    /* every opclass, with its operator */
    const char *ops[4][2] = { { "vector_l2_ops", "<->" }, { "vector_cosine_ops", "<=>" },
                              { "vector_ip_ops", "<#>" }, { "vector_l1_ops", "<+>" } };
    CHECK_EXEC(c, "CREATE TABLE o (id int PRIMARY KEY, v vector(2))");
    CHECK_EXEC(c, "INSERT INTO o SELECT g, ARRAY[cos(g), sin(g) * g]::vector FROM generate_series(1, 200) g");
    for (int i = 0; i < 4; i++) {
        char sql[400], want[400], got[400];
        snprintf(sql, sizeof sql, "CREATE INDEX o_%d ON o USING hnsw (v %s)", i, ops[i][0]);
        CHECK_EXEC(c, sql);
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM o ORDER BY (v %s '[0.5,3]') + 0, id LIMIT 5) s",
                 ops[i][1]);
        e2e_query(c, sql, want, sizeof want);
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM o ORDER BY v %s '[0.5,3]' LIMIT 5) s",
                 ops[i][1]);
        e2e_query(c, sql, got, sizeof got);
        CHECK_MSG(strcmp(want, got) == 0, "%s: index %s, exact %s", ops[i][0], got, want);
        snprintf(sql, sizeof sql, "EXPLAIN SELECT id FROM o ORDER BY v %s '[0.5,3]' LIMIT 5", ops[i][1]);
        snprintf(want, sizeof want, "Index Scan using o_%d on o", i);
        snprintf(got, sizeof got, "Order By: (v %s '[0.5,3]'::vector)", ops[i][1]);
        CHECK(explain_has(c, sql, "Limit", want, got));
        snprintf(sql, sizeof sql, "DROP INDEX o_%d", i);
        CHECK_EXEC(c, sql);
    }
    CHECK_EXEC(c, "DROP TABLE o");
    CHECK_EXEC(c, "TRUNCATE items");
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5) s", "0");
    CHECK_EXEC(c, "INSERT INTO items VALUES (7, '[1,1,1]')");
    CHECK_QUERY(c, "SELECT id FROM items ORDER BY embedding <-> '[1,2,3]' LIMIT 5", "7");
    CHECK_EXEC(c, "DROP TABLE items");
    PQfinish(c);
}

/* Loads N_ROWS random vectors into big (id, cat, v). */
static bool load_big(PGconn *c)
{
    if (!E2E_EXEC(c, "CREATE TABLE big (id int PRIMARY KEY, cat int, v vector(16))"))
        return false;
    char *sql = malloc(1 << 20);
    if (!sql)
        return false;
    bool ok = true;
    for (int base = 0; base < N_ROWS && ok; base += 200) {
        size_t n = (size_t)snprintf(sql, 1 << 20, "INSERT INTO big VALUES ");
        for (int i = base; i < base + 200 && i < N_ROWS; i++) {
            char v[400];
            vec_text(v, sizeof v, DIMS);
            n += (size_t)snprintf(sql + n, (1 << 20) - n, "%s(%d, %d, '%s')", i > base ? "," : "", i, i % 10, v);
        }
        ok = E2E_EXEC(c, sql);
    }
    free(sql);
    return ok;
}

TEST(recall_explain_params_filters)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    REQUIRE(load_big(c));
    CHECK_EXEC(c, "CREATE INDEX big_v_idx ON big USING hnsw (v vector_l2_ops)");
    int hits = 0, total = 0;
    for (int q = 0; q < 20; q++) {
        char v[400], sql[1200], exact[400], approx[400];
        vec_text(v, sizeof v, DIMS);
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM big ORDER BY (v <-> '%s') + 0 LIMIT 10) s", v);
        e2e_query(c, sql, exact, sizeof exact);
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM big ORDER BY v <-> '%s' LIMIT 10) s", v);
        e2e_query(c, sql, approx, sizeof approx);
        char *save, *tok;
        for (tok = strtok_r(exact, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            total++;
            char pat[32];
            snprintf(pat, sizeof pat, ",%s,", tok);
            char wrapped[420];
            snprintf(wrapped, sizeof wrapped, ",%s,", approx);
            if (strstr(wrapped, pat))
                hits++;
        }
    }
    double recall = total ? (double)hits / total : 0;
    printf("  recall@10 over 20 queries on %d vectors: %.3f\n", N_ROWS, recall);
    CHECK_MSG(recall >= 0.9, "recall %.3f", recall);
    /* EXPLAIN / EXPLAIN ANALYZE, filter above the index, sub-query and CTE */
    CHECK(explain_has(c, "EXPLAIN SELECT id FROM big WHERE cat = 3 ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3",
                      "Index Scan using big_v_idx on big", "Order By: (v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'::vector)",
                      "Filter: (cat = 3)"));
    CHECK(explain_has(c, "EXPLAIN SELECT id FROM big ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]'",
                      "Sort", "Seq Scan on big", NULL));   /* no LIMIT: no index (as pgvector) */
    char buf[4000];
    e2e_query(c, "EXPLAIN ANALYZE SELECT id FROM big ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 3", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using big_v_idx on big") && strstr(buf, "actual"), "explain analyze: %s", buf);
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT id FROM big ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 7) s", "7");
    CHECK_QUERY(c, "WITH n AS (SELECT id, cat FROM big ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 4) "
                   "SELECT count(*) FROM n", "4");
    /* ef_search bounds what one beam returns: with ef_search = 1 only 1 row comes from the
     * index (a seq scan + sort would return 5): proves the parameter query uses the index */
    CHECK_EXEC(c, "SET hnsw.ef_search = 1");
    const char *pv[1] = { "[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]" };
    PGresult *r = PQexecParams(c, "SELECT id FROM big ORDER BY v <-> $1 LIMIT 5", 1, NULL, pv, NULL, NULL, 0);
    CHECK_EQ_INT((int)PQresultStatus(r), (int)PGRES_TUPLES_OK);
    CHECK_EQ_INT(PQntuples(r), 1);
    PQclear(r);
    r = PQexecParams(c, "SELECT id FROM big ORDER BY v <-> $1::vector LIMIT 5", 1, NULL, pv, NULL, NULL, 0);
    CHECK_EQ_INT(PQntuples(r), 1);
    PQclear(r);
    CHECK_EXEC(c, "RESET hnsw.ef_search");
    /* filtered: iterative scan off may return fewer rows (pgvector); relaxed_order fills LIMIT */
    CHECK_EXEC(c, "SET hnsw.ef_search = 10");
    e2e_query(c, "SELECT count(*) FROM (SELECT id FROM big WHERE cat = 3 ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) s",
              buf, sizeof buf);
    CHECK_MSG(atoi(buf) < 10, "iterative off returned %s rows", buf);
    CHECK_EXEC(c, "SET hnsw.iterative_scan = relaxed_order");
    CHECK_QUERY(c, "SELECT count(*), min(cat), max(cat) FROM (SELECT id, cat FROM big WHERE cat = 3 "
                   "ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) s", "10|3|3");
    CHECK_EXEC(c, "SET hnsw.iterative_scan = strict_order");
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT id FROM big WHERE cat = 5 ORDER BY v <-> '[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]' LIMIT 10) s",
                "10");
    CHECK_EXEC(c, "RESET hnsw.iterative_scan");
    CHECK_EXEC(c, "RESET hnsw.ef_search");
    PQfinish(c);
}

#define QV "'[9,9,9,9,9,9,9,9,9,9,9,9,9,9,9,9]'"
#define NEAREST "SELECT id FROM big ORDER BY v <-> " QV " LIMIT 1"

TEST(transactions)
{
    PGconn *a = e2e_connect(NULL), *b = e2e_connect(NULL);
    REQUIRE(a && b);
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(a, "INSERT INTO big VALUES (100001, 1, " QV ")");
    CHECK_QUERY(a, NEAREST, "100001");                 /* own uncommitted write */
    char other[64];
    e2e_query(b, NEAREST, other, sizeof other);
    CHECK_MSG(strcmp(other, "100001") != 0, "uncommitted row visible to another session");
    CHECK_EXEC(a, "ROLLBACK");
    e2e_query(a, NEAREST, other, sizeof other);
    CHECK_MSG(strcmp(other, "100001") != 0, "rolled-back row returned");
    CHECK_EXEC(a, "INSERT INTO big VALUES (100002, 1, " QV ")");
    CHECK_QUERY(b, NEAREST, "100002");
    CHECK_EXEC(a, "DELETE FROM big WHERE id = 100002");
    e2e_query(b, NEAREST, other, sizeof other);
    CHECK_MSG(strcmp(other, "100002") != 0, "deleted row returned");
    CHECK_EXEC(a, "INSERT INTO big VALUES (100003, 1, '[-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9]')");
    CHECK_EXEC(a, "UPDATE big SET v = " QV " WHERE id = 100003");
    CHECK_QUERY(b, NEAREST, "100003");
    CHECK_QUERY(b, "SELECT count(*) FROM (SELECT id FROM big ORDER BY v <-> " QV " LIMIT 50) s WHERE id = 100003", "1");
    e2e_query(b, "SELECT id FROM big ORDER BY v <-> '[-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9]' LIMIT 1", other, sizeof other);
    CHECK_MSG(strcmp(other, "100003") != 0, "old version returned after update");
    CHECK_EXEC(a, "UPDATE big SET v = '[-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9]' WHERE id = 100003");
    CHECK_QUERY(b, "SELECT id FROM big ORDER BY v <-> '[-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9]' LIMIT 1", "100003");
    e2e_query(b, NEAREST, other, sizeof other);
    CHECK_MSG(strcmp(other, "100003") != 0, "old version returned after update");
    /* a rolled-back UPDATE keeps the old vector findable; a committed DELETE's nodes are
     * marked deleted, so one beam (ef_search = 10, iterative scan off) still fills LIMIT 10 */
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(a, "UPDATE big SET v = " QV " WHERE id = 100003");
    CHECK_QUERY(a, NEAREST, "100003");
    CHECK_EXEC(a, "ROLLBACK");
    CHECK_QUERY(b, "SELECT id FROM big ORDER BY v <-> '[-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9,-9]' LIMIT 1", "100003");
    CHECK_EXEC(a, "CREATE TABLE del (id int PRIMARY KEY, v vector(2))");
    CHECK_EXEC(a, "INSERT INTO del SELECT g, ARRAY[g, 0]::vector FROM generate_series(1, 600) g");
    CHECK_EXEC(a, "CREATE INDEX ON del USING hnsw (v vector_l2_ops)");
    CHECK_EXEC(a, "DELETE FROM del WHERE id <= 200");
    CHECK_EXEC(a, "SET hnsw.ef_search = 10");
    CHECK_QUERY(a, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM del ORDER BY v <-> '[0,0]' LIMIT 10) s",
                "201,202,203,204,205,206,207,208,209,210");
    CHECK_EXEC(a, "UPDATE del SET v = ARRAY[id - 1000, 0]::vector WHERE id > 590");
    CHECK_QUERY(a, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM del ORDER BY v <-> '[-500,0]' LIMIT 3) s",
                "591,592,593");
    CHECK_EXEC(a, "RESET hnsw.ef_search");
    CHECK_EXEC(a, "DROP TABLE del");
    PQfinish(a);
    PQfinish(b);
}

TEST(restart_and_kill)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server");
    int loaded_before = log_count("\"big_v_idx\": loaded .* nodes from file");
    REQUIRE(restart(SIGTERM));
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT id FROM big ORDER BY v <-> " QV " LIMIT 5) s", "5");
    CHECK_MSG(log_count("\"big_v_idx\": loaded .* nodes from file") > loaded_before, "graph was not loaded from its file");
    CHECK_MSG(log_count("\"big_v_idx\": rebuilt") == 0, "graph rebuilt after a clean restart");
    /* committed rows after the last save, one open transaction, then SIGKILL */
    for (int i = 0; i < 20; i++) {
        char sql[300];
        snprintf(sql, sizeof sql, "INSERT INTO big VALUES (%d, 1, '[%d,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]')",
                 200000 + i, 100 + i * 10);
        CHECK_EXEC(c, sql);
    }
    PGconn *open = e2e_connect(NULL);
    REQUIRE(open);
    CHECK_EXEC(open, "BEGIN");
    CHECK_EXEC(open, "INSERT INTO big VALUES (299999, 1, '[300,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]')");
    REQUIRE(restart(SIGKILL));
    PQfinish(open);
    PQfinish(c);
    c = e2e_connect(NULL);
    REQUIRE(c);
    for (int i = 0; i < 20; i++) {
        char sql[300], want[16];
        snprintf(sql, sizeof sql, "SELECT id FROM big ORDER BY v <-> '[%d,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]' LIMIT 1",
                 100 + i * 10);
        snprintf(want, sizeof want, "%d", 200000 + i);
        CHECK_QUERY(c, sql, want);
    }
    CHECK_QUERY(c, "SELECT id FROM big ORDER BY v <-> '[300,50,50,50,50,50,50,50,50,50,50,50,50,50,50,50]' LIMIT 1", "200019");
    CHECK_QUERY(c, "SELECT count(*) FROM big WHERE id = 299999", "0");
    CHECK_MSG(log_count("\"big_v_idx\": loaded .* reconciled: [1-9]") > 0, "no reconcile after SIGKILL");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(ddl_and_errors);
    RUN(recall_explain_params_filters);
    RUN(transactions);
    RUN(restart_and_kill);
    e2e_finish();
)
