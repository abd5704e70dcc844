/* exec_sort.c -- materialising nodes: Sort (with top-N), Unique (hash DISTINCT and sorted
 * DISTINCT ON), set operations, WITH RECURSIVE, set-returning target lists, CTE
 * materialisation and sub-queries in expressions (SubLinks). Rows they keep are copied into
 * the node's keep arena (CTEs and uncorrelated sub-query results: their own arenas in the
 * cursor). */
#include <stdlib.h>
#include <string.h>

#include "sql/query/exec_int.h"
#include "sql/pgcat/pgcat.h"


/* ---- Sort ---------------------------------------------------------------------------- */

static int sort_fill(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int64_t topn = -1;
    if (p->limit || p->offset) {
        int64_t lim, off;
        if (exec_eval_limit(n, p->limit, false, &lim, err) != 0 || exec_eval_limit(n, p->offset, true, &off, err) != 0)
            return -1;
        if (lim >= 0)
            topn = lim + off;
    }
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            break;
        Value *row = row_copy(&n->keep, n->left->row, p->ncols);
        if (!row || rowvec_push(&n->vec, row, err) != 0)
            return q_oom(err);
        /* top-N: keep the buffer bounded by sorting and truncating now and then */
        if (topn >= 0 && n->vec.n >= (size_t)topn * 2 + 1024) {
            Value **scratch = malloc(sizeof(Value *) * n->vec.n);
            if (!scratch)
                return q_oom(err);
            q_sort_rows(n->vec.rows, n->vec.n, p->keys, p->n_keys, scratch);
            free(scratch);
            n->vec.n = (size_t)topn;
        }
    }
    if (n->vec.n > 1) {
        Value **scratch = malloc(sizeof(Value *) * n->vec.n);
        if (!scratch)
            return q_oom(err);
        q_sort_rows(n->vec.rows, n->vec.n, p->keys, p->n_keys, scratch);
        free(scratch);
    }
    if (topn >= 0 && n->vec.n > (size_t)topn)
        n->vec.n = (size_t)topn;
    return 0;
}

int exec_next_sort(ExecNode *n, SqlError *err)
{
    if (!n->opened) {
        n->opened = true;
        if (sort_fill(n, err) != 0)
            return -1;
        n->i = 0;
    }
    if ((size_t)n->i >= n->vec.n)
        return 0;
    memcpy(n->row, n->vec.rows[n->i++], sizeof(Value) * (size_t)n->plan->ncols);
    return 1;
}

/* ---- Unique ---------------------------------------------------------------------------- */

int exec_next_unique(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        const Value *row = n->left->row;
        if (p->distinct_on) {
            /* sorted input: keep the first row of each run of equal keys */
            Value *prev = n->vals;
            if (prev) {
                bool same = true;
                for (int k = 0; k < p->n_keys && same; k++) {
                    int col = p->keys[k].col;
                    if (!q_rows_equal(&prev[k], &row[col], 1))
                        same = false;
                }
                if (same)
                    continue;
            }
            qarena_reset(&n->out);
            prev = q_alloc(&n->out, sizeof(Value) * (size_t)p->n_keys);
            if (!prev)
                return q_oom(err);
            for (int k = 0; k < p->n_keys; k++)
                if (q_value_copy(&n->out, &row[p->keys[k].col], &prev[k], err) != 0)
                    return -1;
            n->vals = prev;
            memcpy(n->row, row, sizeof(Value) * (size_t)p->ncols);
            return 1;
        }
        uint64_t h = q_hash_row(row, p->n_keys);
        if (htable_find(&n->ht, row, p->n_keys, h))
            continue;
        Value *copy = row_copy(&n->keep, row, p->ncols);
        if (!copy || !htable_insert(&n->ht, &n->keep, copy, h, err))
            return q_oom(err);
        memcpy(n->row, copy, sizeof(Value) * (size_t)p->ncols);
        return 1;
    }
}

/* ---- set operations ------------------------------------------------------------------- */

