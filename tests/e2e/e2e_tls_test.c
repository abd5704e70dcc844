/* e2e_tls_test.c -- TLS on the wire against the real server: libpq with sslmode=require /
 * verify-full / disable, a server with ssl = off refusing sslmode=require, hostile bytes
 * after 'S' and plain text sent together with SSLRequest (CVE-2021-23214), the handshake
 * timeout, large results and COPY over TLS, concurrent TLS clients, psql, and a refused
 * ssl_min_protocol_version. A throwaway CA and server certificate are made at test time with
 * the openssl CLI (RSA CAs, an ECDSA P-256 server key); without it the binary skips. */
#include "tests/harness/test.h"

#include "tests/e2e/e2e_util.h"

#define REQUIRE_MSG(cond, ...) do { int rm_ = !!(cond); CHECK_MSG(rm_, __VA_ARGS__); if (!rm_) return; } while (0)

static char certdir[700];
static char conn_base[256];   /* host=127.0.0.1 port=N dbname=postgres */
static WireServer plain_srv;  /* ssl = off */

static int run_capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0;
    if (!p)
        return -1;
    while (n + 1 < cap) {
        size_t r = fread(out + n, 1, cap - 1 - n, p);
        if (r == 0)
            break;
        n += r;
    }
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A CA, a server certificate it signs (CN and SAN localhost + 127.0.0.1), and a second CA
 * that signed nothing (for the verify failure). */
static bool make_certs(void)
{
    snprintf(certdir, sizeof certdir, "%s/certs", test_tmpdir());
    char cmd[4000];
    snprintf(cmd, sizeof cmd,
             "set -e; mkdir -p '%1$s'; cd '%1$s';"
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2"
             " -subj /CN=shale-test-ca;"
             "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2"
             " -subj /CN=other-ca;"
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr -subj /CN=localhost;"
             "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > ext.cnf;"
             "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
             " -out server.crt -days 2 -extfile ext.cnf;"
             "chmod 600 server.key",
             certdir);
    char out[8192];
    char full[4200];
    snprintf(full, sizeof full, "(%s) 2>&1", cmd);
    int st = run_capture(full, out, sizeof out);
    if (st != 0)
        printf("openssl failed (%d): %s\n", st, out);
    return st == 0;
}

static PGconn *tls_connect(const char *extra)
{
    char ci[1400];
    snprintf(ci, sizeof ci, "%s connect_timeout=20 %s", conn_base, extra);
    return PQconnectdb(ci);
}

TEST(require_runs_queries)
{
    PGconn *c = tls_connect("sslmode=require");
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK(PQsslInUse(c) == 1);
    CHECK_STR(PQsslAttribute(c, "protocol"), "TLSv1.2");
    const char *cipher = PQsslAttribute(c, "cipher");
    CHECK(cipher && (strstr(cipher, "GCM") || strstr(cipher, "CHACHA20")));
    CHECK_MSG(cipher && strncmp(cipher, "ECDHE-", 6) == 0, "cipher %s", cipher ? cipher : "(null)");
    CHECK_QUERY(c, "SELECT 40 + 2", "42");
    CHECK_EXEC(c, "CREATE TABLE tls_t (a int, b text)");
    CHECK_EXEC(c, "INSERT INTO tls_t VALUES (1, 'one'), (2, 'two')");
    CHECK_QUERY(c, "SELECT b FROM tls_t ORDER BY a DESC", "two;one");
    /* extended protocol over TLS */
    const char *params[1] = {"7"};
    PGresult *r = PQexecParams(c, "SELECT $1::int * 6", 1, NULL, params, NULL, NULL, 0);
    CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "42") == 0);
    PQclear(r);
    PQfinish(c);
}

