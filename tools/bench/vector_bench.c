/* vector_bench.c -- the vector search benchmark client (docs/benchmarks.md, "Vector search"):
 * generates the seeded dataset (vector_bench_data.c), computes the exact ground truth, loads
 * it into any PostgreSQL-compatible server through libpq with COPY, builds an HNSW index
 * (pgvector syntax), then measures recall@10 and queries/s for a list of hnsw.ef_search
 * values, plain and filtered (1% and 10% selectivity), through prepared statements.
 * Prints a table on stdout and, with --json=FILE, writes the figures as JSON (one result
 * object per line, so shell tools can pick them out; tools/bench/vector_bench.sh does).
 *
 * When CREATE INDEX fails, or the plan does not use the index, the queries are exact scans:
 * they run at --exact-queries and are labelled so. A run stops early after --max-seconds and
 * reports the number of queries it actually ran; no figure is ever extrapolated. */
#include "tools/bench/vector_bench.h"

#include <getopt.h>
#include <libpq-fe.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VBENCH_MAX_SERVERS 4
#define VBENCH_MAX_RUNS 48

typedef struct VbenchOpts {
    const char *conninfo[VBENCH_MAX_SERVERS];
    char label[VBENCH_MAX_SERVERS][64];
    int nservers;
    const char *json, *json_dir;
    const char *table;
    int rows, queries, dim, centres, threads, clients, exact_queries, repeat;
    uint64_t seed;
    VbenchMetric metric;
    int m, ef_construction;
    int ef[16], nef;
    int filter_ef[16], nfilter_ef;
    int filters;
    double max_seconds;
} VbenchOpts;

/* One measured run (one variant at one ef_search). */
typedef struct VbenchRun {
    VbenchVariant variant;
    int ef;                 /* 0: exact scan (no index) */
    int clients;
    int planned, done;      /* queries planned / run (fewer when --max-seconds cut it short) */
    int errors;
    double recall;          /* mean over the queries run */
    double rows_mean;
    int short_rows;         /* queries that returned fewer than K rows */
    double seconds, qps, p50_ms, p99_ms;
    int repeats;            /* the figures are those of the median-QPS repeat */
    int ef_rejected;        /* the server rejected SET hnsw.ef_search: ran at its default */
    double qps_min, qps_max;
} VbenchRun;

static const char *const vbench_variant_names[VBENCH_NVARIANTS] = {"plain", "filter_1pct", "filter_10pct"};
static const double vbench_variant_sel[VBENCH_NVARIANTS] = {1.0, 0.01, 0.10};

static double vbench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs sql; returns 1 on success. On failure copies the error's first line into err
 * (caller-owned, cap bytes) when err is non-NULL. */
static int vbench_exec(PGconn *c, const char *sql, char *err, size_t cap)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && err && cap) {
        snprintf(err, cap, "%s", PQresultErrorMessage(r));
        err[strcspn(err, "\n")] = '\0';
    }
    PQclear(r);
    return ok;
}

/* Fetches the first column of the first row of sql into out (caller-owned); "" on failure. */
static void vbench_query_value(PGconn *c, const char *sql, char *out, size_t cap)
{
    PGresult *r = PQexec(c, sql);
    out[0] = '\0';
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
        snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
}

static const char *vbench_op(const VbenchOpts *o)
{
    return o->metric == VBENCH_L2 ? "<->" : "<=>";
}

/* The SQL text of variant v (the parameters: $1 query vector, $2/$3 category bounds). */
static void vbench_sql(const VbenchOpts *o, VbenchVariant v, char *buf, size_t cap)
{
    const char *where = v == VBENCH_FILTER1 ? " WHERE category = $2"
                        : v == VBENCH_FILTER10 ? " WHERE category BETWEEN $2 AND $3" : "";
    snprintf(buf, cap, "SELECT id FROM %s%s ORDER BY embedding %s $1 LIMIT %d", o->table, where,
             vbench_op(o), VBENCH_K);
}

static int vbench_nparams(VbenchVariant v)
{
    return v == VBENCH_PLAIN ? 1 : v == VBENCH_FILTER1 ? 2 : 3;
}

