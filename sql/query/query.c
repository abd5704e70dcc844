/* query.c -- the public API of the query engine (sql/query.h): prepare (bind + plan),
 * open/next/close of cursors, command tags. SELECT cursors pull rows from the plan's top
 * node; INSERT/UPDATE/DELETE cursors run exec_dml.c. */
#include <stdio.h>
#include <string.h>

#include "sql/query/dml_int.h"
#include "sql/query/exec_int.h"
#include "sql/parser/parser.h"

static void binder_init(Binder *b, QueryEnv *env, ShaleArena *arena, const char *text)
{
    memset(b, 0, sizeof(*b));
    b->env = env;
    b->arena = arena;
    b->text = text;
    b->text_len = text ? strlen(text) : 0;
}

static int fill_columns(Binder *b, PreparedQuery *q, int ncols, const char **names, const Oid *types,
                        const int32_t *typmods, Expr **tlist, SqlError *err)
{
    q->n_cols = ncols;
    q->cols = q_alloc(b->arena, sizeof(SqlColumnDesc) * (size_t)(ncols + 1));
    if (!q->cols)
        return q_oom(err);
    for (int i = 0; i < ncols; i++) {
        SqlColumnDesc *c = &q->cols[i];
        memset(c, 0, sizeof(*c));
        c->name = names[i] ? names[i] : "?column?";
        c->type_oid = types[i] == UNKNOWNOID ? TEXTOID : types[i];
        c->typmod = typmods ? typmods[i] : -1;
        const TypeInfo *ti = type_info(c->type_oid);
        c->typlen = ti ? ti->len : -1;
        if (tlist && tlist[i] && tlist[i]->kind == EXPR_VAR && tlist[i]->u.var.rel && tlist[i]->u.var.level == 0) {
            c->table_oid = tlist[i]->u.var.rel;
            c->attnum = tlist[i]->u.var.attnum;
        }
        c->format = 0;
    }
    return 0;
}

int query_relation_deps(QueryEnv *env, const char *select_text, Oid *out, int cap, int *n, SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    Binder b;
    binder_init(&b, env, &a, select_text);
    b.deps = out;
    b.cap_deps = cap;
    *n = 0;
    SqlRawStmt raw;
    int rc = -1;
    if (sql_parse_one(select_text, strlen(select_text), &a, &raw, err) == 0) {
        if (raw.stmt->tag != AST_SELECT) {
            rc = SQL_ERR(err, FEATURE_NOT_SUPPORTED, "statement is not a query");
        } else {
            int ncols;
            const char **names;
            Oid *types;
            int32_t *typmods;
            if (bind_select(&b, NULL, (const AstSelectStmt *)raw.stmt, &ncols, &names, &types, &typmods, NULL, err))
                rc = 0;
        }
    }
    *n = b.n_deps;
    shale_arena_destroy(&a);
    return rc;
}

