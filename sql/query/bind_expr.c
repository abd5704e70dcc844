/* bind_expr.c -- the binder's expression half: AST expressions -> typed Expr trees.
 * Names are resolved against the scope chain (BindScope), types through sql/types
 * (operator/function resolution, casts, common types). Unknown-typed literals are
 * converted at bind time with the type's input function, so constants reach the executor
 * already typed; parameters $n take the type their context gives them.
 *
 * Memory: every Expr lives in b->arena (the PreparedQuery's arena). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/pgcat/pgcat.h"
#include "sql/query/query_int.h"

Expr *bind_new_expr(Binder *b, ExprKind kind, Oid type, int location, int nargs)
{
    Expr *e = q_alloc(b->arena, sizeof(Expr));
    if (!e)
        return NULL;
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->type = type;
    e->typmod = -1;
    e->location = location;
    e->nargs = nargs;
    if (nargs > 0) {
        e->args = q_alloc(b->arena, sizeof(Expr *) * (size_t)nargs);
        if (!e->args)
            return NULL;
        memset(e->args, 0, sizeof(Expr *) * (size_t)nargs);
    }
    return e;
}

Expr *bind_make_const(Binder *b, Value v, int location)
{
    Expr *e = bind_new_expr(b, EXPR_CONST, v.type, location, 0);
    if (e)
        e->u.c = v;
    return e;
}

Expr *bind_make_var(Binder *b, int level, int index, Oid type, int32_t typmod)
{
    Expr *e = bind_new_expr(b, EXPR_VAR, type, -1, 0);
    if (!e)
        return NULL;
    e->typmod = typmod;
    e->u.var.level = level;
    e->u.var.index = index;
    return e;
}

static const char *type_name(Oid t)
{
    /* format_type-like short names for messages */
    switch (t) {
    case INT2OID: return "smallint";
    case INT4OID: return "integer";
    case INT8OID: return "bigint";
    case FLOAT4OID: return "real";
    case FLOAT8OID: return "double precision";
    case BOOLOID: return "boolean";
    case VARCHAROID: return "character varying";
    case BPCHAROID: return "character";
    case TIMESTAMPOID: return "timestamp without time zone";
    case TIMESTAMPTZOID: return "timestamp with time zone";
    case TIMEOID: return "time without time zone";
    default: {
        const TypeInfo *ti = type_info(t);
        return ti ? ti->name : "unknown";
    }
    }
}

static int err_at(Binder *b, SqlError *err, int location)
{
    if (err && err->position == 0)
        err->position = q_position(b, location);
    return -1;
}

bool bind_walk(Expr *e, bool (*fn)(Expr *e, void *arg), void *arg)
{
    if (!e)
        return true;
    if (!fn(e, arg))
        return false;
    for (int i = 0; i < e->nargs; i++)
        if (!bind_walk(e->args[i], fn, arg))
            return false;
    if (e->kind == EXPR_AGGREF) {
        AggSpec *a = e->u.aggref.agg;
        for (int i = 0; i < a->nargs; i++)
            if (!bind_walk(a->args[i], fn, arg))
                return false;
        for (int i = 0; i < a->n_order; i++)
            if (!bind_walk(a->order_exprs[i], fn, arg))
                return false;
        if (!bind_walk(a->filter, fn, arg))
            return false;
    }
    return true;
}

static bool has_var_fn(Expr *e, void *arg)
{
    (void)arg;
    return !(e->kind == EXPR_VAR && e->u.var.level == 0);
}

bool bind_expr_has_vars(const Expr *e)
{
    return !bind_walk((Expr *)e, has_var_fn, NULL);
}

static bool volatile_fn(Expr *e, void *arg)
{
    (void)arg;
    if (e->kind == EXPR_FUNC && e->u.func.m->func->volatility == SQL_VOLATILE)
        return false;
    if (e->kind == EXPR_SUBLINK || e->kind == EXPR_NEXTVAL || e->kind == EXPR_AGGREF ||
        e->kind == EXPR_WINDOW || e->kind == EXPR_SRF)
        return false;
    return true;
}

bool bind_expr_volatile(const Expr *e)
{
    return !bind_walk((Expr *)e, volatile_fn, NULL);
}

bool bind_expr_is_const(const Expr *e)
{
    return e->kind == EXPR_CONST;
}

/* ---- types and coercion ------------------------------------------------------------------- */

