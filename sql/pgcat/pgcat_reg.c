/* pgcat_reg.c -- regclass/regtype input and output with catalog lookups (search_path
 * resolution, qualification of invisible names), qualified-name parsing, and the
 * catalog-aware functions built on them: to_regclass, to_regtype, pg_get_serial_sequence,
 * the size functions (estimates: ShaleDB has no pages), pg_size_pretty, pg_backend_pid,
 * txid_current, pg_postmaster_start_time, pg_get_function_result/arguments. */
#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "facets/relational/relational.h"
#include "sql/pgcat/pgcat_func_int.h"
#include "sql/session_int.h"

/* ---- names ------------------------------------------------------------------------------- */

/* One identifier at *pp into out (quoted: exact with "" -> "; unquoted: lower-cased).
 * Returns 0, or -1 on an empty/unterminated identifier. */
static int parse_ident(const char **pp, char *out, size_t cap)
{
    const char *p = *pp;
    size_t n = 0;
    if (*p == '"') {
        p++;
        for (;;) {
            if (!*p)
                return -1;
            if (*p == '"') {
                if (p[1] != '"')
                    break;
                p++;
            }
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
        p++;
        if (n == 0)
            return -1;
    } else {
        while (*p && *p != '.' && *p != ' ' && *p != '\t') {
            if (n + 1 < cap)
                out[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
        if (n == 0)
            return -1;
    }
    out[n] = '\0';
    *pp = p;
    return 0;
}

int pgcat_parse_qualified(const char *s, char *schema, size_t scap, char *name, size_t ncap, SqlError *err)
{
    const char *p = s;
    while (*p == ' ' || *p == '\t')
        p++;
    char a[128], b[128], c[128];
    int parts = 0;
    if (parse_ident(&p, a, sizeof a) != 0)
        goto bad;
    parts = 1;
    if (*p == '.') {
        p++;
        if (parse_ident(&p, b, sizeof b) != 0)
            goto bad;
        parts = 2;
        if (*p == '.') {              /* database.schema.name */
            p++;
            if (parse_ident(&p, c, sizeof c) != 0)
                goto bad;
            parts = 3;
        }
    }
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p)
        goto bad;
    if (parts == 1) {
        snprintf(schema, scap, "%s", "");
        snprintf(name, ncap, "%s", a);
    } else if (parts == 2) {
        snprintf(schema, scap, "%s", a);
        snprintf(name, ncap, "%s", b);
    } else {
        snprintf(schema, scap, "%s", b);
        snprintf(name, ncap, "%s", c);
    }
    return 0;
bad:
    return SQL_ERR(err, INVALID_NAME, "invalid name syntax");
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* ---- regclass ---------------------------------------------------------------------------- */

/* A relation, index or virtual table named name in nsp; 0 if none. */
static Oid class_in_nsp(const QueryEnv *env, Oid nsp, const char *nspname, const char *name)
{
    if (nsp == CAT_OID_PG_CATALOG_NSP || nsp == CAT_OID_INFORMATION_SCHEMA_NSP) {
        const PgCatTable *t = pgcat_lookup(nspname, name);
        if (t)
            return t->oid;
    }
    const CatRelation *rel = catsnap_relation_by_name(env->cat, nsp, name);
    if (rel)
        return rel->oid;
    const CatIndex *idx;
    if (catsnap_index_by_name(env->cat, nsp, name, &idx))
        return idx->oid;
    return 0;
}

int pgcat_regclass_in(const QueryEnv *env, const char *text, Oid *out, SqlError *err)
{
    if (all_digits(text)) {
        *out = (Oid)strtoul(text, NULL, 10);
        return 0;
    }
    char schema[128], name[128];
    if (pgcat_parse_qualified(text, schema, sizeof schema, name, sizeof name, err) != 0)
        return -1;
    Oid oid = 0;
    if (schema[0]) {
        const CatNamespace *ns = catsnap_namespace_by_name(env->cat, schema);
        if (!ns)
            return SQL_ERR(err, INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", schema);
        oid = class_in_nsp(env, ns->oid, ns->name, name);
    } else {
        Oid path[16];
        int n = pgcat_search_path(env, path, 16);
        for (int i = 0; i < n && !oid; i++)
            oid = class_in_nsp(env, path[i], pgcat_nsp_name(env, path[i]), name);
    }
    if (!oid)
        return SQL_ERR(err, UNDEFINED_TABLE, "relation \"%s\" does not exist", text);
    *out = oid;
    return 0;
}

int pgcat_regclass_out(const QueryEnv *env, Oid oid, ShaleArena *arena, const char **out)
{
    ShaleBuf b;
    shale_buf_init(&b);
    const CatIndex *idx;
    const PgCatTable *vt;
    const CatRelation *rel = pgcat_class_by_oid(env, oid, &idx, &vt);
    if (vt) {
        Oid nsp = strcmp(vt->schema, "pg_catalog") ? CAT_OID_INFORMATION_SCHEMA_NSP : CAT_OID_PG_CATALOG_NSP;
        pgcat_append_qualified(env, nsp, vt->name, false, &b);
    } else if (rel) {
        pgcat_append_qualified(env, rel->nsp, idx ? idx->name : rel->name, false, &b);
    } else {
        char tmp[16];
        int n = snprintf(tmp, sizeof tmp, "%u", oid);
        shale_buf_append(&b, tmp, (size_t)n);
    }
    if (b.oom) {
        shale_buf_free(&b);
        return -1;
    }
    char *p = shale_arena_alloc(arena, b.len + 1);
    if (p) {
        memcpy(p, b.data, b.len);
        p[b.len] = '\0';
    }
    shale_buf_free(&b);
    *out = p;
    return p ? 0 : -1;
}

/* ---- regproc ----------------------------------------------------------------------------- */

int pgcat_regproc_in(const QueryEnv *env, const char *text, Oid *out, SqlError *err)
{
    (void)env;
    if (all_digits(text)) {
        *out = (Oid)strtoul(text, NULL, 10);
        return 0;
    }
    char buf[130];
    const char *name = text;
    if (strncmp(name, "pg_catalog.", 11) == 0)
        name += 11;
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"' && n - 2 < sizeof buf) {
        snprintf(buf, sizeof buf, "%.*s", (int)(n - 2), name + 1);
    } else if (n < sizeof buf) {
        for (size_t i = 0; i <= n; i++)
            buf[i] = (char)tolower((unsigned char)name[i]);
    } else {
        buf[0] = '\0';
    }
    static const struct { const char *name; Oid oid; } io[] = {
        {"array_in", PGCAT_PROC_ARRAY_IN}, {"array_out", PGCAT_PROC_ARRAY_OUT},
        {"array_recv", PGCAT_PROC_ARRAY_RECV}, {"array_send", PGCAT_PROC_ARRAY_SEND},
    };
    for (size_t i = 0; i < sizeof io / sizeof io[0]; i++)
        if (strcmp(buf, io[i].name) == 0) {
            *out = io[i].oid;
            return 0;
        }
    Oid found = 0;
    for (int i = 0; i < pgcat_func_count(); i++) {
        const PgCatFunc *f = pgcat_func_at(i);
        if (f->oid && strcmp(f->name, buf) == 0) {
            if (found && found != f->oid)   /* overloaded: regproc needs a unique name */
                return SQL_ERR(err, AMBIGUOUS_FUNCTION, "more than one function named \"%s\"", text);
            found = f->oid;
        }
    }
    if (found) {
        *out = found;
        return 0;
    }
    return SQL_ERR(err, UNDEFINED_FUNCTION, "function \"%s\" does not exist", text);
}

/* ---- regtype ----------------------------------------------------------------------------- */

int pgcat_regtype_in(const QueryEnv *env, const char *text, Oid *out, SqlError *err)
{
    (void)env;
    if (all_digits(text)) {
        *out = (Oid)strtoul(text, NULL, 10);
        return 0;
    }
    /* A quoted name is exact: "char" is the one-byte type, not character. */
    size_t tl = strlen(text);
    if (tl > 2 && text[0] == '"' && text[tl - 1] == '"' && tl < 130) {
        char inner[130];
        snprintf(inner, sizeof inner, "%.*s", (int)(tl - 2), text + 1);
        const TypeInfo *ti = type_info_by_name(inner);
        if (ti) {
            *out = ti->oid;
            return 0;
        }
    }
    /* Normalise: trim, lower-case outside quotes, drop a pg_catalog. prefix and any
     * modifiers "(...)" (regtype ignores them, as PostgreSQL's does). */
    char buf[160];
    size_t n = 0;
    bool quoted = false;
    int depth = 0;
    for (const char *p = text; *p && n + 1 < sizeof buf; p++) {
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && *p == '(') {
            depth++;
            continue;
        }
        if (!quoted && *p == ')') {
            depth--;
            continue;
        }
        if (depth > 0)
            continue;
        buf[n++] = quoted ? *p : (char)tolower((unsigned char)*p);
    }
    buf[n] = '\0';
    char *s = buf;
    while (*s == ' ')
        s++;
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ')
        s[--len] = '\0';
    if (!strncmp(s, "pg_catalog.", 11))
        s += 11;
    /* Collapse inner runs of blanks ("double  precision", "integer []"). */
    char norm[160];
    size_t k = 0;
    for (size_t i = 0; s[i] && k + 1 < sizeof norm; i++) {
        if (s[i] == ' ' && (k == 0 || norm[k - 1] == ' ' || s[i + 1] == '[' || s[i + 1] == ' '))
            continue;
        norm[k++] = s[i];
    }
    norm[k] = '\0';
    Oid t = types_lookup_name(norm);
    if (t == INVALIDOID) {
        /* Multi-word SQL spellings the parser normally maps. */
        static const struct { const char *from, *to; } alias[] = {
            {"double precision", "float8"}, {"character varying", "varchar"}, {"character", "bpchar"},
            {"timestamp without time zone", "timestamp"}, {"timestamp with time zone", "timestamptz"},
            {"time without time zone", "time"}, {"double precision[]", "float8[]"},
            {"character varying[]", "varchar[]"}, {"timestamp with time zone[]", "timestamptz[]"},
            {"timestamp without time zone[]", "timestamp[]"}};
        for (size_t i = 0; i < sizeof alias / sizeof alias[0] && t == INVALIDOID; i++)
            if (!strcmp(norm, alias[i].from))
                t = types_lookup_name(alias[i].to);
    }
    if (t == INVALIDOID)
        return SQL_ERR(err, UNDEFINED_OBJECT, "type \"%s\" does not exist", text);
    *out = t;
    return 0;
}

int pgcat_regtype_out(const QueryEnv *env, Oid oid, ShaleArena *arena, const char **out)
{
    (void)env;
    ShaleBuf b;
    shale_buf_init(&b);
    if (type_info(oid)) {
        pgcat_format_type_nomod(oid, &b);
    } else {
        char tmp[16];
        int n = snprintf(tmp, sizeof tmp, "%u", oid);
        shale_buf_append(&b, tmp, (size_t)n);
    }
    char *p = b.oom ? NULL : shale_arena_alloc(arena, b.len + 1);
    if (p) {
        memcpy(p, b.data, b.len);
        p[b.len] = '\0';
    }
    shale_buf_free(&b);
    *out = p;
    return p ? 0 : -1;
}

int pgcat_fn_to_regclass(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)nargs;
    const char *s = pgcat_arg_cstr(a, &args[0]);
    if (!s)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    Oid oid;
    SqlError e2;
    sql_error_clear(&e2);
    /* to_regclass returns NULL for a missing relation but still rejects bad syntax. */
    if (pgcat_regclass_in(env, s, &oid, &e2) != 0) {
        if (e2.code == ERRCODE_INVALID_NAME) {
            *err = e2;
            return -1;
        }
        *out = value_null(REGCLASSOID);
        return 0;
    }
    *out = value_int(REGCLASSOID, oid);
    return 0;
}

int pgcat_fn_to_regtype(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                        SqlError *err)
{
    (void)nargs;
    const char *s = pgcat_arg_cstr(a, &args[0]);
    if (!s)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    Oid oid;
    SqlError e2;
    sql_error_clear(&e2);
    *out = pgcat_regtype_in(env, s, &oid, &e2) == 0 ? value_int(REGTYPEOID, oid) : value_null(REGTYPEOID);
    return 0;
}

/* ---- pg_get_serial_sequence ---------------------------------------------------------------- */

int pgcat_fn_get_serial_sequence(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                 SqlError *err)
{
    (void)nargs;
    const char *tname = pgcat_arg_cstr(a, &args[0]);
    const char *cname = pgcat_arg_cstr(a, &args[1]);
    if (!tname || !cname)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    Oid oid;
    if (pgcat_regclass_in(env, tname, &oid, err) != 0)
        return -1;
    const CatRelation *rel = catsnap_relation_by_oid(env->cat, oid);
    /* The column name is taken literally (PostgreSQL does not downcase it). */
    const CatColumn *col = rel ? catrel_column_by_name(rel, cname) : NULL;
    if (!col)
        return SQL_ERR(err, UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", cname,
                       rel ? rel->name : tname);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *s = catsnap_relation(env->cat, i);
        if (s->kind == CAT_REL_SEQUENCE && s->seq.owned_by_rel == rel->oid && s->seq.owned_by_col == col->attnum) {
            ShaleBuf b;
            shale_buf_init(&b);
            pgcat_append_qualified(env, s->nsp, s->name, true, &b);
            return pgcat_out_buf(a, TEXTOID, &b, out, err);
        }
    }
    *out = value_null(TEXTOID);
    return 0;
}

