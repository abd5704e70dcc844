/* plan_vector.c -- planner path for hnsw indexes: `ORDER BY col <op> expr LIMIT k` on a lone
 * table scan becomes an Index Scan over the table's hnsw index whose operator class matches
 * the operator (<-> vector_l2_ops, <=> vector_cosine_ops, <#> vector_ip_ops, <+>
 * vector_l1_ops), so no Sort is needed (the scan yields rows nearest first). As with
 * PostgreSQL + pgvector, only a query with LIMIT uses the index; expr must not read the row
 * (a constant, a $n parameter or any row-independent expression, evaluated once per scan).
 * WHERE conjuncts stay on the scan as its Filter (applied to each verified candidate). */
#include <string.h>

#include "sql/query/plan_int.h"

/* The opclass an ORDER BY operator needs, NULL when op is not a vector distance operator. */
static const char *opclass_for_op(const char *op)
{
    if (strcmp(op, "<->") == 0)
        return "vector_l2_ops";
    if (strcmp(op, "<=>") == 0)
        return "vector_cosine_ops";
    if (strcmp(op, "<#>") == 0)
        return "vector_ip_ops";
    if (strcmp(op, "<+>") == 0)
        return "vector_l1_ops";
    return NULL;
}

bool plan_vector_order(Binder *b, Plan *p, int n_keys, Expr **key_exprs, const SortKey *keys)
{
    (void)b;
    if (p->kind != PLAN_SEQSCAN || !p->rel || !p->rte || n_keys != 1 || keys[0].desc || keys[0].nulls_first ||
        p->lock_mode != 0)
        return false;
    const Expr *e = key_exprs[0];
    if (e->kind != EXPR_FUNC || !e->u.func.is_op || e->nargs != 2)
        return false;
    const char *opc = opclass_for_op(e->u.func.m->func->name);
    const Expr *col = e->args[0], *q = e->args[1];
    if (!opc || col->kind != EXPR_VAR || col->u.var.level != 0 || col->u.var.index < p->rte->offset ||
        col->u.var.index >= p->rte->offset + p->rte->ncols || col->type != VECTOROID || q->type != VECTOROID)
        return false;
    if (bind_expr_has_vars(q) || bind_expr_volatile(q))
        return false;
    int attnum = col->u.var.index - p->rte->offset + 1;
    const CatRelation *rel = p->rel;
    for (int i = 0; i < rel->nindexes; i++) {
        const CatIndex *idx = &rel->indexes[i];
        if (!rel_index_is_vector(idx) || !idx->valid || idx->attnums[0] != attnum || !idx->opclasses ||
            !idx->opclasses[0] || strcmp(idx->opclasses[0], opc) != 0)
            continue;
        p->kind = PLAN_INDEXSCAN;
        memset(&p->ib, 0, sizeof p->ib);
        p->ib.index = idx;
        p->ib.vec_order = (Expr *)e;
        return true;
    }
    return false;
}
