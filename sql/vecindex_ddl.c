/* vecindex_ddl.c -- CREATE INDEX ... USING hnsw: the WITH options, pgvector's validation
 * (same messages and SQLSTATEs) and the build over an existing table (entries written in the
 * DDL's transaction, graph built with 2 threads and published in the registry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/parser/ast.h"
#include "sql/types/types.h"
#include "sql/vecindex.h"
#include "util/hash.h"

#define HNSW_MAX_DIMS 16000

static int type_name(Oid t, char *buf, size_t cap)
{
    ShaleBuf b;
    shale_buf_init(&b);
    types_format_type(t, -1, &b);
    snprintf(buf, cap, "%.*s", b.oom ? 0 : (int)b.len, b.data ? b.data : "");
    shale_buf_free(&b);
    return 0;
}

int vecindex_ddl_options(const AstList *opts, ShaleArena *arena, CatIndex *ix, SqlError *err)
{
    ix->n_options = 0;
    if (opts->n == 0)
        return 0;
    ix->opt_keys = shale_arena_alloc(arena, sizeof(char *) * (size_t)opts->n);
    ix->opt_values = shale_arena_alloc(arena, sizeof(char *) * (size_t)opts->n);
    if (!ix->opt_keys || !ix->opt_values)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < opts->n; i++) {
        const AstDefElem *e = (const AstDefElem *)opts->items[i];
        const AstNode *a = e->arg;
        bool neg = false;
        if (a && a->tag == AST_OP && ((const AstOpExpr *)a)->lexpr == NULL &&
            !strcmp(((const AstOpExpr *)a)->name, "-")) {
            neg = true;
            a = ((const AstOpExpr *)a)->rexpr;
        }
        char val[128];
        if (!a)
            snprintf(val, sizeof val, "true");
        else if (a->tag == AST_CONST && ((const AstConst *)a)->str)
            snprintf(val, sizeof val, "%s%.*s", neg ? "-" : "", ((const AstConst *)a)->len, ((const AstConst *)a)->str);
        else if (a->tag == AST_CONST && ((const AstConst *)a)->kind == AST_CONST_INTEGER)
            snprintf(val, sizeof val, "%s%lld", neg ? "-" : "", (long long)((const AstConst *)a)->ival);
        else
            snprintf(val, sizeof val, "?");
        size_t kl = strlen(e->name) + 1, vl = strlen(val) + 1;
        char *k = shale_arena_alloc(arena, kl), *v = shale_arena_alloc(arena, vl);
        if (!k || !v)
            return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        memcpy(k, e->name, kl);
        memcpy(v, val, vl);
        ix->opt_keys[ix->n_options] = k;
        ix->opt_values[ix->n_options++] = v;
    }
    return 0;
}

static int int_option(const char *key, const char *text, int lo, int hi, int *out, SqlError *err)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "invalid value for integer option \"%s\": %s", key, text);
    if (v < lo || v > hi) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "value %s out of bounds for option \"%s\"", text, key);
        sql_error_detail(err, "Valid values are between \"%d\" and \"%d\".", lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int vecindex_validate(const CatRelation *rel, const CatIndex *ix, SqlError *err)
{
    if (ix->unique)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "access method \"hnsw\" does not support unique indexes");
    if (ix->ncols != 1)
        return SQL_ERR(err, FEATURE_NOT_SUPPORTED, "access method \"hnsw\" does not support multicolumn indexes");
    const CatColumn *col = &rel->cols[ix->attnums[0] - 1];
    const char *opc = ix->opclasses ? ix->opclasses[0] : NULL;
    char tn[128];
    if (!opc) {
        type_name(col->type, tn, sizeof tn);
        sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "data type %s has no default operator class for access method \"hnsw\"", tn);
        sql_error_hint(err, "You must specify an operator class for the index or define a default operator class for the data type.");
        return -1;
    }
    if (vecindex_opclass_metric(opc) < 0)
        return SQL_ERR(err, UNDEFINED_OBJECT, "operator class \"%s\" does not exist for access method \"hnsw\"", opc);
    if (col->type != VECTOROID) {
        type_name(col->type, tn, sizeof tn);
        return SQL_ERR(err, DATATYPE_MISMATCH, "operator class \"%s\" does not accept data type %s", opc, tn);
    }
    int m = 16, efc = 64;
    for (int i = 0; i < ix->n_options; i++) {
        const char *k = ix->opt_keys[i];
        if (strcmp(k, "m") == 0) {
            if (int_option(k, ix->opt_values[i], 2, 100, &m, err) != 0)
                return -1;
        } else if (strcmp(k, "ef_construction") == 0) {
            if (int_option(k, ix->opt_values[i], 4, 1000, &efc, err) != 0)
                return -1;
        } else {
            return SQL_ERR(err, INVALID_PARAMETER_VALUE, "unrecognized parameter \"%s\"", k);
        }
    }
    if (col->typmod < 1)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "column does not have dimensions");
    if (col->typmod > HNSW_MAX_DIMS)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "column cannot have more than %d dimensions for hnsw index",
                       HNSW_MAX_DIMS);
    if (efc < 2 * m)
        return SQL_ERR(err, INVALID_PARAMETER_VALUE, "ef_construction must be greater than or equal to 2 * m");
    return 0;
}

/* CREATE INDEX takes no table lock, so rows other sessions commit while the graph is built
 * are not in the build's snapshot. Once the graph is built, a fresh snapshot (READ
 * COMMITTED) is scanned again and every row whose key or vector the build did not see gets
 * its entry and node: the window left is the few milliseconds of this pass (docs/vector.md).
 * vecs/labels/lens[n]: what the build indexed. */
