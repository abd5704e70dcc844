/* e2e_dump_test.c -- `shalectl dump` against the real server: tests/e2e/dump/schema.sql (many
 * types, every constraint kind, identity/serial/standalone sequences, a view, quoted names,
 * COPY escapes, unicode, vectors with an hnsw index, an EMBEDDING OF column) is dumped, the
 * dump is loaded with psql -v ON_ERROR_STOP=1 into a fresh ShaleDB server (running with
 * ssl = on: the load and a second dump go over TLS) and compared: rows of every table and
 * the view, sequence states, index names, psql's \d of every relation, the embedding column
 * re-declared, and a dump of the restored database identical to the first. The same dump is
 * loaded into a scratch PostgreSQL 15 (tests/e2e/dump/pg_load.sh) and the rows compared
 * (without pgvector there: a vector-free dump, with a SKIP line). Also: -t, --target, one
 * snapshot under concurrent writes, and the client's TLS modes (status, backup). */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

#ifndef SHALECTL_BIN
#define SHALECTL_BIN "./shalectl"
#endif
#define REQUIRE_MSG(cond, ...) do { \
        int rq_ = !!(cond); \
        CHECK_MSG(rq_, __VA_ARGS__); \
        if (!rq_) \
            return; \
    } while (0)

#ifndef SHALE_SRCDIR
#define SHALE_SRCDIR ".."
#endif

static WireServer dst;         /* the restore target; ssl = on when certificates were made */
static bool have_tls;
static char certdir[700];

/* Runs cmd through sh with stdout+stderr into a malloc'd string (*out, caller frees);
 * returns the exit status (-1 when it could not run). */
static int run_cmd(const char *cmd, char **out)
{
    char full[8192];
    snprintf(full, sizeof full, "(%s) 2>&1", cmd);
    *out = NULL;
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t len = 0, cap = 65536;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + len, 1, cap - len - 1, p);
        if (r == 0)
            break;
        len += r;
    }
    if (buf)
        buf[len] = 0;
    *out = buf;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b)
        b[n] = 0;
    fclose(f);
    return b;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* libpq conninfo of the restore target (TLS verified when on). */
static void dst_conninfo(char *buf, size_t cap)
{
    if (have_tls)
        snprintf(buf, cap, "host=localhost hostaddr=127.0.0.1 port=%d dbname=postgres sslmode=verify-full "
                 "sslrootcert=%s/ca.crt", dst.port, certdir);
    else
        snprintf(buf, cap, "host=127.0.0.1 port=%d dbname=postgres", dst.port);
}

/* shalectl's connection options for the restore target. */
static void dst_shalectl(char *buf, size_t cap)
{
    if (have_tls)
        snprintf(buf, cap, "-h localhost -p %d --sslmode=verify-full --sslrootcert=%s/ca.crt", dst.port, certdir);
    else
        snprintf(buf, cap, "-h 127.0.0.1 -p %d", dst.port);
}

static const char rows_sql[] =
    "SET TimeZone = 'UTC';\n"
    "SELECT * FROM app.customers ORDER BY 1;\n"
    "SELECT * FROM app.orders ORDER BY 1;\n"
    "SELECT * FROM \"Odd Schema\".\"Mixed Case\" ORDER BY 1;\n"
    "SELECT * FROM app.rich ORDER BY 1;\n"
    "SELECT last_value, is_called FROM app.ticket;\n"
    "SELECT last_value, is_called FROM app.orders_id_seq;\n"
    "SELECT last_value, is_called FROM app.customers_id_seq;\n"
    "SELECT schemaname, tablename, indexname FROM pg_indexes WHERE schemaname IN ('app', 'Odd Schema') "
    "ORDER BY 3;\n";
static const char rows_vector_sql[] =
    "SELECT * FROM app.vecs ORDER BY 1;\n"
    "SELECT id, title, body FROM docs ORDER BY 1;\n"
    "SELECT last_value, is_called FROM app.vecs_id_seq;\n"
    "SELECT label FROM app.vecs ORDER BY v <-> '[1,0.1,0]' LIMIT 2;\n"
    "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'vecs_hnsw';\n";
