/* pgcat_dump.c -- what pg_dump 15 reads beyond the other pgcat files (see pgcat_dump.h):
 * empty catalogs for object kinds ShaleDB does not have, set_config / current_setting on
 * the session's settings, acldefault (PostgreSQL's default privileges as text[], since
 * aclitem[] is served as text[]), and the pg_options_to_table set-returning function.
 *
 * Column names, order and pg_class OIDs are PostgreSQL 15's; types follow pgcat.h's
 * substitutions (regproc stays regproc, pg_lsn -> text, aclitem[] -> text[]). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/pgcat/pgcat_dump.h"
#include "sql/pgcat/pgcat_func_int.h"
#include "sql/session_int.h"

/* ---- empty catalogs ------------------------------------------------------------------- */

static int rows_empty(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    (void)env; (void)arena; (void)emit; (void)arg; (void)err;
    return 0;
}

static const PgCatColumn cols_opfamily[] = {
    {"oid", OIDOID, -1}, {"opfmethod", OIDOID, -1}, {"opfname", NAMEOID, -1},
    {"opfnamespace", OIDOID, -1}, {"opfowner", OIDOID, -1},
};
static const PgCatColumn cols_amop[] = {
    {"oid", OIDOID, -1}, {"amopfamily", OIDOID, -1}, {"amoplefttype", OIDOID, -1},
    {"amoprighttype", OIDOID, -1}, {"amopstrategy", INT2OID, -1}, {"amoppurpose", CHAROID, -1},
    {"amopopr", OIDOID, -1}, {"amopmethod", OIDOID, -1}, {"amopsortfamily", OIDOID, -1},
};
static const PgCatColumn cols_amproc[] = {
    {"oid", OIDOID, -1}, {"amprocfamily", OIDOID, -1}, {"amproclefttype", OIDOID, -1},
    {"amprocrighttype", OIDOID, -1}, {"amprocnum", INT2OID, -1}, {"amproc", REGPROCOID, -1},
};
static const PgCatColumn cols_ts_parser[] = {
    {"oid", OIDOID, -1}, {"prsname", NAMEOID, -1}, {"prsnamespace", OIDOID, -1},
    {"prsstart", REGPROCOID, -1}, {"prstoken", REGPROCOID, -1}, {"prsend", REGPROCOID, -1},
    {"prsheadline", REGPROCOID, -1}, {"prslextype", REGPROCOID, -1},
};
static const PgCatColumn cols_ts_template[] = {
    {"oid", OIDOID, -1}, {"tmplname", NAMEOID, -1}, {"tmplnamespace", OIDOID, -1},
    {"tmplinit", REGPROCOID, -1}, {"tmpllexize", REGPROCOID, -1},
};
static const PgCatColumn cols_ts_dict[] = {
    {"oid", OIDOID, -1}, {"dictname", NAMEOID, -1}, {"dictnamespace", OIDOID, -1},
    {"dictowner", OIDOID, -1}, {"dicttemplate", OIDOID, -1}, {"dictinitoption", TEXTOID, -1},
};
static const PgCatColumn cols_ts_config[] = {
    {"oid", OIDOID, -1}, {"cfgname", NAMEOID, -1}, {"cfgnamespace", OIDOID, -1},
    {"cfgowner", OIDOID, -1}, {"cfgparser", OIDOID, -1},
};
static const PgCatColumn cols_transform[] = {
    {"oid", OIDOID, -1}, {"trftype", OIDOID, -1}, {"trflang", OIDOID, -1},
    {"trffromsql", REGPROCOID, -1}, {"trftosql", REGPROCOID, -1},
};
static const PgCatColumn cols_subscription[] = {
    {"oid", OIDOID, -1}, {"subdbid", OIDOID, -1}, {"subskiplsn", TEXTOID, -1},
    {"subname", NAMEOID, -1}, {"subowner", OIDOID, -1}, {"subenabled", BOOLOID, -1},
    {"subbinary", BOOLOID, -1}, {"substream", BOOLOID, -1}, {"subtwophasestate", CHAROID, -1},
    {"subdisableonerr", BOOLOID, -1}, {"subconninfo", TEXTOID, -1}, {"subslotname", NAMEOID, -1},
    {"subsynccommit", TEXTOID, -1}, {"subpublications", TEXT_ARRAYOID, -1},
};
static const PgCatColumn cols_largeobject_metadata[] = {
    {"oid", OIDOID, -1}, {"lomowner", OIDOID, -1}, {"lomacl", TEXT_ARRAYOID, -1},
};
static const PgCatColumn cols_seclabels[] = {
    {"objoid", OIDOID, -1}, {"classoid", OIDOID, -1}, {"objsubid", INT4OID, -1},
    {"objtype", TEXTOID, -1}, {"objnamespace", OIDOID, -1}, {"objname", TEXTOID, -1},
    {"provider", TEXTOID, -1}, {"label", TEXTOID, -1},
};

