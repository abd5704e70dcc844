/* e2e_activity_test.c -- session monitoring and control through the wire: pg_stat_activity
 * showing every session (pid = BackendKeyData = pg_backend_pid(), client address, states
 * idle / active / idle in transaction / aborted, the statement text), PostgreSQL 15's
 * masking of other roles' sessions, pg_cancel_backend of a running statement from another
 * session (57014 for the victim), pg_terminate_backend of an idle session (57P01; the server
 * keeps serving), their permission errors (42501), the WARNING for an unknown pid and
 * wait_event Lock / transactionid during a row-lock wait.
 * Expectations checked against PostgreSQL 15 (SHALE_E2E_ORACLE_PORT). */
#include "tests/harness/test.h"

#include <time.h>

#include "tests/e2e/e2e_util.h"

static PGconn *connect_as(const char *user)
{
    char extra[128] = "application_name=e2e_activity";
    if (user)
        snprintf(extra, sizeof extra, "user=%s application_name=e2e_%s", user, user);
    PGconn *c = e2e_connect(extra);
    if (PQstatus(c) != CONNECTION_OK)
        printf("  connect as %s failed: %s", user ? user : "default", PQerrorMessage(c));
    return c;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One column of pg_stat_activity for pid, as text ("" for no row, "NULL" for NULL). */
static const char *activity_of(PGconn *c, int pid, const char *col, char *buf, size_t cap)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT coalesce((%s)::text, 'NULL') FROM pg_stat_activity WHERE pid = %d", col, pid);
    return e2e_query(c, sql, buf, cap);
}

/* Waits (up to ~10 s) until pid's state is want. */
static bool wait_state(PGconn *c, int pid, const char *want)
{
    char buf[256];
    for (int i = 0; i < 1000; i++) {
        if (strcmp(activity_of(c, pid, "state", buf, sizeof buf), want) == 0)
            return true;
        sleep_ms(10);
    }
    printf("  pid %d: state %s, want %s\n", pid, buf, want);
    return false;
}

static char last_notice[512];
static void keep_notice(void *arg, const char *message)
{
    (void)arg;
    snprintf(last_notice, sizeof last_notice, "%s", message);
}