int exec_next_setop(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    int nc = p->ncols;
    if (p->setop == AST_SETOP_UNION) {
        for (;;) {
            ExecNode *src = n->phase == 0 ? n->left : n->right;
            int rc = exec_next(src, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                if (n->phase == 0) {
                    n->phase = 1;
                    continue;
                }
                return 0;
            }
            if (!p->all) {
                uint64_t h = q_hash_row(src->row, nc);
                if (htable_find(&n->ht, src->row, nc, h))
                    continue;
                Value *copy = row_copy(&n->keep, src->row, nc);
                if (!copy || !htable_insert(&n->ht, &n->keep, copy, h, err))
                    return q_oom(err);
                memcpy(n->row, copy, sizeof(Value) * (size_t)nc);
            } else {
                memcpy(n->row, src->row, sizeof(Value) * (size_t)nc);
            }
            return 1;
        }
    }
    /* INTERSECT / EXCEPT: count the right side first */
    if (!n->opened) {
        n->opened = true;
        if (htable_init(&n->ht, err) != 0)
            return -1;
        for (;;) {
            int rc = exec_next(n->right, err);
            if (rc < 0)
                return -1;
            if (rc == 0)
                break;
            uint64_t h = q_hash_row(n->right->row, nc);
            HEntry *e = htable_find(&n->ht, n->right->row, nc, h);
            if (!e) {
                Value *copy = row_copy(&n->keep, n->right->row, nc);
                if (!copy || !(e = htable_insert(&n->ht, &n->keep, copy, h, err)))
                    return q_oom(err);
            }
            e->count2++;
        }
    }
    for (;;) {
        int rc = exec_next(n->left, err);
        if (rc <= 0)
            return rc;
        const Value *row = n->left->row;
        uint64_t h = q_hash_row(row, nc);
        HEntry *e = htable_find(&n->ht, row, nc, h);
        if (!e) {
            Value *copy = row_copy(&n->keep, row, nc);
            if (!copy || !(e = htable_insert(&n->ht, &n->keep, copy, h, err)))
                return q_oom(err);
        }
        e->count++;
        bool emit;
        if (p->setop == AST_SETOP_INTERSECT)
            emit = p->all ? e->count <= e->count2 : (e->count == 1 && e->count2 > 0);
        else
            emit = p->all ? e->count > e->count2 : (e->count == 1 && e->count2 == 0);
        if (emit) {
            memcpy(n->row, e->row, sizeof(Value) * (size_t)nc);
            return 1;
        }
    }
}

/* ---- WITH RECURSIVE ------------------------------------------------------------------- */

int exec_next_recursive(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    QueryCursor *qc = n->qc;
    int nc = p->ncols;
    RowVec *work = n->state;
    if (!work) {
        work = q_alloc(&n->keep, sizeof(RowVec) * 2);
        if (!work)
            return q_oom(err);
        memset(work, 0, sizeof(RowVec) * 2);
        n->state = work;
    }
    for (;;) {
        ExecNode *src = n->phase == 0 ? n->left : n->right;
        int rc = exec_next(src, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            /* next iteration over the rows produced by the previous one */
            if (n->phase == 1)
                rowvec_free(&work[0]);
            if (n->phase == 0 || n->phase == 1) {
                if (n->phase == 1 || true) {
                    RowVec t = work[0];
                    work[0] = work[1];
                    work[1] = t;
                    work[1].n = 0;
                }
            }
            n->phase = 1;
            if (work[0].n == 0) {
                rowvec_free(&work[0]);
                rowvec_free(&work[1]);
                qc->ctes[p->cte_id].work = NULL;
                return 0;
            }
            if ((++n->ticks & 63) == 0 && qc->env->hooks.cancelled && qc->env->hooks.cancelled(qc->env->hooks.arg))
                return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
            qc->ctes[p->cte_id].work = &work[0];
            exec_rescan(n->right);
            continue;
        }
        if (!p->all) {
            uint64_t h = q_hash_row(src->row, nc);
            if (htable_find(&n->ht, src->row, nc, h))
                continue;
            Value *copy = row_copy(&n->keep, src->row, nc);
            if (!copy || !htable_insert(&n->ht, &n->keep, copy, h, err) || rowvec_push(&work[1], copy, err) != 0)
                return q_oom(err);
            memcpy(n->row, copy, sizeof(Value) * (size_t)nc);
        } else {
            Value *copy = row_copy(&n->keep, src->row, nc);
            if (!copy || rowvec_push(&work[1], copy, err) != 0)
                return q_oom(err);
            memcpy(n->row, copy, sizeof(Value) * (size_t)nc);
        }
        return 1;
    }
}

