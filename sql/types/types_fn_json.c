/* types_fn_json.c -- json/jsonb operators and functions: -> ->> #> #>> (both types), jsonb
 * @> <@ ? ?| ?& || - #-, jsonb_set/jsonb_insert, typeof/array_length/strip_nulls/pretty,
 * extract_path(_text), and the set-returning each/array_elements/object_keys. Constructors,
 * to_json(b) and the aggregates live in types_fn_jsonb.c.
 *
 * Values are parsed into JNode trees (types_json.h) in ctx->arena. A json subvalue is
 * returned as its verbatim source bytes (PostgreSQL keeps json text as written); a jsonb
 * subvalue's source span is already canonical text (value.h), so it is copied too. Trees
 * that were modified are written back with json_write after json_normalize_tree. */
#include "sql/types/types_fn_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* --- shared helpers ------------------------------------------------------------------------ */

static bool jfn_scalar(const JNode *n) { return n->kind != JOBJ && n->kind != JARR; }

int jfn_parse(FuncCallCtx *ctx, const Value *v, JNode **out, SqlError *err)
{
    return json_parse(v->u.s.p, v->u.s.n, v->type == JSONBOID, ctx->arena, out, err);
}

/* A parsed subvalue as a json/jsonb Value (its source bytes copied into ctx->arena). */
int jfn_node_value(FuncCallCtx *ctx, const JNode *n, Oid t, Value *out, SqlError *err)
{
    char *p = types_arena_dup(ctx->arena, n->src, n->srclen);
    if (!p)
        return types_oom(err);
    *out = value_bytes(t, p, n->srclen);
    return 0;
}

/* A (possibly modified) tree as jsonb canonical text. */
int jfn_tree_value(FuncCallCtx *ctx, JNode *n, Value *out, SqlError *err)
{
    if (json_normalize_tree(n, err) < 0)
        return -1;
    ShaleBuf b;
    shale_buf_init(&b);
    json_write(n, false, true, &b);
    return types_buf_to_value(&b, JSONBOID, ctx->arena, out, err);
}

/* ->> text of a subvalue: strings decoded, null -> SQL NULL, containers as the type prints. */
static int jfn_node_text(FuncCallCtx *ctx, const JNode *n, bool jsonb, Value *out, SqlError *err)
{
    if (n->kind == JNULL) {
        *out = value_null(TEXTOID);
        return 0;
    }
    if (n->kind == JSTR)
        return fn_text_result(ctx, n->str, n->len, out, err);
    if (jsonb && (n->kind == JARR || n->kind == JOBJ)) {
        ShaleBuf b;
        shale_buf_init(&b);
        types_jsonb_out(n->src, n->srclen, &b);
        return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
    }
    return fn_text_result(ctx, n->src, n->srclen, out, err);
}

static const char *jfn_kind_name(JKind k)
{
    switch (k) {
    case JOBJ: return "object";
    case JARR: return "array";
    case JSTR: return "string";
    case JNUM: return "number";
    case JTRUE: case JFALSE: return "boolean";
    case JNULL: return "null";
    }
    return "null";
}

static JNode *jfn_obj_get(const JNode *o, const char *k, size_t kn)
{
    JNode *found = NULL;
    for (JNode *c = o->child; c; c = c->next)
        if (c->keylen == kn && memcmp(c->key, k, kn) == 0)
            found = c;   /* json keeps duplicates: the last one wins, as PostgreSQL */
    return found;
}

static JNode *jfn_arr_get(const JNode *a, int64_t i)
{
    if (i < 0)
        i += a->count;
    if (i < 0 || i >= (int64_t)a->count)
        return NULL;
    JNode *c = a->child;
    while (i-- > 0)
        c = c->next;
    return c;
}

/* Parses a path element as an array index (PostgreSQL: strtol over the whole text). */
static bool jfn_parse_index(const char *s, size_t n, int64_t *out)
{
    char buf[32];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    if (*end || errno || v > INT32_MAX || v < INT32_MIN)
        return false;
    *out = v;
    return true;
}

/* A text[] path (NULL elements flagged) read into ctx->arena. */
typedef struct JPath {
    int n;
    const char **p;
    uint32_t *len;
    bool *isnull;
} JPath;