#define T(NAME, OID, KIND, COLS) \
    {"pg_catalog", NAME, OID, KIND, (int)(sizeof COLS / sizeof COLS[0]), COLS, rows_empty}

static const PgCatTable dump_tables[] = {
    T("pg_opfamily", 2753, 'r', cols_opfamily),
    T("pg_amop", 2602, 'r', cols_amop),
    T("pg_amproc", 2603, 'r', cols_amproc),
    T("pg_ts_parser", 3601, 'r', cols_ts_parser),
    T("pg_ts_template", 3764, 'r', cols_ts_template),
    T("pg_ts_dict", 3600, 'r', cols_ts_dict),
    T("pg_ts_config", 3602, 'r', cols_ts_config),
    T("pg_transform", 3576, 'r', cols_transform),
    T("pg_subscription", 6100, 'r', cols_subscription),
    T("pg_largeobject_metadata", 2995, 'r', cols_largeobject_metadata),
    T("pg_seclabels", 12099, 'v', cols_seclabels),
};

#undef T

int pgcat_dump_n_tables(void)
{
    return (int)(sizeof dump_tables / sizeof dump_tables[0]);
}

const PgCatTable *pgcat_dump_table(int i)
{
    return i >= 0 && i < pgcat_dump_n_tables() ? &dump_tables[i] : NULL;
}

const PgCatTable *pgcat_dump_lookup(const char *schema, const char *name)
{
    if (!schema)
        schema = "pg_catalog";
    for (int i = 0; i < pgcat_dump_n_tables(); i++)
        if (!strcmp(dump_tables[i].name, name) && !strcmp(dump_tables[i].schema, schema))
            return &dump_tables[i];
    return NULL;
}

const PgCatTable *pgcat_dump_lookup_oid(Oid oid)
{
    for (int i = 0; i < pgcat_dump_n_tables(); i++)
        if (dump_tables[i].oid == oid)
            return &dump_tables[i];
    return NULL;
}

/* ---- settings ---------------------------------------------------------------------------- */

/* set_config(name, value, is_local): SET [LOCAL] name = value, returning the new value
 * as SHOW prints it. The QueryEnv's session is the caller's SqlSession (session.c). */
static int fn_set_config(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)nargs;
    SqlSession *s = env->session;
    const char *name = pgcat_arg_cstr(a, &args[0]);
    const char *value = args[1].null ? NULL : pgcat_arg_cstr(a, &args[1]);
    if (!name || (!args[1].null && !value))
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (!s)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "set_config is not available here");
    bool is_local = !args[2].null && args[2].u.b;
    if (settings_set(&s->settings, name, value, is_local, err) != 0)
        return -1;
    char buf[SETTING_VALUE_MAX];
    if (settings_show(&s->settings, name, buf, sizeof buf, err) != 0)
        return -1;
    return pgcat_out_text(a, TEXTOID, buf, strlen(buf), out, err);
}

/* current_setting(name [, missing_ok]). */
static int fn_current_setting(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    SqlSession *s = env->session;
    const char *name = pgcat_arg_cstr(a, &args[0]);
    if (!name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (!s)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "current_setting is not available here");
    bool missing_ok = nargs > 1 && !args[1].null && args[1].u.b;
    char buf[SETTING_VALUE_MAX];
    if (settings_show(&s->settings, name, buf, sizeof buf, err) != 0) {
        if (!missing_ok)
            return -1;
        sql_error_clear(err);
        *out = value_null(TEXTOID);
        return 0;
    }
    return pgcat_out_text(a, TEXTOID, buf, strlen(buf), out, err);
}