/* ---- sizes (estimates) ------------------------------------------------------------------ */

static int64_t row_width(const CatRelation *rel)
{
    int64_t w = 24;                           /* per-row overhead, like a heap tuple header */
    for (int i = 0; i < rel->ncols; i++) {
        const TypeInfo *ti = type_info(rel->cols[i].type);
        w += ti && ti->len > 0 ? ti->len : 32;
    }
    return w;
}

static int64_t rows_of(const QueryEnv *env, const CatRelation *rel)
{
    if (!env->rdb || rel->kind != CAT_REL_TABLE)
        return 0;
    int64_t n = rel_table_row_estimate(env->rdb, catsnap_db(env->cat), rel);
    return n > 0 ? n : 0;
}

static int64_t table_bytes(const QueryEnv *env, const CatRelation *rel)
{
    if (rel->kind == CAT_REL_SEQUENCE)
        return 8192;
    return rows_of(env, rel) * row_width(rel);
}

static int64_t index_bytes(const QueryEnv *env, const CatRelation *rel, const CatIndex *idx)
{
    int64_t w = 16;
    for (int i = 0; i < idx->ncols; i++) {
        int at = idx->attnums[i];
        const TypeInfo *ti = at >= 1 && at <= rel->ncols ? type_info(rel->cols[at - 1].type) : NULL;
        w += ti && ti->len > 0 ? ti->len : 32;
    }
    return rows_of(env, rel) * w;
}

