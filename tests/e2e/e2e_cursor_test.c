/* e2e_cursor_test.c -- SQL-level cursors and prepared statements on the real server through
 * libpq: DECLARE / FETCH / MOVE / CLOSE (every direction, NO SCROLL / SCROLL / WITH HOLD /
 * BINARY, command tags, errors as PostgreSQL 15 words them, closing at transaction end),
 * the cursor's portal through the extended protocol (Describe, FETCH with binary results),
 * PREPARE / EXECUTE / DEALLOCATE sharing one namespace with the protocol's statements, and
 * psycopg2 named cursors when /usr/bin/python3 has psycopg2. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

/* Runs sql (one statement) and checks its command tag. */
static bool tag_is_at(PGconn *c, const char *sql, const char *tag, const char *file, int line)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) && strcmp(PQcmdStatus(r), tag) == 0;
    if (!ok)
        printf("  %s:%d: \"%s\": got %s \"%s\" %s, want \"%s\"\n", file, line, sql, PQresStatus(st), PQcmdStatus(r),
               PQresultErrorMessage(r), tag);
    PQclear(r);
    return ok;
}
#define CHECK_TAG(c, sql, tag) CHECK_MSG(tag_is_at((c), (sql), (tag), __FILE__, __LINE__), "tag differs")

static PGconn *connect_with_table(void)
{
    PGconn *c = e2e_connect(NULL);
    if (PQstatus(c) != CONNECTION_OK)
        return c;
    PQclear(PQexec(c, "DROP TABLE IF EXISTS ct"));
    E2E_EXEC(c, "CREATE TABLE ct (a int PRIMARY KEY, b text)");
    E2E_EXEC(c, "INSERT INTO ct SELECT g, 'x' || g FROM generate_series(1, 10) g");
    return c;
}

