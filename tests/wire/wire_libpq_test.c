/* wire_libpq_test.c -- the server through libpq and psql, as applications use it: startup
 * and ParameterStatus, simple queries with several statements, extended query (text and
 * binary parameters and results, prepared statements, Describe), single-row mode, pipeline
 * mode with many queries in flight, cancel, COPY in/out (text, csv, binary, failures),
 * errors inside a transaction block, notices, password and md5 authentication, psql -c/-f. */
#include "tests/harness/test.h"

#include "tests/wire/wire_util.h"

static WireServer srv;

TEST(connect_reports_settings)
{
    PGconn *c = wire_connect(&srv, "application_name=wiretest");
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    const char *v = PQparameterStatus(c, "server_version");
    CHECK(v && strncmp(v, "15.", 3) == 0);
    CHECK_STR(PQparameterStatus(c, "server_encoding"), "UTF8");
    CHECK_STR(PQparameterStatus(c, "client_encoding"), "UTF8");
    CHECK_STR(PQparameterStatus(c, "integer_datetimes"), "on");
    CHECK_STR(PQparameterStatus(c, "application_name"), "wiretest");
    CHECK_EQ_INT(PQprotocolVersion(c), 3);
    CHECK(PQbackendPID(c) > 0);
    CHECK_EQ_INT(PQtransactionStatus(c), PQTRANS_IDLE);
    PGresult *r = PQexec(c, "SET application_name = 'other'");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    CHECK_STR(PQparameterStatus(c, "application_name"), "other");
    PQfinish(c);
    c = wire_connect(&srv, "dbname=nosuchdb");
    CHECK(PQstatus(c) == CONNECTION_BAD);
    CHECK(strstr(PQerrorMessage(c), "does not exist") != NULL);
    PQfinish(c);
}

TEST(simple_query_several_statements)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK(wire_query_is(c, "SELECT 1; SELECT 2; SELECT 'three'", "three"));
    REQUIRE(PQsendQuery(c, "SELECT 1; SELECT generate_series(1, 5); BEGIN; COMMIT"));
    int n = 0, rows = 0;
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        n++;
        rows += PQntuples(r);
        PQclear(r);
    }
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(rows, 6);
    r = PQexec(c, "");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_EMPTY_QUERY);
    PQclear(r);
    r = PQexec(c, "SELECT nonsense");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_FATAL_ERROR);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42601");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION), "8");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED), "ERROR");
    PQclear(r);
    CHECK(wire_query_is(c, "SELECT 5", "5"));
    PQfinish(c);
}

TEST(extended_text_and_binary)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    Oid types[1] = {23};
    const char *vals[1] = {"42"};
    PGresult *r = PQexecParams(c, "SELECT $1::int4", 1, types, vals, NULL, NULL, 0);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    CHECK_STR(PQgetvalue(r, 0, 0), "42");
    CHECK_EQ_INT(PQftype(r, 0), 23);
    PQclear(r);
    /* binary parameter and binary result */
    uint32_t be = htonl((uint32_t)-7);
    const char *bvals[1] = {(const char *)&be};
    int lens[1] = {4}, fmts[1] = {1};
    r = PQexecParams(c, "SELECT $1::int4", 1, types, bvals, lens, fmts, 1);
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    CHECK_EQ_INT(PQgetlength(r, 0, 0), 4);
    CHECK_EQ_INT(PQfformat(r, 0), 1);
    uint32_t got;
    memcpy(&got, PQgetvalue(r, 0, 0), 4);
    CHECK_EQ_INT((int32_t)ntohl(got), -7);
    PQclear(r);
    /* NULL parameter */
    const char *nvals[1] = {NULL};
    r = PQexecParams(c, "SELECT $1", 1, NULL, nvals, NULL, NULL, 0);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
    CHECK(PQgetisnull(r, 0, 0));
    PQclear(r);
    /* prepared statements and Describe */
    r = PQprepare(c, "s1", "SELECT $1", 1, NULL);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    r = PQprepare(c, "s1", "SELECT $1", 1, NULL);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42P05");
    PQclear(r);
    r = PQdescribePrepared(c, "s1");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    CHECK_EQ_INT(PQnparams(r), 1);
    CHECK_EQ_INT(PQparamtype(r, 0), 23);
    CHECK_EQ_INT(PQnfields(r), 1);
    CHECK_EQ_INT(PQftype(r, 0), 23);
    PQclear(r);
    for (int i = 0; i < 50; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i * 3);
        const char *pv[1] = {v};
        r = PQexecPrepared(c, "s1", 1, pv, NULL, NULL, 0);
        CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), v) == 0);
        PQclear(r);
    }
    r = PQprepare(c, "s2", "BEGIN", 0, NULL);
    PQclear(r);
    r = PQdescribePrepared(c, "s2");
    CHECK_EQ_INT(PQnfields(r), 0);
    PQclear(r);
    r = PQexecPrepared(c, "nosuch", 0, NULL, NULL, NULL, 0);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "26000");
    PQclear(r);
    r = PQexec(c, "DEALLOCATE s1");
    PQclear(r);
    CHECK(wire_query_is(c, "SELECT 9", "9"));
    PQfinish(c);
}

