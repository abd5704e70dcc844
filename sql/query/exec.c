/* exec.c -- the executor's node machinery (build, next, rescan, close) and the row-source
 * nodes: Result, Values, table scans (sequential / index, with FOR UPDATE locking), function
 * scans, sub-query and CTE scans, nested-loop and hash joins, Project, Filter, Limit.
 * Aggregation, windows, sorting and set operations live in exec_agg.c / exec_sort.c. */
#include <string.h>
#include <time.h>

#include "sql/pgcat/pgcat.h"
#include "sql/query/exec_int.h"


static bool is_from_level(PlanKind k)
{
    switch (k) {
    case PLAN_RESULT: case PLAN_SEQSCAN: case PLAN_INDEXSCAN: case PLAN_FUNCSCAN:
    case PLAN_SUBQUERYSCAN: case PLAN_CTESCAN: case PLAN_WORKTABLE: case PLAN_NESTLOOP:
    case PLAN_HASHJOIN: case PLAN_VIRTUALSCAN: case PLAN_SEQUENCESCAN:
        return true;
    default:
        return false;
    }
}

void exec_ctx(ExecNode *n, EvalCtx *c, const Value *row, ShaleArena *a)
{
    c->qc = n->qc;
    c->row = row;
    c->outer = n->outer;
    c->arena = a;
    c->case_val = value_null(UNKNOWNOID);
}

ExecNode *exec_build(QueryCursor *qc, const Plan *p, Value *wide, const EvalCtx *outer, SqlError *err)
{
    ExecNode *n = q_alloc(qc->arena, sizeof(ExecNode));
    if (!n) {
        q_oom(err);
        return NULL;
    }
    memset(n, 0, sizeof(*n));
    n->plan = p;
    n->qc = qc;
    n->outer = outer;
    shale_arena_init(&n->out);
    shale_arena_init(&n->keep);
    rel_row_init(&n->rr);
    shale_buf_init(&n->kbuf);
    shale_buf_init(&n->kbuf2);
    if (qc->nodes && p->id < qc->q->n_plans && !qc->nodes[p->id])
        qc->nodes[p->id] = n;
    if (is_from_level(p->kind)) {
        if (!wide) {
            wide = q_alloc(qc->arena, sizeof(Value) * (size_t)(p->ncols + 1));
            if (!wide) {
                q_oom(err);
                return NULL;
            }
            for (int i = 0; i <= p->ncols; i++)
                wide[i] = value_null(UNKNOWNOID);
        }
        n->wide = wide;
        n->row = wide;
    } else {
        n->row = q_alloc(qc->arena, sizeof(Value) * (size_t)(p->ncols + 1));
        if (!n->row) {
            q_oom(err);
            return NULL;
        }
    }
    switch (p->kind) {
    case PLAN_NESTLOOP: case PLAN_HASHJOIN:
        n->left = exec_build(qc, p->left, wide, outer, err);
        n->right = n->left ? exec_build(qc, p->right, wide, outer, err) : NULL;
        if (!n->right)
            return NULL;
        break;
    case PLAN_SUBQUERYSCAN:
        n->subctx.qc = qc;
        n->subctx.row = wide;
        n->subctx.outer = outer;
        n->subctx.arena = &n->out;
        n->left = exec_build(qc, p->left, NULL, &n->subctx, err);
        if (!n->left)
            return NULL;
        break;
    case PLAN_RESULT: case PLAN_SEQSCAN: case PLAN_INDEXSCAN: case PLAN_FUNCSCAN:
    case PLAN_CTESCAN: case PLAN_WORKTABLE: case PLAN_VALUES: case PLAN_VIRTUALSCAN: case PLAN_SEQUENCESCAN:
        break;
    case PLAN_SETOP: case PLAN_RECURSIVE:
        n->left = exec_build(qc, p->left, NULL, outer, err);
        n->right = n->left ? exec_build(qc, p->right, NULL, outer, err) : NULL;
        if (!n->right)
            return NULL;
        break;
    default:
        n->left = exec_build(qc, p->left, NULL, outer, err);
        if (!n->left)
            return NULL;
        if (p->kind == PLAN_FILTER)
            n->row = n->left->row;
        break;
    }
    return n;
}

