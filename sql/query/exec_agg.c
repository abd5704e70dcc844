/* exec_agg.c -- aggregation (hash and plain) and window functions.
 *
 * Agg: groups live in a hash table keyed by the group values (copied into node->keep, the
 * groups' arena); each group holds one state per aggregate (SqlAggImpl state, zeroed,
 * 8-aligned, in node->keep). Aggregates with DISTINCT or ORDER BY buffer their argument
 * rows per group and feed them sorted (and de-duplicated) at the end. Output row:
 * group values ++ aggregate results.
 *
 * Window: materialises the input, then per window specification sorts row indexes by
 * (PARTITION BY, ORDER BY) and computes each row's value; output row = input ++ results,
 * in the order of the last specification. Frames: PostgreSQL's default (RANGE UNBOUNDED
 * PRECEDING .. CURRENT ROW with peers; whole partition without ORDER BY), ROWS with offsets,
 * RANGE UNBOUNDED/CURRENT ROW. */
#include <stdlib.h>
#include <string.h>

#include "sql/query/exec_int.h"

typedef struct BufRow {
    struct BufRow *next;
    Value *row;
} BufRow;

typedef struct AggGroup {
    void **states;
    BufRow **bufs;              /* per aggregate (DISTINCT / ORDER BY); reversed insertion order */
    int64_t *nbuf;
} AggGroup;

static bool agg_buffered(const AggSpec *a)
{
    return a->distinct || a->n_order > 0;
}

static void agg_fctx(ExecNode *n, FuncCallCtx *f, const AggSpec *a, ShaleArena *arena)
{
    EvalCtx c;
    exec_ctx(n, &c, NULL, arena);
    eval_func_ctx(&c, f, &a->match, a->nargs);
    f->arena = arena;
}

static AggGroup *group_new(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    AggGroup *g = q_alloc(&n->keep, sizeof(AggGroup));
    if (!g)
        goto oom;
    g->states = q_alloc(&n->keep, sizeof(void *) * (size_t)(p->n_aggs + 1));
    g->bufs = q_alloc(&n->keep, sizeof(BufRow *) * (size_t)(p->n_aggs + 1));
    g->nbuf = q_alloc(&n->keep, sizeof(int64_t) * (size_t)(p->n_aggs + 1));
    if (!g->states || !g->bufs || !g->nbuf)
        goto oom;
    for (int i = 0; i < p->n_aggs; i++) {
        const SqlAggImpl *impl = p->aggs[i]->match.func->agg;
        size_t sz = impl ? impl->state_size : 0;
        g->states[i] = q_alloc(&n->keep, sz + 8);
        if (!g->states[i])
            goto oom;
        memset(g->states[i], 0, sz + 8);
        g->bufs[i] = NULL;
        g->nbuf[i] = 0;
    }
    return g;
oom:
    q_oom(err);
    return NULL;
}

static int agg_step(ExecNode *n, const AggSpec *a, void *state, int nargs, const Value *args, SqlError *err)
{
    const SqlAggImpl *impl = a->match.func->agg;
    if (!impl)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "aggregate %s has no implementation", a->match.func->name);
    if (impl->step_strict)
        for (int i = 0; i < nargs; i++)
            if (args[i].null)
                return 0;
    FuncCallCtx f;
    agg_fctx(n, &f, a, &n->keep);
    return impl->step(&f, state, nargs, args, err);
}

static int agg_accumulate(ExecNode *n, AggGroup *g, const Value *in, SqlError *err)
{
    const Plan *p = n->plan;
    EvalCtx c;
    exec_ctx(n, &c, in, &n->out);
    for (int i = 0; i < p->n_aggs; i++) {
        const AggSpec *a = p->aggs[i];
        if (a->filter) {
            Value fv;
            if (eval_expr(&c, a->filter, &fv, err) != 0)
                return -1;
            if (!eval_value_true(&fv))
                continue;
        }
        int width = a->nargs + a->n_order;
        Value local[16];
        Value *vals = width <= 16 ? local : q_alloc(&n->out, sizeof(Value) * (size_t)width);
        if (!vals)
            return q_oom(err);
        for (int k = 0; k < a->nargs; k++)
            if (eval_expr(&c, a->args[k], &vals[k], err) != 0)
                return -1;
        if (agg_buffered(a)) {
            for (int k = 0; k < a->n_order; k++)
                if (eval_expr(&c, a->order_exprs[k], &vals[a->nargs + k], err) != 0)
                    return -1;
            BufRow *br = q_alloc(&n->keep, sizeof(BufRow));
            Value *row = br ? row_copy(&n->keep, vals, width) : NULL;
            if (!row)
                return q_oom(err);
            br->row = row;
            br->next = g->bufs[i];
            g->bufs[i] = br;
            g->nbuf[i]++;
            continue;
        }
        if (agg_step(n, a, g->states[i], a->nargs, vals, err) != 0)
            return -1;
    }
    return 0;
}

