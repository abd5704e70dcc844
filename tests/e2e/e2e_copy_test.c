/* e2e_copy_test.c -- COPY on the real server through libpq and psql: FROM STDIN / TO STDOUT
 * in text, csv (HEADER, DELIMITER, NULL, QUOTE) and binary; round trips of every supported
 * type (out, into a twin table, out again: identical bytes); a bad row in the middle fails
 * with its SQLSTATE and loads nothing; defaults/serial with a column list; psql \copy. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

/* COPY ... FROM STDIN with data; returns the final result's rendering (tag or error). */
static const char *copy_in(PGconn *c, const char *sql, const char *data, size_t len, char *buf, size_t cap)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        e2e_result_text(r, c, buf, cap);
        PQclear(r);
        return buf;
    }
    PQclear(r);
    /* Several CopyData messages, cut at odd places (rows span messages). */
    size_t off = 0, step = 7;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;
        if (PQputCopyData(c, data + off, (int)n) != 1)
            break;
        off += n;
        step = step * 3 + 1;
    }
    PQputCopyEnd(c, NULL);
    r = PQgetResult(c);
    if (PQresultStatus(r) == PGRES_COMMAND_OK)
        snprintf(buf, cap, "%s", PQcmdStatus(r));
    else
        e2e_result_text(r, c, buf, cap);
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    return buf;
}