int query_prepare(QueryEnv *env, const AstNode *stmt, const char *query_text, int n_params,
                  const Oid *param_types, ShaleArena *arena, PreparedQuery **out, SqlError *err)
{
    Binder b;
    binder_init(&b, env, arena, query_text);
    PreparedQuery *q = q_alloc(arena, sizeof(PreparedQuery));
    if (!q)
        return q_oom(err);
    memset(q, 0, sizeof(*q));
    q->arena = arena;
    if (n_params > 0) {
        b.cap_params = n_params + 8;
        b.param_types = q_alloc(arena, sizeof(Oid) * (size_t)b.cap_params);
        if (!b.param_types)
            return q_oom(err);
        memset(b.param_types, 0, sizeof(Oid) * (size_t)b.cap_params);
        for (int i = 0; i < n_params; i++)
            b.param_types[i] = param_types ? param_types[i] : 0;
        b.n_params = n_params;
    }
    /* parameters are visible while binding through q (eval of folded constants never reads them) */
    int ncols = 0;
    const char **names = NULL;
    Oid *types = NULL;
    int32_t *typmods = NULL;
    Expr **tlist = NULL;
    switch (stmt->tag) {
    case AST_SELECT:
        q->kind = QUERY_SELECT;
        q->plan = bind_select(&b, NULL, (const AstSelectStmt *)stmt, &ncols, &names, &types, &typmods, &tlist, err);
        if (!q->plan)
            return -1;
        break;
    case AST_INSERT: case AST_UPDATE: case AST_DELETE:
        q->kind = stmt->tag == AST_INSERT ? QUERY_INSERT : stmt->tag == AST_UPDATE ? QUERY_UPDATE : QUERY_DELETE;
        if (bind_dml(&b, q, stmt, &ncols, &names, &types, &typmods, &tlist, err) != 0)
            return -1;
        break;
    default:
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "statement is not a query");
    }
    for (int i = 0; i < b.n_params; i++)
        if (b.param_types[i] == INVALIDOID || b.param_types[i] == UNKNOWNOID)
            b.param_types[i] = TEXTOID;
    q->n_params = b.n_params;
    q->param_types = b.param_types;
    if (!q->param_types) {
        /* never NULL, so callers may memcpy zero entries from it */
        q->param_types = q_alloc(arena, sizeof(Oid));
        if (!q->param_types)
            return q_oom(err);
        q->param_types[0] = INVALIDOID;
    }
    q->n_plans = b.n_plans;
    q->n_sublinks = b.n_sublinks;
    q->n_ctes = b.n_ctes;
    q->ctes = b.all_ctes;
    q->n_srfs = b.n_srfs;
    if (fill_columns(&b, q, ncols, names, types, typmods, tlist, err) != 0)
        return -1;
    for (int i = 0; i < b.n_ctes; i++) {
        PreparedQuery *pq = b.all_ctes[i]->dml_q;
        if (!pq)
            continue;
        /* the nested statement's cursor needs room for every id of the whole statement */
        q->has_dml_ctes = true;
        pq->n_params = q->n_params;
        pq->param_types = q->param_types;
        pq->n_plans = q->n_plans;
        pq->n_sublinks = q->n_sublinks;
        pq->n_ctes = q->n_ctes;
        pq->ctes = q->ctes;
        pq->n_srfs = q->n_srfs;
        pq->cols = NULL;
    }
    q->trivial = q->kind == QUERY_SELECT && !b.touched_tables && !b.has_sublinks && b.n_params == 0 && b.n_ctes == 0;
    *out = q;
    return 0;
}

QueryKind query_kind(const PreparedQuery *q) { return q->kind; }
int query_n_params(const PreparedQuery *q) { return q->n_params; }
const Oid *query_param_types(const PreparedQuery *q) { return q->param_types; }
int query_n_columns(const PreparedQuery *q) { return q->n_cols; }
const SqlColumnDesc *query_columns(const PreparedQuery *q) { return q->cols; }
bool query_is_trivial(const PreparedQuery *q) { return q->trivial; }

static int query_cursor_init(QueryEnv *env, PreparedQuery *q, const Value *params, ShaleArena *exec_arena,
                      QueryCursor **out, SqlError *err)
{
    QueryCursor *qc = q_alloc(exec_arena, sizeof(QueryCursor));
    if (!qc)
        return q_oom(err);
    memset(qc, 0, sizeof(*qc));
    qc->env_copy = *env;
    qc->env = &qc->env_copy;
    env = qc->env;
    qc->q = q;
    qc->arena = exec_arena;
    qc->params = params;
    shale_arena_init(&qc->tmp);
    qc->nodes = q_alloc(exec_arena, sizeof(ExecNode *) * (size_t)(q->n_plans + 1));
    qc->sublinks = q_alloc(exec_arena, sizeof(SubLinkState) * (size_t)(q->n_sublinks + 1));
    qc->ctes = q_alloc(exec_arena, sizeof(CteState) * (size_t)(q->n_ctes + 1));
    if (!qc->nodes || !qc->sublinks || !qc->ctes)
        return q_oom(err);
    memset(qc->nodes, 0, sizeof(ExecNode *) * (size_t)(q->n_plans + 1));
    memset(qc->sublinks, 0, sizeof(SubLinkState) * (size_t)(q->n_sublinks + 1));
    memset(qc->ctes, 0, sizeof(CteState) * (size_t)(q->n_ctes + 1));
    for (int i = 0; i < q->n_ctes; i++)
        shale_arena_init(&qc->ctes[i].arena);
    FuncCallCtx *f = &qc->fcx;
    memset(f, 0, sizeof(*f));
    f->tc = env->tc;
    f->stmt_arena = exec_arena;
    f->current_user = env->user;
    f->session_user = env->session_user;
    f->database = env->database;
    f->version = env->version;
    f->txn_timestamp = env->txn_timestamp;
    f->stmt_timestamp = env->stmt_timestamp;
    f->random_state = env->random_state;
    f->hooks = env->hooks;
    f->ret_typmod = -1;
    *out = qc;
    return 0;
}

