/* pgcat_int.h -- shared internals of sql/pgcat: the table registry generated from
 * pgcat_tables.def (column ids as enums), the row builder every table generator uses,
 * search_path and visibility, name quoting and the PostgreSQL-style deparsers
 * (index/constraint definitions, expressions) shared by the tables and the functions.
 *
 * OIDs: every row refers to objects by the OIDs the catalog gave them (user objects >=
 * 16384, namespaces/databases/roles PostgreSQL's fixed ones), types by pg_types.def OIDs,
 * virtual tables by PostgreSQL's pg_class OIDs, so joins between tables work. Objects the
 * catalog has no OID for (column defaults) get synthetic ones (pgcat_attrdef_oid). */
#ifndef SHALE_SQL_PGCAT_PGCAT_INT_H
#define SHALE_SQL_PGCAT_PGCAT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "sql/pgcat/pgcat.h"
#include "sql/types/types.h"
#include "util/buf.h"

/* Column ids: PGCAT_<TABLE>_<COLUMN>, and PGCAT_<TABLE>__NCOLS. */
#define PGCAT_BEGIN(ID, lid, S, N, OID, K) enum {
#define PGCAT_COL(ID, C, N, T, M) PGCAT_##ID##_##C,
#define PGCAT_END(ID, lid) PGCAT_##ID##__NCOLS };
#include "sql/pgcat/pgcat_tables.def"
#undef PGCAT_BEGIN
#undef PGCAT_COL
#undef PGCAT_END

/* Table ids: PGCAT_TAB_<TABLE> index pgcat_tables[]. */
enum {
#define PGCAT_BEGIN(ID, lid, S, N, OID, K) PGCAT_TAB_##ID,
#define PGCAT_COL(ID, C, N, T, M)
#define PGCAT_END(ID, lid)
#include "sql/pgcat/pgcat_tables.def"
#undef PGCAT_BEGIN
#undef PGCAT_COL
#undef PGCAT_END
    PGCAT_TAB__COUNT
};

extern const PgCatTable pgcat_tables[PGCAT_TAB__COUNT];

/* One generator per table: pgcat_rows_<lower id> (pgcat_class.c, pgcat_misc.c, ...). */
#define PGCAT_BEGIN(ID, lid, S, N, OID, K) \
    int pgcat_rows_##lid(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err);
#define PGCAT_COL(ID, C, N, T, M)
#define PGCAT_END(ID, lid)
#include "sql/pgcat/pgcat_tables.def"
#undef PGCAT_BEGIN
#undef PGCAT_COL
#undef PGCAT_END

/* Widest table (information_schema.routines has 82 columns). */
#define PGCAT_MAX_COLS 96

/* ---- row builder ----------------------------------------------------------------------- */

/* Fills one row at a time: clear, set columns (unset ones stay NULL), emit. Variable-length
 * payloads built here (formatted strings, arrays) are allocated in arena, which the
 * caller of rows() owns; string setters borrow their argument. An allocation failure is
 * sticky and reported (53200) by pgrow_emit. */
typedef struct PgRow {
    const PgCatTable *t;
    const QueryEnv *env;
    ShaleArena *arena;
    PgCatEmit emit;
    void *arg;
    SqlError *err;
    bool oom;
    Value vals[PGCAT_MAX_COLS];
} PgRow;

void pgrow_init(PgRow *r, int table, const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg,
                SqlError *err);
