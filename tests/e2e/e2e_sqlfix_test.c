/* e2e_sqlfix_test.c -- former SQL-layer bugs, checked through the wire against what
 * PostgreSQL 15 does (each case ran in oracle mode, SHALE_E2E_ORACLE_PORT): column typmods
 * applied to $n parameters (numeric(p,s) rounding and 22003, varchar(n) 22001, char(n)
 * padding, time/timestamp(p) rounding), ON CONFLICT arbiter inference, COPY FORCE_QUOTE /
 * FORCE_NOT_NULL / FORCE_NULL (e2e_copy_test), SET / SET ROLE undone by ROLLBACK and ROLLBACK
 * TO SAVEPOINT, VACUUM in a transaction block, ALTER DATABASE / ROLE ... SET. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

/* Runs sql with text parameters; returns the first row joined with '|' into buf or
 * "ERROR <sqlstate>" (buf owned by the caller). */
static const char *exec_params(PGconn *c, const char *sql, int n, const char *const *vals, char *buf, size_t cap)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, vals, NULL, NULL, 0);
    buf[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0) {
        size_t len = 0;
        for (int i = 0; i < PQnfields(r); i++)
            len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, "%s%s", i ? "|" : "",
                                    PQgetisnull(r, 0, i) ? "<null>" : PQgetvalue(r, 0, i));
    } else if (PQresultStatus(r) == PGRES_FATAL_ERROR) {
        snprintf(buf, cap, "ERROR %s", PQresultErrorField(r, PG_DIAG_SQLSTATE));
    } else {
        snprintf(buf, cap, "%s", PQresStatus(PQresultStatus(r)));
    }
    PQclear(r);
    return buf;
}

#define CHECK_PARAMS(c, sql, n, vals, want) do { \
        char b_[512]; \
        CHECK_STR(exec_params((c), (sql), (n), (vals), b_, sizeof b_), (want)); \
    } while (0)

TEST(param_typmods)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "SET TimeZone = 'UTC'");
    REQUIRE_EXEC(c, "CREATE TABLE tm (n numeric(10,2), v varchar(3), c char(4), t time(0), ts timestamp(0), "
                    "tz timestamptz(1), iv interval)");
    const char *ins = "INSERT INTO tm VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING n, v, c || '|', t, ts, tz, iv";
    const char *v1[] = {"3.14159", "ab", "x", "12:00:00.6", "2024-01-01 00:00:00.7", "2024-01-01 00:00:00.06+00",
                        "1 day 00:00:00.123"};
    CHECK_PARAMS(c, ins, 7, v1, "3.14|ab|x||12:00:01|2024-01-01 00:00:01|2024-01-01 00:00:00.1+00|1 day 00:00:00.123");
    const char *v2[] = {"123456789.1", NULL, NULL, NULL, NULL, NULL, NULL};
    CHECK_PARAMS(c, ins, 7, v2, "ERROR 22003");
    const char *v3[] = {"99999999.995", NULL, NULL, NULL, NULL, NULL, NULL};
    CHECK_PARAMS(c, ins, 7, v3, "ERROR 22003");
    const char *v4[] = {"-1.005", "abcd", NULL, NULL, NULL, NULL, NULL};
    CHECK_PARAMS(c, ins, 7, v4, "ERROR 22001");
    const char *v5[] = {"-1.005", "abc   ", "abcd    ", NULL, NULL, NULL, NULL};
    CHECK_PARAMS(c, ins, 7, v5, "-1.01|abc|abcd||<null>|<null>|<null>|<null>");
    const char *v6[] = {NULL, NULL, "abcde", NULL, NULL, NULL, NULL};
    CHECK_PARAMS(c, ins, 7, v6, "ERROR 22001");
    /* UPDATE SET col = $1 and a typed prepared statement: the same rules. */
    const char *u1[] = {"2.555", "-1.01"};
    CHECK_PARAMS(c, "UPDATE tm SET n = $1 WHERE n = $2 RETURNING n", 2, u1, "2.56");
    const char *u2[] = {"xyzw"};
    CHECK_PARAMS(c, "UPDATE tm SET v = $1 RETURNING v", 1, u2, "ERROR 22001");
    PGresult *r = PQprepare(c, "tp", "INSERT INTO tm (n, ts) VALUES ($1, $2) RETURNING n, ts", 0, NULL);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    const char *p1[] = {"7.777", "2024-05-05 10:10:10.5"};
    r = PQexecPrepared(c, "tp", 2, p1, NULL, NULL, 0);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        CHECK_STR(PQgetvalue(r, 0, 0), "7.78");
        CHECK_STR(PQgetvalue(r, 0, 1), "2024-05-05 10:10:11");
    }
    PQclear(r);
    /* Not only parameters: a same-typed expression gets the timestamp(p) / time(p) typmod. */
    CHECK_QUERY(c, "INSERT INTO tm (ts, t) SELECT '2024-01-01 00:00:00.7'::timestamp, '23:00:00.5'::time RETURNING ts, t",
                "2024-01-01 00:00:01|23:00:01");
    CHECK_QUERY(c, "SELECT count(*) FROM tm", "4");
    PQfinish(c);
}