/* Opens a connection. Returns it (caller owns: PQfinish) or NULL after printing why. */
static void vbench_ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *vbench_connect(const char *conninfo)
{
    PGconn *c = PQconnectdb(conninfo);
    PQsetNoticeProcessor(c, vbench_ignore_notice, NULL);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "vector_bench: connection failed: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

typedef struct VbenchWorker {
    const VbenchOpts *o;
    const VbenchData *d;
    char *const *qtext;       /* borrowed: the query vectors' text forms */
    PGconn *conn;             /* borrowed */
    VbenchVariant variant;
    int first, step, limit;   /* queries first, first+step, ... below limit */
    double deadline;
    /* results */
    int done, errors, short_rows;
    long rows, hits;
    double *lat;              /* owned by the caller; one slot per query index */
} VbenchWorker;

static void *vbench_worker_run(void *arg)
{
    VbenchWorker *w = arg;
    char p2[16], p3[16];
    const char *params[3];
    for (int q = w->first; q < w->limit; q += w->step) {
        if (vbench_now() > w->deadline)
            break;
        int lo, hi;
        vbench_filter_range(w->variant, q, &lo, &hi);
        snprintf(p2, sizeof p2, "%d", lo);
        snprintf(p3, sizeof p3, "%d", hi);
        params[0] = w->qtext[q];
        params[1] = p2;
        params[2] = p3;
        double t0 = vbench_now();
        PGresult *r = PQexecPrepared(w->conn, vbench_variant_names[w->variant],
                                     vbench_nparams(w->variant), params, NULL, NULL, 0);
        w->lat[q] = vbench_now() - t0;
        w->done++;
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            if (w->errors++ == 0)
                fprintf(stderr, "vector_bench: query failed: %s", PQresultErrorMessage(r));
            w->lat[q] = -1;
            PQclear(r);
            continue;
        }
        int n = PQntuples(r), ids[64];
        if (n > 64)
            n = 64;
        for (int i = 0; i < n; i++)
            ids[i] = atoi(PQgetvalue(r, i, 0));
        PQclear(r);
        w->rows += n;
        w->short_rows += n < VBENCH_K;
        w->hits += vbench_recall_hits(w->d, w->o->metric, w->variant, q, ids, n);
    }
    return NULL;
}

static int vbench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prepares variant v's statement on c. Returns 1 on success (err filled otherwise). */
static int vbench_prepare(const VbenchOpts *o, PGconn *c, VbenchVariant v, char *err, size_t cap)
{
    char sql[512];
    vbench_sql(o, v, sql, sizeof sql);
    PGresult *r = PQprepare(c, vbench_variant_names[v], sql, vbench_nparams(v), NULL);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        snprintf(err, cap, "%s", PQresultErrorMessage(r));
        err[strcspn(err, "\n")] = '\0';
    }
    PQclear(r);
    return ok;
}

/* Sets up a connection for a run: ef_search (ef > 0) and, for filtered variants, the
 * iterative scan. *iterative is set to 1 when the server accepted it. Returns 0 when the
 * server rejected SET hnsw.ef_search (the run then uses the server's default: flagged). */
static int vbench_session_settings(PGconn *c, VbenchVariant v, int ef, int *iterative)
{
    char sql[96], err[256];
    int ef_ok = 1;
    if (ef > 0) {
        snprintf(sql, sizeof sql, "SET hnsw.ef_search = %d", ef);
        ef_ok = vbench_exec(c, sql, err, sizeof err);
        if (!ef_ok)
            fprintf(stderr, "vector_bench: %s rejected: %s\n", sql, err);
    }
    int it = 0;
    if (v != VBENCH_PLAIN)
        it = vbench_exec(c, "SET hnsw.iterative_scan = relaxed_order", NULL, 0);
    if (iterative)
        *iterative = it;
    return ef_ok;
}

/* Runs `planned` queries of variant v on `clients` connections (the first one is main_conn,
 * already prepared; others are opened here from conninfo). Returns 0, or -1 when
 * connections fail. */