static int64_t indexes_bytes(const QueryEnv *env, const CatRelation *rel)
{
    int64_t t = 0;
    for (int i = 0; i < rel->nindexes; i++)
        t += index_bytes(env, rel, &rel->indexes[i]);
    return t;
}

/* kind: 'r' relation (main fork), 't' table, 'T' total, 'i' indexes */
static int size_of(const QueryEnv *env, Oid oid, char kind, Value *out)
{
    const CatIndex *idx;
    const PgCatTable *vt;
    const CatRelation *rel = pgcat_class_by_oid(env, oid, &idx, &vt);
    if (!rel && !vt) {
        *out = value_null(INT8OID);
        return 0;
    }
    int64_t v = 0;
    if (rel && idx)
        v = kind == 'i' ? 0 : index_bytes(env, rel, idx);
    else if (rel)
        v = kind == 'i' ? indexes_bytes(env, rel)
            : kind == 'T' ? table_bytes(env, rel) + indexes_bytes(env, rel)
                          : table_bytes(env, rel);
    *out = value_int(INT8OID, v);
    return 0;
}

int pgcat_fn_relation_size(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                           SqlError *err)
{
    (void)a; (void)err;
    if (nargs == 2 && !(args[1].u.s.n == 4 && !memcmp(args[1].u.s.p, "main", 4))) {
        *out = value_int(INT8OID, 0);          /* fsm, vm, init forks do not exist */
        return 0;
    }
    return size_of(env, (Oid)args[0].u.i, 'r', out);
}