TEST(verify_full)
{
    char extra[1024];
    snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s/ca.crt host=localhost hostaddr=127.0.0.1",
             certdir);
    PGconn *c = tls_connect(extra);
    CHECK_MSG(PQstatus(c) == CONNECTION_OK, "verify-full: %s", PQerrorMessage(c));
    if (PQstatus(c) == CONNECTION_OK) {
        CHECK(PQsslInUse(c) == 1);
        CHECK_QUERY(c, "SELECT 'verified'", "verified");
    }
    PQfinish(c);
    /* a CA that did not sign the server certificate */
    snprintf(extra, sizeof extra, "sslmode=verify-ca sslrootcert=%s/other.crt", certdir);
    c = tls_connect(extra);
    CHECK(PQstatus(c) != CONNECTION_OK);
    CHECK_MSG(strstr(PQerrorMessage(c), "certificate verify failed") != NULL, "%s", PQerrorMessage(c));
    PQfinish(c);
    /* a host name the certificate does not name */
    snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s/ca.crt host=shale.invalid hostaddr=127.0.0.1",
             certdir);
    c = tls_connect(extra);
    CHECK(PQstatus(c) != CONNECTION_OK);
    CHECK_MSG(strstr(PQerrorMessage(c), "does not match host name") != NULL, "%s", PQerrorMessage(c));
    PQfinish(c);
}

TEST(disable_and_prefer)
{
    PGconn *c = tls_connect("sslmode=disable");
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK(PQsslInUse(c) == 0);
    CHECK_QUERY(c, "SELECT 'plain'", "plain");
    PQfinish(c);
    c = tls_connect("sslmode=prefer");
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    CHECK(PQsslInUse(c) == 1);
    PQfinish(c);
}

TEST(require_against_ssl_off)
{
    char ci[256];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres connect_timeout=20 sslmode=require",
             plain_srv.port);
    PGconn *c = PQconnectdb(ci);
    CHECK(PQstatus(c) != CONNECTION_OK);
    CHECK_MSG(strstr(PQerrorMessage(c), "server does not support SSL, but SSL was required") != NULL,
              "%s", PQerrorMessage(c));
    PQfinish(c);
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=postgres connect_timeout=20 sslmode=prefer",
             plain_srv.port);
    c = PQconnectdb(ci);
    CHECK(PQstatus(c) == CONNECTION_OK && PQsslInUse(c) == 0);
    PQfinish(c);
}

static const uint8_t ssl_request[8] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};

/* The server must still serve TLS clients after a hostile one. */
static bool server_serves(void)
{
    PGconn *c = tls_connect("sslmode=require");
    bool ok = PQstatus(c) == CONNECTION_OK && E2E_QUERY_EQ(c, "SELECT 1", "1");
    PQfinish(c);
    return ok;
}

TEST(garbage_after_s)
{
    int fd = wire_raw_connect(e2e_port());
    REQUIRE(fd >= 0);
    CHECK(wire_raw_send(fd, ssl_request, sizeof ssl_request));
    char buf[4096];
    bool closed = false;
    size_t n = wire_raw_read_all(fd, buf, 1, 5000, &closed);
    CHECK(n == 1 && buf[0] == 'S');
    /* A plain-text startup packet where a ClientHello belongs, then junk. */
    char pkt[256];
    size_t len = wire_startup_packet(pkt, sizeof pkt, "root", "postgres");
    CHECK(wire_raw_send(fd, pkt, len));
    (void)wire_raw_send(fd, "\x16\x03\x01\xff\xffGARBAGE", 12); /* may find it closed already */
    closed = false;
    n = wire_raw_read_all(fd, buf, sizeof buf, 10000, &closed);
    CHECK_MSG(closed, "the server kept the connection open");
    CHECK_MSG(n == 0 || (uint8_t)buf[0] == 0x15, "expected nothing or a TLS alert, got %zu bytes", n);
    close(fd);
    CHECK(wire_alive(&e2e_srv));
    CHECK(server_serves());
}

TEST(plaintext_with_ssl_request)
{
    /* CVE-2021-23214: plain text queued behind the SSLRequest must never reach the session. */
    int fd = wire_raw_connect(e2e_port());
    REQUIRE(fd >= 0);
    char pkt[300];
    memcpy(pkt, ssl_request, 8);
    size_t len = 8 + wire_startup_packet(pkt + 8, sizeof pkt - 8, "root", "postgres");
    CHECK(wire_raw_send(fd, pkt, len));
    char buf[4096];
    bool closed = false;
    size_t n = wire_raw_read_all(fd, buf, sizeof buf - 1, 10000, &closed);
    buf[n] = 0;
    CHECK(closed);
    CHECK_MSG(n > 0 && buf[0] == 'E', "expected ErrorResponse, got %zu bytes", n);
    CHECK(wire_has_error(buf, n, "08P01"));
    bool found = false;
    for (size_t i = 0; i + 20 < n; i++)
        if (memcmp(buf + i, "received unencrypted data after SSL request", 43) == 0)
            found = true;
    CHECK(found);
    close(fd);
    CHECK(server_serves());
}

