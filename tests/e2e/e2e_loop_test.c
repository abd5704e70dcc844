/* e2e_loop_test.c -- the connection event loop (protocol/pq_loop.c) through the wire: a server
 * with ONE connection worker must still serve everyone while that worker sleeps on a row
 * lock or runs a long query (blocking hooks and the stall monitor add workers), hundreds of
 * idle connections cost no thread each, and the thread-per-connection mode
 * (connection_workers = 0) still works. */
#include "tests/harness/test.h"
#include "tests/e2e/e2e_util.h"

#include <dirent.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int server_threads(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* A waits-for chain that needs a second worker: B sleeps on A's row lock on the only
 * worker; A's COMMIT and C's query must still be served, then B finishes. */
static void lock_wait_scenario(int port)
{
    char ci[256];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres connect_timeout=20", port);
    PGconn *a = PQconnectdb(ci), *b = PQconnectdb(ci), *c = PQconnectdb(ci);
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK && PQstatus(c) == CONNECTION_OK);
    PQsetNoticeProcessor(a, e2e_quiet_notice, NULL);
    /* Bounded: if nothing else could run while b waits, b gives up and the check below fails
     * instead of the test hanging. */
    CHECK_EXEC(b, "SET statement_timeout = '8s'");
    CHECK_EXEC(a, "DROP TABLE IF EXISTS lw");
    CHECK_EXEC(a, "CREATE TABLE lw (id int PRIMARY KEY, v int)");
    CHECK_EXEC(a, "INSERT INTO lw VALUES (1, 0)");
    CHECK_EXEC(a, "BEGIN");
    CHECK_EXEC(a, "UPDATE lw SET v = v + 1 WHERE id = 1");
    CHECK(PQsendQuery(b, "UPDATE lw SET v = v + 10 WHERE id = 1") == 1);
    struct timespec pause = {0, 200 * 1000000L};
    nanosleep(&pause, NULL); /* b is now waiting for a's row lock */
    int64_t t0 = now_ms();
    CHECK_QUERY(c, "SELECT 41 + 1", "42");
    CHECK_EXEC(a, "COMMIT");
    int64_t served = now_ms() - t0;
    CHECK_MSG(served < 5000, "other sessions waited %lld ms behind a lock wait", (long long)served);
    PGresult *r;
    bool ok = true;
    while ((r = PQgetResult(b))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            ok = false;
        PQclear(r);
    }
    CHECK(ok);
    CHECK_QUERY(c, "SELECT v FROM lw", "11");
    PQfinish(a);
    PQfinish(b);
    PQfinish(c);
}

TEST(lock_wait_hands_off_the_worker)
{
    lock_wait_scenario(e2e_port());
}

TEST(long_query_does_not_stall_others)
{
    PGconn *slow = e2e_connect(NULL), *fast = e2e_connect(NULL);
    REQUIRE(PQstatus(slow) == CONNECTION_OK && PQstatus(fast) == CONNECTION_OK);
#ifdef SHALE_SANITIZERS
    const char *q = "SELECT count(*) FROM generate_series(1, 3000000) g WHERE g % 7 = 3";
#else
    const char *q = "SELECT count(*) FROM generate_series(1, 12000000) g WHERE g % 7 = 3";
#endif
    int64_t t0 = now_ms();
    CHECK(PQsendQuery(slow, q) == 1);
    struct timespec pause = {0, 50 * 1000000L};
    nanosleep(&pause, NULL);
    CHECK_QUERY(fast, "SELECT 'still served'", "still served");
    int64_t fast_done = now_ms() - t0;
    PGresult *r;
    bool ok = false;
    while ((r = PQgetResult(slow))) {
        ok = PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    int64_t slow_done = now_ms() - t0;
    CHECK(ok);
    printf("  long query %lld ms; a short query beside it answered after %lld ms\n", (long long)slow_done,
           (long long)fast_done);
    CHECK_MSG(fast_done < slow_done, "the short query waited for the long one (%lld >= %lld ms)",
              (long long)fast_done, (long long)slow_done);
    PQfinish(slow);
    PQfinish(fast);
}

TEST(idle_connections_cost_no_thread)
{
    enum { N = 150 };
    PGconn *cs[N];
    int opened = 0;
    for (int i = 0; i < N; i++) {
        cs[i] = e2e_connect(NULL);
        if (PQstatus(cs[i]) == CONNECTION_OK)
            opened++;
    }
    CHECK(opened == N);
    int threads = server_threads(e2e_srv.pid);
    printf("  %d idle connections, %d server threads\n", opened, threads);
    CHECK_MSG(threads > 0 && threads < 40, "%d threads for %d connections", threads, opened);
    int answered = 0;
    for (int i = 0; i < N; i++) {
        PGresult *r = PQexec(cs[i], "SELECT 1");
        if (PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "1") == 0)
            answered++;
        PQclear(r);
    }
    CHECK(answered == N);
    for (int i = 0; i < N; i++)
        PQfinish(cs[i]);
}

TEST(thread_per_connection_mode)
{
    static WireServer s2;
    static const char *const threads[] = {"-c", "connection_workers=0", NULL};
    REQUIRE(wire_start(&s2, "threads", threads));
    lock_wait_scenario(s2.port);
    CHECK(wire_stop(&s2, SIGTERM, 30000) == 0);
}

static const char *const one_worker[] = {"-c", "connection_workers=1", NULL};

TEST_MAIN(
    if (!e2e_start(one_worker)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(lock_wait_hands_off_the_worker);
    RUN(long_query_does_not_stall_others);
    RUN(idle_connections_cost_no_thread);
    RUN(thread_per_connection_mode);
    e2e_finish();
)
