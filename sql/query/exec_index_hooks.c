/* exec_index_hooks.c -- expression indexes and partial indexes in the query engine:
 *  - evaluation of index column expressions and partial-index predicates on a full table
 *    row, for the relational facet's RelExprHooks (index maintenance on INSERT / UPDATE /
 *    DELETE / COPY and the CREATE INDEX backfill);
 *  - validation of those expressions at CREATE INDEX (columns exist, IMMUTABLE functions
 *    only, no sub-queries / aggregates / window functions / set-returning functions);
 *  - the planner's view of them: an index column expression bound over a query's RTE (to
 *    match WHERE conjuncts such as lower(email) = 'x') and a simple implication test of a
 *    partial index's predicate by the query's conjuncts.
 *
 * The catalog keeps the user's SQL text of every expression (CatIndex.exprs[i],
 * CatIndex.predicate); each is parsed and bound once per session and cached in a
 * QueryIndexCache keyed by (index OID, column, relation schema version, text). */
#include <stdlib.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/query_index.h"
#include "sql/query/exec_int.h"
#include "sql/query/plan_int.h"

#define PRED_COL (-1)

typedef struct IdxEntry {
    Oid rel, idx;
    int col;                      /* index column, PRED_COL for the predicate */
    uint32_t schema_version;
    char *text;                   /* malloc'd copy (the key) */
    Expr *e;                      /* bound over the table row (offset 0), in the cache arena */
} IdxEntry;

/* Owned by the session (query_index_cache_free). */
struct QueryIndexCache {
    IdxEntry *ents;               /* malloc'd */
    int n, cap;
    ShaleArena bind;              /* bound expressions (cache lifetime) */
    ShaleArena out;               /* values returned by the last evaluation */
    PreparedQuery q;              /* empty query for the evaluation cursor */
};

void query_index_cache_free(QueryIndexCache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        free(c->ents[i].text);
    free(c->ents);
    shale_arena_destroy(&c->bind);
    shale_arena_destroy(&c->out);
    free(c);
}

/* A scope with rel's columns as one RTE at wide offset `offset`. */
static BindScope *rel_scope(Binder *b, const CatRelation *rel, int offset, SqlError *err)
{
    BindScope *s = q_alloc(b->arena, sizeof(BindScope));
    if (!s) {
        q_oom(err);
        return NULL;
    }
    memset(s, 0, sizeof(*s));
    s->width = offset;
    RTE *r = bind_add_rte(b, s, rel->name, rel->ncols, err);
    if (!r)
        return NULL;
    r->rel = rel;
    for (int c = 0; c < rel->ncols; c++) {
        r->colnames[c] = rel->cols[c].dropped ? NULL : rel->cols[c].name;
        r->coltypes[c] = rel->cols[c].type;
        r->coltypmods[c] = rel->cols[c].typmod;
    }
    return s;
}

static bool forbidden_fn(Expr *e, void *arg)
{
    int *what = arg;
    if (e->kind == EXPR_SUBLINK)
        *what = 1;
    else if (e->kind == EXPR_AGGREF || e->kind == EXPR_WINDOW || e->kind == EXPR_SRF || e->kind == EXPR_NEXTVAL ||
             (e->kind == EXPR_FUNC && e->u.func.m->func->volatility != SQL_IMMUTABLE))
        *what = 2;
    else if (e->kind == EXPR_PARAM)
        *what = 3;
    return *what == 0;
}

static bool find_sublink(Expr *e, void *arg)
{
    if (e->kind != EXPR_SUBLINK)
        return true;
    *(int *)arg = e->location;
    return false;
}

static int sublink_location(Expr *e)
{
    int loc = -1;
    bind_walk(e, find_sublink, &loc);
    return loc;
}

/* Parses "SELECT <text>" and binds its expression in scope s; predicate: coerced to bool.
 * With check, applies CREATE INDEX's rules (PostgreSQL's wording). */
