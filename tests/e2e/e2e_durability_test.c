/* e2e_durability_test.c -- committed data survives the server: a clean restart (SIGTERM) and
 * a SIGKILL. Every transaction acknowledged to the client before the kill is there after the
 * restart; transactions not committed (an open block, one killed mid-statement) are not. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

static bool restart(int sig)
{
    int st = wire_stop(&e2e_srv, sig, 30000);
    if (sig == SIGTERM && st != 0)
        printf("  clean shutdown exited with %d\n", st);
    /* Same directory and port as before. */
    int port = e2e_srv.port;
    e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

TEST(clean_restart)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE dur (id int PRIMARY KEY, v text, n numeric)");
    REQUIRE_EXEC(c, "CREATE INDEX dur_v ON dur (v)");
    REQUIRE_EXEC(c, "CREATE TABLE ser (id serial PRIMARY KEY, x int)");
    REQUIRE_EXEC(c, "INSERT INTO dur SELECT g, 'v' || g, g * 1.5 FROM generate_series(1, 5000) g");
    REQUIRE_EXEC(c, "INSERT INTO ser (x) SELECT g FROM generate_series(1, 10) g");
    REQUIRE_EXEC(c, "DELETE FROM dur WHERE id % 10 = 0");
    PQfinish(c);
    REQUIRE(restart(SIGTERM));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT count(*), sum(id), sum(n) FROM dur", "4500|11250000|16875000.0");
    CHECK_QUERY(c, "SELECT id FROM dur WHERE v = 'v4321'", "4321");
    /* Sequences may skip values (PostgreSQL too, after a crash); never go back. */
    char buf[64];
    e2e_query(c, "INSERT INTO ser (x) VALUES (11) RETURNING id", buf, sizeof buf);
    CHECK_MSG(atoi(buf) >= 11, "serial after restart: %s", buf);
    E2E_KNOWN_BUG(atoi(buf) == 11, "serial jumps by its 32-value reservation after a CLEAN restart (PG: 11)");
    CHECK_ERROR(c, "INSERT INTO dur VALUES (1, 'dup', 0)", "23505", NULL);
    PQfinish(c);
}

TEST(sigkill_keeps_every_acknowledged_commit)
{
    if (e2e_oracle())
        TEST_SKIP("needs to kill the server");
    PGconn *c = e2e_connect(NULL);
    PGconn *open_tx = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK && PQstatus(open_tx) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE acked (id int PRIMARY KEY, payload text)");
    /* An open block with writes: never committed. */
    REQUIRE_EXEC(open_tx, "BEGIN");
    REQUIRE_EXEC(open_tx, "INSERT INTO acked VALUES (-1, 'uncommitted')");
    int n = E2E_SCALE(400, 150), acked = 0;
    for (int i = 1; i <= n; i++) {
        char sql[200];
        if (i % 3 == 0)
            snprintf(sql, sizeof sql, "BEGIN; INSERT INTO acked VALUES (%d, repeat('x', %d)); "
                                      "UPDATE acked SET payload = payload || '!' WHERE id = %d; COMMIT", i, i % 50, i - 1);
        else
            snprintf(sql, sizeof sql, "INSERT INTO acked VALUES (%d, repeat('x', %d))", i, i % 50);
        if (!E2E_EXEC(c, sql))
            break;
        acked = i;
    }
    CHECK_EQ_INT(acked, n);
    /* A statement in flight when the server dies: its transaction must not survive. */
    REQUIRE(PQsendQuery(c, "INSERT INTO acked SELECT g, 'late' FROM generate_series(1000000, 3000000) g"));
    wire_sleep_ms(150);
    int st = wire_stop(&e2e_srv, SIGKILL, 10000);
    CHECK_EQ_INT(st, 128 + SIGKILL);
    PQfinish(c);
    PQfinish(open_tx);
    REQUIRE(restart(SIGKILL));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char want[64];
    snprintf(want, sizeof want, "%d|%d|%d", acked, 1, acked);
    CHECK_QUERY(c, "SELECT count(*), min(id), max(id) FROM acked", want);
    CHECK_QUERY(c, "SELECT count(*) FROM acked WHERE id < 0 OR id >= 1000000", "0");
    /* The updates of the multi-statement transactions are there too. */
    snprintf(want, sizeof want, "%d", n / 3);
    CHECK_QUERY(c, "SELECT count(*) FROM acked WHERE payload LIKE '%!'", want);
    /* And the server works normally afterwards. */
    CHECK_EXEC(c, "INSERT INTO acked VALUES (-5, 'after')");
    CHECK_QUERY(c, "SELECT payload FROM acked WHERE id = -5", "after");
    PQfinish(c);
    /* A second kill right after recovery loses nothing either. */
    REQUIRE(restart(SIGKILL));
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT payload FROM acked WHERE id = -5", "after");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(clean_restart);
    RUN(sigkill_keeps_every_acknowledged_commit);
    e2e_finish();
)