void exec_set_outer(ExecNode *n, const EvalCtx *outer)
{
    if (!n)
        return;
    n->outer = outer;
    if (n->plan->kind == PLAN_SUBQUERYSCAN) {
        n->subctx.outer = outer;
        exec_set_outer(n->left, &n->subctx);
        return;
    }
    exec_set_outer(n->left, outer);
    exec_set_outer(n->right, outer);
}

static void node_reset(ExecNode *n)
{
    if (n->scan) {
        rel_scan_close(n->scan);
        n->scan = NULL;
    }
    rowvec_free(&n->vec);
    htable_free(&n->ht);
    if (n->state && n->plan->kind == PLAN_WINDOW)
        exec_window_free(n);
    if (n->state && n->plan->kind == PLAN_INDEXSCAN && n->plan->ib.vec_order)
        exec_vector_close(n);
    else if (n->state && (n->plan->kind == PLAN_SEQSCAN || n->plan->kind == PLAN_INDEXSCAN))
        rel_row_free((RelRow *)n->state);
    n->looped = false;
    shale_arena_destroy(&n->keep);
    shale_arena_init(&n->keep);
    n->opened = false;
    n->done = false;
    n->phase = 0;
    n->i = n->n = 0;
    n->cur = NULL;
    n->state = NULL;
    n->matched = false;
    n->flag = false;
}

void exec_rescan(ExecNode *n)
{
    if (!n)
        return;
    node_reset(n);
    exec_rescan(n->left);
    exec_rescan(n->right);
}

void exec_close(ExecNode *n)
{
    if (!n)
        return;
    exec_close(n->left);
    exec_close(n->right);
    node_reset(n);
    shale_arena_destroy(&n->out);
    shale_arena_destroy(&n->keep);
    rel_row_free(&n->rr);
    shale_buf_free(&n->kbuf);
    shale_buf_free(&n->kbuf2);
    n->vals = NULL;
}

/* ---- scans ------------------------------------------------------------------------------------ */

static int check_cancel(QueryCursor *qc, SqlError *err)
{
    if (qc->env->hooks.cancelled && qc->env->hooks.cancelled(qc->env->hooks.arg))
        return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
    return 0;
}

