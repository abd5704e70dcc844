/* pgcat.h -- PostgreSQL's system catalogs and information_schema as ShaleDB serves them:
 * virtual tables whose rows are generated, at scan time, from the real catalog
 * (src/catalog, through the statement's catalog snapshot) and the session, plus the
 * catalog-aware builtin functions clients call (format_type, pg_get_indexdef, ...).
 *
 * The query engine (sql/query) consults this module:
 *  - name resolution: a relation named pg_catalog.X (or X with pg_catalog on the path,
 *    which PostgreSQL always searches first) or information_schema.X that is not a user
 *    table resolves to pgcat_lookup(schema, X); the planner scans it with a virtual scan
 *    that calls PgCatTable.rows once per scan and filters/joins the rows like any others.
 *  - function resolution: before types_func_resolve, pgcat_func_lookup(name, nargs,
 *    argtypes) offers the catalog-aware functions; they receive the QueryEnv.
 *
 * Rows are views over the catalog, never canned answers: what a tool sees is the database
 * as it is in the statement's snapshot.
 *
 * Memory: values produced live in the arena given to the call (the scan's or the row's), or
 * are borrowed from env->cat (names, comments, expression texts), which the statement holds
 * for as long as it runs: consumers keeping rows past the statement must copy them.
 * Threading: stateless; everything comes from the QueryEnv.
 *
 * Types PostgreSQL uses in its catalogs that ShaleDB lacks are served as the nearest type
 * ShaleDB has (pgcat_tables.def, docs/compatibility.md): xid -> oid; pg_node_tree, inet, anyarray -> text; aclitem[] ->
 * text[]; information_schema's domains -> their base types (sql_identifier -> name,
 * cardinal_number -> int4, character_data/yes_or_no -> varchar). */
#ifndef SHALE_SQL_PGCAT_PGCAT_H
#define SHALE_SQL_PGCAT_PGCAT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/sqlerror.h"
#include "catalog/value.h"
#include "sql/query.h"
#include "util/arena.h"

typedef struct PgCatColumn {
    const char *name;
    Oid type;
    int32_t typmod;                /* -1 */
} PgCatColumn;

/* Called once per row; vals[ncols] (payloads in the arena passed to rows()). Returns 0 to
 * go on, -1 to stop with an error (already in err). */
typedef int (*PgCatEmit)(void *arg, const Value *vals, SqlError *err);

typedef struct PgCatTable {
    const char *schema;            /* "pg_catalog" or "information_schema" */
    const char *name;
    Oid oid;                       /* its pg_class OID (PostgreSQL's where it has a fixed one) */
    char relkind;                  /* pg_class.relkind: 'r' (catalog table) or 'v' (view) --
                                      added so pg_class can describe the table as PG does */
    int ncols;
    const PgCatColumn *cols;
    /* Produces every row of the table for this statement. */
    int (*rows)(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err);
} PgCatTable;

/* The table schema.name (schema NULL = pg_catalog, then information_schema is NOT
 * searched: PostgreSQL only has pg_catalog implicitly on the path). NULL if none. */
const PgCatTable *pgcat_lookup(const char *schema, const char *name);
/* By pg_class OID (for regclass output and joins on oid). */
const PgCatTable *pgcat_lookup_oid(Oid oid);
/* Every virtual table (for pg_class rows describing them). */
int pgcat_n_tables(void);
const PgCatTable *pgcat_table(int i);

/* PostgreSQL's int2vector / oidvector columns (pg_index.indkey, pg_proc.proargtypes ...) have
 * those very types: zero-based int2 / oid arrays whose text form is "1 2" (sql/types). */
#define PGCAT_INT2VECTOR_TYPE INT2VECTOROID
#define PGCAT_OIDVECTOR_TYPE OIDVECTOROID

/* Catalog-aware scalar functions (format_type, pg_get_indexdef, pg_table_is_visible, ...). */
typedef int (*PgCatFn)(const QueryEnv *env, ShaleArena *arena, int nargs, const Value *args,
                       Value *out, SqlError *err);

typedef struct PgCatFunc {
    const char *name;              /* lower case, without schema */
    int nargs;
    Oid args[4];                   /* argument types the caller must coerce to */
    Oid ret;
    bool strict;                   /* NULL argument -> NULL result without calling fn */
    PgCatFn fn;
    Oid oid;                       /* PostgreSQL's pg_proc OID (added: pg_proc lists these) */
} PgCatFunc;

/* Every catalog-aware function (for pg_proc), i in 0..pgcat_func_count()-1. */
int pgcat_func_count(void);
const PgCatFunc *pgcat_func_at(int i);

/* The catalog-aware function name(nargs) whose argument types argtypes can be implicitly
 * coerced to (exact match preferred), or NULL. */
const PgCatFunc *pgcat_func_lookup(const char *name, int nargs, const Oid *argtypes);

/* Catalog set-returning functions (pg_partition_ancestors, pg_partition_tree: pgcat_srf.c),
 * as static SQL_FUNC_SRF entries the binder resolves before the types module's registry
 * (args[] are the types to coerce to, ret the single column's type). NULL if none.
 * The entry is static and lives for the process. */
const SqlFunc *pgcat_srf_lookup(const char *name, int nargs);

/* The anyelement pseudo type (an SRF output column typed by its array argument's element:
 * _pg_expandarray's x); pg_types.def has no pseudo polymorphic types. */
#define ANYELEMENTOID_PGCAT 2283