TEST(handshake_timeout)
{
    /* authentication_timeout = 2s bounds a client that goes silent after 'S'. */
    int fd = wire_raw_connect(e2e_port());
    REQUIRE(fd >= 0);
    CHECK(wire_raw_send(fd, ssl_request, sizeof ssl_request));
    char buf[64];
    bool closed = false;
    int64_t t0 = wire_now_ms();
    size_t n = wire_raw_read_all(fd, buf, 1, 5000, &closed);
    CHECK(n == 1 && buf[0] == 'S');
    closed = false;
    n = wire_raw_read_all(fd, buf, sizeof buf, 15000, &closed);
    CHECK(closed && n == 0);
    int64_t took = wire_now_ms() - t0;
    CHECK_MSG(took >= 1500 && took < 12000, "closed after %lld ms", (long long)took);
    close(fd);
}

TEST(large_result_and_copy)
{
    PGconn *c = tls_connect("sslmode=require");
    REQUIRE_MSG(PQstatus(c) == CONNECTION_OK, "connect: %s", PQerrorMessage(c));
    REQUIRE(PQsslInUse(c) == 1);
    /* ~6 MB in one result: many full TLS records in a row. */
    PGresult *r = PQexec(c, "SELECT g, repeat(chr(97 + g % 26), 1000) FROM generate_series(1, 6000) g");
    REQUIRE_MSG(PQresultStatus(r) == PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    CHECK(PQntuples(r) == 6000);
    bool ok = true;
    for (int i = 0; i < PQntuples(r) && ok; i++) {
        int g = atoi(PQgetvalue(r, i, 0));
        const char *v = PQgetvalue(r, i, 1);
        ok = PQgetlength(r, i, 1) == 1000 && v[0] == 'a' + g % 26 && v[999] == 'a' + g % 26;
    }
    CHECK(ok);
    PQclear(r);
    /* COPY FROM STDIN: ~4 MB in 40 KB chunks, then COPY TO STDOUT back. */
    CHECK_EXEC(c, "CREATE TABLE tls_copy (a int, b text)");
    r = PQexec(c, "COPY tls_copy FROM STDIN");
    REQUIRE(PQresultStatus(r) == PGRES_COPY_IN);
    PQclear(r);
    char pad[201];
    memset(pad, 'z', 200);
    pad[200] = 0;
    char chunk[48 * 1024];
    size_t used = 0;
    int rows = 20000;
    for (int i = 1; i <= rows; i++) {
        used += (size_t)snprintf(chunk + used, sizeof chunk - used, "%d\t%s\n", i, pad);
        if (used > 40 * 1024 || i == rows) {
            CHECK(PQputCopyData(c, chunk, (int)used) == 1);
            used = 0;
        }
    }
    CHECK(PQputCopyEnd(c, NULL) == 1);
    r = PQgetResult(c);
    CHECK_MSG(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
    CHECK_STR(PQcmdTuples(r), "20000");
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    CHECK_QUERY(c, "SELECT count(*), sum(a), sum(length(b)) FROM tls_copy", "20000|200010000|4000000");
    r = PQexec(c, "COPY tls_copy TO STDOUT");
    REQUIRE(PQresultStatus(r) == PGRES_COPY_OUT);
    PQclear(r);
    long bytes = 0, lines = 0;
    char *row;
    int got;
    while ((got = PQgetCopyData(c, &row, 0)) > 0) {
        bytes += got;
        lines++;
        PQfreemem(row);
    }
    CHECK(got == -1);
    CHECK(lines == rows);
    CHECK(bytes > 4000000);
    r = PQgetResult(c);
    CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
    PQclear(r);
    PQfinish(c);
}

static atomic_int conc_ok;

static void *conc_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 5; i++) {
        PGconn *c = tls_connect("sslmode=require");
        char sql[64], want[32];
        snprintf(sql, sizeof sql, "SELECT %d * 1000 + %d", id, i);
        snprintf(want, sizeof want, "%d", id * 1000 + i);
        PGresult *r = PQstatus(c) == CONNECTION_OK ? PQexec(c, sql) : NULL;
        if (r && PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), want) == 0 &&
            PQsslInUse(c))
            atomic_fetch_add(&conc_ok, 1);
        PQclear(r);
        PQfinish(c);
    }
    return NULL;
}

