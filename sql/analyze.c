/* analyze.c -- ANALYZE [VERBOSE] [table [(cols)], ...] and VACUUM ANALYZE: reads each table
 * in the statement's snapshot, keeps a reservoir sample of STATS_SAMPLE_ROWS rows, computes
 * per-column statistics the way PostgreSQL's compute_scalar_stats does (null_frac,
 * avg_width, n_distinct by the Haas-Stokes Duj1 estimator, most common values, equi-depth
 * histogram of the rest, physical-order correlation) and stores them with the live row
 * count through rel_stats_put (format: sql/analyze.h). Not transactional: see rel_stats.c.
 *
 * Memory: one arena per table (sampled rows, sort arrays), destroyed after the table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/rowcodec.h"
#include "sql/analyze.h"
#include "sql/ddl_int.h"
#include "sql/session_int.h"
#include "sql/types/types.h"
#include "util/hash.h"

typedef struct Sample {
    Value *vals;                 /* [ncols] in the table arena */
    uint64_t pos;                /* scan position: physical order */
} Sample;

typedef struct Item {
    const Value *v;
    uint32_t tup;                /* rank of the row in physical order */
} Item;

static int cmp_item(const void *a, const void *b)
{
    const Item *x = a, *y = b;
    int c = types_compare(x->v, y->v);
    if (c)
        return c;
    return x->tup < y->tup ? -1 : x->tup > y->tup;
}