TEST(single_row_mode)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE(PQsendQuery(c, "SELECT generate_series(1, 1000)"));
    REQUIRE(PQsetSingleRowMode(c));
    int singles = 0, last = 0;
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
            singles++;
            last = atoi(PQgetvalue(r, 0, 0));
        } else {
            CHECK_EQ_INT(PQresultStatus(r), PGRES_TUPLES_OK);
        }
        PQclear(r);
    }
    CHECK_EQ_INT(singles, 1000);
    CHECK_EQ_INT(last, 1000);
    PQfinish(c);
}

TEST(pipeline_many_in_flight)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE(PQenterPipelineMode(c));
    int n = 2000;
    for (int i = 0; i < n; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        const char *pv[1] = {v};
        if (i == n / 2)
            REQUIRE(PQsendQueryParams(c, "SELECT 1/0", 0, NULL, NULL, NULL, NULL, 0));
        REQUIRE(PQsendQueryParams(c, "SELECT $1", 1, NULL, pv, NULL, NULL, 0));
        if (i == n / 2)
            REQUIRE(PQpipelineSync(c));
    }
    REQUIRE(PQpipelineSync(c));
    int ok = 0, aborted = 0, errors = 0, syncs = 0, expect = 0;
    while (syncs < 2) {
        PGresult *r = PQgetResult(c);
        if (!r)
            continue;
        switch (PQresultStatus(r)) {
        case PGRES_TUPLES_OK:
            CHECK_EQ_INT(atoi(PQgetvalue(r, 0, 0)), expect);
            expect++;
            ok++;
            break;
        case PGRES_PIPELINE_ABORTED:
            aborted++;
            expect++;
            break;
        case PGRES_FATAL_ERROR:
            errors++;
            CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22012");
            break;
        case PGRES_PIPELINE_SYNC:
            syncs++;
            break;
        default:
            CHECK_MSG(false, "unexpected status %s", PQresStatus(PQresultStatus(r)));
            syncs = 2;
        }
        PQclear(r);
    }
    CHECK_EQ_INT(errors, 1);
    CHECK_EQ_INT(aborted, 1); /* the SELECT $1 queued after the error, before the sync */
    CHECK_EQ_INT(ok, n - 1);
    CHECK(PQexitPipelineMode(c));
    CHECK(wire_query_is(c, "SELECT 11", "11"));
    PQfinish(c);
}

TEST(cancel_long_statement)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    int64_t t0 = wire_now_ms();
    REQUIRE(PQsendQuery(c, "SELECT pg_sleep(30)"));
    wire_sleep_ms(200);
    PGcancel *cn = PQgetCancel(c);
    char eb[256];
    CHECK(PQcancel(cn, eb, sizeof eb));
    PQfreeCancel(cn);
    PGresult *r;
    bool canceled = false;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) == PGRES_FATAL_ERROR)
            canceled = strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014") == 0;
        PQclear(r);
    }
    CHECK(canceled);
    CHECK(wire_now_ms() - t0 < 10000);
    CHECK(wire_query_is(c, "SELECT 3", "3"));
    /* a cancel with a wrong key does nothing */
    REQUIRE(PQsendQuery(c, "SELECT pg_sleep(0.3)"));
    int fd = wire_raw_connect(srv.port);
    uint32_t pkt[4] = {htonl(16), htonl(80877102), htonl((uint32_t)PQbackendPID(c)), htonl(12345)};
    wire_raw_send(fd, pkt, sizeof pkt);
    close(fd);
    bool ok = false;
    while ((r = PQgetResult(c)) != NULL) {
        ok |= PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
    }
    CHECK(ok);
    PQfinish(c);
}