TEST(pids_and_client)
{
    PGconn *c = connect_as(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    int pid = PQbackendPID(c);
    char want[64], buf[256];
    snprintf(want, sizeof want, "%d", pid);
    CHECK_QUERY(c, "SELECT pg_backend_pid()", want);
    CHECK_QUERY(c, "SELECT count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid()", "1");
    CHECK_QUERY(c, "SELECT application_name, client_addr, client_port > 0, client_hostname IS NULL, leader_pid IS NULL, "
                   "backend_type, state, query, backend_start <= query_start, xact_start IS NOT NULL, "
                   "datname = current_database(), usename = current_user "
                   "FROM pg_stat_activity WHERE pid = pg_backend_pid()",
                "e2e_activity|127.0.0.1|t|t|t|client backend|active|SELECT application_name, client_addr, "
                "client_port > 0, client_hostname IS NULL, leader_pid IS NULL, backend_type, state, query, "
                "backend_start <= query_start, xact_start IS NOT NULL, datname = current_database(), "
                "usename = current_user FROM pg_stat_activity WHERE pid = pg_backend_pid()|t|t|t|t");
    PGconn *d = connect_as(NULL);
    REQUIRE(PQstatus(d) == CONNECTION_OK);
    CHECK_MSG(PQbackendPID(d) != pid, "two sessions share pid %d", pid);
    /* both sessions are listed; the other one is idle with its last statement */
    CHECK_EXEC(d, "SELECT 42");
    CHECK_STR(activity_of(c, PQbackendPID(d), "state || ':' || query", buf, sizeof buf), "idle:SELECT 42");
    CHECK_STR(activity_of(c, PQbackendPID(d), "xact_start", buf, sizeof buf), "NULL");
    /* SET application_name shows */
    CHECK_EXEC(d, "SET application_name = 'renamed'");
    CHECK_STR(activity_of(c, PQbackendPID(d), "application_name", buf, sizeof buf), "renamed");
    PQfinish(d);
    PQfinish(c);
}

TEST(states)
{
    PGconn *mon = connect_as(NULL), *a = connect_as(NULL), *b = connect_as(NULL);
    REQUIRE(PQstatus(mon) == CONNECTION_OK && PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    char buf[512];
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(a, "SELECT 2");
    CHECK_STR(activity_of(mon, PQbackendPID(a), "state || ':' || query", buf, sizeof buf),
                 "idle in transaction:SELECT 2");
    CHECK_STR(activity_of(mon, PQbackendPID(a), "xact_start <= query_start", buf, sizeof buf), "true");
    CHECK_EXEC(b, "BEGIN");
    CHECK_ERROR(b, "SELECT 1/0", "22012", "division by zero");
    CHECK_STR(activity_of(mon, PQbackendPID(b), "state || ':' || query", buf, sizeof buf),
                 "idle in transaction (aborted):SELECT 1/0");
    CHECK_EXEC(b, "ROLLBACK");
    CHECK_STR(activity_of(mon, PQbackendPID(b), "state", buf, sizeof buf), "idle");
    CHECK_EXEC(a, "COMMIT");
    /* extended protocol: the prepared statement's text */
    PGresult *r = PQexecParams(a, "SELECT $1::int + 1", 1, NULL, (const char *const[]){"41"}, NULL, NULL, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK);
    PQclear(r);
    CHECK_STR(activity_of(mon, PQbackendPID(a), "state || ':' || query", buf, sizeof buf),
                 "idle:SELECT $1::int + 1");
    PQfinish(a);
    PQfinish(b);
    PQfinish(mon);
}

/* A statement running until cancelled (statement_timeout is the safety net). */
#define LONG_QUERY "SELECT count(*) FROM generate_series(1, 2000000000)"

TEST(cancel_running)
{
    PGconn *mon = connect_as(NULL), *v = connect_as(NULL);
    REQUIRE(PQstatus(mon) == CONNECTION_OK && PQstatus(v) == CONNECTION_OK);
    PQsetNoticeProcessor(mon, keep_notice, NULL);
    int pid = PQbackendPID(v);
    CHECK_EXEC(v, "SET statement_timeout = '60s'");
    REQUIRE(PQsendQuery(v, LONG_QUERY) == 1);
    char buf[512], sql[160];
    CHECK(wait_state(mon, pid, "active"));
    CHECK_STR(activity_of(mon, pid, "query", buf, sizeof buf), LONG_QUERY);
    CHECK_STR(activity_of(mon, pid, "wait_event IS NULL", buf, sizeof buf), "true");
    sleep_ms(200); /* past the statement's start, where a cancel flag is reset */
    snprintf(sql, sizeof sql, "SELECT pg_cancel_backend(%d)", pid);
    CHECK_QUERY(mon, sql, "t");
    PGresult *r = PQgetResult(v);
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    CHECK_STR(st ? st : "-", "57014");
    CHECK_STR(m ? m : "-", "canceling statement due to user request");
    PQclear(r);
    while ((r = PQgetResult(v)) != NULL)
        PQclear(r);
    /* the victim goes on */
    CHECK_QUERY(v, "SELECT 7", "7");
    CHECK(wait_state(mon, pid, "idle"));
    /* the same for pg_sleep */
    REQUIRE(PQsendQuery(v, "SELECT pg_sleep(30)") == 1);
    CHECK(wait_state(mon, pid, "active"));
    sleep_ms(200);
    CHECK_QUERY(mon, sql, "t");
    r = PQgetResult(v);
    st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    CHECK_STR(st ? st : "-", "57014");
    PQclear(r);
    while ((r = PQgetResult(v)) != NULL)
        PQclear(r);
    CHECK_QUERY(v, "SELECT 8", "8");
    /* unknown pid: WARNING and false; negative timeout */
    last_notice[0] = '\0';
    CHECK_QUERY(mon, "SELECT pg_cancel_backend(2147483000)", "f");
    CHECK_MSG(strstr(last_notice, "WARNING:  PID 2147483000 is not a PostgreSQL backend process") != NULL,
              "notice: %s", last_notice);
    last_notice[0] = '\0';
    CHECK_QUERY(mon, "SELECT pg_terminate_backend(2147483000)", "f");
    CHECK_MSG(strstr(last_notice, "PID 2147483000 is not a PostgreSQL backend process") != NULL, "notice: %s",
              last_notice);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, -1)", pid);
    CHECK_ERROR(mon, sql, "22003", "\"timeout\" must not be negative");
    CHECK_QUERY(mon, "SELECT pg_cancel_backend(NULL) IS NULL", "t");
    PQfinish(v);
    PQfinish(mon);
}

TEST(terminate_idle)
{
    PGconn *mon = connect_as(NULL), *v = connect_as(NULL), *w = connect_as(NULL);
    REQUIRE(PQstatus(mon) == CONNECTION_OK && PQstatus(v) == CONNECTION_OK && PQstatus(w) == CONNECTION_OK);
    int pid = PQbackendPID(v), pid_w = PQbackendPID(w);
    char sql[160], buf[64];
    CHECK_EXEC(v, "SELECT 1");
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", pid);
    CHECK_QUERY(mon, sql, "t");
    PGresult *r = PQexec(v, "SELECT 1");
    CHECK_MSG(PQresultStatus(r) != PGRES_TUPLES_OK, "terminated session still answers");
    CHECK_MSG(strstr(PQerrorMessage(v), "terminating connection due to administrator command") ||
              strstr(PQerrorMessage(v), "server closed the connection"), "message: %s", PQerrorMessage(v));
    PQclear(r);
    PQfinish(v);
    /* with a timeout: waits for the session to be gone */
    CHECK_EXEC(w, "BEGIN");
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, 10000)", pid_w);
    CHECK_QUERY(mon, sql, "t");
    CHECK_STR(activity_of(mon, pid_w, "state", buf, sizeof buf), "");
    PQfinish(w);
    /* the server keeps serving */
    CHECK_QUERY(mon, "SELECT 1", "1");
    PGconn *n = connect_as(NULL);
    CHECK_QUERY(n, "SELECT 2", "2");
    PQfinish(n);
    PQfinish(mon);
}