int pgcat_fn_total_relation_size(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                 SqlError *err)
{
    (void)a; (void)nargs; (void)err;
    return size_of(env, (Oid)args[0].u.i, 'T', out);
}

int pgcat_fn_table_size(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
{
    (void)a; (void)nargs; (void)err;
    return size_of(env, (Oid)args[0].u.i, 't', out);
}

int pgcat_fn_indexes_size(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    (void)a; (void)nargs; (void)err;
    return size_of(env, (Oid)args[0].u.i, 'i', out);
}

int pgcat_fn_database_size(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                           SqlError *err)
{
    (void)nargs;
    const CatDatabase *d;
    if (args[0].type == OIDOID) {
        d = catsnap_database_by_oid(env->cat, (Oid)args[0].u.i);
    } else {
        const char *s = pgcat_arg_cstr(a, &args[0]);
        if (!s)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        d = catsnap_database_by_name(env->cat, s);
        if (!d)
            return SQL_ERR(err, INVALID_CATALOG_NAME, "database \"%s\" does not exist", s);
    }
    if (!d) {
        *out = value_null(INT8OID);
        return 0;
    }
    int64_t total = 8 * 1024 * 1024;          /* PostgreSQL's empty database is ~7.5 MB */
    if (d->oid == catsnap_db(env->cat)) {
        int n = catsnap_n_relations(env->cat);
        for (int i = 0; i < n; i++) {
            const CatRelation *rel = catsnap_relation(env->cat, i);
            total += table_bytes(env, rel) + indexes_bytes(env, rel);
        }
    }
    *out = value_int(INT8OID, total);
    return 0;
}

/* PostgreSQL's pg_size_pretty: bytes below 10 kB, then kB, MB, GB, TB, PB, each used
 * below 20 units minus one, halves rounded away from zero. */
int pgcat_fn_size_pretty(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)env; (void)nargs;
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    int64_t size = args[0].u.i;
    char buf[64];
    int n;
    if (llabs(size) < 10 * 1024) {
        n = snprintf(buf, sizeof buf, "%lld bytes", (long long)size);
    } else {
        size /= (int64_t)1 << 9;              /* to half-kB units */
        int u = 1;
        while (u < 5 && llabs(size) >= 20 * 1024 - 1) {
            size /= (int64_t)1 << 10;
            u++;
        }
        size = (size + (size < 0 ? -1 : 1)) / 2;
        n = snprintf(buf, sizeof buf, "%lld %s", (long long)size, units[u]);
    }
    return pgcat_out_text(a, TEXTOID, buf, (size_t)n, out, err);
}