void pgrow_clear(PgRow *r);
void pgrow_int(PgRow *r, int col, int64_t v);          /* any integer-like column (oid, int2..8, reg*) */
void pgrow_float(PgRow *r, int col, double v);
void pgrow_bool(PgRow *r, int col, bool v);
void pgrow_char(PgRow *r, int col, char c);            /* "char": '\0' = empty string */
void pgrow_str(PgRow *r, int col, const char *s);      /* borrowed; NULL = SQL NULL */
void pgrow_strf(PgRow *r, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void pgrow_buf(PgRow *r, int col, const ShaleBuf *b);  /* copied into the arena */
void pgrow_yesno(PgRow *r, int col, bool v);           /* information_schema's 'YES'/'NO' */
/* Arrays: int2/oid elements (lower bound as given: 0 for int2vector/oidvector, 1 else). */
void pgrow_int_array(PgRow *r, int col, Oid elem, int32_t lower, int n, const int64_t *v);
void pgrow_text_array(PgRow *r, int col, Oid elem, int n, const char *const *v);
/* Passes the row on; 0 go on, -1 stop (err set). */
int pgrow_emit(PgRow *r);
/* Arena copy of a NUL-terminated string (NULL on OOM; marks r->oom). */
char *pgrow_strdup(PgRow *r, const char *s, size_t n);

/* ---- names, search_path, visibility ------------------------------------------------------ */

/* The namespaces searched for unqualified names, in order: pg_catalog first (implicitly, as
 * PostgreSQL), then the search_path entries that exist ("$user" = the user's schema).
 * Returns the count (<= max). */
int pgcat_search_path(const QueryEnv *env, Oid *out, int max);
/* The namespace an unqualified CREATE would use (first existing non-pg_catalog entry), 0 if none. */
Oid pgcat_creation_namespace(const QueryEnv *env);
bool pgcat_nsp_in_path(const QueryEnv *env, Oid nsp);
/* A relation/index/virtual table is visible when no earlier namespace of the path holds
 * a relation of the same name. */
bool pgcat_relname_visible(const QueryEnv *env, Oid nsp, const char *name);
/* "schema.name" unless visible (then "name"), identifiers quoted as quote_ident. */
void pgcat_append_qualified(const QueryEnv *env, Oid nsp, const char *name, bool force_qualify, ShaleBuf *out);
const char *pgcat_nsp_name(const QueryEnv *env, Oid nsp);   /* borrowed; NULL if unknown */
const char *pgcat_role_name(const QueryEnv *env, Oid role);

/* Any relation-like object by OID: a table/view/sequence (*idx NULL), an index (*idx set,
 * returns its table) or a virtual catalog table (*vt set, returns NULL). */
const CatRelation *pgcat_class_by_oid(const QueryEnv *env, Oid oid, const CatIndex **idx, const PgCatTable **vt);

/* ---- synthetic OIDs and access methods ----------------------------------------------- */

/* pg_proc OIDs of the array I/O functions (pg_type.typinput ... of array types). */
#define PGCAT_PROC_ARRAY_IN 750u
#define PGCAT_PROC_ARRAY_OUT 751u
#define PGCAT_PROC_ARRAY_RECV 2400u
#define PGCAT_PROC_ARRAY_SEND 2401u

#define PGCAT_AM_HEAP 2u
#define PGCAT_AM_BTREE 403u
#define PGCAT_AM_HASH 405u
#define PGCAT_AM_GIST 783u
#define PGCAT_AM_GIN 2742u
#define PGCAT_AM_BRIN 3580u
#define PGCAT_AM_HNSW 16001u          /* fixed here (an extension's AM in PostgreSQL) */
#define PGCAT_AM_IVFFLAT 16002u
Oid pgcat_am_oid(const char *am);

/* pg_attrdef OIDs: synthetic, (relation, attnum) packed above 2^31 so they cannot meet
 * catalog OIDs in practice; pgcat_attrdef_decode inverts it (false if not one). */
Oid pgcat_attrdef_oid(Oid rel, int attnum);
bool pgcat_attrdef_decode(const QueryEnv *env, Oid oid, const CatRelation **rel, int *attnum);

/* Class OIDs of pg_description/pg_depend. */
#define PGCAT_CLASS_PG_CLASS 1259u
#define PGCAT_CLASS_PG_CONSTRAINT 2606u
#define PGCAT_CLASS_PG_NAMESPACE 2615u
#define PGCAT_CLASS_PG_DATABASE 1262u
#define PGCAT_CLASS_PG_AUTHID 1260u
#define PGCAT_CLASS_PG_ATTRDEF 2604u
#define PGCAT_CLASS_PG_TYPE 1247u
#define PGCAT_CLASS_PG_PROC 1255u

/* ---- type facts (pgcat_misc.c) ------------------------------------------------------- */

char pgcat_type_align(Oid type);        /* pg_type.typalign */
char pgcat_type_storage(Oid type);      /* pg_type.typstorage */
Oid pgcat_type_collation(Oid type);     /* 100 (default) for collatable types, 950 (C) for name, else 0 */
/* Column names an expression text mentions (identifiers outside string literals that
 * name a column of rel): fills attnums (up to max), returns the count. */
int pgcat_expr_columns(const CatRelation *rel, const char *text, int16_t *attnums, int max);

/* ---- deparsing (pgcat_deparse.c) ------------------------------------------------------ */

/* pg_get_indexdef: col 0 = "CREATE [UNIQUE] INDEX name ON schema.table USING am (cols)...",
 * col k = the k-th key column's text only. */
void pgcat_indexdef(const QueryEnv *env, const CatRelation *rel, const CatIndex *idx, int col, bool pretty,
                    ShaleBuf *out);
/* pg_get_constraintdef: "PRIMARY KEY (id)", "CHECK ((a > 0))", "FOREIGN KEY ..." */
void pgcat_constraintdef(const QueryEnv *env, const CatRelation *rel, const CatConstraint *con, bool pretty,
                         ShaleBuf *out);
/* An expression text as PostgreSQL prints stored expressions (operators parenthesised,
 * canonical spacing), via the parser's deparser; the text itself when it does not parse. */
void pgcat_expr(const char *text, ShaleBuf *out);
/* A check constraint's text of rel, deparsed with the implicit casts PostgreSQL shows
 * ("salary > 0::numeric"); pretty as pg_get_constraintdef(oid, true). */
void pgcat_check_expr(const CatRelation *rel, const char *text, bool pretty, ShaleBuf *out);
/* The same in PostgreSQL's pretty mode (pg_get_*def(..., true)): no parentheses around
 * the whole expression nor around comparison operands of AND/OR ("a > 0 AND b < 1"). */
void pgcat_expr_pretty(const char *text, ShaleBuf *out);
/* The column default as pg_get_expr(adbin) shows it (string constants get the column
 * type's cast: 'x'::text). */
void pgcat_default_expr(const CatColumn *col, ShaleBuf *out);
/* The pg_attribute name of an index expression column: the function's name for a function
 * call (lower(x) -> "lower"), else "expr" (the caller numbers duplicates). */
void pgcat_index_expr_name(const char *text, char *out, size_t cap);
/* format_type(type, NULL): like types_format_type(type, -1) except that bpchar without a
 * modifier is "character" (PostgreSQL prints "bpchar" only for an explicit typmod -1). */
void pgcat_format_type_nomod(Oid type, ShaleBuf *out);
/* The index backing a PRIMARY KEY/UNIQUE constraint (by index_oid, else by the name the
 * constraint shares with its index), NULL if none. */
const CatIndex *pgcat_con_index(const CatRelation *rel, const CatConstraint *con);
/* The PRIMARY KEY/UNIQUE constraint of rel whose index is index_oid, NULL if none. */
const CatConstraint *pgcat_index_con(const CatRelation *rel, Oid index_oid);
/* Column names list "a, b" for attnums. */
void pgcat_append_colnames(const CatRelation *rel, int n, const int16_t *attnums, ShaleBuf *out);

#endif
