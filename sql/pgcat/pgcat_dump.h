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

#include "sql/pgcat/pgcat.h"
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

#endif
