/* e2e_database_test.c -- CREATE / DROP / ALTER DATABASE through the wire: connecting to a
 * created database, isolation between databases, PostgreSQL 15's errors (42P04, 25001,
 * 55006 with its detail, 3D000, 22023, 42601, 42809), DROP ... WITH (FORCE) terminating the
 * other sessions, RENAME / OWNER TO, databases surviving a restart, a dropped database's
 * storage given back, and pgbench -i running unmodified (when pgbench is installed). */
#include "tests/harness/test.h"

#include <dirent.h>
#include <sys/stat.h>

#include "tests/e2e/e2e_util.h"

static PGconn *connect_ok(const char *db)
{
    PGconn *c = e2e_connect_db(db, NULL);
    if (PQstatus(c) != CONNECTION_OK)
        printf("  connect to %s failed: %s", db, PQerrorMessage(c));
    return c;
}

/* The connection attempt fails and its error message contains want. */
static bool connect_fails(const char *db, const char *want)
{
    PGconn *c = e2e_connect_db(db, NULL);
    bool ok = PQstatus(c) != CONNECTION_OK && strstr(PQerrorMessage(c), want) != NULL;
    if (!ok)
        printf("  connect to %s: status %d, message: %s\n", db, (int)PQstatus(c), PQerrorMessage(c));
    PQfinish(c);
    return ok;
}

static void capture_notice(void *arg, const char *message)
{
    snprintf((char *)arg, 256, "%s", message);
}

/* The error of sql has this SQLSTATE, message and detail. */
static bool error_detail_is(PGconn *c, const char *sql, const char *state, const char *msg, const char *detail)
{
    PGresult *r = PQexec(c, sql);
    const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    bool ok = st && strcmp(st, state) == 0 && m && strcmp(m, msg) == 0 && d && strcmp(d, detail) == 0;
    if (!ok)
        printf("  \"%s\": got %s / %s / %s\n", sql, st ? st : "-", m ? m : "-", d ? d : "-");
    PQclear(r);
    return ok;
}

