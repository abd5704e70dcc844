/* pgcat_srf.c -- catalog set-returning functions psql and other clients call:
 * pg_partition_ancestors(regclass) (psql's \d "Referenced by" / foreign-key queries) and
 * pg_partition_tree(regclass). ShaleDB has no partitioned tables, so no relation is a
 * partition or a partitioned table and PostgreSQL returns no rows for either function on
 * such a relation (nor for an OID that names no relation): both produce an empty set,
 * which is the database as it is, not a canned answer.
 *
 * They are SqlFunc entries (kind SQL_FUNC_SRF) so the executor runs them like the types
 * module's SRFs; the entries are static and live for the process. */
#include <stddef.h>

#include "sql/pgcat/pgcat.h"

#include <string.h>

static int srf_empty_open(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err)
{
    (void)ctx; (void)state; (void)nargs; (void)args; (void)err;
    return 0;
}

static int srf_empty_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    (void)ctx; (void)state; (void)out; (void)err;
    return 0;
}

static const SqlSrfImpl srf_no_partitions = {
    .state_size = 8, .n_out_cols = 1, .out_names = NULL, .out_types = NULL,
    .open = srf_empty_open, .next = srf_empty_next,
};

/* pg_partition_tree's columns: relid, parentrelid, isleaf, level. */
static const char *const tree_names[] = { "relid", "parentrelid", "isleaf", "level" };
static const Oid tree_types[] = { REGCLASSOID, REGCLASSOID, BOOLOID, INT4OID };
static const SqlSrfImpl srf_no_tree = {
    .state_size = 8, .n_out_cols = 4, .out_names = tree_names, .out_types = tree_types,
    .open = srf_empty_open, .next = srf_empty_next,
};

static const SqlFunc srfs[] = {
    { .name = "pg_partition_ancestors", .kind = SQL_FUNC_SRF, .nargs = 1, .strict = true,
      .volatility = SQL_VOLATILE, .args = { REGCLASSOID }, .ret = REGCLASSOID, .oid = 3425,
      .srf = &srf_no_partitions },
    { .name = "pg_partition_tree", .kind = SQL_FUNC_SRF, .nargs = 1, .strict = true,
      .volatility = SQL_VOLATILE, .args = { REGCLASSOID }, .ret = RECORDOID, .oid = 3423,
      .srf = &srf_no_tree },
};

const SqlFunc *pgcat_srf_lookup(const char *name, int nargs)
{
    for (size_t i = 0; i < sizeof(srfs) / sizeof(srfs[0]); i++)
        if (srfs[i].nargs == nargs && strcmp(srfs[i].name, name) == 0)
            return &srfs[i];
    return NULL;
}