/* Opens the scan for the next key range (IN lists produce several). 1 opened, 0 none left. */
static int scan_open_range(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    QueryCursor *qc = n->qc;
    RelScanSpec spec;
    memset(&spec, 0, sizeof(spec));
    if (p->kind == PLAN_SEQSCAN) {
        if (n->i > 0)
            return 0;
        n->i = 1;
        return rel_scan_open(qc->env->txn, p->rel, &spec, &n->scan, err) == 0 ? 1 : -1;
    }
    const IndexBounds *ib = &p->ib;
    spec.index = ib->index;
    spec.backward = ib->backward;
    EvalCtx c;
    exec_ctx(n, &c, n->wide, &n->keep);
    Value vals[34];
    int nv = ib->n_eq;
    if (nv > 32)
        nv = 32;
    for (int i = 0; i < nv; i++) {
        if (eval_expr(&c, ib->eq[i], &vals[i], err) != 0)
            return -1;
        if (vals[i].null)
            return 0; /* col = NULL matches nothing */
    }
    if (ib->n_in > 0) {
        /* distinct IN values in key order, one point range each */
        if (!n->flag) {
            n->flag = true;
            Value *in = q_alloc(&n->keep, sizeof(Value) * (size_t)ib->n_in);
            if (!in)
                return q_oom(err);
            int k = 0;
            for (int i = 0; i < ib->n_in; i++) {
                Value v;
                if (eval_expr(&c, ib->in[i], &v, err) != 0)
                    return -1;
                if (v.null)
                    continue;
                bool dup = false;
                for (int j = 0; j < k; j++)
                    if (types_compare(&in[j], &v) == 0)
                        dup = true;
                if (!dup)
                    in[k++] = v;
            }
            n->vals = in;
            n->n = k;
        }
        if (n->i >= n->n)
            return 0;
        vals[nv++] = n->vals[n->i++];
        shale_buf_reset(&n->kbuf);
        if (rel_encode_index_values(p->rel, ib->index, vals, nv, &n->kbuf, err) != 0)
            return -1;
        spec.lo = spec.hi = n->kbuf.data;
        spec.lolen = spec.hilen = n->kbuf.len;
        spec.lo_inclusive = spec.hi_inclusive = true;
        return rel_scan_open(qc->env->txn, p->rel, &spec, &n->scan, err) == 0 ? 1 : -1;
    }
    if (n->i > 0)
        return 0;
    n->i = 1;
    shale_buf_reset(&n->kbuf);
    shale_buf_reset(&n->kbuf2);
    bool have_lo = nv > 0, have_hi = nv > 0;
    spec.lo_inclusive = spec.hi_inclusive = true;
    if (ib->lo) {
        if (eval_expr(&c, ib->lo, &vals[nv], err) != 0)
            return -1;
        if (vals[nv].null)
            return 0;
        if (rel_encode_index_values(p->rel, ib->index, vals, nv + 1, &n->kbuf, err) != 0)
            return -1;
        spec.lo_inclusive = ib->lo_incl;
        have_lo = true;
    } else if (nv > 0 && rel_encode_index_values(p->rel, ib->index, vals, nv, &n->kbuf, err) != 0) {
        return -1;
    }
    if (ib->hi) {
        Value save = vals[nv];
        if (eval_expr(&c, ib->hi, &vals[nv], err) != 0)
            return -1;
        if (vals[nv].null)
            return 0;
        if (rel_encode_index_values(p->rel, ib->index, vals, nv + 1, &n->kbuf2, err) != 0)
            return -1;
        spec.hi_inclusive = ib->hi_incl;
        have_hi = true;
        (void)save;
    } else if (nv > 0 && rel_encode_index_values(p->rel, ib->index, vals, nv, &n->kbuf2, err) != 0) {
        return -1;
    }
    if (n->kbuf.oom || n->kbuf2.oom)
        return q_oom(err);
    if (have_lo) {
        spec.lo = n->kbuf.data;
        spec.lolen = n->kbuf.len;
    }
    if (have_hi) {
        spec.hi = n->kbuf2.data;
        spec.hilen = n->kbuf2.len;
    }
    return rel_scan_open(qc->env->txn, p->rel, &spec, &n->scan, err) == 0 ? 1 : -1;
}

static void fill_segment(ExecNode *n, const RelRow *r)
{
    const RTE *rte = n->plan->rte;
    Value *seg = n->wide + rte->offset;
    for (int i = 0; i < rte->ncols; i++)
        seg[i] = i < r->nvals ? r->vals[i] : value_null(rte->coltypes[i]);
}

/* The next row of a primary-key point lookup (one key, or one per IN value): 1 found, 0
 * when the keys are exhausted. */
