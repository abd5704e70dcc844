/* pgcat_func.c -- the catalog-aware builtin functions (format_type, pg_get_indexdef,
 * pg_get_constraintdef, obj_description, pg_table_is_visible, has_*_privilege, ...):
 * the registry with PostgreSQL's argument types and pg_proc OIDs, and overload selection
 * for pgcat_func_lookup. has_table_privilege / has_schema_privilege read the ACLs GRANT and
 * REVOKE store (pgcat_acl.c); for the other kinds of object there are no ACLs: every has_*_privilege
 * and pg_has_role follows role membership (sql/acl_check.c). Sizes are estimates from the relational facet's row
 * estimates (no pages exist to count). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "facets/relational/relational.h"
#include "sql/pgcat/pgcat_dump.h"
#include "sql/acl.h"
#include "sql/pgcat/pgcat_func_int.h"
#include "sql/session_int.h"
#include "sql/embed.h"
#include "sql/obs.h"

/* ---- argument helpers -------------------------------------------------------------------- */

/* A text argument as a NUL-terminated copy in arena (NULL on OOM). */
const char *pgcat_arg_cstr(ShaleArena *arena, const Value *v)
{
    char *p = shale_arena_alloc(arena, v->u.s.n + 1u);
    if (!p)
        return NULL;
    memcpy(p, v->u.s.p, v->u.s.n);
    p[v->u.s.n] = '\0';
    return p;
}

int pgcat_out_text(ShaleArena *arena, Oid type, const char *s, size_t n, Value *out, SqlError *err)
{
    char *p = shale_arena_alloc(arena, n + 1);
    if (!p)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(p, s, n);
    p[n] = '\0';
    *out = value_bytes(type, p, (uint32_t)n);
    return 0;
}