int exec_cte_materialize(QueryCursor *qc, int id, SqlError *err)
{
    CteState *cs = &qc->ctes[id];
    if (cs->done)
        return 0;
    CteDef *cd = qc->q->ctes[id];
    if (cd->dml_q) {
        QueryCursor *sub;
        if (query_open(qc->env, cd->dml_q, qc->params, qc->arena, &sub, err) != 0)
            return -1;
        const Value *r;
        int rc;
        while ((rc = query_next(sub, &r, err)) == 1) {
            Value *row = row_copy(&cs->arena, r, cd->ncols);
            if (!row || rowvec_push(&cs->rows, row, err) != 0) {
                query_close(sub);
                return q_oom(err);
            }
        }
        query_close(sub);
        if (rc < 0)
            return -1;
        cs->done = true;
        cs->ncols = cd->ncols;
        return 0;
    }
    ExecNode *node = exec_build(qc, cd->plan, NULL, NULL, err);
    if (!node)
        return -1;
    int rc;
    while ((rc = exec_next(node, err)) == 1) {
        Value *row = row_copy(&cs->arena, node->row, cd->ncols);
        if (!row || rowvec_push(&cs->rows, row, err) != 0) {
            exec_close(node);
            return q_oom(err);
        }
    }
    exec_close(node);
    if (rc < 0)
        return -1;
    cs->done = true;
    cs->ncols = cd->ncols;
    return 0;
}

/* ---- set-returning functions in the target list ------------------------------------------ */

typedef struct SrfRun {
    FuncCallCtx f;
    void *state;
    bool done;
    Value val;
} SrfRun;

int exec_next_project_srf(ExecNode *n, SqlError *err)
{
    const Plan *p = n->plan;
    SrfRun *runs = n->state;
    EvalCtx c;
    for (;;) {
        if (!runs) {
            int rc = exec_next(n->left, err);
            if (rc <= 0)
                return rc;
            shale_arena_destroy(&n->keep);
            shale_arena_init(&n->keep);
            runs = q_alloc(&n->keep, sizeof(SrfRun) * (size_t)p->n_exprs);
            if (!runs)
                return q_oom(err);
            memset(runs, 0, sizeof(SrfRun) * (size_t)p->n_exprs);
            exec_ctx(n, &c, n->left->row, &n->keep);
            for (int i = 0; i < p->n_exprs; i++) {
                const Expr *e = p->exprs[i];
                if (e->kind != EXPR_SRF)
                    continue;
                const SqlSrfImpl *srf = e->u.srf.m->func->srf;
                Value args[TYPES_FUNC_MAX_ARGS];
                bool null_arg = false;
                for (int k = 0; k < e->nargs; k++) {
                    if (eval_expr(&c, e->args[k], &args[k], err) != 0)
                        return -1;
                    if (args[k].null && e->u.srf.m->func->strict)
                        null_arg = true;
                }
                eval_func_ctx(&c, &runs[i].f, e->u.srf.m, e->nargs);
                runs[i].f.arena = &n->keep;
                runs[i].state = q_alloc(&n->keep, srf->state_size + 8);
                if (!runs[i].state)
                    return q_oom(err);
                memset(runs[i].state, 0, srf->state_size + 8);
                if (null_arg)
                    runs[i].done = true;
                else if (srf->open(&runs[i].f, runs[i].state, e->nargs, args, err) != 0)
                    return -1;
            }
            n->state = runs;
        }
        bool any = false;
        qarena_reset(&n->out);
        for (int i = 0; i < p->n_exprs; i++) {
            const Expr *e = p->exprs[i];
            if (e->kind != EXPR_SRF)
                continue;
            if (runs[i].done) {
                n->row[i] = value_null(e->type);
                continue;
            }
            runs[i].f.arena = &n->keep; /* state an SRF allocates in next() must survive */
            Value out[8];
            int rc = e->u.srf.m->func->srf->next(&runs[i].f, runs[i].state, out, err);
            if (rc < 0)
                return -1;
            if (rc == 0) {
                runs[i].done = true;
                n->row[i] = value_null(e->type);
                continue;
            }
            any = true;
            const SqlSrfImpl *impl = e->u.srf.m->func->srf;
            if (e->u.srf.field > 0 && e->u.srf.field <= impl->n_out_cols) {
                n->row[i] = out[e->u.srf.field - 1];
            } else if (e->type == RECORDOID && impl->n_out_cols > 1) {
                if (pgcat_record_pack(out, impl->n_out_cols, &n->out, &n->row[i], err) != 0)
                    return -1;
            } else {
                n->row[i] = out[0];
            }
            if (n->row[i].type == INVALIDOID)
                n->row[i].type = e->type;
        }
        if (!any) {
            runs = NULL;
            n->state = NULL;
            continue;
        }
        exec_ctx(n, &c, n->left->row, &n->out);
        for (int i = 0; i < p->n_exprs; i++)
            if (p->exprs[i]->kind != EXPR_SRF && eval_expr(&c, p->exprs[i], &n->row[i], err) != 0)
                return -1;
        return 1;
    }
}

