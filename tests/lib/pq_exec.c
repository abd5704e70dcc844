/* pq_exec.c -- one libpq statement with a deadline and cancel; see pq_exec.h. */
#include "tests/lib/pq_exec.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double pq_exec_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pq_exec_reason(PqExecStatus *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->reason, sizeof st->reason, fmt, ap);
    va_end(ap);
    for (char *p = st->reason; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

/* Waits for input until deadline; returns 0 when input was consumed, -1 on timeout or a
 * broken connection (st says which). */
static int pq_exec_wait(PGconn *c, double deadline, PqExecStatus *st)
{
    for (;;) {
        double left = deadline - pq_exec_now();
        if (left <= 0) return -1;
        struct pollfd pfd = {.fd = PQsocket(c), .events = POLLIN};
        int pr = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) {
            pq_exec_reason(st, "poll: %s", strerror(errno));
            st->dead = 1;
            return -1;
        }
        if (pr == 0) continue;
        if (!PQconsumeInput(c)) {
            pq_exec_reason(st, "connection lost: %s", PQerrorMessage(c));
            st->dead = 1;
            return -1;
        }
        return 0;
    }
}

/* Cancels the running statement and drains its results for up to 5 s. */
static void pq_exec_cancel(PGconn *c, double timeout, PqExecStatus *st)
{
    PGcancel *cancel = PQgetCancel(c);
    char eb[256];
    if (cancel) {
        PQcancel(cancel, eb, sizeof eb);
        PQfreeCancel(cancel);
    }
    st->timed_out = 1;
    pq_exec_reason(st, "timed out after %.0f s", timeout);
    double deadline = pq_exec_now() + 5.0;
    for (;;) {
        if (!PQisBusy(c)) {
            PGresult *r = PQgetResult(c);
            if (!r) return;
            ExecStatusType es = PQresultStatus(r);
            PQclear(r);
            if (es == PGRES_COPY_IN) PQputCopyEnd(c, "cancelled");
            if (es == PGRES_COPY_OUT || es == PGRES_COPY_BOTH) break;
            continue;
        }
        if (pq_exec_wait(c, deadline, st) != 0) break;
    }
    st->dead = 1;
}

static void pq_exec_append(char **out, size_t *len, const char *s, size_t n)
{
    char *nb = realloc(*out, *len + n + 1);
    if (!nb) return;    /* output is then short, which shows up as a difference */
    memcpy(nb + *len, s, n);
    *len += n;
    nb[*len] = '\0';
    *out = nb;
}

PGresult *pq_exec_deadline(PGconn *c, const char *sql, int extended, double timeout,
                           const char *copy_in, size_t copy_in_len, char **copy_out,
                           PqExecStatus *st)
{
    st->timed_out = 0;
    st->reason[0] = '\0';
    size_t out_len = copy_out && *copy_out ? strlen(*copy_out) : 0;
    int sent = extended ? PQsendQueryParams(c, sql, 0, NULL, NULL, NULL, NULL, 0) : PQsendQuery(c, sql);
    if (!sent) {
        pq_exec_reason(st, "send failed: %s", PQerrorMessage(c));
        st->dead = PQstatus(c) != CONNECTION_OK;
        return NULL;
    }
    double deadline = pq_exec_now() + timeout;
    PGresult *keep = NULL;
    for (;;) {
        if (PQisBusy(c)) {
            if (pq_exec_wait(c, deadline, st) != 0) {
                if (!st->dead) pq_exec_cancel(c, timeout, st);
                PQclear(keep);
                return NULL;
            }
            continue;
        }
        PGresult *r = PQgetResult(c);
        if (!r) break;
        ExecStatusType es = PQresultStatus(r);
        if (es == PGRES_COPY_IN) {
            PQclear(r);
            if (copy_in) {
                if (copy_in_len) PQputCopyData(c, copy_in, (int)copy_in_len);
                PQputCopyEnd(c, NULL);
            } else {
                PQputCopyEnd(c, "no COPY data in the script");
            }
            continue;
        }
        if (es == PGRES_COPY_OUT) {
            PQclear(r);
            char *buf;
            int n;
            while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
                if (copy_out) pq_exec_append(copy_out, &out_len, buf, (size_t)n);
                PQfreemem(buf);
            }
            continue;
        }
        if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
            PQclear(r);
            continue;
        }
        PQclear(keep);
        keep = r;
    }
    if (!keep) {
        pq_exec_reason(st, "no result: %s", PQerrorMessage(c));
        st->dead = PQstatus(c) != CONNECTION_OK;
    } else if (PQstatus(c) != CONNECTION_OK) {
        st->dead = 1;
    }
    return keep;
}