TEST(concurrent_handshakes)
{
    pthread_t th[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&th[i], NULL, conc_worker, (void *)(intptr_t)i);
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    CHECK(atomic_load(&conc_ok) == 30);
}

TEST(psql_require)
{
    if (system("psql --version >/dev/null 2>&1") != 0) {
        TEST_SKIP("psql not installed");
        return;
    }
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "psql -X -At \"%s sslmode=require\" -c 'SELECT 6 * 7' -c '\\conninfo' 2>&1",
             conn_base);
    int st = run_capture(cmd, out, sizeof out);
    CHECK_MSG(st == 0, "psql: %s", out);
    CHECK_MSG(strncmp(out, "42\n", 3) == 0, "%s", out);
    CHECK_MSG(strstr(out, "SSL connection (protocol: TLSv1.2") != NULL, "%s", out);
}

TEST(min_protocol_tls13_refused)
{
    char a[3][1024];
    snprintf(a[0], sizeof a[0], "ssl_cert_file=%s/server.crt", certdir);
    snprintf(a[1], sizeof a[1], "ssl_key_file=%s/server.key", certdir);
    snprintf(a[2], sizeof a[2], "ssl_min_protocol_version=TLSv1.3");
    const char *extra[] = {"-c", "ssl=on", "-c", a[0], "-c", a[1], "-c", a[2], NULL};
    char dir[800], log[800];
    snprintf(dir, sizeof dir, "%s/tls13", test_tmpdir());
    snprintf(log, sizeof log, "%s/tls13.log", test_tmpdir());
    pid_t pid = wire_spawn(dir, wire_free_port(), log, extra);
    REQUIRE(pid > 0);
    int st = 0;
    int64_t end = wire_now_ms() + 20000;
    bool exited = false;
    while (wire_now_ms() < end && !(exited = waitpid(pid, &st, WNOHANG) == pid))
        wire_sleep_ms(20);
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    CHECK_MSG(exited && WIFEXITED(st) && WEXITSTATUS(st) != 0, "the server started");
    char cmd[1024], out[4096];
    snprintf(cmd, sizeof cmd, "grep -c 'TLSv1.3.*not supported' '%s'", log);
    run_capture(cmd, out, sizeof out);
    CHECK_MSG(atoi(out) >= 1, "log lacks the reason");
}

/* Everything main does (outside TEST_MAIN: its body may not contain commas). 0 or the exit code. */
static int tls_main(void)
{
    if (system("openssl version >/dev/null 2>&1") != 0) {
        printf("SKIP e2e_tls_test: openssl CLI not installed (tools/install-deps.sh installs it)\n");
        return 77;
    }
    if (getenv("SHALE_E2E_ORACLE_PORT")) {
        printf("SKIP e2e_tls_test: needs its own server with ssl = on\n");
        return 77;
    }
    if (!make_certs()) {
        printf("SKIP e2e_tls_test: could not make a test certificate\n");
        return 77;
    }
    char a[2][1024];
    snprintf(a[0], sizeof a[0], "ssl_cert_file=%s/server.crt", certdir);
    snprintf(a[1], sizeof a[1], "ssl_key_file=%s/server.key", certdir);
    const char *extra[] = {"-c", "ssl=on", "-c", a[0], "-c", a[1], "-c", "authentication_timeout=2s", NULL};
    if (!e2e_start(extra)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    if (!wire_start(&plain_srv, "plain", NULL)) {
        printf("could not start the ssl = off server\n");
        return 1;
    }
    snprintf(conn_base, sizeof conn_base, "host=127.0.0.1 port=%d dbname=postgres", e2e_port());
    RUN(require_runs_queries);
    RUN(verify_full);
    RUN(disable_and_prefer);
    RUN(require_against_ssl_off);
    RUN(garbage_after_s);
    RUN(plaintext_with_ssl_request);
    RUN(handshake_timeout);
    RUN(large_result_and_copy);
    RUN(concurrent_handshakes);
    RUN(psql_require);
    RUN(min_protocol_tls13_refused);
    wire_stop(&plain_srv, SIGTERM, 30000);
    e2e_finish();
    return 0;
}

TEST_MAIN(
    int rc_ = tls_main();
    if (rc_ != 0)
        return rc_;
)