static int build_catch_up(RelTxn *t, const CatRelation *rel, const CatIndex *idx, HnswIndex *h, const float *vecs,
                          char *const *labels, const size_t *lens, size_t n, SqlError *err)
{
    int dims = hnsw_options(h)->dims;
    size_t nb = 16;
    while (nb < 2 * n)
        nb <<= 1;
    uint32_t *slots = malloc(sizeof(uint32_t) * nb);
    float *v = malloc(sizeof(float) * (size_t)dims);
    if (!slots || !v) {
        free(slots);
        free(v);
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    }
    memset(slots, 0xff, sizeof(uint32_t) * nb);
    for (size_t i = 0; i < n; i++) {
        size_t s = shale_hash32(labels[i], lens[i], 7) & (nb - 1);
        while (slots[s] != UINT32_MAX)
            s = (s + 1) & (nb - 1);
        slots[s] = (uint32_t)i;
    }
    int a = idx->attnums[0];
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    RelScan *scan = NULL;
    RelRow row;
    rel_row_init(&row);
    size_t added = 0;
    int rc = rel_txn_statement_begin(t, 0, err);
    if (rc == 0)
        rc = rel_scan_open(t, rel, &spec, &scan, err);
    while (rc == 0) {
        int r = rel_scan_next(scan, &row, err);
        if (r <= 0) {
            rc = r;
            break;
        }
        if (a > row.nvals || row.vals[a - 1].null)
            continue;
        const Value *val = &row.vals[a - 1];
        if (!vecindex_decode(val->u.s.p, val->u.s.n, dims, v))
            continue;
        bool seen = false;
        for (size_t s = shale_hash32(row.key.data, row.key.len, 7) & (nb - 1); slots[s] != UINT32_MAX && !seen;
             s = (s + 1) & (nb - 1)) {
            size_t i = slots[s];
            seen = lens[i] == row.key.len && memcmp(labels[i], row.key.data, lens[i]) == 0 &&
                   memcmp(vecs + i * (size_t)dims, v, sizeof(float) * (size_t)dims) == 0;
        }
        if (seen)
            continue;
        rc = rel_vecidx_put(t, rel, idx, row.key.data, row.key.len, val->u.s.p, val->u.s.n, err);
        ShaleError se;
        uint32_t node;
        if (rc == 0 && hnsw_insert(h, v, row.key.data, row.key.len, &node, &se) != 0)
            rc = SQL_ERR(err, OUT_OF_MEMORY, "could not build hnsw index \"%s\": %s", idx->name, se.msg);
        added++;
    }
    if (scan)
        rel_scan_close(scan);
    rel_row_free(&row);
    if (rc == 0 && added > 0)
        fprintf(stderr, "LOG:  hnsw index \"%s\": %zu rows written during the build added\n", idx->name, added);
    free(slots);
    free(v);
    return rc;
}