TEST(on_conflict_arbiters)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE oc (id int PRIMARY KEY, name text UNIQUE, code int, "
                    "CONSTRAINT oc_code_key UNIQUE (code))");
    REQUIRE_EXEC(c, "INSERT INTO oc VALUES (1, 'a', 10), (2, 'b', 20)");
    /* A conflict on a unique index that is not an arbiter: 23505, whatever the action. */
    CHECK_ERROR(c, "INSERT INTO oc VALUES (1, 'q', 30) ON CONFLICT (name) DO UPDATE SET name = 'r'", "23505",
                "duplicate key value violates unique constraint \"oc_pkey\"");
    PGresult *r = PQexec(c, "INSERT INTO oc VALUES (1, 'q', 30) ON CONFLICT (name) DO NOTHING");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL), "Key (id)=(1) already exists.");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME), "oc_pkey");
    PQclear(r);
    CHECK_ERROR(c, "INSERT INTO oc VALUES (9, 'y', 10) ON CONFLICT (id) DO NOTHING", "23505",
                "duplicate key value violates unique constraint \"oc_code_key\"");
    /* The arbiter conflicts too (alone or besides another index): the action runs. */
    CHECK_QUERY(c, "INSERT INTO oc VALUES (1, 'a', 30) ON CONFLICT (name) DO NOTHING RETURNING *", "");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (1, 'a', 30) ON CONFLICT (name) DO UPDATE SET code = 11 RETURNING *", "1|a|11");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (1, 'b', 30) ON CONFLICT (name) DO UPDATE SET code = 21 RETURNING *", "2|b|21");
    /* ON CONSTRAINT: that constraint's index only. */
    CHECK_ERROR(c, "INSERT INTO oc VALUES (3, 'c', 11) ON CONFLICT ON CONSTRAINT oc_pkey DO NOTHING", "23505",
                "duplicate key value violates unique constraint \"oc_code_key\"");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (3, 'c', 11) ON CONFLICT ON CONSTRAINT oc_code_key DO NOTHING RETURNING *", "");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (3, 'c', 11) ON CONFLICT ON CONSTRAINT oc_code_key DO UPDATE SET name = 'z' "
                   "RETURNING *", "1|z|11");
    /* DO NOTHING without a target: every unique index is an arbiter (expression ones too). */
    CHECK_QUERY(c, "INSERT INTO oc VALUES (1, 'x', 99) ON CONFLICT DO NOTHING RETURNING *", "");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (9, 'x', 21) ON CONFLICT DO NOTHING RETURNING *", "");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (9, 'b', 99) ON CONFLICT DO NOTHING RETURNING *", "");
    REQUIRE_EXEC(c, "CREATE UNIQUE INDEX oc_lower ON oc (lower(name))");
    CHECK_ERROR(c, "INSERT INTO oc VALUES (11, 'B', 97) ON CONFLICT (id) DO NOTHING", "23505",
                "duplicate key value violates unique constraint \"oc_lower\"");
    CHECK_QUERY(c, "INSERT INTO oc VALUES (11, 'B', 97) ON CONFLICT DO NOTHING RETURNING *", "");
    /* Several rows: a later row conflicting with an earlier one on the arbiter is skipped. */
    CHECK_QUERY(c, "INSERT INTO oc VALUES (12, 'k', 1), (13, 'k', 2) ON CONFLICT (name) DO NOTHING RETURNING id", "12");
    CHECK_QUERY(c, "SELECT id, name, code FROM oc ORDER BY id", "1|z|11;2|b|21;12|k|1");
    PQfinish(c);
}

/* SET ROLE / SET SESSION AUTHORIZATION / SET are transactional: ROLLBACK (also of a failed
 * block) and ROLLBACK TO SAVEPOINT undo them; SET LOCAL ends with the transaction. */
