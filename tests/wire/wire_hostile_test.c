/* wire_hostile_test.c -- hostile clients over raw sockets (bad lengths, unknown message
 * types, oversize messages, half a message then a stall, garbage startup packets, protocol
 * versions, malformed payloads) and a protocol fuzzer (random and mutated messages from a
 * seed corpus), while a well-behaved libpq session keeps working. Each hostile connection
 * must get its error and be closed; the server must never crash or hang. */
#include "tests/harness/test.h"

#include <pwd.h>
#include <unistd.h>

#include "config.h"
#include "tests/wire/wire_util.h"
#include "util/hash.h"

static WireServer srv;
static PGconn *watcher;

/* The well-behaved session still answers and the server still runs. */
static bool watcher_ok(void)
{
    static int n;
    char q[32], want[16];
    snprintf(want, sizeof want, "%d", ++n);
    snprintf(q, sizeof q, "SELECT %d", n);
    return wire_alive(&srv) && wire_query_is(watcher, q, want);
}

/* Appends a typed message to buf at *n. */
static void put_msg(char *buf, size_t *n, char type, const void *payload, size_t len)
{
    buf[(*n)++] = type;
    uint32_t l = htonl((uint32_t)len + 4);
    memcpy(buf + *n, &l, 4);
    *n += 4;
    memcpy(buf + *n, payload, len);
    *n += len;
}

/* The role to start up as: the OS user, which both the real server (its bootstrap
 * superuser) and the SQL test double accept. */
static const char *hostile_user(void)
{
    const struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "postgres";
}

