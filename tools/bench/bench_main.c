/* bench_main.c -- shale_bench's command line, run order and report: a db_bench-style
 * benchmark that runs each workload on ShaleDB and on LevelDB and prints a comparison table
 * (ops/s, ratio shale/leveldb, MB/s) followed by each engine's statistics.
 *
 * Run order (--order): "sequential" (default) gives each engine the whole benchmark list on
 * its own -- open, run everything, close -- so one engine's background compactions never
 * steal the 2 cores from the other's timed loop; "interleaved" keeps both DBs open and runs
 * each benchmark on every engine before moving to the next one.
 *
 * Exit status: 0 when every benchmark ran (and, with --check, every answer was right and
 * both engines agreed), 1 otherwise, 2 for a bad command line. */
#include "config.h"

#include "tools/bench/bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/env.h"

static const BenchEngine *const bench_main_engines[] = {
    &bench_engine_shale,
#ifdef HAVE_LEVELDB
    &bench_engine_leveldb,
#endif
    NULL
};

#define BENCH_DEFAULT_LIST "fillseq,fillrandom,overwrite,readrandom,readmissing,seekrandom,readseq,fillsync"
/* --check also reads back after a full compaction and after a scan, to cover more states. */
#define BENCH_CHECK_LIST "fillseq,readseq,fillrandom,overwrite,readrandom,readmissing,seekrandom,readseq," \
                         "compact,readrandom,seekrandom,readseq,fillsync,readrandom"

/* The parsed command line: cfg plus the lists it names. */
typedef struct BenchArgs {
    BenchConfig cfg;
    char list[1024];
    const char *names[BENCH_MAX_BENCHMARKS];
    int n_names;
    const BenchEngine *engines[BENCH_MAX_ENGINES];
    int n_engines;
} BenchArgs;

static void bench_main_usage(FILE *f)
{
    fprintf(f,
            "usage: shale_bench [--option=value ...]\n"
            "  --benchmarks=LIST   comma-separated, in order (default " BENCH_DEFAULT_LIST ");\n"
            "                      known: fillseq fillrandom overwrite readrandom readmissing seekrandom\n"
            "                      readseq fillsync compact\n"
            "  --engines=LIST      shale,leveldb (default: every engine built in; 'list' prints them)\n"
            "  --num=N             keys per fill and key space (1000000)\n"
            "  --reads=N           ops of the read benchmarks (default --num)\n"
            "  --key_size=N        key bytes, zero-padded decimal (16)\n"
            "  --value_size=N      value bytes, ~50%% compressible (100)\n"
            "  --sync_num=N        ops of fillsync (10000)\n"
            "  --batch=N           entries per write batch (1)\n"
            "  --seek_nexts=N      entries read with next() after each seekrandom seek (10)\n"
            "  --cache_mb=N        block cache of each engine in MiB (8)\n"
            "  --write_buffer_size=BYTES  memtable size (4194304)\n"
            "  --block_size=BYTES  data block size (4096)\n"
            "  --bloom_bits=N      bloom filter bits per key, 0 = none (10)\n"
            "  --compression=0|1   ShaleDB LZ4 / LevelDB snappy (1)\n"
            "  --max_open_files=N  (1000)\n"
            "  --leveldb_verify_checksums=0|1  LevelDB checks block CRCs like ShaleDB always does (1)\n"
            "  --order=sequential|interleaved  (sequential; see docs/benchmarks.md)\n"
            "  --seed=N            key sequence seed, same for every engine (301)\n"
            "  --dir=PATH          scratch directory; engines use PATH/<engine> ($TMPDIR/shale_bench-UID)\n"
            "  --histogram=0|1     per-op latency percentiles (0)\n"
            "  --keep=0|1          keep the DB directories (0)\n"
            "  --use_existing_db=0|1  skip fills; run on the DBs a --keep=1 run left in --dir (0)\n"
            "  --check             smoke test: small run (--num=20000, small write buffer), verify every\n"
            "                      answer and that the engines agree; exit 1 on any mismatch\n");
}

/* Parses a non-negative integer flag value into *out; false on junk or overflow. */
static bool bench_main_parse_long(const char *v, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < 0)
        return false;
    *out = x;
    return true;
}

