/* bind_view_dml.c -- INSERT / UPDATE / DELETE through automatically updatable views
 * (PostgreSQL's rules): a view whose query reads a single table or updatable view, with no
 * DISTINCT, GROUP BY, HAVING, set operation, WITH, LIMIT/OFFSET, aggregate, window or
 * set-returning function, is rewritten at the AST level into the same statement on its
 * base relation: the target becomes the base table (under the view query's own alias, so
 * its WHERE binds), SET / INSERT column names are mapped to the base columns, the view's
 * WHERE is ANDed to the statement's, and RETURNING * expands to the view's columns.
 * Nested views are rewritten one level at a time. Everything new lives in the binder's
 * arena.
 *
 * WITH [LOCAL | CASCADED] CHECK OPTION: the WHERE of each checked view becomes a check of
 * the new row (DmlPlan.check_is_view; 44000 when it is not true).
 *
 * Not done (docs/compatibility.md): the statement's own expressions must name view columns by their base-column names (a view
 * that renames a column can still be updated by SET/INSERT column lists, not read under
 * the new name in WHERE). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/query/dml_int.h"
#include "sql/query_index.h"

typedef enum { VOP_INSERT, VOP_UPDATE, VOP_DELETE } ViewOp;

static const char *const agg_names[] = { "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "bool_and",
                                         "bool_or", "every", "json_agg", "jsonb_agg", "json_object_agg",
                                         "jsonb_object_agg", "stddev", "variance", "bit_and", "bit_or", NULL };
static const char *const srf_names[] = { "generate_series", "unnest", "regexp_matches", "json_each",
                                         "jsonb_each", "json_array_elements", "jsonb_array_elements", NULL };

static bool in_list(const char *n, const char *const *l)
{
    for (int i = 0; l[i]; i++)
        if (strcmp(n, l[i]) == 0)
            return true;
    return false;
}

/* 1 aggregate, 2 window function, 3 set-returning function found in n (common nodes). */
static int find_special(const AstNode *n)
{
    if (!n)
        return 0;
    switch (n->tag) {
    case AST_FUNC_CALL: {
        const AstFuncCall *f = (const AstFuncCall *)n;
        const char *nm = f->name.n ? f->name.names[f->name.n - 1] : "";
        if (f->over)
            return 2;
        if (in_list(nm, agg_names))
            return 1;
        if (in_list(nm, srf_names))
            return 3;
        for (int i = 0; i < f->args.n; i++) {
            int k = find_special(f->args.items[i]);
            if (k)
                return k;
        }
        return 0;
    }
    case AST_OP: {
        int k = find_special(((const AstOpExpr *)n)->lexpr);
        return k ? k : find_special(((const AstOpExpr *)n)->rexpr);
    }
    case AST_TYPE_CAST:
        return find_special(((const AstTypeCast *)n)->arg);
    default:
        return 0;
    }
}

static int not_updatable(const CatRelation *v, ViewOp op, const char *detail, SqlError *err)
{
    static const char *const verb[] = { "insert into", "update", "delete from" };
    static const char *const hint[] = { "To enable inserting into the view, provide an INSTEAD OF INSERT trigger or an unconditional ON INSERT DO INSTEAD rule.",
                                        "To enable updating the view, provide an INSTEAD OF UPDATE trigger or an unconditional ON UPDATE DO INSTEAD rule.",
                                        "To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule." };
    SQL_ERR(err, OBJECT_NOT_IN_PREREQUISITE_STATE, "cannot %s view \"%s\"", verb[op], v->name);
    sql_error_detail(err, "%s", detail);
    sql_error_hint(err, "%s", hint[op]);
    return -1;
}

typedef struct ViewInfo {
    const AstSelectStmt *sel;
    AstRangeVar *base;            /* the FROM item */
    const CatRelation *base_rel;
    int ncols;                    /* the view's columns */
    const char **basecol;         /* [ncols] base column name, NULL = not updatable */
    AstResTarget **target;        /* [ncols] the view's target (NULL under *) */
} ViewInfo;