int pgcat_out_buf(ShaleArena *arena, Oid type, ShaleBuf *b, Value *out, SqlError *err)
{
    if (b->oom) {
        shale_buf_free(b);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    int rc = pgcat_out_text(arena, type, b->data ? b->data : "", b->len, out, err);
    shale_buf_free(b);
    return rc;
}

/* ---- definitions ----------------------------------------------------------------------- */

static int fn_format_type(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    (void)env; (void)nargs;
    if (args[0].null) {
        *out = value_null(TEXTOID);
        return 0;
    }
    Oid t = (Oid)args[0].u.i;
    ShaleBuf b;
    shale_buf_init(&b);
    if (!type_info(t))
        shale_buf_append(&b, "???", 3);
    else if (args[1].null)
        pgcat_format_type_nomod(t, &b);
    else
        types_format_type(t, args[1].null ? -1 : (int32_t)args[1].u.i, &b);
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

static int fn_pg_get_expr(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    /* adbin/conbin/indexprs already hold the printed expression; pretty mode re-prints it. */
    if (nargs >= 3 && !args[2].null && args[2].u.b) {
        /* regclass literals as PostgreSQL prints them ('seq'::regclass, qualified when not
         * visible), whatever form the stored text has (nextval('seq'), a restored dump's
         * 'public.seq'::regclass), then re-printed */
        ShaleBuf q;
        shale_buf_init(&q);
        pgcat_dump_requalify(env, (Oid)args[1].u.i, args[0].u.s.p, args[0].u.s.n, &q);
        shale_buf_append_byte(&q, 0);
        if (q.oom) {
            shale_buf_free(&q);
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        }
        ShaleBuf b;
        shale_buf_init(&b);
        pgcat_expr_pretty(q.data, &b);
        shale_buf_free(&q);
        return pgcat_out_buf(a, TEXTOID, &b, out, err);
    }
    /* regclass literals qualified for the current search_path (pgcat_dump.c, pg_dump) */
    ShaleBuf q;
    shale_buf_init(&q);
    pgcat_dump_requalify(env, (Oid)args[1].u.i, args[0].u.s.p, args[0].u.s.n, &q);
    return pgcat_out_buf(a, TEXTOID, &q, out, err);
}

static int fn_pg_get_indexdef(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    const CatIndex *idx;
    const CatRelation *rel = catsnap_index_by_oid(env->cat, (Oid)args[0].u.i, &idx);
    if (!rel) {
        *out = value_null(TEXTOID);
        return 0;
    }
    int col = nargs >= 2 && !args[1].null ? (int)args[1].u.i : 0;
    bool pretty = nargs >= 3 && !args[2].null && args[2].u.b;
    ShaleBuf b;
    shale_buf_init(&b);
    pgcat_indexdef(env, rel, idx, col, pretty, &b);
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

const CatRelation *pgcat_constraint_by_oid(const QueryEnv *env, Oid oid, const CatConstraint **con)
{
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->ncons; j++)
            if (rel->cons[j].oid == oid) {
                *con = &rel->cons[j];
                return rel;
            }
    }
    return NULL;
}

static int fn_pg_get_constraintdef(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                   SqlError *err)
{
    (void)nargs;
    const CatConstraint *con;
    const CatRelation *rel = pgcat_constraint_by_oid(env, (Oid)args[0].u.i, &con);
    if (!rel) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    pgcat_constraintdef(env, rel, con, nargs >= 2 && !args[1].null && args[1].u.b, &b);
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

static int fn_pg_get_viewdef(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                             SqlError *err)
{
    (void)nargs;
    const CatRelation *rel = NULL;
    if (args[0].type == TEXTOID) {
        const char *name = pgcat_arg_cstr(a, &args[0]);
        Oid oid;
        if (!name)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (pgcat_regclass_in(env, name, &oid, err) != 0)
            return -1;
        rel = catsnap_relation_by_oid(env->cat, oid);
    } else {
        rel = catsnap_relation_by_oid(env->cat, (Oid)args[0].u.i);
    }
    if (!rel || rel->kind != CAT_REL_VIEW || !rel->view_query) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    pgcat_dump_viewdef(env, rel, &b); /* qualified where not visible, with ';' (pg_dump) */
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

static int fn_pg_get_userbyid(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    (void)nargs;
    const char *name = pgcat_role_name(env, (Oid)args[0].u.i);
    char tmp[48];
    if (!name) {
        snprintf(tmp, sizeof tmp, "unknown (OID=%u)", (Oid)args[0].u.i);
        name = tmp;
    }
    return pgcat_out_text(a, NAMEOID, name, strlen(name), out, err);
}

/* current_setting(name [, missing_ok]): the session's value, as SHOW prints it. */
static int fn_current_setting(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    if (args[0].null) {
        *out = value_null(TEXTOID);
        return 0;
    }
    const char *name = pgcat_arg_cstr(a, &args[0]);
    if (!name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    SessionSettings defaults;
    const SqlSession *s = env->session;
    if (!s)
        settings_init(&defaults);
    char buf[SETTING_VALUE_MAX + 64];
    if (settings_show(s ? &s->settings : &defaults, name, buf, sizeof buf, err) != 0) {
        if (nargs == 2 && !args[1].null && args[1].u.b) {
            sql_error_clear(err);
            *out = value_null(TEXTOID);
            return 0;
        }
        return -1;
    }
    return pgcat_out_text(a, TEXTOID, buf, strlen(buf), out, err);
}

static int fn_pg_table_is_visible(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                  SqlError *err)
{
    (void)a; (void)nargs; (void)err;
    const CatIndex *idx;
    const PgCatTable *vt;
    const CatRelation *rel = pgcat_class_by_oid(env, (Oid)args[0].u.i, &idx, &vt);
    if (vt)
        *out = value_bool(!strcmp(vt->schema, "pg_catalog"));
    else if (!rel)
        *out = value_null(BOOLOID);
    else
        *out = value_bool(pgcat_relname_visible(env, rel->nsp, idx ? idx->name : rel->name));
    return 0;
}

static int fn_pg_type_is_visible(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                 SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)err;
    *out = type_info((Oid)args[0].u.i) ? value_bool(true) : value_null(BOOLOID);
    return 0;
}

static int fn_true(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    *out = value_bool(true);
    return 0;
}

/* The role of a has_*_privilege call: args[0] (name or OID) with 3 arguments, else the
 * current user. NULL when it does not exist (42704, as PostgreSQL). */
static const CatRole *priv_role(const QueryEnv *env, int nargs, const Value *args, SqlError *err)
{
    const CatRole *r = NULL;
    char buf[128];
    if (nargs == 3 && args[0].type == OIDOID) {
        r = catsnap_role_by_oid(env->cat, (Oid)args[0].u.i);
        if (!r)
            SQL_ERR(err, UNDEFINED_OBJECT, "role with OID %u does not exist", (unsigned)args[0].u.i);
        return r;
    }
    if (nargs == 3)
        snprintf(buf, sizeof buf, "%.*s", (int)args[0].u.s.n, args[0].u.s.p);
    else
        snprintf(buf, sizeof buf, "%s", env->user ? env->user : "");
    r = catsnap_role_by_name(env->cat, buf);
    if (!r)
        SQL_ERR(err, UNDEFINED_OBJECT, "role \"%s\" does not exist", buf);
    return r;
}

/* The privilege bits of a has_*_privilege text ("SELECT", "select, insert", "USAGE WITH
 * GRANT OPTION"): any of them suffices. 22023 on an unknown name. */
static int priv_bits(const Value *v, uint32_t *any, SqlError *err)
{
    *any = 0;
    const char *p = v->u.s.p, *end = p + v->u.s.n;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ','))
            p++;
        char word[40];
        size_t n = 0;
        while (p < end && *p != ',' && n + 1 < sizeof word)
            word[n++] = (char)tolower((unsigned char)*p++);
        while (n > 0 && word[n - 1] == ' ')
            n--;
        word[n] = '\0';
        char *w = strstr(word, " with grant option");
        if (w)
            *w = '\0';
        if (!word[0])
            continue;
        uint32_t bit = pgcat_acl_priv_bit(word);
        if (!bit)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized privilege type: \"%s\"", word);
        *any |= bit;
    }
    return 0;
}