/* A connection that finished startup (up to ReadyForQuery), or -1. */
static int ready_conn(void)
{
    int fd = wire_raw_connect(srv.port);
    if (fd < 0)
        return -1;
    char pkt[256];
    size_t n = wire_startup_packet(pkt, sizeof pkt, hostile_user(), "postgres");
    if (!wire_raw_send(fd, pkt, n) || !wire_raw_until_ready(fd, 5000)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Sends bytes on a ready connection; expects an ErrorResponse with state and (if closes)
 * the server closing the connection within timeout_ms. */
static void expect_fatal(const void *bytes, size_t n, const char *state, int timeout_ms)
{
    int fd = ready_conn();
    REQUIRE(fd >= 0);
    wire_raw_send(fd, bytes, n);
    char buf[4096];
    bool closed;
    int64_t t0 = wire_now_ms();
    size_t got = wire_raw_read_all(fd, buf, sizeof buf, timeout_ms, &closed);
    CHECK_MSG(closed, "connection not closed after %lld ms", (long long)(wire_now_ms() - t0));
    CHECK_MSG(wire_has_error(buf, got, state), "no %s error in %zu bytes", state, got);
    close(fd);
    CHECK(watcher_ok());
}

TEST(bad_length_unknown_type_oversize)
{
    const char short_len[] = {'Q', 0, 0, 0, 2};
    expect_fatal(short_len, sizeof short_len, "08P01", 5000);
    const char unknown[] = {'y', 0, 0, 0, 4};
    expect_fatal(unknown, sizeof unknown, "08P01", 5000);
    const char pw_late[] = {'p', 0, 0, 0, 5, 0};
    expect_fatal(pw_late, sizeof pw_late, "08P01", 5000);
    /* 2 MB announced with max_message_size = 1MB: refused before the body arrives */
    const char huge[] = {'Q', 0, 0x20, 0, 4, 'S', 'E'};
    expect_fatal(huge, sizeof huge, "08P01", 5000);
    const char negative[] = {'Q', (char)0xff, (char)0xff, (char)0xff, (char)0xf0};
    expect_fatal(negative, sizeof negative, "08P01", 5000);
}

TEST(half_message_then_stall)
{
    /* idle_partial_message_timeout is 300ms in this server's settings */
    const char half[] = {'Q', 0, 0, 0, 100, 'S', 'E', 'L'};
    int64_t t0 = wire_now_ms();
    expect_fatal(half, sizeof half, "08P01", 5000);
    CHECK(wire_now_ms() - t0 < 4000);
    /* a stalled startup packet is dropped by authentication_timeout (2s here) */
    int fd = wire_raw_connect(srv.port);
    REQUIRE(fd >= 0);
    const char part[] = {0, 0, 0, 40, 0, 3};
    wire_raw_send(fd, part, sizeof part);
    char buf[512];
    bool closed;
    wire_raw_read_all(fd, buf, sizeof buf, 6000, &closed);
    CHECK(closed);
    close(fd);
    CHECK(watcher_ok());
}

/* Sends a raw startup-phase packet; returns what came back before the close (or timeout). */
static size_t startup_exchange(const void *pkt, size_t n, char *buf, size_t cap, bool *closed)
{
    int fd = wire_raw_connect(srv.port);
    if (fd < 0)
        return 0;
    wire_raw_send(fd, pkt, n);
    size_t got = wire_raw_read_all(fd, buf, cap, 3000, closed);
    close(fd);
    return got;
}

TEST(garbage_startup_packets)
{
    char buf[4096];
    bool closed;
    const char too_short[] = {0, 0, 0, 3, 1, 2, 3};
    size_t got = startup_exchange(too_short, sizeof too_short, buf, sizeof buf, &closed);
    CHECK(closed && wire_has_error(buf, got, "08P01"));
    const char too_long[] = {0, 0, 0x4e, 0x21, 0, 3, 0, 0};
    got = startup_exchange(too_long, sizeof too_long, buf, sizeof buf, &closed);
    CHECK(closed && wire_has_error(buf, got, "08P01"));
    const char v2[] = {0, 0, 0, 9, 0, 2, 0, 0, 0};
    got = startup_exchange(v2, sizeof v2, buf, sizeof buf, &closed);
    CHECK(closed && wire_has_error(buf, got, "0A000"));
    const char no_term[] = {0, 0, 0, 14, 0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'x'};
    got = startup_exchange(no_term, sizeof no_term, buf, sizeof buf, &closed);
    CHECK(closed && wire_has_error(buf, got, "08P01"));
    const char no_user[] = {0, 0, 0, 9, 0, 3, 0, 0, 0};
    got = startup_exchange(no_user, sizeof no_user, buf, sizeof buf, &closed);
    CHECK(closed && wire_has_error(buf, got, "28000"));
    ShaleRandom rnd;
    shale_random_seed(&rnd, 77);
    for (int i = 0; i < 50; i++) {
        char g[64];
        for (size_t k = 0; k < sizeof g; k++)
            g[k] = (char)shale_random_next(&rnd);
        g[0] = 0;
        g[1] = 0; /* keep the length small so the server reads the whole packet */
        got = startup_exchange(g, sizeof g, buf, sizeof buf, &closed);
        CHECK(closed);
    }
    CHECK(watcher_ok());
}

TEST(ssl_gss_and_version_negotiation)
{
    int fd = wire_raw_connect(srv.port);
    REQUIRE(fd >= 0);
    const char ssl[] = {0, 0, 0, 8, 0x04, (char)0xd2, 0x16, 0x2f};
    const char gss[] = {0, 0, 0, 8, 0x04, (char)0xd2, 0x16, 0x30};
    char b;
    wire_raw_send(fd, ssl, sizeof ssl);
    CHECK(recv(fd, &b, 1, 0) == 1 && b == 'N');
    wire_raw_send(fd, gss, sizeof gss);
    CHECK(recv(fd, &b, 1, 0) == 1 && b == 'N');
    /* protocol 3.2 with an unknown _pq_ option: NegotiateProtocolVersion, then on */
    char pkt[256];
    size_t n = wire_startup_packet(pkt, sizeof pkt, hostile_user(), "postgres");
    n--; /* drop the terminator, add an option */
    n += (size_t)snprintf(pkt + n, sizeof pkt - n, "_pq_.fancy%con%c", 0, 0);
    pkt[n++] = 0;
    uint32_t len = htonl((uint32_t)n), ver = htonl(3u << 16 | 2);
    memcpy(pkt, &len, 4);
    memcpy(pkt + 4, &ver, 4);
    wire_raw_send(fd, pkt, n);
    char buf[2048];
    bool closed;
    size_t got = wire_raw_read_all(fd, buf, sizeof buf, 500, &closed);
    CHECK(got > 20 && buf[0] == 'v');
    CHECK(got > 20 && memmem(buf, got, "_pq_.fancy", 10) != NULL);
    CHECK(memchr(buf, 'Z', got) != NULL);
    close(fd);
}

TEST(malformed_payloads_keep_the_session)
{
    int fd = ready_conn();
    REQUIRE(fd >= 0);
    char buf[8192];
    size_t n = 0;
    put_msg(buf, &n, 'Q', "SELECT 1", 8); /* no NUL: invalid message format (ERROR, not FATAL) */
    REQUIRE(wire_raw_send(fd, buf, n));
    bool closed;
    size_t got = wire_raw_read_all(fd, buf, sizeof buf, 300, &closed);
    CHECK(!closed && wire_has_error(buf, got, "08P01") && buf[got - 6] == 'Z');
    /* extended: Parse, Bind, Execute with a row limit, again, Sync */
    n = 0;
    const char parse[] = "\0SELECT generate_series(1, 5)\0\0\0";
    put_msg(buf, &n, 'P', parse, sizeof parse - 1);
    const char bind[] = "\0\0\0\0\0\0\0\0";
    put_msg(buf, &n, 'B', bind, 8);
    const char exec3[] = {0, 0, 0, 0, 3};
    put_msg(buf, &n, 'E', exec3, 5);
    put_msg(buf, &n, 'E', exec3, 5);
    put_msg(buf, &n, 'S', "", 0);
    REQUIRE(wire_raw_send(fd, buf, n));
    got = wire_raw_read_all(fd, buf, sizeof buf, 300, &closed);
    char types[64];
    size_t nt = 0;
    for (size_t off = 0; off + 5 <= got && nt < sizeof types - 1;) {
        types[nt++] = buf[off];
        uint32_t l;
        memcpy(&l, buf + off + 1, 4);
        off += 1 + ntohl(l);
    }
    types[nt] = '\0';
    CHECK_STR(types, "12DDDsDDCZ");
    /* skip to Sync: a failing Bind, then messages that must be ignored, then Sync */
    n = 0;
    const char bad_bind[] = "\0nosuch\0\0\0\0\0\0\0";
    put_msg(buf, &n, 'B', bad_bind, sizeof bad_bind - 1);
    put_msg(buf, &n, 'E', exec3, 5);
    put_msg(buf, &n, 'Q', "SELECT 1", 9);
    put_msg(buf, &n, 'y', "junk", 4); /* ignored while skipping, as PostgreSQL does */
    put_msg(buf, &n, 'S', "", 0);
    put_msg(buf, &n, 'Q', "SELECT 2", 9);
    REQUIRE(wire_raw_send(fd, buf, n));
    got = wire_raw_read_all(fd, buf, sizeof buf, 300, &closed);
    nt = 0;
    for (size_t off = 0; off + 5 <= got && nt < sizeof types - 1;) {
        types[nt++] = buf[off];
        uint32_t l;
        memcpy(&l, buf + off + 1, 4);
        off += 1 + ntohl(l);
    }
    types[nt] = '\0';
    CHECK_STR(types, "EZTDCZ");
    /* bad Describe subtype and a Bind whose counts lie */
    n = 0;
    put_msg(buf, &n, 'D', "Xname", 6);
    put_msg(buf, &n, 'S', "", 0);
    const char lying_bind[] = {0, 0, 0, 0, 0x7f, (char)0xff};
    put_msg(buf, &n, 'B', lying_bind, sizeof lying_bind);
    put_msg(buf, &n, 'S', "", 0);
    REQUIRE(wire_raw_send(fd, buf, n));
    got = wire_raw_read_all(fd, buf, sizeof buf, 300, &closed);
    CHECK(!closed && wire_has_error(buf, got, "08P01"));
    close(fd);
    CHECK(watcher_ok());
}

/* --- fuzzing -------------------------------------------------------------------------- */

/* Seed corpus: valid client streams after startup. */
static size_t fuzz_seed(int which, char *buf)
{
    size_t n = 0;
    const char exec0[] = {0, 0, 0, 0, 0};
    const char exec2[] = {0, 0, 0, 0, 2};
    switch (which % 6) {
    case 0:
        put_msg(buf, &n, 'Q', "SELECT 1; SELECT 'x'", 21);
        break;
    case 1: {
        const char parse[] = "s\0SELECT $1\0\0\1\0\0\0\x17";
        put_msg(buf, &n, 'P', parse, sizeof parse - 1);
        const char bind[] = "p\0s\0\0\1\0\1\0\1\0\0\0\2" "42\0\1\0\0";
        put_msg(buf, &n, 'B', bind, sizeof bind - 1);
        put_msg(buf, &n, 'D', "Pp", 3);
        put_msg(buf, &n, 'E', "p\0\0\0\0", 6);
        put_msg(buf, &n, 'C', "Ss", 3);
        put_msg(buf, &n, 'S', "", 0);
        break;
    }
    case 2:
        put_msg(buf, &n, 'Q', "COPY t FROM STDIN", 18);
        put_msg(buf, &n, 'd', "1\tx\n", 4);
        put_msg(buf, &n, 'H', "", 0);
        put_msg(buf, &n, 'd', "2\ty\n", 4);
        put_msg(buf, &n, 'c', "", 0);
        put_msg(buf, &n, 'Q', "SELECT 2", 9);
        break;
    case 3: {
        const char parse[] = "\0SELECT generate_series(1, 4)\0\0\0";
        put_msg(buf, &n, 'P', parse, sizeof parse - 1);
        put_msg(buf, &n, 'B', "\0\0\0\0\0\0\0\0", 8);
        put_msg(buf, &n, 'E', exec2, 5);
        put_msg(buf, &n, 'E', exec0, 5);
        put_msg(buf, &n, 'S', "", 0);
        break;
    }
    case 4:
        put_msg(buf, &n, 'Q', "BEGIN", 6);
        put_msg(buf, &n, 'Q', "SELECT 1/0", 11);
        put_msg(buf, &n, 'Q', "ROLLBACK", 9);
        put_msg(buf, &n, 'Q', "COPY t FROM STDIN", 18);
        put_msg(buf, &n, 'f', "nope", 5);
        break;
    default:
        put_msg(buf, &n, 'Q', "", 1);
        put_msg(buf, &n, 'F', "\0\0\0\0", 4);
        put_msg(buf, &n, 'X', "", 0);
        break;
    }
    return n;
}

static size_t fuzz_mutate(ShaleRandom *r, char *buf, size_t n, size_t cap)
{
    int rounds = 1 + (int)(shale_random_next(r) % 4);
    for (int k = 0; k < rounds && n > 0; k++) {
        size_t at = shale_random_next(r) % n;
        switch (shale_random_next(r) % 6) {
        case 0: /* bit flip */
            buf[at] ^= (char)(1u << (shale_random_next(r) % 8));
            break;
        case 1: /* random byte */
            buf[at] = (char)shale_random_next(r);
            break;
        case 2: /* truncate */
            n = at;
            break;
        case 3: { /* insert random bytes */
            size_t m = 1 + shale_random_next(r) % 8;
            if (n + m <= cap) {
                memmove(buf + at + m, buf + at, n - at);
                for (size_t i = 0; i < m; i++)
                    buf[at + i] = (char)shale_random_next(r);
                n += m;
            }
            break;
        }
        case 4: { /* duplicate a chunk */
            size_t m = 1 + shale_random_next(r) % 32;
            if (at + m <= n && n + m <= cap) {
                memmove(buf + at + m, buf + at, n - at);
                n += m;
            }
            break;
        }
        default: /* interesting lengths */
            if (at + 4 <= n) {
                static const uint32_t lens[] = {0, 3, 4, 5, 0x7fffffff, 0xffffffff, 0x100000, 9};
                uint32_t l = htonl(lens[shale_random_next(r) % 8]);
                memcpy(buf + at, &l, 4);
            }
            break;
        }
    }
    return n;
}

TEST(protocol_fuzz)
{
    long cases = 3000 * test_scale();
#ifdef SHALE_SANITIZERS
    cases /= 3;
#endif
    ShaleRandom r;
    shale_random_seed(&r, 20240501);
    static char buf[16384];
    long slow = 0;
    for (long i = 0; i < cases; i++) {
        int fd;
        size_t n = 0;
        bool mutate_startup = shale_random_next(&r) % 10 == 0;
        if (mutate_startup) {
            n = wire_startup_packet(buf, sizeof buf, hostile_user(), "postgres");
            n = fuzz_mutate(&r, buf, n, sizeof buf);
            fd = wire_raw_connect(srv.port);
        } else {
            fd = ready_conn();
        }
        REQUIRE(fd >= 0);
        if (!mutate_startup) {
            if (shale_random_next(&r) % 8 == 0) {
                n = 1 + shale_random_next(&r) % 200; /* pure noise */
                for (size_t k = 0; k < n; k++)
                    buf[k] = (char)shale_random_next(&r);
            } else {
                n = fuzz_seed((int)(shale_random_next(&r) % 6), buf);
                n = fuzz_mutate(&r, buf, n, sizeof buf);
            }
        }
        wire_raw_send(fd, buf, n);
        shutdown(fd, SHUT_WR); /* EOF: the server must finish and close promptly */
        static char in[65536];
        bool closed;
        int64_t t0 = wire_now_ms();
        wire_raw_read_all(fd, in, sizeof in, 10000, &closed);
        while (!closed && wire_now_ms() - t0 < 10000)
            wire_raw_read_all(fd, in, sizeof in, 10000, &closed);
        CHECK_MSG(closed, "case %ld: server did not close the connection", i);
        if (wire_now_ms() - t0 > 1000)
            slow++;
        close(fd);
        if (i % 250 == 0 && !watcher_ok()) {
            CHECK_MSG(false, "case %ld: the watcher session failed or the server died", i);
            return;
        }
    }
    CHECK(watcher_ok());
    CHECK_MSG(slow < cases / 100 + 1, "%ld slow cases", slow);
    printf("  %ld fuzz cases\n", cases);
}

static const char *const hostile_args[] = {
    "-c", "idle_partial_message_timeout=300ms", "-c", "authentication_timeout=2s",
    "-c", "max_message_size=1MB", "-c", "log_min_messages=fatal", NULL};

TEST_MAIN(
    if (!wire_start(&srv, "hostile", hostile_args)) {
        printf("could not start %s\n", wire_server_bin());
        return 1;
    }
    watcher = wire_connect(&srv, NULL);
    if (PQstatus(watcher) != CONNECTION_OK) {
        printf("watcher: %s\n", PQerrorMessage(watcher));
        return 1;
    }
    RUN(bad_length_unknown_type_oversize);
    RUN(half_message_then_stall);
    RUN(garbage_startup_packets);
    RUN(ssl_gss_and_version_negotiation);
    RUN(malformed_payloads_keep_the_session);
    RUN(protocol_fuzz);
    PQfinish(watcher);
    if (wire_stop(&srv, SIGTERM, 30000) != 0)
        printf("server did not stop cleanly\n");
    test_rm_rf(test_tmpdir());
)