TEST(forward_cursor)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "BEGIN");
    CHECK_TAG(c, "DECLARE c CURSOR FOR SELECT a, b FROM ct ORDER BY a", "DECLARE CURSOR");
    CHECK_QUERY(c, "FETCH c", "1|x1");
    CHECK_TAG(c, "FETCH 2 FROM c", "FETCH 2");
    CHECK_QUERY(c, "FETCH NEXT IN c", "4|x4");
    CHECK_QUERY(c, "FETCH FORWARD 2 c", "5|x5;6|x6");
    CHECK_TAG(c, "MOVE 2 c", "MOVE 2");
    CHECK_QUERY(c, "FETCH RELATIVE 1 c", "9|x9");
    CHECK_TAG(c, "FETCH ALL c", "FETCH 1");
    CHECK_TAG(c, "FETCH c", "FETCH 0");
    CHECK_TAG(c, "MOVE ALL c", "MOVE 0");
    /* FETCH of zero rows still describes the columns. */
    PGresult *r = PQexec(c, "FETCH c");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    CHECK_EQ_INT(PQnfields(r), 2);
    CHECK_STR(PQfname(r, 1), "b");
    PQclear(r);
    CHECK_TAG(c, "CLOSE c", "CLOSE CURSOR");
    CHECK_ERROR(c, "FETCH c", "34000", "cursor \"c\" does not exist");
    CHECK_EXEC(c, "ROLLBACK");

    /* Forward ABSOLUTE works on a NO SCROLL cursor; going back does not. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE n NO SCROLL CURSOR FOR SELECT a FROM ct ORDER BY a");
    CHECK_QUERY(c, "FETCH ABSOLUTE 3 n", "3");
    CHECK_QUERY(c, "FETCH RELATIVE 2 n", "5");
    CHECK_ERROR(c, "FETCH ABSOLUTE 2 n", "55000", "cursor can only scan forward");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE n NO SCROLL CURSOR FOR SELECT a FROM ct ORDER BY a");
    CHECK_QUERY(c, "FETCH 2 n", "1;2");
    CHECK_ERROR(c, "FETCH PRIOR n", "55000", "cursor can only scan forward");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE n NO SCROLL CURSOR FOR SELECT a FROM ct ORDER BY a");
    CHECK_QUERY(c, "FETCH n", "1");
    CHECK_ERROR(c, "FETCH RELATIVE 0 n", "55000", "cursor can only scan forward");
    CHECK_EXEC(c, "ROLLBACK");

    /* A lazy cursor keeps reading after other statements of its transaction. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE l CURSOR FOR SELECT a FROM ct WHERE a <= 4 ORDER BY a");
    CHECK_QUERY(c, "FETCH l", "1");
    CHECK_EXEC(c, "INSERT INTO ct VALUES (100, 'y')");
    CHECK_QUERY(c, "SELECT count(*) FROM ct", "11");
    CHECK_QUERY(c, "FETCH ALL l", "2;3;4");
    CHECK_EXEC(c, "ROLLBACK");
    PQfinish(c);
}

TEST(cursor_errors_and_lifetime)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_ERROR(c, "DECLARE x CURSOR FOR SELECT 1", "25P01", "DECLARE CURSOR can only be used in transaction blocks");
    CHECK_ERROR(c, "DECLARE x CURSOR WITHOUT HOLD FOR SELECT 1", "25P01", NULL);
    CHECK_ERROR(c, "DECLARE x SCROLL NO SCROLL CURSOR FOR SELECT 1", "42P11", "cannot specify both SCROLL and NO SCROLL");
    CHECK_ERROR(c, "CLOSE nope", "34000", "cursor \"nope\" does not exist");
    CHECK_ERROR(c, "MOVE nope", "34000", "cursor \"nope\" does not exist");
    /* A multi-statement Query message is an implicit block (PostgreSQL 15). */
    CHECK_QUERY(c, "DECLARE m CURSOR FOR SELECT 7; FETCH m", "7");
    CHECK_ERROR(c, "FETCH m", "34000", NULL);
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE d CURSOR FOR SELECT 1");
    CHECK_ERROR(c, "DECLARE d CURSOR FOR SELECT 2", "42P03", "cursor \"d\" already exists");
    CHECK_EXEC(c, "ROLLBACK");
    /* Cursors end with their transaction, committed or not. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE e CURSOR FOR SELECT 1");
    CHECK_EXEC(c, "COMMIT");
    CHECK_ERROR(c, "FETCH e", "34000", "cursor \"e\" does not exist");
    /* An error in the block: the cursor is gone after ROLLBACK. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE f CURSOR FOR SELECT a FROM ct");
    CHECK_ERROR(c, "SELECT 1/0", "22012", NULL);
    CHECK_ERROR(c, "FETCH f", "25P02", NULL);
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_ERROR(c, "FETCH f", "34000", NULL);
    /* CLOSE ALL */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE a1 CURSOR FOR SELECT 1");
    CHECK_EXEC(c, "DECLARE a2 CURSOR FOR SELECT 2");
    CHECK_TAG(c, "CLOSE ALL", "CLOSE CURSOR ALL");
    CHECK_ERROR(c, "FETCH a2", "34000", NULL);
    CHECK_EXEC(c, "ROLLBACK");
    PQfinish(c);
}

TEST(scroll_cursor)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE s SCROLL CURSOR FOR SELECT a FROM ct ORDER BY a");
    CHECK_QUERY(c, "FETCH LAST s", "10");
    CHECK_QUERY(c, "FETCH PRIOR s", "9");
    CHECK_QUERY(c, "FETCH ABSOLUTE 3 s", "3");
    CHECK_QUERY(c, "FETCH RELATIVE -1 s", "2");
    CHECK_QUERY(c, "FETCH BACKWARD ALL s", "1");
    CHECK_TAG(c, "FETCH BACKWARD s", "FETCH 0");
    CHECK_TAG(c, "MOVE FORWARD 4 IN s", "MOVE 4");
    CHECK_QUERY(c, "FETCH RELATIVE 0 s", "4");
    CHECK_QUERY(c, "FETCH FORWARD 0 s", "4");
    CHECK_QUERY(c, "FETCH ABSOLUTE -2 s", "9");
    CHECK_TAG(c, "FETCH ABSOLUTE -11 s", "FETCH 0");
    CHECK_QUERY(c, "FETCH 1 s", "1");
    CHECK_TAG(c, "FETCH ABSOLUTE 20 s", "FETCH 0");
    CHECK_TAG(c, "FETCH RELATIVE 0 s", "FETCH 0");
    CHECK_QUERY(c, "FETCH BACKWARD 2 s", "10;9");
    CHECK_QUERY(c, "FETCH FIRST s", "1");
    CHECK_TAG(c, "MOVE LAST s", "MOVE 1");
    CHECK_TAG(c, "MOVE BACKWARD 3 s", "MOVE 3");
    CHECK_QUERY(c, "FETCH -2 s", "6;5");
    CHECK_QUERY(c, "FETCH ABSOLUTE 0 s", "");
    CHECK_QUERY(c, "FETCH NEXT s", "1");
    CHECK_EXEC(c, "ROLLBACK");
    PQfinish(c);
}

