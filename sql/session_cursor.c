/* session_cursor.c -- SQL-level cursors: DECLARE / FETCH / MOVE / CLOSE, as PostgreSQL 15
 * has them. A cursor is a Portal named after it (session_int.h), so the protocol's Describe
 * and Execute of that portal work too.
 *
 * Two kinds:
 *  - lazy (NO SCROLL or default, without HOLD): the query runs as the client fetches,
 *    through the portal's QueryCursor; only forward moves are possible (55000 otherwise).
 *  - materialised (SCROLL or WITH HOLD): the whole result is read at DECLARE into
 *    Portal.rows (values copied into the portal's arena); any direction works and a WITH
 *    HOLD cursor survives the commit of its transaction (session_end_txn marks it held).
 *
 * Position (Portal.pos) follows PostgreSQL: 0 before the first row, k on row k, n+1 after
 * the last; every direction is expressed as single steps forward or backward. */
#include "sql/session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/rowcodec.h"

static Portal *find_cursor(SqlSession *s, const char *name)
{
    Portal *p = session_find_portal(s, name);
    return p && p->is_cursor ? p : NULL;
}

static int no_cursor(const char *name, SqlError *err)
{
    return sql_error_set(err, ERRCODE_INVALID_CURSOR_NAME, "cursor \"%s\" does not exist", name);
}

/* Any move backward on a non-SCROLL cursor: 55000 as in PostgreSQL 15 (PortalRunSelect and
 * DoPortalRewind both use it). */
static int forward_only(SqlError *err)
{
    sql_error_set(err, ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "cursor can only scan forward");
    sql_error_hint(err, "Declare it with SCROLL option to enable backward scan.");
    return -1;
}

/* Copies n values into dst with their bytes in arena. */
static int copy_values(ShaleArena *arena, const Value *src, int n, Value *dst, SqlError *err)
{
    for (int i = 0; i < n; i++) {
        dst[i] = src[i];
        if (src[i].null || !(rowcodec_type_is_varlen(src[i].type) || src[i].type == UUIDOID))
            continue;
        char *b = shale_arena_alloc(arena, src[i].u.s.n ? src[i].u.s.n : 1);
        if (!b)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (src[i].u.s.n)
            memcpy(b, src[i].u.s.p, src[i].u.s.n);
        dst[i].u.s.p = b;
    }
    return 0;
}

/* Copies row (n values) into p->arena and appends it to p->rows. */
static int keep_row(Portal *p, const Value *row, int n, SqlError *err)
{
    if (p->n_rows == p->cap_rows) {
        int64_t cap = p->cap_rows ? p->cap_rows * 2 : 64;
        Value **r = realloc(p->rows, sizeof *r * (size_t)cap);
        if (!r)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        p->rows = r;
        p->cap_rows = cap;
    }
    Value *v = shale_arena_alloc(&p->arena, sizeof *v * (size_t)(n ? n : 1));
    if (!v)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (copy_values(&p->arena, row, n, v, err) != 0)
        return -1;
    p->rows[p->n_rows++] = v;
    return 0;
}

