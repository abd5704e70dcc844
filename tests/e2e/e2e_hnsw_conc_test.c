/* e2e_hnsw_conc_test.c -- hnsw index consistency under concurrency and transaction edge cases,
 * through the real server: ROLLBACK TO SAVEPOINT undoing a DELETE/UPDATE keeps the row
 * findable, a rolled-back CREATE INDEX leaves no graph file, rows committed by another
 * session while CREATE INDEX runs are found, EXPLAIN (COSTS OFF) plans for CTEs and LATERAL
 * joins (results equal the exact ones), and 4 writers + 2 index readers at once (no row
 * deleted before a query started is returned; every live row is found at the end). */
#include "tests/harness/test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>

#include "config.h"
#include "tests/e2e/e2e_util.h"

#ifdef SHALE_SANITIZERS
#define SCALE 3
#else
#define SCALE 1
#endif

static int count_graph_files(void)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/hnsw", e2e_srv.dir);
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".hnsw") != NULL && !strstr(e->d_name, ".tmp");
    closedir(d);
    return n;
}

TEST(savepoints)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE sp (id int PRIMARY KEY, v vector(2))");
    CHECK_EXEC(c, "INSERT INTO sp SELECT g, ARRAY[g * 10, 0]::vector FROM generate_series(1, 300) g");
    CHECK_EXEC(c, "CREATE INDEX sp_v_idx ON sp USING hnsw (v vector_l2_ops)");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "SAVEPOINT s");
    CHECK_EXEC(c, "DELETE FROM sp WHERE id = 50");
    CHECK_EXEC(c, "ROLLBACK TO s");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[500,1]' LIMIT 1", "50");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "SAVEPOINT s");
    CHECK_EXEC(c, "UPDATE sp SET v = '[-5000,0]' WHERE id = 60");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[-5000,0]' LIMIT 1", "60");
    CHECK_EXEC(c, "ROLLBACK TO s");
    CHECK_EXEC(c, "UPDATE sp SET v = '[-7000,0]' WHERE id = 70");
    CHECK_EXEC(c, "SAVEPOINT t");
    CHECK_EXEC(c, "DELETE FROM sp WHERE id = 80");
    CHECK_EXEC(c, "INSERT INTO sp VALUES (1000, '[-9000,0]')");
    CHECK_EXEC(c, "ROLLBACK TO t");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[600,1]' LIMIT 1", "60");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[-5000,0]' LIMIT 1", "70");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[-7000,0]' LIMIT 1", "70");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[800,1]' LIMIT 1", "80");
    CHECK_QUERY(c, "SELECT id FROM sp ORDER BY v <-> '[-9000,0]' LIMIT 1", "70");
    /* every row is still found (ef_search covers the table) */
    CHECK_EXEC(c, "SET hnsw.ef_search = 1000");
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT id FROM sp ORDER BY v <-> '[0,0]' LIMIT 1000) s", "300");
    CHECK_EXEC(c, "RESET hnsw.ef_search");
    PQfinish(c);
}

TEST(rolled_back_create_index)
{
    if (e2e_oracle())
        TEST_SKIP("looks at the server's data directory");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    int before = count_graph_files();
    CHECK_EXEC(c, "CREATE TABLE rb (id int PRIMARY KEY, v vector(3))");
    CHECK_EXEC(c, "INSERT INTO rb SELECT g, ARRAY[g, 1, 2]::vector FROM generate_series(1, 100) g");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "CREATE INDEX rb_idx ON rb USING hnsw (v vector_l2_ops)");
    CHECK_QUERY(c, "SELECT id FROM rb ORDER BY v <-> '[7,1,2]' LIMIT 1", "7");
    CHECK_EQ_INT(count_graph_files(), before + 1);
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EQ_INT(count_graph_files(), before);
    CHECK_EXEC(c, "CREATE INDEX rb_idx ON rb USING hnsw (v vector_l2_ops)");
    CHECK_EQ_INT(count_graph_files(), before + 1);
    CHECK_QUERY(c, "SELECT id FROM rb ORDER BY v <-> '[9,1,2]' LIMIT 1", "9");
    CHECK_EXEC(c, "DROP TABLE rb");
    CHECK_EQ_INT(count_graph_files(), before);
    PQfinish(c);
}