/* Feeds a buffered aggregate: sorted by ORDER BY (or the arguments for DISTINCT), with
 * duplicates of the arguments skipped for DISTINCT. */
static int agg_flush_buffer(ExecNode *n, const AggSpec *a, AggGroup *g, int i, SqlError *err)
{
    int64_t cnt = g->nbuf[i];
    if (cnt == 0)
        return 0;
    Value **rows = malloc(sizeof(Value *) * (size_t)cnt * 2);
    if (!rows)
        return q_oom(err);
    int64_t k = cnt;
    for (BufRow *b = g->bufs[i]; b; b = b->next)
        rows[--k] = b->row;
    SortKey local[16];
    const SortKey *keys = a->order;
    int nk = a->n_order;
    if (nk == 0) {
        nk = a->nargs < 16 ? a->nargs : 16;
        for (int x = 0; x < nk; x++) {
            local[x].col = x;
            local[x].desc = false;
            local[x].nulls_first = false;
        }
        keys = local;
    }
    q_sort_rows(rows, (size_t)cnt, keys, nk, rows + cnt);
    int rc = 0;
    for (int64_t r = 0; r < cnt && rc == 0; r++) {
        if (a->distinct && r > 0 && q_rows_equal(rows[r], rows[r - 1], a->nargs))
            continue;
        rc = agg_step(n, a, g->states[i], a->nargs, rows[r], err);
    }
    free(rows);
    g->nbuf[i] = 0;
    g->bufs[i] = NULL;
    return rc;
}

static int agg_emit(ExecNode *n, HEntry *e, SqlError *err)
{
    const Plan *p = n->plan;
    AggGroup *g = e->payload;
    int base = p->n_sets > 0 ? 1 : 0; /* grouping sets: the key starts with the set index */
    for (int k = 0; k < p->n_group; k++)
        n->row[k] = e->row[base + k];
    if (p->n_sets > 0)
        n->row[p->n_group + p->n_aggs] = e->row[0];
    for (int i = 0; i < p->n_aggs; i++) {
        const AggSpec *a = p->aggs[i];
        if (agg_buffered(a) && agg_flush_buffer(n, a, g, i, err) != 0)
            return -1;
        const SqlAggImpl *impl = a->match.func->agg;
        FuncCallCtx f;
        agg_fctx(n, &f, a, &n->out);
        Value v;
        if (impl->final(&f, g->states[i], &v, err) != 0)
            return -1;
        if (v.type == INVALIDOID)
            v.type = a->match.ret_type;
        n->row[p->n_group + i] = v;
    }
    return 0;
}

/* The group of key row keys[0..nk) (inserted when new: keys copied into the groups' arena). */
static HEntry *agg_group(ExecNode *n, const Value *keys, int nk, SqlError *err)
{
    uint64_t h = q_hash_row(keys, nk);
    HEntry *e = htable_find(&n->ht, keys, nk, h);
    if (e)
        return e;
    Value *row = row_copy(&n->keep, keys, nk);
    if (!row) {
        q_oom(err);
        return NULL;
    }
    AggGroup *g = group_new(n, err);
    if (!g)
        return NULL;
    e = htable_insert(&n->ht, &n->keep, row, h, err);
    if (e)
        e->payload = g;
    return e;
}