static int jfn_path(FuncCallCtx *ctx, const Value *arr, JPath *path, SqlError *err)
{
    TypesArrayReader r;
    if (types_array_open(arr, &r, err) < 0)
        return -1;
    path->n = (int)r.n;
    path->p = shale_arena_alloc(ctx->arena, sizeof(char *) * (r.n + 1));
    path->len = shale_arena_alloc(ctx->arena, sizeof(uint32_t) * (r.n + 1));
    path->isnull = shale_arena_alloc(ctx->arena, sizeof(bool) * (r.n + 1));
    if (!path->p || !path->len || !path->isnull)
        return types_oom(err);
    Value e;
    int rc, i = 0;
    while ((rc = types_array_next(&r, &e, err)) == 1) {
        path->isnull[i] = e.null;
        path->p[i] = e.null ? NULL : e.u.s.p;
        path->len[i] = e.null ? 0 : e.u.s.n;
        i++;
    }
    return rc;
}

/* Follows a path; NULL when any step is missing (or a path element is NULL). */
static const JNode *jfn_walk(const JNode *n, const JPath *path)
{
    for (int i = 0; n && i < path->n; i++) {
        if (path->isnull[i])
            return NULL;
        if (n->kind == JOBJ) {
            n = jfn_obj_get(n, path->p[i], path->len[i]);
        } else if (n->kind == JARR) {
            int64_t idx;
            if (!jfn_parse_index(path->p[i], path->len[i], &idx))
                return NULL;
            n = jfn_arr_get(n, idx);
        } else {
            return NULL;
        }
    }
    return n;
}

/* --- -> ->> #> #>> and extract_path ---------------------------------------------------------- */

/* args[1] is text (key) or int4 (index); as_text selects ->>. */
static int jfn_get(FuncCallCtx *ctx, const Value *args, bool as_text, Value *out, SqlError *err)
{
    Oid t = args[0].type;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    const JNode *n = NULL;
    if (args[1].type == INT4OID) {
        if (root->kind == JARR)
            n = jfn_arr_get(root, args[1].u.i);
        else if (t == JSONBOID && jfn_scalar(root) && (args[1].u.i == 0 || args[1].u.i == -1))
            n = root;   /* a jsonb scalar is stored as a one-element raw-scalar array */
    } else if (root->kind == JOBJ) {
        n = jfn_obj_get(root, args[1].u.s.p, args[1].u.s.n);
    }
    if (!n) {
        *out = value_null(as_text ? TEXTOID : t);
        return 0;
    }
    return as_text ? jfn_node_text(ctx, n, t == JSONBOID, out, err) : jfn_node_value(ctx, n, t, out, err);
}

static FN(fn_json_get) { (void)nargs; return jfn_get(ctx, args, false, out, err); }
static FN(fn_json_get_text) { (void)nargs; return jfn_get(ctx, args, true, out, err); }

static int jfn_get_path(FuncCallCtx *ctx, const Value *doc, const JPath *path, bool as_text, Value *out,
                        SqlError *err)
{
    Oid t = doc->type;
    JNode *root;
    if (jfn_parse(ctx, doc, &root, err) < 0)
        return -1;
    const JNode *n = jfn_walk(root, path);
    if (!n) {
        *out = value_null(as_text ? TEXTOID : t);
        return 0;
    }
    return as_text ? jfn_node_text(ctx, n, t == JSONBOID, out, err) : jfn_node_value(ctx, n, t, out, err);
}

static int jfn_path_op(FuncCallCtx *ctx, const Value *args, bool as_text, Value *out, SqlError *err)
{
    JPath path;
    if (jfn_path(ctx, &args[1], &path, err) < 0)
        return -1;
    return jfn_get_path(ctx, &args[0], &path, as_text, out, err);
}

static FN(fn_json_path) { (void)nargs; return jfn_path_op(ctx, args, false, out, err); }
static FN(fn_json_path_text) { (void)nargs; return jfn_path_op(ctx, args, true, out, err); }

/* extract_path(doc, VARIADIC text): NULL path elements yield NULL. */
static int jfn_extract(FuncCallCtx *ctx, int nargs, const Value *args, bool as_text, Value *out, SqlError *err)
{
    Oid rt = as_text ? TEXTOID : args[0].type;
    if (args[0].null) {
        *out = value_null(rt);
        return 0;
    }
    JPath path;
    path.n = nargs - 1;
    path.p = shale_arena_alloc(ctx->arena, sizeof(char *) * (size_t)nargs);
    path.len = shale_arena_alloc(ctx->arena, sizeof(uint32_t) * (size_t)nargs);
    path.isnull = shale_arena_alloc(ctx->arena, sizeof(bool) * (size_t)nargs);
    if (!path.p || !path.len || !path.isnull)
        return types_oom(err);
    for (int i = 1; i < nargs; i++) {
        path.isnull[i - 1] = args[i].null;
        path.p[i - 1] = args[i].null ? NULL : args[i].u.s.p;
        path.len[i - 1] = args[i].null ? 0 : args[i].u.s.n;
    }
    return jfn_get_path(ctx, &args[0], &path, as_text, out, err);
}