/* ---- CREATE INDEX while another session inserts ------------------------------------------ */

static atomic_bool build_done;
static atomic_int inserted;           /* ids tried: 100000 .. 100000 + inserted - 1 */
static unsigned char ci_committed[20000];   /* 1 = that INSERT committed (40001 while the build runs) */

static void *inserter(void *arg)
{
    (void)arg;
    PGconn *c = e2e_connect(NULL);
    if (!c)
        return NULL;
    int after = 0;
    for (int id = 100000; after < 20 && id - 100000 < (int)sizeof ci_committed; id++) {
        if (atomic_load(&build_done))
            after++;
        char sql[200];
        snprintf(sql, sizeof sql, "INSERT INTO ci VALUES (%d, ARRAY[%d, -1000, 3, 4]::vector)", id, id);
        PGresult *r = PQexec(c, sql);
        ci_committed[id - 100000] = PQresultStatus(r) == PGRES_COMMAND_OK;
        atomic_store(&inserted, id - 100000 + 1);
        PQclear(r);
    }
    PQfinish(c);
    return NULL;
}

TEST(create_index_with_concurrent_inserts)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE ci (id int PRIMARY KEY, v vector(4))");
    char sql[300];
    snprintf(sql, sizeof sql, "INSERT INTO ci SELECT g, ARRAY[g, g %% 97, g %% 13, 1]::vector FROM generate_series(1, %d) g",
             4000 / SCALE);
    CHECK_EXEC(c, sql);
    pthread_t th;
    atomic_store(&build_done, false);
    REQUIRE(pthread_create(&th, NULL, inserter, NULL) == 0);
    wire_sleep_ms(50);
    CHECK_EXEC(c, "CREATE INDEX ci_idx ON ci USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 200)");
    atomic_store(&build_done, true);
    pthread_join(th, NULL);
    int n = atomic_load(&inserted);
    printf("  %d rows inserted by another session around CREATE INDEX\n", n);
    CHECK(n > 20);
    int missing = 0, failed = 0;
    CHECK_EXEC(c, "SET hnsw.ef_search = 200");
    for (int i = 0; i < n; i++) {
        if (!ci_committed[i]) {
            failed++;
            continue;
        }
        /* presence, not ANN accuracy: the row must be among the 5 nearest the index yields
         * with a wide beam (a missing entry or node is never found; an approximate miss of
         * the single nearest among near-duplicates is not what this test is about) */
        char want[32], got[64];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM (SELECT id FROM ci ORDER BY v <-> '[%d,-1000,3,4]' LIMIT 5) s WHERE id = %d",
                 100000 + i, 100000 + i);
        snprintf(want, sizeof want, "%d", 100000 + i);
        e2e_query(c, sql, got, sizeof got);
        if (strcmp(got, "1") != 0) {
            if (missing++ < 5)
                printf("  row %s not found by the index (got %s)\n", want, got);
        }
    }
    PQfinish(c);
    printf("  %d of them failed with 40001 (concurrent index creation)\n", failed);
    /* the index-set guard (rel_idxguard.c): a writer that does not know the index fails its
     * commit, so every committed row has its entry; and every graph node is reachable (the
     * line of near-duplicates used to become an island the layer-0 search never reached,
     * about 1 run in 5: fixed by the repair pass, hnsw_repair.c) */
    CHECK_MSG(missing == 0, "%d of %d committed rows are not found through the index", missing, n - failed);
}

/* ---- EXPLAIN (COSTS OFF), CTE and LATERAL ------------------------------------------------- */

static bool plan_is(PGconn *c, const char *sql, const char *want)
{
    char buf[4000];
    PGresult *r = PQexec(c, sql);
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", PQgetvalue(r, i, 0));
    PQclear(r);
    if (strcmp(buf, want) != 0) {
        printf("  plan of %s:\n%s  want:\n%s", sql, buf, want);
        return false;
    }
    return true;
}