static int view_info(Binder *b, const CatRelation *v, ViewOp op, ViewInfo *vi, SqlError *err)
{
    memset(vi, 0, sizeof *vi);
    SqlRawStmt raw;
    if (sql_parse_one(v->view_query, strlen(v->view_query), b->arena, &raw, err) != 0)
        return -1;
    if (raw.stmt->tag != AST_SELECT)
        return not_updatable(v, op, "Views that do not select from a single table or view are not automatically updatable.", err);
    const AstSelectStmt *sel = (const AstSelectStmt *)raw.stmt;
    vi->sel = sel;
    if (sel->distinct)
        return not_updatable(v, op, "Views containing DISTINCT are not automatically updatable.", err);
    if (sel->group_by.n)
        return not_updatable(v, op, "Views containing GROUP BY are not automatically updatable.", err);
    if (sel->having)
        return not_updatable(v, op, "Views containing HAVING are not automatically updatable.", err);
    if (sel->op != AST_SETOP_NONE)
        return not_updatable(v, op, "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.", err);
    if (sel->with)
        return not_updatable(v, op, "Views containing WITH are not automatically updatable.", err);
    if (sel->limit_count || sel->limit_offset)
        return not_updatable(v, op, "Views containing LIMIT or OFFSET are not automatically updatable.", err);
    for (int i = 0; i < sel->targets.n; i++) {
        int k = find_special(((const AstResTarget *)sel->targets.items[i])->val);
        if (k == 1)
            return not_updatable(v, op, "Views that return aggregate functions are not automatically updatable.", err);
        if (k == 2)
            return not_updatable(v, op, "Views that return window functions are not automatically updatable.", err);
        if (k == 3)
            return not_updatable(v, op, "Views that return set-returning functions are not automatically updatable.", err);
    }
    if (sel->values.n || sel->from.n != 1 || sel->from.items[0]->tag != AST_RANGE_VAR)
        return not_updatable(v, op, "Views that do not select from a single table or view are not automatically updatable.", err);
    vi->base = (AstRangeVar *)sel->from.items[0];
    const char *save = b->text;
    size_t save_len = b->text_len;
    b->text = v->view_query;
    b->text_len = strlen(v->view_query);
    vi->base_rel = bind_lookup_relation(b, vi->base, err);
    b->text = save;
    b->text_len = save_len;
    if (!vi->base_rel) {
        err->position = 0;
        return -1;
    }
    if (vi->base_rel->kind != CAT_REL_TABLE && vi->base_rel->kind != CAT_REL_VIEW)
        return not_updatable(v, op, "Views that do not select from a single table or view are not automatically updatable.", err);
    vi->ncols = v->ncols;
    vi->basecol = q_alloc(b->arena, sizeof(char *) * (size_t)(v->ncols + 1));
    vi->target = q_alloc(b->arena, sizeof(AstResTarget *) * (size_t)(v->ncols + 1));
    if (!vi->basecol || !vi->target)
        return q_oom(err);
    memset(vi->basecol, 0, sizeof(char *) * (size_t)(v->ncols + 1));
    memset(vi->target, 0, sizeof(AstResTarget *) * (size_t)(v->ncols + 1));
    int c = 0;
    for (int i = 0; i < sel->targets.n && c < v->ncols; i++) {
        AstResTarget *rt = (AstResTarget *)sel->targets.items[i];
        if (rt->val && rt->val->tag == AST_COLUMN_REF && ((const AstColumnRef *)rt->val)->star) {
            for (int k = 0; k < vi->base_rel->ncols && c < v->ncols; k++)
                if (!vi->base_rel->cols[k].dropped)
                    vi->basecol[c++] = vi->base_rel->cols[k].name;
            continue;
        }
        vi->target[c] = rt;
        if (rt->val && rt->val->tag == AST_COLUMN_REF) {
            const AstColumnRef *cr = (const AstColumnRef *)rt->val;
            if (cr->fields.n >= 1 && catrel_column_by_name(vi->base_rel, cr->fields.names[cr->fields.n - 1]))
                vi->basecol[c] = cr->fields.names[cr->fields.n - 1];
        }
        c++;
    }
    return 0;
}