/* Splits a comma list (copied into buf) into names; false on too many. */
static int bench_main_split(char *buf, const char **names, int max)
{
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return -1;
        names[n++] = tok;
    }
    return n;
}

static const BenchEngine *bench_main_find_engine(const char *name)
{
    for (int i = 0; bench_main_engines[i]; i++)
        if (strcmp(bench_main_engines[i]->name, name) == 0)
            return bench_main_engines[i];
    return NULL;
}

/* Fills a from argv; returns 0, or 2 after printing a usage error, or -1 after --help. */
static int bench_main_parse(int argc, char **argv, BenchArgs *a)
{
    BenchConfig *c = &a->cfg;
    memset(a, 0, sizeof *a);
    c->num = -1;
    c->reads = -1;
    c->sync_num = -1;
    c->key_size = 16;
    c->value_size = 100;
    c->batch = 1;
    c->seek_nexts = 10;
    c->cache_bytes = 8u << 20;
    c->write_buffer_size = 0;
    c->block_size = 4096;
    c->bloom_bits = 10;
    c->compression = true;
    c->max_open_files = 1000;
    c->leveldb_verify_checksums = true;
    c->seed = 301;
    c->order = BENCH_ORDER_SEQUENTIAL;
    const char *benchmarks = NULL, *engines = NULL;
    char engines_buf[256] = "";

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            bench_main_usage(stdout);
            return -1;
        }
        if (strcmp(arg, "--check") == 0) {
            c->check = true;
            continue;
        }
        const char *eq = strchr(arg, '=');
        if (strncmp(arg, "--", 2) != 0 || !eq) {
            fprintf(stderr, "shale_bench: bad argument '%s' (try --help)\n", arg);
            return 2;
        }
        char flag[64];
        snprintf(flag, sizeof flag, "%.*s", (int)(eq - arg - 2), arg + 2);
        const char *v = eq + 1;
        long x = 0;
        bool num_ok = bench_main_parse_long(v, &x);
        bool ok = true;
        if (strcmp(flag, "benchmarks") == 0) benchmarks = v;
        else if (strcmp(flag, "engines") == 0) engines = v;
        else if (strcmp(flag, "dir") == 0) { snprintf(c->dir, sizeof c->dir, "%s", v); ok = *v != '\0'; }
        else if (strcmp(flag, "order") == 0) {
            if (strcmp(v, "sequential") == 0) c->order = BENCH_ORDER_SEQUENTIAL;
            else if (strcmp(v, "interleaved") == 0) c->order = BENCH_ORDER_INTERLEAVED;
            else ok = false;
        }
        else if (!num_ok) ok = false;
        else if (strcmp(flag, "num") == 0) { c->num = x; ok = x > 0; }
        else if (strcmp(flag, "reads") == 0) { c->reads = x; ok = x > 0; }
        else if (strcmp(flag, "sync_num") == 0) { c->sync_num = x; ok = x > 0; }
        else if (strcmp(flag, "key_size") == 0) { c->key_size = (int)x; ok = x >= 8 && x <= BENCH_MAX_KEY; }
        else if (strcmp(flag, "value_size") == 0) { c->value_size = (int)x; ok = x >= 1 && x <= (64l << 20); }
        else if (strcmp(flag, "batch") == 0) { c->batch = (int)x; ok = x >= 1 && x <= 1000000; }
        else if (strcmp(flag, "seek_nexts") == 0) { c->seek_nexts = (int)x; ok = x <= 1000000; }
        else if (strcmp(flag, "cache_mb") == 0) { c->cache_bytes = (size_t)x << 20; ok = x <= (1l << 20); }
        else if (strcmp(flag, "write_buffer_size") == 0) { c->write_buffer_size = (size_t)x; ok = x >= 4096; }
        else if (strcmp(flag, "block_size") == 0) { c->block_size = (size_t)x; ok = x >= 256 && x <= (16l << 20); }
        else if (strcmp(flag, "bloom_bits") == 0) { c->bloom_bits = (int)x; ok = x <= 64; }
        else if (strcmp(flag, "compression") == 0) { c->compression = x != 0; }
        else if (strcmp(flag, "max_open_files") == 0) { c->max_open_files = (int)x; ok = x >= 10 && x <= 1000000; }
        else if (strcmp(flag, "leveldb_verify_checksums") == 0) { c->leveldb_verify_checksums = x != 0; }
        else if (strcmp(flag, "seed") == 0) { c->seed = (uint64_t)x; }
        else if (strcmp(flag, "histogram") == 0) { c->histogram = x != 0; }
        else if (strcmp(flag, "keep") == 0) { c->keep = x != 0; }
        else if (strcmp(flag, "use_existing_db") == 0) { c->use_existing_db = x != 0; }
        else {
            fprintf(stderr, "shale_bench: unknown option --%s (try --help)\n", flag);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "shale_bench: bad value for --%s: '%s'\n", flag, v);
            return 2;
        }
    }

    if (engines && strcmp(engines, "list") == 0) {
        for (int i = 0; bench_main_engines[i]; i++)
            printf("%s (%s)\n", bench_main_engines[i]->name, bench_main_engines[i]->label);
        return -1;
    }

    /* Defaults that depend on --check: small, with a write buffer small enough that the
     * run flushes and compacts many times. */
