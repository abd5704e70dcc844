/* embed_test_util.h -- helpers of the embedder tests: start/stop the fake embedding server
 * (tests/embed/fake_embed_server, found next to the test binary), talk to its control
 * endpoints, and small timing helpers. Header-only, included by one test file each. */
#ifndef SHALE_TESTS_EMBED_TEST_UTIL_H
#define SHALE_TESTS_EMBED_TEST_UTIL_H

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "facets/embed/embed_http.h"

extern char **environ;

typedef struct FakeServer {
    pid_t pid;
    int port;
} FakeServer;

/* Path of a program in the test binary's directory (static storage). */
static inline const char *etu_sibling(const char *name)
{
    static char path[4096];
    char self[3000];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return name;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) *slash = '\0';
    snprintf(path, sizeof path, "%s/%s", self, name);
    return path;
}

/* Starts the fake server with extra arguments (NULL-terminated list); false on failure. */
static inline bool etu_server_start(FakeServer *s, const char *const *extra)
{
    static int seq;
    char port_file[600];
    snprintf(port_file, sizeof port_file, "%s/port-%d-%d", test_tmpdir(), (int)getpid(), seq++);
    unlink(port_file);
    const char *argv[16];
    int a = 0;
    argv[a++] = etu_sibling("fake_embed_server");
    argv[a++] = "--port-file";
    argv[a++] = port_file;
    for (int i = 0; extra && extra[i] && a < 15; i++) argv[a++] = extra[i];
    argv[a] = NULL;
    if (posix_spawn(&s->pid, argv[0], NULL, NULL, (char *const *)argv, environ) != 0) return false;
    for (int i = 0; i < 500; i++) {   /* up to 5 s */
        FILE *f = fopen(port_file, "r");
        if (f) {
            int ok = fscanf(f, "PORT %d", &s->port);
            fclose(f);
            unlink(port_file);
            if (ok == 1) return true;
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    return false;
}

static inline void etu_server_stop(FakeServer *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = 0;
}

/* One request to the fake server; returns the HTTP status (or -1), body into *body. */
static inline int etu_request(const FakeServer *s, const char *method, const char *path, ShaleBuf *body)
{
    EmbedUrl u;
    char url[400], why[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
    if (!embed_url_parse(url, &u, why, sizeof why)) return -1;
    EmbedHttpRequest r = { .url = &u, .method = method, .deadline_ms = embed_now_ms() + 5000,
                           .timeout_ms = 5000 };
    int status = 0;
    EmbedFailure f;
    if (embed_http_call(&r, &status, body, &f) != 0) return -1;
    return status;
}

/* POST /control?<query>; true when accepted. */
static inline bool etu_control(const FakeServer *s, const char *query)
{
    char path[256];
    snprintf(path, sizeof path, "/control?%s", query);
    ShaleBuf b;
    shale_buf_init(&b);
    int st = etu_request(s, "POST", path, &b);
    shale_buf_free(&b);
    return st == 200;
}

/* GET /stats: the value of one counter ("requests", "texts", "auth_ok"), -1 on error. */
static inline long etu_stat(const FakeServer *s, const char *name)
{
    ShaleBuf b;
    shale_buf_init(&b);
    long v = -1;
    if (etu_request(s, "GET", "/stats", &b) == 200) {
        shale_buf_append_byte(&b, 0);
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\":", name);
        const char *p = strstr(b.data, pat);
        if (p) v = atol(p + strlen(pat));
    }
    shale_buf_free(&b);
    return v;
}

static inline int64_t etu_ms(void)
{
    return embed_now_ms();
}

#endif