static FN(fn_json_extract_path) { return jfn_extract(ctx, nargs, args, false, out, err); }
static FN(fn_json_extract_path_text) { return jfn_extract(ctx, nargs, args, true, out, err); }

/* --- simple accessors ---------------------------------------------------------------------- */

static FN(fn_json_typeof)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    const char *k = jfn_kind_name(root->kind);
    return fn_text_result(ctx, k, strlen(k), out, err);
}

static FN(fn_json_array_length)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    if (root->kind == JOBJ)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot get array length of a non-array");
    if (root->kind != JARR)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot get array length of a scalar");
    *out = value_int(INT4OID, root->count);
    return 0;
}

/* Drops object members whose value is null, recursively (array elements stay). */
static void jfn_strip(JNode *n)
{
    if (n->kind != JOBJ && n->kind != JARR)
        return;
    JNode **link = &n->child;
    while (*link) {
        JNode *c = *link;
        if (n->kind == JOBJ && c->kind == JNULL) {
            *link = c->next;
            n->count--;
            continue;
        }
        jfn_strip(c);
        link = &c->next;
    }
}

static FN(fn_json_strip_nulls)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    jfn_strip(root);
    if (args[0].type == JSONBOID)
        return jfn_tree_value(ctx, root, out, err);
    ShaleBuf b;
    shale_buf_init(&b);
    json_write(root, false, false, &b);
    return types_buf_to_value(&b, JSONOID, ctx->arena, out, err);
}

static void jfn_indent(ShaleBuf *b, int level)
{
    shale_buf_append_byte(b, '\n');
    for (int i = 0; i < level; i++)
        shale_buf_append(b, "    ", 4);
}

/* PostgreSQL's jsonb_pretty: children one per line indented 4 spaces per level, closing
 * bracket on its own line at the parent's level (also for empty containers). */
static void jfn_pretty(const JNode *n, int level, ShaleBuf *b)
{
    if (n->kind != JOBJ && n->kind != JARR) {
        json_write(n, true, false, b);
        return;
    }
    bool obj = n->kind == JOBJ;
    shale_buf_append_byte(b, obj ? '{' : '[');
    for (const JNode *c = n->child; c; c = c->next) {
        if (c != n->child)
            shale_buf_append_byte(b, ',');
        jfn_indent(b, level + 1);
        if (obj) {
            json_escape_string(c->key, c->keylen, b);
            shale_buf_append(b, ": ", 2);
        }
        jfn_pretty(c, level + 1, b);
    }
    jfn_indent(b, level);
    shale_buf_append_byte(b, obj ? '}' : ']');
}

static FN(fn_jsonb_pretty)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    ShaleBuf b;
    shale_buf_init(&b);
    jfn_pretty(root, 0, &b);
    return types_buf_to_value(&b, TEXTOID, ctx->arena, out, err);
}

/* --- containment and existence ----------------------------------------------------------- */

/* PostgreSQL's JsonbDeepContains; top allows a raw scalar inside a top-level array. */
static bool jfn_contains(const JNode *a, const JNode *b, bool top)
{
    if (a->kind != b->kind) {
        if (top && a->kind == JARR && jfn_scalar(b)) {
            for (const JNode *x = a->child; x; x = x->next)
                if (jfn_scalar(x) && json_node_compare(x, b) == 0)
                    return true;
        }
        if (jfn_scalar(a) && jfn_scalar(b))
            return json_node_compare(a, b) == 0;
        return false;
    }
    if (jfn_scalar(a))
        return json_node_compare(a, b) == 0;
    if (a->kind == JOBJ) {
        for (const JNode *y = b->child; y; y = y->next) {
            const JNode *x = jfn_obj_get(a, y->key, y->keylen);
            if (!x)
                return false;
            if (jfn_scalar(y) ? json_node_compare(x, y) != 0 : (x->kind != y->kind || !jfn_contains(x, y, false)))
                return false;
        }
        return true;
    }
    for (const JNode *y = b->child; y; y = y->next) {
        bool found = false;
        for (const JNode *x = a->child; x && !found; x = x->next) {
            if (jfn_scalar(y))
                found = jfn_scalar(x) && json_node_compare(x, y) == 0;
            else
                found = x->kind == y->kind && jfn_contains(x, y, false);
        }
        if (!found)
            return false;
    }
    return true;
}

