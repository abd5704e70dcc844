/* e2e_concurrency_test.c -- many sessions at once on the real engine, and two-session
 * isolation scenarios as PostgreSQL 15 behaves: lost update at READ COMMITTED (the second
 * writer re-reads), REPEATABLE READ -> 40001, SERIALIZABLE write skew -> 40001, deadlock ->
 * 40P01 for one side; a bank-transfer workload with retries keeping the total constant. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

typedef struct ConnJob {
    int id;
    int ok;
} ConnJob;

static void *many_worker(void *arg)
{
    ConnJob *j = arg;
    PGconn *c = e2e_connect(NULL);
    if (PQstatus(c) == CONNECTION_OK) {
        char sql[160];
        snprintf(sql, sizeof sql, "INSERT INTO many VALUES (%d, 'c%d')", j->id, j->id);
        bool ok = E2E_EXEC(c, sql);
        snprintf(sql, sizeof sql, "UPDATE many SET v = v || '!' WHERE id = %d", j->id);
        ok = ok && E2E_EXEC(c, sql);
        char buf[64];
        snprintf(sql, sizeof sql, "SELECT v FROM many WHERE id = %d", j->id);
        char want[32];
        snprintf(want, sizeof want, "c%d!", j->id);
        ok = ok && !strcmp(e2e_query(c, sql, buf, sizeof buf), want);
        j->ok = ok;
    } else {
        printf("  connection %d: %s", j->id, PQerrorMessage(c));
    }
    PQfinish(c);
    return NULL;
}

TEST(many_connections)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE many (id int PRIMARY KEY, v text)");
    int n = E2E_SCALE(500, 100);
    if (e2e_oracle())
        n = 80; /* the oracle's max_connections is 100 */
    ConnJob *jobs = calloc((size_t)n, sizeof *jobs);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (int i = 0; i < n; i++) {
        jobs[i].id = i;
        CHECK(pthread_create(&th[i], &attr, many_worker, &jobs[i]) == 0);
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        ok += jobs[i].ok;
    }
    pthread_attr_destroy(&attr);
    CHECK_EQ_INT(ok, n);
    char want[32];
    snprintf(want, sizeof want, "%d", n);
    CHECK_QUERY(c, "SELECT count(*) FROM many WHERE v LIKE '%!'", want);
    CHECK_EXEC(c, "DROP TABLE many");
    free(jobs);
    free(th);
    PQfinish(c);
}

/* Sends sql on c without waiting; returns true when it is still running after ms. */
static bool still_blocked(PGconn *c, const char *sql, int ms)
{
    if (!PQsendQuery(c, sql))
        return false;
    wire_sleep_ms(ms);
    PQconsumeInput(c);
    return PQisBusy(c);
}

/* The result of the query sent with still_blocked, rendered. */
static const char *finish(PGconn *c, char *buf, size_t cap)
{
    PGresult *r, *last = NULL;
    while ((r = PQgetResult(c)) != NULL) {
        PQclear(last);
        last = r;
    }
    e2e_result_text(last, c, buf, cap);
    if (PQresultStatus(last) == PGRES_COMMAND_OK)
        snprintf(buf, cap, "%s", PQcmdStatus(last));
    PQclear(last);
    return buf;
}