static int point_next(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    const IndexBounds *ib = &p->ib;
    EvalCtx c;
    exec_ctx(n, &c, n->wide, &n->keep);
    Value vals[34];
    int nv = ib->n_eq;
    if (!n->flag) {
        n->flag = true;
        n->n = 0;
        Value *in = q_alloc(&n->keep, sizeof(Value) * (size_t)(ib->n_in + 1));
        if (!in)
            return q_oom(err);
        if (ib->n_in == 0) {
            n->n = 1;
        } else {
            for (int i = 0; i < ib->n_in; i++) {
                Value v;
                if (eval_expr(&c, ib->in[i], &v, err) != 0)
                    return -1;
                if (v.null)
                    continue;
                bool dup = false;
                for (int j = 0; j < n->n && !dup; j++)
                    dup = types_compare(&in[j], &v) == 0;
                if (!dup)
                    in[n->n++] = v;
            }
            if (n->n > 1) {
                /* key order, as a range scan would return them */
                for (int64_t i = 1; i < n->n; i++)
                    for (int64_t j = i; j > 0 && types_compare(&in[j - 1], &in[j]) > 0; j--) {
                        Value t = in[j];
                        in[j] = in[j - 1];
                        in[j - 1] = t;
                    }
            }
        }
        n->vals = in;
        n->i = 0;
    }
    while (n->i < n->n) {
        int64_t k = n->i++;
        bool null = false;
        for (int i = 0; i < nv; i++) {
            if (eval_expr(&c, ib->eq[i], &vals[i], err) != 0)
                return -1;
            null = null || vals[i].null;
        }
        if (null)
            return 0;
        if (ib->n_in)
            vals[nv] = n->vals[k];
        int rc = rel_lookup_unique(n->qc->env->txn, p->rel, NULL, vals, REL_LOCK_NONE, &n->rr, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int exec_next_scan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    QueryCursor *qc = n->qc;
    EvalCtx c;
    if (p->kind == PLAN_INDEXSCAN && p->ib.vec_order)
        return exec_vector_next(n, err);
    for (;;) {
        if (p->kind == PLAN_INDEXSCAN && p->ib.unique_point) {
            int rc = point_next(n, err);
            if (rc <= 0)
                return rc;
        } else if (!n->scan) {
            if (n->done)
                return 0;
            int rc = scan_open_range(n, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                n->done = true;
                return 0;
            }
        }
        if (n->scan) {
            int rc = rel_scan_next(n->scan, &n->rr, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                rel_scan_close(n->scan);
                n->scan = NULL;
                continue;
            }
        }
        if ((++n->ticks & 1023) == 0 && check_cancel(qc, err) != 0)
            return -1;
        fill_segment(n, &n->rr);
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (!pass)
            continue;
        if (p->lock_mode != REL_LOCK_NONE) {
            RelRow *latest = (RelRow *)n->state;
            if (!latest) {
                latest = q_alloc(qc->arena, sizeof(RelRow));
                if (!latest)
                    return q_oom(err);
                rel_row_init(latest);
                n->state = latest;
            }
            RelLockResult res;
            if (rel_lock_row(qc->env->txn, p->rel, n->rr.key.data, n->rr.key.len, (RelLockMode)p->lock_mode,
                             latest, &res, err) != 0)
                return -1;
            if (res == REL_ROW_DELETED)
                continue;
            if (res == REL_ROW_UPDATED) {
                fill_segment(n, latest);
                if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
                    return -1;
                if (!pass)
                    continue;
            }
        }
        return 1;
    }
}

/* ---- function / sub-query / CTE scans --------------------------------------------------- */

static int exec_next_funcscan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    const RTE *rte = p->rte;
    Value *seg = n->wide + rte->offset;
    const Expr *e = p->exprs[0];
    bool ord = p->distinct_on;
    int nout = rte->ncols - (ord ? 1 : 0);
    EvalCtx c;
    for (;;) {
        if (n->done)
            return 0;
        qarena_reset(&n->out);
        if (e->kind != EXPR_SRF) {
            if (n->phase > 0) {
                n->done = true;
                return 0;
            }
            n->phase = 1;
            exec_ctx(n, &c, n->wide, &n->out);
            if (eval_expr(&c, e, &seg[0], err) != 0)
                return -1;
        } else {
            const SqlSrfImpl *srf = e->u.srf.m->func->srf;
            FuncCallCtx *f = n->state;
            if (!f) {
                f = q_alloc(&n->keep, sizeof(FuncCallCtx) + srf->state_size + 16);
                if (!f)
                    return q_oom(err);
                exec_ctx(n, &c, n->wide, &n->keep);
                Value args[TYPES_FUNC_MAX_ARGS];
                for (int i = 0; i < e->nargs; i++)
                    if (eval_expr(&c, e->args[i], &args[i], err) != 0)
                        return -1;
                eval_func_ctx(&c, f, e->u.srf.m, e->nargs);
                f->arena = &n->keep;
                void *st = (char *)f + ((sizeof(FuncCallCtx) + 7) & ~(size_t)7);
                memset(st, 0, srf->state_size);
                bool null_arg = false;
                for (int i = 0; i < e->nargs; i++)
                    if (args[i].null && e->u.srf.m->func->strict)
                        null_arg = true;
                n->state = f;
                if (null_arg) {
                    n->done = true;
                    return 0;
                }
                if (srf->open(f, st, e->nargs, args, err) != 0)
                    return -1;
            }
            void *st = (char *)f + ((sizeof(FuncCallCtx) + 7) & ~(size_t)7);
            f->arena = &n->keep; /* SRFs may allocate state in next(): keep it for the iteration */
            int rc = srf->next(f, st, seg, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                n->done = true;
                return 0;
            }
            for (int i = 0; i < nout; i++)
                if (seg[i].type == INVALIDOID)
                    seg[i].type = rte->coltypes[i];
        }
        if (ord)
            seg[nout] = value_int(INT8OID, ++n->i);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}

static int exec_next_subqueryscan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    const RTE *rte = p->rte;
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        memcpy(n->wide + rte->offset, n->left->row, sizeof(Value) * (size_t)rte->ncols);
        EvalCtx c;
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}

static int exec_next_ctescan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    const RTE *rte = p->rte;
    QueryCursor *qc = n->qc;
    RowVec *rows;
    if (p->kind == PLAN_WORKTABLE) {
        rows = qc->ctes[p->cte_id].work;
        if (!rows)
            return 0;
    } else {
        if (exec_cte_materialize(qc, p->cte_id, err) != 0)
            return -1;
        rows = &qc->ctes[p->cte_id].rows;
    }
    for (;;) {
        if ((size_t)n->i >= rows->n)
            return 0;
        memcpy(n->wide + rte->offset, rows->rows[n->i++], sizeof(Value) * (size_t)rte->ncols);
        EvalCtx c;
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}

/* ---- system catalog tables (sql/pgcat) ------------------------------------------------- */

static int vscan_emit(void *arg, const Value *vals, SqlError *err)
{
    ExecNode *n = arg;
    Value *row = row_copy(&n->keep, vals, n->plan->vtab->ncols);
    if (!row || rowvec_push(&n->vec, row, err) != 0)
        return q_oom(err);
    return 0;
}

static int exec_next_virtualscan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    const RTE *rte = p->rte;
    if (!n->opened) {
        n->opened = true;
        if (p->vtab->rows(n->qc->env, &n->keep, vscan_emit, n, err) != 0)
            return -1;
    }
    for (;;) {
        if ((size_t)n->i >= n->vec.n)
            return 0;
        const Value *r = n->vec.rows[n->i++];
        for (int c = 0; c < rte->ncols; c++) {
            n->wide[rte->offset + c] = r[c];
            if (r[c].type == INVALIDOID)
                n->wide[rte->offset + c].type = rte->coltypes[c];
        }
        EvalCtx c;
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}

/* One row: the sequence's state as PostgreSQL shows it (log_cnt is always 0 here). */
static int exec_next_sequencescan(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    if (n->done)
        return 0;
    n->done = true;
    int64_t last;
    bool called;
    if (rel_seq_state(n->qc->env->rdb, n->qc->env->database_oid, p->rel, &last, &called, err) != 0)
        return -1;
    Value *seg = n->wide + p->rte->offset;
    seg[0] = value_int(INT8OID, last);
    seg[1] = value_int(INT8OID, 0);
    seg[2] = value_bool(called);
    EvalCtx c;
    exec_ctx(n, &c, n->wide, &n->out);
    bool pass;
    if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
        return -1;
    return pass ? 1 : 0;
}

/* ---- joins ---------------------------------------------------------------------------------- */

static void null_span(Value *wide, int off, int n)
{
    for (int i = 0; i < n; i++)
        wide[off + i] = value_null(wide[off + i].type);
}

/* FULL JOIN without hashable conditions: the inner rows are materialised with a matched
 * flag each (HEntry.count), then the unmatched ones follow the outer rows. */
static int exec_next_nestloop_full(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    EvalCtx c;
    if (!n->opened) {
        n->opened = true;
        for (;;) {
            int rc = exec_next(n->right, err);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            HEntry *e = q_alloc(&n->keep, sizeof(HEntry));
            Value *seg = row_copy(&n->keep, n->wide + p->r_off, p->r_n);
            if (!e || !seg || rowvec_push(&n->vec, (Value *)e, err) != 0)
                return q_oom(err);
            memset(e, 0, sizeof(*e));
            e->row = seg;
        }
    }
    for (;;) {
        if (n->phase == 2) {
            while ((size_t)n->i < n->vec.n) {
                HEntry *e = (HEntry *)(void *)n->vec.rows[n->i++];
                if (e->count)
                    continue;
                memcpy(n->wide + p->r_off, e->row, sizeof(Value) * (size_t)p->r_n);
                null_span(n->wide, p->l_off, p->l_n);
                return 1;
            }
            return 0;
        }
        if (n->phase == 0) {
            int rc = exec_next(n->left, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                n->phase = 2;
                n->i = 0;
                continue;
            }
            n->matched = false;
            n->phase = 1;
            n->i = 0;
        }
        while ((size_t)n->i < n->vec.n) {
            HEntry *e = (HEntry *)(void *)n->vec.rows[n->i++];
            memcpy(n->wide + p->r_off, e->row, sizeof(Value) * (size_t)p->r_n);
            qarena_reset(&n->out);
            exec_ctx(n, &c, n->wide, &n->out);
            bool pass;
            if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
                return -1;
            if (pass) {
                e->count = 1;
                n->matched = true;
                return 1;
            }
        }
        n->phase = 0;
        if (!n->matched) {
            null_span(n->wide, p->r_off, p->r_n);
            return 1;
        }
    }
}

static int exec_next_nestloop(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    EvalCtx c;
    if (p->jointype == JOIN_FULL)
        return exec_next_nestloop_full(n, err);
    for (;;) {
        if (n->phase == 0) {
            int rc = exec_next(n->left, err);
            if (rc <= 0)
                return rc;
            exec_rescan(n->right);
            n->matched = false;
            n->phase = 1;
        }
        int rc = exec_next(n->right, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            n->phase = 0;
            if (p->jointype == JOIN_LEFT && !n->matched) {
                null_span(n->wide, p->r_off, p->r_n);
                return 1;
            }
            continue;
        }
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->wide, &n->out);
        bool pass;
        if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
            return -1;
        if (pass) {
            n->matched = true;
            return 1;
        }
    }
}