static int jfn_contains_fn(FuncCallCtx *ctx, const Value *a, const Value *b, Value *out, SqlError *err)
{
    JNode *x, *y;
    if (jfn_parse(ctx, a, &x, err) < 0 || jfn_parse(ctx, b, &y, err) < 0)
        return -1;
    *out = value_bool(jfn_contains(x, y, true));
    return 0;
}

static FN(fn_jsonb_contains) { (void)nargs; return jfn_contains_fn(ctx, &args[0], &args[1], out, err); }
static FN(fn_jsonb_contained) { (void)nargs; return jfn_contains_fn(ctx, &args[1], &args[0], out, err); }

/* ?: a top-level key, string array element or the string scalar itself. */
static bool jfn_exists(const JNode *n, const char *k, size_t kn)
{
    if (n->kind == JOBJ)
        return jfn_obj_get(n, k, kn) != NULL;
    if (n->kind == JARR) {
        for (const JNode *c = n->child; c; c = c->next)
            if (c->kind == JSTR && c->len == kn && memcmp(c->str, k, kn) == 0)
                return true;
        return false;
    }
    return n->kind == JSTR && n->len == kn && memcmp(n->str, k, kn) == 0;
}

static FN(fn_jsonb_exists)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    *out = value_bool(jfn_exists(root, args[1].u.s.p, args[1].u.s.n));
    return 0;
}

static int jfn_exists_many(FuncCallCtx *ctx, const Value *args, bool all, Value *out, SqlError *err)
{
    JNode *root;
    JPath path;
    if (jfn_parse(ctx, &args[0], &root, err) < 0 || jfn_path(ctx, &args[1], &path, err) < 0)
        return -1;
    bool res = all;
    for (int i = 0; i < path.n; i++) {
        if (path.isnull[i])
            continue;   /* NULL keys are ignored */
        bool e = jfn_exists(root, path.p[i], path.len[i]);
        if (all && !e) {
            res = false;
            break;
        }
        if (!all && e) {
            res = true;
            break;
        }
    }
    *out = value_bool(res);
    return 0;
}

static FN(fn_jsonb_exists_any) { (void)nargs; return jfn_exists_many(ctx, args, false, out, err); }
static FN(fn_jsonb_exists_all) { (void)nargs; return jfn_exists_many(ctx, args, true, out, err); }

/* --- modification -------------------------------------------------------------------------- */

/* jsonb || jsonb: two objects merge (right wins); otherwise both sides as arrays (a
 * non-array is a one-element array) are concatenated. Canonical texts are spliced. */
static FN(fn_jsonb_concat)
{
    (void)nargs;
    JNode *x, *y;
    if (jfn_parse(ctx, &args[0], &x, err) < 0 || jfn_parse(ctx, &args[1], &y, err) < 0)
        return -1;
    if (x->kind == JOBJ && y->kind == JOBJ) {
        JNode **tail = &x->child;
        while (*tail)
            tail = &(*tail)->next;
        *tail = y->child;
        x->count += y->count;
        return jfn_tree_value(ctx, x, out, err);
    }
    ShaleBuf b;
    shale_buf_init(&b);
    shale_buf_append_byte(&b, '[');
    const JNode *side[2] = { x, y };
    bool any = false;
    for (int i = 0; i < 2; i++) {
        const JNode *n = side[i];
        if (n->kind == JARR && n->count == 0)
            continue;
        if (any)
            shale_buf_append_byte(&b, ',');
        if (n->kind == JARR)
            shale_buf_append(&b, n->src + 1, n->srclen - 2);
        else
            shale_buf_append(&b, n->src, n->srclen);
        any = true;
    }
    shale_buf_append_byte(&b, ']');
    return types_buf_to_value(&b, JSONBOID, ctx->arena, out, err);
}

/* Unlinks children for which drop(child) holds. */
static void jfn_remove_if(JNode *n, bool (*drop)(const JNode *c, const void *arg), const void *arg)
{
    JNode **link = &n->child;
    while (*link) {
        if (drop(*link, arg)) {
            *link = (*link)->next;
            n->count--;
        } else {
            link = &(*link)->next;
        }
    }
}

static bool jfn_drop_key(const JNode *c, const void *arg)
{
    const Value *k = arg;
    return c->keylen == k->u.s.n && memcmp(c->key, k->u.s.p, k->u.s.n) == 0;
}

