/* e2e_roles_test.c -- roles and privileges on the real server through libpq: CREATE/ALTER/
 * DROP ROLE and the catalog views (pg_roles, pg_authid, pg_auth_members), GRANT role TO
 * role, SET ROLE / SESSION AUTHORIZATION with current_user/session_user, privilege denial
 * and GRANT/REVOKE round trips (tables, views as their owner, sequences, schemas),
 * ownership checks, the DROP ROLE dependency error, and SCRAM-SHA-256 logins (right and
 * wrong password, NOLOGIN, expired VALID UNTIL) after a restart with auth_method_loopback =
 * scram-sha-256. Messages and SQLSTATEs as PostgreSQL 15 words them. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

TEST(role_ddl_and_catalog)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE ROLE r_group");
    REQUIRE_EXEC(c, "CREATE USER r_alice PASSWORD 'alicepw' CREATEDB CONNECTION LIMIT 5");
    REQUIRE_EXEC(c, "CREATE ROLE r_nolog PASSWORD 'x'");
    REQUIRE_EXEC(c, "CREATE USER r_old PASSWORD 'x' VALID UNTIL '2001-01-01 00:00:00+00'");
    REQUIRE_EXEC(c, "CREATE ROLE r_md5 PASSWORD 'md5aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'");
    CHECK_QUERY(c, "SELECT rolname, rolcanlogin, rolcreatedb, rolconnlimit, rolinherit FROM pg_roles "
                   "WHERE rolname LIKE 'r\\_%' ORDER BY 1",
                "r_alice|t|t|5|t;r_group|f|f|-1|t;r_md5|f|f|-1|t;r_nolog|f|f|-1|t;r_old|t|f|-1|t");
    /* passwords are SCRAM verifiers unless given pre-hashed */
    CHECK_QUERY(c, "SELECT rolname, left(rolpassword, 14) FROM pg_authid WHERE rolname IN ('r_alice', 'r_md5', 'r_group') ORDER BY 1",
                "r_alice|SCRAM-SHA-256$;r_group|<null>;r_md5|md5aaaaaaaaaaa");
    CHECK_QUERY(c, "SELECT rolvaliduntil FROM pg_roles WHERE rolname = 'r_old'", "2001-01-01 00:00:00+00");
    CHECK_ERROR(c, "CREATE ROLE r_alice", "42710", "role \"r_alice\" already exists");
    CHECK_ERROR(c, "CREATE ROLE pg_mine", "42939", "role name \"pg_mine\" is reserved");
    CHECK_ERROR(c, "ALTER ROLE r_nobody LOGIN", "42704", "role \"r_nobody\" does not exist");
    CHECK_ERROR(c, "DROP ROLE r_nobody", "42704", "role \"r_nobody\" does not exist");
    CHECK_EXEC(c, "DROP ROLE IF EXISTS r_nobody");
    /* rename clears an md5 password (it is salted with the name) */
    CHECK_EXEC(c, "ALTER ROLE r_md5 RENAME TO r_md5b");
    CHECK_QUERY(c, "SELECT rolpassword FROM pg_authid WHERE rolname = 'r_md5b'", "<null>");
    CHECK_EXEC(c, "ALTER ROLE r_md5b NOINHERIT CONNECTION LIMIT 2");
    CHECK_QUERY(c, "SELECT rolinherit, rolconnlimit FROM pg_roles WHERE rolname = 'r_md5b'", "f|2");
    CHECK_EXEC(c, "DROP ROLE r_md5b");
    /* membership */
    CHECK_EXEC(c, "GRANT r_group TO r_alice");
    CHECK_QUERY(c, "SELECT g.rolname, m.rolname, a.admin_option FROM pg_auth_members a JOIN pg_roles g ON g.oid = a.roleid "
                   "JOIN pg_roles m ON m.oid = a.member", "r_group|r_alice|f");
    CHECK_QUERY(c, "SELECT pg_has_role('r_alice', 'r_group', 'MEMBER'), pg_has_role('r_group', 'r_alice', 'MEMBER')", "t|f");
    CHECK_ERROR(c, "GRANT r_alice TO r_group", "0LP01", "role \"r_alice\" is a member of role \"r_group\"");
    CHECK_EXEC(c, "CREATE ROLE r_tmp IN ROLE r_group");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_auth_members WHERE roleid = (SELECT oid FROM pg_roles WHERE rolname = 'r_group')", "2");
    CHECK_EXEC(c, "REVOKE r_group FROM r_tmp");
    CHECK_EXEC(c, "DROP ROLE r_tmp");
    CHECK_QUERY(c, "SELECT count(*) FROM pg_auth_members", "1");
    PQfinish(c);
}