int vecindex_build(VecRegistry *reg, RelTxn *t, Oid db, const CatRelation *rel, const CatIndex *idx,
                   SqlError *err)
{
    HnswOptions opts;
    if (vecindex_options(rel, idx, &opts, err) != 0)
        return -1;
    /* writers that miss the new index fail at commit (rel_idxguard.c); the build's scan
     * then holds every commit validated before this point */
    if (rel_txn_index_build_begin(t, rel, err) != 0)
        return -1;
    HnswIndex *h;
    ShaleError se;
    if (hnsw_create(&opts, &h, &se) != 0)
        return SQL_ERR(err, OUT_OF_MEMORY, "could not create hnsw index: %s", se.msg);
    size_t n = 0, cap = 0;
    float *vecs = NULL;
    char **labels = NULL;
    size_t *lens = NULL;
    int a = idx->attnums[0];
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    RelScan *scan = NULL;
    RelRow row;
    rel_row_init(&row);
    int rc = rel_scan_open(t, rel, &spec, &scan, err);
    while (rc == 0) {
        int r = rel_scan_next(scan, &row, err);
        if (r <= 0) {
            rc = r;
            break;
        }
        if (a > row.nvals || row.vals[a - 1].null)
            continue;
        const Value *v = &row.vals[a - 1];
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            float *nv = realloc(vecs, sizeof(float) * (size_t)opts.dims * nc);
            if (nv)
                vecs = nv;
            char **nl = realloc(labels, sizeof(char *) * nc);
            if (nl)
                labels = nl;
            size_t *nn = realloc(lens, sizeof(size_t) * nc);
            if (nn)
                lens = nn;
            if (!nv || !nl || !nn) {
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
                break;
            }
            cap = nc;
        }
        if (!vecindex_decode(v->u.s.p, v->u.s.n, opts.dims, vecs + n * (size_t)opts.dims))
            continue;  /* dims enforced by the column's typmod */
        labels[n] = malloc(row.key.len ? row.key.len : 1);
        if (!labels[n]) {
            rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            break;
        }
        memcpy(labels[n], row.key.data, row.key.len);
        lens[n] = row.key.len;
        n++;
        rc = rel_vecidx_put(t, rel, idx, row.key.data, row.key.len, v->u.s.p, v->u.s.n, err);
    }
    if (scan)
        rel_scan_close(scan);
    rel_row_free(&row);
    if (rc == 0 && n > 0 && hnsw_build_parallel(h, vecs, (const void *const *)labels, lens, n, 2, &se) != 0)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "could not build hnsw index \"%s\": %s", idx->name, se.msg);
    if (rc == 0)
        rc = build_catch_up(t, rel, idx, h, vecs, labels, lens, n, err);
    /* the catch-up's inserts ran after the build's own repair: repair again so the graph is
     * published with every node reachable (h is still private: no writer runs) */
    HnswRepairStats rst;
    if (rc == 0 && hnsw_repair(h, &rst, &se) != 0)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "could not build hnsw index \"%s\": %s", idx->name, se.msg);
    if (rc == 0 && rst.relinked > 0)
        fprintf(stderr, "LOG:  hnsw index \"%s\": %llu unreachable nodes relinked after the build\n", idx->name,
                (unsigned long long)rst.unreachable);
    for (size_t i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
    free(lens);
    free(vecs);
    if (rc != 0) {
        hnsw_free(h);
        return -1;
    }
    vecreg_install(reg, t, db, rel, idx, h);
    return 0;
}

void vecindex_forget_rel(VecRegistry *reg, Oid db, const CatRelation *rel)
{
    for (int i = 0; i < rel->nindexes; i++)
        if (rel_index_is_vector(&rel->indexes[i]))
            vecreg_forget(reg, db, rel, &rel->indexes[i]);
}