static int cmp_sample_pos(const void *a, const void *b)
{
    const Sample *x = a, *y = b;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

typedef struct Group {
    int first, count;            /* run of equal values in the sorted items */
} Group;

static int cmp_group_desc(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return x < y ? -1 : x > y;
}

static void put_f64(ShaleBuf *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    shale_buf_append_fixed64(b, u);
}

static void put_value(ShaleBuf *b, ShaleBuf *tmp, const Value *v)
{
    shale_buf_reset(tmp);
    rowcodec_field_encode(tmp, v);
    shale_buf_append_varint32(b, (uint32_t)tmp->len);
    shale_buf_append(b, tmp->data, tmp->len);
    if (tmp->oom)
        b->oom = true;
}

/* Types whose values compare with types_compare (ordered): everything the row codec stores
 * except a few without a sort order. */
static bool type_ordered(Oid t)
{
    return t != JSONOID;
}

/* Values whose payload lives in u.s (copied out of the scan's row buffer). */
static bool has_bytes(const Value *v)
{
    const TypeInfo *ti = type_info(v->type);
    if (v->null || v->type == INTERVALOID || (ti && ti->byval))
        return false;
    return !ti || ti->len < 0 || ti->len > 8;
}

static int value_width(const Value *v)
{
    const TypeInfo *ti = type_info(v->type);
    if (ti && ti->len > 0)
        return ti->len;
    if (has_bytes(v))
        return (int)v->u.s.n + (v->u.s.n < 127 ? 1 : 4);
    return 8;
}

/* Statistics of column c (0-based) over the sample rows (sorted by position); appended to
 * blob. *width_sum receives the sum of average widths for relpages. */
static void analyze_column(const CatColumn *col, int attnum, Sample *rows, int n, double totalrows, ShaleArena *a,
                           ShaleBuf *blob, ShaleBuf *tmp, int c)
{
    int nonnull = 0;
    double wsum = 0;
    Item *items = shale_arena_alloc(a, sizeof(Item) * (size_t)(n ? n : 1));
    Group *groups = shale_arena_alloc(a, sizeof(Group) * (size_t)(n ? n : 1));
    if (!items || !groups) {
        blob->oom = true;
        return;
    }
    for (int i = 0; i < n; i++) {
        const Value *v = &rows[i].vals[c];
        if (v->null)
            continue;
        items[nonnull].v = v;
        items[nonnull].tup = (uint32_t)i;
        nonnull++;
        wsum += value_width(v);
    }
    double null_frac = n ? (double)(n - nonnull) / n : 0;
    int avg_width = nonnull ? (int)lrint(wsum / nonnull) : 0;
    if (!nonnull) {
        const TypeInfo *ti = type_info(col->type);
        avg_width = ti && ti->len > 0 ? ti->len : 0;
    }
    bool ordered = type_ordered(col->type);
    int ngroups = 0, f1 = 0, nmultiple = 0;
    if (ordered && nonnull) {
        qsort(items, (size_t)nonnull, sizeof(Item), cmp_item);
        for (int i = 0; i < nonnull;) {
            int j = i + 1;
            while (j < nonnull && types_compare(items[i].v, items[j].v) == 0)
                j++;
            groups[ngroups].first = i;
            groups[ngroups].count = j - i;
            if (j - i == 1)
                f1++;
            else
                nmultiple++;
            ngroups++;
            i = j;
        }
    } else if (nonnull) {
        /* unordered types: distinct by hash-free pairwise check is too slow; assume unique */
        f1 = ngroups = nonnull;
    }
    /* n_distinct (PostgreSQL's compute_scalar_stats) */
    double nd;
    if (!nonnull) {
        nd = 0;
    } else if (nmultiple == 0) {
        nd = -1.0 * (1.0 - null_frac);
    } else if (nmultiple == ngroups) {
        nd = ngroups;                          /* every value seen twice or more: all of them */
    } else {
        double sn = nonnull, d = ngroups;
        double N = totalrows * (1.0 - null_frac);
        double denom = (sn - f1) + f1 * sn / (N > 0 ? N : sn);
        nd = denom > 0 ? sn * d / denom : d;
        if (nd < d)
            nd = d;
        if (nd > N)
            nd = N;
        nd = floor(nd + 0.5);
    }
    if (nd > 0.1 * totalrows && totalrows > 0)
        nd = -(nd / totalrows);
    /* most common values: all when the sample saw every value (nd > 0 and few enough),
     * else those clearly above the average frequency */
    int nmcv = 0;
    int *mcv_groups = NULL;
    if (ordered && ngroups > 0) {
        Group *byc = shale_arena_alloc(a, sizeof(Group) * (size_t)ngroups);
        mcv_groups = shale_arena_alloc(a, sizeof(int) * STATS_MAX_MCV);
        if (!byc || !mcv_groups) {
            blob->oom = true;
            return;
        }
        memcpy(byc, groups, sizeof(Group) * (size_t)ngroups);
        qsort(byc, (size_t)ngroups, sizeof(Group), cmp_group_desc);
        if (nmultiple == ngroups && ngroups <= STATS_MAX_MCV) {
            nmcv = ngroups;
        } else {
            double avg = (double)nonnull / ngroups;
            double mincount = avg * 1.25;
            if (mincount < 2)
                mincount = 2;
            while (nmcv < STATS_MAX_MCV && nmcv < ngroups && byc[nmcv].count >= mincount)
                nmcv++;
        }
        for (int i = 0; i < nmcv; i++)
            mcv_groups[i] = byc[i].first;
    }
    /* correlation between value order and physical order (items sorted by value carry
     * their physical rank) */
    double corr = NAN;
    if (ordered && nonnull > 1) {
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        for (int i = 0; i < nonnull; i++) {
            double x = i, y = items[i].tup;
            sx += x;
            sy += y;
            sxx += x * x;
            syy += y * y;
            sxy += x * y;
        }
        double m = nonnull;
        double vx = m * sxx - sx * sx, vy = m * syy - sy * sy;
        if (vx > 0 && vy > 0)
            corr = (m * sxy - sx * sy) / sqrt(vx * vy);
    }
    shale_buf_append_varint32(blob, (uint32_t)attnum);
    shale_buf_append_fixed32(blob, col->type);
    put_f64(blob, null_frac);
    put_f64(blob, nd);
    put_f64(blob, corr);
    shale_buf_append_varint32(blob, (uint32_t)avg_width);
    shale_buf_append_varint32(blob, (uint32_t)nmcv);
    for (int i = 0; i < nmcv; i++) {
        int first = mcv_groups[i];
        int cnt = 0;
        for (int g = 0; g < ngroups; g++)
            if (groups[g].first == first) {
                cnt = groups[g].count;
                break;
            }
        put_f64(blob, n ? (double)cnt / n : 0);
        put_value(blob, tmp, items[first].v);
    }
    /* histogram over the values not in the MCV list (with their duplicates) */
    int nh = 0;
    const Value **rest = NULL;
    if (ordered && ngroups - nmcv >= 2) {
        rest = shale_arena_alloc(a, sizeof(Value *) * (size_t)nonnull);
        int *mf = shale_arena_alloc(a, sizeof(int) * (size_t)(nmcv + 1));
        if (!rest || !mf) {
            blob->oom = true;
            return;
        }
        memcpy(mf, mcv_groups, sizeof(int) * (size_t)nmcv);
        qsort(mf, (size_t)nmcv, sizeof(int), cmp_int);
        int nr = 0, k = 0;
        for (int g = 0; g < ngroups; g++) {
            while (k < nmcv && mf[k] < groups[g].first)
                k++;
            if (k < nmcv && mf[k] == groups[g].first)
                continue;
            for (int i = 0; i < groups[g].count; i++)
                rest[nr++] = items[groups[g].first + i].v;
        }
        int want = ngroups - nmcv < STATS_MAX_HIST ? ngroups - nmcv : STATS_MAX_HIST;
        shale_buf_append_varint32(blob, (uint32_t)want);
        for (int i = 0; i < want; i++) {
            int idx = (int)((int64_t)i * (nr - 1) / (want - 1));
            put_value(blob, tmp, rest[idx]);
        }
        nh = want;
    }
    if (!nh)
        shale_buf_append_varint32(blob, 0);
}

static int64_t now_pg_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec - 946684800LL) * 1000000LL + ts.tv_nsec / 1000;
}