static int vbench_measure(const VbenchOpts *o, const VbenchData *d, char *const *qtext, const char *conninfo,
                          PGconn *main_conn, VbenchVariant v, int ef, int clients, int planned, VbenchRun *out)
{
    memset(out, 0, sizeof *out);
    out->variant = v;
    out->ef = ef;
    out->clients = clients;
    out->planned = planned;
    double *lat = malloc((size_t)planned * sizeof(double) + 1);
    VbenchWorker *w = calloc((size_t)clients, sizeof *w);
    pthread_t *tid = calloc((size_t)clients, sizeof *tid);
    int rc = 0, started = 0;
    if (!lat || !w || !tid) {
        rc = -1;
        goto done;
    }
    for (int i = 0; i < planned; i++)
        lat[i] = -1;
    for (int t = 0; t < clients; t++) {
        w[t] = (VbenchWorker){.o = o, .d = d, .qtext = qtext, .variant = v, .first = t, .step = clients,
                              .limit = planned, .lat = lat};
        if (t == 0) {
            w[t].conn = main_conn;
            continue;
        }
        char err[256];
        w[t].conn = vbench_connect(conninfo);
        if (!w[t].conn || !vbench_prepare(o, w[t].conn, v, err, sizeof err)) {
            rc = -1;
            goto done;
        }
        vbench_session_settings(w[t].conn, v, ef, NULL);
    }
    double t0 = vbench_now();
    for (int t = 0; t < clients; t++)
        w[t].deadline = t0 + o->max_seconds;
    if (clients == 1) {
        vbench_worker_run(&w[0]);
    } else {
        for (; started < clients; started++)
            if (pthread_create(&tid[started], NULL, vbench_worker_run, &w[started]) != 0) {
                rc = -1;
                break;
            }
        for (int t = 0; t < started; t++)
            pthread_join(tid[t], NULL);
    }
    out->seconds = vbench_now() - t0;
    long rows = 0, hits = 0;
    for (int t = 0; t < clients; t++) {
        out->done += w[t].done;
        out->errors += w[t].errors;
        out->short_rows += w[t].short_rows;
        rows += w[t].rows;
        hits += w[t].hits;
    }
    int ok = out->done - out->errors;
    out->recall = ok > 0 ? (double)hits / ((double)ok * VBENCH_K) : 0;
    out->rows_mean = ok > 0 ? (double)rows / ok : 0;
    out->qps = out->seconds > 0 ? out->done / out->seconds : 0;
    int nl = 0;
    for (int i = 0; i < planned; i++)
        if (lat[i] >= 0)
            lat[nl++] = lat[i];
    if (nl > 0) {
        qsort(lat, (size_t)nl, sizeof *lat, vbench_cmp_double);
        out->p50_ms = lat[(nl - 1) / 2] * 1e3;
        out->p99_ms = lat[(int)((nl - 1) * 0.99)] * 1e3;
    }
done:
    for (int t = 1; t < clients && w; t++)
        if (w[t].conn)
            PQfinish(w[t].conn);
    free(lat);
    free(w);
    free(tid);
    return rc;
}

static int vbench_cmp_run_qps(const void *a, const void *b)
{
    double x = ((const VbenchRun *)a)->qps, y = ((const VbenchRun *)b)->qps;
    return x < y ? -1 : x > y;
}

/* Loads the dataset with COPY FROM STDIN (text format). Returns the seconds taken, or -1. */
static double vbench_load(const VbenchOpts *o, const VbenchData *d, PGconn *c)
{
    size_t per_row = (size_t)d->dim * 16 + 64, cap = (size_t)d->rows * per_row;
    char *buf = malloc(cap), line_vec[16 * 2048];
    if (!buf)
        return -1;
    size_t len = 0;
    for (int i = 0; i < d->rows; i++) {
        if (vbench_format_vector(d->vec + (size_t)i * (size_t)d->dim, d->dim, line_vec, sizeof line_vec) < 0) {
            free(buf);
            return -1;
        }
        len += (size_t)snprintf(buf + len, cap - len, "%d\t%d\t%s\n", i, d->category[i], line_vec);
    }
    char sql[128];
    snprintf(sql, sizeof sql, "COPY %s (id, category, embedding) FROM STDIN", o->table);
    double t0 = vbench_now();
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        fprintf(stderr, "vector_bench: COPY failed: %s", PQresultErrorMessage(r));
    PQclear(r);
    for (size_t off = 0; ok && off < len; off += 1 << 16) {
        size_t n = len - off < (1u << 16) ? len - off : 1u << 16;
        ok = PQputCopyData(c, buf + off, (int)n) == 1;
    }
    if (ok)
        ok = PQputCopyEnd(c, NULL) == 1;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "vector_bench: COPY failed: %s", PQresultErrorMessage(r));
            ok = 0;
        }
        PQclear(r);
    }
    double secs = vbench_now() - t0;
    free(buf);
    return ok ? secs : -1;
}

/* Returns 1 when EXPLAIN of variant v's query mentions the index (0 when not, -1 when
 * EXPLAIN failed); copies the plan's lines, joined by " / ", into plan (caller-owned). */