int bind_resolve_type(Binder *b, const AstTypeName *t, Oid *type, int32_t *typmod, SqlError *err)
{
    const char *name = t->names.names[t->names.n - 1];
    if (t->names.n > 1 && strcmp(t->names.names[t->names.n - 2], "pg_catalog") != 0 &&
        strcmp(t->names.names[t->names.n - 2], "public") != 0) {
        SQL_ERR(err, UNDEFINED_OBJECT, "type \"%s.%s\" does not exist", t->names.names[t->names.n - 2], name);
        return err_at(b, err, t->hdr.location);
    }
    Oid oid = types_lookup_name(name);
    /* regnamespace is not a ShaleDB type yet: psql casts pg_statistic_ext.stxnamespace to
     * it (then to text) in \d; read it as oid so such queries bind (docs/compatibility.md) */
    if (oid == INVALIDOID && strcmp(name, "regnamespace") == 0)
        oid = OIDOID;
    /* pg_dump support: a quoted "char" is the one-byte internal type; the parser already
     * turned the SQL keyword CHAR into builtin "bpchar". */
    if (!t->builtin && strcmp(name, "char") == 0)
        oid = CHAROID;
    if (oid == INVALIDOID) {
        SQL_ERR(err, UNDEFINED_OBJECT, "type \"%s\" does not exist", name);
        return err_at(b, err, t->hdr.location);
    }
    int32_t mods[4];
    int n = 0;
    for (int i = 0; i < t->typmods.n && i < 4; i++) {
        const AstNode *m = t->typmods.items[i];
        if (m->tag != AST_CONST || ((const AstConst *)m)->kind != AST_CONST_INTEGER) {
            SQL_ERR(err, SYNTAX_ERROR, "type modifiers must be simple constants or identifiers");
            return err_at(b, err, m->location);
        }
        mods[n++] = (int32_t)((const AstConst *)m)->ival;
    }
    int32_t tm = -1;
    if (n == 0 && oid == BPCHAROID && t->builtin && strcmp(name, "bpchar") == 0 && t->typmods.n == 0)
        tm = -1;
    if (n > 0 && types_typmod_from_mods(oid, n, mods, &tm, err) != 0)
        return err_at(b, err, t->hdr.location);
    if (t->n_array_bounds > 0) {
        Oid arr = types_array_of(oid);
        if (arr == INVALIDOID) {
            SQL_ERR(err, UNDEFINED_OBJECT, "could not find array type for data type %s", type_name(oid));
            return err_at(b, err, t->hdr.location);
        }
        oid = arr;
    }
    *type = oid;
    *typmod = tm;
    return 0;
}

