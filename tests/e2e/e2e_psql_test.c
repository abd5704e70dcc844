/* e2e_psql_test.c -- psql against the real server: -c, -f with a script (several statements,
 * \timing on, \copy), and an interactive session driven through a pseudo-terminal (statements
 * typed at the prompt, results read back from the screen). Skips when psql is missing. */
#include "tests/harness/test.h"

#include <pty.h>

#include "tests/e2e/e2e_util.h"

static char psql_conn[256];

/* Runs cmd, captures stdout+stderr into out; returns the exit status. */
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

TEST(psql_c_and_f)
{
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd, "psql -X %s -At -c 'SELECT 40 + 2' 2>&1", psql_conn);
    CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
    CHECK_STR(out, "42\n");
    snprintf(cmd, sizeof cmd, "psql -X %s -v ON_ERROR_STOP=1 -c 'SELECT nosuchcol' 2>&1", psql_conn);
    CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 1);
    CHECK_MSG(strstr(out, "ERROR:  column \"nosuchcol\" does not exist") != NULL, "%s", out);

    char script[700], data[700];
    snprintf(script, sizeof script, "%s/script.sql", test_tmpdir());
    snprintf(data, sizeof data, "%s/data.txt", test_tmpdir());
    FILE *f = fopen(data, "w");
    REQUIRE(f);
    fprintf(f, "1\tone\n2\ttwo\n3\t\\N\n");
    fclose(f);
    f = fopen(script, "w");
    REQUIRE(f);
    fprintf(f, "\\set ON_ERROR_STOP 1\n"
               "\\timing on\n"
               "CREATE TABLE ps (a int PRIMARY KEY, b text);\n"
               "\\copy ps FROM '%s'\n"
               "INSERT INTO ps VALUES (4, 'four'),\n   (5, 'five');\n"
               "BEGIN;\nUPDATE ps SET b = upper(b) WHERE a > 3;\nCOMMIT;\n"
               "\\pset format unaligned\n"
               "SELECT a, coalesce(b, 'null') FROM ps ORDER BY a;\n"
               "DROP TABLE ps;\n", data);
    fclose(f);
    snprintf(cmd, sizeof cmd, "psql -X %s -q -f '%s' 2>&1", psql_conn, script);
    CHECK_EQ_INT(run_capture(cmd, out, sizeof out), 0);
    CHECK_MSG(strstr(out, "a|coalesce\n1|one\n2|two\n3|null\n4|FOUR\n5|FIVE\n(5 rows)\n") != NULL, "%s", out);
    CHECK_MSG(strstr(out, "Time: ") != NULL, "no \\timing output: %s", out);
}

/* Reads from the pty until want appears or timeout; returns true when seen. */
static bool pty_expect(int fd, const char *want, char *screen, size_t cap, size_t *n, int timeout_ms)
{
    int64_t end = wire_now_ms() + timeout_ms;
    for (;;) {
        screen[*n] = 0;
        if (strstr(screen, want))
            return true;
        int left = (int)(end - wire_now_ms());
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&p, 1, left) <= 0 || *n + 1 >= cap)
            return false;
        ssize_t r = read(fd, screen + *n, cap - 1 - *n);
        if (r <= 0)
            return false;
        *n += (size_t)r;
    }
}

TEST(psql_interactive_through_a_pty)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        setenv("TERM", "dumb", 1);
        setenv("PAGER", "", 1);
        setenv("PSQL_PAGER", "", 1);
        char port[16];
        snprintf(port, sizeof port, "%d", e2e_port());
        execlp("psql", "psql", "-X", "-h", "127.0.0.1", "-p", port, "-d", e2e_dbname, "-U",
               e2e_oracle() ? "postgres" : "root", "-v", "PROMPT1=e2e%x> ", (char *)NULL);
        _exit(127);
    }
    static char screen[65536];
    size_t n = 0;
    CHECK(pty_expect(master, "e2e> ", screen, sizeof screen, &n, 20000));
    const char *typed = "CREATE TABLE tty (a int);\nINSERT INTO tty VALUES (7), (8);\nBEGIN;\n";
    CHECK(write(master, typed, strlen(typed)) == (ssize_t)strlen(typed));
    CHECK(pty_expect(master, "e2e*> ", screen, sizeof screen, &n, 20000));   /* %x shows the block */
    const char *q = "SELECT sum(a) AS total FROM tty;\n";
    CHECK(write(master, q, strlen(q)) == (ssize_t)strlen(q));
    CHECK(pty_expect(master, "(1 row)", screen, sizeof screen, &n, 20000));
    CHECK(strstr(screen, " total \r\n-------\r\n    15\r\n") != NULL);
    const char *bad = "SELECT 1/0;\n";
    CHECK(write(master, bad, strlen(bad)) == (ssize_t)strlen(bad));
    CHECK(pty_expect(master, "ERROR:  division by zero", screen, sizeof screen, &n, 20000));
    CHECK(pty_expect(master, "e2e!> ", screen, sizeof screen, &n, 20000));   /* failed block */
    const char *end = "ROLLBACK;\nDROP TABLE tty;\n\\q\n";
    CHECK(write(master, end, strlen(end)) == (ssize_t)strlen(end));
    CHECK(pty_expect(master, "DROP TABLE", screen, sizeof screen, &n, 20000));
    int st = 0;
    for (int i = 0; i < 200 && waitpid(pid, &st, WNOHANG) == 0; i++)
        wire_sleep_ms(50);
    if (waitpid(pid, &st, WNOHANG) == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        CHECK_MSG(false, "psql did not exit");
    } else {
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    close(master);
}

TEST_MAIN(
    if (system("psql --version >/dev/null 2>&1") != 0) {
        printf("psql not installed: skipped\n");
        return 77;
    }
    if (!e2e_start(NULL)) {
        printf("could not start the server\n");
        e2e_dump_log();
        return 1;
    }
    snprintf(psql_conn, sizeof psql_conn, "-h 127.0.0.1 -p %d -d %s %s", e2e_port(), e2e_dbname,
             e2e_oracle() ? "-U postgres" : "");
    RUN(psql_c_and_f);
    RUN(psql_interactive_through_a_pty);
    e2e_finish();
)