/* ---- acldefault ---------------------------------------------------------------------------- */

/* acldefault(objtype "char", owner oid): PostgreSQL's built-in default ACL for an object
 * of that kind owned by owner, as aclitem text ("owner=arwdDxt/owner"); the PUBLIC entry
 * first where PostgreSQL grants PUBLIC something by default. */
static int fn_acldefault(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)nargs;
    char kind = args[0].u.s.n > 0 ? args[0].u.s.p[0] : ' ';
    const char *owner = pgcat_role_name(env, (Oid)args[1].u.i);
    char ownbuf[32];
    if (!owner) {
        snprintf(ownbuf, sizeof ownbuf, "%u", (unsigned)args[1].u.i);
        owner = ownbuf;
    }
    const char *priv, *pub = NULL;
    switch (kind) {
    case 'r': priv = "arwdDxt"; break;                  /* relation */
    case 's': priv = "rwU"; break;                      /* sequence */
    case 'd': priv = "CTc"; pub = "Tc"; break;          /* database */
    case 'f': priv = "X"; pub = "X"; break;             /* function */
    case 'l': priv = "U"; pub = "U"; break;             /* language */
    case 'L': priv = "rw"; break;                       /* large object */
    case 'n': priv = "UC"; break;                       /* schema */
    case 't': priv = "C"; break;                        /* tablespace */
    case 'F': case 'S': priv = "U"; break;              /* FDW, foreign server */
    case 'T': priv = "U"; pub = "U"; break;             /* type */
    case 'p': priv = "sA"; break;                       /* parameter */
    default:
        return SQL_ERR(err, INTERNAL_ERROR, "unrecognized object type abbreviation: %c", kind);
    }
    char items[2][160];
    Value elems[2];
    int n = 0;
    if (pub) {
        snprintf(items[n], sizeof items[n], "=%s/%s", pub, owner);
        elems[n] = value_bytes(TEXTOID, items[n], (uint32_t)strlen(items[n]));
        n++;
    }
    snprintf(items[n], sizeof items[n], "%s=%s/%s", owner, priv, owner);
    elems[n] = value_bytes(TEXTOID, items[n], (uint32_t)strlen(items[n]));
    n++;
    if (types_array_build(TEXTOID, 1, (uint32_t)n, elems, a, out, err) != 0)
        return -1;
    out->type = TEXT_ARRAYOID;
    return 0;
}

/* ---- parse_ident ------------------------------------------------------------------------- */

/* parse_ident(text [, strict bool]): a qualified identifier split into its names (Grafana's
 * query builder: parse_ident('schema.table')). Unquoted names are lower-cased, quoted ones
 * kept with "" undoubled; strict (the default) rejects anything after the last name. */
static int fn_parse_ident(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    (void)env;
    bool strict = nargs < 2 || args[1].null || args[1].u.b;
    const char *p = args[0].u.s.p, *end = p + args[0].u.s.n;
    Value elems[64];
    int n = 0;
    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        char *name = shale_arena_alloc(a, (size_t)(end - p) + 1);
        if (!name)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        size_t k = 0;
        if (p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end)
                    return SQL_ERR(err, INVALID_PARAMETER_VALUE, "string is not a valid identifier: \"%.*s\"",
                                   (int)args[0].u.s.n, args[0].u.s.p);
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        name[k++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                name[k++] = *p++;
            }
            if (k == 0)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "string is not a valid identifier: \"%.*s\"",
                               (int)args[0].u.s.n, args[0].u.s.p);
        } else {
            while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80))
                name[k++] = (char)tolower((unsigned char)*p++);
            if (k == 0)
                return SQL_ERR(err, INVALID_PARAMETER_VALUE, "string is not a valid identifier: \"%.*s\"",
                               (int)args[0].u.s.n, args[0].u.s.p);
        }
        if (n >= 64)
            return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "too many names in identifier");
        elems[n++] = value_bytes(TEXTOID, name, (uint32_t)k);
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p < end && *p == '.') {
            p++;
            continue;
        }
        break;
    }
    if (p < end && strict)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "string is not a valid identifier: \"%.*s\"",
                       (int)args[0].u.s.n, args[0].u.s.p);
    if (types_array_build(TEXTOID, 1, (uint32_t)n, elems, a, out, err) != 0)
        return -1;
    out->type = TEXT_ARRAYOID;
    return 0;
}

