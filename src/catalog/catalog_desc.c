/* catalog_desc.c -- serialization of catalog descriptors (the values of catalog keys).
 *
 * Every descriptor: format:u8 (= 1) then its fields in declaration order, each as
 *   int / oid / bool / char     varint64 (signed ints zigzag-encoded)
 *   string                      varint (len + 1) then the bytes; 0 = NULL
 *   Value (CatColumn.missing)   null:u8 | type:varint | (non-null) len:varint + row-field body
 *   arrays                      count:varint then the elements
 * The field lists are in desc_*_encode/decode below and docs/data-model.md. Fields added
 * later are appended and optional, so older descriptors decode unchanged: namespaces and
 * relations end with acl:string (absent = NULL); relations then end with an optional
 * embedding section (written only when a column has one, after an acl string that is
 * then always written, NULL or not): count:varint then per embedding column attnum:int,
 * expr:string, embedder:oid (CatColumn.embed_expr / embed_embedder). Roles end with an
 * optional membership list (written only when non-empty): count:varint then per membership
 * role:oid grantor:oid admin:bool (CatRole.member_of). Databases (after comment) and roles
 * (after the membership list, then always written) end with an optional ALTER ... SET list:
 * count:varint then "name=value" strings (n_settings/settings). Decoders are
 * bounded by the end pointer and fail (return -1) on any inconsistency. */
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_int.h"
#include "catalog/rowcodec.h"
#include "util/coding.h"

/* ---- writer ------------------------------------------------------------------------------- */