static int view_col(const CatRelation *v, const char *name)
{
    for (int c = 0; c < v->ncols; c++)
        if (!v->cols[c].dropped && strcmp(v->cols[c].name, name) == 0)
            return c;
    return -1;
}

static int map_column(Binder *b, const CatRelation *v, const ViewInfo *vi, AstResTarget *rt, ViewOp op, SqlError *err)
{
    int c = view_col(v, rt->name);
    if (c < 0) {
        SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", rt->name, v->name);
        err->position = q_position(b, rt->hdr.location);
        return -1;
    }
    if (!vi->basecol[c]) {
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "cannot %s column \"%s\" of view \"%s\"",
                op == VOP_INSERT ? "insert into" : "update", rt->name, v->name);
        sql_error_detail(err, "View columns that are not columns of their base relation are not updatable.");
        return -1;
    }
    rt->name = vi->basecol[c];
    return 0;
}

static AstNode *and_where(Binder *b, AstNode *user, AstNode *view)
{
    if (!view)
        return user;
    if (!user)
        return view;
    AstBoolExpr *a = q_alloc(b->arena, sizeof(AstBoolExpr));
    AstNode **items = q_alloc(b->arena, sizeof(AstNode *) * 2);
    if (!a || !items)
        return NULL;
    memset(a, 0, sizeof *a);
    a->hdr.tag = AST_BOOL;
    a->hdr.location = -1;
    a->op = AST_AND;
    items[0] = user;
    items[1] = view;
    a->args.items = items;
    a->args.n = 2;
    return &a->hdr;
}

/* The base relation as the rewritten target: the view query's FROM item (its alias kept). */
static AstRangeVar *base_target(Binder *b, const ViewInfo *vi, const AstRangeVar *user)
{
    AstRangeVar *rv = q_alloc(b->arena, sizeof(AstRangeVar));
    if (!rv)
        return NULL;
    *rv = *vi->base;
    rv->hdr.location = user->hdr.location;
    if (!rv->alias)
        rv->alias = user->alias;
    return rv;
}

/* RETURNING *: the view's columns (base columns by name, other targets as written). */
static int expand_returning(Binder *b, const CatRelation *v, const ViewInfo *vi, AstList *ret, SqlError *err)
{
    int star = -1;
    for (int i = 0; i < ret->n; i++) {
        const AstResTarget *rt = (const AstResTarget *)ret->items[i];
        if (rt->val && rt->val->tag == AST_COLUMN_REF && ((const AstColumnRef *)rt->val)->star &&
            ((const AstColumnRef *)rt->val)->fields.n == 1)
            star = i;
    }
    if (star < 0)
        return 0;
    int n = ret->n - 1 + v->ncols;
    AstNode **items = q_alloc(b->arena, sizeof(AstNode *) * (size_t)(n + 1));
    if (!items)
        return q_oom(err);
    int k = 0;
    for (int i = 0; i < ret->n; i++) {
        if (i != star) {
            items[k++] = ret->items[i];
            continue;
        }
        for (int c = 0; c < v->ncols; c++) {
            if (v->cols[c].dropped)
                continue;
            AstResTarget *rt = q_alloc(b->arena, sizeof(AstResTarget));
            if (!rt)
                return q_oom(err);
            memset(rt, 0, sizeof *rt);
            rt->hdr.tag = AST_RES_TARGET;
            rt->hdr.location = -1;
            rt->name = v->cols[c].name;
            if (vi->basecol[c]) {
                AstColumnRef *cr = q_alloc(b->arena, sizeof(AstColumnRef));
                const char **nm = q_alloc(b->arena, sizeof(char *));
                if (!cr || !nm)
                    return q_oom(err);
                memset(cr, 0, sizeof *cr);
                cr->hdr.tag = AST_COLUMN_REF;
                cr->hdr.location = -1;
                nm[0] = vi->basecol[c];
                cr->fields.names = nm;
                cr->fields.n = 1;
                rt->val = &cr->hdr;
            } else if (vi->target[c]) {
                rt->val = vi->target[c]->val;
            } else {
                continue;
            }
            items[k++] = &rt->hdr;
        }
    }
    ret->items = items;
    ret->n = k;
    return 0;
}