int exec_next_agg(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int ng = p->n_group;
    int nsets = p->n_sets;
    if (!n->opened) {
        n->opened = true;
        if (htable_init(&n->ht, err) != 0)
            return -1;
        Value *keys = q_alloc(&n->keep, sizeof(Value) * (size_t)(ng + 2));
        Value *skey = q_alloc(&n->keep, sizeof(Value) * (size_t)(ng + 2));
        if (!keys || !skey)
            return q_oom(err);
        if (ng == 0 && nsets == 0) {
            AggGroup *g = group_new(n, err);
            if (!g)
                return -1;
            HEntry *e = htable_insert(&n->ht, &n->keep, NULL, 0, err);
            if (!e)
                return -1;
            e->payload = g;
        }
        /* grouping sets without columns (the grand total) exist even without input rows */
        for (int si = 0; si < nsets; si++) {
            if (p->sets[si] != 0)
                continue;
            skey[0] = value_int(INT4OID, si);
            for (int k = 0; k < ng; k++)
                skey[1 + k] = value_null(p->group[k]->type);
            if (!agg_group(n, skey, ng + 1, err))
                return -1;
        }
        EvalCtx c;
        for (;;) {
            int rc = exec_next(n->left, err);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            qarena_reset(&n->out);
            exec_ctx(n, &c, n->left->row, &n->out);
            for (int k = 0; k < ng; k++)
                if (eval_expr(&c, p->group[k], &keys[k], err) != 0)
                    return -1;
            if (nsets == 0) {
                HEntry *e = ng == 0 ? n->ht.buckets[0] : agg_group(n, keys, ng, err);
                if (!e || agg_accumulate(n, e->payload, n->left->row, err) != 0)
                    return -1;
                continue;
            }
            for (int si = 0; si < nsets; si++) {
                skey[0] = value_int(INT4OID, si);
                for (int k = 0; k < ng; k++)
                    skey[1 + k] = ((p->sets[si] >> k) & 1) ? keys[k] : value_null(p->group[k]->type);
                HEntry *e = agg_group(n, skey, ng + 1, err);
                if (!e || agg_accumulate(n, e->payload, n->left->row, err) != 0)
                    return -1;
            }
        }
        n->i = 0;
        n->cur = NULL;
    }
    /* walk the buckets */
    for (;;) {
        if (n->cur)
            n->cur = n->cur->next;
        while (!n->cur && n->i < (int64_t)n->ht.nbuckets)
            n->cur = n->ht.buckets[n->i++];
        if (!n->cur)
            return 0;
        qarena_reset(&n->out);
        if (agg_emit(n, n->cur, err) != 0)
            return -1;
        return 1;
    }
}

/* ---- window functions ---------------------------------------------------------------- */

typedef struct WinState {
    int64_t nrows;
    Value **rows;               /* input rows (copies), malloc'd array */
    Value **res;                /* per row: results of every window (arena) */
    int64_t *order;             /* output order: row indexes (malloc'd) */
} WinState;

void exec_window_free(ExecNode *n)
{
    WinState *w = n->state;
    if (!w)
        return;
    free(w->rows);
    free(w->order);
    n->state = NULL;
}

typedef struct WinSortCtx {
    Value **keys;               /* per row: part ++ order values */
} WinSortCtx;

static int eval_win_keys(ExecNode *n, const WinSpec *ws, Value *row, Value **out, SqlError *err)
{
    int nk = ws->n_part + ws->n_order;
    Value *k = q_alloc(&n->keep, sizeof(Value) * (size_t)(nk + 1));
    if (!k)
        return q_oom(err);
    EvalCtx c;
    exec_ctx(n, &c, row, &n->keep);
    for (int i = 0; i < ws->n_part; i++)
        if (eval_expr(&c, ws->part[i], &k[i], err) != 0 || q_value_copy(&n->keep, &k[i], &k[i], err) != 0)
            return -1;
    for (int i = 0; i < ws->n_order; i++)
        if (eval_expr(&c, ws->order_exprs[i], &k[ws->n_part + i], err) != 0 ||
            q_value_copy(&n->keep, &k[ws->n_part + i], &k[ws->n_part + i], err) != 0)
            return -1;
    *out = k;
    return 0;
}

static int win_eval_arg(ExecNode *n, const WinSpec *ws, int arg, Value *row, Value *out, SqlError *err)
{
    EvalCtx c;
    exec_ctx(n, &c, row, &n->keep);
    if (eval_expr(&c, ws->agg.args[arg], out, err) != 0)
        return -1;
    return q_value_copy(&n->keep, out, out, err);
}

/* Peer groups of one partition: gstart[g] = first row of group g (absolute index),
 * gstart[ng] = partition end. */
typedef struct WinGroups {
    int64_t *gstart;
    int64_t ng;
} WinGroups;

