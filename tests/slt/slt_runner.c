/* slt_runner.c -- a sqllogictest runner over libpq: reads .test files in the sqllogictest
 * format (statement ok/error, query <types> [nosort|rowsort|valuesort] [label], ----,
 * hash-threshold, skipif/onlyif <engine>, halt, # comments), runs every record against one
 * server through one connection, and reports per file how many records ran, passed, failed,
 * were skipped, and how many were known failures (run, but not counted).
 *
 *   slt_runner [--conn STR] [--engine NAME] [--known-failures FILE] [--verbose]
 *              [--show N] [--stop-after N] [--timeout SECS] [--budget SECS] [--fresh-db] FILE...
 *   slt_runner --conn STR --ping [--timeout SECS]
 *
 *   --conn STR            libpq connection string (default "dbname=postgres")
 *   --engine NAME         name matched by skipif/onlyif (default "postgresql")
 *   --known-failures FILE FILE:LINE list of records run but not counted
 *   --verbose             print every failure with its SQL, expected and got values
 *   --show N              without --verbose, print the first N failures per file (5)
 *   --stop-after N        after N counted failures in a file, skip its remaining records
 *   --timeout SECS        per-record limit; the query is cancelled after it (10)
 *   --budget SECS         per-file limit; later records fail unrun (0 = none)
 *   --fresh-db            run each file in a new database slt_scratch (CREATE DATABASE)
 *   --ping                exit 0 once the server answers, 1 after --timeout seconds
 *
 * Output (stdout), one summary line per file, which tests/slt/slt_check.sh parses:
 *   SLTFILE <path> total=T run=R passed=P failed=F skipped=S known=K known_passed=KP
 *           stopped=<0|1> dead=<0|1> out_of_time=<0|1> rate=<passed / (run - known), %> secs=S
 * preceded, for failed records, by "SLTFAIL <path>:<line>: <reason>" lines (all of them with
 * --verbose, which also prints the SQL and expected/got values; else the first --show N).
 * Exit status: 0 every counted record passed, 1 some failed, 2 usage, I/O or connection
 * error before any record ran.
 *
 * Result rendering follows sqllogictest: 'I' as an integer (booleans as 0/1, reals truncated
 * toward zero), 'R' as printf("%.3f"), 'T' as text with "" shown as "(empty)" and bytes
 * outside ' '..'~' as '@', NULL as "NULL". An expected block of the single line
 * "N values hashing to <md5>" is compared by the MD5 of the values, each followed by "\n";
 * any other expected block is compared value by value (one value per line). Memory: each
 * file is read into one buffer owned by slt_run_file; rendered values of one record live in
 * a SltValues owned by the record loop and are reused across records. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "tests/lib/pq_exec.h"
#include "tests/slt/slt_util.h"

#define SLT_BOOL_OID 16

typedef struct SltOptions {
    const char *conn;
    const char *engine;
    const char *known_path;
    int verbose;
    long show;            /* failures printed per file without --verbose */
    long stop_after;      /* stop a file after this many counted failures (0 = never) */
    double timeout;       /* seconds per record before the query is cancelled */
    double budget;        /* seconds per file; later records fail unrun (0 = no limit) */
    int fresh_db;         /* run each file in a freshly created database */
} SltOptions;

typedef struct SltStats {
    long total, run, passed, failed, skipped, known, known_passed;
    int stopped;
} SltStats;

/* The state of one file's run; conn is borrowed from main (or the per-file database). */
typedef struct SltFile {
    const SltOptions *opt;
    const SltKnown *known;
    const char *path;
    PGconn *conn;
    int dead;                 /* the connection is gone: remaining records fail unrun */
    int out_of_time;          /* the file's time budget is spent: remaining records fail unrun */
    double deadline;          /* end of the time budget (0 = none) */
    long hash_threshold;
    SltStats st;
    SltValues vals;
    SltLabels labels;
    char reason[512];
} SltFile;

static void slt_usage(void)
{
    fprintf(stderr,
            "usage: slt_runner [--conn STR] [--engine NAME] [--known-failures FILE] [--verbose]\n"
            "                  [--show N] [--stop-after N] [--timeout SECS] [--budget SECS] [--fresh-db]\n"
            "                  FILE...\n"
            "       slt_runner --conn STR --ping [--timeout SECS]\n");
}

static double slt_now(void)
{
    return pq_exec_now();
}