static int vbench_explain(const VbenchOpts *o, PGconn *c, VbenchVariant v, const char *qtext,
                          const char *index, char *plan, size_t cap)
{
    char sql[512];
    vbench_sql(o, v, sql, sizeof sql);
    size_t need = strlen(sql) + strlen(qtext) + 64;
    char *full = malloc(need), *p = full;
    if (!full)
        return -1;
    /* inline the parameters: $1 as a vector literal, $2/$3 as the first query's bounds */
    int lo, hi;
    vbench_filter_range(v, 0, &lo, &hi);
    p += snprintf(p, need, "EXPLAIN ");
    for (const char *s = sql; *s; s++) {
        if (s[0] == '$' && s[1] >= '1' && s[1] <= '3') {
            if (s[1] == '1')
                p += snprintf(p, need - (size_t)(p - full), "'%s'", qtext);
            else
                p += snprintf(p, need - (size_t)(p - full), "%d", s[1] == '2' ? lo : hi);
            s++;
        } else {
            *p++ = *s;
        }
    }
    *p = '\0';
    PGresult *r = PQexec(c, full);
    free(full);
    plan[0] = '\0';
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(plan, cap, "EXPLAIN failed: %s", PQresultErrorMessage(r));
        plan[strcspn(plan, "\n")] = '\0';
        PQclear(r);
        return -1;
    }
    /* join the plan lines, each with its inlined vector literal shortened to "[...]" */
    size_t len = 0;
    for (int i = 0; i < PQntuples(r) && len + 8 < cap; i++) {
        if (i)
            len += (size_t)snprintf(plan + len, cap - len, " / ");
        for (const char *s = PQgetvalue(r, i, 0); *s && len + 6 < cap; s++) {
            const char *e = *s == '[' ? strchr(s, ']') : NULL;
            if (e && e - s > 16) {
                memcpy(plan + len, "[...]", 5);
                len += 5;
                s = e;
            } else {
                plan[len++] = *s;
            }
        }
        plan[len] = '\0';
    }
    PQclear(r);
    return strstr(plan, index) != NULL;
}

/* ---- output ---- */

static void vbench_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void vbench_print_run(const VbenchRun *r, int iterative)
{
    char ef[16];
    if (r->ef > 0)
        snprintf(ef, sizeof ef, "%d", r->ef);
    else
        snprintf(ef, sizeof ef, "exact");
    char spread[40];
    snprintf(spread, sizeof spread, "%.0f-%.0f", r->qps_min, r->qps_max);
    printf("%-13s %5s %7d %5d/%-5d %9.4f %7.2f %6d %11.1f %13s %8.2f %8.2f%s%s%s\n", vbench_variant_names[r->variant],
           ef, r->clients, r->done, r->planned, r->recall, r->rows_mean, r->short_rows, r->qps, spread, r->p50_ms,
           r->p99_ms,
           r->variant == VBENCH_PLAIN ? "" : (iterative ? "  iterative_scan=relaxed_order" : "  iterative_scan=not accepted"),
           r->errors ? "  ERRORS" : "", r->ef_rejected ? "  (SET hnsw.ef_search REJECTED: server default)" : "");
    fflush(stdout);
}

static void vbench_json_run(FILE *f, const VbenchRun *r, int iterative, int last)
{
    fprintf(f,
            "    {\"variant\": \"%s\", \"selectivity\": %.2f, \"ef_search\": %d, \"exact_scan\": %s, \"clients\": %d, "
            "\"queries_planned\": %d, \"queries\": %d, \"errors\": %d, \"recall\": %.4f, \"rows_per_query\": %.3f, "
            "\"short_queries\": %d, \"seconds\": %.3f, \"qps\": %.2f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
            "\"ef_search_rejected\": %s, \"repeats\": %d, \"qps_min\": %.2f, \"qps_max\": %.2f, \"iterative_scan\": %s}%s\n",
            vbench_variant_names[r->variant], vbench_variant_sel[r->variant], r->ef, r->ef > 0 ? "false" : "true",
            r->clients, r->planned, r->done, r->errors, r->recall, r->rows_mean, r->short_rows, r->seconds, r->qps,
            r->p50_ms, r->p99_ms, r->ef_rejected ? "true" : "false", r->repeats, r->qps_min, r->qps_max, r->variant == VBENCH_PLAIN ? "null" : iterative ? "true" : "false", last ? "" : ",");
}

/* ---- options ---- */