/* regclass literals are names resolved through the catalog ('t'::regclass). */
static int lookup_regclass(Binder *b, const char *s, size_t n, Value *out, SqlError *err)
{
    char buf[256];
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    AstRangeVar rv;
    memset(&rv, 0, sizeof(rv));
    char *dot = strchr(buf, '.');
    if (dot) {
        *dot = '\0';
        rv.schema = buf;
        rv.relname = dot + 1;
    } else {
        rv.relname = buf;
    }
    /* strip quotes of "Name" */
    if (rv.relname[0] == '"') {
        size_t l = strlen(rv.relname);
        if (l >= 2) {
            ((char *)rv.relname)[l - 1] = '\0';
            rv.relname++;
        }
    } else {
        for (char *p = (char *)rv.relname; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
    rv.hdr.location = -1;
    const CatRelation *rel = bind_lookup_relation(b, &rv, err);
    if (!rel)
        return -1;
    *out = value_int(REGCLASSOID, rel->oid);
    return 0;
}

static Expr *coerce_unknown_const(Binder *b, Expr *e, Oid type, int32_t typmod, TypesCoercion ctx, SqlError *err)
{
    Value v;
    if (ctx == TYPES_COERCE_EXPLICIT && typmod >= 0 && !e->u.c.null && type != REGCLASSOID && type != REGTYPEOID) {
        /* explicit casts truncate: input without the typmod, then an explicit length cast */
        Value raw;
        if (types_input(b->env->tc, type, -1, e->u.c.u.s.p, e->u.c.u.s.n, b->arena, &raw, err) != 0 ||
            types_cast(b->env->tc, &raw, type, typmod, ctx, b->arena, &v, err) != 0) {
            err_at(b, err, e->location);
            return NULL;
        }
        Expr *c = bind_make_const(b, v, e->location);
        if (c)
            c->typmod = typmod;
        return c;
    }
    if (e->u.c.null) {
        v = value_null(type);
    } else if (type == REGCLASSOID || type == REGTYPEOID || type == REGPROCOID) {
        /* names resolved through the catalog (search_path, system catalogs) */
        char *name = q_alloc(b->arena, e->u.c.u.s.n + 1);
        if (!name) {
            q_oom(err);
            return NULL;
        }
        memcpy(name, e->u.c.u.s.p, e->u.c.u.s.n);
        name[e->u.c.u.s.n] = '\0';
        Oid oid = 0;
        int rc = type == REGCLASSOID ? pgcat_regclass_in(b->env, name, &oid, err)
               : type == REGPROCOID  ? pgcat_regproc_in(b->env, name, &oid, err)
                                     : pgcat_regtype_in(b->env, name, &oid, err);
        if (rc != 0 && type == REGCLASSOID) {
            sql_error_clear(err);
            rc = lookup_regclass(b, e->u.c.u.s.p, e->u.c.u.s.n, &v, err);
            oid = rc == 0 ? (Oid)v.u.i : 0;
        }
        if (rc != 0) {
            err_at(b, err, e->location);
            return NULL;
        }
        v = value_int(type, oid);
    } else if (types_input(b->env->tc, type, typmod, e->u.c.u.s.p, e->u.c.u.s.n, b->arena, &v, err) != 0) {
        err_at(b, err, e->location);
        return NULL;
    }
    v.type = type;
    Expr *c = bind_make_const(b, v, e->location);
    if (c)
        c->typmod = typmod;
    return c;
}

Expr *bind_coerce(Binder *b, Expr *e, Oid type, int32_t typmod, TypesCoercion ctx, SqlError *err)
{
    if (!e)
        return NULL;
    if (type == INVALIDOID || type == TYPES_ANYOID)
        return e;
    if (e->kind == EXPR_PARAM && (e->type == UNKNOWNOID || e->type == INVALIDOID)) {
        if (b->param_types[e->u.param] == INVALIDOID || b->param_types[e->u.param] == UNKNOWNOID)
            b->param_types[e->u.param] = type;
        e->type = b->param_types[e->u.param];
        /* same type: falls through so a column typmod (numeric(p,s), varchar(n), ...) is
         * applied to the parameter's value exactly as to a literal */
    }
    if (e->kind == EXPR_CONST && e->type == UNKNOWNOID)
        return coerce_unknown_const(b, e, type, typmod, ctx, err);
    if (e->type == type && (typmod < 0 || e->typmod == typmod))
        return e;
    if (e->type == type && typmod >= 0 && ctx != TYPES_COERCE_EXPLICIT && e->typmod < 0 &&
        type != VARCHAROID && type != BPCHAROID && type != NUMERICOID && type != TIMEOID && type != TIMESTAMPOID &&
        type != TIMESTAMPTZOID)
        return e;
    if (!types_can_coerce(e->type, type, ctx)) {
        if (ctx == TYPES_COERCE_EXPLICIT)
            SQL_ERR(err, CANNOT_COERCE, "cannot cast type %s to %s", type_name(e->type), type_name(type));
        else
            SQL_ERR(err, DATATYPE_MISMATCH, "cannot cast type %s to %s", type_name(e->type), type_name(type));
        err_at(b, err, e->location);
        return NULL;
    }
    /* fold casts of constants (not regclass/regtype -> text: the executor prints the name) */
    if (e->kind == EXPR_CONST && !((e->type == REGCLASSOID || e->type == REGTYPEOID) && !e->u.c.null &&
                                   (type == TEXTOID || type == VARCHAROID || type == NAMEOID))) {
        Value v;
        if (types_cast(b->env->tc, &e->u.c, type, typmod, ctx, b->arena, &v, err) != 0) {
            err_at(b, err, e->location);
            return NULL;
        }
        Expr *c = bind_make_const(b, v, e->location);
        if (c)
            c->typmod = typmod;
        return c;
    }
    Expr *c = bind_new_expr(b, EXPR_CAST, type, e->location, 1);
    if (!c)
        return NULL;
    c->typmod = typmod;
    c->args[0] = e;
    c->u.cast.ctx = ctx;
    return c;
}

Expr *bind_coerce_bool(Binder *b, Expr *e, const char *clause, SqlError *err)
{
    if (!e)
        return NULL;
    if (e->type == BOOLOID)
        return e;
    if (e->type == UNKNOWNOID || e->type == INVALIDOID)
        return bind_coerce(b, e, BOOLOID, -1, TYPES_COERCE_IMPLICIT, err);
    SQL_ERR(err, DATATYPE_MISMATCH, "argument of %s must be type boolean, not type %s", clause,
            type_name(e->type));
    err_at(b, err, e->location);
    return NULL;
}

Expr *bind_resolve_unknown(Binder *b, Expr *e, SqlError *err)
{
    if (e && (e->type == UNKNOWNOID || e->type == INVALIDOID))
        return bind_coerce(b, e, TEXTOID, -1, TYPES_COERCE_IMPLICIT, err);
    return e;
}

static Oid arg_type(const Expr *e)
{
    return e->type == INVALIDOID ? UNKNOWNOID : e->type;
}

static SqlFuncMatch *copy_match(Binder *b, const SqlFuncMatch *m)
{
    SqlFuncMatch *c = q_alloc(b->arena, sizeof(*c));
    if (c)
        *c = *m;
    return c;
}

/* Coerces args to the match's argument types. */
int bind_coerce_args(Binder *b, const SqlFuncMatch *m, int nargs, Expr **args, SqlError *err)
{
    for (int i = 0; i < nargs; i++) {
        Oid t = i < m->nargs ? m->arg_types[i] : m->arg_types[m->nargs - 1];
        if (t == TYPES_ANYOID || t == INVALIDOID) {
            args[i] = bind_resolve_unknown(b, args[i], err);
        } else {
            args[i] = bind_coerce(b, args[i], t, -1, TYPES_COERCE_IMPLICIT, err);
        }
        if (!args[i])
            return -1;
    }
    return 0;
}

Expr *bind_make_op(Binder *b, const char *op, Expr *l, Expr *r, int location, SqlError *err)
{
    SqlFuncMatch m;
    if (types_oper_resolve(op, l ? arg_type(l) : INVALIDOID, arg_type(r), &m, err) != 0) {
        err_at(b, err, location);
        return NULL;
    }
    int n = l ? 2 : 1;
    Expr *e = bind_new_expr(b, EXPR_FUNC, m.ret_type, location, n);
    if (!e)
        return NULL;
    if (l) {
        e->args[0] = l;
        e->args[1] = r;
    } else {
        e->args[0] = r;
    }
    if (bind_coerce_args(b, &m, n, e->args, err) != 0)
        return NULL;
    e->u.func.m = copy_match(b, &m);
    e->u.func.is_op = true;
    if (!e->u.func.m)
        return NULL;
    return e;
}

/* ---- column references --------------------------------------------------------------- */

static Expr *var_for(Binder *b, BindScope *s, int level, RTE *rte, int col)
{
    Expr *v = bind_make_var(b, level, rte->offset + col, rte->coltypes[col], rte->coltypmods[col]);
    if (v && rte->rel) {
        v->u.var.rel = rte->rel->oid;
        v->u.var.attnum = (int16_t)(col + 1);
    }
    (void)s;
    return v;
}

static int find_col(const RTE *rte, const char *name)
{
    for (int c = 0; c < rte->ncols; c++)
        if (rte->colnames[c] && strcmp(rte->colnames[c], name) == 0)
            return c;
    return -1;
}

Expr *bind_expr_copy(Binder *b, const Expr *e, int level_add)
{
    if (!e)
        return NULL;
    Expr *c = q_alloc(b->arena, sizeof(Expr));
    if (!c)
        return NULL;
    *c = *e;
    if (c->kind == EXPR_VAR)
        c->u.var.level += level_add;
    if (e->nargs > 0) {
        c->args = q_alloc(b->arena, sizeof(Expr *) * (size_t)e->nargs);
        if (!c->args)
            return NULL;
        for (int i = 0; i < e->nargs; i++)
            if (!(c->args[i] = bind_expr_copy(b, e->args[i], level_add)))
                return NULL;
    }
    return c;
}

Expr *bind_jcol_expr(Binder *b, const JoinCol *j, int level_add, SqlError *err)
{
    if (j->jointype != JOIN_FULL) {
        Expr *e = bind_expr_copy(b, j->jointype == JOIN_RIGHT ? j->right : j->left, level_add);
        if (!e)
            q_oom(err);
        return e;
    }
    Expr *l = bind_expr_copy(b, j->left, level_add), *r = bind_expr_copy(b, j->right, level_add);
    Expr *e = bind_new_expr(b, EXPR_COALESCE, l ? l->type : UNKNOWNOID, -1, 2);
    if (!l || !r || !e) {
        q_oom(err);
        return NULL;
    }
    Oid t[2] = {l->type, r->type};
    Oid common;
    if (types_common_type(2, t, "JOIN/USING", &common, err) != 0)
        return NULL;
    if (!(e->args[0] = bind_coerce(b, l, common, -1, TYPES_COERCE_IMPLICIT, err)) ||
        !(e->args[1] = bind_coerce(b, r, common, -1, TYPES_COERCE_IMPLICIT, err)))
        return NULL;
    e->type = common;
    return e;
}

/* pg_dump support (tests/clients/pg_dump): the system column "tableoid" of a table or
 * system catalog is the OID of the relation itself, a constant per range-table entry.
 * Returns true with *oid set when rte has it. Other system columns are not served. */
static bool sys_tableoid(const RTE *rte, const char *col, Oid *oid)
{
    if (strcmp(col, "tableoid") != 0 || !rte->plan)
        return false;
    if (rte->rel && rte->rel->kind == CAT_REL_TABLE) {
        *oid = rte->rel->oid;
        return true;
    }
    if (rte->plan->kind == PLAN_VIRTUALSCAN && rte->plan->vtab) {
        *oid = rte->plan->vtab->oid;
        return true;
    }
    return false;
}

static Expr *bind_column_ref(Binder *b, BindScope *s, const AstColumnRef *cr, SqlError *err)
{
    int nf = cr->fields.n;
    const char *col = cr->fields.names[nf - 1];
    const char *tab = nf >= 2 ? cr->fields.names[nf - 2] : NULL;
    const char *sch = nf >= 3 ? cr->fields.names[nf - 3] : NULL;
    if (cr->star) {
        SQL_ERR(err, SYNTAX_ERROR, "row expansion via \"*\" is not supported here");
        err_at(b, err, cr->hdr.location);
        return NULL;
    }
    int level = 0;
    bool table_found = false;
    for (BindScope *sc = s; sc; sc = sc->parent, level++) {
        RTE *hit = NULL;
        int hitcol = -1;
        const JoinCol *jhit = NULL;
        for (int i = 0; !tab && i < sc->n_jcols; i++)
            if (!sc->jcols[i].dead && strcmp(sc->jcols[i].name, col) == 0) {
                if (jhit) {
                    SQL_ERR(err, AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", col);
                    err_at(b, err, cr->hdr.location);
                    return NULL;
                }
                jhit = &sc->jcols[i];
            }
        for (int i = 0; i < sc->n_rte; i++) {
            RTE *rte = sc->rtes[i];
            if (tab) {
                if (!rte->in_join_scope || !rte->alias || strcmp(rte->alias, tab) != 0)
                    continue;
                if (sch && (!rte->schema || strcmp(rte->schema, sch) != 0))
                    continue;
                table_found = true;
                int c = find_col(rte, col);
                Oid sysoid;
                if (c < 0 && sys_tableoid(rte, col, &sysoid)) /* pg_dump support */
                    return bind_make_const(b, value_int(OIDOID, sysoid), cr->hdr.location);
                if (c < 0) {
                    SQL_ERR(err, UNDEFINED_COLUMN, "column %s.%s does not exist", tab, col);
                    err_at(b, err, cr->hdr.location);
                    return NULL;
                }
                hit = rte;
                hitcol = c;
                break;
            }
            if (!rte->in_join_scope && rte->alias)
                continue;
            int c = find_col(rte, col);
            if (c < 0)
                continue;
            if (rte->hidden && rte->hidden[c])
                continue; /* merged JOIN USING column: the join's own RTE answers */
            if (hit || jhit) {
                SQL_ERR(err, AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", col);
                err_at(b, err, cr->hdr.location);
                return NULL;
            }
            hit = rte;
            hitcol = c;
        }
        Oid sysoid;
        if (!hit && !jhit && !tab && sc->n_rte == 1 && sys_tableoid(sc->rtes[0], col, &sysoid))
            return bind_make_const(b, value_int(OIDOID, sysoid), cr->hdr.location); /* pg_dump support */
        if (jhit) {
            if (level > 0)
                for (BindScope *x = s; x != sc; x = x->parent)
                    x->has_outer_refs = true;
            Expr *v = bind_jcol_expr(b, jhit, level, err);
            if (v && v->kind == EXPR_VAR)
                v->location = cr->hdr.location;
            return v;
        }
        if (hit) {
            if (level > 0)
                for (BindScope *x = s; x != sc; x = x->parent)
                    x->has_outer_refs = true;
            Expr *v = var_for(b, sc, level, hit, hitcol);
            if (v)
                v->location = cr->hdr.location;
            return v;
        }
    }
    if (tab && !table_found) {
        SQL_ERR(err, UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", tab);
    } else {
        SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" does not exist", col);
    }
    err_at(b, err, cr->hdr.location);
    return NULL;
}

/* ---- constants ----------------------------------------------------------------------------- */

static Expr *bind_const(Binder *b, const AstConst *c, SqlError *err)
{
    Value v;
    switch (c->kind) {
    case AST_CONST_INTEGER:
        if (c->fits_int64) {
            if (c->ival >= INT32_MIN && c->ival <= INT32_MAX)
                v = value_int(INT4OID, c->ival);
            else
                v = value_int(INT8OID, c->ival);
            break;
        }
        /* fall through */
    case AST_CONST_NUMERIC:
        if (types_input(b->env->tc, NUMERICOID, -1, c->str, (size_t)c->len, b->arena, &v, err) != 0) {
            err_at(b, err, c->hdr.location);
            return NULL;
        }
        break;
    case AST_CONST_STRING: {
        char *p = q_alloc(b->arena, (size_t)c->len + 1);
        if (!p) {
            q_oom(err);
            return NULL;
        }
        memcpy(p, c->str, (size_t)c->len);
        p[c->len] = '\0';
        v = value_bytes(UNKNOWNOID, p, (uint32_t)c->len);
        break;
    }
    case AST_CONST_BOOL:
        v = value_bool(c->bval);
        break;
    case AST_CONST_NULL:
        v = value_null(UNKNOWNOID);
        break;
    default:
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "bit string literals are not supported");
        err_at(b, err, c->hdr.location);
        return NULL;
    }
    Expr *e = bind_make_const(b, v, c->hdr.location);
    if (!e)
        q_oom(err);
    return e;
}

Expr *bind_expr(Binder *b, BindScope *s, const AstNode *n, SqlError *err)
{
    Expr *e = NULL;
    switch (n->tag) {
    case AST_CONST:
        return bind_const(b, (const AstConst *)n, err);
    case AST_PARAM: {
        const AstParam *p = (const AstParam *)n;
        if (p->number < 1 || p->number > 65535) {
            SQL_ERR(err, UNDEFINED_PARAMETER, "there is no parameter $%d", p->number);
            err_at(b, err, n->location);
            return NULL;
        }
        if (p->number > b->n_params) {
            if (p->number > b->cap_params) {
                int cap = p->number + 8;
                Oid *nt = q_alloc(b->arena, sizeof(Oid) * (size_t)cap);
                if (!nt) {
                    q_oom(err);
                    return NULL;
                }
                memset(nt, 0, sizeof(Oid) * (size_t)cap);
                if (b->n_params)
                    memcpy(nt, b->param_types, sizeof(Oid) * (size_t)b->n_params);
                b->param_types = nt;
                b->cap_params = cap;
            }
            b->n_params = p->number;
        }
        Oid t = b->param_types[p->number - 1];
        e = bind_new_expr(b, EXPR_PARAM, t == INVALIDOID ? UNKNOWNOID : t, n->location, 0);
        if (e)
            e->u.param = p->number - 1;
        return e;
    }
    case AST_COLUMN_REF:
        return bind_column_ref(b, s, (const AstColumnRef *)n, err);
    case AST_OP: {
        const AstOpExpr *o = (const AstOpExpr *)n;
        if (o->lexpr && o->lexpr->tag == AST_ROW && o->rexpr->tag == AST_SUBLINK &&
            ((const AstSubLink *)o->rexpr)->kind == AST_SUBLINK_EXPR)
            return bind_row_sublink(b, s, SUBLINK_ROWCMP, ((const AstSubLink *)o->rexpr)->subquery,
                                    (const AstRowExpr *)o->lexpr, o->name, n->location, err);
        if (o->lexpr && o->lexpr->tag == AST_ROW && o->rexpr->tag == AST_ROW)
            return bind_row_compare(b, s, o->name, (const AstRowExpr *)o->lexpr, (const AstRowExpr *)o->rexpr,
                                    n->location, err);
        Expr *l = NULL;
        if (o->lexpr && !(l = bind_expr(b, s, o->lexpr, err)))
            return NULL;
        Expr *r = bind_expr(b, s, o->rexpr, err);
        if (!r)
            return NULL;
        const char *name = o->name;
        if (strcmp(name, "!=") == 0)
            name = "<>";
        return bind_make_op(b, name, l, r, n->location, err);
    }
    case AST_BOOL: {
        const AstBoolExpr *be = (const AstBoolExpr *)n;
        ExprKind k = be->op == AST_AND ? EXPR_AND : be->op == AST_OR ? EXPR_OR : EXPR_NOT;
        e = bind_new_expr(b, k, BOOLOID, n->location, be->args.n);
        if (!e)
            return NULL;
        const char *what = be->op == AST_AND ? "AND" : be->op == AST_OR ? "OR" : "NOT";
        for (int i = 0; i < be->args.n; i++)
            if (!(e->args[i] = bind_coerce_bool(b, bind_expr(b, s, be->args.items[i], err), what, err)))
                return NULL;
        return e;
    }
    case AST_NULL_TEST: {
        const AstNullTest *t = (const AstNullTest *)n;
        if (t->arg->tag == AST_ROW) {
            /* row IS [NOT] NULL: every field IS [NOT] NULL (SQL's row semantics) */
            const AstRowExpr *r = (const AstRowExpr *)t->arg;
            e = bind_new_expr(b, EXPR_AND, BOOLOID, n->location, r->args.n);
            if (!e)
                return NULL;
            for (int i = 0; i < r->args.n; i++) {
                Expr *f = bind_new_expr(b, EXPR_NULLTEST, BOOLOID, n->location, 1);
                if (!f || !(f->args[0] = bind_resolve_unknown(b, bind_expr(b, s, r->args.items[i], err), err)))
                    return NULL;
                f->u.nulltest.is_not = t->is_not;
                e->args[i] = f;
            }
            if (r->args.n == 1)
                return e->args[0];
            return e;
        }
        e = bind_new_expr(b, EXPR_NULLTEST, BOOLOID, n->location, 1);
        if (!e || !(e->args[0] = bind_resolve_unknown(b, bind_expr(b, s, t->arg, err), err)))
            return NULL;
        e->u.nulltest.is_not = t->is_not;
        return e;
    }
    case AST_BOOL_TEST: {
        const AstBoolTest *t = (const AstBoolTest *)n;
        e = bind_new_expr(b, EXPR_BOOLTEST, BOOLOID, n->location, 1);
        if (!e || !(e->args[0] = bind_coerce_bool(b, bind_expr(b, s, t->arg, err), "IS TRUE", err)))
            return NULL;
        e->u.booltest = t->kind;
        return e;
    }
    case AST_DISTINCT: {
        const AstDistinctExpr *d = (const AstDistinctExpr *)n;
        Expr *l = bind_expr(b, s, d->lexpr, err);
        Expr *r = l ? bind_expr(b, s, d->rexpr, err) : NULL;
        if (!r)
            return NULL;
        Expr *eq = bind_make_op(b, "=", l, r, n->location, err);
        if (!eq)
            return NULL;
        e = bind_new_expr(b, EXPR_DISTINCT, BOOLOID, n->location, 2);
        if (!e)
            return NULL;
        e->args[0] = eq->args[0];
        e->args[1] = eq->args[1];
        e->u.distinct.is_not = d->is_not;
        e->u.distinct.eq = eq->u.func.m;
        return e;
    }
    case AST_BETWEEN: {
        const AstBetween *bt = (const AstBetween *)n;
        Expr *a = bind_expr(b, s, bt->arg, err);
        Expr *lo = a ? bind_expr(b, s, bt->lo, err) : NULL;
        Expr *hi = lo ? bind_expr(b, s, bt->hi, err) : NULL;
        if (!hi)
            return NULL;
        Expr *c1 = bind_make_op(b, bt->negated ? "<" : ">=", a, lo, n->location, err);
        Expr *c2 = c1 ? bind_make_op(b, bt->negated ? ">" : "<=", a, hi, n->location, err) : NULL;
        if (!c2)
            return NULL;
        Expr *both = bind_new_expr(b, bt->negated ? EXPR_OR : EXPR_AND, BOOLOID, n->location, 2);
        if (!both)
            return NULL;
        both->args[0] = c1;
        both->args[1] = c2;
        if (!bt->symmetric)
            return both;
        Expr *c3 = bind_make_op(b, bt->negated ? "<" : ">=", a, hi, n->location, err);
        Expr *c4 = c3 ? bind_make_op(b, bt->negated ? ">" : "<=", a, lo, n->location, err) : NULL;
        if (!c4)
            return NULL;
        Expr *both2 = bind_new_expr(b, bt->negated ? EXPR_OR : EXPR_AND, BOOLOID, n->location, 2);
        e = bind_new_expr(b, bt->negated ? EXPR_AND : EXPR_OR, BOOLOID, n->location, 2);
        if (!both2 || !e)
            return NULL;
        both2->args[0] = c3;
        both2->args[1] = c4;
        e->args[0] = both;
        e->args[1] = both2;
        return e;
    }
    case AST_IN:
        return bind_in(b, s, (const AstInExpr *)n, err);
    case AST_LIKE:
        return bind_like(b, s, (const AstLikeExpr *)n, err);
    case AST_ANY_ALL: {
        const AstAnyAll *aa = (const AstAnyAll *)n;
        Expr *l = bind_expr(b, s, aa->lexpr, err);
        if (!l)
            return NULL;
        if (aa->is_subquery)
            return bind_sublink(b, s, aa->is_all ? SUBLINK_ALL : SUBLINK_ANY, aa->rexpr, l, aa->op, n->location, err);
        Expr *arr = bind_expr(b, s, aa->rexpr, err);
        if (!arr)
            return NULL;
        Oid elem = types_array_elem(arr->type);
        if (arr->type == UNKNOWNOID && l->type != UNKNOWNOID) {
            arr = bind_coerce(b, arr, types_array_of(l->type), -1, TYPES_COERCE_IMPLICIT, err);
            if (!arr)
                return NULL;
            elem = l->type;
        }
        if (elem == INVALIDOID) {
            SQL_ERR(err, WRONG_OBJECT_TYPE, "op ANY/ALL (array) requires array on right side");
            err_at(b, err, n->location);
            return NULL;
        }
        Expr *proto = bind_make_const(b, value_null(elem), -1);
        Expr *opx = bind_make_op(b, aa->op, l, proto, n->location, err);
        if (!opx)
            return NULL;
        e = bind_new_expr(b, EXPR_ANY_ARRAY, BOOLOID, n->location, 2);
        if (!e)
            return NULL;
        e->args[0] = opx->args[0];
        e->args[1] = arr;
        e->u.any.is_all = aa->is_all;
        e->u.any.ops = q_alloc(b->arena, sizeof(SqlFuncMatch *));
        if (!e->u.any.ops)
            return NULL;
        e->u.any.ops[0] = opx->u.func.m;
        if (opx->u.func.m->arg_types[1] != elem) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "ANY/ALL with an element type cast is not supported");
            err_at(b, err, n->location);
            return NULL;
        }
        return e;
    }
    case AST_SUBLINK: {
        const AstSubLink *sl = (const AstSubLink *)n;
        SubLinkKind k = sl->kind == AST_SUBLINK_EXISTS ? SUBLINK_EXISTS :
                        sl->kind == AST_SUBLINK_ARRAY ? SUBLINK_ARRAY : SUBLINK_EXPR;
        return bind_sublink(b, s, k, sl->subquery, NULL, NULL, n->location, err);
    }
    case AST_ARRAY:
        return bind_array(b, s, (const AstArrayExpr *)n, err);
    case AST_INDIRECTION:
        return bind_subscript(b, s, (const AstIndirection *)n, err);
    case AST_CASE:
        return bind_case(b, s, (const AstCaseExpr *)n, err);
    case AST_VARARG_FUNC: {
        const AstVarargFunc *v = (const AstVarargFunc *)n;
        static const char *const ctxname[] = {"COALESCE", "GREATEST", "LEAST", "NULLIF"};
        if (v->kind == AST_NULLIF) {
            Expr *l = bind_expr(b, s, v->args.items[0], err);
            Expr *r = l ? bind_expr(b, s, v->args.items[1], err) : NULL;
            if (!r)
                return NULL;
            Expr *eq = bind_make_op(b, "=", l, r, n->location, err);
            if (!eq)
                return NULL;
            e = bind_new_expr(b, EXPR_NULLIF, eq->args[0]->type, n->location, 2);
            if (!e)
                return NULL;
            e->args[0] = eq->args[0];
            e->args[1] = eq->args[1];
            e->u.nullif.eq = eq->u.func.m;
            return e;
        }
        e = bind_new_expr(b, v->kind == AST_COALESCE ? EXPR_COALESCE : EXPR_MINMAX, UNKNOWNOID, n->location, v->args.n);
        if (!e)
            return NULL;
        Oid common;
        if (!bind_list_common(b, s, &v->args, e->args, ctxname[v->kind], &common, n->location, err))
            return NULL;
        e->type = common;
        e->u.minmax.is_greatest = v->kind == AST_GREATEST;
        return e;
    }
    case AST_SQL_VALUE: {
        const AstSqlValue *sv = (const AstSqlValue *)n;
        Oid t;
        switch (sv->kind) {
        case AST_SV_CURRENT_DATE: t = DATEOID; break;
        case AST_SV_CURRENT_TIME: case AST_SV_LOCALTIME: t = TIMEOID; break;
        case AST_SV_CURRENT_TIMESTAMP: t = TIMESTAMPTZOID; break;
        case AST_SV_LOCALTIMESTAMP: t = TIMESTAMPOID; break;
        default: t = NAMEOID; break;
        }
        e = bind_new_expr(b, EXPR_SQLVALUE, t, n->location, 0);
        if (e)
            e->u.sqlvalue = sv->kind;
        return e;
    }
    case AST_TYPE_CAST: {
        const AstTypeCast *tc = (const AstTypeCast *)n;
        Oid t;
        int32_t tm;
        if (tc->arg->tag == AST_ARRAY && ((const AstArrayExpr *)tc->arg)->elements.n == 0 &&
            tc->type->n_array_bounds > 0) {
            /* ARRAY[]::int[]: the cast gives the empty constructor its type */
            if (bind_resolve_type(b, tc->type, &t, &tm, err) != 0)
                return NULL;
            Oid et = types_array_elem(t);
            Value v;
            if (types_array_build(et, 1, 0, NULL, b->arena, &v, err) != 0)
                return NULL;
            v.type = t;
            return bind_make_const(b, v, n->location);
        }
        Expr *a = bind_expr(b, s, tc->arg, err);
        if (a && a->kind == EXPR_CONST && a->type == UNKNOWNOID && !a->u.c.null && tc->type->n_array_bounds == 0 &&
            strcmp(tc->type->names.names[tc->type->names.n - 1], "regnamespace") == 0 && b->env->cat) {
            /* pg_dump support: 'nsp'::regnamespace (no such type yet) is the schema's OID. */
            char nsp[128];
            snprintf(nsp, sizeof nsp, "%.*s", (int)a->u.c.u.s.n, a->u.c.u.s.p);
            const CatNamespace *ns = catsnap_namespace_by_name(b->env->cat, nsp);
            if (!ns) {
                SQL_ERR(err, INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", nsp);
                err_at(b, err, a->location);
                return NULL;
            }
            return bind_make_const(b, value_int(OIDOID, ns->oid), n->location);
        }
        if (!a || bind_resolve_type(b, tc->type, &t, &tm, err) != 0)
            return NULL;
        if (a->kind == EXPR_PARAM && (a->type == UNKNOWNOID || a->type == INVALIDOID))
            return bind_coerce(b, a, t, tm, TYPES_COERCE_EXPLICIT, err);
        e = bind_coerce(b, a, t, tm, TYPES_COERCE_EXPLICIT, err);
        if (e && e == a && tm >= 0 && e->typmod != tm) {
            Expr *c = bind_new_expr(b, EXPR_CAST, t, n->location, 1);
            if (!c)
                return NULL;
            c->typmod = tm;
            c->args[0] = a;
            c->u.cast.ctx = TYPES_COERCE_EXPLICIT;
            return c;
        }
        if (e && e->kind == EXPR_CAST)
            e->location = n->location;
        return e;
    }
    case AST_COLLATE:
        return bind_expr(b, s, ((const AstCollate *)n)->arg, err);
    case AST_FUNC_CALL:
        return bind_func_call(b, s, (const AstFuncCall *)n, err);
    case AST_ROW: {
        /* ROW(a, b) / (a, b) as a value: an anonymous record built by the "row" builtin */
        const AstRowExpr *r = (const AstRowExpr *)n;
        int k = r->args.n;
        if (k == 0 || k > TYPES_FUNC_MAX_ARGS) {
            SQL_ERR(err, FEATURE_NOT_SUPPORTED, "row expressions with %d fields are not supported", k);
            err_at(b, err, n->location);
            return NULL;
        }
        e = bind_new_expr(b, EXPR_FUNC, RECORDOID, n->location, k);
        Oid types[TYPES_FUNC_MAX_ARGS];
        SqlFuncMatch *m = q_alloc(b->arena, sizeof(SqlFuncMatch));
        if (!e || !m) {
            q_oom(err);
            return NULL;
        }
        for (int i = 0; i < k; i++) {
            if (!(e->args[i] = bind_resolve_unknown(b, bind_expr(b, s, r->args.items[i], err), err)))
                return NULL;
            types[i] = e->args[i]->type;
        }
        if (types_func_resolve("row", k, types, m, err) != 0)
            return NULL;
        for (int i = 0; i < k; i++)
            m->arg_types[i] = types[i];
        e->u.func.m = m;
        e->u.func.is_op = false;
        return e;
    }
    case AST_DEFAULT:
        SQL_ERR(err, SYNTAX_ERROR, "DEFAULT is not allowed in this context");
        err_at(b, err, n->location);
        return NULL;
    default:
        SQL_ERR(err, FEATURE_NOT_SUPPORTED, "expression kind %d is not supported", (int)n->tag);
        err_at(b, err, n->location);
        return NULL;
    }
}