static void slt_set_reason(SltFile *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->reason, sizeof f->reason, fmt, ap);
    va_end(ap);
    for (char *p = f->reason; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

/* Runs sql with the per-record deadline; returns the result (caller PQclear()s it) or NULL
 * with f->reason set. */
static PGresult *slt_exec(SltFile *f, const char *sql)
{
    PqExecStatus st = {0};
    PGresult *r = pq_exec_deadline(f->conn, sql, 0, f->opt->timeout, NULL, 0, NULL, &st);
    if (st.dead) f->dead = 1;
    if (!r) slt_set_reason(f, "%s", st.reason);
    return r;
}

/* Renders one value the sqllogictest way into the value list. */
static int slt_render(SltValues *v, const PGresult *r, int row, int col, char type)
{
    if (PQgetisnull(r, row, col)) return slt_values_add(v, "NULL", 4);
    const char *s = PQgetvalue(r, row, col);
    int is_bool = PQftype(r, col) == SLT_BOOL_OID;
    char buf[64];
    if (type == 'I') {
        if (is_bool) return slt_values_add(v, s[0] == 't' ? "1" : "0", 1);
        long long iv = slt_text_to_int(s);
        int n = snprintf(buf, sizeof buf, "%lld", iv);
        return slt_values_add(v, buf, (size_t)n);
    }
    if (type == 'R') {
        double d = is_bool ? (s[0] == 't' ? 1.0 : 0.0) : strtod(s, NULL);
        int n = snprintf(buf, sizeof buf, "%.3f", d);
        return slt_values_add(v, buf, (size_t)n);
    }
    size_t len = strlen(s);
    if (len == 0) return slt_values_add(v, "(empty)", 7);
    if (slt_values_add(v, s, len) != 0) return -1;
    char *dst = v->items[v->n - 1];
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)dst[i] < ' ' || (unsigned char)dst[i] > '~') dst[i] = '@';
    return 0;
}

/* Compares the rendered actual values with the expected block. Returns 1 on a match. */
static int slt_compare(SltFile *f, SltValues *got, char **exp, long n_exp)
{
    long nv;
    char hash[33];
    if (n_exp == 1 && slt_parse_hash_line(exp[0], &nv, hash)) {
        char ghash[33];
        slt_values_md5(got, ghash);
        if (nv == (long)got->n && strcmp(hash, ghash) == 0) return 1;
        slt_set_reason(f, "wrong result: expected %ld values hashing to %s, got %zu values hashing to %s",
                       nv, hash, got->n, ghash);
        return 0;
    }
    for (long i = 0; i < n_exp && i < (long)got->n; i++) {
        if (strcmp(exp[i], got->items[i]) != 0) {
            slt_set_reason(f, "wrong result: value %ld expected '%s' got '%s' (%ld expected, %zu got)", i + 1,
                           exp[i], got->items[i], n_exp, got->n);
            return 0;
        }
    }
    if (n_exp != (long)got->n) {
        slt_set_reason(f, "wrong result: expected %ld values, got %zu", n_exp, got->n);
        return 0;
    }
    return 1;
}

/* Runs one statement/query record; returns 1 pass, 0 fail. */
static int slt_run_record(SltFile *f, const SltRecord *rec)
{
    if (f->dead) {
        slt_set_reason(f, "not run: server connection lost earlier");
        return 0;
    }
    if (f->deadline > 0 && slt_now() > f->deadline) {
        f->out_of_time = 1;
        slt_set_reason(f, "not run: time budget of %.0f s for the file exhausted", f->opt->budget);
        return 0;
    }
    PGresult *r = slt_exec(f, rec->sql);
    if (!r) return 0;
    ExecStatusType es = PQresultStatus(r);
    int ok_status = es == PGRES_COMMAND_OK || es == PGRES_TUPLES_OK || es == PGRES_EMPTY_QUERY;
    int pass = 0;
    if (rec->kind == SLT_STATEMENT_OK) {
        pass = ok_status;
        if (!pass) slt_set_reason(f, "statement failed: %s", PQresultErrorMessage(r));
    } else if (rec->kind == SLT_STATEMENT_ERROR) {
        pass = !ok_status;
        if (!pass) slt_set_reason(f, "statement succeeded but an error was expected");
    } else if (!ok_status) {
        slt_set_reason(f, "query failed: %s", PQresultErrorMessage(r));
    } else if (es != PGRES_TUPLES_OK) {
        slt_set_reason(f, "query returned no result set");
    } else if (PQnfields(r) != (int)strlen(rec->types)) {
        slt_set_reason(f, "wrong number of columns: expected %zu, got %d", strlen(rec->types), PQnfields(r));
    } else {
        SltValues *v = &f->vals;
        slt_values_clear(v);
        int nf = PQnfields(r), nt = PQntuples(r), oom = 0;
        for (int i = 0; i < nt && !oom; i++)
            for (int j = 0; j < nf && !oom; j++)
                oom = slt_render(v, r, i, j, rec->types[j]) != 0;
        if (oom) {
            slt_set_reason(f, "out of memory");
        } else {
            if (rec->sort == SLT_SORT_ROW) slt_values_sort_rows(v, (size_t)nf);
            else if (rec->sort == SLT_SORT_VALUE) slt_values_sort_rows(v, 1);
            pass = slt_compare(f, v, rec->expected, rec->n_expected);
            if (pass && rec->label[0]) {
                char h[33];
                slt_values_md5(v, h);
                const char *prev = slt_labels_check(&f->labels, rec->label, h);
                if (prev) {
                    slt_set_reason(f, "label %s: result hash %s differs from earlier %s", rec->label, h, prev);
                    pass = 0;
                }
            }
        }
    }
    PQclear(r);
    return pass;
}