/* ---- psql helpers -------------------------------------------------------------------------- */

/* getdatabaseencoding(): every ShaleDB database is UTF8 (\dO). */
static int fn_getdatabaseencoding(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                  SqlError *err)
{
    (void)env; (void)nargs; (void)args;
    return pgcat_out_text(a, NAMEOID, "UTF8", 4, out, err);
}

/* pg_get_functiondef(oid) of the catalog functions pg_proc lists (\sf): their definition as
 * PostgreSQL prints an internal function's; NULL for an OID naming none of them. */
static int fn_pg_get_functiondef(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                 SqlError *err)
{
    (void)env; (void)nargs;
    const PgCatFunc *f = NULL;
    for (int i = 0; i < pgcat_func_count() && !f; i++)
        if (pgcat_func_at(i)->oid == (Oid)args[0].u.i)
            f = pgcat_func_at(i);
    if (!f) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append(&b, "CREATE OR REPLACE FUNCTION pg_catalog.", 38);
    shale_buf_append(&b, f->name, strlen(f->name));
    shale_buf_append_byte(&b, '(');
    for (int i = 0; i < f->nargs; i++) {
        if (i)
            shale_buf_append(&b, ", ", 2);
        pgcat_format_type_nomod(f->args[i], &b);
    }
    shale_buf_append(&b, ")\n RETURNS ", 11);
    pgcat_format_type_nomod(f->ret, &b);
    const char *tail = f->strict ? "\n LANGUAGE internal\n STABLE PARALLEL SAFE STRICT\nAS $function$"
                                 : "\n LANGUAGE internal\n STABLE PARALLEL SAFE\nAS $function$";
    shale_buf_append(&b, tail, strlen(tail));
    shale_buf_append(&b, f->name, strlen(f->name));
    shale_buf_append(&b, "$function$\n", 11);
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

static int fn_visible(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    *out = value_bool(true);   /* text search objects and operator families: none exist */
    return 0;
}

/* ---- registry ------------------------------------------------------------------------------ */

#define F(NAME, N, A0, A1, A2, A3, RET, STRICT, FN, OID) {NAME, N, {A0, A1, A2, A3}, RET, STRICT, FN, OID}

static const PgCatFunc dump_funcs[] = {
    F("set_config", 3, TEXTOID, TEXTOID, BOOLOID, 0, TEXTOID, false, fn_set_config, 2078),
    F("current_setting", 1, TEXTOID, 0, 0, 0, TEXTOID, true, fn_current_setting, 2077),
    F("current_setting", 2, TEXTOID, BOOLOID, 0, 0, TEXTOID, true, fn_current_setting, 3294),
    F("acldefault", 2, CHAROID, OIDOID, 0, 0, TEXT_ARRAYOID, true, fn_acldefault, 3943),
    F("parse_ident", 1, TEXTOID, 0, 0, 0, TEXT_ARRAYOID, true, fn_parse_ident, 1268),
    F("parse_ident", 2, TEXTOID, BOOLOID, 0, 0, TEXT_ARRAYOID, true, fn_parse_ident, 1268),
    F("getdatabaseencoding", 0, 0, 0, 0, 0, NAMEOID, false, fn_getdatabaseencoding, 1039),
    F("pg_get_functiondef", 1, OIDOID, 0, 0, 0, TEXTOID, true, fn_pg_get_functiondef, 2098),
    F("pg_opfamily_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_visible, 3829),
    F("pg_ts_parser_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_visible, 3756),
    F("pg_ts_dict_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_visible, 3757),
    F("pg_ts_template_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_visible, 3768),
    F("pg_ts_config_is_visible", 1, OIDOID, 0, 0, 0, BOOLOID, true, fn_visible, 3758),
};

#undef F

int pgcat_dump_func_count(void)
{
    return (int)(sizeof dump_funcs / sizeof dump_funcs[0]);
}

const PgCatFunc *pgcat_dump_func_at(int i)
{
    return i >= 0 && i < pgcat_dump_func_count() ? &dump_funcs[i] : NULL;
}

/* ---- pg_options_to_table ------------------------------------------------------------------ */

typedef struct OptionsState {
    bool open;                 /* false: NULL array, no rows */
    TypesArrayReader rd;       /* over the array bytes copied into ctx->arena */
} OptionsState;

static int options_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    OptionsState *st = state;
    st->open = false;
    if (nargs < 1 || args[0].null)
        return 0;
    Value copy = args[0];
    char *p = shale_arena_alloc(ctx->arena, args[0].u.s.n ? args[0].u.s.n : 1);
    if (!p)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(p, args[0].u.s.p, args[0].u.s.n);
    copy.u.s.p = p;
    if (types_array_open(&copy, &st->rd, err) != 0)
        return -1;
    st->open = true;
    return 0;
}

static int options_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    OptionsState *st = state;
    if (!st->open)
        return 0;
    Value e;
    for (;;) {
        int rc = types_array_next(&st->rd, &e, err);
        if (rc <= 0)
            return rc;
        if (!e.null)
            break;
    }
    const char *eq = memchr(e.u.s.p, '=', e.u.s.n);
    size_t klen = eq ? (size_t)(eq - e.u.s.p) : e.u.s.n;
    if (pgcat_out_text(ctx->arena, TEXTOID, e.u.s.p, klen, &out[0], err) != 0)
        return -1;
    if (!eq)
        out[1] = value_null(TEXTOID);
    else if (pgcat_out_text(ctx->arena, TEXTOID, eq + 1, e.u.s.n - klen - 1, &out[1], err) != 0)
        return -1;
    return 1;
}

static const char *const options_names[2] = {"option_name", "option_value"};
static const Oid options_types[2] = {TEXTOID, TEXTOID};

const SqlSrfImpl pgcat_dump_options_srf = {
    sizeof(OptionsState), 2, options_names, options_types, options_open, options_next,
};

/* ---- views: the relations of FROM clauses ------------------------------------------------ */

/* Calls fn for every relation name in a FROM/JOIN position of the SQL text, with the
 * token's span. A light lexer, not the parser: string literals, comments and quoted
 * identifiers are skipped or read whole; a name counts when it follows FROM, JOIN or a
 * comma of a FROM list and is not schema-qualified or a function call. Good enough for the
 * SELECTs CREATE VIEW stores; a miss only leaves a name unqualified. */
typedef void (*FromRelFn)(void *arg, const char *name, size_t start, size_t end);

static bool kw_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static void scan_from_rels(const char *sql, FromRelFn fn, void *arg)
{
    static const char *const stops[] = {"where", "group", "order", "having", "limit", "offset", "union",
                                        "intersect", "except", "window", "on", "using", "select", "fetch",
                                        "for", "returning", "values", NULL};
    bool in_from = false, expect = false, after_dot = false;
    size_t i = 0, n = strlen(sql);
    while (i < n) {
        char c = sql[i];
        if (c == '\'') {
            for (i++; i < n; i++)
                if (sql[i] == '\'' && !(i + 1 < n && sql[i + 1] == '\'' && ++i))
                    break;
            i++;
            expect = false;
            continue;
        }
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                i++;
            continue;
        }
        if (c == '"' || isalpha((unsigned char)c) || c == '_') {
            size_t start = i;
            char name[128];
            size_t k = 0;
            if (c == '"') {
                for (i++; i < n; i++) {
                    if (sql[i] == '"') {
                        if (i + 1 < n && sql[i + 1] == '"')
                            i++;
                        else
                            break;
                    }
                    if (k + 1 < sizeof name)
                        name[k++] = sql[i];
                }
                i++;
            } else {
                while (i < n && (isalnum((unsigned char)sql[i]) || sql[i] == '_' || sql[i] == '$')) {
                    if (k + 1 < sizeof name)
                        name[k++] = (char)tolower((unsigned char)sql[i]);
                    i++;
                }
            }
            name[k] = '\0';
            size_t end = i;
            size_t j = i;
            while (j < n && isspace((unsigned char)sql[j]))
                j++;
            bool quoted = c == '"';
            if (!quoted && (kw_is(sql + start, end - start, "from") || kw_is(sql + start, end - start, "join"))) {
                in_from = expect = true;
                after_dot = false;
                continue;
            }
            bool stop = false;
            for (int s = 0; !quoted && stops[s]; s++)
                stop = stop || kw_is(sql + start, end - start, stops[s]);
            if (stop) {
                in_from = expect = false;
                after_dot = false;
                continue;
            }
            if (expect && !quoted && (kw_is(sql + start, end - start, "only") ||
                                      kw_is(sql + start, end - start, "lateral")))
                continue; /* FROM ONLY t / FROM LATERAL (...): still expecting a relation */
            if (expect && !after_dot && !(j < n && (sql[j] == '.' || sql[j] == '(')))
                fn(arg, name, start, end);
            after_dot = false;
            expect = false;
            continue;
        }
        if (c == '.') {
            after_dot = true;
            i++;
            continue;
        }
        if (c == ',' && in_from)
            expect = true;
        if (c == '(' || c == ')')
            expect = false;
        if (!isspace((unsigned char)c))
            after_dot = false;
        i++;
    }
}

/* The relation a FROM name of view means: the view's own schema first, then the first
 * schema holding a relation of that name. */
static const CatRelation *view_rel_by_name(const QueryEnv *env, const CatRelation *view, const char *name)
{
    const CatRelation *rel = catsnap_relation_by_name(env->cat, view->nsp, name);
    if (rel)
        return rel;
    int nn = catsnap_n_namespaces(env->cat);
    for (int i = 0; i < nn && !rel; i++)
        rel = catsnap_relation_by_name(env->cat, catsnap_namespace(env->cat, i)->oid, name);
    return rel;
}

typedef struct ViewdefCtx {
    const QueryEnv *env;
    const CatRelation *view;
    const char *sql;
    size_t copied;                 /* bytes of sql already appended */
    ShaleBuf *out;
} ViewdefCtx;

static void viewdef_rel(void *arg, const char *name, size_t start, size_t end)
{
    ViewdefCtx *c = arg;
    const CatRelation *rel = view_rel_by_name(c->env, c->view, name);
    if (!rel || pgcat_relname_visible(c->env, rel->nsp, rel->name))
        return;
    shale_buf_append(c->out, c->sql + c->copied, start - c->copied);
    pgcat_append_qualified(c->env, rel->nsp, rel->name, true, c->out);
    c->copied = end;
}

void pgcat_dump_viewdef(const QueryEnv *env, const CatRelation *view, ShaleBuf *out)
{
    ViewdefCtx c = {env, view, view->view_query, 0, out};
    scan_from_rels(view->view_query, viewdef_rel, &c);
    size_t n = strlen(view->view_query);
    while (n > c.copied && (isspace((unsigned char)view->view_query[n - 1]) || view->view_query[n - 1] == ';'))
        n--;
    shale_buf_append(out, view->view_query + c.copied, n - c.copied);
    shale_buf_append(out, ";", 1);
}

/* ---- pg_depend / pg_rewrite ---------------------------------------------------------- */

#define PGCAT_CLASS_PG_REWRITE 2618u

/* The OID of a view's "_RETURN" rule: synthetic (ShaleDB has no rules), distinct from
 * catalog OIDs in practice; pg_dump keys objects by (tableoid, oid) anyway. */
static Oid view_rule_oid(Oid view)
{
    return 0x40000000u | view;
}

static int dep_row(PgRow *r, Oid classid, Oid objid, Oid refclass, Oid refobj, int refsub, char type)
{
    pgrow_clear(r);
    pgrow_int(r, PGCAT_PG_DEPEND_CLASSID, classid);
    pgrow_int(r, PGCAT_PG_DEPEND_OBJID, objid);
    pgrow_int(r, PGCAT_PG_DEPEND_OBJSUBID, 0);
    pgrow_int(r, PGCAT_PG_DEPEND_REFCLASSID, refclass);
    pgrow_int(r, PGCAT_PG_DEPEND_REFOBJID, refobj);
    pgrow_int(r, PGCAT_PG_DEPEND_REFOBJSUBID, refsub);
    pgrow_char(r, PGCAT_PG_DEPEND_DEPTYPE, type);
    return pgrow_emit(r);
}

typedef struct ViewDepCtx {
    const QueryEnv *env;
    const CatRelation *view;
    PgRow *r;
    Oid seen[64];
    int nseen;
    int rc;
} ViewDepCtx;

static void viewdep_rel(void *arg, const char *name, size_t start, size_t end)
{
    (void)start; (void)end;
    ViewDepCtx *c = arg;
    const CatRelation *rel = view_rel_by_name(c->env, c->view, name);
    if (c->rc != 0 || !rel || rel->oid == c->view->oid)
        return;
    for (int i = 0; i < c->nseen; i++)
        if (c->seen[i] == rel->oid)
            return;
    if (c->nseen < 64)
        c->seen[c->nseen++] = rel->oid;
    c->rc = dep_row(c->r, PGCAT_CLASS_PG_REWRITE, view_rule_oid(c->view->oid), PGCAT_CLASS_PG_CLASS, rel->oid, 0, 'n');
}

/* A column default on the relations its regclass literals name (nextval's sequence). */
typedef struct DefDepCtx {
    PgRow *r;
    Oid attrdef;
    int rc;
} DefDepCtx;

static void scan_regclass_lits(const QueryEnv *env, Oid relid, const char *text, size_t n,
                               void (*fn)(void *, size_t, size_t, const CatRelation *), void *arg);

static void defdep_rel(void *arg, size_t start, size_t end, const CatRelation *rel)
{
    (void)start; (void)end;
    DefDepCtx *c = arg;
    if (c->rc == 0)
        c->rc = dep_row(c->r, PGCAT_CLASS_PG_ATTRDEF, c->attrdef, PGCAT_CLASS_PG_CLASS, rel->oid, 0, 'n');
}

int pgcat_dump_depend_rows(const QueryEnv *env, PgRow *r)
{
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int a = 1; a <= rel->ncols; a++) {
            const CatColumn *col = &rel->cols[a - 1];
            if (col->dropped || col->identity || !col->default_expr)
                continue;
            DefDepCtx c = {r, pgcat_attrdef_oid(rel->oid, a), 0};
            scan_regclass_lits(env, rel->oid, col->default_expr, strlen(col->default_expr), defdep_rel, &c);
            if (c.rc != 0)
                return -1;
        }
        if (rel->kind == CAT_REL_VIEW && rel->view_query) {
            if (dep_row(r, PGCAT_CLASS_PG_REWRITE, view_rule_oid(rel->oid), PGCAT_CLASS_PG_CLASS, rel->oid, 0, 'i') != 0)
                return -1;
            ViewDepCtx c = {env, rel, r, {0}, 0, 0};
            scan_from_rels(rel->view_query, viewdep_rel, &c);
            if (c.rc != 0)
                return -1;
        }
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type == CAT_CON_FOREIGN && con->ref_rel &&
                dep_row(r, PGCAT_CLASS_PG_CONSTRAINT, con->oid, PGCAT_CLASS_PG_CLASS, con->ref_rel, 0, 'n') != 0)
                return -1;
        }
    }
    return 0;
}

