/* ddl_index.c -- CREATE INDEX on expressions and with a WHERE predicate (partial indexes):
 * the element's SQL text is kept in the catalog (CatIndex.exprs[i] with attnums[i] = 0,
 * CatIndex.predicate) after the query engine validated it (sql/query_index.h); index
 * maintenance evaluates it through the session's RelExprHooks (sql/session_index.c). */
#include <string.h>

#include "sql/ddl_int.h"
#include "sql/query_index.h"

/* PostgreSQL's FigureColname for an index element: a function's name, a column's name, a
 * cast's argument name (or its type's); NULL when nothing fits ("expr" is used then). */
static const char *figure_name(const AstNode *n)
{
    switch (n->tag) {
    case AST_COLUMN_REF: {
        const AstColumnRef *c = (const AstColumnRef *)n;
        return c->star || c->fields.n == 0 ? NULL : c->fields.names[c->fields.n - 1];
    }
    case AST_FUNC_CALL: {
        const AstFuncCall *f = (const AstFuncCall *)n;
        return f->name.n ? f->name.names[f->name.n - 1] : NULL;
    }
    case AST_TYPE_CAST: {
        const AstTypeCast *t = (const AstTypeCast *)n;
        const char *a = figure_name(t->arg);
        return a ? a : t->type && t->type->names.n ? t->type->names.names[t->type->names.n - 1] : NULL;
    }
    default:
        return NULL;
    }
}

int ddl_index_elem(DdlCtx *d, const CatRelation *rel, const AstIndexElem *el, int16_t *att, char **expr,
                   const char **colname, SqlError *err)
{
    *expr = NULL;
    const char *name = el->name;
    /* "(col)" is a plain column, as in PostgreSQL */
    if (!name && el->expr && el->expr->tag == AST_COLUMN_REF) {
        const AstColumnRef *c = (const AstColumnRef *)el->expr;
        if (!c->star && c->fields.n == 1)
            name = c->fields.names[0];
    }
    if (name) {
        int ci = ddl_find_col(rel->cols, rel->ncols, name);
        if (ci < 0) {
            sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" does not exist", name);
            return ddl_set_pos(d, err, el->hdr.location);
        }
        *att = (int16_t)(ci + 1);
        *colname = name;
        return 0;
    }
    if (el->expr_span.end <= el->expr_span.start)
        return SQL_ERR(err, SYNTAX_ERROR, "invalid index expression");
    char *text = (char *)ddl_span_text(d, el->expr_span);
    if (!text)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return -1;
    int rc = query_index_check(&env, rel, text, false, NULL, err);
    catalog_snapshot_release(cat);
    if (rc != 0)
        return err->position > 0 ? ddl_set_pos(d, err, el->expr_span.start + err->position - 1) : -1;
    *att = 0;
    *expr = text;
    const char *fn = figure_name(el->expr);
    *colname = fn ? fn : "expr";
    return 0;
}

int ddl_index_predicate(DdlCtx *d, const CatRelation *rel, const AstIndexStmt *is, char **out, SqlError *err)
{
    *out = NULL;
    if (!is->where)
        return 0;
    if (is->where_span.end <= is->where_span.start)
        return SQL_ERR(err, SYNTAX_ERROR, "invalid index predicate");
    char *text = (char *)ddl_span_text(d, is->where_span);
    if (!text)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return -1;
    int rc = query_index_check(&env, rel, text, true, NULL, err);
    catalog_snapshot_release(cat);
    if (rc != 0)
        return err->position > 0 ? ddl_set_pos(d, err, is->where_span.start + err->position - 1) : -1;
    *out = text;
    return 0;
}

/* ---- views: WITH [LOCAL | CASCADED] CHECK OPTION --------------------------------------- */

int ddl_view_check_option(DdlCtx *d, const AstViewStmt *vs, CatRelation *rel, SqlError *err)
{
    char opt = vs->check_option;
    for (int i = 0; i < vs->options.n; i++) {
        const AstDefElem *e = (const AstDefElem *)vs->options.items[i];
        if (strcmp(e->name, "check_option") != 0)
            continue;
        const char *v = NULL;
        if (e->arg && e->arg->tag == AST_CONST)
            v = ((const AstConst *)e->arg)->str;
        else if (e->arg && e->arg->tag == AST_COLUMN_REF && ((const AstColumnRef *)e->arg)->fields.n == 1)
            v = ((const AstColumnRef *)e->arg)->fields.names[0];
        if (v && strcmp(v, "local") == 0)
            opt = 'l';
        else if (v && strcmp(v, "cascaded") == 0)
            opt = 'c';
        else
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for enum option \"check_option\": %s", v ? v : "");
    }
    rel->seq.owned_by_col = opt == 'l' ? VIEW_CHECK_OPTION_LOCAL : opt == 'c' ? VIEW_CHECK_OPTION_CASCADED : 0;
    if (!opt)
        return 0;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return -1;
    int rc = query_view_check_option_ok(&env, rel, err);
    catalog_snapshot_release(cat);
    return rc;
}