static void slt_print_failure(SltFile *f, const SltRecord *rec, int known, long n_fail_shown)
{
    int show = f->opt->verbose || n_fail_shown < f->opt->show;
    if (!show) return;
    printf("SLTFAIL %s:%ld: %s%s\n", f->path, rec->line, known ? "(known) " : "", f->reason);
    if (f->opt->verbose) {
        printf("  sql: %s\n", rec->sql);
        if (rec->kind == SLT_QUERY) {
            printf("  expected:");
            for (long i = 0; i < rec->n_expected; i++) printf(" %s", rec->expected[i]);
            printf("\n  got:");
            for (size_t i = 0; i < f->vals.n; i++) printf(" %s", f->vals.items[i]);
            printf("\n");
        }
    }
}

/* Notices (DROP ... IF EXISTS, ...) are not part of sqllogictest results. */
static void slt_ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *slt_connect(const char *conninfo, const char *dbname)
{
    const char *keys[] = {"dbname", "fallback_application_name", NULL, NULL};
    const char *vals[] = {conninfo, "slt_runner", NULL, NULL};
    if (dbname) {
        keys[2] = "dbname";
        vals[2] = dbname;
    }
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "slt_runner: cannot connect (%s): %s", conninfo, PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, slt_ignore_notice, NULL);
    return c;
}

/* Runs every record of one file; the summary is printed by the caller. Returns 0, or -1
 * when the file could not be read. */
static int slt_run_file(SltFile *f)
{
    size_t len;
    char *text = slt_read_file(f->path, &len);
    if (!text) {
        fprintf(stderr, "slt_runner: cannot read %s: %s\n", f->path, strerror(errno));
        return -1;
    }
    SltParser p;
    slt_parser_init(&p, text, len, f->opt->engine);
    SltRecord rec;
    long shown = 0, counted_failures = 0;
    f->deadline = f->opt->budget > 0 ? slt_now() + f->opt->budget : 0;
    while (slt_parser_next(&p, &rec)) {
        if (rec.kind == SLT_HALT) {
            if (rec.skip) continue;
            break;
        }
        if (rec.kind == SLT_HASH_THRESHOLD) {
            f->hash_threshold = rec.threshold;
            continue;
        }
        if (rec.kind == SLT_BAD_RECORD) {
            f->st.total++;
            f->st.failed++;
            slt_set_reason(f, "unparsable record: %s", rec.sql);
            slt_print_failure(f, &rec, 0, shown++);
            continue;
        }
        f->st.total++;
        if (rec.skip) {
            f->st.skipped++;
            continue;
        }
        if (f->opt->stop_after > 0 && counted_failures >= f->opt->stop_after) {
            f->st.stopped = 1;
            f->st.skipped++;
            continue;
        }
        int known = slt_known_contains(f->known, f->path, rec.first_line, rec.line);
        f->st.run++;
        int pass = slt_run_record(f, &rec);
        if (known) {
            f->st.known++;
            if (pass) f->st.known_passed++;
            else if (f->opt->verbose) slt_print_failure(f, &rec, 1, 0);
        } else if (pass) {
            f->st.passed++;
        } else {
            f->st.failed++;
            counted_failures++;
            slt_print_failure(f, &rec, 0, shown++);
        }
    }
    slt_parser_free(&p);
    free(text);
    return 0;
}

