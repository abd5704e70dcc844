/* e2e_index_race_test.c -- CREATE [UNIQUE] INDEX (btree) racing with writers, through the
 * real server (no table locks: src/facets/relational/rel_idxguard.c). A writer whose
 * transaction wrote the table before the index existed must not commit rows the index lacks:
 * its COMMIT fails with 40001 and a retry succeeds. Afterwards the count through the index
 * (EXPLAIN checked) equals the count by sequential scan, and a UNIQUE index holds no
 * duplicates. A loop test runs 3 inserting sessions (autocommit and two-statement
 * transactions) while CREATE INDEX / CREATE UNIQUE INDEX run. */
#include "tests/harness/test.h"

#include <pthread.h>
#include <stdatomic.h>

#include "config.h"
#include "tests/e2e/e2e_util.h"

/* count(*) by sequential scan and through index idx must agree: the planner is cost based,
 * so the index count sums narrow ranges of col (1000 values each) over [0, top) and
 * [1000000, 1200000), and the plan of one such range must name the index. */
static void check_counts(PGconn *c, const char *table, const char *col, const char *idx, int top, const char *want)
{
    char sql[300], seq[64], plan[2000], got[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    e2e_query(c, sql, seq, sizeof seq);
    snprintf(sql, sizeof sql, "EXPLAIN (COSTS OFF) SELECT count(*) FROM %s WHERE %s >= 1000 AND %s < 2000", table, col, col);
    e2e_query(c, sql, plan, sizeof plan);
    CHECK_MSG(strstr(plan, idx) != NULL, "plan does not use %s: %s", idx, plan);
    long viaidx = 0;
    for (int lo = 0; lo < 1200000; lo += 1000) {
        if (lo >= top && lo < 1000000)
            lo = 1000000;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE %s >= %d AND %s < %d", table, col, lo, col, lo + 1000);
        viaidx += atol(e2e_query(c, sql, got, sizeof got));
    }
    CHECK_MSG(atol(seq) == viaidx, "%s: %s rows by seq scan, %ld through %s", table, seq, viaidx, idx);
    if (want)
        CHECK_MSG(strcmp(seq, want) == 0, "%s: %s rows, want %s", table, seq, want);
}

/* ---- deterministic: a transaction open across CREATE INDEX ------------------------------- */

TEST(open_txn_across_create_index)
{
    if (e2e_oracle())
        TEST_SKIP("PostgreSQL blocks CREATE INDEX behind the open writer (SHARE lock)");
    PGconn *c = e2e_connect(NULL), *w = e2e_connect(NULL);
    REQUIRE(c && w);
    CHECK_EXEC(c, "CREATE TABLE ot (id int PRIMARY KEY, k int)");
    CHECK_EXEC(c, "INSERT INTO ot SELECT g, g FROM generate_series(1, 5000) g");
    CHECK_EXEC(w, "BEGIN");
    CHECK_EXEC(w, "INSERT INTO ot VALUES (5001, 5001)");
    CHECK_EXEC(c, "CREATE INDEX ot_k_idx ON ot (k)");
    /* a later statement knows the index; the first one's row does not have its entry */
    CHECK_EXEC(w, "INSERT INTO ot VALUES (5002, 5002)");
    CHECK_ERROR(w, "COMMIT", "40001", "could not serialize access due to concurrent index creation");
    /* a retry succeeds and its rows are found through the index */
    CHECK_EXEC(w, "BEGIN");
    CHECK_EXEC(w, "INSERT INTO ot VALUES (5001, 5001)");
    CHECK_EXEC(w, "INSERT INTO ot VALUES (5002, 5002)");
    CHECK_EXEC(w, "COMMIT");
    check_counts(c, "ot", "k", "ot_k_idx", 6000, "5002");
    CHECK_QUERY(c, "SELECT id FROM ot WHERE k = 5001", "5001");
    /* (an UPDATE/DELETE of an existing row holds its row lock, which the index build's
     * rewrite of that row waits for: no race there; the guard covers it all the same) */
    /* a transaction that only read the table is not affected */
    CHECK_EXEC(w, "BEGIN");
    CHECK_QUERY(w, "SELECT count(*) FROM ot", "5002");
    CHECK_EXEC(c, "CREATE INDEX ot_k3_idx ON ot (id, k)");
    CHECK_EXEC(w, "COMMIT");
    /* nor is a writer of another table */
    CHECK_EXEC(c, "CREATE TABLE ot_other (id int)");
    CHECK_EXEC(w, "BEGIN");
    CHECK_EXEC(w, "INSERT INTO ot_other VALUES (1)");
    CHECK_EXEC(c, "CREATE INDEX ot_k4_idx ON ot (k DESC)");
    CHECK_EXEC(w, "COMMIT");
    PQfinish(w);
    PQfinish(c);
}

TEST(open_txn_across_create_unique_index)
{
    if (e2e_oracle())
        TEST_SKIP("PostgreSQL blocks CREATE INDEX behind the open writer (SHARE lock)");
    PGconn *c = e2e_connect(NULL), *w = e2e_connect(NULL);
    REQUIRE(c && w);
    CHECK_EXEC(c, "CREATE TABLE ou (id int PRIMARY KEY, k int)");
    CHECK_EXEC(c, "INSERT INTO ou SELECT g, g FROM generate_series(1, 5000) g");
    /* the duplicate is not committed while the index is built, so the build accepts */
    CHECK_EXEC(w, "BEGIN");
    CHECK_EXEC(w, "INSERT INTO ou VALUES (5001, 17)");
    CHECK_EXEC(c, "CREATE UNIQUE INDEX ou_k_idx ON ou (k)");
    CHECK_ERROR(w, "COMMIT", "40001", "could not serialize access due to concurrent index creation");
    CHECK_QUERY(c, "SELECT count(*) FROM (SELECT k FROM ou GROUP BY k HAVING count(*) > 1) d", "0");
    /* the retry meets the index */
    CHECK_ERROR(w, "INSERT INTO ou VALUES (5001, 17)", "23505", "duplicate key value violates unique constraint \"ou_k_idx\"");
    check_counts(c, "ou", "k", "ou_k_idx", 6000, "5000");
    PQfinish(w);
    PQfinish(c);
}

/* A failed or rolled-back build releases the table; a build in a REPEATABLE READ
 * transaction cannot move its snapshot, so it fails when rows were committed since. */
TEST(failed_build_and_repeatable_read)
{
    if (e2e_oracle())
        TEST_SKIP("ShaleDB-specific 40001 rules");
    PGconn *c = e2e_connect(NULL), *w = e2e_connect(NULL);
    REQUIRE(c && w);
    CHECK_EXEC(c, "CREATE TABLE fb (id int PRIMARY KEY, k int)");
    CHECK_EXEC(c, "INSERT INTO fb VALUES (1, 1), (2, 1), (3, 3)");
    CHECK_ERROR(c, "CREATE UNIQUE INDEX fb_k_idx ON fb (k)", "23505", "could not create unique index \"fb_k_idx\"");
    CHECK_EXEC(w, "INSERT INTO fb VALUES (4, 4)");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "CREATE INDEX fb_k_idx ON fb (k)");
    CHECK_EXEC(w, "BEGIN");
    CHECK_EXEC(w, "INSERT INTO fb VALUES (5, 5)");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(w, "COMMIT");   /* the build it raced with never committed */
    CHECK_EXEC(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    CHECK_QUERY(c, "SELECT count(*) FROM fb", "5");
    CHECK_EXEC(w, "INSERT INTO fb VALUES (6, 6)");
    CHECK_ERROR(c, "CREATE INDEX fb_k_idx ON fb (k)", "40001", "could not serialize access due to concurrent update");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    CHECK_EXEC(c, "CREATE INDEX fb_k_idx ON fb (k)");
    CHECK_EXEC(c, "COMMIT");
    CHECK_EXEC(w, "INSERT INTO fb VALUES (7, 7)");
    CHECK_QUERY(c, "SELECT id FROM fb WHERE k = 7", "7");
    PQfinish(w);
    PQfinish(c);
}

/* ---- loop: 3 inserting sessions while CREATE [UNIQUE] INDEX runs ------------------------- */

#define WRITERS 3
#define MAX_IDS 200000

static atomic_bool build_done;
static atomic_int n_serialization, n_other_errors;
static char table_name[32];
static unsigned char committed_ids[WRITERS][MAX_IDS / WRITERS];   /* 1 = committed */

static bool run(PGconn *c, const char *sql, bool *serialization)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (st && strcmp(st, "40001") == 0)
            *serialization = true;
        else if (atomic_fetch_add(&n_other_errors, 1) < 3)
            printf("  writer: %s: %s", sql, PQerrorMessage(c));
    }
    PQclear(r);
    return ok;
}