static const char describe_sql[] =
    "\\d app.customers\n\\d app.orders\n\\d \"Odd Schema\".\"Mixed Case\"\n\\d app.vecs\n\\d docs\n"
    "\\d app.rich\n\\d app.ticket\n\\dn\n\\ds app.*\n\\dv app.*\n";

/* psql -f file against conninfo; *out gets the output (caller frees). */
static int psql_file(const char *conninfo, const char *file, const char *flags, char **out)
{
    char cmd[4000];
    snprintf(cmd, sizeof cmd, "psql -X %s -v ON_ERROR_STOP=1 \"%s\" -f '%s'", flags, conninfo, file);
    return run_cmd(cmd, out);
}

static void src_conninfo(char *buf, size_t cap)
{
    snprintf(buf, cap, "host=127.0.0.1 port=%d dbname=postgres", e2e_port());
}

static bool embeddings_done(const char *conninfo)
{
    for (int i = 0; i < 300; i++) {
        char cmd[1200], *out;
        snprintf(cmd, sizeof cmd,
                 "psql -X -At \"%s\" -c \"SELECT count(*) FROM shale_embedding_status WHERE pending > 0\"", conninfo);
        int st = run_cmd(cmd, &out);
        bool done = st == 0 && out && !strcmp(out, "0\n");
        free(out);
        if (done)
            return true;
        usleep(50000);
    }
    return false;
}