/* Frame [*fs, *fe) within partition [ps, pe) for the row at position r, which is in peer
 * group g ([pk0, pk1)). */
/* RANGE with an offset: the first row of [ps, pe) at or after (want_end: after) the bound
 * key(cur) -/+ off, in the window's order (binary search; NULL keys sit at their end). */
static int range_bound(ExecNode *n, const WinSpec *ws, Value **keys, int64_t ps, int64_t pe, int64_t cur, bool preceding,
                       bool want_end, const Value *off, int64_t *pos, SqlError *err)
{
    int kc = ws->n_part;
    const SortKey *sk = &ws->order[0];
    const Value *cv = &keys[cur][kc];
    bool sub = preceding != sk->desc;
    EvalCtx c;
    exec_ctx(n, &c, NULL, &n->keep);
    Value bound;
    if (eval_call(&c, sub ? ws->range_sub : ws->range_add, 2, (Value[2]){*cv, *off}, &bound, err) != 0)
        return -1;
    int64_t lo = ps, hi = pe;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        const Value *kv = &keys[mid][kc];
        bool past; /* mid is past the point we look for */
        if (kv->null) {
            past = !sk->nulls_first;
        } else {
            Value k = *kv;
            if (k.type != bound.type && types_cast(n->qc->env->tc, kv, bound.type, -1, TYPES_COERCE_IMPLICIT, &n->keep, &k, err) != 0)
                return -1;
            int cmp = types_compare(&k, &bound);
            if (sk->desc)
                cmp = -cmp;
            past = want_end ? cmp > 0 : cmp >= 0;
        }
        if (past)
            hi = mid;
        else
            lo = mid + 1;
    }
    *pos = lo;
    return 0;
}

static int win_frame(ExecNode *n, const WinSpec *ws, Value **keys, int64_t ps, int64_t pe, int64_t r, int64_t pk0,
                     int64_t pk1, const WinGroups *wg, int64_t g, int64_t *fs, int64_t *fe, SqlError *err)
{
    int mode = ws->frame_mode;
    if (mode == AST_FRAME_DEFAULT) {
        *fs = ps;
        *fe = ws->n_order ? pk1 : pe;
        return 0;
    }
    EvalCtx c;
    exec_ctx(n, &c, NULL, &n->keep);
    int64_t s = ps, e = pe;
    int sb = ws->start_bound, eb = ws->end_bound == AST_BOUND_NONE ? AST_BOUND_CURRENT_ROW : ws->end_bound;
    Value off;
    bool groups = mode == AST_FRAME_GROUPS;
    switch (sb) {
    case AST_BOUND_UNBOUNDED_PRECEDING: s = ps; break;
    case AST_BOUND_CURRENT_ROW: s = mode == AST_FRAME_ROWS ? r : pk0; break;
    case AST_BOUND_OFFSET_PRECEDING: case AST_BOUND_OFFSET_FOLLOWING:
        if (eval_expr(&c, ws->start_offset, &off, err) != 0)
            return -1;
        if (off.null || (mode != AST_FRAME_RANGE && off.u.i < 0))
            return off.null ? SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "frame starting offset must not be null")
                            : SQL_ERR(err, INVALID_PRECEDING_OR_FOLLOWING_SIZE, "frame starting offset must not be negative");
        if (groups) {
            int64_t tg = sb == AST_BOUND_OFFSET_PRECEDING ? g - off.u.i : g + off.u.i;
            s = tg < 0 ? ps : tg >= wg->ng ? pe : wg->gstart[tg];
        } else if (mode == AST_FRAME_RANGE) {
            if (keys[r][ws->n_part].null)
                s = pk0;
            else if (range_bound(n, ws, keys, ps, pe, r, sb == AST_BOUND_OFFSET_PRECEDING, false, &off, &s, err) != 0)
                return -1;
        } else {
            s = sb == AST_BOUND_OFFSET_PRECEDING ? r - off.u.i : r + off.u.i;
        }
        break;
    default: s = pe; break;
    }
    switch (eb) {
    case AST_BOUND_UNBOUNDED_FOLLOWING: e = pe; break;
    case AST_BOUND_CURRENT_ROW: e = mode == AST_FRAME_ROWS ? r + 1 : pk1; break;
    case AST_BOUND_OFFSET_PRECEDING: case AST_BOUND_OFFSET_FOLLOWING:
        if (eval_expr(&c, ws->end_offset, &off, err) != 0)
            return -1;
        if (off.null || (mode != AST_FRAME_RANGE && off.u.i < 0))
            return off.null ? SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "frame ending offset must not be null")
                            : SQL_ERR(err, INVALID_PRECEDING_OR_FOLLOWING_SIZE, "frame ending offset must not be negative");
        if (groups) {
            int64_t tg = eb == AST_BOUND_OFFSET_PRECEDING ? g - off.u.i : g + off.u.i;
            e = tg < 0 ? ps : tg + 1 >= wg->ng ? pe : wg->gstart[tg + 1];
        } else if (mode == AST_FRAME_RANGE) {
            if (keys[r][ws->n_part].null)
                e = pk1;
            else if (range_bound(n, ws, keys, ps, pe, r, eb == AST_BOUND_OFFSET_PRECEDING, true, &off, &e, err) != 0)
                return -1;
        } else {
            e = (eb == AST_BOUND_OFFSET_PRECEDING ? r - off.u.i : r + off.u.i) + 1;
        }
        break;
    default: e = ps; break;
    }
    if (s < ps)
        s = ps;
    if (e > pe)
        e = pe;
    if (e < s)
        e = s;
    *fs = s;
    *fe = e;
    return 0;
}