/* has_table_privilege([role,] table, privs): superusers hold everything; others what the
 * table's ACL (pgcat_acl.c) grants them or PUBLIC. */
static int fn_has_table_privilege(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                  SqlError *err)
{
    (void)a;
    const CatRole *role = priv_role(env, nargs, args, err);
    if (!role)
        return -1;
    const Value *obj = &args[nargs - 2];
    uint32_t bits;
    if (priv_bits(&args[nargs - 1], &bits, err) != 0)
        return -1;
    Oid oid;
    if (obj->type == OIDOID) {
        oid = (Oid)obj->u.i;
    } else {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)obj->u.s.n, obj->u.s.p);
        if (pgcat_regclass_in(env, name, &oid, err) != 0)
            return -1;
    }
    const CatIndex *idx;
    const PgCatTable *vt;
    const CatRelation *rel = pgcat_class_by_oid(env, oid, &idx, &vt);
    if (!rel && !vt) {
        *out = value_null(BOOLOID);   /* PostgreSQL: NULL for an OID naming no relation */
        return 0;
    }
    if (role->superuser || vt || !rel || idx) {
        *out = value_bool(role->superuser || (vt && (bits & ~PGCAT_ACL_SELECT) == 0) || rel != NULL);
        return 0;
    }
    /* the same rule the statements enforce (sql/acl_check.c: memberships included) */
    *out = value_bool((acl_relation_privs(env->cat, role->oid, rel) & bits) != 0);
    return 0;
}

/* pg_has_role([user,] role, 'MEMBER' | 'USAGE' [WITH ADMIN OPTION]): sql/acl_check.c. */
static const CatRole *role_arg(const QueryEnv *env, const Value *v, SqlError *err)
{
    if (v->type == OIDOID) {
        const CatRole *r = catsnap_role_by_oid(env->cat, (Oid)v->u.i);
        if (!r)
            SQL_ERR(err, UNDEFINED_OBJECT, "role with OID %u does not exist", (unsigned)v->u.i);
        return r;
    }
    char buf[128];
    snprintf(buf, sizeof buf, "%.*s", (int)v->u.s.n, v->u.s.p);
    const CatRole *r = catsnap_role_by_name(env->cat, buf);
    if (!r)
        SQL_ERR(err, UNDEFINED_OBJECT, "role \"%s\" does not exist", buf);
    return r;
}