static int vbench_parse_list(const char *s, int *out, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v <= 0 || v > 100000)
            return -1;
        out[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

static void vbench_usage(void)
{
    fprintf(stderr,
            "usage: vector_bench [options] CONNINFO [CONNINFO...]\n"
            "  several servers: each is loaded and indexed in turn, then every timed repeat\n"
            "  alternates between them (same load on the machine for each)\n"
            "  --rows=N (100000)  --queries=N (1000)  --dim=N (128)  --centres=N (100)  --seed=N (42)\n"
            "  --metric=l2|cosine (l2)  --m=N (16)  --ef-construction=N (64)\n"
            "  --ef=LIST (10,20,40,80,160)  --filter-ef=LIST (40)  --no-filters\n"
            "  --clients=N (1: also a run at ef 40 with N connections when N > 1)\n"
            "  --exact-queries=N (50: query count when no index is used)  --max-seconds=S (120 per run)\n"
            "  --repeat=N (3: each run N times; the median queries/s is reported, with the range)\n"
            "  --threads=N (2: ground truth)  --table=NAME (items)  --label=NAME[,NAME...]\n"
            "  --json=FILE (one server)  --json-dir=DIR (DIR/LABEL.json per server)\n");
}

static int vbench_parse(int argc, char **argv, VbenchOpts *o)
{
    const char *labels = NULL;
    *o = (VbenchOpts){.table = "items", .rows = 100000, .queries = 1000, .dim = 128,
                      .centres = 100, .threads = 2, .clients = 1, .exact_queries = 50, .repeat = 3, .seed = 42,
                      .metric = VBENCH_L2, .m = 16, .ef_construction = 64, .ef = {10, 20, 40, 80, 160},
                      .nef = 5, .filter_ef = {40}, .nfilter_ef = 1, .filters = 1, .max_seconds = 120};
    static const struct option lo[] = {
        {"rows", 1, 0, 'r'},      {"queries", 1, 0, 'q'},       {"dim", 1, 0, 'd'},        {"centres", 1, 0, 'C'},
        {"seed", 1, 0, 's'},      {"metric", 1, 0, 'M'},        {"m", 1, 0, 'm'},          {"ef-construction", 1, 0, 'e'},
        {"ef", 1, 0, 'E'},        {"filter-ef", 1, 0, 'F'},     {"no-filters", 0, 0, 'n'}, {"clients", 1, 0, 'c'},
        {"exact-queries", 1, 0, 'x'}, {"max-seconds", 1, 0, 'T'}, {"threads", 1, 0, 't'},  {"table", 1, 0, 'b'},
        {"repeat", 1, 0, 'R'},    {"label", 1, 0, 'l'},     {"json", 1, 0, 'j'}, {"json-dir", 1, 0, 'J'},          {"help", 0, 0, 'h'},       {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case 'r': o->rows = atoi(optarg); break;
        case 'q': o->queries = atoi(optarg); break;
        case 'd': o->dim = atoi(optarg); break;
        case 'C': o->centres = atoi(optarg); break;
        case 's': o->seed = strtoull(optarg, NULL, 10); break;
        case 'M':
            if (!strcmp(optarg, "l2"))
                o->metric = VBENCH_L2;
            else if (!strcmp(optarg, "cosine"))
                o->metric = VBENCH_COSINE;
            else
                return -1;
            break;
        case 'm': o->m = atoi(optarg); break;
        case 'e': o->ef_construction = atoi(optarg); break;
        case 'E': if ((o->nef = vbench_parse_list(optarg, o->ef, 16)) <= 0) return -1; break;
        case 'F': if ((o->nfilter_ef = vbench_parse_list(optarg, o->filter_ef, 16)) <= 0) return -1; break;
        case 'n': o->filters = 0; break;
        case 'c': o->clients = atoi(optarg); break;
        case 'x': o->exact_queries = atoi(optarg); break;
        case 'T': o->max_seconds = atof(optarg); break;
        case 't': o->threads = atoi(optarg); break;
        case 'b': o->table = optarg; break;
        case 'R': o->repeat = atoi(optarg); break;
        case 'l': labels = optarg; break;
        case 'j': o->json = optarg; break;
        case 'J': o->json_dir = optarg; break;
        default: return -1;
        }
    }
    o->nservers = argc - optind;
    if (o->nservers < 1 || o->nservers > VBENCH_MAX_SERVERS || (o->json && o->nservers > 1) || o->rows < VBENCH_K || o->queries < 1 || o->dim < 1 || o->dim > 2000 ||
        o->centres < 1 || o->clients < 1 || o->repeat < 1 || o->repeat > 16 || o->clients > 64 || o->exact_queries < 1 || o->max_seconds <= 0 ||
        o->m < 2 || o->ef_construction < 1)
        return -1;
    for (const char *t = o->table; *t; t++)
        if (!(*t == '_' || (*t >= 'a' && *t <= 'z') || (*t >= '0' && *t <= '9')))
            return -1;
    for (int i = 0; i < o->nservers; i++) {
        o->conninfo[i] = argv[optind + i];
        snprintf(o->label[i], sizeof o->label[i], "server%d", i + 1);
    }
    for (int i = 0; labels && *labels && i < o->nservers; i++) {
        size_t n = strcspn(labels, ",");
        if (n == 0 || n >= sizeof o->label[i])
            return -1;
        memcpy(o->label[i], labels, n);
        o->label[i][n] = '\0';
        labels += n + (labels[n] == ',');
    }
    return 0;
}

/* One server under test: its connection, setup figures and runs. */
typedef struct VbenchServer {
    const char *label, *conninfo;      /* borrowed from the options */
    PGconn *c;                         /* owned: PQfinish */
    char version[128], extver[64];
    double load_s, build_s;
    int index_ok, index_used, exact, planned, failed;
    char index_err[512], plan[1024], fplan[1024];
    VbenchRun runs[VBENCH_MAX_RUNS];
    int iterative[VBENCH_MAX_RUNS];
    int nruns;
} VbenchServer;

static void vbench_json_write(const VbenchOpts *o, const VbenchServer *sv, const char *path, double gen_s,
                              double truth_s)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        return;
    }
    char date[64], build[32];
    snprintf(build, sizeof build, sv->index_ok ? "%.3f" : "null", sv->build_s);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    fprintf(f, "{\n  \"label\": ");
    vbench_json_str(f, sv->label);
    fprintf(f, ",\n  \"date\": \"%s\",\n  \"servers_in_run\": %d,\n  \"server_version\": ", date, o->nservers);
    vbench_json_str(f, sv->version);
    fprintf(f, ",\n  \"vector_extension\": ");
    vbench_json_str(f, sv->extver);
    fprintf(f,
            ",\n  \"rows\": %d, \"queries\": %d, \"dim\": %d, \"centres\": %d, \"seed\": %llu, \"k\": %d,\n"
            "  \"metric\": \"%s\", \"m\": %d, \"ef_construction\": %d,\n"
            "  \"generate_seconds\": %.3f, \"ground_truth_seconds\": %.3f, \"ground_truth_threads\": %d,\n"
            "  \"load_seconds\": %.3f, \"load_rows_per_second\": %.1f,\n"
            "  \"index\": \"%s\", \"index_build_seconds\": %s, \"index_error\": ",
            o->rows, o->queries, o->dim, o->centres, (unsigned long long)o->seed, VBENCH_K,
            o->metric == VBENCH_L2 ? "l2" : "cosine", o->m, o->ef_construction, gen_s, truth_s, o->threads,
            sv->load_s, sv->load_s > 0 ? o->rows / sv->load_s : 0, sv->index_ok ? "hnsw" : "none", build);
    vbench_json_str(f, sv->index_err);
    fprintf(f, ",\n  \"index_used\": %s,\n  \"plan\": ",
            sv->index_used < 0 ? "null" : sv->index_used ? "true" : "false");
    vbench_json_str(f, sv->plan);
    fprintf(f, ",\n  \"filtered_plan\": ");
    vbench_json_str(f, sv->fplan);
    fprintf(f, ",\n  \"runs\": [\n");
    for (int i = 0; i < sv->nruns; i++)
        vbench_json_run(f, &sv->runs[i], sv->iterative[i], i == sv->nruns - 1);
    fprintf(f, "  ]\n}\n");
    fclose(f);
}