/* pg_rewrite: the "_RETURN" rule of every view (PostgreSQL implements views as rules;
 * pg_dump attaches a view to its rule's dependencies). ev_action is not served. */
int pgcat_rows_pg_rewrite(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    PgRow r;
    pgrow_init(&r, PGCAT_TAB_PG_REWRITE, env, arena, emit, arg, err);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_VIEW)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_REWRITE_OID, view_rule_oid(rel->oid));
        pgrow_str(&r, PGCAT_PG_REWRITE_RULENAME, "_RETURN");
        pgrow_int(&r, PGCAT_PG_REWRITE_EV_CLASS, rel->oid);
        pgrow_char(&r, PGCAT_PG_REWRITE_EV_TYPE, '1');
        pgrow_char(&r, PGCAT_PG_REWRITE_EV_ENABLED, 'O');
        pgrow_bool(&r, PGCAT_PG_REWRITE_IS_INSTEAD, true);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- regclass literals in expressions ---------------------------------------------------- */

/* Calls fn for each relation an expression text names by a regclass literal: 'x'::regclass,
 * or the bare 'x' argument of nextval/currval/setval (how ShaleDB keeps a user's default as
 * written). start/end span the literal with its ::regclass cast if any. Unqualified names
 * resolve in the schema of relation relid first, then in any schema. */
