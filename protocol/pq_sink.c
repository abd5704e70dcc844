/* pq_sink.c -- backend messages: the SqlSink callbacks that encode SQL results, and the
 * ErrorResponse/NoticeResponse/ReadyForQuery builders.
 *
 * Payloads (after the type byte and length, pq_msg.h):
 *   RowDescription 'T'  n:int16, n x (name:string table:int32 attnum:int16 type:int32
 *                       typlen:int16 typmod:int32 format:int16)
 *   DataRow 'D'         n:int16, n x (len:int32 (-1 = NULL) bytes)
 *   CommandComplete 'C' tag:string
 *   ErrorResponse 'E' / NoticeResponse 'N'  (field:byte value:string)* 0
 *   ParameterStatus 'S' name:string value:string
 *   ParameterDescription 't'  n:int16 n x type:int32
 *   CopyInResponse 'G' / CopyOutResponse 'H'  format:int8 n:int16 n x format:int16
 *   ReadyForQuery 'Z'   status:byte ('I', 'T', 'E')
 * Output is only appended here; pq_io_flush writes it out. Large results are flushed as they
 * grow so the buffer stays bounded; a failed write cancels the statement producing them. */
#include "protocol/pq_conn_int.h"
#include "protocol/pq_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Output beyond this is written out before more rows are appended. */
#define PQ_SINK_FLUSH_AT 65536

static void pq_sink_maybe_flush(PqConn *c)
{
    if (c->out.len < PQ_SINK_FLUSH_AT)
        return;
    if (!pq_io_flush(c) && c->sess) {
        /* The client is gone: stop the statement at its next check. */
        sql_session_cancel(c->sess);
    }
}

static void pq_sink_row_description(void *arg, int n_cols, const SqlColumnDesc *cols)
{
    PqConn *c = arg;
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_ROW_DESCRIPTION);
    pq_builder_put_int16(&b, (int16_t)n_cols);
    for (int i = 0; i < n_cols; i++) {
        pq_builder_put_string(&b, cols[i].name ? cols[i].name : "?column?");
        pq_builder_put_int32(&b, (int32_t)cols[i].table_oid);
        pq_builder_put_int16(&b, cols[i].attnum);
        pq_builder_put_int32(&b, (int32_t)cols[i].type_oid);
        pq_builder_put_int16(&b, cols[i].typlen);
        pq_builder_put_int32(&b, cols[i].typmod);
        pq_builder_put_int16(&b, cols[i].format);
    }
    pq_builder_end(&b);
}

static void pq_sink_data_row(void *arg, int n_cols, const char *const *vals, const int32_t *lens)
{
    PqConn *c = arg;
    size_t total = 7;
    for (int i = 0; i < n_cols; i++)
        total += 4 + (lens[i] > 0 ? (size_t)lens[i] : 0);
    if (!shale_buf_reserve(&c->out, total))
        return;
    /* Direct encoding: this is the hottest message. */
    char *p = c->out.data + c->out.len;
    p[0] = PQ_BE_DATA_ROW;
    pq_put_be32(p + 1, (uint32_t)(total - 1));
    p[5] = (char)((uint16_t)n_cols >> 8);
    p[6] = (char)n_cols;
    p += 7;
    for (int i = 0; i < n_cols; i++) {
        pq_put_be32(p, (uint32_t)lens[i]);
        p += 4;
        if (lens[i] > 0) {
            memcpy(p, vals[i], (size_t)lens[i]);
            p += lens[i];
        }
    }
    c->out.len += total;
    pq_sink_maybe_flush(c);
}

static void pq_sink_command_complete(void *arg, const char *tag)
{
    PqConn *c = arg;
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_COMMAND_COMPLETE);
    pq_builder_put_string(&b, tag);
    pq_builder_end(&b);
}

static void pq_sink_empty_query(void *arg)
{
    pq_send_simple(arg, PQ_BE_EMPTY_QUERY_RESPONSE);
}

static void pq_sink_notice(void *arg, const SqlError *notice)
{
    pq_send_error(arg, notice, true);
}

static void pq_sink_parameter_status(void *arg, const char *name, const char *value)
{
    PqConn *c = arg;
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_PARAMETER_STATUS);
    pq_builder_put_string(&b, name);
    pq_builder_put_string(&b, value);
    pq_builder_end(&b);
}

static void pq_sink_parameter_description(void *arg, int n, const Oid *types)
{
    PqConn *c = arg;
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_PARAMETER_DESCRIPTION);
    pq_builder_put_int16(&b, (int16_t)n);
    for (int i = 0; i < n; i++)
        pq_builder_put_int32(&b, (int32_t)types[i]);
    pq_builder_end(&b);
}

static void pq_sink_no_data(void *arg)
{
    pq_send_simple(arg, PQ_BE_NO_DATA);
}

static void pq_sink_copy_response(PqConn *c, char type, int format, int n_cols, const int16_t *fmts)
{
    PqBuilder b;
    pq_builder_begin(&b, &c->out, type);
    pq_builder_put_byte(&b, (uint8_t)format);
    pq_builder_put_int16(&b, (int16_t)n_cols);
    for (int i = 0; i < n_cols; i++)
        pq_builder_put_int16(&b, fmts[i]);
    pq_builder_end(&b);
}