TEST(with_hold)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    /* Outside a block: survives the implicit transaction. */
    CHECK_TAG(c, "DECLARE h CURSOR WITH HOLD FOR SELECT a FROM ct WHERE a < 4 ORDER BY a", "DECLARE CURSOR");
    CHECK_QUERY(c, "FETCH h", "1");
    CHECK_EXEC(c, "BEGIN");
    CHECK_QUERY(c, "FETCH ALL h", "2;3");
    CHECK_EXEC(c, "ROLLBACK"); /* declared in an earlier, committed transaction: kept */
    CHECK_TAG(c, "FETCH h", "FETCH 0");
    CHECK_TAG(c, "CLOSE h", "CLOSE CURSOR");
    CHECK_ERROR(c, "CLOSE h", "34000", NULL);
    /* Declared in a block that rolls back: gone. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE h2 CURSOR WITH HOLD FOR SELECT 1");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_ERROR(c, "FETCH h2", "34000", NULL);
    /* Declared in a block that commits: its rows stay as of the declaration. */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE h3 SCROLL CURSOR WITH HOLD FOR SELECT a FROM ct WHERE a > 8 ORDER BY a");
    CHECK_EXEC(c, "COMMIT");
    CHECK_EXEC(c, "DELETE FROM ct WHERE a = 10");
    CHECK_QUERY(c, "FETCH ALL h3", "9;10");
    CHECK_QUERY(c, "FETCH FIRST h3", "9");
    CHECK_TAG(c, "CLOSE ALL", "CLOSE CURSOR ALL");
    /* DISCARD ALL closes held cursors and deallocates prepared statements. */
    CHECK_EXEC(c, "DECLARE h4 CURSOR WITH HOLD FOR SELECT 1");
    CHECK_EXEC(c, "PREPARE gone AS SELECT 1");
    CHECK_TAG(c, "DISCARD ALL", "DISCARD ALL");
    CHECK_ERROR(c, "FETCH h4", "34000", NULL);
    CHECK_ERROR(c, "EXECUTE gone", "26000", NULL);
    CHECK_ERROR(c, "PREPARE bad (nosuchtype) AS SELECT $1", "42704", "type \"nosuchtype\" does not exist");
    PQfinish(c);
}

TEST(cursor_portal_through_extended_protocol)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "DECLARE p CURSOR FOR SELECT a, b FROM ct ORDER BY a");
    /* The cursor is a portal: Describe works on it. */
    PGresult *r = PQdescribePortal(c, "p");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    CHECK_EQ_INT(PQnfields(r), 2);
    if (PQnfields(r) == 2) {
        CHECK_STR(PQfname(r, 0), "a");
        CHECK_EQ_INT((int)PQftype(r, 0), 23);
        CHECK_EQ_INT((int)PQftype(r, 1), 25);
    }
    PQclear(r);
    /* FETCH through Parse/Bind/Describe/Execute with binary results. */
    r = PQexecParams(c, "FETCH 2 FROM p", 0, NULL, NULL, NULL, NULL, 1);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    CHECK_EQ_INT(PQntuples(r), 2);
    CHECK_STR(PQcmdStatus(r), "FETCH 2");
    if (PQntuples(r) == 2 && PQnfields(r) == 2) {
        CHECK_EQ_INT(PQfformat(r, 0), 1);
        CHECK_EQ_INT(PQgetlength(r, 1, 0), 4);
        const unsigned char *v = (const unsigned char *)PQgetvalue(r, 1, 0);
        CHECK_EQ_INT(v[3], 2);
        CHECK_STR(PQgetvalue(r, 1, 1), "x2");
    }
    PQclear(r);
    r = PQexecParams(c, "FETCH 1 FROM p", 0, NULL, NULL, NULL, NULL, 0);
    CHECK_EQ_INT(PQntuples(r), 1);
    if (PQntuples(r) == 1)
        CHECK_STR(PQgetvalue(r, 0, 0), "3");
    PQclear(r);
    /* A BINARY cursor returns binary rows even to a text FETCH. */
    CHECK_EXEC(c, "DECLARE bc BINARY CURSOR FOR SELECT 258::int4");
    r = PQexec(c, "FETCH bc");
    CHECK_EQ_INT(PQntuples(r), 1);
    if (PQntuples(r) == 1) {
        CHECK_EQ_INT(PQfformat(r, 0), 1);
        CHECK_EQ_INT(PQgetlength(r, 0, 0), 4);
        const unsigned char *v = (const unsigned char *)PQgetvalue(r, 0, 0);
        CHECK_EQ_INT(v[2] * 256 + v[3], 258);
    }
    PQclear(r);
    /* The query's $n bound to the DECLARE (psycopg 3 server-side cursors); the parameter
     * values outlive the unnamed portal that bound them. */
    const char *lim[2] = { "7", "x8" };
    r = PQexecParams(c, "DECLARE pc CURSOR FOR SELECT a FROM ct WHERE a > $1 OR b = $2 ORDER BY a", 2, NULL, lim,
                     NULL, NULL, 0);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    CHECK_QUERY(c, "SELECT 1", "1");
    CHECK_QUERY(c, "FETCH ALL pc", "8;9;10");
    CHECK_EXEC(c, "ROLLBACK");
    /* DECLARE is refused outside a block through the extended protocol too. */
    r = PQexecParams(c, "DECLARE q CURSOR FOR SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25P01");
    PQclear(r);
    PQfinish(c);
}

