/* pq_exec.h -- one libpq statement with a deadline, shared by the test runners
 * (tests/slt/slt_runner.c, tests/sqldiff/sqldiff_runner.c): send, wait with poll(), cancel
 * the statement when the deadline passes, and say whether the connection is still usable. */
#ifndef SHALE_TESTS_LIB_PQ_EXEC_H
#define SHALE_TESTS_LIB_PQ_EXEC_H

#include <stddef.h>

#include <libpq-fe.h>

typedef struct PqExecStatus {
    int dead;               /* set (never cleared) when the connection is unusable */
    int timed_out;          /* the last statement was cancelled at its deadline */
    char reason[512];       /* why pq_exec_deadline returned NULL, one line */
} PqExecStatus;

/* Runs sql (simple query protocol, or the extended protocol with no parameters when
 * extended is set) and waits at most timeout seconds. Returns the first error result, else
 * the last result (caller PQclear()s it), or NULL when the statement timed out or the
 * connection failed (st->reason says which). When copy_in is not NULL, a COPY FROM STDIN
 * is fed copy_in (copy_in_len bytes) and ended; a COPY TO STDOUT's rows are appended to
 * *copy_out (malloc'd, caller frees; may be NULL for none). conn is borrowed. */
PGresult *pq_exec_deadline(PGconn *conn, const char *sql, int extended, double timeout,
                           const char *copy_in, size_t copy_in_len, char **copy_out,
                           PqExecStatus *st);

/* Seconds on a monotonic clock. */
double pq_exec_now(void);

#endif