/* EXCLUDE: is frame row t left out for the current row cur (peers [pk0, pk1))? */
static bool win_excluded(const WinSpec *ws, int64_t t, int64_t cur, int64_t pk0, int64_t pk1)
{
    switch (ws->exclude) {
    case AST_EXCLUDE_CURRENT_ROW: return t == cur;
    case AST_EXCLUDE_GROUP: return t >= pk0 && t < pk1;
    case AST_EXCLUDE_TIES: return t >= pk0 && t < pk1 && t != cur;
    default: return false;
    }
}

static int window_compute(ExecNode *n, WinState *w, const WinSpec *ws, int slot, int64_t *idx, SqlError *err)
{
    int64_t nr = w->nrows;
    int nk = ws->n_part + ws->n_order;
    Value **keys = malloc(sizeof(Value *) * (size_t)(nr > 0 ? nr : 1) * 2);
    if (!keys)
        return q_oom(err);
    int rc = -1;
    WinGroups wg = {NULL, 0};
    for (int64_t i = 0; i < nr; i++)
        if (eval_win_keys(n, ws, w->rows[i], &keys[i], err) != 0)
            goto out;
    /* sort (key row, index) pairs: append the row index as a hidden int8 key */
    for (int64_t i = 0; i < nr; i++) {
        Value *k = q_alloc(&n->keep, sizeof(Value) * (size_t)(nk + 1));
        if (!k) {
            q_oom(err);
            goto out;
        }
        memcpy(k, keys[i], sizeof(Value) * (size_t)nk);
        k[nk] = value_int(INT8OID, i);
        keys[i] = k;
    }
    {
        SortKey *sk = q_alloc(&n->keep, sizeof(SortKey) * (size_t)(nk + 1));
        if (!sk) {
            q_oom(err);
            goto out;
        }
        for (int i = 0; i < ws->n_part; i++) {
            sk[i].col = i;
            sk[i].desc = false;
            sk[i].nulls_first = false;
        }
        for (int i = 0; i < ws->n_order; i++)
            sk[ws->n_part + i] = ws->order[i];
        sk[nk].col = nk;
        sk[nk].desc = false;
        sk[nk].nulls_first = false;
        q_sort_rows(keys, (size_t)nr, sk, nk + 1, keys + nr);
    }
    for (int64_t i = 0; i < nr; i++)
        idx[i] = keys[i][nk].u.i;
    const AggSpec *a = &ws->agg;
    wg.gstart = malloc(sizeof(int64_t) * (size_t)(nr + 2));
    if (!wg.gstart) {
        q_oom(err);
        goto out;
    }
    for (int64_t ps = 0; ps < nr;) {
        int64_t pe = ps + 1;
        while (pe < nr && q_rows_equal(keys[pe], keys[ps], ws->n_part))
            pe++;
        wg.ng = 0;
        for (int64_t x = ps; x < pe; x++)
            if (x == ps || !q_rows_equal(keys[x] + ws->n_part, keys[x - 1] + ws->n_part, ws->n_order))
                wg.gstart[wg.ng++] = x;
        wg.gstart[wg.ng] = pe;
        int64_t gno = -1;
        int64_t np = pe - ps;
        int64_t rank = 1, dense = 0;
        void *state = NULL;
        int64_t fed_to = ps;     /* incremental aggregate: rows [ps, fed_to) stepped */
        bool incremental = ws->fn == WIN_AGG && ws->exclude == AST_EXCLUDE_NONE &&
            (ws->frame_mode == AST_FRAME_DEFAULT || ws->start_bound == AST_BOUND_UNBOUNDED_PRECEDING);
        for (int64_t r = ps; r < pe;) {
            int64_t pk1 = r + 1;
            while (pk1 < pe && q_rows_equal(keys[pk1] + ws->n_part, keys[r] + ws->n_part, ws->n_order))
                pk1++;
            dense++;
            gno++;
            rank = r - ps + 1;
            for (int64_t cur = r; cur < pk1; cur++) {
                Value *res = &w->res[idx[cur]][slot];
                int64_t pos = cur - ps;
                switch (ws->fn) {
                case WIN_ROW_NUMBER: *res = value_int(INT8OID, pos + 1); break;
                case WIN_RANK: *res = value_int(INT8OID, rank); break;
                case WIN_DENSE_RANK: *res = value_int(INT8OID, dense); break;
                case WIN_PERCENT_RANK:
                    *res = value_float(FLOAT8OID, np > 1 ? (double)(rank - 1) / (double)(np - 1) : 0.0);
                    break;
                case WIN_CUME_DIST: *res = value_float(FLOAT8OID, (double)(pk1 - ps) / (double)np); break;
                case WIN_NTILE: {
                    Value k;
                    if (win_eval_arg(n, ws, 0, w->rows[idx[cur]], &k, err) != 0)
                        goto out;
                    if (k.null) {
                        *res = value_null(INT4OID);
                        break;
                    }
                    if (k.u.i <= 0) {
                        SQL_ERR(err, INVALID_ARGUMENT_FOR_NTILE, "argument of ntile must be greater than zero");
                        goto out;
                    }
                    int64_t buckets = k.u.i, per = np / buckets, extra = np % buckets;
                    int64_t b;
                    if (per == 0) {
                        b = pos + 1;
                    } else if (pos < extra * (per + 1)) {
                        b = pos / (per + 1) + 1;
                    } else {
                        b = extra + (pos - extra * (per + 1)) / per + 1;
                    }
                    *res = value_int(INT4OID, b);
                    break;
                }
                case WIN_LAG: case WIN_LEAD: {
                    int64_t off = 1;
                    if (a->nargs > 1) {
                        Value o;
                        if (win_eval_arg(n, ws, 1, w->rows[idx[cur]], &o, err) != 0)
                            goto out;
                        if (o.null) {
                            *res = value_null(UNKNOWNOID);
                            break;
                        }
                        off = o.u.i;
                    }
                    int64_t t = ws->fn == WIN_LAG ? cur - off : cur + off;
                    if (t >= ps && t < pe) {
                        if (win_eval_arg(n, ws, 0, w->rows[idx[t]], res, err) != 0)
                            goto out;
                    } else if (a->nargs > 2) {
                        if (win_eval_arg(n, ws, 2, w->rows[idx[cur]], res, err) != 0)
                            goto out;
                    } else {
                        *res = value_null(UNKNOWNOID);
                    }
                    break;
                }
                case WIN_FIRST_VALUE: case WIN_LAST_VALUE: case WIN_NTH_VALUE: {
                    int64_t fs, fe;
                    if (win_frame(n, ws, keys, ps, pe, cur, r, pk1, &wg, gno, &fs, &fe, err) != 0)
                        goto out;
                    int64_t t = -1;
                    if (ws->fn == WIN_FIRST_VALUE) {
                        for (int64_t x = fs; x < fe && t < 0; x++)
                            if (!win_excluded(ws, x, cur, r, pk1))
                                t = x;
                    } else if (ws->fn == WIN_LAST_VALUE) {
                        for (int64_t x = fe - 1; x >= fs && t < 0; x--)
                            if (!win_excluded(ws, x, cur, r, pk1))
                                t = x;
                    } else {
                        Value k;
                        if (win_eval_arg(n, ws, 1, w->rows[idx[cur]], &k, err) != 0)
                            goto out;
                        if (!k.null && k.u.i <= 0) {
                            SQL_ERR(err, INVALID_PARAMETER_VALUE, "argument of nth_value must be greater than zero");
                            goto out;
                        }
                        int64_t left = k.null ? -1 : k.u.i;
                        for (int64_t x = fs; x < fe && t < 0 && left > 0; x++)
                            if (!win_excluded(ws, x, cur, r, pk1) && --left == 0)
                                t = x;
                    }
                    if (t >= 0) {
                        if (win_eval_arg(n, ws, 0, w->rows[idx[t]], res, err) != 0)
                            goto out;
                    } else {
                        *res = value_null(UNKNOWNOID);
                    }
                    break;
                }
                case WIN_AGG: {
                    int64_t fs, fe;
                    if (win_frame(n, ws, keys, ps, pe, cur, r, pk1, &wg, gno, &fs, &fe, err) != 0)
                        goto out;
                    const SqlAggImpl *impl = a->match.func->agg;
                    if (!incremental || !state) {
                        state = q_alloc(&n->keep, impl->state_size + 8);
                        if (!state) {
                            q_oom(err);
                            goto out;
                        }
                        memset(state, 0, impl->state_size + 8);
                        fed_to = fs;
                    }
                    for (; fed_to < fe; fed_to++) {
                        if (win_excluded(ws, fed_to, cur, r, pk1))
                            continue;
                        Value *row = w->rows[idx[fed_to]];
                        EvalCtx c;
                        exec_ctx(n, &c, row, &n->out);
                        if (a->filter) {
                            Value fv;
                            if (eval_expr(&c, a->filter, &fv, err) != 0)
                                goto out;
                            if (!eval_value_true(&fv))
                                continue;
                        }
                        Value args[8];
                        for (int k = 0; k < a->nargs && k < 8; k++)
                            if (eval_expr(&c, a->args[k], &args[k], err) != 0)
                                goto out;
                        qarena_reset(&n->out);
                        if (agg_step(n, a, state, a->nargs, args, err) != 0)
                            goto out;
                    }
                    FuncCallCtx f;
                    agg_fctx(n, &f, a, &n->keep);
                    if (impl->final(&f, state, res, err) != 0)
                        goto out;
                    if (res->type == INVALIDOID)
                        res->type = a->match.ret_type;
                    if (!incremental)
                        state = NULL;
                    break;
                }
                }
            }
            r = pk1;
        }
        ps = pe;
    }
    rc = 0;
out:
    free(wg.gstart);
    free(keys);
    return rc;
}