TEST(create_connect_isolation)
{
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dba");
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbb");
    REQUIRE_EXEC(c, "CREATE DATABASE dba");
    REQUIRE_EXEC(c, "CREATE DATABASE dbb WITH TEMPLATE = template0 ENCODING = 'UTF8' LC_COLLATE 'C.UTF-8' "
                    "LC_CTYPE 'C.UTF-8' CONNECTION LIMIT = -1 IS_TEMPLATE = false ALLOW_CONNECTIONS true "
                    "STRATEGY wal_log");
    CHECK_QUERY(c, "SELECT datname FROM pg_database WHERE datname LIKE 'db_' ORDER BY 1", "dba;dbb");
    PGconn *a = connect_ok("dba"), *b = connect_ok("dbb");
    REQUIRE(PQstatus(a) == CONNECTION_OK && PQstatus(b) == CONNECTION_OK);
    /* A fresh database holds the initial schemas and nothing else. */
    CHECK_QUERY(a, "SELECT current_database(), count(*) FROM pg_namespace WHERE nspname IN "
                   "('public', 'pg_catalog', 'information_schema') GROUP BY 1", "dba|3");
    CHECK_QUERY(a, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", "0");
    /* The same table name in both, different contents. */
    CHECK_EXEC(a, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    CHECK_EXEC(a, "INSERT INTO t VALUES (1, 'in a'), (2, 'in a')");
    CHECK_EXEC(b, "CREATE TABLE t (id int PRIMARY KEY, v text)");
    CHECK_EXEC(b, "INSERT INTO t VALUES (1, 'in b')");
    CHECK_QUERY(a, "SELECT count(*), min(v) FROM t", "2|in a");
    CHECK_QUERY(b, "SELECT count(*), min(v) FROM t", "1|in b");
    CHECK_ERROR(c, "SELECT * FROM t", "42P01", "relation \"t\" does not exist");
    CHECK_EXEC(b, "CREATE SCHEMA only_b");
    CHECK_QUERY(a, "SELECT count(*) FROM pg_namespace WHERE nspname = 'only_b'", "0");
    PQfinish(a);
    PQfinish(b);
    PQfinish(c);
}

TEST(errors)
{
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbe");
    CHECK_EXEC(c, "CREATE DATABASE dbe");
    CHECK_ERROR(c, "CREATE DATABASE dbe", "42P04", "database \"dbe\" already exists");
    CHECK_ERROR(c, "CREATE DATABASE dbx ENCODING 'LATIN1'", "22023",
                "encoding \"LATIN1\" does not match locale \"C.UTF-8\"");
    CHECK_ERROR(c, "CREATE DATABASE dbx ENCODING 'nonsense'", "42704", "nonsense is not a valid encoding name");
    CHECK_ERROR(c, "CREATE DATABASE dbx BOGUS 1", "42601", "option \"bogus\" not recognized");
    CHECK_ERROR(c, "CREATE DATABASE dbx TEMPLATE nosuch", "3D000", "template database \"nosuch\" does not exist");
    CHECK_ERROR(c, "CREATE DATABASE dbx CONNECTION LIMIT -5", "22023", "invalid connection limit: -5");
    CHECK_ERROR(c, "CREATE DATABASE dbx STRATEGY fast", "22023", "invalid create database strategy \"fast\"");
    CHECK_ERROR(c, "DROP DATABASE nosuch", "3D000", "database \"nosuch\" does not exist");
    CHECK_ERROR(c, "DROP DATABASE template1", "42809", "cannot drop a template database");
    /* Not inside a transaction block, explicit or implicit (several statements at once). */
    CHECK_EXEC(c, "BEGIN");
    CHECK_ERROR(c, "CREATE DATABASE dbx", "25001", "CREATE DATABASE cannot run inside a transaction block");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN");
    CHECK_ERROR(c, "DROP DATABASE dbe", "25001", "DROP DATABASE cannot run inside a transaction block");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_ERROR(c, "SELECT 1; CREATE DATABASE dbx", "25001", "CREATE DATABASE cannot run inside a transaction block");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_database WHERE datname = 'dbx'", "0");
    /* IF EXISTS: a notice, and success. */
    char notice[256] = "";
    PQsetNoticeProcessor(c, capture_notice, notice);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS nosuch");
    CHECK_MSG(strstr(notice, "database \"nosuch\" does not exist, skipping") != NULL, "notice: %s", notice);
    PQsetNoticeProcessor(c, e2e_quiet_notice, NULL);
    /* The database one is connected to. */
    PGconn *e = connect_ok("dbe");
    REQUIRE(PQstatus(e) == CONNECTION_OK);
    CHECK_ERROR(e, "DROP DATABASE dbe", "55006", "cannot drop the currently open database");
    PQfinish(e);
    CHECK_EXEC(c, "DROP DATABASE dbe");
    CHECK_MSG(connect_fails("dbe", "database \"dbe\" does not exist"), "connect to a dropped database");
    PQfinish(c);
}

TEST(drop_with_sessions_and_force)
{
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbf");
    REQUIRE_EXEC(c, "CREATE DATABASE dbf");
    PGconn *o = connect_ok("dbf");
    REQUIRE(PQstatus(o) == CONNECTION_OK);
    CHECK_EXEC(o, "CREATE TABLE kept (x int)");
    CHECK_MSG(error_detail_is(c, "DROP DATABASE dbf", "55006", "database \"dbf\" is being accessed by other users",
                              "There is 1 other session using the database."), "55006 with one session");
    PGconn *o2 = connect_ok("dbf");
    CHECK_EXEC(o2, "BEGIN");
    CHECK_EXEC(o2, "INSERT INTO kept VALUES (1)");   /* idle in transaction */
    CHECK_MSG(error_detail_is(c, "DROP DATABASE dbf", "55006", "database \"dbf\" is being accessed by other users",
                              "There are 2 other sessions using the database."), "55006 with two sessions");
    /* The database is untouched by the failed drops. */
    CHECK_QUERY(o, "SELECT count(*) FROM kept", "0");
    CHECK_EXEC(c, "DROP DATABASE dbf WITH (FORCE)");
    /* The other sessions were terminated. */
    PGresult *r = PQexec(o, "SELECT 1");
    CHECK_MSG(PQresultStatus(r) != PGRES_TUPLES_OK, "terminated session still answers");
    CHECK_MSG(strstr(PQerrorMessage(o), "terminating connection due to administrator command") ||
              strstr(PQerrorMessage(o), "server closed the connection"), "message: %s", PQerrorMessage(o));
    PQclear(r);
    r = PQexec(o2, "COMMIT");
    CHECK_MSG(PQresultStatus(r) != PGRES_COMMAND_OK, "terminated transaction committed");
    PQclear(r);
    PQfinish(o);
    PQfinish(o2);
    CHECK_MSG(connect_fails("dbf", "database \"dbf\" does not exist"), "connect to a dropped database");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_database WHERE datname = 'dbf'", "0");
    /* FORCE with nobody connected, and DROP IF EXISTS ... WITH (FORCE) of a missing one. */
    CHECK_EXEC(c, "CREATE DATABASE dbf");
    CHECK_EXEC(c, "DROP DATABASE dbf WITH (FORCE)");
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbf WITH (FORCE)");
    PQfinish(c);
}

TEST(alter_rename_owner)
{
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbr");
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS dbr2");
    REQUIRE_EXEC(c, "CREATE DATABASE dbr");
    PGconn *r = connect_ok("dbr");
    CHECK_EXEC(r, "CREATE TABLE survives (x int)");
    CHECK_EXEC(r, "INSERT INTO survives VALUES (42)");
    CHECK_ERROR(r, "ALTER DATABASE dbr RENAME TO dbr2", "0A000", "current database cannot be renamed");
    CHECK_MSG(error_detail_is(c, "ALTER DATABASE dbr RENAME TO dbr2", "55006",
                              "database \"dbr\" is being accessed by other users",
                              "There is 1 other session using the database."), "rename while in use");
    PQfinish(r);
    /* The server notices the disconnection asynchronously. */
    bool renamed = false;
    for (int i = 0; i < 100 && !renamed; i++) {
        PGresult *x = PQexec(c, "ALTER DATABASE dbr RENAME TO dbr2");
        renamed = PQresultStatus(x) == PGRES_COMMAND_OK;
        PQclear(x);
        if (!renamed)
            wire_sleep_ms(20);
    }
    CHECK(renamed);
    CHECK_ERROR(c, "ALTER DATABASE nosuch RENAME TO x", "3D000", "database \"nosuch\" does not exist");
    CHECK_ERROR(c, "ALTER DATABASE dbr2 RENAME TO postgres", "42P04", "database \"postgres\" already exists");
    CHECK_ERROR(c, "ALTER DATABASE dbr2 OWNER TO nosuch", "42704", "role \"nosuch\" does not exist");
    /* OWNER TO: a new role when CREATE ROLE works, else the current user. */
    char owner[256], buf[256], sql[400];
    PGresult *x = PQexec(c, "CREATE ROLE dbowner");
    bool have_role = PQresultStatus(x) == PGRES_COMMAND_OK;
    PQclear(x);
    E2E_FIXED_BUG(have_role, "CREATE ROLE is not supported yet (ALTER DATABASE OWNER TO tested with the current user)");
    snprintf(owner, sizeof owner, "%s", have_role ? "dbowner" : e2e_query(c, "SELECT current_user", buf, sizeof buf));
    snprintf(sql, sizeof sql, "ALTER DATABASE dbr2 OWNER TO %s", owner);
    CHECK_EXEC(c, sql);
    CHECK_QUERY(c, "SELECT r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE d.datname = 'dbr2'",
                owner);
    CHECK_EXEC(c, "ALTER DATABASE dbr2 OWNER TO CURRENT_USER");
    if (have_role)
        CHECK_EXEC(c, "DROP ROLE dbowner");
    CHECK_EXEC(c, "ALTER DATABASE dbr2 CONNECTION LIMIT 5");
    CHECK_QUERY(c, "SELECT datconnlimit FROM pg_database WHERE datname = 'dbr2'", "5");
    CHECK_MSG(connect_fails("dbr", "database \"dbr\" does not exist"), "old name");
    r = connect_ok("dbr2");
    CHECK_QUERY(r, "SELECT x FROM survives", "42");
    PQfinish(r);
    PQfinish(c);
}

static bool restart_server(void)
{
    int st = wire_stop(&e2e_srv, SIGTERM, 30000);
    if (st != 0)
        printf("  clean shutdown exited with %d\n", st);
    e2e_srv.pid = wire_spawn(e2e_srv.dir, e2e_srv.port, e2e_srv.log, NULL);
    for (int i = 0; i < 3000; i++) {
        if (wire_port_open(e2e_srv.port))
            return true;
        wire_sleep_ms(10);
    }
    return false;
}

/* Bytes of the regular files directly in dir. */
static long long dir_bytes(const char *dir)
{
    long long n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        char p[1200];
        struct stat sb;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            n += sb.st_size;
    }
    closedir(d);
    return n;
}

TEST(restart_and_storage)
{
    if (e2e_oracle())
        TEST_SKIP("needs to restart the server and read its data directory");
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE DATABASE dbbig");
    REQUIRE_EXEC(c, "CREATE DATABASE dbgone");
    PGconn *b = connect_ok("dbbig");
    REQUIRE(PQstatus(b) == CONNECTION_OK);
    REQUIRE_EXEC(b, "CREATE TABLE filler (id int PRIMARY KEY, f text)");
    char sql[200];
    int rows = E2E_SCALE(40000, 15000);
    snprintf(sql, sizeof sql, "INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, %d) g", rows);
    REQUIRE_EXEC(b, sql);
    PQfinish(b);
    CHECK_EXEC(c, "DROP DATABASE dbgone");
    CHECK_EXEC(c, "CHECKPOINT");
    PQfinish(c);
    REQUIRE(restart_server());
    /* Databases (and their contents) survive; dropped ones stay dropped. */
    c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_QUERY(c, "SELECT datname FROM pg_database WHERE datname IN ('dba', 'dbb', 'dbbig', 'dbgone', 'dbr2') "
                   "ORDER BY 1", "dba;dbb;dbbig;dbr2");
    CHECK_MSG(connect_fails("dbgone", "database \"dbgone\" does not exist"), "dropped before the restart");
    b = connect_ok("dbbig");
    snprintf(sql, sizeof sql, "%d", rows);
    CHECK_QUERY(b, "SELECT count(*) FROM filler", sql);
    PQfinish(b);
    PGconn *a = connect_ok("dba");
    CHECK_QUERY(a, "SELECT count(*), min(v) FROM t", "2|in a");
    PQfinish(a);
    /* Dropping the big database gives its space back (dropped key range, compaction). */
    CHECK_EXEC(c, "CHECKPOINT");
    long long before = dir_bytes(e2e_srv.dir);
    CHECK_EXEC(c, "DROP DATABASE dbbig");
    CHECK_EXEC(c, "CHECKPOINT");
    long long after = before;
    for (int i = 0; i < 200 && after > before / 2; i++) {
        wire_sleep_ms(50);
        after = dir_bytes(e2e_srv.dir);
    }
    CHECK_MSG(before > (long long)rows * 10 && after < before / 2, "data directory %lld -> %lld bytes", before,
              after);
    PQfinish(c);
}

/* The standard pgbench initialisation (steps dtgvp: drop, create, COPY, VACUUM, ALTER
 * TABLE ADD PRIMARY KEY) into a new database, unmodified. */
TEST(pgbench_init)
{
    const char *pgbench = NULL;
    static const char *const cands[] = { "/usr/bin/pgbench", "/usr/lib/postgresql/15/bin/pgbench" };
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++)
        if (access(cands[i], X_OK) == 0) {
            pgbench = cands[i];
            break;
        }
    if (!pgbench)
        TEST_SKIP("pgbench is not installed");
    PGconn *c = connect_ok(e2e_dbname);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "DROP DATABASE IF EXISTS bench");
    REQUIRE_EXEC(c, "CREATE DATABASE bench");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "%s -i -q -s 1 -h 127.0.0.1 -p %d %s bench >'%s/pgbench.log' 2>&1", pgbench,
             e2e_port(), e2e_oracle() ? "-U postgres" : "", test_tmpdir());
    int rc = system(cmd);
    CHECK_MSG(rc == 0, "pgbench -i exited with %d (log in %s/pgbench.log)", rc, test_tmpdir());
    PGconn *b = connect_ok("bench");
    CHECK_QUERY(b, "SELECT count(*), sum(abalance) FROM pgbench_accounts", "100000|0");
    CHECK_QUERY(b, "SELECT (SELECT count(*) FROM pgbench_branches), (SELECT count(*) FROM pgbench_tellers), "
                   "(SELECT count(*) FROM pgbench_history)", "1|10|0");
    CHECK_ERROR(b, "INSERT INTO pgbench_accounts VALUES (1, 1, 0, '')", "23505", NULL);
    PQfinish(b);
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(create_connect_isolation);
    RUN(errors);
    RUN(drop_with_sessions_and_force);
    RUN(alter_rename_owner);
    RUN(restart_and_storage);
    RUN(pgbench_init);
    e2e_finish();
)