typedef void (*RegclassFn)(void *arg, size_t start, size_t end, const CatRelation *rel);

static void scan_regclass_lits(const QueryEnv *env, Oid relid, const char *text, size_t n, RegclassFn fn, void *arg)
{
    static const char suffix[] = "'::regclass";
    const CatRelation *owner = catsnap_relation_by_oid(env->cat, relid);
    size_t i = 0;
    while (i < n) {
        if (text[i] != '\'') {
            i++;
            continue;
        }
        size_t start = i++;
        char lit[192];
        size_t k = 0;
        bool fits = true;
        for (; i < n; i++) {
            if (text[i] == '\'') {
                if (i + 1 < n && text[i + 1] == '\'')
                    i++;
                else
                    break;
            }
            if (k + 1 < sizeof lit)
                lit[k++] = text[i];
            else
                fits = false;
        }
        lit[k] = '\0';
        if (i >= n)
            break;
        size_t end;
        if (n - i >= sizeof suffix - 1 && memcmp(text + i, suffix, sizeof suffix - 1) == 0) {
            end = i + sizeof suffix - 1;
        } else {
            /* nextval('x') / currval('x') / setval('x', ...) */
            size_t b = start;
            while (b > 0 && isspace((unsigned char)text[b - 1]))
                b--;
            bool seqfn = b > 0 && text[b - 1] == '(' &&
                         ((b >= 8 && strncasecmp(text + b - 8, "nextval(", 8) == 0) ||
                          (b >= 8 && strncasecmp(text + b - 8, "currval(", 8) == 0) ||
                          (b >= 7 && strncasecmp(text + b - 7, "setval(", 7) == 0));
            end = i + 1;
            if (!seqfn) {
                i++;
                continue;
            }
        }
        char schema[128], name[128];
        SqlError e;
        memset(&e, 0, sizeof e);
        const CatRelation *rel = NULL;
        if (fits && pgcat_parse_qualified(lit, schema, sizeof schema, name, sizeof name, &e) == 0) {
            if (schema[0]) {
                const CatNamespace *ns = catsnap_namespace_by_name(env->cat, schema);
                rel = ns ? catsnap_relation_by_name(env->cat, ns->oid, name) : NULL;
            } else {
                rel = owner ? catsnap_relation_by_name(env->cat, owner->nsp, name) : NULL;
                int nn = catsnap_n_namespaces(env->cat);
                for (int x = 0; x < nn && !rel; x++)
                    rel = catsnap_relation_by_name(env->cat, catsnap_namespace(env->cat, x)->oid, name);
            }
        }
        sql_error_clear(&e);
        if (rel)
            fn(arg, start, end, rel);
        i = end;
    }
}