static int fn_pg_has_role(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)a;
    const CatRole *user = nargs == 3 ? role_arg(env, &args[0], err) : catsnap_role_by_oid(env->cat, env->user_oid);
    const CatRole *role = role_arg(env, &args[nargs - 2], err);
    if (!user || !role)
        return user || role ? -1 : SQL_ERR(err, UNDEFINED_OBJECT, "role does not exist");
    char mode[64];
    const Value *m = &args[nargs - 1];
    size_t n = m->u.s.n < sizeof mode - 1 ? m->u.s.n : sizeof mode - 1;
    for (size_t i = 0; i < n; i++)
        mode[i] = (char)tolower((unsigned char)m->u.s.p[i]);
    mode[n] = '\0';
    bool r;
    if (strstr(mode, "admin"))
        r = acl_has_admin_of_role(env->cat, user->oid, role->oid);
    else if (strstr(mode, "usage"))
        r = acl_has_privs_of_role(env->cat, user->oid, role->oid);
    else if (strstr(mode, "member"))
        r = acl_is_member_of_role(env->cat, user->oid, role->oid);
    else
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized privilege type: \"%s\"", mode);
    *out = value_bool(r);
    return 0;
}

/* has_schema_privilege([role,] schema, privs), like has_table_privilege. */
static int fn_has_schema_privilege(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                   SqlError *err)
{
    (void)a;
    const CatRole *role = priv_role(env, nargs, args, err);
    if (!role)
        return -1;
    const Value *obj = &args[nargs - 2];
    uint32_t bits;
    if (priv_bits(&args[nargs - 1], &bits, err) != 0)
        return -1;
    const CatNamespace *ns;
    if (obj->type == OIDOID) {
        ns = catsnap_namespace_by_oid(env->cat, (Oid)obj->u.i);
        if (!ns && obj->u.i != CAT_OID_PG_CATALOG_NSP && obj->u.i != CAT_OID_INFORMATION_SCHEMA_NSP) {
            *out = value_null(BOOLOID);
            return 0;
        }
    } else {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)obj->u.s.n, obj->u.s.p);
        ns = catsnap_namespace_by_name(env->cat, name);
        if (!ns && strcmp(name, "pg_catalog") != 0 && strcmp(name, "information_schema") != 0)
            return SQL_ERR(err, INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", name);
    }
    if (role->superuser || !ns) {   /* the system schemas: USAGE for everyone */
        *out = value_bool(role->superuser || (bits & PGCAT_ACL_USAGE) != 0);
        return 0;
    }
    *out = value_bool((acl_namespace_privs(env->cat, role->oid, ns) & bits) != 0);
    return 0;
}

static int fn_false(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    *out = value_bool(false);
    return 0;
}

static int fn_null_text(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                        SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    *out = value_null(TEXTOID);
    return 0;
}

static int fn_empty_text(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)env; (void)nargs; (void)args;
    return pgcat_out_text(a, TEXTOID, "", 0, out, err);
}

/* The comment of object oid in catalog classname (NULL = any class, as the one-argument
 * obj_description used to). */
static const char *object_comment(const QueryEnv *env, Oid oid, const char *classname)
{
    bool any = classname == NULL;
    if (any || !strcmp(classname, "pg_class")) {
        const CatIndex *idx;
        const PgCatTable *vt;
        const CatRelation *rel = pgcat_class_by_oid(env, oid, &idx, &vt);
        if (rel)
            return idx ? idx->comment : rel->comment;
    }
    if (any || !strcmp(classname, "pg_namespace")) {
        const CatNamespace *ns = catsnap_namespace_by_oid(env->cat, oid);
        if (ns)
            return ns->comment;
    }
    if (any || !strcmp(classname, "pg_constraint")) {
        const CatConstraint *con;
        if (pgcat_constraint_by_oid(env, oid, &con))
            return con->comment;
    }
    if (any || !strcmp(classname, "pg_database")) {
        const CatDatabase *d = catsnap_database_by_oid(env->cat, oid);
        if (d)
            return d->comment;
    }
    if (any || !strcmp(classname, "pg_authid")) {
        const CatRole *r = catsnap_role_by_oid(env->cat, oid);
        if (r)
            return r->comment;
    }
    return NULL;
}

