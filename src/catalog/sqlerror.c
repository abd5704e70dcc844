/* sqlerror.c -- birth of every SqlError and the SQLSTATE table (see sqlerror.h). */
#include "catalog/sqlerror.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *state;
    const char *name;
} errcode_table[] = {
#define ERRCODE(NAME, STATE, COND) { STATE, COND },
#include "catalog/errcodes.def"
#undef ERRCODE
};

const char *sql_errcode_state(SqlErrCode code)
{
    return code < ERRCODE__COUNT ? errcode_table[code].state : "XX000";
}

const char *sql_errcode_name(SqlErrCode code)
{
    return code < ERRCODE__COUNT ? errcode_table[code].name : "internal_error";
}

const char *sql_severity_name(SqlSeverity s)
{
    switch (s) {
    case SQL_SEV_ERROR: return "ERROR";
    case SQL_SEV_FATAL: return "FATAL";
    case SQL_SEV_WARNING: return "WARNING";
    case SQL_SEV_NOTICE: return "NOTICE";
    case SQL_SEV_INFO: return "INFO";
    case SQL_SEV_LOG: return "LOG";
    }
    return "ERROR";
}

int sql_error_set(SqlError *err, SqlErrCode code, const char *fmt, ...)
{
    if (err) {
        sql_error_clear(err);
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

void sql_error_detail(SqlError *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
}

void sql_error_hint(SqlError *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->hint, sizeof err->hint, fmt, ap);
    va_end(ap);
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    if (src)
        snprintf(dst, cap, "%s", src);
}

void sql_error_object(SqlError *err, const char *schema, const char *table, const char *column,
                      const char *datatype, const char *constraint)
{
    if (!err)
        return;
    copy_name(err->schema_name, sizeof err->schema_name, schema);
    copy_name(err->table_name, sizeof err->table_name, table);
    copy_name(err->column_name, sizeof err->column_name, column);
    copy_name(err->datatype_name, sizeof err->datatype_name, datatype);
    copy_name(err->constraint_name, sizeof err->constraint_name, constraint);
}

int sql_error_from_storage(SqlError *err, const ShaleError *serr)
{
    SqlErrCode code;
    switch (serr->code) {
    case SHALE_CORRUPTION: code = ERRCODE_DATA_CORRUPTED; break;
    case SHALE_IO_ERROR: code = ERRCODE_IO_ERROR; break;
    case SHALE_NO_SPACE: code = ERRCODE_DISK_FULL; break;
    case SHALE_NO_MEMORY: code = ERRCODE_OUT_OF_MEMORY; break;
    case SHALE_BUSY: code = ERRCODE_OBJECT_IN_USE; break;
    case SHALE_CLOSED: code = ERRCODE_ADMIN_SHUTDOWN; break;
    default: code = ERRCODE_INTERNAL_ERROR; break;
    }
    return sql_error_set(err, code, "%s", serr->msg);
}