TEST(set_and_role_undo)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char me[64];
    e2e_query(c, "SELECT current_user", me, sizeof me);
    char me_pair[140];
    snprintf(me_pair, sizeof me_pair, "%s|%s", me, me);
    REQUIRE_EXEC(c, "DROP ROLE IF EXISTS undo_r");
    REQUIRE_EXEC(c, "CREATE ROLE undo_r");
    CHECK_EXEC(c, "BEGIN; SET ROLE undo_r");
    CHECK_QUERY(c, "SELECT current_user", "undo_r");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "SELECT current_user", me);
    CHECK_STR(PQparameterStatus(c, "is_superuser"), "on");
    /* A failed block. */
    CHECK_EXEC(c, "BEGIN; SET ROLE undo_r");
    CHECK_ERROR(c, "SELECT 1/0", "22012", "division by zero");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "SELECT current_user", me);
    /* A failing multi-statement message (one implicit transaction). */
    CHECK_ERROR(c, "SET ROLE undo_r; SELECT 1/0", "22012", "division by zero");
    CHECK_QUERY(c, "SELECT current_user", me);
    CHECK_ERROR(c, "SET work_mem = '5MB'; SET ROLE undo_r; SET nosuch_setting = 1", "42704",
                "unrecognized configuration parameter \"nosuch_setting\"");
    CHECK_QUERY(c, "SELECT current_user, current_setting('work_mem')", strcat(strcpy((char[160]){0}, me), "|4MB"));
    CHECK_EXEC(c, "SET work_mem = '5MB'; SET ROLE undo_r");
    CHECK_QUERY(c, "SELECT current_user, current_setting('work_mem')", "undo_r|5MB");
    CHECK_EXEC(c, "RESET ROLE; RESET work_mem");
    CHECK_EXEC(c, "BEGIN; ROLLBACK");   /* an unrelated abort changes nothing */
    CHECK_QUERY(c, "SELECT current_user, current_setting('work_mem')", strcat(strcpy((char[160]){0}, me), "|4MB"));
    CHECK_EXEC(c, "BEGIN; SET SESSION AUTHORIZATION undo_r; ROLLBACK");
    CHECK_QUERY(c, "SELECT current_user, session_user", me_pair);
    /* RESET ROLE inside an aborted block: the role set before stays. */
    CHECK_EXEC(c, "SET ROLE undo_r");
    CHECK_STR(PQparameterStatus(c, "is_superuser"), "off");
    CHECK_EXEC(c, "BEGIN; RESET ROLE; ROLLBACK");
    CHECK_QUERY(c, "SELECT current_user", "undo_r");
    CHECK_EXEC(c, "RESET ROLE");
    /* Committed: stays; SET LOCAL ROLE: ends at COMMIT. */
    CHECK_EXEC(c, "BEGIN; SET LOCAL ROLE undo_r");
    CHECK_QUERY(c, "SELECT current_user", "undo_r");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT current_user", me);
    CHECK_EXEC(c, "BEGIN; SET ROLE undo_r; COMMIT");
    CHECK_QUERY(c, "SELECT current_user", "undo_r");
    CHECK_EXEC(c, "RESET ROLE");
    /* Savepoints: ROLLBACK TO undoes SET and SET ROLE made after it; RELEASE keeps them. */
    CHECK_EXEC(c, "BEGIN; SET search_path = foo; SAVEPOINT a; SET search_path = bar; SET ROLE undo_r");
    CHECK_EXEC(c, "ROLLBACK TO a");
    CHECK_QUERY(c, "SELECT current_setting('search_path'), current_user", strcat(strcpy((char[160]){0}, "foo|"), me));
    CHECK_EXEC(c, "SAVEPOINT b; SET search_path = baz; RELEASE b");
    CHECK_QUERY(c, "SHOW search_path", "baz");
    CHECK_EXEC(c, "SAVEPOINT c; SAVEPOINT d; SET work_mem = '5MB'; RELEASE d; ROLLBACK TO c");
    CHECK_QUERY(c, "SHOW work_mem", "4MB");
    CHECK_EXEC(c, "SET work_mem = '6MB'; SAVEPOINT e; SET LOCAL work_mem = '7MB'; ROLLBACK TO e");
    CHECK_QUERY(c, "SHOW work_mem", "6MB");
    CHECK_EXEC(c, "COMMIT");
    CHECK_QUERY(c, "SELECT current_setting('search_path'), current_setting('work_mem')", "baz|6MB");
    CHECK_EXEC(c, "BEGIN; SET TimeZone = 'Asia/Tokyo'; SAVEPOINT s; SET TimeZone = 'UTC'; ROLLBACK TO s");
    CHECK_QUERY(c, "SELECT TIMESTAMPTZ '2024-01-01 00:00:00+00'", "2024-01-01 09:00:00+09");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "RESET ALL");
    CHECK_EXEC(c, "DROP ROLE undo_r");
    PQfinish(c);
}