/* ---- sub-queries in expressions ------------------------------------------------------------- */

/* lhs[0..n) against a sub-query row: AND of the column comparisons (OR for <>). */
static int sub_cmp(EvalCtx *c, const Expr *e, const Value *lhs, const Value *row, Value *res, SqlError *err)
{
    int n = e->nargs > 0 ? e->nargs : 1;
    bool is_ne = n > 1 && strcmp(e->u.sub.ops[0]->func->name, "<>") == 0;
    bool saw_null = false;
    for (int i = 0; i < n; i++) {
        Value args[2] = {lhs[i], row[i]};
        Value r;
        if (eval_call(c, e->u.sub.ops ? e->u.sub.ops[i] : e->u.sub.op, 2, args, &r, err) != 0)
            return -1;
        if (r.null)
            saw_null = true;
        else if (r.u.b == is_ne) {
            *res = value_bool(is_ne);
            return 0;
        }
    }
    *res = saw_null ? value_null(BOOLOID) : value_bool(!is_ne);
    return 0;
}

int exec_sublink(EvalCtx *c, const Expr *e, Value *out, SqlError *err)
{
    QueryCursor *qc = c->qc;
    int id = e->u.sub.id < 0 ? -1 - e->u.sub.id : e->u.sub.id;
    bool correlated = e->u.sub.id < 0;
    SubLinkState *st = &qc->sublinks[id];
    SubLinkKind kind = e->u.sub.kind;
    if (!correlated && st->cached && kind != SUBLINK_ANY && kind != SUBLINK_ALL && kind != SUBLINK_ROWCMP) {
        *out = st->value;
        return 0;
    }
    Value lhsv[32];
    Value lhs = value_null(UNKNOWNOID);
    if (kind == SUBLINK_ANY || kind == SUBLINK_ALL || kind == SUBLINK_ROWCMP) {
        if (e->nargs > 32)
            return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "row comparison too wide");
        for (int i = 0; i < e->nargs; i++)
            if (eval_expr(c, e->args[i], &lhsv[i], err) != 0)
                return -1;
        lhs = lhsv[0];
    }
    if (!st->node) {
        shale_arena_init(&st->arena);
        st->node = exec_build(qc, e->u.sub.plan, NULL, c, err);
        if (!st->node)
            return -1;
    } else {
        exec_rescan(st->node);
    }
    exec_set_outer(st->node, correlated ? c : NULL);
    ExecNode *node = st->node;
    int rc;
    if (kind == SUBLINK_ANY || kind == SUBLINK_ALL) {
        bool is_all = kind == SUBLINK_ALL;
        /* x IN (sub-query) / x NOT IN (...) with an equality on one type: a hash set */
        const char *opn = e->u.sub.op->func->name;
        bool hashed = !correlated && e->nargs == 1 && e->u.sub.op->arg_types[0] == e->u.sub.op->arg_types[1] &&
                      ((!is_all && strcmp(opn, "=") == 0) || (is_all && strcmp(opn, "<>") == 0));
        if (!correlated && !st->cached) {
            while ((rc = exec_next(node, err)) == 1) {
                Value *row = row_copy(&st->arena, node->row, e->nargs);
                if (!row)
                    return q_oom(err);
                if (hashed) {
                    if (row[0].null) {
                        st->has_null = true;
                        continue;
                    }
                    uint64_t h = q_hash_row(row, 1);
                    if (!htable_find(&st->set, row, 1, h) && !htable_insert(&st->set, &st->arena, row, h, err))
                        return -1;
                    continue;
                }
                if (rowvec_push(&st->list, row, err) != 0)
                    return q_oom(err);
            }
            if (rc < 0)
                return -1;
            exec_rescan(node);
            st->cached = true;
        }
        if (hashed) {
            bool empty = st->set.n == 0 && !st->has_null;
            if (empty) {
                *out = value_bool(is_all);
            } else if (lhs.null) {
                *out = value_null(BOOLOID);
            } else if (htable_find(&st->set, &lhs, 1, q_hash_row(&lhs, 1))) {
                *out = value_bool(!is_all);
            } else {
                *out = st->has_null ? value_null(BOOLOID) : value_bool(is_all);
            }
            return 0;
        }
        bool saw_null = false;
        if (!correlated) {
            for (size_t i = 0; i < st->list.n; i++) {
                Value res;
                if (sub_cmp(c, e, lhsv, st->list.rows[i], &res, err) != 0)
                    return -1;
                if (res.null)
                    saw_null = true;
                else if (res.u.b != is_all) {
                    *out = value_bool(!is_all);
                    return 0;
                }
            }
        } else {
            while ((rc = exec_next(node, err)) == 1) {
                Value res;
                if (sub_cmp(c, e, lhsv, node->row, &res, err) != 0)
                    return -1;
                if (res.null)
                    saw_null = true;
                else if (res.u.b != is_all) {
                    *out = value_bool(!is_all);
                    exec_rescan(node);
                    return 0;
                }
            }
            if (rc < 0)
                return -1;
        }
        *out = saw_null ? value_null(BOOLOID) : value_bool(is_all);
        return 0;
    }
    ShaleArena *dst = correlated ? c->arena : &st->arena;
    if (kind == SUBLINK_ROWCMP) {
        rc = exec_next(node, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *out = value_null(BOOLOID);
        } else {
            if (sub_cmp(c, e, lhsv, node->row, out, err) != 0)
                return -1;
            rc = exec_next(node, err);
            if (rc < 0)
                return -1;
            if (rc == 1)
                return SQL_ERR(err, CARDINALITY_VIOLATION, "more than one row returned by a subquery used as an expression");
        }
        exec_rescan(node);
        if (!correlated) {
            /* the result depends on the left-hand row: nothing to cache */
        }
        return 0;
    } else if (kind == SUBLINK_EXISTS) {
        rc = exec_next(node, err);
        if (rc < 0)
            return -1;
        *out = value_bool(rc == 1);
    } else if (kind == SUBLINK_EXPR) {
        rc = exec_next(node, err);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            *out = value_null(e->type);
        } else {
            if (q_value_copy(dst, &node->row[0], out, err) != 0)
                return -1;
            rc = exec_next(node, err);
            if (rc < 0)
                return -1;
            if (rc == 1)
                return SQL_ERR(err, CARDINALITY_VIOLATION, "more than one row returned by a subquery used as an expression");
        }
    } else {
        RowVec rv = {0};
        Oid elem = types_array_elem(e->type);
        while ((rc = exec_next(node, err)) == 1) {
            Value *row = row_copy(dst, node->row, 1);
            if (!row || rowvec_push(&rv, row, err) != 0) {
                rowvec_free(&rv);
                return q_oom(err);
            }
        }
        if (rc < 0) {
            rowvec_free(&rv);
            return -1;
        }
        Value *vals = q_alloc(dst, sizeof(Value) * (rv.n + 1));
        if (!vals) {
            rowvec_free(&rv);
            return q_oom(err);
        }
        for (size_t i = 0; i < rv.n; i++) {
            vals[i] = rv.rows[i][0];
            vals[i].type = elem;
        }
        rc = types_array_build(elem, 1, (uint32_t)rv.n, vals, dst, out, err);
        rowvec_free(&rv);
        if (rc != 0)
            return -1;
    }
    exec_rescan(node);
    if (!correlated) {
        st->cached = true;
        st->value = *out;
    }
    return 0;
}