#ifdef SHALE_SANITIZERS
    long check_num = 5000;
#else
    long check_num = 20000;
#endif
    if (c->num < 0)
        c->num = c->check ? check_num : 1000000;
    if (c->reads < 0)
        c->reads = c->num;
    if (c->sync_num < 0)
        c->sync_num = c->check ? 100 : 10000;
    if (c->write_buffer_size == 0)
        c->write_buffer_size = c->check ? (64u << 10) : (4u << 20);
    if (!benchmarks)
        benchmarks = c->check ? BENCH_CHECK_LIST : BENCH_DEFAULT_LIST;
    if (c->check && c->use_existing_db) {
        fprintf(stderr, "shale_bench: --check needs fresh DBs (drop --use_existing_db)\n");
        return 2;
    }

    /* Every key number below num must fit in key_size digits. */
    long limit = 1;
    for (int i = 0; i < c->key_size && limit <= c->num; i++)
        limit *= 10;
    if (limit < c->num) {
        fprintf(stderr, "shale_bench: --num=%ld does not fit in --key_size=%d digits\n", c->num, c->key_size);
        return 2;
    }

    if (!c->dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(c->dir, sizeof c->dir, "%s/shale_bench-%u", tmp && *tmp ? tmp : "/tmp", (unsigned)getuid());
    }

    snprintf(a->list, sizeof a->list, "%s", benchmarks);
    a->n_names = bench_main_split(a->list, a->names, BENCH_MAX_BENCHMARKS);
    if (a->n_names <= 0) {
        fprintf(stderr, "shale_bench: --benchmarks needs 1 to %d names\n", BENCH_MAX_BENCHMARKS);
        return 2;
    }
    for (int i = 0; i < a->n_names; i++) {
        if (!bench_run_known(a->names[i])) {
            fprintf(stderr, "shale_bench: unknown benchmark '%s' (try --help)\n", a->names[i]);
            return 2;
        }
    }

    if (engines) {
        const char *names[BENCH_MAX_ENGINES];
        snprintf(engines_buf, sizeof engines_buf, "%s", engines);
        int n = bench_main_split(engines_buf, names, BENCH_MAX_ENGINES);
        if (n <= 0) {
            fprintf(stderr, "shale_bench: --engines needs 1 to %d names\n", BENCH_MAX_ENGINES);
            return 2;
        }
        for (int i = 0; i < n; i++) {
            const BenchEngine *e = bench_main_find_engine(names[i]);
            if (!e) {
                fprintf(stderr, "shale_bench: engine '%s' is not built in (--engines=list)\n", names[i]);
                return 2;
            }
            for (int j = 0; j < a->n_engines; j++) {
                if (a->engines[j] == e) {
                    fprintf(stderr, "shale_bench: engine '%s' named twice\n", names[i]);
                    return 2;
                }
            }
            a->engines[a->n_engines++] = e;
        }
    } else {
        for (int i = 0; bench_main_engines[i] && a->n_engines < BENCH_MAX_ENGINES; i++)
            a->engines[a->n_engines++] = bench_main_engines[i];
    }
    return 0;
}