/* Number of values each row of an INSERT source supplies (-1 unknown). */
static int source_width(const AstSelectStmt *s)
{
    if (!s)
        return 0;
    if (s->values.n && s->values.items[0]->tag == AST_ROW)
        return ((const AstRowExpr *)s->values.items[0])->args.n;
    if (s->op == AST_SETOP_NONE && !s->values.n) {
        for (int i = 0; i < s->targets.n; i++) {
            const AstResTarget *rt = (const AstResTarget *)s->targets.items[i];
            if (rt->val && rt->val->tag == AST_COLUMN_REF && ((const AstColumnRef *)rt->val)->star)
                return -1;
        }
        return s->targets.n;
    }
    return -1;
}

/* Remembers v's WHERE as a check-option condition of the statement (WITH CHECK OPTION on v,
 * or CASCADED on a view above it). */
static int add_wco(Binder *b, DmlPlan *d, const CatRelation *v, const ViewInfo *vi, bool *cascade, SqlError *err)
{
    int opt = v->seq.owned_by_col;
    bool check = opt == VIEW_CHECK_OPTION_LOCAL || opt == VIEW_CHECK_OPTION_CASCADED || *cascade;
    if (opt == VIEW_CHECK_OPTION_CASCADED)
        *cascade = true;
    if (!check || !vi->sel->where)
        return 0;
    int n = d->n_wco + 1;
    const AstNode **a = q_alloc(b->arena, sizeof(AstNode *) * (size_t)n);
    const char **vn = q_alloc(b->arena, sizeof(char *) * (size_t)n);
    const char **al = q_alloc(b->arena, sizeof(char *) * (size_t)n);
    if (!a || !vn || !al)
        return q_oom(err);
    for (int i = 0; i < d->n_wco; i++) {
        a[i] = d->wco_ast[i];
        vn[i] = d->wco_view[i];
        al[i] = d->wco_alias[i];
    }
    a[d->n_wco] = vi->sel->where;
    vn[d->n_wco] = v->name;
    al[d->n_wco] = vi->base->alias && vi->base->alias->name ? vi->base->alias->name : vi->base->relname;
    d->wco_ast = a;
    d->wco_view = vn;
    d->wco_alias = al;
    d->n_wco = n;
    return 0;
}

