/* e2e_exprindex_test.c -- expression indexes, partial indexes and automatically updatable
 * views through the real server: index maintenance across INSERT / UPDATE / DELETE / COPY /
 * ROLLBACK, uniqueness (PostgreSQL's 23505 detail), the planner's use of such indexes
 * (EXPLAIN), persistence across a restart, and DML through views with PostgreSQL's errors. */
#include <string.h>

#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

static bool restart(void)
{
    if (wire_stop(&e2e_srv, SIGTERM, 30000) != 0)
        return false;
    int port = e2e_srv.port;
    e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

/* COPY ... FROM STDIN with data; true when the COPY succeeded. */
static bool copy_in(PGconn *c, const char *sql, const char *data)
{
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COPY_IN;
    PQclear(r);
    if (!ok)
        return false;
    ok = PQputCopyData(c, data, (int)strlen(data)) == 1 && PQputCopyEnd(c, NULL) == 1;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            ok = false;
        PQclear(r);
    }
    return ok;
}

/* True when EXPLAIN of sql mentions `want` (an index name). */
static bool plan_uses(PGconn *c, const char *sql, const char *want)
{
    char q[512], buf[2048];
    snprintf(q, sizeof q, "EXPLAIN %s", sql);
    e2e_query(c, q, buf, sizeof buf);
    return strstr(buf, want) != NULL;
}

TEST(expression_index_maintenance_and_uniqueness)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE users (id int PRIMARY KEY, email text, a int, b int)");
    REQUIRE_EXEC(c, "INSERT INTO users VALUES (1, 'Ann@X.org', 1, 2), (2, 'bob@x.org', 3, 4)");
    REQUIRE_EXEC(c, "CREATE UNIQUE INDEX ON users (lower(email))");
    REQUIRE_EXEC(c, "CREATE INDEX ON users ((a + b))");
    CHECK_QUERY(c, "SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY 1",
                "users_expr_idx;users_lower_idx;users_pkey");
    CHECK_QUERY(c, "SELECT pg_get_indexdef('users_lower_idx'::regclass)",
                "CREATE UNIQUE INDEX users_lower_idx ON public.users USING btree (lower(email))");
    CHECK_ERROR(c, "INSERT INTO users VALUES (3, 'ANN@x.org', 0, 0)", "23505",
                "duplicate key value violates unique constraint \"users_lower_idx\"");
    PGresult *r = PQexec(c, "INSERT INTO users VALUES (3, 'ANN@x.org', 0, 0)");
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    CHECK_MSG(detail && strcmp(detail, "Key (lower(email))=(ann@x.org) already exists.") == 0, "detail: %s",
              detail ? detail : "(none)");
    PQclear(r);
    /* UPDATE moves the entry: the old value is free again, the new one taken */
    CHECK_EXEC(c, "UPDATE users SET email = 'carol@x.org' WHERE id = 1");
    CHECK_EXEC(c, "INSERT INTO users VALUES (3, 'ann@x.org', 5, 5)");
    CHECK_ERROR(c, "UPDATE users SET email = 'BOB@x.org' WHERE id = 3", "23505", NULL);
    CHECK_QUERY(c, "SELECT id FROM users WHERE lower(email) = 'carol@x.org'", "1");
    CHECK_QUERY(c, "SELECT id FROM users WHERE a + b = 10", "3");
    /* DELETE removes the entry */
    CHECK_EXEC(c, "DELETE FROM users WHERE id = 2");
    CHECK_EXEC(c, "INSERT INTO users VALUES (4, 'Bob@X.org', 0, 0)");
    /* ROLLBACK undoes entries with the rows */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "INSERT INTO users VALUES (5, 'dave@x.org', 0, 0)");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "SELECT count(*) FROM users WHERE lower(email) = 'dave@x.org'", "0");
    CHECK_EXEC(c, "INSERT INTO users VALUES (5, 'DAVE@x.org', 0, 0)");
    /* COPY maintains them too */
    CHECK(copy_in(c, "COPY users FROM STDIN", "6\teve@x.org\t1\t1\n"));
    CHECK(!copy_in(c, "COPY users FROM STDIN", "7\tEVE@x.org\t1\t1\n"));
    CHECK_QUERY(c, "SELECT id FROM users WHERE lower(email) = 'eve@x.org'", "6");
    /* a duplicate among existing rows fails the CREATE */
    CHECK_ERROR(c, "CREATE UNIQUE INDEX ab_uq ON users ((a + b))", "23505", "could not create unique index \"ab_uq\"");
    /* only IMMUTABLE functions */
    CHECK_ERROR(c, "CREATE INDEX ON users (random())", "42P17", "functions in index expression must be marked IMMUTABLE");
    CHECK_ERROR(c, "CREATE INDEX ON users (id) WHERE now() > '2000-01-01'", "42P17",
                "functions in index predicate must be marked IMMUTABLE");
    CHECK_ERROR(c, "CREATE INDEX ON users ((nosuch + 1))", "42703", "column \"nosuch\" does not exist");
    /* the planner uses them */
    CHECK(plan_uses(c, "SELECT * FROM users WHERE lower(email) = 'x'", "users_lower_idx"));
    CHECK(plan_uses(c, "SELECT * FROM users WHERE a + b = 3", "users_expr_idx"));
    CHECK(!plan_uses(c, "SELECT * FROM users WHERE email = 'x'", "users_lower_idx"));
    PQfinish(c);
}

