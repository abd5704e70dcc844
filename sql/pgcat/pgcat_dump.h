/* pgcat_dump.h -- the catalog tables and functions pg_dump 15 needs beyond those of
 * pgcat_tables.def / pgcat_func.c (tests/clients/pg_dump): empty catalogs ShaleDB has no
 * objects for (pg_opfamily, pg_amop, pg_amproc, pg_ts_*, pg_transform, pg_subscription,
 * pg_largeobject_metadata, pg_seclabels) and the session/ACL functions set_config,
 * current_setting and acldefault, plus the set-returning pg_options_to_table.
 *
 * Registration: pgcat.c's lookups fall back to pgcat_dump_lookup / _lookup_oid and count
 * pgcat_dump_n_tables() more tables; pgcat_func.c's registry appends pgcat_dump_func_at();
 * the types registry (types_registry.c) registers pgcat_dump_options_srf. Everything here
 * is immutable static data; the functions take their state from the QueryEnv. */
#ifndef SHALE_SQL_PGCAT_PGCAT_DUMP_H
#define SHALE_SQL_PGCAT_PGCAT_DUMP_H

#include "sql/pgcat/pgcat_int.h"
#include "sql/types/types.h"

/* The extra virtual tables (static; never NULL for i in range). */
int pgcat_dump_n_tables(void);
const PgCatTable *pgcat_dump_table(int i);
/* By schema ("pg_catalog" when NULL) and name, or by pg_class OID; NULL if none. */
const PgCatTable *pgcat_dump_lookup(const char *schema, const char *name);
const PgCatTable *pgcat_dump_lookup_oid(Oid oid);

/* The extra catalog-aware functions (static entries). */
int pgcat_dump_func_count(void);
const PgCatFunc *pgcat_dump_func_at(int i);

/* pg_options_to_table(text[]) -> setof (option_name text, option_value text): splits
 * "name=value" entries (reloptions, fdw options). A NULL array yields no rows. */
extern const SqlSrfImpl pgcat_dump_options_srf;

/* pg_get_viewdef's text: the view's stored SELECT with the relations of its FROM clauses
 * schema-qualified where not visible on the current search_path (pg_dump runs with an
 * empty path and restores with one), and PostgreSQL's trailing ';' (pg_dump strips it).
 * Appends to out (the caller owns it). */
void pgcat_dump_viewdef(const QueryEnv *env, const CatRelation *view, ShaleBuf *out);

/* pg_get_expr's text (n bytes) with each 'name'::regclass literal re-printed as
 * PostgreSQL would for the current search_path: qualified unless visible (pg_dump reads
 * serial defaults with an empty path). Unqualified names resolve in the schema of the
 * relation relid first. Appends to out. */
void pgcat_dump_requalify(const QueryEnv *env, Oid relid, const char *text, size_t n, ShaleBuf *out);

/* pg_depend rows pg_dump orders objects by, beyond pgcat_class.c's: serial defaults on
 * their sequence ('n'), each view's "_RETURN" rule on the view ('i') and on the relations
 * its query reads ('n'), foreign keys on the referenced table ('n'). r is pg_depend's row
 * builder; 0 or -1 with the error in r. */
int pgcat_dump_depend_rows(const QueryEnv *env, PgRow *r);

#endif