static Expr *bind_index_text(Binder *b, BindScope *s, const char *text, bool predicate, bool check, SqlError *err)
{
    size_t n = strlen(text);
    char *sql = q_alloc(b->arena, n + 8);
    if (!sql) {
        q_oom(err);
        return NULL;
    }
    memcpy(sql, "SELECT ", 7);
    memcpy(sql + 7, text, n + 1);
    SqlRawStmt raw;
    if (sql_parse_one(sql, n + 7, b->arena, &raw, err) != 0)
        return NULL;
    const AstSelectStmt *sel = (const AstSelectStmt *)raw.stmt;
    if (raw.stmt->tag != AST_SELECT || sel->targets.n != 1) {
        SQL_ERR(err, SYNTAX_ERROR, "invalid index expression \"%s\"", text);
        return NULL;
    }
    b->text = sql;
    b->text_len = n + 7;
    s->expr_kind = predicate ? "index predicate" : "index expressions";
    Expr *e = bind_expr(b, s, ((const AstResTarget *)sel->targets.items[0])->val, err);
    if (e && predicate)
        e = bind_coerce_bool(b, e, "WHERE", err);
    if (e && !predicate)
        e = bind_resolve_unknown(b, e, err);
    if (!e) {
        /* positions relative to text (the caller adds where text starts) */
        err->position = err->position > 7 ? err->position - 7 : 0;
        return NULL;
    }
    if (check) {
        int what = 0;
        bind_walk(e, forbidden_fn, &what);
        if (what == 1) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "cannot use subquery in index %s", predicate ? "predicate" : "expression");
            int loc = sublink_location(e);
            int pos = loc >= 0 ? q_position(b, loc) : 0;
            err->position = pos > 7 ? pos - 7 : 0;
            return NULL;
        }
        if (what == 2) {
            SQL_ERR(err, INVALID_OBJECT_DEFINITION, "functions in index %s must be marked IMMUTABLE",
                    predicate ? "predicate" : "expression");
            return NULL;
        }
        if (what == 3) {
            SQL_ERR(err, UNDEFINED_PARAMETER, "there is no parameter $1");
            return NULL;
        }
    }
    return e;
}

int query_index_check(QueryEnv *env, const CatRelation *rel, const char *text, bool predicate, Oid *type,
                      SqlError *err)
{
    ShaleArena a;
    shale_arena_init(&a);
    Binder b;
    memset(&b, 0, sizeof b);
    b.env = env;
    b.arena = &a;
    BindScope *s = rel_scope(&b, rel, 0, err);
    Expr *e = s ? bind_index_text(&b, s, text, predicate, true, err) : NULL;
    if (e && type)
        *type = e->type;
    shale_arena_destroy(&a);
    return e ? 0 : -1;
}

static IdxEntry *cache_get(QueryEnv *env, QueryIndexCache **cp, const CatRelation *rel, const CatIndex *idx, int col,
                           SqlError *err)
{
    const char *text = col == PRED_COL ? idx->predicate : idx->exprs ? idx->exprs[col] : NULL;
    if (!text) {
        SQL_ERR(err, INTERNAL_ERROR, "index \"%s\" has no expression for column %d", idx->name, col + 1);
        return NULL;
    }
    QueryIndexCache *c = *cp;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) {
            q_oom(err);
            return NULL;
        }
        shale_arena_init(&c->bind);
        shale_arena_init(&c->out);
        c->q.kind = QUERY_SELECT;
        c->q.arena = &c->bind;
        *cp = c;
    }
    for (int i = 0; i < c->n; i++) {
        IdxEntry *en = &c->ents[i];
        if (en->idx == idx->oid && en->col == col && en->rel == rel->oid && en->schema_version == rel->schema_version &&
            strcmp(en->text, text) == 0)
            return en;
    }
    /* Too many stale entries: start over (the arena only grows otherwise). */
    if (c->n >= 256) {
        for (int i = 0; i < c->n; i++)
            free(c->ents[i].text);
        c->n = 0;
        shale_arena_destroy(&c->bind);
        shale_arena_init(&c->bind);
    }
    if (c->n == c->cap) {
        int ncap = c->cap ? c->cap * 2 : 8;
        IdxEntry *ne = realloc(c->ents, sizeof(IdxEntry) * (size_t)ncap);
        if (!ne) {
            q_oom(err);
            return NULL;
        }
        c->ents = ne;
        c->cap = ncap;
    }
    Binder b;
    memset(&b, 0, sizeof b);
    b.env = env;
    b.arena = &c->bind;
    BindScope *s = rel_scope(&b, rel, 0, err);
    Expr *e = s ? bind_index_text(&b, s, text, col == PRED_COL, false, err) : NULL;
    if (!e)
        return NULL;
    IdxEntry *en = &c->ents[c->n];
    en->text = strdup(text);
    if (!en->text) {
        q_oom(err);
        return NULL;
    }
    en->rel = rel->oid;
    en->idx = idx->oid;
    en->col = col;
    en->schema_version = rel->schema_version;
    en->e = e;
    c->n++;
    return en;
}