/* The first "model name" of /proc/cpuinfo into buf ("unknown" if absent). */
static void bench_main_cpu(char *buf, size_t cap)
{
    snprintf(buf, cap, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (strncmp(line, "model name", 10) == 0 && colon) {
            colon++;
            while (*colon == ' ')
                colon++;
            snprintf(buf, cap, "%.*s", (int)strcspn(colon, "\n"), colon);
            break;
        }
    }
    fclose(f);
}

static void bench_main_header(const BenchArgs *a)
{
    const BenchConfig *c = &a->cfg;
    char when[64], cpu[256], desc[1024];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %Z", localtime(&now));
    bench_main_cpu(cpu, sizeof cpu);
    double entry = (double)(c->key_size + c->value_size);
    printf("shale_bench: db_bench workloads on ShaleDB and LevelDB%s\n", c->check ? " (--check)" : "");
    printf("Date:       %s\n", when);
    printf("CPU:        %ld x %s\n", sysconf(_SC_NPROCESSORS_ONLN), cpu);
    printf("Keys:       %d bytes each (zero-padded decimal)\n", c->key_size);
    printf("Values:     %d bytes each (%d bytes after compression)\n", c->value_size, c->value_size / 2);
    printf("Entries:    %ld (reads %ld, fillsync %ld, batch %d, seek + %d nexts)\n", c->num, c->reads,
           c->sync_num, c->batch, c->seek_nexts);
    printf("RawSize:    %.1f MB (estimated)\n", entry * (double)c->num / 1048576.0);
    printf("FileSize:   %.1f MB (estimated)\n",
           (c->key_size + (c->compression ? c->value_size / 2 : c->value_size)) * (double)c->num / 1048576.0);
    printf("Order:      %s\n", c->order == BENCH_ORDER_SEQUENTIAL
           ? "sequential (each engine runs the whole list alone, one DB open at a time)"
           : "interleaved (both DBs open; each benchmark runs on every engine in turn)");
    printf("Dir:        %s\n", c->dir);
    for (int i = 0; i < a->n_engines; i++) {
        a->engines[i]->describe(c, desc, sizeof desc);
        printf("%-10s  %s\n", a->engines[i]->label, desc);
    }
#ifdef SHALE_SANITIZERS
    printf("WARNING: built with sanitizers; timings are meaningless\n");
#endif
#ifndef __OPTIMIZE__
    printf("WARNING: built without optimization; timings are meaningless\n");
#endif
    printf("------------------------------------------------\n");
}

/* Ops per second of a result (for "compact": runs per second, so ratios compare alike). */
static double bench_main_rate(const BenchResult *r)
{
    if (!r->ran || r->failed || r->seconds <= 0)
        return 0;
    return (double)r->ops / r->seconds;
}

static double bench_main_mbs(const BenchResult *r)
{
    if (!r->ran || r->failed || r->seconds <= 0)
        return 0;
    return (double)r->bytes / 1048576.0 / r->seconds;
}

static bool bench_main_counts_found(const char *name)
{
    return strcmp(name, "readrandom") == 0 || strcmp(name, "readmissing") == 0 ||
           strcmp(name, "seekrandom") == 0 || strcmp(name, "readseq") == 0;
}

/* One db_bench-style line as each run finishes, plus the engine's state after it. */
static void bench_main_report_one(const BenchConfig *c, const char *name, const BenchEngine *e, const BenchResult *r)
{
    if (r->failed) {
        printf("%-12s %-8s: FAILED: %s\n", name, e->label, r->error);
        return;
    }
    if (!r->ran) {
        printf("%-12s %-8s: skipped (--use_existing_db)\n", name, e->label);
        return;
    }
    if (r->is_compact) {
        printf("%-12s %-8s: %10.3f s\n", name, e->label, r->seconds);
    } else {
        printf("%-12s %-8s: %10.3f micros/op %10.0f ops/s %8.1f MB/s", name, e->label,
               r->ops ? r->seconds * 1e6 / (double)r->ops : 0.0, bench_main_rate(r), bench_main_mbs(r));
        if (bench_main_counts_found(name))
            printf("  (%llu of %llu found)", (unsigned long long)r->found, (unsigned long long)r->ops);
        printf("\n");
    }
    if (r->hist && r->hist->count) {
        printf("%-22s latency us: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f; ops >= 1 ms: %llu\n", "",
               (double)bench_hist_percentile(r->hist, 0.5) / 1e3, (double)bench_hist_percentile(r->hist, 0.99) / 1e3,
               (double)bench_hist_percentile(r->hist, 0.999) / 1e3, (double)r->hist->max_ns / 1e3,
               (unsigned long long)bench_hist_count_at_least(r->hist, 1000000));
    }
    if (r->brief[0])
        printf("%-22s %s\n", "", r->brief);
    (void)c;
    fflush(stdout);
}