TEST(isolation_levels)
{
    PGconn *a = e2e_connect(NULL), *b = e2e_connect(NULL);
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    REQUIRE_EXEC(a, "CREATE TABLE acct (id int PRIMARY KEY, bal int)");
    REQUIRE_EXEC(a, "INSERT INTO acct VALUES (1, 100), (2, 100)");
    char buf[256];

    /* READ COMMITTED: the second writer waits, then updates the committed row: no lost update. */
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(b, "BEGIN");
    CHECK_EXEC(a, "UPDATE acct SET bal = bal + 10 WHERE id = 1");
    CHECK(still_blocked(b, "UPDATE acct SET bal = bal + 5 WHERE id = 1", 300));
    CHECK_EXEC(a, "COMMIT");
    CHECK_STR(finish(b, buf, sizeof buf), "UPDATE 1");
    CHECK_EXEC(b, "COMMIT");
    CHECK_QUERY(a, "SELECT bal FROM acct WHERE id = 1", "115");

    /* REPEATABLE READ: the same race fails with 40001. */
    CHECK_EXEC(a, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    CHECK_EXEC(b, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    CHECK_QUERY(b, "SELECT bal FROM acct WHERE id = 1", "115");
    CHECK_EXEC(a, "UPDATE acct SET bal = bal + 10 WHERE id = 1");
    CHECK(still_blocked(b, "UPDATE acct SET bal = bal + 5 WHERE id = 1", 300));
    CHECK_EXEC(a, "COMMIT");
    CHECK_STR(finish(b, buf, sizeof buf), "ERROR 40001 could not serialize access due to concurrent update");
    CHECK_EXEC(b, "ROLLBACK");
    CHECK_QUERY(a, "SELECT bal FROM acct WHERE id = 1", "125");
    /* REPEATABLE READ keeps its snapshot. */
    CHECK_EXEC(b, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    CHECK_QUERY(b, "SELECT bal FROM acct WHERE id = 2", "100");
    CHECK_EXEC(a, "UPDATE acct SET bal = 0 WHERE id = 2");
    CHECK_QUERY(b, "SELECT bal FROM acct WHERE id = 2", "100");
    CHECK_EXEC(b, "COMMIT");
    CHECK_QUERY(b, "SELECT bal FROM acct WHERE id = 2", "0");
    CHECK_EXEC(a, "UPDATE acct SET bal = 100 WHERE id IN (1, 2)");

    /* SERIALIZABLE write skew: each reads both, writes one; one of them gets 40001. */
    CHECK_EXEC(a, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    CHECK_EXEC(b, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    CHECK_QUERY(a, "SELECT sum(bal) FROM acct", "200");
    CHECK_QUERY(b, "SELECT sum(bal) FROM acct", "200");
    CHECK_EXEC(a, "UPDATE acct SET bal = bal - 150 WHERE id = 1");
    char rb[256];
    e2e_query(b, "UPDATE acct SET bal = bal - 150 WHERE id = 2", rb, sizeof rb);
    char ca[256], cb[256];
    e2e_query(a, "COMMIT", ca, sizeof ca);
    if (strncmp(rb, "ERROR", 5) == 0) {
        PQclear(PQexec(b, "ROLLBACK"));
        snprintf(cb, sizeof cb, "%s", rb);
    } else {
        e2e_query(b, "COMMIT", cb, sizeof cb);
    }
    bool a_failed = !strncmp(ca, "ERROR 40001", 11), b_failed = !strncmp(cb, "ERROR 40001", 11);
    CHECK_MSG(a_failed != b_failed, "write skew: a=\"%s\" b=\"%s\"", ca, cb);
    CHECK_QUERY(a, "SELECT sum(bal) FROM acct", "50");
    CHECK_EXEC(a, "UPDATE acct SET bal = 100 WHERE id IN (1, 2)");

    /* Deadlock: one side gets 40P01, the other goes on. */
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(b, "BEGIN");
    CHECK_EXEC(a, "UPDATE acct SET bal = bal + 1 WHERE id = 1");
    CHECK_EXEC(b, "UPDATE acct SET bal = bal + 1 WHERE id = 2");
    CHECK(still_blocked(a, "UPDATE acct SET bal = bal + 1 WHERE id = 2", 200));
    e2e_query(b, "UPDATE acct SET bal = bal + 1 WHERE id = 1", rb, sizeof rb);
    finish(a, ca, sizeof ca);
    bool b_dead = !strncmp(rb, "ERROR 40P01 deadlock detected", 29);
    bool a_dead = !strncmp(ca, "ERROR 40P01 deadlock detected", 29);
    CHECK_MSG(a_dead != b_dead, "deadlock: a=\"%s\" b=\"%s\"", ca, rb);
    CHECK_EXEC(a, "ROLLBACK");
    CHECK_EXEC(b, "ROLLBACK");
    CHECK_QUERY(a, "SELECT sum(bal) FROM acct", "200");
    CHECK_EXEC(a, "DROP TABLE acct");
    PQfinish(a);
    PQfinish(b);
}

#define BANK_ACCOUNTS 20
static atomic_int bank_commits, bank_retries, bank_unexpected;

static void *bank_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    PGconn *c = e2e_connect(NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        atomic_fetch_add(&bank_unexpected, 1);
        PQfinish(c);
        return NULL;
    }
    const char *level = id % 2 ? "REPEATABLE READ" : "SERIALIZABLE";
    uint32_t seed = 12345u + (uint32_t)id * 7919u;
    int n = E2E_SCALE(60, 20);
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        int from = (int)(seed >> 8) % BANK_ACCOUNTS, to = (int)(seed >> 16) % BANK_ACCOUNTS, amt = (int)(seed >> 24) % 20;
        if (from == to)
            to = (to + 1) % BANK_ACCOUNTS;
        for (int attempt = 0; attempt < 100; attempt++) {
            char sql[256];
            snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL %s", level);
            PQclear(PQexec(c, sql));
            snprintf(sql, sizeof sql, "UPDATE bank SET bal = bal - %d WHERE id = %d", amt, from);
            PGresult *r = PQexec(c, sql);
            bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            char state[8] = "";
            if (st)
                snprintf(state, sizeof state, "%s", st);
            PQclear(r);
            if (ok) {
                snprintf(sql, sizeof sql, "UPDATE bank SET bal = bal + %d WHERE id = %d", amt, to);
                r = PQexec(c, sql);
                ok = PQresultStatus(r) == PGRES_COMMAND_OK;
                st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                if (st)
                    snprintf(state, sizeof state, "%s", st);
                PQclear(r);
            }
            if (ok) {
                r = PQexec(c, "COMMIT");
                ok = PQresultStatus(r) == PGRES_COMMAND_OK && !strcmp(PQcmdStatus(r), "COMMIT");
                st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                if (st)
                    snprintf(state, sizeof state, "%s", st);
                PQclear(r);
            } else {
                PQclear(PQexec(c, "ROLLBACK"));
            }
            if (ok) {
                atomic_fetch_add(&bank_commits, 1);
                break;
            }
            if (strcmp(state, "40001") != 0 && strcmp(state, "40P01") != 0) {
                printf("  bank worker %d: unexpected \"%s\"\n", id, state);
                atomic_fetch_add(&bank_unexpected, 1);
                break;
            }
            atomic_fetch_add(&bank_retries, 1);
        }
    }
    PQfinish(c);
    return NULL;
}

TEST(bank_transfers_keep_the_total)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE bank (id int PRIMARY KEY, bal int)");
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO bank SELECT g, 1000 FROM generate_series(0, %d) g", BANK_ACCOUNTS - 1);
    REQUIRE_EXEC(c, sql);
    enum { THREADS = 6 };
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, bank_worker, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ_INT(atomic_load(&bank_unexpected), 0);
    CHECK_EQ_INT(atomic_load(&bank_commits), THREADS * E2E_SCALE(60, 20));
    snprintf(sql, sizeof sql, "%d|%d", BANK_ACCOUNTS * 1000, BANK_ACCOUNTS);
    CHECK_QUERY(c, "SELECT sum(bal), count(*) FROM bank", sql);
    printf("  bank: %d commits, %d retries\n", atomic_load(&bank_commits), atomic_load(&bank_retries));
    CHECK_EXEC(c, "DROP TABLE bank");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(many_connections);
    RUN(isolation_levels);
    RUN(bank_transfers_keep_the_total);
    e2e_finish();
)