static bool keys_equal(const Value *a, const Value *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].null || b[i].null)
            return false;
        bool ai = a[i].type == INT2OID || a[i].type == INT4OID || a[i].type == INT8OID;
        bool bi = b[i].type == INT2OID || b[i].type == INT4OID || b[i].type == INT8OID;
        if (ai && bi) {
            if (a[i].u.i != b[i].u.i)
                return false;
        } else if (types_compare(&a[i], &b[i]) != 0) {
            return false;
        }
    }
    return true;
}

static uint64_t hash_keys(const Value *k, int n)
{
    return q_hash_row(k, n);
}

/* Build: every inner row as [keys..., inner span...] in the hash table. */
static int hash_build(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    EvalCtx c;
    if (htable_init(&n->ht, err) != 0)
        return -1;
    int nk = p->n_hash;
    for (;;) {
        int rc = exec_next(n->right, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        Value *row = q_alloc(&n->keep, sizeof(Value) * (size_t)(nk + p->r_n));
        if (!row)
            return q_oom(err);
        exec_ctx(n, &c, n->wide, &n->keep);
        bool has_null = false;
        for (int i = 0; i < nk; i++) {
            Value v;
            if (eval_expr(&c, p->hash_r[i], &v, err) != 0 || q_value_copy(&n->keep, &v, &row[i], err) != 0)
                return -1;
            if (v.null)
                has_null = true;
        }
        for (int i = 0; i < p->r_n; i++)
            if (q_value_copy(&n->keep, &n->wide[p->r_off + i], &row[nk + i], err) != 0)
                return -1;
        if (has_null && p->jointype != JOIN_FULL)
            continue;
        if (!htable_insert(&n->ht, &n->keep, row, has_null ? 0 : hash_keys(row, nk), err))
            return -1;
    }
    return 0;
}

static int exec_next_hashjoin(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int nk = p->n_hash;
    EvalCtx c;
    if (!n->opened) {
        n->opened = true;
        if (hash_build(n, err) != 0)
            return -1;
        n->vals = q_alloc(&n->keep, sizeof(Value) * (size_t)(nk + 1));
        if (!n->vals)
            return q_oom(err);
    }
    for (;;) {
        if (n->phase == 2) {
            /* FULL JOIN: inner rows never matched */
            while (n->i < (int64_t)n->ht.nbuckets) {
                if (!n->cur)
                    n->cur = n->ht.buckets[n->i];
                else
                    n->cur = n->cur->next;
                if (!n->cur) {
                    n->i++;
                    continue;
                }
                if (n->cur->count)
                    continue;
                memcpy(n->wide + p->r_off, n->cur->row + nk, sizeof(Value) * (size_t)p->r_n);
                null_span(n->wide, p->l_off, p->l_n);
                return 1;
            }
            return 0;
        }
        if (n->phase == 0) {
            int rc = exec_next(n->left, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                if (p->jointype == JOIN_FULL) {
                    n->phase = 2;
                    n->i = 0;
                    n->cur = NULL;
                    continue;
                }
                return 0;
            }
            qarena_reset(&n->out);
            exec_ctx(n, &c, n->wide, &n->out);
            bool has_null = false;
            for (int i = 0; i < nk; i++) {
                if (eval_expr(&c, p->hash_l[i], &n->vals[i], err) != 0)
                    return -1;
                if (n->vals[i].null)
                    has_null = true;
            }
            n->matched = false;
            n->cur = NULL;
            n->phase = 1;
            if (!has_null) {
                uint64_t h = hash_keys(n->vals, nk);
                n->cur = n->ht.buckets[h & (n->ht.nbuckets - 1)];
                n->n = (int64_t)h;
            }
        }
        while (n->cur) {
            HEntry *e = n->cur;
            n->cur = e->next;
            if (e->hash != (uint64_t)n->n || !keys_equal(e->row, n->vals, nk))
                continue;
            memcpy(n->wide + p->r_off, e->row + nk, sizeof(Value) * (size_t)p->r_n);
            exec_ctx(n, &c, n->wide, &n->out);
            bool pass;
            if (eval_quals(&c, p->qual, p->n_qual, &pass, err) != 0)
                return -1;
            if (pass) {
                n->matched = true;
                e->count = 1;
                return 1;
            }
        }
        n->phase = 0;
        if ((p->jointype == JOIN_LEFT || p->jointype == JOIN_FULL) && !n->matched) {
            null_span(n->wide, p->r_off, p->r_n);
            return 1;
        }
    }
}

/* ---- Result, Values, Project, Filter, Limit --------------------------------------------- */

static int exec_next_result(ExecNode *n, SqlError *err)
{
    if (n->done)
        return 0;
    n->done = true;
    EvalCtx c;
    qarena_reset(&n->out);
    exec_ctx(n, &c, n->wide, &n->out);
    bool pass;
    if (eval_quals(&c, n->plan->qual, n->plan->n_qual, &pass, err) != 0)
        return -1;
    return pass ? 1 : 0;
}

static int exec_next_values(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    if (n->i >= p->n_rows)
        return 0;
    EvalCtx c;
    qarena_reset(&n->out);
    exec_ctx(n, &c, NULL, &n->out);
    Expr **r = p->rows[n->i++];
    for (int i = 0; i < p->ncols; i++)
        if (eval_expr(&c, r[i], &n->row[i], err) != 0)
            return -1;
    return 1;
}

static int exec_next_project(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int rc = exec_next(n->left, err);
    if (rc <= 0)
        return rc;
    EvalCtx c;
    qarena_reset(&n->out);
    exec_ctx(n, &c, n->left->row, &n->out);
    for (int i = 0; i < p->n_exprs; i++)
        if (eval_expr(&c, p->exprs[i], &n->row[i], err) != 0)
            return -1;
    return 1;
}

static int exec_next_filter(ExecNode *n, SqlError *err)
{
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        EvalCtx c;
        qarena_reset(&n->out);
        exec_ctx(n, &c, n->left->row, &n->out);
        bool pass;
        if (eval_quals(&c, n->plan->qual, n->plan->n_qual, &pass, err) != 0)
            return -1;
        if (pass)
            return 1;
    }
}