static int bench_main_engine_index(const BenchArgs *a, const char *name)
{
    for (int i = 0; i < a->n_engines; i++)
        if (strcmp(a->engines[i]->name, name) == 0)
            return i;
    return -1;
}

/* Formats a rate for the table: ops/s, or seconds for compact. */
static void bench_main_cell(const BenchResult *r, char *buf, size_t cap)
{
    if (!r->ran)
        snprintf(buf, cap, "-");
    else if (r->failed)
        snprintf(buf, cap, "FAILED");
    else if (r->is_compact)
        snprintf(buf, cap, "%.2f s", r->seconds);
    else
        snprintf(buf, cap, "%.0f", bench_main_rate(r));
}

static void bench_main_table(const BenchArgs *a, BenchResult (*res)[BENCH_MAX_ENGINES])
{
    int is = bench_main_engine_index(a, "shale"), il = bench_main_engine_index(a, "leveldb");
    printf("\n%-12s |", "benchmark");
    for (int e = 0; e < a->n_engines; e++)
        printf(" %8s ops/s |", a->engines[e]->label);
    printf(" ratio (shale/leveldb) | MB/s");
    for (int e = 0; e < a->n_engines; e++)
        printf("%s%s", e ? " / " : " ", a->engines[e]->label);
    printf("\n-------------+");
    for (int e = 0; e < a->n_engines; e++)
        printf("----------------+");
    printf("-----------------------+--------------------\n");
    for (int b = 0; b < a->n_names; b++) {
        printf("%-12s |", a->names[b]);
        for (int e = 0; e < a->n_engines; e++) {
            char cell[32];
            bench_main_cell(&res[b][e], cell, sizeof cell);
            printf(" %14s |", cell);
        }
        double rs = is >= 0 ? bench_main_rate(&res[b][is]) : 0, rl = il >= 0 ? bench_main_rate(&res[b][il]) : 0;
        if (rs > 0 && rl > 0)
            printf(" %20.2fx |", rs / rl);
        else
            printf(" %21s |", "-");
        for (int e = 0; e < a->n_engines; e++) {
            if (res[b][e].is_compact)
                printf("%s%s", e ? " / " : " ", "-");
            else
                printf("%s%.1f", e ? " / " : " ", bench_main_mbs(&res[b][e]));
        }
        printf("\n");
    }
    for (int b = 0; b < a->n_names; b++) {
        if (strcmp(a->names[b], "compact") == 0) {
            printf("(compact rows show seconds; their ratio is still speed shale/leveldb)\n");
            break;
        }
    }
}

/* --check: both engines must have given the same answers (they saw the same inputs). */
static int bench_main_cross_check(const BenchArgs *a, BenchResult (*res)[BENCH_MAX_ENGINES])
{
    int bad = 0;
    for (int b = 0; b < a->n_names; b++) {
        for (int e = 1; e < a->n_engines; e++) {
            const BenchResult *x = &res[b][0], *y = &res[b][e];
            if (!x->ran || !y->ran || x->failed || y->failed || x->is_compact)
                continue;
            if (x->ops != y->ops || x->found != y->found || x->bytes != y->bytes) {
                fprintf(stderr, "CHECK MISMATCH: %s: %s did %llu ops, found %llu, %llu bytes; %s did %llu, %llu, %llu\n",
                        a->names[b], a->engines[0]->label, (unsigned long long)x->ops,
                        (unsigned long long)x->found, (unsigned long long)x->bytes, a->engines[e]->label,
                        (unsigned long long)y->ops, (unsigned long long)y->found, (unsigned long long)y->bytes);
                bad++;
            }
        }
    }
    return bad;
}