TEST(set_role_and_privileges)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE p_t (x int)");
    REQUIRE_EXEC(c, "INSERT INTO p_t VALUES (1)");
    REQUIRE_EXEC(c, "CREATE TABLE p_secret (x int)");
    REQUIRE_EXEC(c, "CREATE VIEW p_v AS SELECT x FROM p_secret");
    REQUIRE_EXEC(c, "CREATE SEQUENCE p_s");
    REQUIRE_EXEC(c, "CREATE SCHEMA p_sch");
    REQUIRE_EXEC(c, "CREATE TABLE p_sch.t (x int)");
    REQUIRE_EXEC(c, "GRANT SELECT ON p_sch.t TO r_alice");
    CHECK_EXEC(c, "SET ROLE r_alice");
    CHECK_QUERY(c, "SELECT current_user, session_user", "r_alice|" "root");
    CHECK_ERROR(c, "SELECT * FROM p_t", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "INSERT INTO p_t VALUES (2)", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "UPDATE p_t SET x = 3", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "DELETE FROM p_t", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "TRUNCATE p_t", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "SELECT * FROM p_v", "42501", "permission denied for view p_v");
    CHECK_ERROR(c, "SELECT nextval('p_s')", "42501", "permission denied for sequence p_s");
    CHECK_ERROR(c, "DROP TABLE p_t", "42501", "must be owner of table p_t");
    CHECK_ERROR(c, "ALTER TABLE p_t ADD COLUMN y int", "42501", "must be owner of table p_t");
    /* PostgreSQL 15: PUBLIC may no longer CREATE in schema public */
    CHECK_ERROR(c, "CREATE TABLE p_mine (x int)", "42501", "permission denied for schema public");
    CHECK_ERROR(c, "SELECT * FROM p_sch.t", "42501", "permission denied for schema p_sch");
    CHECK_ERROR(c, "CREATE ROLE r_x", "42501", "permission denied to create role");
    CHECK_EXEC(c, "SET ROLE r_alice");   /* the session user (a superuser) may take any role */
    CHECK_QUERY(c, "SELECT has_table_privilege('p_t', 'SELECT'), has_schema_privilege('public', 'CREATE')", "f|f");
    CHECK_EXEC(c, "RESET ROLE");
    CHECK_QUERY(c, "SELECT current_user", "root");
    /* grant round trips: to the role directly, to a group it inherits, to PUBLIC */
    CHECK_EXEC(c, "GRANT SELECT, INSERT ON p_t TO r_alice");
    CHECK_EXEC(c, "GRANT UPDATE ON p_t TO r_group");
    CHECK_EXEC(c, "GRANT SELECT ON p_v TO PUBLIC");
    CHECK_EXEC(c, "GRANT USAGE ON SEQUENCE p_s TO r_alice");
    CHECK_EXEC(c, "GRANT USAGE ON SCHEMA p_sch TO r_alice");
    CHECK_EXEC(c, "GRANT CREATE ON SCHEMA public TO r_alice");
    CHECK_EXEC(c, "SET ROLE r_alice");
    CHECK_QUERY(c, "SELECT x FROM p_t", "1");
    CHECK_EXEC(c, "INSERT INTO p_t VALUES (2)");
    CHECK_EXEC(c, "UPDATE p_t SET x = x + 10 WHERE x = 2");
    CHECK_ERROR(c, "DELETE FROM p_t", "42501", "permission denied for table p_t");
    CHECK_QUERY(c, "SELECT count(*) FROM p_v", "0");   /* the view reads p_secret as its owner */
    CHECK_ERROR(c, "SELECT * FROM p_secret", "42501", "permission denied for table p_secret");
    CHECK_QUERY(c, "SELECT nextval('p_s')", "1");
    CHECK_QUERY(c, "SELECT count(*) FROM p_sch.t", "0");
    CHECK_QUERY(c, "SELECT has_table_privilege('p_t', 'UPDATE'), has_table_privilege('p_t', 'DELETE')", "t|f");
    CHECK_EXEC(c, "CREATE TABLE p_mine (x int)");
    CHECK_EXEC(c, "ALTER TABLE p_mine ADD COLUMN y int");   /* the owner may */
    CHECK_EXEC(c, "RESET ROLE");
    CHECK_EXEC(c, "REVOKE SELECT ON p_t FROM r_alice");
    CHECK_EXEC(c, "REVOKE r_group FROM r_alice");
    CHECK_EXEC(c, "SET ROLE r_alice");
    CHECK_ERROR(c, "SELECT * FROM p_t", "42501", "permission denied for table p_t");
    CHECK_ERROR(c, "UPDATE p_t SET x = 0", "42501", "permission denied for table p_t");
    CHECK_EXEC(c, "RESET ROLE");
    /* SET SESSION AUTHORIZATION moves session_user too */
    CHECK_EXEC(c, "SET SESSION AUTHORIZATION r_alice");
    CHECK_QUERY(c, "SELECT current_user, session_user", "r_alice|r_alice");
    CHECK_ERROR(c, "SET ROLE root", "42501", "permission denied to set role \"root\"");
    CHECK_EXEC(c, "RESET SESSION AUTHORIZATION");
    CHECK_QUERY(c, "SELECT current_user, session_user", "root|root");
    /* DROP ROLE while it owns objects or holds privileges */
    PGresult *r = PQexec(c, "DROP ROLE r_alice");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "2BP01");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), "role \"r_alice\" cannot be dropped because some objects depend on it");
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    CHECK(detail && strstr(detail, "owner of table p_mine") && strstr(detail, "privileges for table p_t"));
    PQclear(r);
    CHECK_EXEC(c, "CREATE ROLE r_gone");
    CHECK_EXEC(c, "DROP ROLE r_gone");
    CHECK_ERROR(c, "DROP ROLE root", "55006", "current user cannot be dropped");
    PQfinish(c);
}