static void w_u(ShaleBuf *b, uint64_t v) { shale_buf_append_varint64(b, v); }
static void w_i(ShaleBuf *b, int64_t v) { w_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
static void w_s(ShaleBuf *b, const char *s)
{
    if (!s) {
        w_u(b, 0);
        return;
    }
    size_t n = strlen(s);
    w_u(b, n + 1);
    shale_buf_append(b, s, n);
}

static void w_value(ShaleBuf *b, const Value *v)
{
    shale_buf_append_byte(b, v->null ? 1 : 0);
    w_u(b, v->type);
    if (v->null)
        return;
    ShaleBuf tmp;
    shale_buf_init(&tmp);
    rowcodec_field_encode(&tmp, v);
    w_u(b, tmp.len);
    shale_buf_append(b, tmp.data, tmp.len);
    if (tmp.oom)
        b->oom = true;
    shale_buf_free(&tmp);
}

/* ---- reader ------------------------------------------------------------------------------- */

typedef struct Rd {
    const char *p, *end;
    ShaleArena *a;
    bool bad;
} Rd;

static uint64_t r_u(Rd *r)
{
    uint64_t v = 0;
    if (r->bad)
        return 0;
    const char *q = shale_decode_varint64(r->p, r->end, &v);
    if (!q) {
        r->bad = true;
        return 0;
    }
    r->p = q;
    return v;
}

static int64_t r_i(Rd *r)
{
    uint64_t u = r_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static int32_t r_i32(Rd *r)
{
    int64_t v = r_i(r);
    if (v < INT32_MIN || v > INT32_MAX)
        r->bad = true;
    return (int32_t)v;
}

static uint32_t r_u32(Rd *r)
{
    uint64_t v = r_u(r);
    if (v > UINT32_MAX)
        r->bad = true;
    return (uint32_t)v;
}

static char *r_s(Rd *r)
{
    uint64_t n = r_u(r);
    if (r->bad || n == 0)
        return NULL;
    n--;
    if ((uint64_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    char *s = shale_arena_alloc(r->a, n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = '\0';
    r->p += n;
    return s;
}

static Value r_value(Rd *r)
{
    Value v = value_null(INVALIDOID);
    if (r->bad || r->p >= r->end) {
        r->bad = true;
        return v;
    }
    bool null = *r->p++ != 0;
    Oid type = r_u32(r);
    if (null || r->bad)
        return value_null(type);
    uint64_t n = r_u(r);
    if (r->bad || (uint64_t)(r->end - r->p) < n) {
        r->bad = true;
        return v;
    }
    char *copy = shale_arena_alloc(r->a, n ? n : 1);
    if (!copy) {
        r->bad = true;
        return v;
    }
    memcpy(copy, r->p, n);
    r->p += n;
    if (rowcodec_field_decode(type, copy, n, &v, NULL) != SHALE_OK)
        r->bad = true;
    return v;
}

static void *r_array(Rd *r, size_t count, size_t elem)
{
    if (r->bad)
        return NULL;
    if (count > (size_t)(r->end - r->p) + 1) {  /* each element takes at least a byte */
        r->bad = true;
        return NULL;
    }
    void *p = shale_arena_alloc(r->a, count * elem + 1);
    if (!p)
        r->bad = true;
    else
        memset(p, 0, count * elem + 1);
    return p;
}

static bool r_begin(Rd *r, const char *p, size_t n, ShaleArena *a)
{
    r->p = p;
    r->end = p + n;
    r->a = a;
    r->bad = n < 1 || (uint8_t)p[0] != DESC_FORMAT;
    r->p++;
    return !r->bad;
}

static int r_end(Rd *r)
{
    return (r->bad || r->p != r->end) ? -1 : 0;
}

/* ---- descriptors ---------------------------------------------------------------------------- */

/* Optional tail of databases and roles (written only when non-empty): the ALTER ... SET
 * list, count:varint then "name=value" strings. */
static void w_settings(ShaleBuf *b, int n, char *const *settings)
{
    if (n <= 0)
        return;
    w_u(b, (uint64_t)n);
    for (int i = 0; i < n; i++)
        w_s(b, settings[i]);
}

static void r_settings(Rd *r, int *n, char ***out)
{
    *n = 0;
    *out = NULL;
    if (r->bad || r->p >= r->end)
        return;
    uint64_t k = r_u(r);
    char **l = r_array(r, (size_t)k, sizeof *l);
    for (uint64_t i = 0; l && i < k && !r->bad; i++) {
        l[i] = r_s(r);
        if (!l[i])
            r->bad = true;
    }
    if (l && !r->bad) {
        *out = l;
        *n = (int)k;
    }
}

void desc_encode_database(ShaleBuf *b, const CatDatabase *d)
{
    shale_buf_append_byte(b, DESC_FORMAT);
    w_u(b, d->oid); w_s(b, d->name); w_u(b, d->owner); w_u(b, d->allow_conn);
    w_u(b, d->is_template); w_i(b, d->conn_limit); w_s(b, d->comment);
    w_settings(b, d->n_settings, d->settings);
}

int desc_decode_database(const char *p, size_t n, ShaleArena *a, CatDatabase *d)
{
    Rd r;
    memset(d, 0, sizeof *d);
    if (!r_begin(&r, p, n, a))
        return -1;
    d->oid = r_u32(&r); d->name = r_s(&r); d->owner = r_u32(&r); d->allow_conn = r_u(&r) != 0;
    d->is_template = r_u(&r) != 0; d->conn_limit = r_i32(&r); d->comment = r_s(&r);
    r_settings(&r, &d->n_settings, &d->settings);
    return (r_end(&r) || !d->name) ? -1 : 0;
}

void desc_encode_role(ShaleBuf *b, const CatRole *x)
{
    shale_buf_append_byte(b, DESC_FORMAT);
    w_u(b, x->oid); w_s(b, x->name);
    w_u(b, (uint64_t)x->superuser | (uint64_t)x->inherit << 1 | (uint64_t)x->createrole << 2 |
           (uint64_t)x->createdb << 3 | (uint64_t)x->login << 4 | (uint64_t)x->replication << 5 |
           (uint64_t)x->bypassrls << 6);
    w_i(b, x->conn_limit); w_s(b, x->password); w_s(b, x->valid_until); w_s(b, x->comment);
    if (x->n_member_of > 0 || x->n_settings > 0) {   /* optional tail: n (role grantor admin)* */
        w_u(b, (uint64_t)x->n_member_of);
        for (int i = 0; i < x->n_member_of; i++) {
            w_u(b, x->member_of[i].role); w_u(b, x->member_of[i].grantor); w_u(b, x->member_of[i].admin);
        }
    }
    w_settings(b, x->n_settings, x->settings);
}

int desc_decode_role(const char *p, size_t n, ShaleArena *a, CatRole *x)
{
    Rd r;
    memset(x, 0, sizeof *x);
    if (!r_begin(&r, p, n, a))
        return -1;
    x->oid = r_u32(&r); x->name = r_s(&r);
    uint64_t f = r_u(&r);
    x->superuser = f & 1; x->inherit = f >> 1 & 1; x->createrole = f >> 2 & 1; x->createdb = f >> 3 & 1;
    x->login = f >> 4 & 1; x->replication = f >> 5 & 1; x->bypassrls = f >> 6 & 1;
    x->conn_limit = r_i32(&r); x->password = r_s(&r); x->valid_until = r_s(&r); x->comment = r_s(&r);
    if (!r.bad && r.p < r.end) {
        uint64_t nm = r_u(&r);
        x->member_of = r_array(&r, (size_t)nm, sizeof *x->member_of);
        for (uint64_t i = 0; x->member_of && i < nm && !r.bad; i++) {
            x->member_of[i].role = r_u32(&r); x->member_of[i].grantor = r_u32(&r);
            x->member_of[i].admin = r_u(&r) != 0;
        }
        x->n_member_of = x->member_of ? (int)nm : 0;
    }
    r_settings(&r, &x->n_settings, &x->settings);
    return (r_end(&r) || !x->name) ? -1 : 0;
}

void desc_encode_namespace(ShaleBuf *b, const CatNamespace *x)
{
    shale_buf_append_byte(b, DESC_FORMAT);
    w_u(b, x->oid); w_s(b, x->name); w_u(b, x->owner); w_s(b, x->comment);
    if (x->acl)
        w_s(b, x->acl);
}

int desc_decode_namespace(const char *p, size_t n, ShaleArena *a, CatNamespace *x)
{
    Rd r;
    memset(x, 0, sizeof *x);
    if (!r_begin(&r, p, n, a))
        return -1;
    x->oid = r_u32(&r); x->name = r_s(&r); x->owner = r_u32(&r); x->comment = r_s(&r);
    if (!r.bad && r.p < r.end)
        x->acl = r_s(&r);
    return (r_end(&r) || !x->name) ? -1 : 0;
}

void desc_encode_embedder(ShaleBuf *b, const CatEmbedder *x)
{
    shale_buf_append_byte(b, DESC_FORMAT);
    w_u(b, x->oid); w_s(b, x->name); w_s(b, x->provider); w_s(b, x->options); w_u(b, x->owner); w_s(b, x->comment);
}

int desc_decode_embedder(const char *p, size_t n, ShaleArena *a, CatEmbedder *x)
{
    Rd r;
    memset(x, 0, sizeof *x);
    if (!r_begin(&r, p, n, a))
        return -1;
    x->oid = r_u32(&r); x->name = r_s(&r); x->provider = r_s(&r); x->options = r_s(&r);
    x->owner = r_u32(&r); x->comment = r_s(&r);
    return (r_end(&r) || !x->name) ? -1 : 0;
}

static void enc_column(ShaleBuf *b, const CatColumn *c)
{
    w_s(b, c->name); w_i(b, c->attnum); w_u(b, c->type); w_i(b, c->typmod);
    w_u(b, (uint64_t)c->not_null | (uint64_t)c->dropped << 1);
    w_u(b, (uint8_t)c->identity); w_u(b, (uint8_t)c->generated); w_s(b, c->default_expr);
    Value miss = (c->missing.null || c->missing.type == INVALIDOID) ? value_null(c->type) : c->missing;
    w_u(b, c->identity_seq); w_u(b, c->added_version); w_value(b, &miss); w_u(b, c->collation);
    w_s(b, c->comment);
}

static void dec_column(Rd *r, CatColumn *c)
{
    c->name = r_s(r); c->attnum = (int16_t)r_i32(r); c->type = r_u32(r); c->typmod = r_i32(r);
    uint64_t f = r_u(r);
    c->not_null = f & 1; c->dropped = f >> 1 & 1;
    c->identity = (char)r_u(r); c->generated = (char)r_u(r); c->default_expr = r_s(r);
    c->identity_seq = r_u32(r); c->added_version = r_u32(r); c->missing = r_value(r); c->collation = r_u32(r);
    c->comment = r_s(r);
    if (!c->name)
        r->bad = true;
}

static void enc_index(ShaleBuf *b, const CatIndex *x)
{
    w_u(b, x->oid); w_s(b, x->name);
    w_u(b, (uint64_t)x->unique | (uint64_t)x->primary << 1 | (uint64_t)x->nulls_not_distinct << 2 | (uint64_t)x->valid << 3);
    w_s(b, x->am);
    w_u(b, (uint64_t)x->ncols);
    for (int i = 0; i < x->ncols; i++) {
        w_i(b, x->attnums[i]);
        w_s(b, x->exprs ? x->exprs[i] : NULL);
        w_s(b, x->opclasses ? x->opclasses[i] : NULL);
        w_u(b, x->col_flags ? x->col_flags[i] : 0);
    }
    w_u(b, (uint64_t)x->n_options);
    for (int i = 0; i < x->n_options; i++) {
        w_s(b, x->opt_keys[i]);
        w_s(b, x->opt_values[i]);
    }
    w_s(b, x->predicate); w_s(b, x->comment);
}

static void dec_index(Rd *r, CatIndex *x)
{
    x->oid = r_u32(r); x->name = r_s(r);
    uint64_t f = r_u(r);
    x->unique = f & 1; x->primary = f >> 1 & 1; x->nulls_not_distinct = f >> 2 & 1; x->valid = f >> 3 & 1;
    x->am = r_s(r);
    uint64_t nc = r_u(r);
    if (nc > 1600) { r->bad = true; return; }
    x->ncols = (int)nc;
    x->attnums = r_array(r, nc, sizeof *x->attnums);
    x->exprs = r_array(r, nc, sizeof *x->exprs);
    x->opclasses = r_array(r, nc, sizeof *x->opclasses);
    x->col_flags = r_array(r, nc, sizeof *x->col_flags);
    for (uint64_t i = 0; i < nc && !r->bad; i++) {
        x->attnums[i] = (int16_t)r_i32(r);
        x->exprs[i] = r_s(r);
        x->opclasses[i] = r_s(r);
        x->col_flags[i] = (uint8_t)r_u(r);
    }
    uint64_t no = r_u(r);
    if (no > 1000) { r->bad = true; return; }
    x->n_options = (int)no;
    x->opt_keys = r_array(r, no, sizeof(char *));
    x->opt_values = r_array(r, no, sizeof(char *));
    for (uint64_t i = 0; i < no && !r->bad; i++) {
        x->opt_keys[i] = r_s(r);
        x->opt_values[i] = r_s(r);
    }
    x->predicate = r_s(r); x->comment = r_s(r);
    if (!x->name)
        r->bad = true;
}

static void enc_constraint(ShaleBuf *b, const CatConstraint *c)
{
    w_u(b, c->oid); w_s(b, c->name); w_u(b, (uint8_t)c->type);
    w_u(b, (uint64_t)c->ncols);
    for (int i = 0; i < c->ncols; i++) {
        w_i(b, c->attnums[i]);
        w_i(b, c->ref_attnums ? c->ref_attnums[i] : 0);
    }
    w_u(b, c->index_oid); w_s(b, c->check_expr);
    w_u(b, (uint64_t)c->deferrable | (uint64_t)c->deferred << 1 | (uint64_t)c->validated << 2);
    w_u(b, c->ref_rel); w_u(b, (uint8_t)c->on_update); w_u(b, (uint8_t)c->on_delete);
    w_u(b, (uint8_t)c->match_type); w_s(b, c->comment);
}

static void dec_constraint(Rd *r, CatConstraint *c)
{
    c->oid = r_u32(r); c->name = r_s(r); c->type = (char)r_u(r);
    uint64_t nc = r_u(r);
    if (nc > 1600) { r->bad = true; return; }
    c->ncols = (int)nc;
    c->attnums = r_array(r, nc, sizeof *c->attnums);
    c->ref_attnums = r_array(r, nc, sizeof *c->ref_attnums);
    for (uint64_t i = 0; i < nc && !r->bad; i++) {
        c->attnums[i] = (int16_t)r_i32(r);
        c->ref_attnums[i] = (int16_t)r_i32(r);
    }
    c->index_oid = r_u32(r); c->check_expr = r_s(r);
    uint64_t f = r_u(r);
    c->deferrable = f & 1; c->deferred = f >> 1 & 1; c->validated = f >> 2 & 1;
    c->ref_rel = r_u32(r); c->on_update = (char)r_u(r); c->on_delete = (char)r_u(r);
    c->match_type = (char)r_u(r); c->comment = r_s(r);
    if (!c->name)
        r->bad = true;
}

void desc_encode_relation(ShaleBuf *b, const CatRelation *x)
{
    shale_buf_append_byte(b, DESC_FORMAT);
    w_u(b, x->oid); w_u(b, x->nsp); w_s(b, x->name); w_u(b, (uint8_t)x->kind); w_u(b, x->owner);
    w_u(b, x->relfilenode); w_u(b, x->schema_version); w_s(b, x->view_query); w_s(b, x->comment);
    w_u(b, x->seq.type); w_i(b, x->seq.start); w_i(b, x->seq.increment); w_i(b, x->seq.min);
    w_i(b, x->seq.max); w_i(b, x->seq.cache); w_u(b, x->seq.cycle); w_u(b, x->seq.owned_by_rel);
    w_i(b, x->seq.owned_by_col);
    w_u(b, (uint64_t)x->ncols);
    for (int i = 0; i < x->ncols; i++)
        enc_column(b, &x->cols[i]);
    w_u(b, (uint64_t)x->nindexes);
    for (int i = 0; i < x->nindexes; i++)
        enc_index(b, &x->indexes[i]);
    w_u(b, (uint64_t)x->ncons);
    for (int i = 0; i < x->ncons; i++)
        enc_constraint(b, &x->cons[i]);
    int nemb = 0;
    for (int i = 0; i < x->ncols; i++)
        nemb += x->cols[i].embed_expr != NULL;
    if (x->acl || nemb > 0)
        w_s(b, x->acl);
    if (nemb > 0) {
        w_u(b, (uint64_t)nemb);
        for (int i = 0; i < x->ncols; i++)
            if (x->cols[i].embed_expr) {
                w_i(b, x->cols[i].attnum); w_s(b, x->cols[i].embed_expr); w_u(b, x->cols[i].embed_embedder);
            }
    }
}

int desc_decode_relation(const char *p, size_t n, ShaleArena *a, CatRelation *x)
{
    Rd r;
    memset(x, 0, sizeof *x);
    if (!r_begin(&r, p, n, a))
        return -1;
    x->oid = r_u32(&r); x->nsp = r_u32(&r); x->name = r_s(&r); x->kind = (char)r_u(&r); x->owner = r_u32(&r);
    x->relfilenode = r_u32(&r); x->schema_version = r_u32(&r); x->view_query = r_s(&r); x->comment = r_s(&r);
    x->seq.type = r_u32(&r); x->seq.start = r_i(&r); x->seq.increment = r_i(&r); x->seq.min = r_i(&r);
    x->seq.max = r_i(&r); x->seq.cache = r_i(&r); x->seq.cycle = r_u(&r) != 0; x->seq.owned_by_rel = r_u32(&r);
    x->seq.owned_by_col = (int16_t)r_i32(&r);
    uint64_t nc = r_u(&r);
    if (nc > 1600)
        return -1;
    x->ncols = (int)nc;
    x->cols = r_array(&r, nc, sizeof *x->cols);
    for (uint64_t i = 0; i < nc && !r.bad; i++)
        dec_column(&r, &x->cols[i]);
    uint64_t ni = r_u(&r);
    if (ni > 10000)
        return -1;
    x->nindexes = (int)ni;
    x->indexes = r_array(&r, ni, sizeof *x->indexes);
    for (uint64_t i = 0; i < ni && !r.bad; i++)
        dec_index(&r, &x->indexes[i]);
    uint64_t nk = r_u(&r);
    if (nk > 10000)
        return -1;
    x->ncons = (int)nk;
    x->cons = r_array(&r, nk, sizeof *x->cons);
    for (uint64_t i = 0; i < nk && !r.bad; i++)
        dec_constraint(&r, &x->cons[i]);
    if (!r.bad && r.p < r.end)
        x->acl = r_s(&r);
    if (!r.bad && r.p < r.end) {
        uint64_t ne = r_u(&r);
        if (ne > nc)
            return -1;
        for (uint64_t i = 0; i < ne && !r.bad; i++) {
            int32_t att = r_i32(&r);
            char *ex = r_s(&r);
            Oid eo = r_u32(&r);
            if (att < 1 || (uint64_t)att > nc || !ex)
                return -1;
            x->cols[att - 1].embed_expr = ex;
            x->cols[att - 1].embed_embedder = eo;
        }
    }
    if (r_end(&r) || !x->name)
        return -1;
    return desc_derive_relation(x, a);
}

int desc_derive_relation(CatRelation *x, ShaleArena *a)
{
    x->row_cols = shale_arena_alloc(a, (size_t)x->ncols * sizeof *x->row_cols + 1);
    if (!x->row_cols)
        return -1;
    for (int i = 0; i < x->ncols; i++) {
        x->row_cols[i].type = x->cols[i].type;
        x->row_cols[i].dropped = x->cols[i].dropped;
        x->row_cols[i].missing = x->cols[i].missing;
        if (!x->cols[i].missing.null && x->cols[i].missing.type != INVALIDOID)
            x->row_cols[i].missing.type = x->cols[i].type;
        else
            x->row_cols[i].missing = value_null(x->cols[i].type);
    }
    x->row_schema.version = x->schema_version;
    x->row_schema.ncols = (uint32_t)x->ncols;
    x->row_schema.cols = x->row_cols;
    x->pk_index = -1;
    for (int i = 0; i < x->nindexes; i++)
        if (x->indexes[i].primary)
            x->pk_index = i;
    return 0;
}

CatRelation *catrel_copy(ShaleArena *arena, const CatRelation *rel)
{
    ShaleBuf b;
    shale_buf_init(&b);
    desc_encode_relation(&b, rel);
    CatRelation *out = b.oom ? NULL : shale_arena_alloc(arena, sizeof *out);
    if (out && desc_decode_relation(b.data, b.len, arena, out) != 0)
        out = NULL;
    shale_buf_free(&b);
    return out;
}
