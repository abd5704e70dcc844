/* wire_server_test.c -- the server process: 500 concurrent connections running statements
 * while slow clients stall; SIGTERM clean shutdown (idle sessions get 57P01, a running
 * statement finishes), the grace period cancelling a long statement, a second server on the
 * same data directory refused, shaledb.conf with -c overrides and SIGHUP reload,
 * max_connections, --help/--version. */
#include "tests/harness/test.h"

#include "config.h"
#include "tests/wire/wire_util.h"

/* Reads the server log into buf (static). */
static const char *read_log(const WireServer *ws)
{
    static char buf[1 << 16];
    FILE *f = fopen(ws->log, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    return buf;
}

TEST(many_concurrent_connections)
{
    int n = 500;
#ifdef SHALE_SANITIZERS
    n = 200;
#endif
    WireServer ws;
    const char *extra[] = {"-c", "log_min_messages=error", NULL};
    REQUIRE(wire_start(&ws, "many", extra));
    /* slow clients: one stalls mid-message, one never reads its results */
    int stall = wire_raw_connect(ws.port);
    char pkt[256];
    size_t pn = wire_startup_packet(pkt, sizeof pkt, "slow", "postgres");
    wire_raw_send(stall, pkt, pn);
    wire_raw_send(stall, "Q\0\0\0\x40SEL", 8);
    int deaf = wire_raw_connect(ws.port);
    wire_raw_send(deaf, pkt, pn);
    int rcv = 4096;
    setsockopt(deaf, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    char q[64];
    size_t qn = 0;
    q[qn++] = 'Q';
    const char *sql = "SELECT generate_series(1, 2000000)";
    uint32_t l = htonl((uint32_t)(strlen(sql) + 5));
    memcpy(q + qn, &l, 4);
    qn += 4;
    memcpy(q + qn, sql, strlen(sql) + 1);
    qn += strlen(sql) + 1;
    wire_raw_send(deaf, q, qn);

    PGconn **cs = calloc((size_t)n, sizeof *cs);
    int64_t t0 = wire_now_ms();
    int connected = 0;
    for (int i = 0; i < n; i++) {
        cs[i] = wire_connect(&ws, NULL);
        connected += PQstatus(cs[i]) == CONNECTION_OK;
    }
    CHECK_EQ_INT(connected, n);
    int64_t t1 = wire_now_ms();
    int good = 0;
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < n; i++) {
            char s[64];
            snprintf(s, sizeof s, "SELECT %d; SELECT generate_series(1, 20)", i * 10 + round);
            PQsendQuery(cs[i], s);
        }
        for (int i = 0; i < n; i++) {
            PGresult *r;
            int results = 0;
            bool ok = true;
            while ((r = PQgetResult(cs[i])) != NULL) {
                ok &= PQresultStatus(r) == PGRES_TUPLES_OK;
                if (results == 0)
                    ok &= atoi(PQgetvalue(r, 0, 0)) == i * 10 + round;
                results++;
                PQclear(r);
            }
            good += ok && results == 2;
        }
    }
    CHECK_EQ_INT(good, 5 * n);
    printf("  %d connections in %lld ms, 5 rounds in %lld ms\n", n, (long long)(t1 - t0),
           (long long)(wire_now_ms() - t1));
    for (int i = 0; i < n; i++)
        PQfinish(cs[i]);
    free(cs);
    close(stall);
    close(deaf);
    CHECK(wire_alive(&ws));
    CHECK_EQ_INT(wire_stop(&ws, SIGTERM, 60000), 0);
}

