/* embed_command.c -- the `command` provider: a local program speaking JSON lines.
 *
 * Protocol (one exchange per batch, over the child's stdin/stdout):
 *   request line:  {"input":["text",...]}\n            (UTF-8; never contains a raw newline)
 *   response line: {"embeddings":[[f,...],...]}\n      exactly n arrays of dims numbers
 *              or: {"error":"message"}\n               permanent failure of this batch
 *              or: {"error":"message","retryable":true}\n
 * The child runs as `/bin/sh -c <command>` in its own process group, stdin/stdout are
 * socketpairs (so a dead child gives EPIPE, never SIGPIPE), stderr goes to /dev/null. It is
 * started at the first call and kept; after a timeout, a crash, a write error or a response
 * that breaks the protocol it is killed (the whole process group) and restarted at the next
 * call. Calls are serialised by e->cmd_mu, which owns every child_* field of the Embedder. */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "facets/embed/embed_int.h"
#include "facets/embed/embed_json.h"

extern char **environ;

#define CMD_POLL_SLICE_MS 100

/* Kills the child's process group and reaps it; returns its wait status (or -1). Caller
 * holds cmd_mu. */
static int command_stop(Embedder *e)
{
    int status = -1;
    if (e->child_pid > 0) {
        kill(-e->child_pid, SIGKILL);
        kill(e->child_pid, SIGKILL);
        while (waitpid(e->child_pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (e->child_in >= 0) close(e->child_in);
    if (e->child_out >= 0) close(e->child_out);
    e->child_pid = 0;
    e->child_in = e->child_out = -1;
    shale_buf_reset(&e->child_rbuf);
    return status;
}

void embed_command_release(Embedder *e)
{
    pthread_mutex_lock(&e->cmd_mu);
    command_stop(e);
    pthread_mutex_unlock(&e->cmd_mu);
}

static int command_start(Embedder *e, EmbedFailure *fail)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 };
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0) {
        int err = errno;
        for (int i = 0; i < 2; i++) {
            if (in[i] >= 0) close(in[i]);
            if (out[i] >= 0) close(out[i]);
        }
        return embed_fail(fail, EMBED_RETRYABLE, 0, "command: socketpair: %s", strerror(err));
    }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, in[1], 0);    /* dup2 clears close-on-exec */
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    /* a fresh process group (killed as a whole), an empty signal mask and default
     * dispositions, whatever the server's threads block or ignore */
    sigset_t none, defs;
    sigemptyset(&none);
    sigemptyset(&defs);
    sigaddset(&defs, SIGPIPE);
    sigaddset(&defs, SIGTERM);
    sigaddset(&defs, SIGINT);
    sigaddset(&defs, SIGHUP);
    sigaddset(&defs, SIGCHLD);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defs);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    char *argv[] = { "/bin/sh", "-c", e->command, NULL };
    pid_t pid;
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[1]);
    close(out[1]);
    if (rc != 0) {
        close(in[0]);
        close(out[0]);
        return embed_fail(fail, EMBED_RETRYABLE, 0, "command: could not start /bin/sh: %s", strerror(rc));
    }
    fcntl(in[0], F_SETFL, fcntl(in[0], F_GETFL) | O_NONBLOCK);
    fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
    e->child_pid = pid;
    e->child_in = in[0];
    e->child_out = out[0];
    shale_buf_reset(&e->child_rbuf);
    return 0;
}

/* Describes how the child ended (after command_stop) into a retryable failure. */
static int command_died(Embedder *e, const char *what, EmbedFailure *fail)
{
    int st = command_stop(e);
    if (st >= 0 && WIFEXITED(st))
        return embed_fail(fail, EMBED_RETRYABLE, 0, "command %s: it exited with status %d", what, WEXITSTATUS(st));
    if (st >= 0 && WIFSIGNALED(st))
        return embed_fail(fail, EMBED_RETRYABLE, 0, "command %s: it was killed by signal %d", what, WTERMSIG(st));
    return embed_fail(fail, EMBED_RETRYABLE, 0, "command %s", what);
}

/* Waits for fd/events; 0 ready, -1 = failure set (timeout or cancel; the child is stopped). */
static int command_wait(Embedder *e, int fd, short events, int64_t deadline, bool (*cancel)(void *),
                        void *cancel_arg, EmbedFailure *fail)
{
    for (;;) {
        if (cancel && cancel(cancel_arg)) {
            command_stop(e);
            return embed_fail(fail, EMBED_RETRYABLE, 0, "command: request cancelled");
        }
        int64_t left = deadline - embed_now_ms();
        if (left <= 0) {
            command_stop(e);
            return embed_fail(fail, EMBED_RETRYABLE, 0, "command: timed out after %d ms (restarting it)",
                              e->timeout_ms);
        }
        struct pollfd p = { .fd = fd, .events = events };
        int n = poll(&p, 1, (int)(left < CMD_POLL_SLICE_MS ? left : CMD_POLL_SLICE_MS));
        if (n > 0) return 0;
        if (n < 0 && errno != EINTR) {
            command_stop(e);
            return embed_fail(fail, EMBED_RETRYABLE, 0, "command: poll: %s", strerror(errno));
        }
    }
}

/* Parses one response line into out[n * dims]. Returns 0, 1 for an {"error"} answer
 * (fail set, child kept), or -1 for a protocol violation (fail set). */