/* Connects, creates and loads the table, builds the index and checks the plan. Returns 0,
 * or -1 when the server cannot take part (message printed). */
static int vbench_server_setup(const VbenchOpts *o, const VbenchData *d, char *const *qtext, VbenchServer *sv)
{
    char err[512], sql[512];
    sv->c = vbench_connect(sv->conninfo);
    if (!sv->c)
        return -1;
    vbench_query_value(sv->c, "SHOW server_version", sv->version, sizeof sv->version);
    if (!vbench_exec(sv->c, "CREATE EXTENSION IF NOT EXISTS vector", err, sizeof err)) {
        fprintf(stderr, "vector_bench: %s: CREATE EXTENSION vector failed: %s\n", sv->label, err);
        return -1;
    }
    vbench_query_value(sv->c, "SELECT extversion FROM pg_extension WHERE extname = 'vector'", sv->extver,
                       sizeof sv->extver);
    printf("\n[%s] server %s, vector %s\n", sv->label, sv->version, sv->extver[0] ? sv->extver : "?");
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s", o->table);
    vbench_exec(sv->c, sql, NULL, 0);
    snprintf(sql, sizeof sql, "CREATE TABLE %s (id int PRIMARY KEY, category int, embedding vector(%d))", o->table,
             o->dim);
    if (!vbench_exec(sv->c, sql, err, sizeof err)) {
        fprintf(stderr, "vector_bench: %s: %s: %s\n", sv->label, sql, err);
        return -1;
    }
    sv->load_s = vbench_load(o, d, sv->c);
    if (sv->load_s < 0)
        return -1;
    printf("[%s] load (COPY)    %.2f s  (%.0f rows/s)\n", sv->label, sv->load_s, o->rows / sv->load_s);
    snprintf(sql, sizeof sql, "ANALYZE %s", o->table);
    vbench_exec(sv->c, sql, NULL, 0);

    char index[80];
    snprintf(index, sizeof index, "%s_embedding_idx", o->table);
    snprintf(sql, sizeof sql, "CREATE INDEX %s ON %s USING hnsw (embedding %s) WITH (m = %d, ef_construction = %d)",
             index, o->table, o->metric == VBENCH_L2 ? "vector_l2_ops" : "vector_cosine_ops", o->m,
             o->ef_construction);
    double t0 = vbench_now();
    sv->index_ok = vbench_exec(sv->c, sql, sv->index_err, sizeof sv->index_err);
    sv->build_s = vbench_now() - t0;
    if (sv->index_ok)
        printf("[%s] index build    %.2f s  (hnsw m=%d ef_construction=%d)\n", sv->label, sv->build_s, o->m,
               o->ef_construction);
    else
        printf("[%s] index build    FAILED: no index (%s)\n", sv->label, sv->index_err);

    sv->index_used = vbench_explain(o, sv->c, VBENCH_PLAIN, qtext[0], index, sv->plan, sizeof sv->plan);
    if (o->filters)
        vbench_explain(o, sv->c, VBENCH_FILTER1, qtext[0], index, sv->fplan, sizeof sv->fplan);
    if (!sv->index_ok)
        sv->index_used = 0;
    printf("[%s] plan           %s\n", sv->label, sv->plan);
    if (o->filters)
        printf("[%s] filtered plan  %s\n", sv->label, sv->fplan);
    sv->exact = sv->index_used == 0;
    sv->planned = sv->exact ? (o->exact_queries < o->queries ? o->exact_queries : o->queries) : o->queries;
    if (sv->exact)
        printf("[%s] NOTE: the plan uses no HNSW index: its figures are EXACT SCANS, at %d queries\n", sv->label,
               sv->planned);
    for (int v = 0; v < VBENCH_NVARIANTS; v++)
        if ((v == VBENCH_PLAIN || o->filters) && !vbench_prepare(o, sv->c, (VbenchVariant)v, err, sizeof err)) {
            fprintf(stderr, "vector_bench: %s: PREPARE %s failed: %s\n", sv->label, vbench_variant_names[v], err);
            return -1;
        }
    /* untimed warm-up: every query once at ef_search 40 (a handful for exact scans), so the
     * first timed run does not pay for reading the index into the server's caches */
    VbenchRun warm;
    vbench_session_settings(sv->c, VBENCH_PLAIN, 40, NULL);
    vbench_measure(o, d, qtext, sv->conninfo, sv->c, VBENCH_PLAIN, 40, 1,
                   sv->exact ? (sv->planned < 3 ? sv->planned : 3) : sv->planned, &warm);
    return 0;
}

