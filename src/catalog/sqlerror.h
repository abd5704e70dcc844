/* sqlerror.h -- the error object of every layer from the catalog up: SQLSTATE, severity,
 * message, detail, hint, position. Errors are born in sql_error_set() (via the macros), so
 * one breakpoint catches any. Storage errors (ShaleError) convert with sql_error_from_storage.
 * SQLSTATE codes come from errcodes.def only. */
#ifndef SHALE_CATALOG_SQLERROR_H
#define SHALE_CATALOG_SQLERROR_H

#include "util/status.h"

typedef enum SqlErrCode {
#define ERRCODE(NAME, STATE, COND) ERRCODE_##NAME,
#include "catalog/errcodes.def"
#undef ERRCODE
    ERRCODE__COUNT
} SqlErrCode;

typedef enum SqlSeverity {
    SQL_SEV_ERROR,      /* "ERROR": the statement fails, the session goes on */
    SQL_SEV_FATAL,      /* "FATAL": the session ends */
    SQL_SEV_WARNING,    /* notices: */
    SQL_SEV_NOTICE,
    SQL_SEV_INFO,
    SQL_SEV_LOG
} SqlSeverity;

typedef struct SqlError {
    SqlErrCode code;             /* ERRCODE_SUCCESSFUL_COMPLETION when no error */
    SqlSeverity severity;
    int position;                /* 1-based character offset into the statement, 0 = none */
    char message[512];
    char detail[512];
    char hint[256];
    /* The object the error is about, sent as ErrorResponse fields s/t/c/d/n (PostgreSQL
     * fills them for constraint violations: 23502 schema/table/column, 23505/23514/23503
     * schema/table/constraint). Empty = not sent; names are at most NAMEDATALEN-1 bytes. */
    char schema_name[64];
    char table_name[64];
    char column_name[64];
    char datatype_name[64];
    char constraint_name[64];
} SqlError;

/* The 5-character SQLSTATE of a code. */
const char *sql_errcode_state(SqlErrCode code);
const char *sql_errcode_name(SqlErrCode code);
const char *sql_severity_name(SqlSeverity s);

/* Sets *err (if non-NULL): severity ERROR, no detail/hint/position. Returns -1 so callers
 * can `return sql_error_set(...)`. */
int sql_error_set(SqlError *err, SqlErrCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sql_error_detail(SqlError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sql_error_hint(SqlError *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Names the object of *err (if non-NULL); a NULL argument leaves that field as it is, so
 * layers that know different parts (the facet: table and constraint; the executor: the
 * schema) can each add theirs. Names longer than the field are truncated. */
void sql_error_object(SqlError *err, const char *schema, const char *table, const char *column,
                      const char *datatype, const char *constraint);
static inline void sql_error_clear(SqlError *err)
{
    if (err) {
        err->code = ERRCODE_SUCCESSFUL_COMPLETION;
        err->severity = SQL_SEV_ERROR;
        err->position = 0;
        err->message[0] = err->detail[0] = err->hint[0] = '\0';
        err->schema_name[0] = err->table_name[0] = err->column_name[0] = '\0';
        err->datatype_name[0] = err->constraint_name[0] = '\0';
    }
}
/* Maps a storage error: corruption -> XX001, I/O -> 58030, no space -> 53100, no memory ->
 * 53200, busy -> 55006, other -> XX000. Returns -1. */
int sql_error_from_storage(SqlError *err, const ShaleError *serr);

#define SQL_ERR(err, CODE, ...) sql_error_set((err), ERRCODE_##CODE, __VA_ARGS__)

#endif
