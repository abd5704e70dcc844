/* stats.c -- decoding of the statistics blob written by ANALYZE (format: sql/analyze.h),
 * shared by the planner's selectivity estimates and pg_stats / pg_class. */
#include <math.h>
#include <string.h>

#include "catalog/rowcodec.h"
#include "sql/analyze.h"
#include "util/coding.h"

typedef struct Rd {
    const char *p, *end;
    bool bad;
} Rd;

static double rd_f64(Rd *r)
{
    if (r->bad || r->end - r->p < 8) {
        r->bad = true;
        return 0;
    }
    uint64_t u = shale_get_fixed64(r->p);
    r->p += 8;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint32_t rd_u32(Rd *r)
{
    if (r->bad || r->end - r->p < 4) {
        r->bad = true;
        return 0;
    }
    uint32_t u = shale_get_fixed32(r->p);
    r->p += 4;
    return u;
}

static uint32_t rd_var(Rd *r)
{
    uint32_t v = 0;
    if (r->bad)
        return 0;
    const char *q = shale_decode_varint32(r->p, r->end, &v);
    if (!q) {
        r->bad = true;
        return 0;
    }
    r->p = q;
    return v;
}

static bool rd_value(Rd *r, Oid type, Value *out)
{
    uint32_t len = rd_var(r);
    if (r->bad || (size_t)(r->end - r->p) < len) {
        r->bad = true;
        return false;
    }
    ShaleError e;
    if (rowcodec_field_decode(type, r->p, len, out, &e) != SHALE_OK) {
        r->bad = true;
        return false;
    }
    out->type = type;
    out->null = false;
    r->p += len;
    return true;
}

int stats_decode(const char *p, size_t n, ShaleArena *arena, TableStats *out)
{
    Rd r = {p, p + n, false};
    memset(out, 0, sizeof *out);
    if (n < 1 || (uint8_t)p[0] != 1)
        return -1;
    r.p++;
    out->reltuples = rd_f64(&r);
    out->relpages = rd_u32(&r);
    uint64_t at = 0;
    if (!r.bad && r.end - r.p >= 8) {
        at = shale_get_fixed64(r.p);
        r.p += 8;
    } else {
        r.bad = true;
    }
    out->analyzed_at = (int64_t)at;
    out->analyze_count = rd_u32(&r);
    uint32_t nc = rd_var(&r);
    if (r.bad || nc > 1600)
        return -1;
    out->cols = shale_arena_alloc(arena, sizeof(ColStats) * (nc ? nc : 1));
    if (!out->cols)
        return -1;
    for (uint32_t i = 0; i < nc; i++) {
        ColStats *c = &out->cols[i];
        memset(c, 0, sizeof *c);
        c->attnum = (int)rd_var(&r);
        c->type = rd_u32(&r);
        c->null_frac = rd_f64(&r);
        c->n_distinct = rd_f64(&r);
        c->correlation = rd_f64(&r);
        c->avg_width = (int)rd_var(&r);
        uint32_t nm = rd_var(&r);
        if (r.bad || nm > STATS_MAX_MCV)
            return -1;
        c->mcv = shale_arena_alloc(arena, sizeof(Value) * (nm + 1));
        c->mcv_freq = shale_arena_alloc(arena, sizeof(double) * (nm + 1));
        if (!c->mcv || !c->mcv_freq)
            return -1;
        for (uint32_t k = 0; k < nm; k++) {
            c->mcv_freq[k] = rd_f64(&r);
            if (!rd_value(&r, c->type, &c->mcv[k]))
                return -1;
        }
        c->n_mcv = (int)nm;
        uint32_t nh = rd_var(&r);
        if (r.bad || nh > STATS_MAX_HIST)
            return -1;
        c->hist = shale_arena_alloc(arena, sizeof(Value) * (nh + 1));
        if (!c->hist)
            return -1;
        for (uint32_t k = 0; k < nh; k++)
            if (!rd_value(&r, c->type, &c->hist[k]))
                return -1;
        c->n_hist = (int)nh;
        if (r.bad || !(c->null_frac >= 0 && c->null_frac <= 1))
            return -1;
    }
    out->ncols = (int)nc;
    return r.bad ? -1 : 0;
}

const TableStats *stats_load(RelDB *rdb, Oid db, Oid reloid, ShaleArena *arena)
{
    const char *blob;
    size_t n;
    if (!rdb || rel_stats_get(rdb, db, reloid, arena, &blob, &n) != 1)
        return NULL;
    TableStats *ts = shale_arena_alloc(arena, sizeof *ts);
    if (!ts || stats_decode(blob, n, arena, ts) != 0)
        return NULL;
    return ts;
}

const ColStats *stats_column(const TableStats *ts, int attnum)
{
    if (!ts)
        return NULL;
    for (int i = 0; i < ts->ncols; i++)
        if (ts->cols[i].attnum == attnum)
            return &ts->cols[i];
    return NULL;
}