/* COPY data in through libpq; returns the PQresult status and fills state on errors. */
static ExecStatusType copy_in(PGconn *c, const char *sql, const char *data, size_t n, const char *fail,
                              char *state)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st != PGRES_COPY_IN)
        return st;
    for (size_t off = 0; off < n; off += 7) /* many small CopyData messages */
        PQputCopyData(c, data + off, (int)(n - off < 7 ? n - off : 7));
    PQputCopyEnd(c, fail);
    st = PGRES_COMMAND_OK;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            st = PQresultStatus(r);
            snprintf(state, 6, "%s", PQresultErrorField(r, PG_DIAG_SQLSTATE));
        }
        PQclear(r);
    }
    return st;
}

TEST(copy_in_and_out)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char state[8] = "";
    const char text[] = "1\tone\n2\ttwo\n3\tthree\n";
    const char csv[] = "4,\"four\"\n5,five\n";
    const char bin[] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\1\0\0\0\4\0\0\0\7\377\377";
    CHECK_EQ_INT(copy_in(c, "COPY t FROM STDIN", text, strlen(text), NULL, state), PGRES_COMMAND_OK);
    CHECK_EQ_INT(copy_in(c, "COPY t FROM STDIN (FORMAT csv)", csv, strlen(csv), NULL, state), PGRES_COMMAND_OK);
    CHECK_EQ_INT(copy_in(c, "COPY t FROM STDIN (FORMAT binary)", bin, sizeof bin - 1, NULL, state),
                 PGRES_COMMAND_OK);
    /* a bad row fails the COPY after the client's data is drained; the session goes on */
    CHECK_EQ_INT(copy_in(c, "COPY t FROM STDIN", "BADROW\t7\n8\tx\n", 13, NULL, state), PGRES_FATAL_ERROR);
    CHECK_STR(state, "22P04");
    CHECK_EQ_INT(copy_in(c, "COPY t FROM STDIN", "9\tnine\n", 7, "client gave up", state), PGRES_FATAL_ERROR);
    CHECK_STR(state, "57014");
    CHECK(wire_query_is(c, "SELECT 1", "1"));
    PGresult *r = PQexec(c, "COPY t TO STDOUT");
    REQUIRE(PQresultStatus(r) == PGRES_COPY_OUT);
    PQclear(r);
    char all[4096];
    size_t n = 0;
    char *buf;
    int len;
    while ((len = PQgetCopyData(c, &buf, 0)) > 0) {
        if (n + (size_t)len <= sizeof all) {
            memcpy(all + n, buf, (size_t)len);
            n += (size_t)len;
        }
        PQfreemem(buf);
    }
    CHECK_EQ_INT(len, -1);
    r = PQgetResult(c);
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COMMAND_OK);
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    char want[4096];
    size_t wn = 0;
    memcpy(want + wn, text, strlen(text));
    wn += strlen(text);
    memcpy(want + wn, csv, strlen(csv));
    wn += strlen(csv);
    memcpy(want + wn, bin, sizeof bin - 1);
    wn += sizeof bin - 1;
    CHECK_MEM(all, n, want, wn);
    /* COPY followed by more statements in one Query message */
    r = PQexec(c, "SELECT 1; COPY t FROM STDIN; SELECT 2");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COPY_IN);
    PQclear(r);
    PQputCopyEnd(c, NULL);
    int results = 0;
    const char *lastval = "";
    char lastbuf[16] = "";
    while ((r = PQgetResult(c)) != NULL) {
        results++;
        if (PQresultStatus(r) == PGRES_TUPLES_OK)
            snprintf(lastbuf, sizeof lastbuf, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    lastval = lastbuf;
    CHECK_EQ_INT(results, 2);
    CHECK_STR(lastval, "2");
    PQfinish(c);
}

TEST(error_in_transaction_block)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    CHECK(wire_query_is(c, "BEGIN", NULL));
    CHECK_EQ_INT(PQtransactionStatus(c), PQTRANS_INTRANS);
    PGresult *r = PQexec(c, "SELECT 1/0");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22012");
    PQclear(r);
    CHECK_EQ_INT(PQtransactionStatus(c), PQTRANS_INERROR);
    r = PQexec(c, "SELECT 1");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25P02");
    PQclear(r);
    r = PQexecParams(c, "SELECT 1", 0, NULL, NULL, NULL, NULL, 0);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "25P02");
    PQclear(r);
    CHECK(wire_query_is(c, "ROLLBACK", NULL));
    CHECK_EQ_INT(PQtransactionStatus(c), PQTRANS_IDLE);
    CHECK(wire_query_is(c, "SELECT 1", "1"));
    PQfinish(c);
}