/* ---- session facts ------------------------------------------------------------------------ */

int pgcat_fn_backend_pid(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                         SqlError *err)
{
    (void)a; (void)nargs; (void)args; (void)err;
    const SqlSession *s = env->session;
    *out = value_int(INT4OID, s ? s->pid : 0);
    return 0;
}

/* pg_cancel_backend(pid) / pg_terminate_backend(pid [, timeout]) (sql/session_activity.c). */
static int signal_backend(const QueryEnv *env, int nargs, const Value *args, Value *out, bool terminate,
                          SqlError *err)
{
    SqlSession *s = env->session;
    bool ok = false;
    if (s && session_registry_signal(s, env->cat, (int32_t)args[0].u.i, terminate, nargs > 1 ? args[1].u.i : 0,
                                     &ok, err) != 0)
        return -1;
    *out = value_bool(ok);
    return 0;
}

int pgcat_fn_cancel_backend(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                            SqlError *err)
{
    (void)a;
    return signal_backend(env, nargs, args, out, false, err);
}

int pgcat_fn_terminate_backend(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                               SqlError *err)
{
    (void)a;
    return signal_backend(env, nargs, args, out, true, err);
}

int pgcat_fn_txid_current(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                          SqlError *err)
{
    (void)a; (void)nargs; (void)args; (void)err;
    *out = value_int(INT8OID, env->txn ? (int64_t)rel_txn_xid(env->txn) : 0);
    return 0;
}

/* The first call's time stands for the server start (process lifetime, set once). */
static _Atomic int64_t start_time_us;

int pgcat_fn_postmaster_start_time(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                   SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    int64_t v = atomic_load(&start_time_us);
    if (v == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t now = ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
        int64_t expected = 0;
        if (!atomic_compare_exchange_strong(&start_time_us, &expected, now))
            now = expected;
        v = now;
    }
    *out = value_int(TIMESTAMPTZOID, v);
    return 0;
}

int pgcat_fn_inet_server_port(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                              SqlError *err)
{
    (void)env; (void)a; (void)nargs; (void)args; (void)err;
    *out = value_null(INT4OID);
    return 0;
}

/* ---- functions' signatures (for \df) ------------------------------------------------------- */

static const PgCatFunc *func_by_oid(Oid oid)
{
    for (int i = 0; i < pgcat_func_count(); i++)
        if (pgcat_func_at(i)->oid == oid)
            return pgcat_func_at(i);
    return NULL;
}

int pgcat_fn_function_result(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                             SqlError *err)
{
    (void)env; (void)nargs;
    const PgCatFunc *f = func_by_oid((Oid)args[0].u.i);
    if (!f) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    types_format_type(f->ret, -1, &b);
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}

int pgcat_fn_function_arguments(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out,
                                SqlError *err)
{
    (void)env; (void)nargs;
    const PgCatFunc *f = func_by_oid((Oid)args[0].u.i);
    if (!f) {
        *out = value_null(TEXTOID);
        return 0;
    }
    ShaleBuf b;
    shale_buf_init(&b);
    for (int i = 0; i < f->nargs; i++) {
        if (i)
            shale_buf_append(&b, ", ", 2);
        types_format_type(f->args[i], -1, &b);
    }
    return pgcat_out_buf(a, TEXTOID, &b, out, err);
}