/* Evaluates e over row with a minimal cursor; the result lives in c->out. */
static int eval_on_row(QueryEnv *env, QueryIndexCache *c, const Expr *e, const Value *row, Value *out, SqlError *err)
{
    qarena_reset(&c->out);
    QueryCursor qc;
    memset(&qc, 0, sizeof qc);
    qc.env_copy = *env;
    qc.env = &qc.env_copy;
    qc.q = &c->q;
    qc.arena = &c->out;
    FuncCallCtx *f = &qc.fcx;
    f->tc = env->tc;
    f->stmt_arena = &c->out;
    f->current_user = env->user;
    f->database = env->database;
    f->version = env->version;
    f->txn_timestamp = env->txn_timestamp;
    f->stmt_timestamp = env->stmt_timestamp;
    f->random_state = env->random_state;
    f->hooks = env->hooks;
    f->ret_typmod = -1;
    EvalCtx ec;
    memset(&ec, 0, sizeof ec);
    ec.qc = &qc;
    ec.row = row;
    ec.arena = &c->out;
    return eval_expr(&ec, e, out, err);
}

int query_index_expr(QueryEnv *env, QueryIndexCache **cache, const CatRelation *rel, const CatIndex *idx, int col,
                     const Value *row, Value *out, SqlError *err)
{
    IdxEntry *en = cache_get(env, cache, rel, idx, col, err);
    if (!en || eval_on_row(env, *cache, en->e, row, out, err) != 0)
        return -1;
    if (out->type == INVALIDOID || out->null)
        out->type = en->e->type;
    return 0;
}

int query_index_pred(QueryEnv *env, QueryIndexCache **cache, const CatRelation *rel, const CatIndex *idx,
                     const Value *row, bool *matches, SqlError *err)
{
    IdxEntry *en = cache_get(env, cache, rel, idx, PRED_COL, err);
    Value v;
    if (!en || eval_on_row(env, *cache, en->e, row, &v, err) != 0)
        return -1;
    *matches = eval_value_true(&v);
    return 0;
}

/* ---- planner ------------------------------------------------------------------------------ */

Expr *plan_index_col_expr(Binder *b, const RTE *rte, const CatRelation *rel, const CatIndex *idx, int col)
{
    const char *text = col == PRED_COL ? idx->predicate : idx->exprs ? idx->exprs[col] : NULL;
    if (!text)
        return NULL;
    SqlError tmp;
    memset(&tmp, 0, sizeof tmp);
    const char *save = b->text;
    size_t save_len = b->text_len;
    BindScope *s = rel_scope(b, rel, rte->offset, &tmp);
    Expr *e = s ? bind_index_text(b, s, text, col == PRED_COL, false, &tmp) : NULL;
    b->text = save;
    b->text_len = save_len;
    return e;
}

/* Is conjunct c (over the query's row) a comparison "x op k" with the same x as p and a
 * constant k; op_out/k_out/flip tell which. */
static int cmp_kind(const Expr *e)
{
    if (e->kind != EXPR_FUNC || !e->u.func.is_op || e->nargs != 2)
        return 0;
    const char *n = e->u.func.m->func->name;
    static const char *const ops[] = { "=", "<", "<=", ">", ">=", "<>" };
    for (int i = 0; i < 6; i++)
        if (strcmp(n, ops[i]) == 0)
            return i + 1;
    return 0;
}

static int flip_kind(int k)
{
    switch (k) {
    case 2: return 4;
    case 3: return 5;
    case 4: return 2;
    case 5: return 3;
    default: return k;
    }
}