static bool jfn_drop_str(const JNode *c, const void *arg)
{
    const Value *k = arg;
    return c->kind == JSTR && c->len == k->u.s.n && memcmp(c->str, k->u.s.p, k->u.s.n) == 0;
}

static void jfn_unlink_at(JNode *arr, int64_t idx)
{
    JNode **link = &arr->child;
    while (idx-- > 0)
        link = &(*link)->next;
    *link = (*link)->next;
    arr->count--;
}

static FN(fn_jsonb_delete)
{
    (void)nargs;
    JNode *root;
    if (jfn_parse(ctx, &args[0], &root, err) < 0)
        return -1;
    if (jfn_scalar(root))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot delete from scalar");
    if (args[1].type == INT4OID) {
        if (root->kind == JOBJ)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot delete from object using integer index");
        int64_t i = args[1].u.i;
        if (i < 0)
            i += root->count;
        if (i >= 0 && i < (int64_t)root->count)
            jfn_unlink_at(root, i);
    } else if (args[1].type == TEXT_ARRAYOID) {
        JPath path;
        if (jfn_path(ctx, &args[1], &path, err) < 0)
            return -1;
        for (int i = 0; i < path.n; i++) {
            if (path.isnull[i])
                continue;
            Value k = value_bytes(TEXTOID, path.p[i], path.len[i]);
            jfn_remove_if(root, root->kind == JOBJ ? jfn_drop_key : jfn_drop_str, &k);
        }
    } else {
        jfn_remove_if(root, root->kind == JOBJ ? jfn_drop_key : jfn_drop_str, &args[1]);
    }
    return jfn_tree_value(ctx, root, out, err);
}

static int jfn_path_index(const JPath *path, int level, int64_t *idx, SqlError *err)
{
    if (!jfn_parse_index(path->p[level], path->len[level], idx))
        return SQL_ERR(err, INVALID_TEXT_REPRESENTATION, "path element at position %d is not an integer: \"%.*s\"",
                       level + 1, (int)path->len[level], path->p[level]);
    return 0;
}

/* #-: deletes the value at path (missing steps leave the document unchanged). */
static int jfn_delete_path(JNode *n, const JPath *path, int level, SqlError *err)
{
    if (path->isnull[level])
        return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "path element at position %d is null", level + 1);
    bool last = level == path->n - 1;
    if (n->kind == JOBJ) {
        Value k = value_bytes(TEXTOID, path->p[level], path->len[level]);
        if (last) {
            jfn_remove_if(n, jfn_drop_key, &k);
            return 0;
        }
        JNode *c = jfn_obj_get(n, k.u.s.p, k.u.s.n);
        return c && !jfn_scalar(c) ? jfn_delete_path(c, path, level + 1, err) : 0;
    }
    if (n->kind == JARR) {
        int64_t idx;
        if (jfn_path_index(path, level, &idx, err) < 0)
            return -1;
        if (idx < 0)
            idx += n->count;
        if (idx < 0 || idx >= (int64_t)n->count)
            return 0;
        if (last) {
            jfn_unlink_at(n, idx);
            return 0;
        }
        JNode *c = jfn_arr_get(n, idx);
        return !jfn_scalar(c) ? jfn_delete_path(c, path, level + 1, err) : 0;
    }
    return 0;
}

static FN(fn_jsonb_delete_path)
{
    (void)nargs;
    JNode *root;
    JPath path;
    if (jfn_parse(ctx, &args[0], &root, err) < 0 || jfn_path(ctx, &args[1], &path, err) < 0)
        return -1;
    if (jfn_scalar(root))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot delete path in scalar");
    if (path.n > 0 && jfn_delete_path(root, &path, 0, err) < 0)
        return -1;
    return jfn_tree_value(ctx, root, out, err);
}

typedef enum JSetMode { JSET_REPLACE, JSET_CREATE, JSET_INSERT_BEFORE, JSET_INSERT_AFTER } JSetMode;

static void jfn_insert_after(JNode *parent, JNode *prev, JNode *nv)
{
    JNode **link = prev ? &prev->next : &parent->child;
    nv->next = *link;
    *link = nv;
    parent->count++;
}