TEST(dump_and_restore_into_shaledb)
{
    char path[800], src[300], dci[1200], dsc[1000], cmd[3000], *out = NULL;
    src_conninfo(src, sizeof src);
    snprintf(path, sizeof path, "%s/tests/e2e/dump/schema.sql", SHALE_SRCDIR);
    int st = psql_file(src, path, "-q", &out);
    REQUIRE_MSG(st == 0, "loading schema.sql failed: %s", out ? out : "");
    free(out);
    REQUIRE(embeddings_done(src));

    snprintf(cmd, sizeof cmd, "%s dump -p %d -d postgres -f %s/dump.sql", SHALECTL_BIN, e2e_port(), test_tmpdir());
    st = run_cmd(cmd, &out);
    REQUIRE_MSG(st == 0, "dump failed: %s", out ? out : "");
    CHECK_MSG(strstr(out, "dump complete: 5 tables, 15 rows") != NULL, "%s", out);
    free(out);
    snprintf(path, sizeof path, "%s/dump.sql", test_tmpdir());
    char *dump = read_whole(path);
    REQUIRE(dump != NULL);
    static const char *const must[] = {
        "CREATE SCHEMA app;", "CREATE SCHEMA \"Odd Schema\";", "CREATE EXTENSION IF NOT EXISTS vector;",
        "CREATE SEQUENCE app.ticket AS bigint START WITH 100 INCREMENT BY 5",
        "id bigint GENERATED ALWAYS AS IDENTITY NOT NULL",
        "id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 10",
        "CONSTRAINT name_not_blank CHECK", "ALTER SEQUENCE app.orders_id_seq OWNED BY app.orders.id;",
        "CREATE VIEW app.rich AS", "doubled numeric GENERATED ALWAYS AS ((amount * 2)) STORED",
        "COPY app.orders (id, customer_id, amount, note, placed) FROM stdin;", "COPY \"Odd Schema\".\"Mixed Case\" (\"Key\", \"select\", \"two words\") FROM stdin;",
        "tab\\there", "line1\\nline2\\r\\nback\\\\slash", "\\\\N is not null", "ünïcødé ☃ 日本語 🎉",
        "USING hnsw (v vector_l2_ops) WITH (m='12', ef_construction='40');",
        "ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES app.customers(id)",
        "SELECT pg_catalog.setval('app.ticket', 120, true);",
        "\\if :shale_target_is_shaledb\nCREATE EMBEDDER dumpemb (provider = 'hash', dims = '16');\n"
        "ALTER TABLE public.docs ALTER COLUMN e SET EMBEDDING OF (title || ' ' || body) USING dumpemb;\n\\endif",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        CHECK_MSG(strstr(dump, must[i]) != NULL, "the dump lacks: %s", must[i]);
    /* data before indexes and foreign keys */
    const char *copy = strstr(dump, "COPY app.orders"), *fk = strstr(dump, "FOREIGN KEY"),
               *idx = strstr(dump, "CREATE INDEX");
    CHECK(copy && fk && idx && copy < fk && copy < idx);

    /* load into the fresh server (over TLS when on) */
    dst_conninfo(dci, sizeof dci);
    st = psql_file(dci, path, "-q", &out);
    CHECK_MSG(st == 0, "loading the dump into ShaleDB failed: %s", out ? out : "");
    free(out);
    REQUIRE(embeddings_done(dci));

    char qpath[800];
    snprintf(qpath, sizeof qpath, "%s/rows.sql", test_tmpdir());
    static const char emb_sql[] =
        "SELECT id, e FROM docs ORDER BY 1;\nSELECT expression, embedder FROM shale_embedding_columns;\n";
    char *all = malloc(sizeof rows_sql + sizeof rows_vector_sql + sizeof emb_sql);
    REQUIRE(all != NULL);
    snprintf(all, sizeof rows_sql + sizeof rows_vector_sql + sizeof emb_sql, "%s%s%s", rows_sql, rows_vector_sql,
             emb_sql);
    write_file(qpath, all);
    free(all);
    char *a = NULL, *b = NULL;
    CHECK(psql_file(src, qpath, "-At", &a) == 0);
    CHECK(psql_file(dci, qpath, "-At", &b) == 0);
    CHECK_MSG(a && b && !strcmp(a, b), "rows differ:\n--- source\n%s\n--- restored\n%s", a ? a : "", b ? b : "");
    CHECK_MSG(a && strstr(a, "line1\nline2\r\nback\\slash") && strstr(a, "title || ' ' || body|dumpemb"), "%s",
              a ? a : "");
    free(a);
    free(b);

    snprintf(qpath, sizeof qpath, "%s/describe.sql", test_tmpdir());
    write_file(qpath, describe_sql);
    CHECK(psql_file(src, qpath, "", &a) == 0);
    CHECK(psql_file(dci, qpath, "", &b) == 0);
    CHECK_MSG(a && b && !strcmp(a, b), "\\d differs:\n--- source\n%s\n--- restored\n%s", a ? a : "", b ? b : "");
    CHECK(a && strstr(a, "hnsw (v vector_l2_ops)"));
    free(a);
    free(b);

    /* a dump of the restored database (over TLS when on) is the same script */
    dst_shalectl(dsc, sizeof dsc);
    snprintf(cmd, sizeof cmd, "%s dump %s -d postgres -f %s/dump2.sql", SHALECTL_BIN, dsc, test_tmpdir());
    st = run_cmd(cmd, &out);
    CHECK_MSG(st == 0, "dump of the restored database failed: %s", out ? out : "");
    free(out);
    snprintf(path, sizeof path, "%s/dump2.sql", test_tmpdir());
    char *dump2 = read_whole(path);
    CHECK_MSG(dump2 && !strcmp(dump, dump2), "the dump of the restored database differs: diff %s/dump.sql %s",
              test_tmpdir(), path);
    free(dump2);
    free(dump);
}

/* Runs pg_load.sh with the dump made by `shalectl dump ARGS`; compares its rows output with
 * the source's for queries. Returns pg_load.sh's status (2/3: the caller skips). */
static int postgres_roundtrip(const char *dump_args, const char *queries, const char *tag)
{
    char cmd[3000], dpath[800], qpath[800], *out = NULL;
    snprintf(dpath, sizeof dpath, "%s/pg_%s.sql", test_tmpdir(), tag);
    snprintf(cmd, sizeof cmd, "%s dump -p %d -d postgres %s -f %s", SHALECTL_BIN, e2e_port(), dump_args, dpath);
    int st = run_cmd(cmd, &out);
    CHECK_MSG(st == 0, "dump failed: %s", out ? out : "");
    free(out);
    if (st != 0)
        return 1;
    snprintf(qpath, sizeof qpath, "%s/pg_%s_rows.sql", test_tmpdir(), tag);
    write_file(qpath, queries);
    snprintf(cmd, sizeof cmd, "sh '%s/tests/e2e/dump/pg_load.sh' '%s' '%s/pg_%s' '%s' '%s'", SHALE_SRCDIR, SHALE_SRCDIR,
             test_tmpdir(), tag, dpath, qpath);
    st = run_cmd(cmd, &out);
    if (st == 2 || st == 3) {
        free(out);
        return st;
    }
    CHECK_MSG(st == 0, "PostgreSQL load failed (%d): %s", st, out ? out : "");
    char src[300], *want = NULL;
    src_conninfo(src, sizeof src);
    CHECK(psql_file(src, qpath, "-At", &want) == 0);
    CHECK(st != 0 || (out && strstr(out, "ünïcødé ☃") && strstr(out, "line1\nline2\r\nback\\slash")));
    CHECK_MSG(st != 0 || (want && out && !strcmp(want, out)), "rows differ:\n--- ShaleDB\n%s\n--- PostgreSQL\n%s",
              want ? want : "", out ? out : "");
    free(want);
    free(out);
    return st;
}

TEST(dump_loads_into_postgres)
{
    if (e2e_oracle())
        TEST_SKIP("needs shalectl's source to be ShaleDB");
    char *all = malloc(sizeof rows_sql + sizeof rows_vector_sql);
    REQUIRE(all != NULL);
    snprintf(all, sizeof rows_sql + sizeof rows_vector_sql, "%s%s", rows_sql, rows_vector_sql);
    int st = postgres_roundtrip("", all, "full");
    free(all);
    if (st == 2)
        TEST_SKIP("PostgreSQL 15 server binaries or psql not installed");
    if (st == 3) {
        printf("SKIP %s.vector_part: pgvector is not installed in the PostgreSQL 15 cluster; "
               "checking a vector-free dump\n", test_binary_name);
        st = postgres_roundtrip("-t app.customers -t app.orders -t '\"Odd Schema\".\"Mixed Case\"' -t app.rich",
                                rows_sql, "novector");
        CHECK(st == 0);
    }
}

TEST(dump_options)
{
    char cmd[1200], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s dump -p %d -t app.orders", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK(out && strstr(out, "CREATE TABLE app.orders (") && strstr(out, "CREATE SEQUENCE app.orders_id_seq") &&
          strstr(out, "CREATE SCHEMA app;") && strstr(out, "dump complete: 1 tables, 3 rows"));
    CHECK(out && !strstr(out, "CREATE TABLE app.customers") && !strstr(out, "Odd Schema") &&
          !strstr(out, "CREATE EXTENSION") && !strstr(out, "app.ticket") && !strstr(out, "EMBEDDER"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump -p %d -t '\"Odd Schema\".\"Mixed Case\"' -t 'Odd Schema.Mixed Case'",
             SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK_MSG(out && strstr(out, "CREATE SCHEMA \"Odd Schema\";") && strstr(out, "dump complete: 1 tables, 2 rows"),
              "%s", out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump -p %d -t nosuch", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK(out && strstr(out, "no table or view matches \"nosuch\""));
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump -p %d -t docs --target=postgres", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK(out && strstr(out, "-- CREATE EMBEDDER dumpemb") && !strstr(out, "\\if") && strstr(out, "e vector(16)"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump -p %d -t docs --target=shaledb", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK(out && strstr(out, "\nCREATE EMBEDDER dumpemb") && !strstr(out, "\\if"));
    free(out);
    /* the dump's CREATE EXTENSION: accepted, PostgreSQL's notice when "already installed" */
    snprintf(cmd, sizeof cmd, "psql -X -h 127.0.0.1 -p %d -d postgres -c 'CREATE EXTENSION IF NOT EXISTS vector'",
             e2e_port());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK_MSG(out && strstr(out, "NOTICE:  extension \"vector\" already exists, skipping"), "%s", out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "%s dump -p %d --target=nope", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 2);
    free(out);
}

/* ---- one snapshot ---------------------------------------------------------------------- */

static atomic_bool snap_stop;

static void *snap_writer(void *arg)
{
    (void)arg;
    PGconn *c = e2e_connect(NULL);
    for (int n = 1000; !atomic_load(&snap_stop); n++) {
        char sql[200];
        snprintf(sql, sizeof sql, "BEGIN; INSERT INTO snap_a VALUES (%d); INSERT INTO snap_b VALUES (%d); COMMIT", n,
                 n);
        PGresult *r = PQexec(c, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok)
            break;
    }
    PQfinish(c);
    return NULL;
}

/* Lines of the COPY block that starts with head. */
static int copy_lines(const char *dump, const char *head)
{
    const char *p = strstr(dump, head);
    if (!p)
        return -1;
    p = strchr(p, '\n');
    int n = 0;
    while (p && strncmp(p + 1, "\\.\n", 3) != 0) {
        n++;
        p = strchr(p + 1, '\n');
    }
    return n;
}

TEST(dump_is_one_snapshot)
{
    PGconn *c = e2e_connect(NULL);
    REQUIRE(e2e_exec_at(c, "CREATE TABLE snap_a (n int); CREATE TABLE snap_b (n int); "
                           "INSERT INTO snap_a SELECT g FROM generate_series(1, 999) g; "
                           "INSERT INTO snap_b SELECT g FROM generate_series(1, 999) g",
                        __FILE__, __LINE__));
    pthread_t th;
    atomic_store(&snap_stop, false);
    REQUIRE(pthread_create(&th, NULL, snap_writer, NULL) == 0);
    int rounds = E2E_SCALE(8, 3), grew = 0, last = 0;
    for (int i = 0; i < rounds; i++) {
        char cmd[600], *out = NULL;
        snprintf(cmd, sizeof cmd, "%s dump -p %d -t snap_a -t snap_b", SHALECTL_BIN, e2e_port());
        CHECK(run_cmd(cmd, &out) == 0);
        int a = out ? copy_lines(out, "COPY public.snap_a") : -1, b = out ? copy_lines(out, "COPY public.snap_b") : -2;
        CHECK_MSG(a == b && a >= 999, "round %d: snap_a has %d rows, snap_b %d", i, a, b);
        grew += a > last;
        last = a;
        free(out);
    }
    atomic_store(&snap_stop, true);
    pthread_join(th, NULL);
    CHECK(grew >= 2);   /* the writer really ran during the dumps */
    CHECK(e2e_exec_at(c, "DROP TABLE snap_a, snap_b", __FILE__, __LINE__));
    PQfinish(c);
}

/* ---- TLS ------------------------------------------------------------------------------- */

/* A CA, a server certificate it signs (CN and SAN localhost + 127.0.0.1), another CA. */
static bool make_certs(void)
{
    snprintf(certdir, sizeof certdir, "%s/certs", test_tmpdir());
    char cmd[4000], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p '%1$s'; cd '%1$s';"
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=dump-test-ca;"
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=other;"
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key"
             " -out server.csr -subj /CN=localhost;"
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf;"
             "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
             " -out server.crt -days 2 -extfile ext.cnf; chmod 600 server.key",
             certdir);
    int st = run_cmd(cmd, &out);
    if (st != 0)
        printf("openssl failed (%d): %s\n", st, out ? out : "");
    free(out);
    return st == 0;
}

TEST(client_tls)
{
    if (!have_tls)
        TEST_SKIP("no openssl CLI to make certificates");
    char cmd[2000], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s status -h localhost -p %d --sslmode=verify-full --sslrootcert=%s/ca.crt",
             SHALECTL_BIN, dst.port, certdir);
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK_MSG(out && strstr(out, "ssl                TLSv1."), "%s", out ? out : "");
    free(out);
    /* PGSSLMODE / PGSSLROOTCERT, verify-ca */
    snprintf(cmd, sizeof cmd, "PGSSLMODE=verify-ca PGSSLROOTCERT=%s/ca.crt %s status -p %d", certdir, SHALECTL_BIN,
             dst.port);
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK(out && strstr(out, "ssl                TLSv1."));
    free(out);
    snprintf(cmd, sizeof cmd, "%s status -p %d --sslmode=disable", SHALECTL_BIN, dst.port);
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK(out && strstr(out, "ssl                off"));
    free(out);
    /* a CA that did not sign the certificate; a name the certificate does not carry */
    snprintf(cmd, sizeof cmd, "%s status -h localhost -p %d --sslmode=verify-full --sslrootcert=%s/other.crt",
             SHALECTL_BIN, dst.port, certdir);
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK_MSG(out && strstr(out, "certificate verify failed"), "%s", out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "%s status -h 127.0.0.1 -p %d --sslmode=verify-full --sslrootcert=%s/ca.crt",
             SHALECTL_BIN, dst.port, certdir);
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK_MSG(out && strstr(out, "certificate verify failed"), "%s", out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "%s status -p %d --sslmode=verify-full --sslrootcert=%s/nosuch.crt", SHALECTL_BIN,
             dst.port, certdir);
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK(out && strstr(out, "could not read root certificate file"));
    free(out);
    /* require against a server with ssl = off */
    snprintf(cmd, sizeof cmd, "PGSSLMODE=require %s status -p %d", SHALECTL_BIN, e2e_port());
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK(out && strstr(out, "server does not support SSL, but SSL was required"));
    free(out);
    snprintf(cmd, sizeof cmd, "%s status -p %d --sslmode=bogus", SHALECTL_BIN, dst.port);
    CHECK(run_cmd(cmd, &out) == 1);
    CHECK(out && strstr(out, "invalid sslmode value"));
    free(out);
    /* an online backup over verified TLS, then verify */
    snprintf(cmd, sizeof cmd, "%s backup -h localhost -p %d --sslmode=verify-full --sslrootcert=%s/ca.crt -o %s/tlsbk",
             SHALECTL_BIN, dst.port, certdir, test_tmpdir());
    CHECK(run_cmd(cmd, &out) == 0);
    CHECK_MSG(out && strstr(out, "backup complete"), "%s", out ? out : "");
    free(out);
    snprintf(cmd, sizeof cmd, "%s verify %s/tlsbk", SHALECTL_BIN, test_tmpdir());
    CHECK(run_cmd(cmd, &out) == 0);
    free(out);
}