TEST(privileges)
{
    PGconn *su = connect_as(NULL);
    REQUIRE(PQstatus(su) == CONNECTION_OK);
    CHECK_EXEC(su, "DROP ROLE IF EXISTS act_alice");
    CHECK_EXEC(su, "DROP ROLE IF EXISTS act_bob");
    REQUIRE_EXEC(su, "CREATE ROLE act_alice LOGIN");
    REQUIRE_EXEC(su, "CREATE ROLE act_bob LOGIN");
    PGconn *alice = connect_as("act_alice"), *bob = connect_as("act_bob");
    REQUIRE(PQstatus(alice) == CONNECTION_OK && PQstatus(bob) == CONNECTION_OK);
    int bob_pid = PQbackendPID(bob), su_pid = PQbackendPID(su);
    CHECK_EXEC(bob, "BEGIN");
    CHECK_EXEC(bob, "SELECT 'secret'");
    char sql[512];
    /* another role's session: identity only */
    snprintf(sql, sizeof sql,
             "SELECT usename, application_name, datname = current_database(), query, state IS NULL, "
             "client_addr IS NULL, client_port IS NULL, backend_start IS NULL, xact_start IS NULL, "
             "query_start IS NULL, state_change IS NULL, backend_type IS NULL "
             "FROM pg_stat_activity WHERE pid = %d", bob_pid);
    CHECK_QUERY(alice, sql, "act_bob|e2e_act_bob|t|<insufficient privilege>|t|t|t|t|t|t|t|t");
    /* the superuser sees everything */
    snprintf(sql, sizeof sql, "SELECT query, state FROM pg_stat_activity WHERE pid = %d", bob_pid);
    CHECK_QUERY(su, sql, "SELECT 'secret'|idle in transaction");
    /* own sessions in full */
    CHECK_QUERY(alice, "SELECT state FROM pg_stat_activity WHERE pid = pg_backend_pid()", "active");
    /* signalling: superuser's sessions, then other roles' */
    snprintf(sql, sizeof sql, "SELECT pg_cancel_backend(%d)", su_pid);
    CHECK_ERROR(alice, sql, "42501", "must be a superuser to cancel superuser query");
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", su_pid);
    CHECK_ERROR(alice, sql, "42501", "must be a superuser to terminate superuser process");
    snprintf(sql, sizeof sql, "SELECT pg_cancel_backend(%d)", bob_pid);
    CHECK_ERROR(alice, sql, "42501",
                "must be a member of the role whose query is being canceled or member of pg_signal_backend");
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", bob_pid);
    CHECK_ERROR(alice, sql, "42501",
                "must be a member of the role whose process is being terminated or member of pg_signal_backend");
    /* a member of bob's role sees and signals bob's sessions */
    CHECK_EXEC(su, "GRANT act_bob TO act_alice");
    snprintf(sql, sizeof sql, "SELECT query FROM pg_stat_activity WHERE pid = %d", bob_pid);
    CHECK_QUERY(alice, sql, "SELECT 'secret'");
    snprintf(sql, sizeof sql, "SELECT pg_cancel_backend(%d)", bob_pid);
    CHECK_QUERY(alice, sql, "t");
    /* an idle session ignores a cancel */
    CHECK_QUERY(bob, "SELECT 3", "3");
    CHECK_EXEC(bob, "COMMIT");
    PQfinish(bob);
    PQfinish(alice);
    CHECK_EXEC(su, "REVOKE act_bob FROM act_alice");
    PQfinish(su);
}