static void info(const SqlSink *sink, const char *fmt, const char *a, const char *b)
{
    if (!sink->notice)
        return;
    SqlError n;
    sql_error_set(&n, ERRCODE_SUCCESSFUL_COMPLETION, fmt, a, b);
    n.severity = SQL_SEV_INFO;
    sink->notice(sink->arg, &n);
}

/* Analyzes one table (cols: attnums to analyze, NULL = all). */
static int analyze_table(DdlCtx *d, const CatRelation *rel, const int *cols, int ncols_sel, bool verbose,
                         const SqlSink *sink, SqlError *err)
{
    SqlSession *s = d->s;
    const char *nsp = "public";
    const CatNamespace *ns = catsnap_namespace_by_oid(d->snap, rel->nsp);
    if (ns)
        nsp = ns->name;
    if (verbose)
        info(sink, "analyzing \"%s.%s\"", nsp, rel->name);
    ShaleArena a;
    shale_arena_init(&a);
    Sample *rows = malloc(sizeof(Sample) * STATS_SAMPLE_ROWS);
    if (!rows) {
        shale_arena_destroy(&a);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    RelScan *scan = NULL;
    RelRow rr;
    rel_row_init(&rr);
    int rc = rel_scan_open(s->txn, rel, &spec, &scan, err);
    uint64_t seen = 0;
    int n = 0;
    ShaleRandom rnd;
    shale_random_seed(&rnd, 0x5eedULL ^ rel->oid);
    double width_sum = 0;
    while (rc == 0) {
        int r = rel_scan_next(scan, &rr, err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        width_sum += (double)rr.data.len + 24;
        int slot = -1;
        if (n < STATS_SAMPLE_ROWS) {
            slot = n++;
        } else {
            uint64_t j = shale_random_uniform(&rnd, seen + 1);
            if (j < STATS_SAMPLE_ROWS)
                slot = (int)j;
        }
        seen++;
        if (slot < 0)
            continue;
        Value *v = shale_arena_alloc(&a, sizeof(Value) * (size_t)(rel->ncols ? rel->ncols : 1));
        if (!v) {
            rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            break;
        }
        for (int c = 0; c < rel->ncols; c++) {
            v[c] = c < rr.nvals ? rr.vals[c] : value_null(rel->cols[c].type);
            if (!v[c].null && has_bytes(&v[c]) && v[c].u.s.n) {
                char *p = shale_arena_alloc(&a, v[c].u.s.n);
                if (!p) {
                    rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                    break;
                }
                memcpy(p, v[c].u.s.p, v[c].u.s.n);
                v[c].u.s.p = p;
            }
        }
        rows[slot].vals = v;
        rows[slot].pos = seen;
    }
    if (scan)
        rel_scan_close(scan);
    rel_row_free(&rr);
    if (rc != 0) {
        free(rows);
        shale_arena_destroy(&a);
        return -1;
    }
    qsort(rows, (size_t)n, sizeof(Sample), cmp_sample_pos);
    ShaleBuf blob, tmp;
    shale_buf_init(&blob);
    shale_buf_init(&tmp);
    const TableStats *old = stats_load(s->eng->rdb, s->db_oid, rel->oid, &a);
    shale_buf_append_byte(&blob, 1);
    put_f64(&blob, (double)seen);
    shale_buf_append_fixed32(&blob, (uint32_t)ceil(width_sum / 8192.0));
    shale_buf_append_fixed64(&blob, (uint64_t)now_pg_us());
    shale_buf_append_fixed32(&blob, (old ? old->analyze_count : 0) + 1);
    int nc = 0;
    for (int c = 0; c < rel->ncols; c++)
        if (!rel->cols[c].dropped)
            nc++;
    if (cols)
        nc = ncols_sel;
    shale_buf_append_varint32(&blob, (uint32_t)nc);
    for (int c = 0; c < rel->ncols; c++) {
        if (rel->cols[c].dropped)
            continue;
        bool want = !cols;
        for (int k = 0; cols && k < ncols_sel; k++)
            if (cols[k] == c + 1)
                want = true;
        if (want)
            analyze_column(&rel->cols[c], c + 1, rows, n, (double)seen, &a, &blob, &tmp, c);
    }
    /* a column list keeps the other columns' earlier statistics */
    (void)old;
    free(rows);
    shale_buf_free(&tmp);
    if (blob.oom) {
        shale_buf_free(&blob);
        shale_arena_destroy(&a);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    rc = rel_stats_put(s->txn, rel, (int64_t)seen, blob.data, blob.len, err);
    shale_buf_free(&blob);
    if (rc == 0 && verbose && sink->notice) {
        char msg[300];
        snprintf(msg, sizeof msg,
                 "\"%s\": scanned %llu of %llu pages, containing %llu live rows and 0 dead rows; "
                 "%d rows in sample, %llu estimated total rows",
                 rel->name, (unsigned long long)ceil(width_sum / 8192.0), (unsigned long long)ceil(width_sum / 8192.0),
                 (unsigned long long)seen, n, (unsigned long long)seen);
        info(sink, "%s%s", msg, "");
    }
    shale_arena_destroy(&a);
    return rc;
}

SqlStatus analyze_execute(SqlSession *s, const AstVacuumStmt *vs, const char *text, const SqlSink *sink,
                          SqlError *err)
{
    bool verbose = false;
    for (int i = 0; i < vs->options.n; i++) {
        const AstDefElem *o = (const AstDefElem *)vs->options.items[i];
        if (o->name && !strcmp(o->name, "verbose"))
            verbose = true;
    }
    if (session_ensure_txn(s, err) != 0)
        return SQL_ERROR;
    if (rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return SQL_ERROR;
    DdlCtx d;
    memset(&d, 0, sizeof d);
    d.s = s;
    d.cat = rel_db_catalog(s->eng->rdb);
    d.ctxn = rel_txn_catalog(s->txn);
    d.text = text;
    d.text_len = text ? strlen(text) : 0;
    shale_arena_init(&d.arena);
    if (catalog_snapshot(d.cat, d.ctxn, s->db_oid, &d.snap, err) != 0) {
        shale_arena_destroy(&d.arena);
        return SQL_ERROR;
    }
    int rc = 0;
    if (vs->rels.n == 0) {
        for (int i = 0; rc == 0 && i < catsnap_n_relations(d.snap); i++) {
            const CatRelation *rel = catsnap_relation(d.snap, i);
            if (rel->kind == CAT_REL_TABLE && rel->nsp != CAT_OID_PG_CATALOG_NSP)
                rc = analyze_table(&d, rel, NULL, 0, verbose, sink, err);
        }
    }
    for (int i = 0; rc == 0 && i < vs->rels.n; i++) {
        const AstRangeVar *rv = (const AstRangeVar *)vs->rels.items[i];
        const CatRelation *rel = ddl_lookup_relation(&d, rv);
        if (!rel || (rel->kind != CAT_REL_TABLE && rel->kind != CAT_REL_VIEW)) {
            rc = sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
            break;
        }
        if (rel->kind != CAT_REL_TABLE) {
            char msg[200];
            snprintf(msg, sizeof msg, "skipping \"%s\" --- cannot analyze non-tables or special system tables",
                     rel->name);
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_WARNING, "%s", msg);
                n.severity = SQL_SEV_WARNING;
                sink->notice(sink->arg, &n);
            }
            continue;
        }
        int cols[64], nsel = 0;
        const AstNameList *cl = rv->alias ? &rv->alias->colnames : NULL;
        for (int k = 0; cl && k < cl->n && nsel < 64; k++) {
            int found = 0;
            for (int c = 0; c < rel->ncols; c++)
                if (!rel->cols[c].dropped && !strcmp(rel->cols[c].name, cl->names[k]))
                    found = c + 1;
            if (!found) {
                rc = sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist",
                                   cl->names[k], rel->name);
                break;
            }
            cols[nsel++] = found;
        }
        if (rc == 0)
            rc = analyze_table(&d, rel, nsel ? cols : NULL, nsel, verbose, sink, err);
    }
    catalog_snapshot_release(d.snap);
    shale_arena_destroy(&d.arena);
    if (rc != 0)
        return SQL_ERROR;
    sink->command_complete(sink->arg, vs->is_vacuum ? "VACUUM" : "ANALYZE");
    return SQL_DONE;
}