static int fn_obj_description(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    const char *cls = NULL;
    if (nargs >= 2 && !(cls = pgcat_arg_cstr(a, &args[1])))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    const char *c = object_comment(env, (Oid)args[0].u.i, cls);
    if (!c) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return pgcat_out_text(a, TEXTOID, c, strlen(c), out, err);
}

static int fn_shobj_description(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                SqlError *err)
{
    (void)nargs;
    const char *cls = pgcat_arg_cstr(a, &args[1]);
    if (!cls)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    const char *c = NULL;
    if (!strcmp(cls, "pg_database") || !strcmp(cls, "pg_authid"))
        c = object_comment(env, (Oid)args[0].u.i, cls);
    if (!c) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return pgcat_out_text(a, TEXTOID, c, strlen(c), out, err);
}

static int fn_col_description(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    (void)nargs;
    const CatRelation *rel = catsnap_relation_by_oid(env->cat, (Oid)args[0].u.i);
    int64_t n = args[1].u.i;
    const char *c = NULL;
    if (rel && n >= 1 && n <= rel->ncols && !rel->cols[n - 1].dropped)
        c = rel->cols[n - 1].comment;
    if (!c) {
        *out = value_null(TEXTOID);
        return 0;
    }
    return pgcat_out_text(a, TEXTOID, c, strlen(c), out, err);
}

static int fn_current_schemas(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    (void)nargs;
    Oid path[16];
    int n = pgcat_search_path(env, path, 16);
    Value names[16];
    int k = 0;
    for (int i = 0; i < n; i++) {
        /* pg_catalog is implicit unless the path names it; include_implicit shows it. */
        if (i == 0 && !args[0].u.b)
            continue;
        const char *nm = pgcat_nsp_name(env, path[i]);
        if (nm)
            names[k++] = value_bytes(NAMEOID, nm, (uint32_t)strlen(nm));
    }
    if (types_array_build(NAMEOID, 1, (uint32_t)k, names, a, out, err) != 0)
        return -1;
    out->type = NAME_ARRAYOID;
    return 0;
}

static int fn_current_schema(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                             SqlError *err)
{
    (void)nargs; (void)args;
    Oid nsp = pgcat_creation_namespace(env);
    const char *nm = nsp ? pgcat_nsp_name(env, nsp) : NULL;
    if (!nm) {
        *out = value_null(NAMEOID);
        return 0;
    }
    return pgcat_out_text(a, NAMEOID, nm, strlen(nm), out, err);
}

static int fn_pg_encoding_to_char(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                  SqlError *err)
{
    (void)env; (void)nargs;
    const char *s = args[0].u.i == 6 ? "UTF8" : args[0].u.i == 0 ? "SQL_ASCII" : "";
    return pgcat_out_text(a, NAMEOID, s, strlen(s), out, err);
}

static int fn_pg_char_to_encoding(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                  SqlError *err)
{
    (void)env; (void)nargs; (void)err;
    const char *s = pgcat_arg_cstr(a, &args[0]);
    int64_t e = -1;
    if (s && (!strcasecmp(s, "UTF8") || !strcasecmp(s, "UTF-8") || !strcasecmp(s, "unicode")))
        e = 6;
    else if (s && !strcasecmp(s, "SQL_ASCII"))
        e = 0;
    *out = value_int(INT4OID, e);
    return 0;
}

/* ---- the registry --------------------------------------------------------------------- */

#define F(NAME, N, A0, A1, A2, A3, RET, STRICT, FN, OID) {NAME, N, {A0, A1, A2, A3}, RET, STRICT, FN, OID}