int exec_next_window(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int in_width = p->n_exprs;
    WinState *w = n->state;
    if (!n->opened) {
        n->opened = true;
        w = q_alloc(&n->keep, sizeof(WinState));
        if (!w)
            return q_oom(err);
        memset(w, 0, sizeof(*w));
        n->state = w;
        RowVec rv = {0};
        for (;;) {
            int rc = exec_next(n->left, err);
            if (rc < 0) {
                rowvec_free(&rv);
                return -1;
            }
            if (rc == 0)
                break;
            Value *row = row_copy(&n->keep, n->left->row, in_width);
            if (!row || rowvec_push(&rv, row, err) != 0) {
                rowvec_free(&rv);
                return q_oom(err);
            }
        }
        w->rows = rv.rows;
        w->nrows = (int64_t)rv.n;
        w->res = q_alloc(&n->keep, sizeof(Value *) * (size_t)(w->nrows + 1));
        w->order = malloc(sizeof(int64_t) * (size_t)(w->nrows + 1));
        if (!w->res || !w->order)
            return q_oom(err);
        for (int64_t i = 0; i < w->nrows; i++) {
            w->res[i] = q_alloc(&n->keep, sizeof(Value) * (size_t)p->n_wins);
            if (!w->res[i])
                return q_oom(err);
        }
        for (int k = 0; k < p->n_wins; k++)
            if (window_compute(n, w, p->wins[k], k, w->order, err) != 0)
                return -1;
        n->i = 0;
    }
    if (n->i >= w->nrows)
        return 0;
    int64_t r = w->order[n->i++];
    memcpy(n->row, w->rows[r], sizeof(Value) * (size_t)in_width);
    for (int k = 0; k < p->n_wins; k++) {
        Value v = w->res[r][k];
        n->row[in_width + k] = v;
    }
    return 1;
}