/* PostgreSQL's setPath for jsonb_set (REPLACE/CREATE) and jsonb_insert (INSERT_*). */
static int jfn_set_path(FuncCallCtx *ctx, JNode *n, const JPath *path, int level, JNode *nv, JSetMode mode,
                        SqlError *err)
{
    if (path->isnull[level])
        return SQL_ERR(err, NULL_VALUE_NOT_ALLOWED, "path element at position %d is null", level + 1);
    bool last = level == path->n - 1;
    bool inserting = mode == JSET_INSERT_BEFORE || mode == JSET_INSERT_AFTER;
    if (n->kind == JOBJ) {
        JNode *prev = NULL, *c = n->child;
        for (; c; prev = c, c = c->next)
            if (c->keylen == path->len[level] && memcmp(c->key, path->p[level], c->keylen) == 0)
                break;
        if (c && last) {
            if (inserting) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "cannot replace existing key");
                sql_error_hint(err, "Try using the function jsonb_set to replace key value.");
                return -1;
            }
            JNode *copy = shale_arena_alloc(ctx->arena, sizeof *copy);
            if (!copy)
                return types_oom(err);
            *copy = *nv;
            copy->key = c->key;
            copy->keylen = c->keylen;
            copy->next = c->next;
            if (prev)
                prev->next = copy;
            else
                n->child = copy;
            return 0;
        }
        if (c)
            return jfn_scalar(c) ? 0 : jfn_set_path(ctx, c, path, level + 1, nv, mode, err);
        if (last && mode != JSET_REPLACE) {
            JNode *copy = shale_arena_alloc(ctx->arena, sizeof *copy);
            if (!copy)
                return types_oom(err);
            *copy = *nv;
            copy->key = path->p[level];
            copy->keylen = path->len[level];
            jfn_insert_after(n, prev, copy);
        }
        return 0;
    }
    if (n->kind != JARR)
        return 0;
    int64_t idx;
    if (jfn_path_index(path, level, &idx, err) < 0)
        return -1;
    int64_t cnt = n->count;
    bool before_all = false;
    if (idx < 0) {
        if (-idx > cnt)
            before_all = true;
        else
            idx += cnt;
    }
    if (idx > cnt)
        idx = cnt;
    JNode *copy = shale_arena_alloc(ctx->arena, sizeof *copy);
    if (!copy)
        return types_oom(err);
    *copy = *nv;
    copy->key = NULL;
    copy->keylen = 0;
    if ((before_all || cnt == 0) && last && mode != JSET_REPLACE) {
        jfn_insert_after(n, NULL, copy);
        return 0;
    }
    if (before_all)
        return 0;
    if (idx == cnt) {
        if (last && mode != JSET_REPLACE) {
            JNode *tail = n->child;
            while (tail && tail->next)
                tail = tail->next;
            jfn_insert_after(n, tail, copy);
        }
        return 0;
    }
    JNode *prev = NULL, *c = n->child;
    for (int64_t i = 0; i < idx; i++) {
        prev = c;
        c = c->next;
    }
    if (!last)
        return jfn_scalar(c) ? 0 : jfn_set_path(ctx, c, path, level + 1, nv, mode, err);
    if (mode == JSET_INSERT_BEFORE) {
        jfn_insert_after(n, prev, copy);
    } else if (mode == JSET_INSERT_AFTER) {
        jfn_insert_after(n, c, copy);
    } else {
        copy->next = c->next;
        if (prev)
            prev->next = copy;
        else
            n->child = copy;
    }
    return 0;
}

static int jfn_set_common(FuncCallCtx *ctx, int nargs, const Value *args, bool insert, Value *out, SqlError *err)
{
    JNode *root, *nv;
    JPath path;
    if (jfn_parse(ctx, &args[0], &root, err) < 0 || jfn_path(ctx, &args[1], &path, err) < 0 ||
        jfn_parse(ctx, &args[2], &nv, err) < 0)
        return -1;
    bool flag = nargs > 3 ? args[3].u.b : false;
    JSetMode mode = insert ? (flag ? JSET_INSERT_AFTER : JSET_INSERT_BEFORE)
                           : (nargs > 3 && !flag ? JSET_REPLACE : JSET_CREATE);
    if (jfn_scalar(root))
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot set path in scalar");
    if (path.n > 0 && jfn_set_path(ctx, root, &path, 0, nv, mode, err) < 0)
        return -1;
    return jfn_tree_value(ctx, root, out, err);
}

static FN(fn_jsonb_set) { return jfn_set_common(ctx, nargs, args, false, out, err); }
static FN(fn_jsonb_insert) { return jfn_set_common(ctx, nargs, args, true, out, err); }

/* --- set-returning ------------------------------------------------------------------------- */

typedef enum JSrfKind { JSRF_KEYS, JSRF_EACH, JSRF_EACH_TEXT, JSRF_ELEMS, JSRF_ELEMS_TEXT } JSrfKind;