/* COPY ... TO STDOUT into out (a ShaleBuf-like malloc'd buffer the caller frees). */
static char *copy_out(PGconn *c, const char *sql, size_t *len)
{
    PGresult *r = PQexec(c, sql);
    *len = 0;
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        printf("    %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    size_t cap = 4096;
    char *out = malloc(cap);
    char *row;
    int n;
    while ((n = PQgetCopyData(c, &row, 0)) > 0) {
        if (*len + (size_t)n + 1 > cap) {
            while (*len + (size_t)n + 1 > cap)
                cap *= 2;
            out = realloc(out, cap);
        }
        memcpy(out + *len, row, (size_t)n);
        *len += (size_t)n;
        PQfreemem(row);
    }
    out[*len] = 0;
    r = PQgetResult(c);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        printf("    %s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    return out;
}

#define CHECK_COPY_IN(c, sql, data, want) do { \
        char cb_[512]; \
        const char *got_ = copy_in((c), (sql), (data), strlen(data), cb_, sizeof cb_); \
        CHECK_MSG(strcmp(got_, (want)) == 0, "%s: got \"%s\" want \"%s\"", (sql), got_, (want)); \
    } while (0)

#define ALL_TYPES_DDL "(i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, n numeric, b bool, t text, " \
    "vc varchar(10), by bytea, d date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid, " \
    "j json, jb jsonb, ai int4[], at text[])"

TEST(text_and_csv)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE ct (a int, b text, c float8)");
    CHECK_COPY_IN(c, "COPY ct FROM STDIN", "1\tone\t1.5\n2\t\\N\t-0\n3\ttab\\there\\nnl\\\\\t1e10\n", "COPY 3");
    CHECK_QUERY(c, "SELECT a, b, c FROM ct ORDER BY a", "1|one|1.5;2|<null>|-0;3|tab\there\nnl\\|10000000000");
    size_t n;
    char *out = copy_out(c, "COPY ct TO STDOUT", &n);
    CHECK_STR(out, "1\tone\t1.5\n2\t\\N\t-0\n3\ttab\\there\\nnl\\\\\t10000000000\n");
    free(out);
    out = copy_out(c, "COPY (SELECT a, b FROM ct ORDER BY a DESC) TO STDOUT WITH (FORMAT csv, HEADER)", &n);
    CHECK_STR(out, "a,b\n3,\"tab\there\nnl\\\"\n2,\n1,one\n");
    free(out);
    out = copy_out(c, "COPY ct (b, a) TO STDOUT WITH (FORMAT csv, DELIMITER ';', NULL 'NULL', QUOTE '''', FORCE_QUOTE (b))", &n);
    E2E_FIXED_BUG(out && !strcmp(out, "'one';1\nNULL;2\n'tab\there\nnl\\';3\n"),
                  "COPY TO ... FORCE_QUOTE is accepted but ignored (sql/copy.c)");
    free(out);
    CHECK_EXEC(c, "TRUNCATE ct");
    CHECK_COPY_IN(c, "COPY ct FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER '|', NULL '-', QUOTE '#')",
                  "a|b|c\n1|#x|y#|2\n2|-|3\n3|##|4\n4|#multi\nline#|5\n", "COPY 4");
    CHECK_QUERY(c, "SELECT a, coalesce(b, 'NUL') FROM ct ORDER BY a", "1|x|y;2|NUL;3|;4|multi\nline");
    CHECK_COPY_IN(c, "COPY ct FROM STDIN (FORMAT csv)", "5,\"a \"\"q\"\"\",1\n6,,2\n7,\"\",3\n", "COPY 3");
    CHECK_QUERY(c, "SELECT a, b IS NULL, b FROM ct WHERE a >= 5 ORDER BY a", "5|f|a \"q\";6|t|<null>;7|f|");

    /* A bad row in the middle: the error, and nothing of the COPY stays. */
    CHECK_EXEC(c, "TRUNCATE ct");
    char buf[512];
    copy_in(c, "COPY ct FROM STDIN", "1\ta\t1\n2\tb\tnotanumber\n3\tc\t3\n", strlen("1\ta\t1\n2\tb\tnotanumber\n3\tc\t3\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P02 invalid input syntax for type double precision: \"notanumber\"");
    copy_in(c, "COPY ct FROM STDIN", "1\ta\t1\n2\tb\n3\tc\t3\n", strlen("1\ta\t1\n2\tb\n3\tc\t3\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P04 missing data for column \"c\"");
    copy_in(c, "COPY ct FROM STDIN", "1\ta\t1\t9\n", strlen("1\ta\t1\t9\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P04 extra data after last expected column");
    copy_in(c, "COPY ct FROM STDIN (FORMAT csv)", "1,a,1\n2,\"open,2\n", strlen("1,a,1\n2,\"open,2\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P04 unterminated CSV quoted field");
    CHECK_QUERY(c, "SELECT count(*) FROM ct", "0");
    /* CopyFail from the client. */
    PGresult *r = PQexec(c, "COPY ct FROM STDIN");
    CHECK_EQ_INT(PQresultStatus(r), PGRES_COPY_IN);
    PQclear(r);
    PQputCopyData(c, "1\ta\t1\n", 6);
    PQputCopyEnd(c, "client gave up");
    r = PQgetResult(c);
    CHECK_STR(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014");
    CHECK_STR(PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY), "COPY from stdin failed: client gave up");
    PQclear(r);
    while ((r = PQgetResult(c)) != NULL)
        PQclear(r);
    CHECK_QUERY(c, "SELECT count(*) FROM ct", "0");
    /* Inside a block, a failed COPY fails the block. */
    CHECK_EXEC(c, "BEGIN");
    copy_in(c, "COPY ct FROM STDIN", "x\n", strlen("x\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P02 invalid input syntax for type integer: \"x\"");
    CHECK_EQ_INT(PQtransactionStatus(c), PQTRANS_INERROR);
    CHECK_EXEC(c, "ROLLBACK");
    CHECK_ERROR(c, "COPY nosuch FROM STDIN", "42P01", "relation \"nosuch\" does not exist");
    CHECK_ERROR(c, "COPY ct (zz) FROM STDIN", "42703", "column \"zz\" of relation \"ct\" does not exist");
    CHECK_EXEC(c, "DROP TABLE ct");
    PQfinish(c);
}

TEST(defaults_serial_and_column_list)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE cd (id serial PRIMARY KEY, name text NOT NULL, qty int DEFAULT 5, "
                    "tag text DEFAULT 'none' CHECK (tag <> 'bad'))");
    CHECK_COPY_IN(c, "COPY cd (name) FROM STDIN", "a\nb\n", "COPY 2");
    CHECK_COPY_IN(c, "COPY cd (qty, name) FROM STDIN (FORMAT csv)", "7,c\n,d\n", "COPY 2");
    CHECK_QUERY(c, "SELECT id, name, qty, tag FROM cd ORDER BY id", "1|a|5|none;2|b|5|none;3|c|7|none;4|d|<null>|none");
    char buf[512];
    copy_in(c, "COPY cd (name, tag) FROM STDIN", "e\tok\nf\tbad\n", strlen("e\tok\nf\tbad\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 23514 new row for relation \"cd\" violates check constraint \"cd_tag_check\"");
    copy_in(c, "COPY cd (id, name) FROM STDIN", "100\tx\n1\ty\n", strlen("100\tx\n1\ty\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 23505 duplicate key value violates unique constraint \"cd_pkey\"");
    copy_in(c, "COPY cd (qty) FROM STDIN", "1\n", strlen("1\n"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 23502 null value in column \"name\" of relation \"cd\" violates not-null constraint");
    CHECK_QUERY(c, "SELECT count(*) FROM cd", "4");
    /* The serial went on while the failed rows drew values (as in PostgreSQL). */
    CHECK_COPY_IN(c, "COPY cd (name) FROM STDIN", "g\n", "COPY 1");
    CHECK_QUERY(c, "SELECT id FROM cd WHERE name = 'g'", "8");
    CHECK_EXEC(c, "DROP TABLE cd");
    PQfinish(c);
}

TEST(round_trip_every_type)
{
    PGconn *c = e2e_connect("options='-c TimeZone=UTC'");
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE rt1 " ALL_TYPES_DDL);
    REQUIRE_EXEC(c, "CREATE TABLE rt2 " ALL_TYPES_DDL);
    REQUIRE_EXEC(c, "INSERT INTO rt1 VALUES (-32768, 2147483647, -9223372036854775808, 1.5, -2.25e-300, "
                    "'123456789012345678901234567890.000123', true, E'tab\\there \"q\" \\\\ back,comma', 'vc', "
                    "'\\x00ff10', '2024-02-29', '13:45:01.5', '2024-02-29 13:45:01.123456', '2024-02-29 13:45:01.5+02', "
                    "'1 year 2 mons 3 days 04:05:06.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": [1, 2]}', "
                    "'{\"b\": 1, \"a\": [1, 2]}', '{1,2,NULL}', '{\"a b\",c,NULL}')");
    REQUIRE_EXEC(c, "INSERT INTO rt1 (i4) VALUES (NULL)");
    REQUIRE_EXEC(c, "INSERT INTO rt1 (i2, f8, n, t, by) VALUES (0, 'NaN', 'NaN', '', '\\x')");
    const char *fmts[3] = {"text", "csv", "binary"};
    for (int f = 0; f < 3; f++) {
        char sql[256];
        CHECK_EXEC(c, "TRUNCATE rt2");
        snprintf(sql, sizeof sql, "COPY rt1 TO STDOUT (FORMAT %s)", fmts[f]);
        size_t n1, n2;
        char *out1 = copy_out(c, sql, &n1);
        if (!out1) {
            CHECK_MSG(false, "COPY TO %s failed", fmts[f]);
            continue;
        }
        snprintf(sql, sizeof sql, "COPY rt2 FROM STDIN (FORMAT %s)", fmts[f]);
        char buf[512];
        copy_in(c, sql, out1, n1, buf, sizeof buf);
        CHECK_MSG(!strcmp(buf, "COPY 3"), "%s: %s", fmts[f], buf);
        snprintf(sql, sizeof sql, "COPY rt2 TO STDOUT (FORMAT %s)", fmts[f]);
        char *out2 = copy_out(c, sql, &n2);
        bool same = out2 && n1 == n2 && memcmp(out1, out2, n1) == 0;
        CHECK_MSG(same, "%s round trip differs", fmts[f]);
        if (!same && f < 2)
            printf("    first:  %s    second: %s", out1, out2 ? out2 : "");
        if (f == 2)
            CHECK_MEM(out1, 11, "PGCOPY\n\377\r\n\0", 11);
        free(out1);
        free(out2);
    }
    /* The text rendering of the first row, as PostgreSQL 15 prints it. */
    size_t n;
    char *out = copy_out(c, "COPY (SELECT * FROM rt1 WHERE i2 < 0) TO STDOUT", &n);
    CHECK_STR(out, "-32768\t2147483647\t-9223372036854775808\t1.5\t-2.25e-300\t123456789012345678901234567890.000123\tt\t"
                   "tab\\there \"q\" \\\\ back,comma\tvc\t\\\\x00ff10\t2024-02-29\t13:45:01.5\t2024-02-29 13:45:01.123456\t"
                   "2024-02-29 11:45:01.5+00\t1 year 2 mons 3 days 04:05:06.5\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t"
                   "{\"a\": [1, 2]}\t{\"a\": [1, 2], \"b\": 1}\t{1,2,NULL}\t{\"a b\",c,NULL}\n");
    free(out);
    /* Binary input with a corrupted header is refused. */
    char buf[512];
    copy_in(c, "COPY rt2 FROM STDIN (FORMAT binary)", "PGCOPY\nXXXX", strlen("PGCOPY\nXXXX"), buf, sizeof buf);
    CHECK_STR(buf, "ERROR 22P04 COPY file signature not recognized");
    CHECK_EXEC(c, "DROP TABLE rt1, rt2");
    PQfinish(c);
}

/* Runs a shell command; returns its exit status. */
static int run_sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(psql_backslash_copy)
{
    if (run_sh("psql --version >/dev/null 2>&1") != 0)
        TEST_SKIP("psql not installed");
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE pc (a int, b text)");
    char path[700], path2[700], cmd[2400];
    snprintf(path, sizeof path, "%s/in.csv", test_tmpdir());
    snprintf(path2, sizeof path2, "%s/out.csv", test_tmpdir());
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fprintf(f, "a,b\n");
    for (int i = 1; i <= 1000; i++)
        fprintf(f, "%d,\"row %d, quoted\"\n", i, i);
    fclose(f);
    const char *conn_user = e2e_oracle() ? "-U postgres" : "";
    snprintf(cmd, sizeof cmd,
             "psql -X -q -h 127.0.0.1 -p %d %s -d %s -v ON_ERROR_STOP=1 "
             "-c \"\\copy pc FROM '%s' WITH (FORMAT csv, HEADER)\" "
             "-c \"\\copy (SELECT * FROM pc WHERE a %% 100 = 0 ORDER BY a) TO '%s' CSV\"",
             e2e_port(), conn_user, e2e_dbname, path, path2);
    CHECK_EQ_INT(run_sh(cmd), 0);
    CHECK_QUERY(c, "SELECT count(*), sum(a), max(b) FROM pc", "1000|500500|row 999, quoted");
    f = fopen(path2, "r");
    REQUIRE(f);
    char line[128];
    int lines = 0;
    bool first_ok = false;
    while (fgets(line, sizeof line, f)) {
        if (lines == 0)
            first_ok = !strcmp(line, "100,\"row 100, quoted\"\n");
        lines++;
    }
    fclose(f);
    CHECK_EQ_INT(lines, 10);
    CHECK(first_ok);
    /* A bad file: psql fails, nothing loaded. */
    f = fopen(path, "w");
    fprintf(f, "1,x\n2,y,extra\n");
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "psql -X -q -h 127.0.0.1 -p %d %s -d %s -v ON_ERROR_STOP=1 -c \"\\copy pc FROM '%s' CSV\" 2>/dev/null",
             e2e_port(), conn_user, e2e_dbname, path);
    CHECK(run_sh(cmd) != 0);
    CHECK_QUERY(c, "SELECT count(*) FROM pc", "1000");
    CHECK_EXEC(c, "DROP TABLE pc");
    PQfinish(c);
}

/* CSV FORCE_QUOTE (COPY TO), FORCE_NOT_NULL / FORCE_NULL (COPY FROM) and their errors. */
TEST(csv_force_options)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    REQUIRE_EXEC(c, "CREATE TABLE cf (a int, b text, c text)");
    REQUIRE_EXEC(c, "INSERT INTO cf VALUES (1, 'one', ''), (2, NULL, 'x y'), (3, 'q\"x', NULL)");
    size_t n;
    char *out = copy_out(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (b))", &n);
    CHECK_STR(out, "1,\"one\",\"\"\n2,,x y\n3,\"q\"\"x\",\n");
    free(out);
    out = copy_out(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", &n);
    CHECK_STR(out, "\"1\",\"one\",\"\"\n\"2\",,\"x y\"\n\"3\",\"q\"\"x\",\n");
    free(out);
    out = copy_out(c, "COPY cf (c, a) TO STDOUT CSV FORCE QUOTE c", &n);
    CHECK_STR(out, "\"\",1\n\"x y\",2\n,3\n");
    free(out);
    out = copy_out(c, "COPY (SELECT a, b AS bb FROM cf ORDER BY a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (bb))", &n);
    CHECK_STR(out, "1,\"one\"\n2,\n3,\"q\"\"x\"\n");
    free(out);
    CHECK_ERROR(c, "COPY cf (c, a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (b))", "42P10",
                "FORCE_QUOTE column \"b\" not referenced by COPY");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (zz))", "42703",
                "column \"zz\" of relation \"cf\" does not exist");
    CHECK_ERROR(c, "COPY (SELECT a AS x FROM cf) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (a))", "42703",
                "column \"a\" does not exist");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (a, a))", "42701", "column \"a\" specified more than once");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORCE_QUOTE (b))", "0A000", "COPY force quote available only in CSV mode");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_NULL (b))", "0A000",
                "COPY force null only available using COPY FROM");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_NOT_NULL (b))", "0A000",
                "COPY force not null only available using COPY FROM");
    CHECK_ERROR(c, "COPY cf TO STDOUT WITH (FORMAT csv, FORCE_QUOTE (b), FORCE_QUOTE *)", "42601",
                "conflicting or redundant options");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN WITH (FORMAT csv, FORCE_QUOTE (b))", "", "ERROR 0A000 COPY force quote only available using COPY TO");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN WITH (FORCE_NOT_NULL (b))", "", "ERROR 0A000 COPY force not null available only in CSV mode");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN WITH (FORMAT csv, FORCE_NULL *)", "",
                  "ERROR 22023 argument to option \"force_null\" must be a list of column names");
    CHECK_COPY_IN(c, "COPY cf (a) FROM STDIN WITH (FORMAT csv, FORCE_NULL (b))", "",
                  "ERROR 42P10 FORCE_NULL column \"b\" not referenced by COPY");
    REQUIRE_EXEC(c, "TRUNCATE cf");
    /* FORCE_NULL: a quoted NULL string is NULL; FORCE_NOT_NULL: an unquoted one is a value
     * (both on one column: unquoted -> value, quoted -> NULL). psql's "\." ends CSV data too. */
    const char *rows = "9,,\n10,\"\",\"\"\n\\.\n";
    CHECK_COPY_IN(c, "COPY cf FROM STDIN CSV FORCE NULL b", rows, "COPY 2");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN CSV FORCE NOT NULL b, c", rows, "COPY 2");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN WITH (FORMAT csv, FORCE_NULL (b), FORCE_NOT_NULL (b))", rows, "COPY 2");
    CHECK_COPY_IN(c, "COPY cf FROM STDIN WITH (FORMAT csv, NULL 'N', FORCE_NULL (c), FORCE_NOT_NULL (b))",
                  "11,N,\"N\"\n", "COPY 1");
    CHECK_QUERY(c, "SELECT a, b IS NULL, b, c IS NULL, c FROM cf ORDER BY a, b IS NULL, c IS NULL",
                "9|f||f|;9|f||t|<null>;9|t|<null>|t|<null>;10|f||f|;10|t|<null>|f|;10|t|<null>|f|;11|f|N|t|<null>");
    PQfinish(c);
}

TEST_MAIN(
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    RUN(text_and_csv);
    RUN(defaults_serial_and_column_list);
    RUN(round_trip_every_type);
    RUN(psql_backslash_copy);
    RUN(csv_force_options);
    if (atomic_load(&e2e_known_bugs))
        printf("%d known-bug checks skipped (SKIP lines above)\n", atomic_load(&e2e_known_bugs));
    e2e_finish();
)