static int command_parse(Embedder *e, const char *line, size_t len, int n, float *out, EmbedFailure *fail)
{
    EmbedJson j;
    embed_json_init(&j, line, len);
    bool first = true, have = false, retryable = false;
    char key[16];
    const char *why = NULL;
    ShaleBuf msg;
    shale_buf_init(&msg);
    bool have_error = false;
    int count = 0;
    while (!why && embed_json_object_next(&j, &first, key, sizeof key)) {
        if (strcmp(key, "embeddings") == 0) {
            have = true;
            bool f1 = true;
            while (!why && embed_json_array_next(&j, &f1)) {
                if (count >= n) { why = "more embeddings than texts"; break; }
                bool f2 = true;
                int k = 0;
                float *dst = out + (size_t)count * (size_t)e->dims;
                while (embed_json_array_next(&j, &f2)) {
                    double d;
                    if (!embed_json_number(&j, &d)) break;
                    if (k >= e->dims) { why = "an embedding has more dimensions than dims"; break; }
                    if (!(fabs(d) <= FLT_MAX)) { why = "embedding value out of float range"; break; }
                    dst[k++] = (float)d;
                }
                if (!why && !j.failed && k != e->dims) why = "an embedding has fewer dimensions than dims";
                count++;
            }
        } else if (strcmp(key, "error") == 0 && embed_json_peek(&j) == '"') {
            have_error = embed_json_string(&j, &msg);
        } else if (strcmp(key, "retryable") == 0 && embed_json_peek(&j) == 't') {
            retryable = embed_json_skip(&j);
        } else {
            embed_json_skip(&j);
        }
    }
    if (!why && !j.failed && !embed_json_at_end(&j)) why = "trailing bytes after the JSON object";
    int rc = 0;
    if (j.failed) {
        rc = embed_fail(fail, EMBED_PERMANENT, 0, "command answered invalid JSON: %s", j.why);
    } else if (why) {
        rc = embed_fail(fail, EMBED_PERMANENT, 0, "command answered unexpectedly: %s", why);
    } else if (have_error) {
        char text[200];
        size_t o = 0;
        for (size_t i = 0; i < msg.len && o + 1 < sizeof text; i++)
            text[o++] = (unsigned char)msg.data[i] < 0x20 ? ' ' : msg.data[i];
        text[o] = '\0';
        embed_fail(fail, retryable ? EMBED_RETRYABLE : EMBED_PERMANENT, 0, "command reported an error: %s", text);
        rc = 1;
    } else if (!have) {
        rc = embed_fail(fail, EMBED_PERMANENT, 0, "command answered without \"embeddings\"");
    } else if (count != n) {
        rc = embed_fail(fail, EMBED_PERMANENT, 0, "command answered %d embeddings for %d texts", count, n);
    }
    shale_buf_free(&msg);
    return rc;
}

static int command_exchange(Embedder *e, const ShaleBuf *req, int n, float *out, bool (*cancel)(void *),
                            void *cancel_arg, EmbedFailure *fail)
{
    int64_t deadline = embed_now_ms() + e->timeout_ms;
    if (e->child_pid == 0 && command_start(e, fail) != 0) return -1;
    size_t off = 0;
    while (off < req->len) {
        ssize_t w = send(e->child_in, req->data + off, req->len - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (command_wait(e, e->child_in, POLLOUT, deadline, cancel, cancel_arg, fail) != 0) return -1;
            continue;
        }
        return command_died(e, "stopped reading its input", fail);
    }
    ShaleBuf *rb = &e->child_rbuf;
    size_t scanned = 0;
    char *nl;
    while (!(nl = rb->len > scanned ? memchr(rb->data + scanned, '\n', rb->len - scanned) : NULL)) {
        scanned = rb->len;
        if (rb->len > EMBED_MAX_RESPONSE) {
            command_stop(e);
            return embed_fail(fail, EMBED_PERMANENT, 0, "command response line longer than %u bytes",
                              EMBED_MAX_RESPONSE);
        }
        if (!shale_buf_reserve(rb, 65536)) {
            command_stop(e);
            return embed_fail(fail, EMBED_RETRYABLE, 0, "command: out of memory");
        }
        ssize_t r = recv(e->child_out, rb->data + rb->len, 65536, 0);
        if (r > 0) {
            rb->len += (size_t)r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (command_wait(e, e->child_out, POLLIN, deadline, cancel, cancel_arg, fail) != 0) return -1;
            continue;
        }
        return command_died(e, "closed its output", fail);
    }
    size_t line_len = (size_t)(nl - rb->data);
    int rc = command_parse(e, rb->data, line_len, n, out, fail);
    /* keep whatever followed the line for the next exchange */
    size_t rest = rb->len - line_len - 1;
    memmove(rb->data, nl + 1, rest);
    rb->len = rest;
    if (rc < 0) {
        command_stop(e);   /* out of step with us: start afresh next time */
        return -1;
    }
    return rc == 1 ? -1 : 0;
}

int embed_command_embed(Embedder *e, const char *const *texts, const size_t *lens, int n, float *out,
                        bool (*cancel)(void *arg), void *cancel_arg, EmbedFailure *fail)
{
    ShaleBuf req;
    shale_buf_init(&req);
    embed_json_write_raw(&req, "{\"input\":[");
    for (int i = 0; i < n; i++) {
        if (i) shale_buf_append_byte(&req, ',');
        embed_json_write_string(&req, texts[i], lens[i]);
    }
    embed_json_write_raw(&req, "]}\n");
    if (req.oom) {
        shale_buf_free(&req);
        return embed_fail(fail, EMBED_RETRYABLE, 0, "out of memory building the request");
    }
    pthread_mutex_lock(&e->cmd_mu);
    int rc = command_exchange(e, &req, n, out, cancel, cancel_arg, fail);
    pthread_mutex_unlock(&e->cmd_mu);
    shale_buf_free(&req);
    return rc;
}