TEST(partial_index)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE sub (id int PRIMARY KEY, user_id int, active bool, n int)");
    REQUIRE_EXEC(c, "INSERT INTO sub VALUES (1, 1, true, 0), (2, 1, false, 0), (3, 1, false, 0)");
    REQUIRE_EXEC(c, "CREATE UNIQUE INDEX ON sub (user_id) WHERE active");
    CHECK_QUERY(c, "SELECT pg_get_indexdef('sub_user_id_idx'::regclass)",
                "CREATE UNIQUE INDEX sub_user_id_idx ON public.sub USING btree (user_id) WHERE active");
    CHECK_ERROR(c, "INSERT INTO sub VALUES (4, 1, true, 0)", "23505", NULL);
    CHECK_EXEC(c, "INSERT INTO sub VALUES (4, 1, false, 0)");
    CHECK_ERROR(c, "UPDATE sub SET active = true WHERE id = 2", "23505", NULL);
    CHECK_EXEC(c, "UPDATE sub SET active = false WHERE id = 1");
    CHECK_EXEC(c, "UPDATE sub SET active = true WHERE id = 2");
    CHECK_QUERY(c, "SELECT id FROM sub WHERE user_id = 1 AND active", "2");
    CHECK_EXEC(c, "DELETE FROM sub WHERE id = 2");
    CHECK_EXEC(c, "INSERT INTO sub VALUES (5, 1, true, 0)");
    CHECK_QUERY(c, "SELECT id FROM sub WHERE user_id = 1 AND active", "5");
    /* a failed build: duplicates among matching rows only */
    CHECK_EXEC(c, "CREATE UNIQUE INDEX sub_n ON sub (n) WHERE id > 4");
    CHECK_ERROR(c, "CREATE UNIQUE INDEX sub_n2 ON sub (n) WHERE id > 2", "23505", NULL);
    /* used only when the query implies the predicate */
    CHECK(plan_uses(c, "SELECT * FROM sub WHERE user_id = 1 AND active", "sub_user_id_idx"));
    CHECK(!plan_uses(c, "SELECT * FROM sub WHERE user_id = 1", "sub_user_id_idx"));
    CHECK(plan_uses(c, "SELECT * FROM sub WHERE n = 0 AND id > 10", "sub_n"));
    CHECK(!plan_uses(c, "SELECT * FROM sub WHERE n = 0 AND id > 1", "sub_n"));
    CHECK_QUERY(c, "SELECT id FROM sub WHERE n = 0 AND id >= 5 ORDER BY id", "5");
    PQfinish(c);
}