static void on_notice(void *arg, const PGresult *r)
{
    snprintf(arg, 64, "%s|%s|%s", PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED),
             PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), PQresultErrorField(r, PG_DIAG_MESSAGE_HINT));
}

TEST(notices)
{
    PGconn *c = wire_connect(&srv, NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    char got[64] = "";
    PQsetNoticeReceiver(c, on_notice, got);
    CHECK(wire_query_is(c, "SELECT raise_notice('hello')", ""));
    CHECK_STR(got, "NOTICE|hello|a hint");
    PQfinish(c);
}

TEST(password_authentication)
{
    WireServer s2;
    const char *extra[] = {"-c", "auth_method_loopback=md5", NULL};
    REQUIRE(wire_start(&s2, "md5", extra));
    PGconn *c = wire_connect(&s2, "user=alice password=secret");
    CHECK(PQstatus(c) == CONNECTION_OK);
    CHECK(wire_query_is(c, "SELECT 1", "1"));
    PQfinish(c);
    c = wire_connect(&s2, "user=alice password=wrong");
    CHECK(PQstatus(c) == CONNECTION_BAD);
    CHECK(strstr(PQerrorMessage(c), "password authentication failed for user \"alice\"") != NULL);
    PQfinish(c);
    c = wire_connect(&s2, "user=bob password=x"); /* a role without a password */
    CHECK(PQstatus(c) == CONNECTION_BAD);
    PQfinish(c);
    CHECK_EQ_INT(wire_stop(&s2, SIGTERM, 20000), 0);
    const char *extra2[] = {"-c", "auth_method_loopback=password", NULL};
    REQUIRE(wire_start(&s2, "cleartext", extra2));
    c = wire_connect(&s2, "user=alice password=secret");
    CHECK(PQstatus(c) == CONNECTION_OK);
    PQfinish(c);
    c = wire_connect(&s2, "user=alice password=nope");
    CHECK(PQstatus(c) == CONNECTION_BAD);
    PQfinish(c);
    CHECK_EQ_INT(wire_stop(&s2, SIGTERM, 20000), 0);
}

/* Runs a shell command; returns its stdout (static buffer). */
static const char *run_cmd(const char *cmd)
{
    static char out[8192];
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (p) {
        n = fread(out, 1, sizeof out - 1, p);
        pclose(p);
    }
    out[n] = '\0';
    return out;
}

TEST(psql_c_and_f)
{
    if (access("/usr/bin/psql", X_OK) != 0)
        TEST_SKIP("psql not installed");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "/usr/bin/psql -X -A -t -h 127.0.0.1 -p %d -d postgres -c 'SELECT 42' 2>&1", srv.port);
    CHECK_STR(run_cmd(cmd), "42\n");
    char file[700];
    snprintf(file, sizeof file, "%s/script.sql", test_tmpdir());
    FILE *f = fopen(file, "w");
    REQUIRE(f);
    fputs("SELECT 1;\nBEGIN;\nSELECT 'in tx';\nCOMMIT;\nSELECT generate_series(1, 3);\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "/usr/bin/psql -X -A -t -v ON_ERROR_STOP=1 -h 127.0.0.1 -p %d -d postgres -f '%s' 2>&1; echo rc=$?",
             srv.port, file);
    CHECK_STR(run_cmd(cmd), "1\nBEGIN\nin tx\nCOMMIT\n1\n2\n3\nrc=0\n");
}

TEST_MAIN(
    if (!wire_start(&srv, "main", NULL)) {
        printf("could not start %s\n", wire_server_bin());
        return 1;
    }
    RUN(connect_reports_settings);
    RUN(simple_query_several_statements);
    RUN(extended_text_and_binary);
    RUN(single_row_mode);
    RUN(pipeline_many_in_flight);
    RUN(cancel_long_statement);
    RUN(copy_in_and_out);
    RUN(error_in_transaction_block);
    RUN(notices);
    RUN(password_authentication);
    RUN(psql_c_and_f);
    if (wire_stop(&srv, SIGTERM, 30000) != 0)
        printf("server did not stop cleanly\n");
    test_rm_rf(test_tmpdir());
)