typedef struct JSrfState {
    const JNode *cur;
    Oid type;
    JSrfKind kind;
} JSrfState;

static const char *jfn_srf_name(JSrfKind k, bool jsonb)
{
    static const char *const names[2][5] = {
        { "json_object_keys", "json_each", "json_each_text", "json_array_elements", "json_array_elements_text" },
        { "jsonb_object_keys", "jsonb_each", "jsonb_each_text", "jsonb_array_elements", "jsonb_array_elements_text" },
    };
    return names[jsonb][k];
}

static int jfn_srf_open(FuncCallCtx *ctx, JSrfState *st, const Value *doc, JSrfKind kind, SqlError *err)
{
    JNode *root;
    if (jfn_parse(ctx, doc, &root, err) < 0)
        return -1;
    bool jsonb = doc->type == JSONBOID;
    const char *fn = jfn_srf_name(kind, jsonb);
    st->type = doc->type;
    st->kind = kind;
    if (kind == JSRF_KEYS) {
        if (root->kind != JOBJ)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot call %s on %s", fn,
                           root->kind == JARR ? "an array" : "a scalar");
    } else if (kind == JSRF_EACH || kind == JSRF_EACH_TEXT) {
        if (root->kind != JOBJ && jsonb)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot call %s on a non-object", fn);
        if (root->kind != JOBJ)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot deconstruct %s",
                           root->kind == JARR ? "an array as an object" : "a scalar");
    } else if (root->kind != JARR) {
        if (jsonb)
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot extract elements from %s",
                           root->kind == JOBJ ? "an object" : "a scalar");
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "cannot call %s on %s", fn,
                       root->kind == JOBJ ? "a non-array" : "a scalar");
    }
    st->cur = root->child;
    return 0;
}

static int jfn_srf_next(FuncCallCtx *ctx, void *state, Value *out, SqlError *err)
{
    JSrfState *st = state;
    const JNode *c = st->cur;
    if (!c)
        return 0;
    st->cur = c->next;
    int k = 0;
    if (st->kind == JSRF_KEYS || st->kind == JSRF_EACH || st->kind == JSRF_EACH_TEXT) {
        if (fn_text_result(ctx, c->key, c->keylen, &out[k++], err) < 0)
            return -1;
        if (st->kind == JSRF_KEYS)
            return 1;
    }
    int rc = (st->kind == JSRF_EACH_TEXT || st->kind == JSRF_ELEMS_TEXT)
                 ? jfn_node_text(ctx, c, st->type == JSONBOID, &out[k], err)
                 : jfn_node_value(ctx, c, st->type, &out[k], err);
    return rc < 0 ? -1 : 1;
}

#define JSRF_OPEN(fname, kind)                                                                  \
    static int fname(FuncCallCtx *ctx, void *state, int nargs, const Value *args, SqlError *err) \
    {                                                                                            \
        (void)nargs;                                                                             \
        return jfn_srf_open(ctx, state, &args[0], kind, err);                                    \
    }
JSRF_OPEN(jsrf_keys_open, JSRF_KEYS)
JSRF_OPEN(jsrf_each_open, JSRF_EACH)
JSRF_OPEN(jsrf_each_text_open, JSRF_EACH_TEXT)
JSRF_OPEN(jsrf_elems_open, JSRF_ELEMS)
JSRF_OPEN(jsrf_elems_text_open, JSRF_ELEMS_TEXT)

static const char *const jsrf_kv_names[] = { "key", "value" };
static const Oid jsrf_each_json[] = { TEXTOID, JSONOID };
static const Oid jsrf_each_jsonb[] = { TEXTOID, JSONBOID };
static const Oid jsrf_each_text[] = { TEXTOID, TEXTOID };
static const char *const jsrf_value_name[] = { "value" };
static const Oid jsrf_text1[] = { TEXTOID };

static const SqlSrfImpl srf_json_keys = { sizeof(JSrfState), 1, NULL, NULL, jsrf_keys_open, jfn_srf_next };
static const SqlSrfImpl srf_json_each = { sizeof(JSrfState), 2, jsrf_kv_names, jsrf_each_json, jsrf_each_open,
                                          jfn_srf_next };
static const SqlSrfImpl srf_jsonb_each = { sizeof(JSrfState), 2, jsrf_kv_names, jsrf_each_jsonb, jsrf_each_open,
                                           jfn_srf_next };
static const SqlSrfImpl srf_json_each_text = { sizeof(JSrfState), 2, jsrf_kv_names, jsrf_each_text,
                                               jsrf_each_text_open, jfn_srf_next };
