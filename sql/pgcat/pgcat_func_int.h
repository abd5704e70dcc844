/* pgcat_func_int.h -- shared between the catalog-aware functions (pgcat_func.c: the
 * definitions/comments/visibility functions and the registry) and pgcat_reg.c (regclass/
 * regtype I/O, name parsing, sizes, session facts). */
#ifndef SHALE_SQL_PGCAT_PGCAT_FUNC_INT_H
#define SHALE_SQL_PGCAT_PGCAT_FUNC_INT_H

#include "sql/pgcat/pgcat_int.h"

/* A text-like argument as a NUL-terminated copy in arena (NULL on OOM). */
const char *pgcat_arg_cstr(ShaleArena *arena, const Value *v);
/* *out = text of the given type copied into arena (53200 on OOM). */
int pgcat_out_text(ShaleArena *arena, Oid type, const char *s, size_t n, Value *out, SqlError *err);
/* Same from a buffer, which is freed. */
int pgcat_out_buf(ShaleArena *arena, Oid type, ShaleBuf *b, Value *out, SqlError *err);
/* The constraint with this OID and its table, NULL if none. */
const CatRelation *pgcat_constraint_by_oid(const QueryEnv *env, Oid oid, const CatConstraint **con);

/* Splits a possibly qualified, possibly quoted name ("s.t", "\"My T\"") into schema (""
 * when unqualified) and name, folding unquoted parts to lower case. 0, or -1 when the
 * name is malformed (42601 'invalid name syntax'). */
int pgcat_parse_qualified(const char *s, char *schema, size_t scap, char *name, size_t ncap, SqlError *err);

/* pgcat_reg.c functions the registry lists. */
#define PGCAT_FN(name) \
    int name(const QueryEnv *env, ShaleArena *a, int nargs, const Value *args, Value *out, SqlError *err)
PGCAT_FN(pgcat_fn_get_serial_sequence);
PGCAT_FN(pgcat_fn_to_regclass);
PGCAT_FN(pgcat_fn_to_regtype);
PGCAT_FN(pgcat_fn_relation_size);
PGCAT_FN(pgcat_fn_total_relation_size);
PGCAT_FN(pgcat_fn_table_size);
PGCAT_FN(pgcat_fn_indexes_size);
PGCAT_FN(pgcat_fn_database_size);
PGCAT_FN(pgcat_fn_size_pretty);
PGCAT_FN(pgcat_fn_backend_pid);
PGCAT_FN(pgcat_fn_cancel_backend);
PGCAT_FN(pgcat_fn_terminate_backend);
PGCAT_FN(pgcat_fn_txid_current);
PGCAT_FN(pgcat_fn_postmaster_start_time);
PGCAT_FN(pgcat_fn_inet_server_port);
PGCAT_FN(pgcat_fn_function_result);
PGCAT_FN(pgcat_fn_function_arguments);
#undef PGCAT_FN

#endif