static void check_login(const char *user, const char *password, const char *state, const char *msg)
{
    char extra[256];
    snprintf(extra, sizeof extra, "user=%s password=%s", user, password);
    PGconn *c = e2e_connect(extra);
    if (!state) {
        CHECK_MSG(PQstatus(c) == CONNECTION_OK, "login as %s failed: %s", user, PQerrorMessage(c));
        if (PQstatus(c) == CONNECTION_OK)
            CHECK_QUERY(c, "SELECT current_user", user);
    } else {
        CHECK_MSG(PQstatus(c) != CONNECTION_OK, "login as %s should fail", user);
        CHECK_MSG(strstr(PQerrorMessage(c), msg) != NULL, "login as %s: got \"%s\", want \"%s\"", user,
                  PQerrorMessage(c), msg);
    }
    PQfinish(c);
}

TEST(scram_logins)
{
    if (e2e_oracle()) {
        printf("SKIP %s.scram_logins: needs the server's auth settings\n", test_binary_name);
        return;
    }
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "ALTER ROLE root PASSWORD 'rootpw'");
    PQfinish(c);
    /* restart on the same data directory, now requiring SCRAM on loopback */
    REQUIRE(wire_stop(&e2e_srv, SIGTERM, 30000) == 0);
    const char *extra[] = {"-c", "auth_method_loopback=scram-sha-256", NULL};
    REQUIRE(e2e_start(extra));
    check_login("r_alice", "alicepw", NULL, NULL);
    check_login("r_alice", "wrong", "28P01", "password authentication failed for user \"r_alice\"");
    check_login("r_nolog", "x", "28000", "role \"r_nolog\" is not permitted to log in");
    check_login("r_old", "x", "28P01", "password authentication failed for user \"r_old\"");
    check_login("r_nobody", "x", "28P01", "password authentication failed for user \"r_nobody\"");
    check_login("root", "rootpw", NULL, NULL);
    /* a new password works at once */
    c = e2e_connect("password=rootpw");
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "ALTER ROLE r_alice PASSWORD 'newpw'");
    PQfinish(c);
    check_login("r_alice", "newpw", NULL, NULL);
    check_login("r_alice", "alicepw", "28P01", "password authentication failed for user \"r_alice\"");
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(role_ddl_and_catalog);
    RUN(set_role_and_privileges);
    RUN(scram_logins);
    e2e_finish();
)