static void pq_sink_copy_in_response(void *arg, int format, int n_cols, const int16_t *fmts)
{
    pq_sink_copy_response(arg, PQ_BE_COPY_IN_RESPONSE, format, n_cols, fmts);
}

static void pq_sink_copy_out_response(void *arg, int format, int n_cols, const int16_t *fmts)
{
    pq_sink_copy_response(arg, PQ_BE_COPY_OUT_RESPONSE, format, n_cols, fmts);
}

static void pq_sink_copy_data(void *arg, const char *data, size_t n)
{
    PqConn *c = arg;
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_COPY_DATA);
    pq_builder_put_bytes(&b, data, n);
    pq_builder_end(&b);
    pq_sink_maybe_flush(c);
}

static void pq_sink_copy_done(void *arg)
{
    pq_send_simple(arg, PQ_BE_COPY_DONE);
}

void pq_sink_init(PqConn *c)
{
    c->sink = (SqlSink){
        .arg = c,
        .row_description = pq_sink_row_description,
        .data_row = pq_sink_data_row,
        .command_complete = pq_sink_command_complete,
        .empty_query = pq_sink_empty_query,
        .notice = pq_sink_notice,
        .parameter_status = pq_sink_parameter_status,
        .parameter_description = pq_sink_parameter_description,
        .no_data = pq_sink_no_data,
        .copy_in_response = pq_sink_copy_in_response,
        .copy_out_response = pq_sink_copy_out_response,
        .copy_data = pq_sink_copy_data,
        .copy_done = pq_sink_copy_done,
    };
}

void pq_send_simple(PqConn *c, char type)
{
    PqBuilder b;
    pq_builder_begin(&b, &c->out, type);
    pq_builder_end(&b);
}

void pq_send_error(PqConn *c, const SqlError *e, bool notice)
{
    const char *sev = sql_severity_name(e->severity);
    SqlErrCode code = e->code;
    if (!notice && code == ERRCODE_SUCCESSFUL_COMPLETION)
        code = ERRCODE_INTERNAL_ERROR; /* an error without a code is still an error */
    /* Errors sent to a client also go to the server log, as PostgreSQL logs them at its
     * default log_min_messages (warning): operators see failing statements. */
    if (!notice)
        pq_log_write(e->severity == SQL_SEV_FATAL ? PQ_LOG_FATAL : PQ_LOG_ERROR, c->id, "%s [%s]", e->message,
                     sql_errcode_state(code));
    PqBuilder b;
    pq_builder_begin(&b, &c->out, notice ? PQ_BE_NOTICE_RESPONSE : PQ_BE_ERROR_RESPONSE);
    pq_builder_put_byte(&b, 'S');
    pq_builder_put_string(&b, sev);
    pq_builder_put_byte(&b, 'V');
    pq_builder_put_string(&b, sev);
    pq_builder_put_byte(&b, 'C');
    pq_builder_put_string(&b, sql_errcode_state(code));
    pq_builder_put_byte(&b, 'M');
    pq_builder_put_string(&b, e->message);
    if (e->detail[0]) {
        pq_builder_put_byte(&b, 'D');
        pq_builder_put_string(&b, e->detail);
    }
    if (e->hint[0]) {
        pq_builder_put_byte(&b, 'H');
        pq_builder_put_string(&b, e->hint);
    }
    if (e->position > 0) {
        char pos[16];
        snprintf(pos, sizeof pos, "%d", e->position);
        pq_builder_put_byte(&b, 'P');
        pq_builder_put_string(&b, pos);
    }
    /* the object fields, in PostgreSQL's order */
    const struct { char tag; const char *val; } objs[] = {
        {'s', e->schema_name}, {'t', e->table_name}, {'c', e->column_name},
        {'d', e->datatype_name}, {'n', e->constraint_name},
    };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        if (objs[i].val[0]) {
            pq_builder_put_byte(&b, objs[i].tag);
            pq_builder_put_string(&b, objs[i].val);
        }
    }
    pq_builder_put_byte(&b, 0);
    pq_builder_end(&b);
}

void pq_send_error_code(PqConn *c, SqlSeverity sev, SqlErrCode code, const char *fmt, ...)
{
    SqlError e;
    sql_error_clear(&e);
    e.code = code;
    e.severity = sev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    pq_send_error(c, &e, false);
    if (sev == SQL_SEV_FATAL) {
        pq_log_write(PQ_LOG_FATAL, c->id, "%s", e.message);
        pq_io_flush(c);
    }
}

void pq_send_ready(PqConn *c)
{
    char st = c->sess ? sql_session_tx_status(c->sess) : 'I';
    sql_session_idle(c->sess);   /* pg_stat_activity state */
    PqBuilder b;
    pq_builder_begin(&b, &c->out, PQ_BE_READY_FOR_QUERY);
    pq_builder_put_byte(&b, (uint8_t)st);
    pq_builder_end(&b);
}