TEST(explain_cte_lateral)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE items (id int PRIMARY KEY, emb vector(2))");
    CHECK_EXEC(c, "INSERT INTO items SELECT g, ARRAY[g % 37, (g * 7) % 101]::vector FROM generate_series(1, 1500) g");
    CHECK_EXEC(c, "CREATE INDEX items_emb_idx ON items USING hnsw (emb vector_l2_ops)");
    CHECK_EXEC(c, "CREATE TABLE queries (qid int, v vector(2))");
    CHECK_EXEC(c, "INSERT INTO queries VALUES (1, '[3,3]'), (2, '[20,50]'), (3, '[36,100]')");
    CHECK(plan_is(c, "EXPLAIN (COSTS OFF) SELECT id FROM items ORDER BY emb <-> '[1,1]' LIMIT 3",
                  "Limit\n"
                  "  ->  Index Scan using items_emb_idx on items\n"
                  "        Order By: (emb <-> '[1,1]'::vector)\n"));
    CHECK(plan_is(c, "EXPLAIN (COSTS OFF) WITH c AS MATERIALIZED (SELECT id FROM items ORDER BY emb <-> '[1,1]' LIMIT 10) "
                     "SELECT c.id FROM c",
                  "CTE Scan on c\n"
                  "  CTE c\n"
                  "    ->  Limit\n"
                  "          ->  Index Scan using items_emb_idx on items\n"
                  "                Order By: (emb <-> '[1,1]'::vector)\n"));
    char buf[4000];
    e2e_query(c, "EXPLAIN (COSTS OFF) WITH c AS (SELECT id FROM items ORDER BY emb <-> '[1,1]' LIMIT 10) "
                 "SELECT c.id, q.qid FROM c JOIN queries q ON q.qid = c.id % 3", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using items_emb_idx on items") && !strstr(buf, "cost="), "%s", buf);
    e2e_query(c, "EXPLAIN (COSTS OFF) SELECT q.qid, s.id FROM queries q CROSS JOIN LATERAL "
                 "(SELECT id FROM items ORDER BY emb <-> q.v LIMIT 5) s", buf, sizeof buf);
    CHECK_MSG(strstr(buf, "Index Scan using items_emb_idx on items") && !strstr(buf, "Sort"), "%s", buf);
    /* results equal the exact ones (ef_search high: the small graph is searched whole) */
    CHECK_EXEC(c, "SET hnsw.ef_search = 400");
    char exact[2000], approx[2000];
    e2e_query(c, "SELECT string_agg(q.qid || ':' || s.id, ',' ORDER BY q.qid, s.d, s.id) FROM queries q CROSS JOIN LATERAL "
                 "(SELECT id, emb <-> q.v AS d FROM items ORDER BY (emb <-> q.v) + 0, id LIMIT 5) s", exact, sizeof exact);
    e2e_query(c, "SELECT string_agg(q.qid || ':' || s.id, ',' ORDER BY q.qid, s.d, s.id) FROM queries q CROSS JOIN LATERAL "
                 "(SELECT id, emb <-> q.v AS d FROM items ORDER BY emb <-> q.v LIMIT 5) s", approx, sizeof approx);
    CHECK_MSG(strcmp(exact, approx) == 0 && exact[0], "exact %s\n approx %s", exact, approx);
    e2e_query(c, "WITH c AS (SELECT id, emb <-> '[5,5]' AS d FROM items ORDER BY (emb <-> '[5,5]') + 0, id LIMIT 10) "
                 "SELECT string_agg(c.id::text, ',' ORDER BY c.d, c.id) FROM c JOIN queries q ON q.qid = 1", exact, sizeof exact);
    e2e_query(c, "WITH c AS (SELECT id, emb <-> '[5,5]' AS d FROM items ORDER BY emb <-> '[5,5]' LIMIT 10) "
                 "SELECT string_agg(c.id::text, ',' ORDER BY c.d, c.id) FROM c JOIN queries q ON q.qid = 1", approx, sizeof approx);
    CHECK_MSG(strcmp(exact, approx) == 0 && exact[0], "exact %s\n approx %s", exact, approx);
    CHECK_EXEC(c, "RESET hnsw.ef_search");
    PQfinish(c);
}