/* Runs benchmark b on runner e, reporting it; marks the runner broken on an engine error. */
static void bench_main_run(const BenchArgs *a, BenchRunner *runners, bool *broken, int b, int e,
                           BenchResult (*res)[BENCH_MAX_ENGINES])
{
    if (broken[e])
        return;
    BenchResult *r = &res[b][e];
    if (a->cfg.histogram) {
        r->hist = calloc(1, sizeof *r->hist);   /* NULL (no percentiles) if memory is short */
    }
    ShaleError err;
    shale_error_clear(&err);
    int occurrence = 0;
    for (int i = 0; i < b; i++)
        occurrence += strcmp(a->names[i], a->names[b]) == 0;
    if (bench_run_one(&runners[e], &a->cfg, a->names[b], occurrence, r, &err) != SHALE_OK)
        broken[e] = true;
    bench_main_report_one(&a->cfg, a->names[b], a->engines[e], r);
}

static void bench_main_finish(const BenchArgs *a, BenchRunner *r)
{
    ShaleError err;
    shale_error_clear(&err);
    if (bench_run_runner_finish(r, &a->cfg, &err) != SHALE_OK)
        fprintf(stderr, "shale_bench: closing %s: %s\n", r->eng->label, err.msg);
}

int main(int argc, char **argv)
{
    static BenchArgs a;
    static BenchResult res[BENCH_MAX_BENCHMARKS][BENCH_MAX_ENGINES];
    static BenchRunner runners[BENCH_MAX_ENGINES];
    bool broken[BENCH_MAX_ENGINES] = {false};
    setvbuf(stdout, NULL, _IOLBF, 0);

    int prc = bench_main_parse(argc, argv, &a);
    if (prc < 0)
        return 0;
    if (prc > 0)
        return prc;

    ShaleError err;
    shale_error_clear(&err);
    bool made_dir = access(a.cfg.dir, F_OK) != 0;
    if (shale_env_mkdirs(a.cfg.dir, &err) != SHALE_OK) {
        fprintf(stderr, "shale_bench: %s\n", err.msg);
        return 1;
    }
    for (int e = 0; e < a.n_engines; e++) {
        if (bench_run_runner_init(&runners[e], a.engines[e], &a.cfg, &err) != SHALE_OK) {
            fprintf(stderr, "shale_bench: %s\n", err.msg);
            return 1;
        }
    }
    bench_main_header(&a);

    if (a.cfg.order == BENCH_ORDER_SEQUENTIAL) {
        for (int e = 0; e < a.n_engines; e++) {
            for (int b = 0; b < a.n_names; b++)
                bench_main_run(&a, runners, broken, b, e, res);
            bench_main_finish(&a, &runners[e]);
        }
    } else {
        for (int b = 0; b < a.n_names; b++)
            for (int e = 0; e < a.n_engines; e++)
                bench_main_run(&a, runners, broken, b, e, res);
        for (int e = 0; e < a.n_engines; e++)
            bench_main_finish(&a, &runners[e]);
    }
    if (made_dir && !a.cfg.keep && !a.cfg.use_existing_db)
        rmdir(a.cfg.dir);   /* best effort: only when we created it and it is empty */

    bench_main_table(&a, res);
    for (int e = 0; e < a.n_engines; e++)
        fwrite(runners[e].stats_log.data ? runners[e].stats_log.data : "", 1, runners[e].stats_log.len, stdout);

    int failed = 0;
    for (int e = 0; e < a.n_engines; e++) {
        if (broken[e]) {
            printf("%s: a benchmark failed (see above)\n", a.engines[e]->label);
            failed++;
        }
    }
    if (a.cfg.check) {
        uint64_t mism = 0;
        for (int e = 0; e < a.n_engines; e++)
            mism += runners[e].n_mismatches;
        int cross = bench_main_cross_check(&a, res);
        printf("check: %llu wrong answers, %d cross-engine disagreements\n", (unsigned long long)mism, cross);
        if (mism || cross)
            failed++;
    }
    for (int e = 0; e < a.n_engines; e++)
        bench_run_runner_free(&runners[e]);
    for (int b = 0; b < a.n_names; b++)
        for (int e = 0; e < a.n_engines; e++)
            free(res[b][e].hist);
    return failed ? 1 : 0;
}