/* One measured configuration, run --repeat times on every server, the servers alternating
 * within each repeat (and the first server alternating between repeats) so that all of
 * them see the same machine load; each server keeps its median-QPS repeat. Exact-scan
 * servers take part only in the configurations with first_ef set (ef is meaningless). */
static void vbench_config_run(const VbenchOpts *o, const VbenchData *d, char *const *qtext, VbenchServer *sv,
                              int nsv, VbenchVariant v, int ef, int clients, int first_ef)
{
    VbenchRun reps[VBENCH_MAX_SERVERS][16];
    int ef_ok[VBENCH_MAX_SERVERS], it[VBENCH_MAX_SERVERS], ok[VBENCH_MAX_SERVERS];
    int nrep = o->repeat;
    for (int i = 0; i < nsv; i++) {
        ok[i] = !sv[i].failed && sv[i].nruns < VBENCH_MAX_RUNS && (!sv[i].exact || first_ef);
        if (ok[i])
            ef_ok[i] = vbench_session_settings(sv[i].c, v, sv[i].exact ? 0 : ef, &it[i]);
    }
    for (int r = 0; r < nrep; r++)
        for (int j = 0; j < nsv; j++) {
            int i = (j + r) % nsv;
            if (ok[i] && vbench_measure(o, d, qtext, sv[i].conninfo, sv[i].c, v, sv[i].exact ? 0 : ef, clients,
                                        sv[i].planned, &reps[i][r]) < 0) {
                fprintf(stderr, "vector_bench: %s: the %d-client run could not connect\n", sv[i].label, clients);
                ok[i] = 0;
            }
        }
    for (int i = 0; i < nsv; i++) {
        if (v != VBENCH_PLAIN)
            vbench_exec(sv[i].c, "RESET hnsw.iterative_scan", NULL, 0);
        if (!ok[i])
            continue;
        qsort(reps[i], (size_t)nrep, sizeof reps[i][0], vbench_cmp_run_qps);
        VbenchRun *out = &sv[i].runs[sv[i].nruns];
        *out = reps[i][nrep / 2];
        out->repeats = nrep;
        out->qps_min = reps[i][0].qps;
        out->qps_max = reps[i][nrep - 1].qps;
        out->ef_rejected = !ef_ok[i];
        sv[i].iterative[sv[i].nruns] = it[i];
        printf("%-10s ", sv[i].label);
        vbench_print_run(out, it[i]);
        sv[i].nruns++;
    }
}