static void *writer(void *arg)
{
    int w = (int)(intptr_t)arg;
    PGconn *c = e2e_connect(NULL);
    if (!c)
        return NULL;
    int after = 0;
    for (int i = 0; i + 1 < MAX_IDS / WRITERS && after < 30; i += 2) {
        if (atomic_load(&build_done))
            after++;
        int id = 1000000 + w * (MAX_IDS / WRITERS) + i;
        char sql[200];
        bool ser = false, ok;
        if (i % 4 == 0) {   /* autocommit */
            snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (%d, %d)", table_name, id, id);
            ok = run(c, sql, &ser);
            committed_ids[w][i] = ok;
        } else {            /* two statements in one transaction */
            ok = run(c, "BEGIN", &ser);
            snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (%d, %d)", table_name, id, id);
            ok = ok && run(c, sql, &ser);
            snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (%d, %d)", table_name, id + 1, id + 1);
            ok = ok && run(c, sql, &ser);
            if (ok)
                ok = run(c, "COMMIT", &ser);
            else
                run(c, "ROLLBACK", &ser);
            committed_ids[w][i] = committed_ids[w][i + 1] = ok;
        }
        if (ser)
            atomic_fetch_add(&n_serialization, 1);
    }
    PQfinish(c);
    return NULL;
}