SqlStatus cursor_declare(SqlSession *s, const AstDeclareCursorStmt *d, const SqlSink *sink, SqlError *err)
{
    if (session_find_portal(s, d->name))
        return (SqlStatus)sql_error_set(err, ERRCODE_DUPLICATE_CURSOR, "cursor \"%s\" already exists", d->name);
    if ((d->options & AST_CURSOR_SCROLL) && (d->options & AST_CURSOR_NO_SCROLL))
        return (SqlStatus)sql_error_set(err, ERRCODE_INVALID_CURSOR_DEFINITION,
                                        "cannot specify both SCROLL and NO SCROLL");
    bool in_block = s->tx == TX_BLOCK || (s->tx != TX_FAILED && s->msg_multi);
    if (!(d->options & AST_CURSOR_HOLD) && !in_block)
        return (SqlStatus)sql_error_set(err, ERRCODE_NO_ACTIVE_SQL_TRANSACTION,
                                        "DECLARE CURSOR can only be used in transaction blocks");
    /* The query is kept as its own statement (text printed from the tree and parsed again)
     * because the tree lives in the message's arena, which the next message resets. */
    ShaleBuf b;
    shale_buf_init(&b);
    sql_deparse(d->query, &b);
    if (b.oom) {
        shale_buf_free(&b);
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    PreparedStmt *st = calloc(1, sizeof *st);
    Portal *p = calloc(1, sizeof *p);
    if (!st || !p || !(st->name = strdup("")) || !(p->name = strdup(d->name))) {
        if (st)
            free(st->name);
        free(st);
        if (p)
            free(p->name);
        free(p);
        shale_buf_free(&b);
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    shale_arena_init(&st->arena);
    shale_arena_init(&p->arena);
    p->own_stmt = st;
    p->stmt = st;
    p->is_cursor = true;
    p->cursor_opts = d->options;
    p->n_formats = 1;
    p->formats = shale_arena_alloc(&p->arena, sizeof(int16_t));
    st->text = shale_arena_alloc(&st->arena, b.len + 1);
    int rc = p->formats && st->text ? 0 : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (rc == 0) {
        p->formats[0] = (d->options & AST_CURSOR_BINARY) ? 1 : 0;
        memcpy(st->text, b.data, b.len);
        st->text[b.len] = '\0';
        st->text_len = b.len;
        rc = sql_parse_one(st->text, st->text_len, &st->arena, &st->raw, err);
    }
    shale_buf_free(&b);
    if (rc == 0)
        rc = session_ensure_txn(s, err);
    if (rc == 0)
        rc = rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err);
    if (rc == 0)
        rc = session_query_env(s, &p->env, &p->cat, err);
    /* Bound parameters (extended protocol) are copied: the binding portal may go first. */
    int np = s->util_n_params;
    if (rc == 0 && np > 0) {
        p->params = shale_arena_alloc(&p->arena, sizeof(Value) * (size_t)np);
        p->n_params = np;
        rc = p->params ? copy_values(&p->arena, s->util_params, np, p->params, err)
                       : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    PreparedQuery *q = NULL;
    if (rc == 0)
        rc = query_prepare(&p->env, st->raw.stmt, st->text, np, s->util_param_types, &st->arena, &q, err);
    if (rc == 0 && query_n_params(q) > np)
        rc = sql_error_set(err, ERRCODE_UNDEFINED_PARAMETER, "there is no parameter $%d", np + 1);
    if (rc == 0)
        rc = session_stmt_keep_columns(st, q, err);
    if (rc == 0) {
        st->query = q;
        st->n_params = 0;
        rc = query_open(&p->env, q, p->params, &p->arena, &p->cursor, err);
    }
    if (rc == 0 && (d->options & (AST_CURSOR_SCROLL | AST_CURSOR_HOLD))) {
        const Value *row;
        int r;
        while ((r = query_next(p->cursor, &row, err)) == 1)
            if (keep_row(p, row, st->n_cols, err) != 0) {
                r = -1;
                break;
            }
        rc = r < 0 ? -1 : 0;
        query_close(p->cursor);
        p->cursor = NULL;
        catalog_snapshot_release(p->cat);
        p->cat = NULL;
        p->materialized = true;
    }
    if (rc != 0) {
        session_free_portal(p);
        return SQL_ERROR;
    }
    p->next = s->portals;
    s->portals = p;
    sink->command_complete(sink->arg, "DECLARE CURSOR");
    return SQL_DONE;
}

/* One step forward: 1 with *row on the new current row, 0 past the end, -1 error. */
static int step_forward(Portal *p, const Value **row, SqlError *err)
{
    if (p->materialized) {
        if (p->pos < p->n_rows) {
            *row = p->rows[p->pos++];
            return 1;
        }
        p->pos = p->n_rows + 1;
        return 0;
    }
    if (p->at_end)
        return 0;
    int r = query_next(p->cursor, row, err);
    if (r < 0)
        return -1;
    p->pos++;
    if (r == 0)
        p->at_end = true;
    return r;
}

/* One step backward (materialised cursors only): 1 on a row, 0 before the first. */
static int step_backward(Portal *p, const Value **row)
{
    if (p->pos > 1) {
        p->pos--;
        *row = p->rows[p->pos - 1];
        return 1;
    }
    p->pos = 0;
    return 0;
}

typedef struct Emitter {
    SqlSession *s;
    const SqlSink *sink;        /* NULL: MOVE (count only) */
    int n_cols;
    int n_formats;
    const int16_t *formats;
    ShaleBuf buf;
    const char **vals;
    int32_t *lens;
    size_t *offs;
} Emitter;

static int emit_row(Emitter *e, const Value *row, SqlError *err)
{
    if (!e->sink)
        return 0;
    shale_buf_reset(&e->buf);
    for (int i = 0; i < e->n_cols; i++) {
        int16_t f = e->n_formats == 0 ? 0 : e->n_formats == 1 ? e->formats[0] : e->formats[i];
        e->offs[i] = e->buf.len;
        if (row[i].null) {
            e->lens[i] = -1;
            continue;
        }
        session_format_value(e->s, &row[i], f, &e->buf);
        e->lens[i] = (int32_t)(e->buf.len - e->offs[i]);
    }
    if (e->buf.oom)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < e->n_cols; i++)
        e->vals[i] = e->lens[i] < 0 ? NULL : e->buf.data + e->offs[i];
    e->sink->data_row(e->sink->arg, e->n_cols, e->vals, e->lens);
    return 0;
}

/* Moves count steps (INT64_MAX = all) emitting each row reached; *n gets the rows. */
static int run_steps(Portal *p, bool forward, int64_t count, Emitter *e, int64_t *n, SqlError *err)
{
    if (!forward && !p->materialized)
        return forward_only(err);
    for (int64_t i = 0; i < count; i++) {
        if (atomic_load(&e->s->cancel))
            return SQL_ERR(err, QUERY_CANCELED, "canceling statement due to user request");
        const Value *row;
        int r = forward ? step_forward(p, &row, err) : step_backward(p, &row);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (emit_row(e, row, err) != 0)
            return -1;
        (*n)++;
    }
    return 0;
}

/* Skips k rows forward or backward without emitting. */
static int skip_steps(Portal *p, bool forward, int64_t k, SqlError *err)
{
    if (!forward && !p->materialized)
        return forward_only(err);
    for (int64_t i = 0; i < k; i++) {
        const Value *row;
        int r = forward ? step_forward(p, &row, err) : step_backward(p, &row);
        if (r <= 0)
            return r;
    }
    return 0;
}

/* The rows of a fetch in direction/count from p's position (PostgreSQL's DoPortalRunFetch). */
static int do_fetch(Portal *p, AstFetchDirection dir, int64_t count, bool all, Emitter *e, int64_t *n,
                    SqlError *err)
{
    *n = 0;
    if (all)
        count = INT64_MAX;
    switch (dir) {
    case AST_FETCH_FORWARD:
        if (count == 0) /* FETCH FORWARD 0: the current row again */
            return do_fetch(p, AST_FETCH_RELATIVE, 0, false, e, n, err);
        return run_steps(p, true, count, e, n, err);
    case AST_FETCH_BACKWARD:
        if (count == 0)
            return do_fetch(p, AST_FETCH_RELATIVE, 0, false, e, n, err);
        return run_steps(p, false, count, e, n, err);
    case AST_FETCH_ABSOLUTE:
        if (count > 0) {
            if (!p->materialized) {
                if (count <= p->pos)
                    return forward_only(err);
                if (skip_steps(p, true, count - 1 - p->pos, err) < 0)
                    return -1;
            } else {
                p->pos = count - 1 < p->n_rows ? count - 1 : p->n_rows;
            }
            return run_steps(p, true, 1, e, n, err);
        }
        if (!p->materialized && count < 0)
            return forward_only(err);
        if (!p->materialized && p->pos > 0)
            return forward_only(err);
        if (count == 0) {
            p->pos = 0;
            return 0;
        }
        if (p->n_rows + 1 + count < 1) {
            p->pos = 0;
            return 0;
        }
        p->pos = p->n_rows + 1 + count; /* on the row; emit it by stepping onto it again */
        p->pos--;
        return run_steps(p, true, 1, e, n, err);
    case AST_FETCH_RELATIVE:
        if (count > 0) {
            if (skip_steps(p, true, count - 1, err) < 0)
                return -1;
            return run_steps(p, true, 1, e, n, err);
        }
        if (count < 0) {
            if (skip_steps(p, false, -count - 1, err) < 0)
                return -1;
            return run_steps(p, false, 1, e, n, err);
        }
        if (p->materialized) {
            if (p->pos >= 1 && p->pos <= p->n_rows) {
                (*n)++;
                return emit_row(e, p->rows[p->pos - 1], err);
            }
            return 0;
        }
        if (p->pos == 0 || p->at_end)
            return 0;
        return forward_only(err);
    }
    return 0;
}

static int emitter_init(Emitter *e, SqlSession *s, Portal *p, const SqlSink *sink, SqlError *err)
{
    memset(e, 0, sizeof *e);
    e->s = s;
    e->sink = sink;
    e->n_cols = p->stmt ? p->stmt->n_cols : 0;
    shale_buf_init(&e->buf);
    if (p->cursor_opts & AST_CURSOR_BINARY) {
        e->n_formats = p->n_formats;
        e->formats = p->formats;
    } else {
        e->n_formats = s->util_n_formats;
        e->formats = s->util_formats;
    }
    if (e->n_formats > 1 && e->n_formats != e->n_cols)
        e->n_formats = 0;
    size_t n = (size_t)(e->n_cols ? e->n_cols : 1);
    e->vals = calloc(n, sizeof *e->vals);
    e->lens = calloc(n, sizeof *e->lens);
    e->offs = calloc(n, sizeof *e->offs);
    if (!e->vals || !e->lens || !e->offs)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    return 0;
}

static void emitter_free(Emitter *e)
{
    shale_buf_free(&e->buf);
    free(e->vals);
    free(e->lens);
    free(e->offs);
}

static void send_description(Portal *p, int n_formats, const int16_t *formats, const SqlSink *sink)
{
    const PreparedStmt *st = p->stmt;
    int n = st ? st->n_cols : 0;
    if (n == 0) {
        if (sink->no_data)
            sink->no_data(sink->arg);
        return;
    }
    SqlColumnDesc *cols = calloc((size_t)n, sizeof *cols);
    if (!cols)
        return;
    memcpy(cols, st->cols, sizeof *cols * (size_t)n);
    if (p->cursor_opts & AST_CURSOR_BINARY) {
        n_formats = 1;
        formats = p->formats;
    }
    if (n_formats > 1 && n_formats != n)
        n_formats = 0;
    for (int i = 0; i < n; i++)
        cols[i].format = n_formats == 0 ? 0 : n_formats == 1 ? formats[0] : formats[i];
    sink->row_description(sink->arg, n, cols);
    free(cols);
}

int cursor_describe(SqlSession *s, const char *name, int n_formats, const int16_t *formats, const SqlSink *sink)
{
    Portal *p = find_cursor(s, name);
    if (!p)
        return -1;
    send_description(p, n_formats, formats, sink);
    return 0;
}

SqlStatus cursor_fetch(SqlSession *s, const AstFetchStmt *f, const SqlSink *sink, SqlError *err)
{
    Portal *p = find_cursor(s, f->name);
    if (!p)
        return (SqlStatus)no_cursor(f->name, err);
    if (!f->is_move)
        send_description(p, s->util_n_formats, s->util_formats, sink);
    Emitter e;
    int64_t n = 0;
    int rc = emitter_init(&e, s, p, f->is_move ? NULL : sink, err);
    if (rc == 0)
        rc = do_fetch(p, f->direction, f->count, f->all, &e, &n, err);
    emitter_free(&e);
    if (rc != 0)
        return SQL_ERROR;
    char tag[48];
    snprintf(tag, sizeof tag, "%s %lld", f->is_move ? "MOVE" : "FETCH", (long long)n);
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}

SqlStatus cursor_execute_portal(SqlSession *s, Portal *p, int64_t max_rows, const SqlSink *sink, SqlError *err)
{
    Emitter e;
    int64_t n = 0;
    int saved_n = s->util_n_formats;
    const int16_t *saved = s->util_formats;
    s->util_n_formats = p->n_formats; /* the formats the portal was declared with */
    s->util_formats = p->formats;
    int rc = emitter_init(&e, s, p, sink, err);
    s->util_n_formats = saved_n;
    s->util_formats = saved;
    if (rc == 0)
        rc = run_steps(p, true, max_rows > 0 ? max_rows : INT64_MAX, &e, &n, err);
    emitter_free(&e);
    if (rc != 0)
        return SQL_ERROR;
    if (max_rows > 0 && n == max_rows)
        return SQL_SUSPENDED;
    char tag[48];
    snprintf(tag, sizeof tag, "SELECT %lld", (long long)n);
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}

SqlStatus cursor_close(SqlSession *s, const AstCloseCursorStmt *c, const SqlSink *sink, SqlError *err)
{
    if (c->name && !find_cursor(s, c->name))
        return (SqlStatus)no_cursor(c->name, err);
    for (Portal **pp = &s->portals; *pp;) {
        Portal *p = *pp;
        if (p->is_cursor && (!c->name || !strcmp(p->name, c->name))) {
            *pp = p->next;
            session_free_portal(p);
        } else {
            pp = &p->next;
        }
    }
    sink->command_complete(sink->arg, c->name ? "CLOSE CURSOR" : "CLOSE CURSOR ALL");
    return SQL_DONE;
}
