/* pgcat_stats.c -- pg_stats: ANALYZE's per-column statistics (sql/analyze.h) as PostgreSQL
 * shows them. The anyarray columns (most_common_vals, histogram_bounds) are text[] here:
 * each element is the value's text output (docs/compatibility.md). Element statistics of
 * array columns are not computed (NULL). Also the small accessors pg_class and
 * pg_stat_user_tables use for reltuples, relpages, last_analyze and analyze_count. */
#include <math.h>
#include <string.h>

#include "sql/analyze.h"
#include "sql/pgcat/pgcat_int.h"
#include "sql/types/types.h"

#define ROW_INIT(tab) \
    PgRow r; \
    pgrow_init(&r, PGCAT_TAB_##tab, env, arena, emit, arg, err)

const TableStats *pgcat_table_stats(const QueryEnv *env, const CatRelation *rel, ShaleArena *arena)
{
    if (!env->rdb || rel->kind != CAT_REL_TABLE)
        return NULL;
    return stats_load(env->rdb, catsnap_db(env->cat), rel->oid, arena);
}

static void put_array(PgRow *r, int col, Oid elem, int n, const Value *vals)
{
    Value out;
    if (types_array_build(elem, 1, (uint32_t)n, vals, r->arena, &out, NULL) != 0) {
        r->oom = true;
        return;
    }
    out.type = r->t->cols[col].type;
    r->vals[col] = out;
}

static void put_text_values(PgRow *r, int col, const QueryEnv *env, int n, const Value *v)
{
    Value *t = shale_arena_alloc(r->arena, sizeof(Value) * (size_t)(n ? n : 1));
    if (!t) {
        r->oom = true;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *s = types_output_cstr(env->tc, &v[i], r->arena);
        if (!s) {
            r->oom = true;
            return;
        }
        t[i] = value_bytes(TEXTOID, s, (uint32_t)strlen(s));
    }
    put_array(r, col, TEXTOID, n, t);
}

static void put_freqs(PgRow *r, int col, int n, const double *f)
{
    Value *t = shale_arena_alloc(r->arena, sizeof(Value) * (size_t)(n ? n : 1));
    if (!t) {
        r->oom = true;
        return;
    }
    for (int i = 0; i < n; i++) {
        t[i] = value_null(FLOAT4OID);
        t[i].null = false;
        t[i].u.f = (double)(float)f[i];
    }
    put_array(r, col, FLOAT4OID, n, t);
}

int pgcat_rows_pg_stats(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_STATS);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        const TableStats *ts = pgcat_table_stats(env, rel, arena);
        if (!ts)
            continue;
        for (int c = 0; c < ts->ncols; c++) {
            const ColStats *cs = &ts->cols[c];
            if (cs->attnum < 1 || cs->attnum > rel->ncols || rel->cols[cs->attnum - 1].dropped)
                continue;
            pgrow_clear(&r);
            pgrow_str(&r, PGCAT_PG_STATS_SCHEMANAME, pgcat_nsp_name(env, rel->nsp));
            pgrow_str(&r, PGCAT_PG_STATS_TABLENAME, rel->name);
            pgrow_str(&r, PGCAT_PG_STATS_ATTNAME, rel->cols[cs->attnum - 1].name);
            pgrow_bool(&r, PGCAT_PG_STATS_INHERITED, false);
            pgrow_float(&r, PGCAT_PG_STATS_NULL_FRAC, (float)cs->null_frac);
            pgrow_int(&r, PGCAT_PG_STATS_AVG_WIDTH, cs->avg_width);
            pgrow_float(&r, PGCAT_PG_STATS_N_DISTINCT, (float)cs->n_distinct);
            if (cs->n_mcv) {
                put_text_values(&r, PGCAT_PG_STATS_MOST_COMMON_VALS, env, cs->n_mcv, cs->mcv);
                put_freqs(&r, PGCAT_PG_STATS_MOST_COMMON_FREQS, cs->n_mcv, cs->mcv_freq);
            }
            if (cs->n_hist)
                put_text_values(&r, PGCAT_PG_STATS_HISTOGRAM_BOUNDS, env, cs->n_hist, cs->hist);
            if (!isnan(cs->correlation))
                pgrow_float(&r, PGCAT_PG_STATS_CORRELATION, (float)cs->correlation);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}
