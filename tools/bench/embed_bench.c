/* embed_bench.c -- embedding-job benchmark over the wire (libpq; docs/benchmarks.md,
 * "Embedding jobs"). Against any ShaleDB server:
 *
 *   embed_bench [-h host] [-p port] [-d db] [-n rows] [-r rate] [-s seconds] [-D dims] [-I]
 *
 * -I: only the insert comparison, without waiting for the jobs (for a server started with
 *     embedding_workers = 0: the cost of enqueueing alone).
 *
 *  1. backfill throughput: n rows inserted, then an EMBEDDING OF column added (one job per
 *     row, committed with the DDL); rows/s until shale_embedding_status shows none pending.
 *  2. insert throughput without and with an embedding column (multi-row INSERTs of 100 rows,
 *     one transaction each, the workers running concurrently in the second case).
 *  3. commit-to-ready latency at a steady insert rate (one row per transaction with
 *     synchronous_commit off, `rate` rows/s for `seconds`): p50/p99/max of updated_at - enqueued_at of the ready jobs (both stamped
 *     by the server: enqueue time at the INSERT, write-back time of the vector).
 * Uses tables eb_* and embedder eb_hash (dropped and recreated). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(PGconn *c, const char *what)
{
    fprintf(stderr, "embed_bench: %s: %s\n", what, PQerrorMessage(c));
    exit(1);
}

static void exec(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "embed_bench: %s\n  %s", sql, PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
}

static long long qll(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        die(c, sql);
    long long v = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static void wait_drained(PGconn *c, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pending FROM shale_embedding_status WHERE table_name = '%s'", table);
    while (qll(c, sql) > 0)
        usleep(20000);
}

static double insert_rate(PGconn *c, const char *table, int rows)
{
    char *sql = malloc(64 * 1024);
    double t0 = now_s();
    for (int base = 0; base < rows; base += 100) {
        int n = sprintf(sql, "INSERT INTO %s (id, body) VALUES ", table);
        for (int i = 0; i < 100 && base + i < rows; i++)
            n += sprintf(sql + n, "%s(%d, 'inserted document %d about topic %d and subject %d')", i ? "," : "",
                         base + i, base + i, (base + i) % 97, (base + i) % 31);
        exec(c, sql);
    }
    double dt = now_s() - t0;
    free(sql);
    return rows / dt;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *port = "5433", *db = "postgres";
    int rows = 100000, rate = 1000, secs = 5, dims = 256, opt;
    bool insert_only = false;
    while ((opt = getopt(argc, argv, "h:p:d:n:r:s:D:I")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = optarg; break;
        case 'd': db = optarg; break;
        case 'n': rows = atoi(optarg); break;
        case 'r': rate = atoi(optarg); break;
        case 's': secs = atoi(optarg); break;
        case 'D': dims = atoi(optarg); break;
        case 'I': insert_only = true; break;
        default:
            fprintf(stderr, "usage: embed_bench [-h host] [-p port] [-d db] [-n rows] [-r rate] [-s seconds] [-D dims]\n");
            return 2;
        }
    }
    char ci[512], sql[1024];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s", host, port, db);
    PGconn *c = PQconnectdb(ci);
    if (PQstatus(c) != CONNECTION_OK)
        die(c, "connect");
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    exec(c, "DROP TABLE IF EXISTS eb_backfill, eb_plain, eb_embedded, eb_latency");
    exec(c, "DROP EMBEDDER IF EXISTS eb_hash");
    snprintf(sql, sizeof sql, "CREATE EMBEDDER eb_hash (provider = 'hash', dims = %d, batch_size = 128)", dims);
    exec(c, sql);

    /* 1. backfill */
    exec(c, "CREATE TABLE eb_backfill (id int PRIMARY KEY, body text)");
    if (insert_only)
        goto inserts;
    snprintf(sql, sizeof sql, "INSERT INTO eb_backfill SELECT g, 'document ' || g || ' about topic ' || (g %% 97) || "
             "' and subject ' || (g %% 31) FROM generate_series(1, %d) g", rows);
    exec(c, sql);
    snprintf(sql, sizeof sql, "ALTER TABLE eb_backfill ADD COLUMN emb vector(%d) EMBEDDING OF (body) USING eb_hash",
             dims);
    double t0 = now_s();
    exec(c, sql);
    double t1 = now_s();
    wait_drained(c, "eb_backfill");
    double t2 = now_s();
    printf("backfill: %d rows, enqueue (DDL commit) %.2f s, embedded in %.2f s after commit: %.0f rows/s\n", rows,
           t1 - t0, t2 - t1, rows / (t2 - t1));

inserts:
    /* 2. insert throughput */
    int irows = rows / 5 > 1000 ? rows / 5 : 1000;
    exec(c, "CREATE TABLE eb_plain (id int PRIMARY KEY, body text)");
    snprintf(sql, sizeof sql, "CREATE TABLE eb_embedded (id int PRIMARY KEY, body text, emb vector(%d) "
             "EMBEDDING OF (body) USING eb_hash)", dims);
    exec(c, sql);
    double plain = insert_rate(c, "eb_plain", irows);
    double emb = insert_rate(c, "eb_embedded", irows);
    if (!insert_only)
        wait_drained(c, "eb_embedded");
    printf("insert: %d rows in 100-row statements: %.0f rows/s without, %.0f rows/s with an embedding column "
           "(%.0f%%)\n", irows, plain, emb, 100.0 * emb / plain);

    if (insert_only) {
        exec(c, "DROP TABLE eb_backfill, eb_plain, eb_embedded");
        exec(c, "DROP EMBEDDER eb_hash");
        PQfinish(c);
        return 0;
    }
    /* 3. latency at a steady rate */
    snprintf(sql, sizeof sql, "CREATE TABLE eb_latency (id int PRIMARY KEY, body text, emb vector(%d) "
             "EMBEDDING OF (body) USING eb_hash)", dims);
    exec(c, sql);
    /* one connection reaches the rate only without a WAL sync per row */
    exec(c, "SET synchronous_commit = off");
    int total = rate * secs;
    double start = now_s();
    for (int i = 0; i < total; i++) {
        double due = start + (double)i / rate;
        double w = due - now_s();
        if (w > 0)
            usleep((useconds_t)(w * 1e6));
        snprintf(sql, sizeof sql, "INSERT INTO eb_latency VALUES (%d, 'steady document %d on topic %d')", i, i, i % 53);
        exec(c, sql);
    }
    double achieved = total / (now_s() - start);
    wait_drained(c, "eb_latency");
    PGresult *r = PQexec(c, "SELECT extract(epoch FROM updated_at - enqueued_at) FROM shale_embedding_jobs "
                            "WHERE table_name = 'eb_latency' AND status = 'ready'");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        die(c, "latency query");
    int n = PQntuples(r);
    double *lat = malloc(sizeof(double) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++)
        lat[i] = atof(PQgetvalue(r, i, 0)) * 1000.0;
    PQclear(r);
    qsort(lat, (size_t)n, sizeof *lat, cmp_d);
    if (n > 0)
        printf("latency: %d rows at %.0f rows/s (target %d): commit-to-ready p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               n, achieved, rate, lat[n / 2], lat[(int)(n * 0.99)], lat[n - 1]);
    free(lat);
    exec(c, "DROP TABLE eb_backfill, eb_plain, eb_embedded, eb_latency");
    exec(c, "DROP EMBEDDER eb_hash");
    PQfinish(c);
    return 0;
}