/* VACUUM refuses a transaction block and a multi-statement message (25001); ANALYZE runs. */
TEST(vacuum_in_block)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE vb (a int)");
    CHECK_EXEC(c, "BEGIN");
    CHECK_ERROR(c, "VACUUM", "25001", "VACUUM cannot run inside a transaction block");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN");
    CHECK_ERROR(c, "VACUUM ANALYZE vb", "25001", "VACUUM cannot run inside a transaction block");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN");
    CHECK_ERROR(c, "VACUUM (ANALYZE) vb", "25001", "VACUUM cannot run inside a transaction block");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_ERROR(c, "SELECT 1; VACUUM vb", "25001", "VACUUM cannot run inside a transaction block");
    CHECK_EXEC(c, "BEGIN; ANALYZE vb; ANALYZE; COMMIT");
    CHECK_EXEC(c, "VACUUM");
    CHECK_EXEC(c, "VACUUM ANALYZE vb");
    PQfinish(c);
}

/* SHOW name in a new session of db as role (extra conninfo may be NULL) into buf. */
static const char *show_in(const char *db, const char *role, const char *extra, const char *name, char *buf, size_t cap)
{
    char ci[256];
    snprintf(ci, sizeof ci, "user=%s %s", role, extra ? extra : "");
    PGconn *c = e2e_connect_db(db, ci);
    char sql[128];
    snprintf(sql, sizeof sql, "SHOW %s", name);
    if (PQstatus(c) != CONNECTION_OK)
        snprintf(buf, cap, "no connection: %s", PQerrorMessage(c));
    else
        e2e_query(c, sql, buf, cap);
    PQfinish(c);
    return buf;
}

#define CHECK_SHOW_IN(db, role, extra, name, want) do { \
        char sb_[256]; \
        CHECK_STR(show_in((db), (role), (extra), (name), sb_, sizeof sb_), (want)); \
    } while (0)

/* ALTER DATABASE / ALTER ROLE ... SET: stored in the catalog (kept across a restart),
 * applied when a session starts (role over database, startup options over both), the
 * RESET value of the session; pg_db_role_setting shows them. */