static int rewrite_one(Binder *b, DmlPlan *d, bool *cascade, const CatRelation *v, const AstNode *stmt, AstNode **out,
                       SqlError *err)
{
    ViewOp op = stmt->tag == AST_INSERT ? VOP_INSERT : stmt->tag == AST_UPDATE ? VOP_UPDATE : VOP_DELETE;
    ViewInfo vi;
    if (view_info(b, v, op, &vi, err) != 0)
        return -1;
    if (op != VOP_DELETE && add_wco(b, d, v, &vi, cascade, err) != 0)
        return -1;
    if (op != VOP_DELETE) {
        bool any = false;
        for (int c = 0; c < vi.ncols; c++)
            any |= vi.basecol[c] != NULL;
        if (!any)
            return not_updatable(v, op, "Views that have no updatable columns are not automatically updatable.", err);
    }
    AstNode *vwhere = vi.sel->where;
    if (op == VOP_INSERT) {
        AstInsertStmt *ins = q_alloc(b->arena, sizeof(AstInsertStmt));
        if (!ins)
            return q_oom(err);
        *ins = *(const AstInsertStmt *)stmt;
        if (!(ins->relation = base_target(b, &vi, ins->relation)))
            return q_oom(err);
        if (ins->cols.n == 0 && ins->select) {
            int w = source_width(ins->select);
            int n = w < 0 || w > v->ncols ? v->ncols : w;
            AstNode **items = q_alloc(b->arena, sizeof(AstNode *) * (size_t)(n + 1));
            if (!items)
                return q_oom(err);
            int k = 0;
            for (int c = 0; c < v->ncols && k < n; c++) {
                if (v->cols[c].dropped)
                    continue;
                AstResTarget *rt = q_alloc(b->arena, sizeof(AstResTarget));
                if (!rt)
                    return q_oom(err);
                memset(rt, 0, sizeof *rt);
                rt->hdr.tag = AST_RES_TARGET;
                rt->hdr.location = -1;
                rt->name = v->cols[c].name;
                items[k++] = &rt->hdr;
            }
            ins->cols.items = items;
            ins->cols.n = k;
        }
        AstNode **cols = q_alloc(b->arena, sizeof(AstNode *) * (size_t)(ins->cols.n + 1));
        if (!cols)
            return q_oom(err);
        for (int i = 0; i < ins->cols.n; i++) {
            AstResTarget *rt = q_alloc(b->arena, sizeof(AstResTarget));
            if (!rt)
                return q_oom(err);
            *rt = *(const AstResTarget *)ins->cols.items[i];
            if (map_column(b, v, &vi, rt, op, err) != 0)
                return -1;
            cols[i] = &rt->hdr;
        }
        ins->cols.items = cols;
        if (expand_returning(b, v, &vi, &ins->returning, err) != 0)
            return -1;
        *out = &ins->hdr;
        return 0;
    }
    if (op == VOP_UPDATE) {
        AstUpdateStmt *up = q_alloc(b->arena, sizeof(AstUpdateStmt));
        if (!up)
            return q_oom(err);
        *up = *(const AstUpdateStmt *)stmt;
        if (!(up->relation = base_target(b, &vi, up->relation)))
            return q_oom(err);
        AstNode **tg = q_alloc(b->arena, sizeof(AstNode *) * (size_t)(up->targets.n + 1));
        if (!tg)
            return q_oom(err);
        for (int i = 0; i < up->targets.n; i++) {
            AstResTarget *rt = q_alloc(b->arena, sizeof(AstResTarget));
            if (!rt)
                return q_oom(err);
            *rt = *(const AstResTarget *)up->targets.items[i];
            if (map_column(b, v, &vi, rt, op, err) != 0)
                return -1;
            tg[i] = &rt->hdr;
        }
        up->targets.items = tg;
        if (vwhere && !(up->where = and_where(b, up->where, vwhere)))
            return q_oom(err);
        if (expand_returning(b, v, &vi, &up->returning, err) != 0)
            return -1;
        *out = &up->hdr;
        return 0;
    }
    AstDeleteStmt *del = q_alloc(b->arena, sizeof(AstDeleteStmt));
    if (!del)
        return q_oom(err);
    *del = *(const AstDeleteStmt *)stmt;
    if (!(del->relation = base_target(b, &vi, del->relation)))
        return q_oom(err);
    if (vwhere && !(del->where = and_where(b, del->where, vwhere)))
        return q_oom(err);
    if (expand_returning(b, v, &vi, &del->returning, err) != 0)
        return -1;
    *out = &del->hdr;
    return 0;
}