/* ---- 4 writers + 2 readers ---------------------------------------------------------------- */

#define MAX_IDS 20000
static atomic_uint_fast64_t clock_;
static atomic_uint_fast64_t deleted_at[MAX_IDS];   /* clock value after the DELETE committed */
static atomic_int violations, reader_queries;
static atomic_bool writers_done;

typedef struct Worker {
    int no;
    uint64_t rng;
} Worker;

static unsigned next_rand(Worker *w)
{
    w->rng = w->rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(w->rng >> 33);
}

static void *writer(void *arg)
{
    Worker *w = arg;
    PGconn *c = e2e_connect(NULL);
    if (!c)
        return NULL;
    int next_id = 1000 + w->no * 4000;           /* each writer owns its ids: no conflicts */
    /* SHALE_TEST_SCALE multiplies the ops (capped: a writer inserts at most 4000 ids) */
    long scale = test_scale() > 20 ? 20 : test_scale();
    int lo = next_id, ops = (int)(300 * scale / SCALE);
    for (int i = 0; i < ops; i++) {
        char sql[300];
        int op = (int)(next_rand(w) % 10);
        int id = next_id > lo ? lo + (int)(next_rand(w) % (unsigned)(next_id - lo)) : lo;
        PQclear(PQexec(c, "BEGIN"));
        /* the first op of a writer is always an INSERT, whatever op says: is_delete must come
         * from the statement actually run (an "INSERT 0 1" also reports 1 row) */
        bool is_delete = false;
        if (op < 5 || next_id == lo) {
            id = next_id++;
            snprintf(sql, sizeof sql, "INSERT INTO cc VALUES (%d, ARRAY[%u, %u, %u]::vector)", id, next_rand(w) % 1000,
                     next_rand(w) % 1000, next_rand(w) % 1000);
        } else if (op < 8) {
            snprintf(sql, sizeof sql, "UPDATE cc SET v = ARRAY[%u, %u, %u]::vector WHERE id = %d", next_rand(w) % 1000,
                     next_rand(w) % 1000, next_rand(w) % 1000, id);
        } else {
            is_delete = true;
            snprintf(sql, sizeof sql, "DELETE FROM cc WHERE id = %d", id);
        }
        PGresult *r = PQexec(c, sql);
        bool deleted = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdTuples(r), "1") == 0;
        PQclear(r);
        bool rollback = next_rand(w) % 8 == 0;
        r = PQexec(c, rollback ? "ROLLBACK" : "COMMIT");
        bool committed = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0;
        PQclear(r);
        if (is_delete && deleted && committed && id < MAX_IDS && atomic_load(&deleted_at[id]) == 0)
            atomic_store(&deleted_at[id], atomic_fetch_add(&clock_, 1) + 1);
    }
    PQfinish(c);
    return NULL;
}

static void *reader(void *arg)
{
    Worker *w = arg;
    PGconn *c = e2e_connect(NULL);
    if (!c)
        return NULL;
    PQclear(PQexec(c, "SET hnsw.ef_search = 100"));
    while (!atomic_load(&writers_done)) {
        char sql[300];
        snprintf(sql, sizeof sql, "SELECT id FROM cc ORDER BY v <-> '[%u,%u,%u]' LIMIT 10", next_rand(w) % 1000,
                 next_rand(w) % 1000, next_rand(w) % 1000);
        uint64_t start = atomic_load(&clock_);
        PGresult *r = PQexec(c, sql);
        for (int i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
            int id = atoi(PQgetvalue(r, i, 0));
            uint64_t d = id >= 0 && id < MAX_IDS ? atomic_load(&deleted_at[id]) : 0;
            if (d && d <= start && atomic_fetch_add(&violations, 1) < 5)
                printf("  reader got row %d deleted before the query started\n", id);
        }
        PQclear(r);
        atomic_fetch_add(&reader_queries, 1);
    }
    PQfinish(c);
    return NULL;
}