TEST(prepare_execute_deallocate)
{
    PGconn *c = connect_with_table();
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK_TAG(c, "PREPARE sel (int) AS SELECT a, b FROM ct WHERE a = $1", "PREPARE");
    CHECK_QUERY(c, "EXECUTE sel(3)", "3|x3");
    CHECK_TAG(c, "EXECUTE sel(3)", "SELECT 1");
    CHECK_QUERY(c, "EXECUTE sel('5')", "5|x5");
    CHECK_QUERY(c, "EXECUTE sel(1 + 1)", "2|x2");
    CHECK_ERROR(c, "EXECUTE sel('x')", "22P02", "invalid input syntax for type integer: \"x\"");
    CHECK_ERROR(c, "EXECUTE sel", "42601", "wrong number of parameters for prepared statement \"sel\"");
    CHECK_ERROR(c, "PREPARE sel AS SELECT 1", "42P05", "prepared statement \"sel\" already exists");
    CHECK_ERROR(c, "EXECUTE nope", "26000", "prepared statement \"nope\" does not exist");
    /* Parameter types without a list are inferred; arguments are coerced to them. */
    CHECK_TAG(c, "PREPARE ins AS INSERT INTO ct VALUES ($1, $2)", "PREPARE");
    CHECK_TAG(c, "EXECUTE ins(11, 'eleven')", "INSERT 0 1");
    CHECK_TAG(c, "EXECUTE ins('12', 12)", "INSERT 0 1");
    CHECK_QUERY(c, "SELECT a, b FROM ct WHERE a > 10 ORDER BY a", "11|eleven;12|12");
    CHECK_TAG(c, "PREPARE up (numeric) AS UPDATE ct SET b = b || '!' WHERE a < $1", "PREPARE");
    CHECK_TAG(c, "EXECUTE up(2.5)", "UPDATE 2");
    CHECK_QUERY(c, "PREPARE ex (int, text) AS SELECT $1 + 1, $2 || '?'; EXECUTE ex(41, 'hi')", "42|hi?");
    /* Prepared statements survive ROLLBACK (they are not transactional). */
    CHECK_EXEC(c, "BEGIN");
    CHECK_EXEC(c, "PREPARE inblock AS SELECT 'kept'");
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_QUERY(c, "EXECUTE inblock", "kept");
    /* One namespace with the protocol's statements. */
    PGresult *r = PQprepare(c, "proto", "SELECT $1::int * 2", 0, NULL);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    CHECK_QUERY(c, "EXECUTE proto(21)", "42");
    CHECK_ERROR(c, "PREPARE proto AS SELECT 1", "42P05", NULL);
    const char *vals[1] = { "7" };
    r = PQexecPrepared(c, "sel", 1, vals, NULL, NULL, 0);
    CHECK_EQ_INT(PQntuples(r), 1);
    if (PQntuples(r) == 1)
        CHECK_STR(PQgetvalue(r, 0, 1), "x7");
    PQclear(r);
    r = PQdescribePrepared(c, "sel");
    CHECK_EQ_INT(PQnparams(r), 1);
    if (PQnparams(r) == 1)
        CHECK_EQ_INT((int)PQparamtype(r, 0), 23);
    PQclear(r);
    /* EXECUTE through the extended protocol describes the statement's rows. */
    r = PQexecParams(c, "EXECUTE sel(4)", 0, NULL, NULL, NULL, NULL, 0);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    CHECK_EQ_INT(PQnfields(r), 2);
    if (PQntuples(r) == 1 && PQnfields(r) == 2)
        CHECK_STR(PQgetvalue(r, 0, 1), "x4");
    PQclear(r);
    CHECK_TAG(c, "DEALLOCATE sel", "DEALLOCATE");
    CHECK_ERROR(c, "DEALLOCATE sel", "26000", "prepared statement \"sel\" does not exist");
    CHECK_TAG(c, "DEALLOCATE PREPARE ins", "DEALLOCATE");
    CHECK_TAG(c, "DEALLOCATE ALL", "DEALLOCATE ALL");
    CHECK_ERROR(c, "EXECUTE proto(1)", "26000", NULL);
    r = PQexecPrepared(c, "up", 1, vals, NULL, NULL, 0);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "26000");
    PQclear(r);
    PQfinish(c);
}