/* Everything main does (outside TEST_MAIN: its body may not contain commas). */
static int dump_main(void)
{
    if (system("psql --version >/dev/null 2>&1") != 0) {
        printf("SKIP %s: psql is not installed\n", test_binary_name);
        return 0;
    }
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    have_tls = system("openssl version >/dev/null 2>&1") == 0 && make_certs();
    char a0[800], a1[800];
    snprintf(a0, sizeof a0, "ssl_cert_file=%s/server.crt", certdir);
    snprintf(a1, sizeof a1, "ssl_key_file=%s/server.key", certdir);
    const char *tls[] = { "-c", "ssl=on", "-c", a0, "-c", a1, "-c", "ssl_required_remote=on", NULL };
    if (!wire_start(&dst, "restored", have_tls ? tls : NULL)) {
        printf("could not start the restore target server\n");
        e2e_finish();
        return 1;
    }
    RUN(dump_and_restore_into_shaledb);
    RUN(dump_loads_into_postgres);
    RUN(dump_options);
    RUN(dump_is_one_snapshot);
    RUN(client_tls);
    if (wire_stop(&dst, SIGTERM, 30000) != 0) {
        printf("FAIL %s.restored_server_exit\n", test_binary_name);
        test_cases_failed++;
    }
    e2e_finish();
    return 0;
}

TEST_MAIN(
    int rc_ = dump_main();
    if (rc_ != 0)
        return rc_;
)