TEST(concurrent_writers_and_readers)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    CHECK_EXEC(c, "CREATE TABLE cc (id int PRIMARY KEY, v vector(3))");
    CHECK_EXEC(c, "INSERT INTO cc SELECT g, ARRAY[g % 1000, (g * 7) % 1000, (g * 13) % 1000]::vector "
                  "FROM generate_series(1, 300) g");
    CHECK_EXEC(c, "CREATE INDEX cc_idx ON cc USING hnsw (v vector_l2_ops)");
    pthread_t wt[4], rt[2];
    Worker ws[6];
    atomic_store(&writers_done, false);
    for (int i = 0; i < 6; i++) {
        ws[i].no = i;
        ws[i].rng = 1234 + (uint64_t)i * 7919;
    }
    for (int i = 0; i < 2; i++)
        REQUIRE(pthread_create(&rt[i], NULL, reader, &ws[4 + i]) == 0);
    for (int i = 0; i < 4; i++)
        REQUIRE(pthread_create(&wt[i], NULL, writer, &ws[i]) == 0);
    for (int i = 0; i < 4; i++)
        pthread_join(wt[i], NULL);
    atomic_store(&writers_done, true);
    for (int i = 0; i < 2; i++)
        pthread_join(rt[i], NULL);
    printf("  %d reader queries during the writes\n", atomic_load(&reader_queries));
    CHECK(atomic_load(&reader_queries) > 0);
    /* every live row is found: a beam covering the table returns exactly the table */
    char live[64], viaidx[64];
    e2e_query(c, "SELECT count(*) || ':' || sum(id) FROM cc", live, sizeof live);
    CHECK_EXEC(c, "SET hnsw.ef_search = 1000");
    CHECK_EXEC(c, "SET hnsw.iterative_scan = relaxed_order");   /* tables over 1000 rows (SHALE_TEST_SCALE) */
    CHECK_EXEC(c, "SET hnsw.max_scan_tuples = 100000000");
    e2e_query(c, "SELECT count(*) || ':' || sum(id) FROM (SELECT id FROM cc ORDER BY v <-> '[500,500,500]' LIMIT 1000000) s",
              viaidx, sizeof viaidx);
    if (strcmp(live, viaidx) != 0) {
        char missing[400];
        e2e_query(c, "SELECT string_agg(id::text || ':' || v::text, ' ') FROM (SELECT id, v FROM cc EXCEPT "
                     "SELECT id, v FROM (SELECT id, v FROM cc ORDER BY v <-> '[500,500,500]' LIMIT 1000000) s) m",
                  missing, sizeof missing);
        printf("  live rows the index does not find: %s\n", missing);
    }
    CHECK_EXEC(c, "RESET hnsw.iterative_scan");
    CHECK_EXEC(c, "RESET hnsw.max_scan_tuples");
    CHECK_EQ_INT(atomic_load(&violations), 0);
    CHECK_MSG(strcmp(live, viaidx) == 0, "table %s vs index %s", live, viaidx);
    /* exact top-10 equals the index's for a few queries */
    for (int q = 0; q < 5; q++) {
        char sql[400], exact[400], approx[400];
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM cc ORDER BY (v <-> '[%d,%d,%d]') + 0, id LIMIT 10) s",
                 q * 200, 1000 - q * 200, q * 100);
        e2e_query(c, sql, exact, sizeof exact);
        snprintf(sql, sizeof sql, "SELECT string_agg(id::text, ',') FROM (SELECT id FROM cc ORDER BY v <-> '[%d,%d,%d]' LIMIT 10) s",
                 q * 200, 1000 - q * 200, q * 100);
        e2e_query(c, sql, approx, sizeof approx);
        CHECK_MSG(strcmp(exact, approx) == 0, "exact %s, index %s", exact, approx);
    }
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(savepoints);
    RUN(rolled_back_create_index);
    RUN(create_index_with_concurrent_inserts);
    RUN(explain_cte_lateral);
    RUN(concurrent_writers_and_readers);
    e2e_finish();
)