TEST(lock_wait)
{
    PGconn *mon = connect_as(NULL), *a = connect_as(NULL), *b = connect_as(NULL);
    REQUIRE(PQstatus(mon) == CONNECTION_OK && PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    CHECK_EXEC(mon, "DROP TABLE IF EXISTS act_locked");
    REQUIRE_EXEC(mon, "CREATE TABLE act_locked (id int PRIMARY KEY, v int)");
    CHECK_EXEC(mon, "INSERT INTO act_locked VALUES (1, 0)");
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(a, "UPDATE act_locked SET v = 1 WHERE id = 1");
    CHECK_EXEC(b, "SET statement_timeout = '30s'");
    REQUIRE(PQsendQuery(b, "UPDATE act_locked SET v = 2 WHERE id = 1") == 1);
    int pid = PQbackendPID(b);
    char buf[256];
    bool seen = false;
    for (int i = 0; i < 500 && !seen; i++) {
        seen = strcmp(activity_of(mon, pid, "state || ':' || wait_event_type || ':' || wait_event", buf, sizeof buf),
                      "active:Lock:transactionid") == 0;
        if (!seen)
            sleep_ms(10);
    }
    CHECK_MSG(seen, "waiting session shows %s", buf);
    CHECK_STR(activity_of(mon, PQbackendPID(a), "wait_event_type || ':' || wait_event", buf, sizeof buf),
              "Client:ClientRead");
    CHECK_EXEC(a, "COMMIT");
    PGresult *r;
    while ((r = PQgetResult(b)) != NULL) {
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
    }
    CHECK_STR(activity_of(mon, pid, "state || ':' || coalesce(wait_event, 'none')", buf, sizeof buf), "idle:ClientRead");
    CHECK_QUERY(mon, "SELECT v FROM act_locked", "2");
    CHECK_EXEC(mon, "DROP TABLE act_locked");
    PQfinish(a);
    PQfinish(b);
    PQfinish(mon);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(pids_and_client);
    RUN(states);
    RUN(cancel_running);
    RUN(terminate_idle);
    RUN(privileges);
    RUN(lock_wait);
    e2e_finish();
)