TEST(alter_database_role_set)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PQclear(PQexec(c, "DROP DATABASE IF EXISTS setdb"));
    PQclear(PQexec(c, "DROP ROLE IF EXISTS setr"));
    REQUIRE_EXEC(c, "CREATE DATABASE setdb");
    REQUIRE_EXEC(c, "CREATE ROLE setr LOGIN");
    CHECK_EXEC(c, "ALTER DATABASE setdb SET work_mem = '8MB'");
    CHECK_EXEC(c, "ALTER DATABASE setdb SET search_path = a, \"B c\"");
    CHECK_EXEC(c, "ALTER DATABASE setdb SET datestyle TO 'German'");
    CHECK_EXEC(c, "ALTER DATABASE setdb SET time zone 'Europe/Paris'");
    CHECK_EXEC(c, "ALTER DATABASE setdb RESET datestyle");
    CHECK_EXEC(c, "ALTER DATABASE setdb SET extra_float_digits TO DEFAULT");
    CHECK_ERROR(c, "ALTER DATABASE setdb SET nosuch = 1", "42704", "unrecognized configuration parameter \"nosuch\"");
    CHECK_ERROR(c, "ALTER DATABASE nodb SET work_mem = '1MB'", "3D000", "database \"nodb\" does not exist");
    CHECK_EXEC(c, "ALTER ROLE setr SET work_mem = '16MB'");
    CHECK_EXEC(c, "ALTER ROLE setr SET application_name = 'r app'");
    CHECK_EXEC(c, "ALTER ROLE setr RESET application_name");
    CHECK_EXEC(c, "ALTER ROLE setr SET x.y = 'z'");
    CHECK_EXEC(c, "ALTER ROLE setr IN DATABASE setdb SET DateStyle = 'SQL, DMY'");
    CHECK_EXEC(c, "ALTER ROLE setr IN DATABASE setdb SET search_path = r_in_db");
    CHECK_EXEC(c, "ALTER ROLE setr IN DATABASE postgres SET work_mem = '9MB'");
    CHECK_EXEC(c, "ALTER ROLE setr IN DATABASE postgres RESET ALL");
    CHECK_ERROR(c, "ALTER ROLE setr IN DATABASE nodb SET work_mem = '9MB'", "3D000", "database \"nodb\" does not exist");
    CHECK_QUERY(c, "SELECT coalesce(d.datname, '-'), coalesce(r.rolname, '-'), s.setconfig FROM pg_db_role_setting s "
                   "LEFT JOIN pg_database d ON d.oid = s.setdatabase LEFT JOIN pg_roles r ON r.oid = s.setrole ORDER BY 1, 2",
                "-|setr|{work_mem=16MB,x.y=z};setdb|-|{work_mem=8MB,\"search_path=a, \\\"B c\\\"\",TimeZone=Europe/Paris};"
                "setdb|setr|{\"DateStyle=SQL, DMY\",search_path=r_in_db}");
    /* Applied at connection start; existing sessions keep their values. */
    CHECK_QUERY(c, "SHOW work_mem", "4MB");
    const char *su = e2e_oracle() ? "postgres" : "root";
    for (int round = 0; round < 2; round++) {
        CHECK_SHOW_IN("setdb", su, NULL, "work_mem", "8MB");
        CHECK_SHOW_IN("setdb", su, NULL, "search_path", "a, \"B c\"");
        CHECK_SHOW_IN("setdb", su, NULL, "TimeZone", "Europe/Paris");
        CHECK_SHOW_IN("setdb", su, NULL, "DateStyle", "ISO, MDY");
        CHECK_SHOW_IN("setdb", "setr", NULL, "work_mem", "16MB");
        CHECK_SHOW_IN("setdb", "setr", NULL, "DateStyle", "SQL, DMY");     /* role in database */
        CHECK_SHOW_IN("setdb", "setr", NULL, "search_path", "r_in_db");    /* wins over both */
        CHECK_SHOW_IN("postgres", "setr", NULL, "DateStyle", "ISO, MDY");
        CHECK_SHOW_IN("postgres", "setr", NULL, "work_mem", "16MB");
        CHECK_SHOW_IN("postgres", su, NULL, "work_mem", "4MB");
        CHECK_SHOW_IN("setdb", "setr", "options='-c work_mem=2MB'", "work_mem", "2MB");
        if (e2e_oracle() || round == 1)
            break;
        /* The settings live in the catalog: a restart keeps them. */
        PQfinish(c);
        int port = e2e_srv.port;
        REQUIRE(wire_stop(&e2e_srv, SIGTERM, 30000) == 0);
        e2e_srv.pid = wire_spawn(e2e_srv.dir, port, e2e_srv.log, NULL);
        for (int i = 0; i < 3000 && !wire_port_open(port); i++)
            wire_sleep_ms(10);
        c = e2e_connect(NULL);
        REQUIRE(PQstatus(c) == CONNECTION_OK);
    }
    /* RESET in the session goes back to the database / role value. */
    PGconn *s = e2e_connect_db("setdb", "user=setr");
    REQUIRE(PQstatus(s) == CONNECTION_OK);
    CHECK_EXEC(s, "SET work_mem = '1MB'");
    CHECK_EXEC(s, "RESET work_mem");
    CHECK_QUERY(s, "SHOW work_mem", "16MB");
    /* Permissions: not the owner / another role. */
    CHECK_ERROR(s, "ALTER DATABASE setdb SET work_mem = '1MB'", "42501", "must be owner of database setdb");
    CHECK_EXEC(s, "ALTER ROLE setr SET work_mem = '12MB'");   /* its own settings */
    PQfinish(s);
    CHECK_EXEC(c, "ALTER DATABASE setdb RESET ALL");
    CHECK_EXEC(c, "ALTER ROLE setr RESET ALL");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_db_role_setting", "1");
    CHECK_EXEC(c, "ALTER ROLE setr IN DATABASE setdb RESET ALL");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_db_role_setting", "0");
    CHECK_SHOW_IN("setdb", "setr", NULL, "work_mem", "4MB");
    CHECK_EXEC(c, "DROP DATABASE setdb");
    CHECK_EXEC(c, "DROP ROLE setr");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(param_typmods);
    RUN(on_conflict_arbiters);
    RUN(set_and_role_undo);
    RUN(vacuum_in_block);
    RUN(alter_database_role_set);
    e2e_finish();
)