/* Record values (the whole result of a multi-column catalog SRF in a target list, such as
 * `information_schema._pg_expandarray(i.indkey) AS keys`, then `(keys).x`): byte format at
 * the top of pgcat_srf.c. pack: bytes in arena (values' bytes copied), -1 + 53200 on OOM.
 * field: column k (0-based) of rec, payload borrowed from rec; -1 + XX001 when absent. */
int pgcat_record_pack(const Value *cols, int n, ShaleArena *arena, Value *out, SqlError *err);
int pgcat_record_field(const Value *rec, int k, Value *out, SqlError *err);
/* The typmod naming a record expression's shape: the catalog SRF srf producing it, with
 * elem the type of its anyelement column (0 if none); -1 if srf is not a catalog SRF. */
int32_t pgcat_record_typmod(const SqlFunc *srf, Oid elem);
/* The SRF and element type of a record typmod, NULL if it names none. */
const SqlFunc *pgcat_record_srf(int32_t typmod, Oid *elem);
/* Column `field` of srf's output: its 0-based index and *type, or -1. */
int pgcat_record_column(const SqlFunc *srf, Oid elem, const char *field, Oid *type);
/* A static scalar SqlFunc (record, int4 k) -> field k of the record (result typed by the
 * caller's SqlFuncMatch.ret_type), to bind (expr).field on a record expression. */
const SqlFunc *pgcat_record_field_func(void);

/* regclass / regtype / regproc I/O with catalog access (the types module only knows the
 * numeric forms): name -> OID following search_path, and OID -> name (qualified when not
 * visible). Return 0 or -1 with err (42P01 'relation "x" does not exist', 42704 'type "x"
 * does not exist'). */
int pgcat_regclass_in(const QueryEnv *env, const char *name, Oid *out, SqlError *err);
int pgcat_regclass_out(const QueryEnv *env, Oid oid, ShaleArena *arena, const char **out);
int pgcat_regtype_in(const QueryEnv *env, const char *name, Oid *out, SqlError *err);
int pgcat_regtype_out(const QueryEnv *env, Oid oid, ShaleArena *arena, const char **out);
/* regproc input: an OID, or a function name (optionally pg_catalog-qualified, or quoted) of
 * pg_proc or one of the array I/O functions array_in/out/recv/send; 42883 'function "x"
 * does not exist' otherwise, 42725 'more than one function named "x"' for an overloaded name
 * (as PostgreSQL's regprocin). */
int pgcat_regproc_in(const QueryEnv *env, const char *name, Oid *out, SqlError *err);

/* ---- privileges (pgcat_acl.c; stored format there) ---------------------------------------- */

/* Privilege bits, in PostgreSQL's order (the letters "arwdDxtXUCTc"). */
#define PGCAT_ACL_INSERT     (1u << 0)   /* a */
#define PGCAT_ACL_SELECT     (1u << 1)   /* r */
#define PGCAT_ACL_UPDATE     (1u << 2)   /* w */
#define PGCAT_ACL_DELETE     (1u << 3)   /* d */
#define PGCAT_ACL_TRUNCATE   (1u << 4)   /* D */
#define PGCAT_ACL_REFERENCES (1u << 5)   /* x */
#define PGCAT_ACL_TRIGGER    (1u << 6)   /* t */
#define PGCAT_ACL_EXECUTE    (1u << 7)   /* X */
#define PGCAT_ACL_USAGE      (1u << 8)   /* U */
#define PGCAT_ACL_CREATE     (1u << 9)   /* C */
#define PGCAT_ACL_TEMP       (1u << 10)  /* T */
#define PGCAT_ACL_CONNECT    (1u << 11)  /* c */
#define PGCAT_ACL_MAX 64                 /* items per object */

typedef struct PgCatAclItem {
    Oid grantee;                   /* 0 = PUBLIC */
    Oid grantor;
    uint32_t privs, goptions;      /* PGCAT_ACL_* bits; goptions = grantable ones */
} PgCatAclItem;

typedef struct PgCatAcl {
    int n;
    PgCatAclItem items[PGCAT_ACL_MAX];
} PgCatAcl;

/* kind: 'r' table/view, 's' sequence, 'n' schema (acldefault's letters). */
uint32_t pgcat_acl_all(char kind);
/* "select" -> PGCAT_ACL_SELECT ...; 0 for an unknown name. */
uint32_t pgcat_acl_priv_bit(const char *name);
void pgcat_acl_default(char kind, Oid owner, bool public_schema, PgCatAcl *out);
/* The ACL of an object from its stored text (NULL = the default); -1 on malformed text. */
int pgcat_acl_load(const char *stored, char kind, Oid owner, bool public_schema, PgCatAcl *out);
/* The stored text of acl, in arena a (NULL on OOM). */
char *pgcat_acl_store(const PgCatAcl *acl, ShaleArena *a);
/* GRANT: adds privs (grantable too if asked) to grantee's item from grantor; -1 when full. */
int pgcat_acl_grant(PgCatAcl *acl, Oid grantee, Oid grantor, uint32_t privs, bool grantable);
/* REVOKE: removes privs (or only their grant option) from every item of grantee. */
void pgcat_acl_revoke(PgCatAcl *acl, Oid grantee, uint32_t privs, bool grant_option_only);
/* Whether role (or PUBLIC) holds every privilege of privs. */
bool pgcat_acl_has(const PgCatAcl *acl, Oid role, uint32_t privs);
/* The aclitem[] as PostgreSQL prints it (text[] of "role=privs/grantor"), in arena a. */
int pgcat_acl_value(const QueryEnv *env, const PgCatAcl *acl, ShaleArena *a, Value *out, SqlError *err);

#endif