/* psycopg2 named (server-side) cursors: DECLARE ... WITHOUT HOLD, FETCH FORWARD n, CLOSE. */
TEST(psycopg2_named_cursor)
{
    if (system("/usr/bin/python3 -c 'import psycopg2' >/dev/null 2>&1") != 0) {
        printf("SKIP psycopg2 not installed\n");
        return;
    }
    char script[2048];
    snprintf(script, sizeof script,
             "/usr/bin/python3 - <<'EOF'\n"
             "import psycopg2, sys\n"
             "c = psycopg2.connect(host='127.0.0.1', port=%d, dbname='%s'%s)\n"
             "k = c.cursor()\n"
             "k.execute('CREATE TABLE py (a int, b text)')\n"
             "k.execute(\"INSERT INTO py SELECT g, 'r' || g FROM generate_series(1, 2500) g\")\n"
             "c.commit()\n"
             "cur = c.cursor(name='big')\n"
             "cur.itersize = 100\n"
             "cur.execute('SELECT a, b FROM py WHERE a > %%s ORDER BY a', (0,))\n"
             "n = s = 0\n"
             "for a, b in cur:\n"
             "    n += 1; s += a\n"
             "    assert b == 'r%%d' %% a\n"
             "assert (n, s) == (2500, 2500 * 2501 // 2), (n, s)\n"
             "assert len(cur.fetchmany(10)) == 0\n"
             "cur.close()\n"
             "sc = c.cursor(name='sc', scrollable=True)\n"
             "sc.execute('SELECT a FROM py ORDER BY a')\n"
             "assert sc.fetchone() == (1,)\n"
             "sc.scroll(5, mode='absolute'); assert sc.fetchone() == (6,)\n"
             "sc.scroll(-3); assert sc.fetchone() == (4,)\n"
             "sc.close()\n"
             "c.commit()\n"
             "h = c.cursor(name='held', withhold=True)\n"
             "h.execute('SELECT a FROM py WHERE a <= 3 ORDER BY a')\n"
             "c.commit()\n"
             "assert [r[0] for r in h.fetchall()] == [1, 2, 3]\n"
             "h.close()\n"
             "k.execute('DROP TABLE py'); c.commit()\n"
             "print('ok')\n"
             "EOF\n",
             e2e_port(), e2e_dbname, e2e_oracle() ? ", user='postgres'" : "");
    FILE *f = popen(script, "r");
    REQUIRE(f != NULL);
    char out[4096] = "";
    size_t n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    int rc = pclose(f);
    CHECK_MSG(rc == 0 && strstr(out, "ok") != NULL, "psycopg2 script failed (rc %d): %s", rc, out);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(forward_cursor);
    RUN(cursor_errors_and_lifetime);
    RUN(scroll_cursor);
    RUN(with_hold);
    RUN(cursor_portal_through_extended_protocol);
    RUN(prepare_execute_deallocate);
    RUN(psycopg2_named_cursor);
    e2e_finish();
)