TEST(indexes_survive_restart)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE pers (id int PRIMARY KEY, s text, flag bool)");
    REQUIRE_EXEC(c, "CREATE UNIQUE INDEX pers_ls ON pers (lower(s)) WHERE flag");
    REQUIRE_EXEC(c, "INSERT INTO pers SELECT g, 'S' || g, g % 2 = 0 FROM generate_series(1, 200) g");
    PQfinish(c);
    REQUIRE(restart());
    c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT id FROM pers WHERE lower(s) = 's42' AND flag", "42");
    CHECK(plan_uses(c, "SELECT id FROM pers WHERE lower(s) = 's42' AND flag", "pers_ls"));
    CHECK_ERROR(c, "INSERT INTO pers VALUES (1000, 's42', true)", "23505", NULL);
    CHECK_EXEC(c, "INSERT INTO pers VALUES (1001, 's43', true)");
    CHECK_ERROR(c, "INSERT INTO pers VALUES (1002, 'S43', true)", "23505", NULL);
    PQfinish(c);
}

TEST(updatable_views)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE emp (id int PRIMARY KEY, name text, salary int, dept text DEFAULT 'eng')");
    REQUIRE_EXEC(c, "INSERT INTO emp VALUES (1, 'a', 100, 'eng'), (2, 'b', 200, 'ops')");
    REQUIRE_EXEC(c, "CREATE VIEW eng AS SELECT id, name, salary FROM emp WHERE dept = 'eng'");
    CHECK_EXEC(c, "UPDATE eng SET salary = salary + 1 WHERE id = 1");
    CHECK_QUERY(c, "UPDATE eng SET salary = 0 WHERE id = 2", "");  /* not visible through the view */
    CHECK_QUERY(c, "SELECT id, salary FROM emp ORDER BY id", "1|101;2|200");
    CHECK_QUERY(c, "INSERT INTO eng (id, name) VALUES (3, 'c') RETURNING *", "3|c|<null>");
    CHECK_QUERY(c, "SELECT dept FROM emp WHERE id = 3", "eng");
    CHECK_QUERY(c, "DELETE FROM eng WHERE id IN (2, 3) RETURNING id", "3");
    CHECK_QUERY(c, "SELECT count(*) FROM emp", "2");
    REQUIRE_EXEC(c, "CREATE VIEW dbl AS SELECT id, salary * 2 AS twice, name FROM emp");
    CHECK_ERROR(c, "UPDATE dbl SET twice = 1", "0A000", "cannot update column \"twice\" of view \"dbl\"");
    CHECK_ERROR(c, "INSERT INTO dbl VALUES (9, 1, 'x')", "0A000", "cannot insert into column \"twice\" of view \"dbl\"");
    CHECK_EXEC(c, "UPDATE dbl SET name = 'z' WHERE id = 2");
    REQUIRE_EXEC(c, "CREATE VIEW totals AS SELECT dept, sum(salary) FROM emp GROUP BY dept");
    CHECK_ERROR(c, "INSERT INTO totals VALUES ('x', 1)", "55000", "cannot insert into view \"totals\"");
    CHECK_ERROR(c, "UPDATE totals SET dept = 'y'", "55000", "cannot update view \"totals\"");
    CHECK_ERROR(c, "DELETE FROM totals", "55000", "cannot delete from view \"totals\"");
    REQUIRE_EXEC(c, "CREATE VIEW eng2 AS SELECT id, name FROM eng WHERE id < 10");
    CHECK_EXEC(c, "INSERT INTO eng2 VALUES (7, 'n7')");
    CHECK_QUERY(c, "SELECT name, dept FROM emp WHERE id = 7", "n7|eng");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(expression_index_maintenance_and_uniqueness);
    RUN(partial_index);
    RUN(indexes_survive_restart);
    RUN(updatable_views);
    e2e_finish();
)
