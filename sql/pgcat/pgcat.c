/* pgcat.c -- the registry of virtual catalog tables (built from pgcat_tables.def), table
 * lookup by name and OID, the row builder, search_path/visibility and the small shared
 * helpers (access method OIDs, synthetic pg_attrdef OIDs). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser.h"
#include "sql/pgcat/pgcat_dump.h"
#include "sql/pgcat/pgcat_int.h"
#include "sql/embed.h"
#include "sql/obs.h"

/* Column arrays, one per table. */
#define PGCAT_BEGIN(ID, lid, S, N, OID, K) static const PgCatColumn pgcat_cols_##lid[] = {
#define PGCAT_COL(ID, C, N, T, M) {N, T, M},
#define PGCAT_END(ID, lid) };
#include "sql/pgcat/pgcat_tables.def"
#undef PGCAT_BEGIN
#undef PGCAT_COL
#undef PGCAT_END

const PgCatTable pgcat_tables[PGCAT_TAB__COUNT] = {
#define PGCAT_BEGIN(ID, lid, S, N, OID, K) \
    {S, N, OID, K, (int)(sizeof pgcat_cols_##lid / sizeof pgcat_cols_##lid[0]), pgcat_cols_##lid, pgcat_rows_##lid},
#define PGCAT_COL(ID, C, N, T, M)
#define PGCAT_END(ID, lid)
#include "sql/pgcat/pgcat_tables.def"
#undef PGCAT_BEGIN
#undef PGCAT_COL
#undef PGCAT_END
};

const PgCatTable *pgcat_lookup(const char *schema, const char *name)
{
    if (!schema)
        schema = "pg_catalog";
    for (int i = 0; i < PGCAT_TAB__COUNT; i++)
        if (!strcmp(pgcat_tables[i].name, name) && !strcmp(pgcat_tables[i].schema, schema))
            return &pgcat_tables[i];
    const PgCatTable *t = pgcat_dump_lookup(schema, name); /* pg_dump's extra catalogs (pgcat_dump.c) */
    t = t ? t : embed_views_lookup(schema, name);       /* embedding jobs (sql/embed_sql.c) */
    return t ? t : obs_views_lookup(schema, name);      /* shale_stats (sql/obs.c) */
}

const PgCatTable *pgcat_lookup_oid(Oid oid)
{
    for (int i = 0; i < PGCAT_TAB__COUNT; i++)
        if (pgcat_tables[i].oid == oid)
            return &pgcat_tables[i];
    const PgCatTable *t = pgcat_dump_lookup_oid(oid); /* pg_dump's extra catalogs (pgcat_dump.c) */
    t = t ? t : embed_views_lookup_oid(oid);       /* embedding jobs (sql/embed_sql.c) */
    return t ? t : obs_views_lookup_oid(oid);      /* shale_stats (sql/obs.c) */
}

int pgcat_n_tables(void)
{
    return PGCAT_TAB__COUNT + pgcat_dump_n_tables() + embed_views_count() + obs_views_count();
}

const PgCatTable *pgcat_table(int i)
{
    if (i >= PGCAT_TAB__COUNT + pgcat_dump_n_tables() + embed_views_count())
        return obs_views_at(i - PGCAT_TAB__COUNT - pgcat_dump_n_tables() - embed_views_count());
    if (i >= PGCAT_TAB__COUNT + pgcat_dump_n_tables())
        return embed_views_at(i - PGCAT_TAB__COUNT - pgcat_dump_n_tables());
    if (i >= PGCAT_TAB__COUNT)
        return pgcat_dump_table(i - PGCAT_TAB__COUNT); /* pg_dump's extra catalogs */
    return i >= 0 ? &pgcat_tables[i] : NULL;
}

/* ---- row builder ----------------------------------------------------------------------- */

void pgrow_init(PgRow *r, int table, const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                SqlError *err)
{
    r->t = &pgcat_tables[table];
    r->env = env;
    r->arena = arena;
    r->emit = emit;
    r->arg = arg;
    r->err = err;
    r->oom = false;
    pgrow_clear(r);
}

void pgrow_clear(PgRow *r)
{
    for (int i = 0; i < r->t->ncols; i++)
        r->vals[i] = value_null(r->t->cols[i].type);
}

void pgrow_int(PgRow *r, int col, int64_t v)
{
    r->vals[col] = value_int(r->t->cols[col].type, v);
}

void pgrow_float(PgRow *r, int col, double v)
{
    r->vals[col] = value_float(r->t->cols[col].type, v);
}

void pgrow_bool(PgRow *r, int col, bool v)
{
    r->vals[col] = value_bool(v);
}

char *pgrow_strdup(PgRow *r, const char *s, size_t n)
{
    char *p = shale_arena_alloc(r->arena, n + 1);
    if (!p) {
        r->oom = true;
        return NULL;
    }
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void pgrow_char(PgRow *r, int col, char c)
{
    char *p = pgrow_strdup(r, &c, 1);
    if (p)
        r->vals[col] = value_bytes(r->t->cols[col].type, p, c ? 1u : 0u);
}

void pgrow_str(PgRow *r, int col, const char *s)
{
    if (!s) {
        r->vals[col] = value_null(r->t->cols[col].type);
        return;
    }
    r->vals[col] = value_bytes(r->t->cols[col].type, s, (uint32_t)strlen(s));
}

void pgrow_strf(PgRow *r, int col, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof tmp)
        n = (int)sizeof tmp - 1;
    char *p = pgrow_strdup(r, tmp, (size_t)n);
    if (p)
        r->vals[col] = value_bytes(r->t->cols[col].type, p, (uint32_t)n);
}

void pgrow_buf(PgRow *r, int col, const ShaleBuf *b)
{
    if (b->oom) {
        r->oom = true;
        return;
    }
    char *p = pgrow_strdup(r, b->data ? b->data : "", b->len);
    if (p)
        r->vals[col] = value_bytes(r->t->cols[col].type, p, (uint32_t)b->len);
}

void pgrow_yesno(PgRow *r, int col, bool v)
{
    pgrow_str(r, col, v ? "YES" : "NO");
}

void pgrow_int_array(PgRow *r, int col, Oid elem, int32_t lower, int n, const int64_t *v)
{
    Value tmp[64];
    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++)
        tmp[i] = value_int(elem, v[i]);
    Value out;
    if (types_array_build(elem, lower, (uint32_t)n, tmp, r->arena, &out, NULL) != 0) {
        r->oom = true;
        return;
    }
    out.type = r->t->cols[col].type;
    r->vals[col] = out;
}

void pgrow_text_array(PgRow *r, int col, Oid elem, int n, const char *const *v)
{
    Value tmp[64];
    if (n > 64)
        n = 64;
    for (int i = 0; i < n; i++)
        tmp[i] = v[i] ? value_bytes(elem, v[i], (uint32_t)strlen(v[i])) : value_null(elem);
    Value out;
    if (types_array_build(elem, 1, (uint32_t)n, tmp, r->arena, &out, NULL) != 0) {
        r->oom = true;
        return;
    }
    out.type = r->t->cols[col].type;
    r->vals[col] = out;
}

int pgrow_emit(PgRow *r)
{
    if (r->oom)
        return SQL_ERR(r->err, OUT_OF_MEMORY, "out of memory");
    return r->emit(r->arg, r->vals, r->err) == 0 ? 0 : -1;
}

/* ---- search_path and visibility ------------------------------------------------------ */

/* Next search_path entry into name (unquoted; unquoted names folded to lower case).
 * Returns the position after it, NULL at the end. */
static const char *path_next(const char *p, char *name, size_t cap)
{
    while (*p == ' ' || *p == ',' || *p == '\t')
        p++;
    if (!*p)
        return NULL;
    size_t n = 0;
    if (*p == '"') {
        p++;
        while (*p && !(*p == '"' && p[1] != '"')) {
            if (*p == '"')
                p++;
            if (n + 1 < cap)
                name[n++] = *p;
            p++;
        }
        if (*p == '"')
            p++;
    } else {
        while (*p && *p != ',') {
            if (n + 1 < cap)
                name[n++] = (char)tolower((unsigned char)*p);
            p++;
        }
        while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
            n--;
    }
    name[n] = '\0';
    return p;
}

int pgcat_search_path(const QueryEnv *env, Oid *out, int max)
{
    int n = 0;
    if (max > 0)
        out[n++] = CAT_OID_PG_CATALOG_NSP;
    const char *p = env->search_path ? env->search_path : "\"$user\", public";
    char name[128];
    while (n < max && (p = path_next(p, name, sizeof name)) != NULL) {
        const char *look = !strcmp(name, "$user") ? env->user : name;
        const CatNamespace *ns = look ? catsnap_namespace_by_name(env->cat, look) : NULL;
        if (!ns || ns->oid == CAT_OID_PG_CATALOG_NSP)
            continue;
        bool dup = false;
        for (int i = 0; i < n; i++)
            dup |= out[i] == ns->oid;
        if (!dup)
            out[n++] = ns->oid;
    }
    return n;
}

Oid pgcat_creation_namespace(const QueryEnv *env)
{
    Oid path[16];
    int n = pgcat_search_path(env, path, 16);
    return n > 1 ? path[1] : 0;
}

bool pgcat_nsp_in_path(const QueryEnv *env, Oid nsp)
{
    Oid path[16];
    int n = pgcat_search_path(env, path, 16);
    for (int i = 0; i < n; i++)
        if (path[i] == nsp)
            return true;
    return false;
}

static bool nsp_has_relname(const QueryEnv *env, Oid nsp, const char *name)
{
    if (nsp == CAT_OID_PG_CATALOG_NSP && pgcat_lookup("pg_catalog", name))
        return true;
    const CatIndex *idx;
    return catsnap_relation_by_name(env->cat, nsp, name) || catsnap_index_by_name(env->cat, nsp, name, &idx);
}

bool pgcat_relname_visible(const QueryEnv *env, Oid nsp, const char *name)
{
    Oid path[16];
    int n = pgcat_search_path(env, path, 16);
    for (int i = 0; i < n; i++) {
        if (path[i] == nsp)
            return true;
        if (nsp_has_relname(env, path[i], name))
            return false;
    }
    return false;
}

void pgcat_append_qualified(const QueryEnv *env, Oid nsp, const char *name, bool force_qualify, ShaleBuf *out)
{
    const char *ns = pgcat_nsp_name(env, nsp);
    if (ns && (force_qualify || !pgcat_relname_visible(env, nsp, name))) {
        sql_deparse_ident(ns, out);
        shale_buf_append_byte(out, '.');
    }
    sql_deparse_ident(name, out);
}

const char *pgcat_nsp_name(const QueryEnv *env, Oid nsp)
{
    const CatNamespace *ns = catsnap_namespace_by_oid(env->cat, nsp);
    if (ns)
        return ns->name;
    if (nsp == CAT_OID_PG_CATALOG_NSP)
        return "pg_catalog";
    if (nsp == CAT_OID_INFORMATION_SCHEMA_NSP)
        return "information_schema";
    return NULL;
}

const char *pgcat_role_name(const QueryEnv *env, Oid role)
{
    const CatRole *r = catsnap_role_by_oid(env->cat, role);
    return r ? r->name : NULL;
}

const CatRelation *pgcat_class_by_oid(const QueryEnv *env, Oid oid, const CatIndex **idx, const PgCatTable **vt)
{
    *idx = NULL;
    *vt = NULL;
    if (oid >= CAT_FIRST_USER_OID) {
        const CatRelation *rel = catsnap_relation_by_oid(env->cat, oid);
        if (rel)
            return rel;
        return catsnap_index_by_oid(env->cat, oid, idx);
    }
    *vt = pgcat_lookup_oid(oid);
    return NULL;
}

/* ---- access methods and synthetic OIDs --------------------------------------------------- */

Oid pgcat_am_oid(const char *am)
{
    if (!am || !strcmp(am, "btree"))
        return PGCAT_AM_BTREE;
    if (!strcmp(am, "hash"))
        return PGCAT_AM_HASH;
    if (!strcmp(am, "gist"))
        return PGCAT_AM_GIST;
    if (!strcmp(am, "gin"))
        return PGCAT_AM_GIN;
    if (!strcmp(am, "brin"))
        return PGCAT_AM_BRIN;
    if (!strcmp(am, "hnsw"))
        return PGCAT_AM_HNSW;
    if (!strcmp(am, "ivfflat"))
        return PGCAT_AM_IVFFLAT;
    return PGCAT_AM_BTREE;
}

/* Layout: 1 | (rel - 16384) : 21 bits | attnum : 10 bits. Relations beyond 2^21 user OIDs
 * or columns beyond 1023 wrap (documented: the OID then may not decode). */
Oid pgcat_attrdef_oid(Oid rel, int attnum)
{
    uint32_t r = (rel - CAT_FIRST_USER_OID) & 0x1fffffu;
    return 0x80000000u | (r << 10) | ((uint32_t)attnum & 0x3ffu);
}

bool pgcat_attrdef_decode(const QueryEnv *env, Oid oid, const CatRelation **rel, int *attnum)
{
    if (!(oid & 0x80000000u))
        return false;
    Oid r = ((oid >> 10) & 0x1fffffu) + CAT_FIRST_USER_OID;
    int a = (int)(oid & 0x3ffu);
    const CatRelation *cr = catsnap_relation_by_oid(env->cat, r);
    if (!cr || a < 1 || a > cr->ncols || !cr->cols[a - 1].default_expr)
        return false;
    *rel = cr;
    *attnum = a;
    return true;
}