static int slt_ping(const SltOptions *opt)
{
    double deadline = slt_now() + opt->timeout;
    const char *keys[] = {"dbname", NULL};
    const char *vals[] = {opt->conn, NULL};
    for (;;) {
        if (PQpingParams(keys, vals, 1) == PQPING_OK) return 0;
        if (slt_now() >= deadline) return 1;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static int slt_parse_options(int argc, char **argv, SltOptions *opt, int *first_file, int *ping)
{
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) opt->verbose = 1;
        else if (strcmp(a, "--fresh-db") == 0) opt->fresh_db = 1;
        else if (strcmp(a, "--ping") == 0) *ping = 1;
        else if (strcmp(a, "--help") == 0) return -1;
        else if (strcmp(a, "--") == 0) { i++; break; }
        else if (a[0] == '-' && a[1] == '-') {
            if (!next) return -1;
            i++;
            if (strcmp(a, "--conn") == 0) opt->conn = next;
            else if (strcmp(a, "--engine") == 0) opt->engine = next;
            else if (strcmp(a, "--known-failures") == 0) opt->known_path = next;
            else if (strcmp(a, "--show") == 0) opt->show = atol(next);
            else if (strcmp(a, "--stop-after") == 0) opt->stop_after = atol(next);
            else if (strcmp(a, "--timeout") == 0) opt->timeout = atof(next);
            else if (strcmp(a, "--budget") == 0) opt->budget = atof(next);
            else return -1;
        } else {
            break;
        }
    }
    *first_file = i;
    return opt->timeout > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    SltOptions opt = {.conn = "dbname=postgres", .engine = "postgresql", .show = 5, .timeout = 10.0};
    int first = 0, ping = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (slt_parse_options(argc, argv, &opt, &first, &ping) != 0) {
        slt_usage();
        return 2;
    }
    if (ping) return slt_ping(&opt);
    if (first >= argc) {
        slt_usage();
        return 2;
    }
    SltKnown known = {0};
    if (opt.known_path && slt_known_load(&known, opt.known_path) != 0) {
        fprintf(stderr, "slt_runner: cannot read known failures %s: %s\n", opt.known_path, strerror(errno));
        return 2;
    }
    PGconn *admin = slt_connect(opt.conn, NULL);
    if (!admin) {
        slt_known_free(&known);
        return 2;
    }
    int any_fail = 0, io_error = 0;
    for (int i = first; i < argc; i++) {
        SltFile f = {.opt = &opt, .known = &known, .path = argv[i], .conn = admin};
        PGconn *fresh = NULL;
        if (opt.fresh_db) {
            /* One scratch database per file, so files start from an empty database. */
            PGresult *r = PQexec(admin, "DROP DATABASE IF EXISTS slt_scratch");
            PQclear(r);
            r = PQexec(admin, "CREATE DATABASE slt_scratch");
            int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
            if (!ok) fprintf(stderr, "slt_runner: CREATE DATABASE failed: %s", PQresultErrorMessage(r));
            PQclear(r);
            fresh = ok ? slt_connect(opt.conn, "slt_scratch") : NULL;
            if (!fresh) {
                io_error = 1;
                continue;
            }
            f.conn = fresh;
        }
        double t0 = slt_now();
        if (slt_run_file(&f) != 0) {
            io_error = 1;
        } else {
            long counted = f.st.run - f.st.known;
            double rate = counted > 0 ? 100.0 * (double)f.st.passed / (double)counted : 100.0;
            if (f.st.failed) any_fail = 1;
            printf("SLTFILE %s total=%ld run=%ld passed=%ld failed=%ld skipped=%ld known=%ld known_passed=%ld "
                   "stopped=%d dead=%d out_of_time=%d rate=%.2f secs=%.1f\n",
                   f.path, f.st.total, f.st.run, f.st.passed, f.st.failed, f.st.skipped, f.st.known,
                   f.st.known_passed, f.st.stopped, f.dead, f.out_of_time, rate, slt_now() - t0);
        }
        slt_values_free(&f.vals);
        slt_labels_free(&f.labels);
        if (fresh) {
            PQfinish(fresh);
            PGresult *r = PQexec(admin, "DROP DATABASE IF EXISTS slt_scratch");
            PQclear(r);
        }
        if (f.dead && !opt.fresh_db) {
            /* The shared connection is gone: reconnect for the next file. */
            PQfinish(admin);
            admin = slt_connect(opt.conn, NULL);
            if (!admin) {
                slt_known_free(&known);
                return 1;
            }
        }
    }
    PQfinish(admin);
    slt_known_free(&known);
    if (io_error) return 2;
    return any_fail ? 1 : 0;
}
