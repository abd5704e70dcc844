/* pgcat_dump.c -- what pg_dump 15 reads beyond the other pgcat files (see pgcat_dump.h):
 * empty catalogs for object kinds ShaleDB does not have, set_config / current_setting on
 * the session's settings, acldefault (PostgreSQL's default privileges as text[], since
 * aclitem[] is served as text[]), and the pg_options_to_table set-returning function.
 *
 * Column names, order and pg_class OIDs are PostgreSQL 15's; types follow pgcat.h's
 * substitutions (regproc stays regproc, pg_lsn -> text, aclitem[] -> text[]). */
#include <stdio.h>
#include <string.h>

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

/* ---- registry ------------------------------------------------------------------------------ */

#define F(NAME, N, A0, A1, A2, A3, RET, STRICT, FN, OID) {NAME, N, {A0, A1, A2, A3}, RET, STRICT, FN, OID}

static const PgCatFunc dump_funcs[] = {
    F("set_config", 3, TEXTOID, TEXTOID, BOOLOID, 0, TEXTOID, false, fn_set_config, 2078),
    F("current_setting", 1, TEXTOID, 0, 0, 0, TEXTOID, true, fn_current_setting, 2077),
    F("current_setting", 2, TEXTOID, BOOLOID, 0, 0, TEXTOID, true, fn_current_setting, 3294),
    F("acldefault", 2, CHAROID, OIDOID, 0, 0, TEXT_ARRAYOID, true, fn_acldefault, 3943),
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