TEST(sigterm_clean_shutdown)
{
    WireServer ws;
    REQUIRE(wire_start(&ws, "term", NULL));
    PGconn *idle = wire_connect(&ws, NULL);
    PGconn *busy = wire_connect(&ws, NULL);
    REQUIRE(PQstatus(idle) == CONNECTION_OK && PQstatus(busy) == CONNECTION_OK);
    REQUIRE(PQsendQuery(busy, "SELECT pg_sleep(1)"));
    wire_sleep_ms(200);
    int64_t t0 = wire_now_ms();
    kill(ws.pid, SIGTERM);
    /* the running statement completes */
    PGresult *r;
    bool finished = false;
    while ((r = PQgetResult(busy)) != NULL) {
        finished |= PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    CHECK(finished);
    /* the idle session was told why it goes */
    wire_sleep_ms(100);
    r = PQexec(idle, "SELECT 1");
    CHECK(PQresultStatus(r) != PGRES_TUPLES_OK);
    CHECK(strstr(PQerrorMessage(idle), "terminating connection due to administrator command") != NULL);
    PQclear(r);
    int st = wire_stop(&ws, 0, 20000);
    CHECK_EQ_INT(st, 0);
    CHECK(wire_now_ms() - t0 < 15000);
    CHECK(strstr(read_log(&ws), "database system is shut down") != NULL);
    PQfinish(idle);
    PQfinish(busy);
    /* restart on the same directory works */
    const char *extra[] = {NULL};
    REQUIRE(wire_start(&ws, "term", extra));
    PGconn *c = wire_connect(&ws, NULL);
    CHECK(PQstatus(c) == CONNECTION_OK);
    PQfinish(c);
    CHECK_EQ_INT(wire_stop(&ws, SIGTERM, 20000), 0);
}

TEST(grace_period_cancels_and_sigint)
{
    WireServer ws;
    const char *extra[] = {"-c", "shutdown_grace_period=300ms", NULL};
    REQUIRE(wire_start(&ws, "grace", extra));
    PGconn *busy = wire_connect(&ws, NULL);
    REQUIRE(PQstatus(busy) == CONNECTION_OK);
    REQUIRE(PQsendQuery(busy, "SELECT pg_sleep(60)"));
    wire_sleep_ms(100);
    int64_t t0 = wire_now_ms();
    kill(ws.pid, SIGTERM);
    PGresult *r;
    bool canceled = false;
    while ((r = PQgetResult(busy)) != NULL) {
        const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        canceled |= s && strcmp(s, "57014") == 0;
        PQclear(r);
    }
    CHECK(canceled);
    CHECK_EQ_INT(wire_stop(&ws, 0, 20000), 0);
    CHECK(wire_now_ms() - t0 < 10000);
    PQfinish(busy);
    /* SIGINT: fast shutdown cancels at once */
    REQUIRE(wire_start(&ws, "grace", NULL));
    busy = wire_connect(&ws, NULL);
    REQUIRE(PQsendQuery(busy, "SELECT pg_sleep(60)"));
    wire_sleep_ms(100);
    t0 = wire_now_ms();
    CHECK_EQ_INT(wire_stop(&ws, SIGINT, 20000), 0);
    CHECK(wire_now_ms() - t0 < 5000);
    PQfinish(busy);
}

TEST(second_server_refused)
{
    WireServer a;
    REQUIRE(wire_start(&a, "shared", NULL));
    char log[700];
    snprintf(log, sizeof log, "%s/second.log", test_tmpdir());
    pid_t pid = wire_spawn(a.dir, wire_free_port(), log, NULL);
    int st = 0;
    int64_t t0 = wire_now_ms();
    while (waitpid(pid, &st, WNOHANG) == 0 && wire_now_ms() - t0 < 10000)
        wire_sleep_ms(10);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    WireServer b = a;
    snprintf(b.log, sizeof b.log, "%s", log);
    CHECK(strstr(read_log(&b), "in use by another shaledb server") != NULL);
    PGconn *c = wire_connect(&a, NULL);
    CHECK(PQstatus(c) == CONNECTION_OK);
    PQfinish(c);
    CHECK_EQ_INT(wire_stop(&a, SIGTERM, 20000), 0);
}

TEST(config_file_overrides_and_reload)
{
    WireServer ws;
    char dir[700], path[800];
    snprintf(dir, sizeof dir, "%s/conf", test_tmpdir());
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/shaledb.conf", dir);
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("# test settings\nmax_connections = 3   # small\nno_such_setting = 'x'\n"
          "include_if_exists 'missing.conf'\nauth_method_loopback = 'md5'\n", f);
    fclose(f);
    const char *extra[] = {"-c", "auth_method_loopback=trust", NULL};
    REQUIRE(wire_start(&ws, "conf", extra));
    CHECK(strstr(read_log(&ws), "unrecognized configuration parameter \"no_such_setting\"") != NULL);
    PGconn *c[4];
    for (int i = 0; i < 3; i++) {
        /* -c trust wins over the file's md5. The readiness probe's connection may still be
         * closing on the server (its slot is freed asynchronously, as in PostgreSQL): retry
         * briefly on "too many clients". */
        c[i] = wire_connect(&ws, NULL);
        for (int tries = 0; tries < 100 && PQstatus(c[i]) != CONNECTION_OK &&
                            strstr(PQerrorMessage(c[i]), "too many clients"); tries++) {
            PQfinish(c[i]);
            wire_sleep_ms(20);
            c[i] = wire_connect(&ws, NULL);
        }
        CHECK(PQstatus(c[i]) == CONNECTION_OK);
    }
    c[3] = wire_connect(&ws, NULL);
    CHECK(PQstatus(c[3]) == CONNECTION_BAD);
    CHECK(strstr(PQerrorMessage(c[3]), "too many clients") != NULL);
    for (int i = 0; i < 4; i++)
        PQfinish(c[i]);
    /* reload: a setting the command line does not fix changes */
    f = fopen(path, "a");
    fputs("auth_method_remote = reject\nlog_min_messages = 'info'\nidle_partial_message_timeout = 5s\n", f);
    fclose(f);
    kill(ws.pid, SIGHUP);
    wire_sleep_ms(300);
    CHECK(strstr(read_log(&ws), "reloaded configuration file") != NULL);
    PGconn *d = wire_connect(&ws, NULL);
    CHECK(PQstatus(d) == CONNECTION_OK);
    PQfinish(d);
    CHECK_EQ_INT(wire_stop(&ws, SIGTERM, 20000), 0);
    /* a bad value refuses to start */
    const char *bad[] = {"-c", "max_connections=zero", NULL};
    REQUIRE(!wire_start(&ws, "conf", bad));
}

TEST(help_and_version)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "%s --version", wire_server_bin());
    FILE *p = popen(cmd, "r");
    char out[256] = "";
    size_t n = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[n] = '\0';
    CHECK(p && pclose(p) == 0);
    CHECK(strstr(out, "shaledb (ShaleDB)") != NULL);
    snprintf(cmd, sizeof cmd, "%s --help >/dev/null", wire_server_bin());
    CHECK(system(cmd) == 0);
    snprintf(cmd, sizeof cmd, "%s --bogus 2>/dev/null", wire_server_bin());
    CHECK(system(cmd) != 0);
}

TEST_MAIN(
    RUN(many_concurrent_connections);
    RUN(sigterm_clean_shutdown);
    RUN(grace_period_cancels_and_sigint);
    RUN(second_server_refused);
    RUN(config_file_overrides_and_reload);
    RUN(help_and_version);
    test_rm_rf(test_tmpdir());
)