static const PgCatFunc funcs[] = {
    F("format_type", 2, OIDOID, INT4OID, 0, 0, TEXTOID, false, fn_format_type, 1081),
    /* pg_get_expr's first argument is pg_node_tree in PostgreSQL; the catalogs hold text. */
    F("pg_get_expr", 2, TEXTOID, OIDOID, 0, 0, TEXTOID, true, fn_pg_get_expr, 1716),
    F("pg_get_expr", 3, TEXTOID, OIDOID, BOOLOID, 0, TEXTOID, true, fn_pg_get_expr, 2509),
    F("pg_get_indexdef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_pg_get_indexdef, 1643),
    F("pg_get_indexdef", 3, OIDOID, INT4OID, BOOLOID, 0, TEXTOID, true, fn_pg_get_indexdef, 2507),
    F("pg_get_constraintdef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_pg_get_constraintdef, 1387),
    F("pg_get_constraintdef", 2, OIDOID, BOOLOID, 0, 0, TEXTOID, true, fn_pg_get_constraintdef, 2508),
    F("pg_get_viewdef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_pg_get_viewdef, 1641),
    F("pg_get_viewdef", 2, OIDOID, BOOLOID, 0, 0, TEXTOID, true, fn_pg_get_viewdef, 2506),
    F("pg_get_viewdef", 2, OIDOID, INT4OID, 0, 0, TEXTOID, true, fn_pg_get_viewdef, 3159),
    F("pg_get_viewdef", 1, TEXTOID, 0, 0, 0, TEXTOID, true, fn_pg_get_viewdef, 1640),
    F("pg_get_viewdef", 2, TEXTOID, BOOLOID, 0, 0, TEXTOID, true, fn_pg_get_viewdef, 2505),
    F("pg_get_userbyid", 1, OIDOID, 0, 0, 0, NAMEOID, true, fn_pg_get_userbyid, 1642),
    F("pg_get_serial_sequence", 2, TEXTOID, TEXTOID, 0, 0, TEXTOID, true, pgcat_fn_get_serial_sequence, 1665),
    F("pg_get_triggerdef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_null_text, 1662),
    F("pg_get_triggerdef", 2, OIDOID, BOOLOID, 0, 0, TEXTOID, true, fn_null_text, 2730),
    F("pg_get_ruledef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_null_text, 1573),
    F("pg_get_ruledef", 2, OIDOID, BOOLOID, 0, 0, TEXTOID, true, fn_null_text, 2504),
    F("pg_get_partkeydef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_null_text, 3352),
    F("pg_get_statisticsobjdef_columns", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_null_text, 6174),
    F("pg_get_function_sqlbody", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_null_text, 6197),
    F("pg_get_function_result", 1, OIDOID, 0, 0, 0, TEXTOID, true, pgcat_fn_function_result, 2165),
    F("pg_get_function_arguments", 1, OIDOID, 0, 0, 0, TEXTOID, true, pgcat_fn_function_arguments, 2162),
    F("pg_get_function_identity_arguments", 1, OIDOID, 0, 0, 0, TEXTOID, true, pgcat_fn_function_arguments, 2232),
    F("current_setting", 1, TEXTOID, 0, 0, 0, TEXTOID, true, fn_current_setting, 2077),
    F("current_setting", 2, TEXTOID, BOOLOID, 0, 0, TEXTOID, false, fn_current_setting, 3294),
    F("pg_table_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_pg_table_is_visible, 2079),
    F("pg_type_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_pg_type_is_visible, 2080),
    F("pg_function_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 2081),
    F("pg_opclass_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 2083),
    F("pg_operator_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 2082),
    F("pg_conversion_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 2093),
    F("pg_statistics_obj_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 3403),
    F("pg_collation_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_true, 3815),
    F("obj_description", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_obj_description, 1348),
    F("obj_description", 2, OIDOID, NAMEOID, 0, 0, TEXTOID, true, fn_obj_description, 1215),
    F("col_description", 2, OIDOID, INT4OID, 0, 0, TEXTOID, true, fn_col_description, 1216),
    F("shobj_description", 2, OIDOID, NAMEOID, 0, 0, TEXTOID, true, fn_shobj_description, 1993),
    /* Privileges: none exist yet, so every check passes. */
    F("has_table_privilege", 2, TEXTOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_table_privilege, 1926),
    F("has_table_privilege", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_table_privilege, 1927),
    F("has_table_privilege", 3, NAMEOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_has_table_privilege, 1922),
    F("has_table_privilege", 3, NAMEOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_has_table_privilege, 1923),
    F("has_table_privilege", 3, OIDOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_has_table_privilege, 1924),
    F("has_table_privilege", 3, OIDOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_has_table_privilege, 1925),
    F("has_schema_privilege", 2, TEXTOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_schema_privilege, 2272),
    F("has_schema_privilege", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_schema_privilege, 2273),
    F("has_schema_privilege", 3, NAMEOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_has_schema_privilege, 2268),
    F("has_schema_privilege", 3, NAMEOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_has_schema_privilege, 2269),
    F("has_schema_privilege", 3, OIDOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_has_schema_privilege, 2270),
    F("has_schema_privilege", 3, OIDOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_has_schema_privilege, 2271),
    F("has_database_privilege", 2, TEXTOID, TEXTOID, 0, 0, BOOLOID, true, fn_true, 2254),
    F("has_database_privilege", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_true, 2255),
    F("has_database_privilege", 3, NAMEOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_true, 2250),
    F("has_database_privilege", 3, NAMEOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_true, 2251),
    F("has_database_privilege", 3, OIDOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_true, 2252),
    F("has_database_privilege", 3, OIDOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_true, 2253),
    F("has_sequence_privilege", 2, TEXTOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_table_privilege, 2185),
    F("has_sequence_privilege", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_has_table_privilege, 2186),
    F("has_sequence_privilege", 3, NAMEOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_has_table_privilege, 2181),
    F("has_function_privilege", 2, TEXTOID, TEXTOID, 0, 0, BOOLOID, true, fn_true, 2260),
    F("has_function_privilege", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_true, 2261),
    F("has_column_privilege", 3, TEXTOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_true, 3020),
    F("has_column_privilege", 3, OIDOID, TEXTOID, TEXTOID, 0, BOOLOID, true, fn_true, 3022),
    F("has_column_privilege", 3, OIDOID, INT2OID, TEXTOID, 0, BOOLOID, true, fn_true, 3023),
    F("pg_has_role", 2, NAMEOID, TEXTOID, 0, 0, BOOLOID, true, fn_pg_has_role, 2709),
    F("pg_has_role", 2, OIDOID, TEXTOID, 0, 0, BOOLOID, true, fn_pg_has_role, 2710),
    F("pg_has_role", 3, NAMEOID, NAMEOID, TEXTOID, 0, BOOLOID, true, fn_pg_has_role, 2705),
    F("pg_has_role", 3, OIDOID, OIDOID, TEXTOID, 0, BOOLOID, true, fn_pg_has_role, 2708),
    F("current_schemas", 1, BOOLOID, 0, 0, 0, NAME_ARRAYOID, true, fn_current_schemas, 1403),
    F("current_schema", 0, 0, 0, 0, 0, NAMEOID, true, fn_current_schema, 1402),
    F("pg_encoding_to_char", 1, INT4OID, 0, 0, 0, NAMEOID, true, fn_pg_encoding_to_char, 1597),
    F("pg_char_to_encoding", 1, NAMEOID, 0, 0, 0, INT4OID, true, fn_pg_char_to_encoding, 1264),
    F("to_regclass", 1, TEXTOID, 0, 0, 0, REGCLASSOID, true, pgcat_fn_to_regclass, 3495),
    F("to_regtype", 1, TEXTOID, 0, 0, 0, REGTYPEOID, true, pgcat_fn_to_regtype, 3493),
    F("pg_relation_size", 1, REGCLASSOID, 0, 0, 0, INT8OID, true, pgcat_fn_relation_size, 2325),
    F("pg_relation_size", 2, REGCLASSOID, TEXTOID, 0, 0, INT8OID, true, pgcat_fn_relation_size, 2332),
    F("pg_total_relation_size", 1, REGCLASSOID, 0, 0, 0, INT8OID, true, pgcat_fn_total_relation_size, 2286),
    F("pg_table_size", 1, REGCLASSOID, 0, 0, 0, INT8OID, true, pgcat_fn_table_size, 2997),
    F("pg_indexes_size", 1, REGCLASSOID, 0, 0, 0, INT8OID, true, pgcat_fn_indexes_size, 2998),
    F("pg_database_size", 1, NAMEOID, 0, 0, 0, INT8OID, true, pgcat_fn_database_size, 2168),
    F("pg_database_size", 1, OIDOID, 0, 0, 0, INT8OID, true, pgcat_fn_database_size, 2324),
    F("pg_size_pretty", 1, INT8OID, 0, 0, 0, TEXTOID, true, pgcat_fn_size_pretty, 2288),
    F("pg_tablespace_location", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_empty_text, 3778),
    F("pg_relation_is_publishable", 1, REGCLASSOID, 0, 0, 0, BOOLOID, true, fn_false, 6121),
    F("pg_backend_pid", 0, 0, 0, 0, 0, INT4OID, true, pgcat_fn_backend_pid, 2026),
    F("pg_cancel_backend", 1, INT4OID, 0, 0, 0, BOOLOID, true, pgcat_fn_cancel_backend, 2171),
    /* timeout DEFAULT 0: the one-argument form is the same pg_proc entry (listed once) */
    F("pg_terminate_backend", 2, INT4OID, INT8OID, 0, 0, BOOLOID, true, pgcat_fn_terminate_backend, 2096),
    F("pg_terminate_backend", 1, INT4OID, 0, 0, 0, BOOLOID, true, pgcat_fn_terminate_backend, 2096),
    F("txid_current", 0, 0, 0, 0, 0, INT8OID, true, pgcat_fn_txid_current, 2943),
    F("pg_postmaster_start_time", 0, 0, 0, 0, 0, TIMESTAMPTZOID, true, pgcat_fn_postmaster_start_time, 2560),
    F("pg_is_in_recovery", 0, 0, 0, 0, 0, BOOLOID, true, fn_false, 3810),
    F("inet_server_port", 0, 0, 0, 0, 0, INT4OID, false, pgcat_fn_inet_server_port, 2199),
};

#undef F

/* The registry continues with pg_dump's extra functions (pgcat_dump.c). */
#define N_FUNCS ((int)(sizeof funcs / sizeof funcs[0]))

int pgcat_func_count(void)
{
    return N_FUNCS + pgcat_dump_func_count() + embed_func_count() + obs_func_count();
}

const PgCatFunc *pgcat_func_at(int i)
{
    if (i >= N_FUNCS + pgcat_dump_func_count() + embed_func_count())
        return obs_func_at(i - N_FUNCS - pgcat_dump_func_count() - embed_func_count()); /* sql/obs.c */
    if (i >= N_FUNCS + pgcat_dump_func_count())
        return embed_func_at(i - N_FUNCS - pgcat_dump_func_count()); /* sql/embed_sql.c */
    if (i >= N_FUNCS)
        return pgcat_dump_func_at(i - N_FUNCS);
    return i >= 0 ? &funcs[i] : NULL;
}

/* How well actual type `have` fits declared `want`: 3 exact, 2 an unknown literal to a
 * string type (PostgreSQL prefers the string category for unknowns), 1 any other implicit
 * coercion (unknown included), 0 none. */
static int arg_score(Oid have, Oid want)
{
    if (have == want)
        return 3;
    if (have == UNKNOWNOID)
        return types_category(want) == 'S' ? 2 : 1;
    /* regclass/regtype/oid are binary compatible with each other in PostgreSQL. */
    bool have_oidlike = have == OIDOID || have == REGCLASSOID || have == REGTYPEOID || have == REGPROCOID;
    bool want_oidlike = want == OIDOID || want == REGCLASSOID || want == REGTYPEOID || want == REGPROCOID;
    if (have_oidlike && want_oidlike)
        return 2;
    if (have == INVALIDOID)
        return 1;
    return types_can_coerce(have, want, TYPES_COERCE_IMPLICIT) ? 1 : 0;
}

const PgCatFunc *pgcat_func_lookup(const char *name, int nargs, const Oid *argtypes)
{
    const PgCatFunc *best = NULL;
    int best_score = -1;
    for (int i = 0; i < pgcat_func_count(); i++) {
        const PgCatFunc *f = pgcat_func_at(i);
        if (f->nargs != nargs || strcmp(f->name, name) != 0)
            continue;
        int score = 0;
        bool ok = true;
        for (int a = 0; a < nargs && ok; a++) {
            int s = arg_score(argtypes ? argtypes[a] : INVALIDOID, f->args[a]);
            ok = s > 0;
            score += s;
        }
        if (ok && score > best_score) {
            best = f;
            best_score = score;
        }
    }
    return best;
}