static const SqlSrfImpl srf_json_elems = { sizeof(JSrfState), 1, jsrf_value_name, NULL, jsrf_elems_open,
                                           jfn_srf_next };
static const SqlSrfImpl srf_json_elems_text = { sizeof(JSrfState), 1, jsrf_value_name, jsrf_text1,
                                                jsrf_elems_text_open, jfn_srf_next };

/* --- registration -------------------------------------------------------------------------- */

void types_fn_json_register(void)
{
    const Oid T = TEXTOID, TA = TEXT_ARRAYOID, I4 = INT4OID, B = BOOLOID;
    const Oid JT[2] = { JSONOID, JSONBOID };
    for (int i = 0; i < 2; i++) {
        Oid J = JT[i];
        bool jb = J == JSONBOID;
        types_reg_op("->", J, T, J, fn_json_get);
        types_reg_op("->", J, I4, J, fn_json_get);
        types_reg_op("->>", J, T, T, fn_json_get_text);
        types_reg_op("->>", J, I4, T, fn_json_get_text);
        types_reg_op("#>", J, TA, J, fn_json_path);
        types_reg_op("#>>", J, TA, T, fn_json_path_text);
        SqlFunc *f = types_reg_fn(jb ? "jsonb_extract_path" : "json_extract_path", J, fn_json_extract_path, 2,
                                  TYPES_A(J, T));
        f->variadic = true;
        f->strict = false;
        f = types_reg_fn(jb ? "jsonb_extract_path_text" : "json_extract_path_text", T, fn_json_extract_path_text, 2,
                         TYPES_A(J, T));
        f->variadic = true;
        f->strict = false;
        types_reg_fn(jb ? "jsonb_typeof" : "json_typeof", T, fn_json_typeof, 1, TYPES_A(J));
        types_reg_fn(jb ? "jsonb_array_length" : "json_array_length", I4, fn_json_array_length, 1, TYPES_A(J));
        types_reg_fn(jb ? "jsonb_strip_nulls" : "json_strip_nulls", J, fn_json_strip_nulls, 1, TYPES_A(J));
        types_reg_srf(jb ? "jsonb_object_keys" : "json_object_keys", T, &srf_json_keys, 1, TYPES_A(J));
        types_reg_srf(jb ? "jsonb_each" : "json_each", J, jb ? &srf_jsonb_each : &srf_json_each, 1, TYPES_A(J));
        types_reg_srf(jb ? "jsonb_each_text" : "json_each_text", T, &srf_json_each_text, 1, TYPES_A(J));
        types_reg_srf(jb ? "jsonb_array_elements" : "json_array_elements", J, &srf_json_elems, 1, TYPES_A(J));
        types_reg_srf(jb ? "jsonb_array_elements_text" : "json_array_elements_text", T, &srf_json_elems_text, 1,
                      TYPES_A(J));
    }
    const Oid JB = JSONBOID;
    types_reg_op("@>", JB, JB, B, fn_jsonb_contains);
    types_reg_op("<@", JB, JB, B, fn_jsonb_contained);
    types_reg_op("?", JB, T, B, fn_jsonb_exists);
    types_reg_op("?|", JB, TA, B, fn_jsonb_exists_any);
    types_reg_op("?&", JB, TA, B, fn_jsonb_exists_all);
    types_reg_op("||", JB, JB, JB, fn_jsonb_concat);
    types_reg_op("-", JB, T, JB, fn_jsonb_delete);
    types_reg_op("-", JB, I4, JB, fn_jsonb_delete);
    types_reg_op("-", JB, TA, JB, fn_jsonb_delete);
    types_reg_op("#-", JB, TA, JB, fn_jsonb_delete_path);
    types_reg_fn("jsonb_exists", B, fn_jsonb_exists, 2, TYPES_A(JB, T));
    types_reg_fn("jsonb_set", JB, fn_jsonb_set, 3, TYPES_A(JB, TA, JB));
    types_reg_fn("jsonb_set", JB, fn_jsonb_set, 4, TYPES_A(JB, TA, JB, B));
    types_reg_fn("jsonb_insert", JB, fn_jsonb_insert, 3, TYPES_A(JB, TA, JB));
    types_reg_fn("jsonb_insert", JB, fn_jsonb_insert, 4, TYPES_A(JB, TA, JB, B));
    types_reg_fn("jsonb_pretty", T, fn_jsonb_pretty, 1, TYPES_A(JB));
    types_fn_jsonb_register();
}