/* Normalises a comparison to (expr, kind, constant); false if not of that shape. */
static bool split_cmp(const Expr *e, const Expr **x, int *kind, const Value **k)
{
    int kk = cmp_kind(e);
    if (!kk)
        return false;
    const Expr *l = e->args[0], *r = e->args[1];
    while (r->kind == EXPR_CAST && r->args[0]->kind == EXPR_CONST && r->type == r->args[0]->type)
        r = r->args[0];
    while (l->kind == EXPR_CAST && l->args[0]->kind == EXPR_CONST && l->type == l->args[0]->type)
        l = l->args[0];
    if (r->kind == EXPR_CONST && !r->u.c.null) {
        *x = l;
        *kind = kk;
        *k = &r->u.c;
        return true;
    }
    if (l->kind == EXPR_CONST && !l->u.c.null) {
        *x = r;
        *kind = flip_kind(kk);
        *k = &l->u.c;
        return true;
    }
    return false;
}

/* Does "x qk qv" imply "x pk pv" (both constants numeric of the same family)? */
static bool cmp_implies(int qk, const Value *qv, int pk, const Value *pv)
{
    if (qv->type != pv->type && !(types_can_coerce(qv->type, pv->type, TYPES_COERCE_IMPLICIT) &&
                                  types_can_coerce(pv->type, qv->type, TYPES_COERCE_IMPLICIT)))
        return false;
    int c = types_compare(qv, pv);
    switch (pk) {
    case 1: return qk == 1 && c == 0;                                      /* x = p */
    case 2: return (qk == 1 && c < 0) || (qk == 2 && c <= 0) || (qk == 3 && c < 0);  /* x < p */
    case 3: return ((qk == 1 || qk == 3) && c <= 0) || (qk == 2 && c <= 0);         /* x <= p */
    case 4: return (qk == 1 && c > 0) || (qk == 4 && c >= 0) || (qk == 5 && c > 0);  /* x > p */
    case 5: return ((qk == 1 || qk == 5) && c >= 0) || (qk == 4 && c >= 0);         /* x >= p */
    case 6: return (qk == 1 && c != 0) || (qk == 2 && c <= 0) || (qk == 4 && c >= 0) ||
                   (qk == 6 && c == 0);                                    /* x <> p */
    default: return false;
    }
}

/* One predicate conjunct implied by one query conjunct. */
static bool conj_implies(const Expr *q, const Expr *p)
{
    if (bind_expr_equal(q, p))
        return true;
    /* "col IS NOT NULL" is implied by any strict comparison of col with a constant */
    if (p->kind == EXPR_NULLTEST && p->u.nulltest.is_not) {
        const Expr *x;
        int k;
        const Value *v;
        if (split_cmp(q, &x, &k, &v) && bind_expr_equal(x, p->args[0]))
            return true;
    }
    const Expr *qx, *px;
    int qk, pk;
    const Value *qv, *pv;
    if (!split_cmp(q, &qx, &qk, &qv) || !split_cmp(p, &px, &pk, &pv) || !bind_expr_equal(qx, px))
        return false;
    return cmp_implies(qk, qv, pk, pv);
}

static bool is_and(const Expr *e)
{
    return e->kind == EXPR_AND;
}

bool plan_index_pred_implied(Binder *b, const RTE *rte, const CatRelation *rel, const CatIndex *idx,
                             Expr *const *conj, int nconj)
{
    Expr *p = plan_index_col_expr(b, rte, rel, idx, PRED_COL);
    if (!p)
        return false;
    Expr *single[1] = { p };
    Expr *const *parts = single;
    int nparts = 1;
    if (is_and(p)) {
        parts = p->args;
        nparts = p->nargs;
    }
    for (int i = 0; i < nparts; i++) {
        bool ok = false;
        for (int j = 0; j < nconj && !ok; j++) {
            if (is_and(conj[j])) {
                for (int k = 0; k < conj[j]->nargs && !ok; k++)
                    ok = conj_implies(conj[j]->args[k], parts[i]);
            } else {
                ok = conj_implies(conj[j], parts[i]);
            }
        }
        if (!ok)
            return false;
    }
    return true;
}