int main(int argc, char **argv)
{
    VbenchOpts o;
    if (vbench_parse(argc, argv, &o) < 0) {
        vbench_usage();
        return 2;
    }
    printf("vector_bench: %d rows x %d dims, %d queries, metric %s, k=%d, hnsw m=%d ef_construction=%d, "
           "%d repeats\n", o.rows, o.dim, o.queries, o.metric == VBENCH_L2 ? "l2" : "cosine", VBENCH_K, o.m,
           o.ef_construction, o.repeat);
    VbenchData d;
    double t0 = vbench_now();
    if (vbench_data_generate(&d, o.rows, o.queries, o.dim, o.centres, o.seed) < 0) {
        fprintf(stderr, "vector_bench: out of memory\n");
        return 1;
    }
    double gen_s = vbench_now() - t0;
    t0 = vbench_now();
    if (vbench_data_truth(&d, o.metric, o.threads) < 0) {
        fprintf(stderr, "vector_bench: ground truth failed (memory or threads)\n");
        return 1;
    }
    double truth_s = vbench_now() - t0;
    printf("dataset %.2f s;  exact ground truth (3 variants) %.2f s on %d threads\n", gen_s, truth_s, o.threads);
    char **qtext = calloc((size_t)o.queries, sizeof *qtext);
    size_t qcap = (size_t)o.dim * 16 + 8;
    for (int q = 0; qtext && q < o.queries; q++) {
        qtext[q] = malloc(qcap);
        if (!qtext[q] || vbench_format_vector(d.qvec + (size_t)q * (size_t)o.dim, o.dim, qtext[q], qcap) < 0) {
            fprintf(stderr, "vector_bench: out of memory\n");
            return 1;
        }
    }
    if (!qtext)
        return 1;

    VbenchServer *sv = calloc((size_t)o.nservers, sizeof *sv);
    if (!sv)
        return 1;
    int alive = 0;
    for (int i = 0; i < o.nservers; i++) {
        sv[i].label = o.label[i];
        sv[i].conninfo = o.conninfo[i];
        sv[i].failed = vbench_server_setup(&o, &d, qtext, &sv[i]) < 0;
        alive += !sv[i].failed;
    }
    if (alive > 0) {
        printf("\n%-10s %-13s %5s %7s %11s %9s %7s %6s %11s %13s %8s %8s\n", "server", "variant", "ef", "clients",
               "queries", "recall@10", "rows/q", "short", "QPS(median)", "QPS range", "p50 ms", "p99 ms");
        for (int i = 0; i < o.nef; i++)
            vbench_config_run(&o, &d, qtext, sv, o.nservers, VBENCH_PLAIN, o.ef[i], 1, i == 0);
        if (o.clients > 1)
            vbench_config_run(&o, &d, qtext, sv, o.nservers, VBENCH_PLAIN, 40, o.clients, 1);
        for (int v = VBENCH_FILTER1; o.filters && v <= VBENCH_FILTER10; v++)
            for (int i = 0; i < o.nfilter_ef; i++)
                vbench_config_run(&o, &d, qtext, sv, o.nservers, (VbenchVariant)v, o.filter_ef[i], 1, i == 0);
    }
    int failed = alive < o.nservers;
    for (int i = 0; i < o.nservers; i++) {
        for (int r = 0; r < sv[i].nruns; r++)
            failed |= sv[i].runs[r].errors > 0;
        char path[1024];
        if (!sv[i].failed && o.json)
            vbench_json_write(&o, &sv[i], o.json, gen_s, truth_s);
        if (!sv[i].failed && o.json_dir) {
            snprintf(path, sizeof path, "%s/%s.json", o.json_dir, sv[i].label);
            vbench_json_write(&o, &sv[i], path, gen_s, truth_s);
        }
        PQfinish(sv[i].c);
    }
    free(sv);
    for (int q = 0; q < o.queries; q++)
        free(qtext[q]);
    free(qtext);
    vbench_data_free(&d);
    return failed ? 1 : 0;
}