int bind_view_dml_rewrite(Binder *b, DmlPlan *d, const AstNode *stmt, const AstNode **out, SqlError *err)
{
    *out = stmt;
    bool cascade = false;
    for (int depth = 0; depth < 32; depth++) {
        const AstRangeVar *rv = stmt->tag == AST_INSERT ? ((const AstInsertStmt *)stmt)->relation
                              : stmt->tag == AST_UPDATE ? ((const AstUpdateStmt *)stmt)->relation
                                                        : ((const AstDeleteStmt *)stmt)->relation;
        if (!rv || !b->env->cat)
            return 0;
        SqlError tmp;
        memset(&tmp, 0, sizeof tmp);
        const CatRelation *rel = bind_lookup_relation(b, rv, &tmp);
        if (!rel || rel->kind != CAT_REL_VIEW || !rel->view_query)
            return 0;  /* the normal path reports a missing or wrong relation */
        AstNode *next = NULL;
        if (rewrite_one(b, d, &cascade, rel, stmt, &next, err) != 0)
            return -1;
        stmt = next;
        *out = stmt;
    }
    return SQL_ERR(err, INVALID_RECURSION, "infinite recursion detected in rules for relation");
}

int bind_view_checks(Binder *b, DmlPlan *d, SqlError *err)
{
    if (d->n_wco == 0)
        return 0;
    const CatRelation *rel = d->rel;
    int n = d->n_checks + d->n_wco;
    Expr **checks = q_alloc(b->arena, sizeof(Expr *) * (size_t)n);
    const char **names = q_alloc(b->arena, sizeof(char *) * (size_t)n);
    bool *is_view = q_alloc(b->arena, sizeof(bool) * (size_t)n);
    if (!checks || !names || !is_view)
        return q_oom(err);
    for (int i = 0; i < d->n_checks; i++) {
        checks[i] = d->checks[i];
        names[i] = d->check_names[i];
        is_view[i] = d->check_is_view ? d->check_is_view[i] : false;
    }
    for (int k = 0; k < d->n_wco; k++) {
        /* the condition reads the base table under the view query's FROM name */
        BindScope *s = q_alloc(b->arena, sizeof(BindScope));
        if (!s)
            return q_oom(err);
        memset(s, 0, sizeof(*s));
        RTE *r = bind_add_rte(b, s, d->wco_alias[k], rel->ncols, err);
        if (!r)
            return -1;
        r->rel = rel;
        for (int c = 0; c < rel->ncols; c++) {
            r->colnames[c] = rel->cols[c].dropped ? NULL : rel->cols[c].name;
            r->coltypes[c] = rel->cols[c].type;
            r->coltypmods[c] = rel->cols[c].typmod;
        }
        s->expr_kind = "WHERE";
        const char *save = b->text;
        size_t save_len = b->text_len;
        Expr *e = bind_coerce_bool(b, bind_expr(b, s, d->wco_ast[k], err), "WHERE", err);
        b->text = save;
        b->text_len = save_len;
        if (!e)
            return -1;
        checks[d->n_checks + k] = e;
        names[d->n_checks + k] = d->wco_view[k];
        is_view[d->n_checks + k] = true;
    }
    d->checks = checks;
    d->check_names = names;
    d->check_is_view = is_view;
    d->n_checks = n;
    return 0;
}

int query_view_check_option_ok(QueryEnv *env, const CatRelation *view, SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    Binder b;
    memset(&b, 0, sizeof b);
    b.env = env;
    b.arena = &a;
    b.text = view->view_query;
    b.text_len = strlen(view->view_query);
    ViewInfo vi;
    int rc = view_info(&b, view, VOP_UPDATE, &vi, err);
    if (rc != 0 && err->code == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE) {
        char reason[sizeof err->detail];
        snprintf(reason, sizeof reason, "%s", err->detail);
        sql_error_clear(err);
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "WITH CHECK OPTION is supported only on automatically updatable views");
        sql_error_hint(err, "%s", reason);
    }
    shale_arena_destroy(&a);
    return rc;
}