int query_open(QueryEnv *env, PreparedQuery *q, const Value *params, ShaleArena *exec_arena,
               QueryCursor **out, SqlError *err)
{
    QueryCursor *qc = NULL;
    if (query_cursor_init(env, q, params, exec_arena, &qc, err) != 0)
        return -1;
    if (q->kind == QUERY_SELECT) {
        qc->top = exec_build(qc, q->plan, NULL, NULL, err);
        if (!qc->top) {
            query_close(qc);
            return -1;
        }
    } else if (dml_open(qc, err) != 0) {
        query_close(qc);
        return -1;
    }
    *out = qc;
    return 0;
}

int query_next(QueryCursor *c, const Value **row, SqlError *err)
{
    if (c->finished)
        return 0;
    int rc;
    if (c->q->has_dml_ctes && !c->dml_ctes_done) {
        /* data-modifying WITH queries run to completion first, referenced or not */
        c->dml_ctes_done = true;
        for (int i = 0; i < c->q->n_ctes; i++)
            if (c->q->ctes[i]->dml_q && exec_cte_materialize(c, i, err) != 0)
                return -1;
    }
    if (c->q->kind == QUERY_SELECT) {
        rc = exec_next(c->top, err);
        if (rc == 1) {
            *row = c->top->row;
            c->rows++;
            return 1;
        }
    } else {
        rc = dml_next(c, row, err);
        if (rc == 1)
            return 1;
        if (rc < 0 && err && err->code == ERRCODE_READ_ONLY_SQL_TRANSACTION && strstr(err->message, "this statement")) {
            /* the storage layer cannot name the command; PostgreSQL's message does */
            const char *cmd = c->q->kind == QUERY_INSERT ? "INSERT" : c->q->kind == QUERY_UPDATE ? "UPDATE" : "DELETE";
            snprintf(err->message, sizeof err->message, "cannot execute %s in a read-only transaction", cmd);
        }
    }
    if (rc == 0)
        c->finished = true;
    return rc;
}

uint64_t query_rows(const QueryCursor *c)
{
    return c->rows;
}

void query_command_tag(const QueryCursor *c, char *buf, size_t cap)
{
    switch (c->q->kind) {
    case QUERY_SELECT: snprintf(buf, cap, "SELECT %llu", (unsigned long long)c->rows); break;
    case QUERY_INSERT: snprintf(buf, cap, "INSERT 0 %llu", (unsigned long long)c->rows); break;
    case QUERY_UPDATE: snprintf(buf, cap, "UPDATE %llu", (unsigned long long)c->rows); break;
    case QUERY_DELETE: snprintf(buf, cap, "DELETE %llu", (unsigned long long)c->rows); break;
    }
}

void query_close(QueryCursor *c)
{
    if (!c)
        return;
    exec_close(c->top);
    c->top = NULL;
    dml_close(c);
    for (int i = 0; i < c->q->n_sublinks; i++) {
        SubLinkState *st = &c->sublinks[i];
        if (st->node) {
            exec_close(st->node);
            st->node = NULL;
            shale_arena_destroy(&st->arena);
        }
        rowvec_free(&st->list);
        htable_free(&st->set);
    }
    for (int i = 0; i < c->q->n_ctes; i++) {
        rowvec_free(&c->ctes[i].rows);
        shale_arena_destroy(&c->ctes[i].arena);
    }
    shale_arena_destroy(&c->tmp);
}