static void loop_case(const char *table, const char *create, const char *idx)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(c);
    char sql[300];
    snprintf(sql, sizeof sql, "CREATE TABLE %s (id int PRIMARY KEY, k int)", table);
    CHECK_EXEC(c, sql);
    snprintf(sql, sizeof sql, "INSERT INTO %s SELECT g, g FROM generate_series(1, %d) g", table, E2E_SCALE(30000, 8000));
    CHECK_EXEC(c, sql);
    snprintf(table_name, sizeof table_name, "%s", table);
    memset(committed_ids, 0, sizeof committed_ids);
    atomic_store(&build_done, false);
    atomic_store(&n_serialization, 0);
    atomic_store(&n_other_errors, 0);
    pthread_t th[WRITERS];
    for (int w = 0; w < WRITERS; w++)
        REQUIRE(pthread_create(&th[w], NULL, writer, (void *)(intptr_t)w) == 0);
    wire_sleep_ms(30);
    CHECK_EXEC(c, create);
    atomic_store(&build_done, true);
    for (int w = 0; w < WRITERS; w++)
        pthread_join(th[w], NULL);
    int n = E2E_SCALE(30000, 8000);
    for (int w = 0; w < WRITERS; w++)
        for (int i = 0; i < MAX_IDS / WRITERS; i++)
            n += committed_ids[w][i];
    printf("  %s: %d rows, %d writer commits failed with 40001\n", table, n, atomic_load(&n_serialization));
    CHECK_EQ_INT(atomic_load(&n_other_errors), 0);
    char want[32];
    snprintf(want, sizeof want, "%d", n);
    check_counts(c, table, "k", idx, E2E_SCALE(30000, 8000) + 1000, want);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT k FROM %s GROUP BY k HAVING count(*) > 1) d", table);
    CHECK_QUERY(c, sql, "0");
    PQfinish(c);
}

TEST(loop_create_index)
{
    loop_case("lb", "CREATE INDEX lb_k_idx ON lb (k)", "lb_k_idx");
}

TEST(loop_create_unique_index)
{
    loop_case("lu", "CREATE UNIQUE INDEX lu_k_idx ON lu (k)", "lu_k_idx");
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(open_txn_across_create_index);
    RUN(open_txn_across_create_unique_index);
    RUN(failed_build_and_repeatable_read);
    RUN(loop_create_index);
    RUN(loop_create_unique_index);
    e2e_finish();
)