int exec_eval_limit(ExecNode *n, const Expr *e, bool is_offset, int64_t *out, SqlError *err)
{
    *out = is_offset ? 0 : -1;
    if (!e)
        return 0;
    EvalCtx c;
    exec_ctx(n, &c, NULL, &n->keep);
    Value v;
    if (eval_expr(&c, e, &v, err) != 0)
        return -1;
    if (v.null)
        return 0;
    if (v.u.i < 0)
        return is_offset ? SQL_ERR(err, INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE, "OFFSET must not be negative")
                         : SQL_ERR(err, INVALID_ROW_COUNT_IN_LIMIT_CLAUSE, "LIMIT must not be negative");
    *out = v.u.i;
    return 0;
}

static int exec_next_limit(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    if (!n->opened) {
        n->opened = true;
        if (exec_eval_limit(n, p->limit, false, &n->limit, err) != 0 ||
            exec_eval_limit(n, p->offset, true, &n->offset, err) != 0)
            return -1;
    }
    if (n->limit >= 0 && n->i >= n->limit) {
        if (!p->with_ties || !n->vals)
            return 0;
        /* WITH TIES: rows equal to the last one on the ORDER BY keys */
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        if (q_compare_keys(n->vals, n->left->row, p->keys, p->n_keys) != 0) {
            n->vals = NULL;
            return 0;
        }
        memcpy(n->row, n->left->row, sizeof(Value) * (size_t)p->ncols);
        return 1;
    }
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        if (n->offset > 0) {
            n->offset--;
            continue;
        }
        n->i++;
        memcpy(n->row, n->left->row, sizeof(Value) * (size_t)p->ncols);
        if (p->with_ties && n->i == n->limit && !(n->vals = row_copy(&n->keep, n->row, p->ncols)))
            return q_oom(err);
        return 1;
    }
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int next_dispatch(ExecNode *n, SqlError *err)
{
    switch (n->plan->kind) {
    case PLAN_RESULT: return exec_next_result(n, err);
    case PLAN_VALUES: return exec_next_values(n, err);
    case PLAN_SEQSCAN: case PLAN_INDEXSCAN: return exec_next_scan(n, err);
    case PLAN_FUNCSCAN: return exec_next_funcscan(n, err);
    case PLAN_SUBQUERYSCAN: return exec_next_subqueryscan(n, err);
    case PLAN_CTESCAN: case PLAN_WORKTABLE: return exec_next_ctescan(n, err);
    case PLAN_NESTLOOP: return exec_next_nestloop(n, err);
    case PLAN_HASHJOIN: return exec_next_hashjoin(n, err);
    case PLAN_PROJECT: return exec_next_project(n, err);
    case PLAN_FILTER: return exec_next_filter(n, err);
    case PLAN_LIMIT: return exec_next_limit(n, err);
    case PLAN_AGG: return exec_next_agg(n, err);
    case PLAN_WINDOW: return exec_next_window(n, err);
    case PLAN_SORT: return exec_next_sort(n, err);
    case PLAN_UNIQUE: return exec_next_unique(n, err);
    case PLAN_SETOP: return exec_next_setop(n, err);
    case PLAN_RECURSIVE: return exec_next_recursive(n, err);
    case PLAN_PROJECT_SRF: return exec_next_project_srf(n, err);
    case PLAN_LOCKROWS: return exec_next(n->left, err);
    case PLAN_VIRTUALSCAN: return exec_next_virtualscan(n, err);
    case PLAN_SEQUENCESCAN: return exec_next_sequencescan(n, err);
    }
    return SQL_ERR(err, INTERNAL_ERROR, "unknown plan node %d", (int)n->plan->kind);
}

int exec_next(ExecNode *n, SqlError *err)
{
    if (!n->qc->analyze) {
        int rc = next_dispatch(n, err);
        if (rc == 1)
            n->n_rows++;
        return rc;
    }
    double t0 = now_ms();
    if (!n->looped) {
        n->looped = true;
        n->n_loops++;
    }
    int rc = next_dispatch(n, err);
    n->elapsed_ms += now_ms() - t0;
    if (rc == 1)
        n->n_rows++;
    return rc;
}