typedef struct RequalifyCtx {
    const QueryEnv *env;
    const char *text;
    size_t copied;
    ShaleBuf *out;
} RequalifyCtx;

static void requalify_lit(void *arg, size_t start, size_t end, const CatRelation *rel)
{
    RequalifyCtx *c = arg;
    ShaleBuf q;
    shale_buf_init(&q);
    pgcat_append_qualified(c->env, rel->nsp, rel->name, !pgcat_relname_visible(c->env, rel->nsp, rel->name), &q);
    shale_buf_append(c->out, c->text + c->copied, start - c->copied);
    shale_buf_append(c->out, "'", 1);
    for (size_t x = 0; x < q.len; x++) {
        if (q.data[x] == '\'')
            shale_buf_append(c->out, "'", 1);
        shale_buf_append(c->out, q.data + x, 1);
    }
    shale_buf_append(c->out, "'::regclass", 11);
    shale_buf_free(&q);
    c->copied = end;
}

void pgcat_dump_requalify(const QueryEnv *env, Oid relid, const char *text, size_t n, ShaleBuf *out)
{
    RequalifyCtx c = {env, text, 0, out};
    scan_regclass_lits(env, relid, text, n, requalify_lit, &c);
    shale_buf_append(out, text + c.copied, n - c.copied);
}
