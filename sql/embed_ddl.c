/* embed_ddl.c -- DDL of the embedding facet: CREATE / ALTER / DROP EMBEDDER and the
 * `EMBEDDING OF (expr) USING embedder` column clause (validation, storage in the catalog
 * column, backfill of existing rows), all in the session's transaction. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/keycodec.h"
#include "sql/embed_int.h"
#include "sql/parser/parser.h"

#define MAX_OPTS 64

/* The text of a CREATE EMBEDDER option value (arena copy), NULL when not a plain value. */
static const char *def_text(ShaleArena *a, const AstNode *arg)
{
    if (!arg)
        return NULL;
    if (arg->tag == AST_CONST) {
        const AstConst *c = (const AstConst *)arg;
        if (c->kind == AST_CONST_BOOL)
            return c->bval ? "true" : "false";
        if (c->kind == AST_CONST_NULL || !c->str)
            return NULL;
        char *p = shale_arena_alloc(a, (size_t)c->len + 1);
        if (p) {
            memcpy(p, c->str, (size_t)c->len);
            p[c->len] = '\0';
        }
        return p;
    }
    if (arg->tag == AST_COLUMN_REF) {
        const AstColumnRef *r = (const AstColumnRef *)arg;
        ShaleBuf b;
        shale_buf_init(&b);
        for (int i = 0; i < r->fields.n; i++) {
            if (i)
                shale_buf_append_byte(&b, '.');
            shale_buf_append(&b, r->fields.names[i], strlen(r->fields.names[i]));
        }
        char *p = b.oom ? NULL : shale_arena_alloc(a, b.len + 1);
        if (p) {
            memcpy(p, b.data ? b.data : "", b.len);
            p[b.len] = '\0';
        }
        shale_buf_free(&b);
        return p;
    }
    return NULL;
}

static void options_text(const EmbedderOption *o, int n, ShaleBuf *b)
{
    for (int i = 0; i < n; i++) {
        if (i)
            shale_buf_append(b, ", ", 2);
        shale_buf_append(b, o[i].key, strlen(o[i].key));
        shale_buf_append(b, " = '", 4);
        for (const char *p = o[i].value; *p; p++) {
            if (*p == '\'')
                shale_buf_append_byte(b, '\'');
            shale_buf_append_byte(b, (uint8_t)*p);
        }
        shale_buf_append_byte(b, '\'');
    }
    shale_buf_append_byte(b, '\0');
}

static void notice(const SqlSink *sink, const char *fmt, const char *a, const char *b2)
{
    if (!sink->notice)
        return;
    SqlError n;
    sql_error_set(&n, ERRCODE_SUCCESSFUL_COMPLETION, fmt, a, b2);
    n.severity = SQL_SEV_NOTICE;
    sink->notice(sink->arg, &n);
}

SqlStatus embed_ddl_embedder(SqlSession *s, const void *stmt, const SqlSink *sink, SqlError *err)
{
    const AstCreateEmbedderStmt *ce = stmt;
    Catalog *cat = rel_db_catalog(s->eng->rdb);
    CatTxn *ct = rel_txn_catalog(s->txn);
    CatSnapshot *snap;
    if (catalog_snapshot(cat, ct, s->db_oid, &snap, err) != 0)
        return SQL_ERROR;
    ShaleArena a;
    shale_arena_init(&a);
    SqlStatus st = SQL_ERROR;
    const CatEmbedder *old = catsnap_embedder_by_name(snap, ce->name);
    EmbedderOption opts[MAX_OPTS];
    int n = 0;
    const char *provider = NULL;
    if (ce->is_alter) {
        if (!old) {
            sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "embedder \"%s\" does not exist", ce->name);
            goto out;
        }
        provider = old->provider;
        n = embed_options_parse(old->options, &a, opts, MAX_OPTS);
        if (n < 0) {
            sql_error_set(err, ERRCODE_DATA_CORRUPTED, "embedder \"%s\" has malformed stored options", ce->name);
            goto out;
        }
    } else if (old) {
        if (ce->if_not_exists) {
            notice(sink, "embedder \"%s\" already exists, skipping", ce->name, NULL);
            sink->command_complete(sink->arg, "CREATE EMBEDDER");
            st = SQL_DONE;
        } else {
            sql_error_set(err, ERRCODE_DUPLICATE_OBJECT, "embedder \"%s\" already exists", ce->name);
        }
        goto out;
    }
    for (int i = 0; i < ce->options.n; i++) {
        const AstDefElem *de = (const AstDefElem *)ce->options.items[i];
        char *key = shale_arena_alloc(&a, strlen(de->name) + 1);
        const char *val = def_text(&a, de->arg);
        if (!key) {
            SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            goto out;
        }
        for (size_t k = 0; de->name[k]; k++)
            key[k] = (char)tolower((unsigned char)de->name[k]);
        key[strlen(de->name)] = '\0';
        if (!val) {
            sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "option \"%s\" requires a value", key);
            goto out;
        }
        if (!strcmp(key, "provider")) {
            provider = val;
            continue;
        }
        int k = 0;
        while (k < n && strcmp(opts[k].key, key) != 0)
            k++;
        if (k < n && !ce->is_alter) {
            sql_error_set(err, ERRCODE_SYNTAX_ERROR, "option \"%s\" specified more than once", key);
            goto out;
        }
        if (k == n) {
            if (n == MAX_OPTS) {
                sql_error_set(err, ERRCODE_PROGRAM_LIMIT_EXCEEDED, "too many options");
                goto out;
            }
            n++;
        }
        opts[k].key = key;
        opts[k].value = val;
    }
    if (!provider) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "option \"provider\" is required");
        sql_error_hint(err, "Built-in providers: hash, openai, command.");
        goto out;
    }
    Embedder *e = NULL;
    if (embedder_open(ce->name, provider, opts, n, &e, err) != 0)
        goto out;
    int dims = embedder_dims(e);
    embedder_free(e);
    if (old && ce->is_alter) {
        /* columns using it must keep their dimension count */
        for (int i = 0; i < catsnap_n_relations(snap); i++) {
            const CatRelation *rel = catsnap_relation(snap, i);
            for (int c = 0; c < rel->ncols; c++)
                if (embed_is_column(rel, c) && rel->cols[c].embed_embedder == old->oid && rel->cols[c].typmod > 0 &&
                    rel->cols[c].typmod != dims) {
                    sql_error_set(err, ERRCODE_DATA_EXCEPTION,
                                  "embedder \"%s\" would produce %d dimensions, but column \"%s\" of table \"%s\" has %d",
                                  ce->name, dims, rel->cols[c].name, rel->name, rel->cols[c].typmod);
                    goto out;
                }
        }
    }
    ShaleBuf ob;
    shale_buf_init(&ob);
    options_text(opts, n, &ob);
    if (ob.oom) {
        shale_buf_free(&ob);
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    CatEmbedder ne;
    memset(&ne, 0, sizeof ne);
    ne.name = (char *)ce->name;
    ne.provider = (char *)provider;
    ne.options = ob.data;
    ne.owner = old ? old->owner : s->user_oid;
    ne.comment = old ? old->comment : NULL;
    int rc = old ? catalog_alter_embedder(cat, ct, s->db_oid, old, &ne, err)
                 : catalog_create_embedder(cat, ct, s->db_oid, &ne, err);
    shale_buf_free(&ob);
    if (rc == 0) {
        sink->command_complete(sink->arg, ce->is_alter ? "ALTER EMBEDDER" : "CREATE EMBEDDER");
        st = SQL_DONE;
    }
out:
    shale_arena_destroy(&a);
    catalog_snapshot_release(snap);
    return st;
}

typedef struct DelCtx {
    RelTxn *txn;
    SqlError *err;
} DelCtx;

static int del_job(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
    (void)val;
    (void)vlen;
    DelCtx *d = arg;
    return rel_txn_delete_aux(d->txn, key, klen, d->err) == 0 ? 0 : -1;
}

/* Deletes every job of one column (the counters are rebuilt when the DDL commits). */
static int delete_jobs(SqlSession *s, const CatRelation *rel, int16_t attnum, SqlError *err)
{
    ShaleBuf lo, hi;
    shale_buf_init(&lo);
    shale_buf_init(&hi);
    embed_job_prefix(&lo, s->db_oid, rel->relfilenode, attnum);
    shale_buf_append(&hi, lo.data, lo.len);
    bool bounded = keycodec_prefix_successor(&hi);
    DelCtx d = { s->txn, err };
    int rc = lo.oom || hi.oom ? SQL_ERR(err, OUT_OF_MEMORY, "out of memory")
                              : rel_aux_scan(s->txn, lo.data, lo.len, bounded ? hi.data : NULL, hi.len, del_job, &d, err);
    shale_buf_free(&lo);
    shale_buf_free(&hi);
    return rc;
}

SqlStatus embed_ddl_drop_embedder(SqlSession *s, const void *stmt, const SqlSink *sink, SqlError *err)
{
    const AstDropStmt *ds = stmt;
    Catalog *cat = rel_db_catalog(s->eng->rdb);
    CatTxn *ct = rel_txn_catalog(s->txn);
    bool cascade = ds->behavior == AST_DROP_CASCADE;
    for (int i = 0; i < ds->objects.n; i++) {
        const AstRangeVar *rv = (const AstRangeVar *)ds->objects.items[i];
        CatSnapshot *snap;
        if (catalog_snapshot(cat, ct, s->db_oid, &snap, err) != 0)
            return SQL_ERROR;
        const CatEmbedder *e = catsnap_embedder_by_name(snap, rv->relname);
        if (!e) {
            catalog_snapshot_release(snap);
            if (ds->missing_ok) {
                notice(sink, "embedder \"%s\" does not exist, skipping", rv->relname, NULL);
                continue;
            }
            sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "embedder \"%s\" does not exist", rv->relname);
            return SQL_ERROR;
        }
        int rc = 0;
        for (int r = 0; r < catsnap_n_relations(snap) && rc == 0; r++) {
            const CatRelation *rel = catsnap_relation(snap, r);
            bool uses = false;
            for (int c = 0; c < rel->ncols; c++)
                if (embed_is_column(rel, c) && rel->cols[c].embed_embedder == e->oid) {
                    uses = true;
                    if (!cascade) {
                        sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                                      "cannot drop embedder %s because other objects depend on it", e->name);
                        sql_error_detail(err, "embedding of column %s of table %s depends on embedder %s",
                                         rel->cols[c].name, rel->name, e->name);
                        sql_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
                        rc = -1;
                        break;
                    }
                    notice(sink, "drop cascades to embedding of column %s of table %s", rel->cols[c].name, rel->name);
                }
            if (rc != 0 || !uses)
                continue;
            ShaleArena a;
            shale_arena_init(&a);
            CatRelation *copy = catrel_copy(&a, rel);
            if (!copy)
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            for (int c = 0; copy && c < copy->ncols && rc == 0; c++)
                if (copy->cols[c].embed_expr && copy->cols[c].embed_embedder == e->oid) {
                    copy->cols[c].embed_expr = NULL;
                    copy->cols[c].embed_embedder = 0;
                    rc = delete_jobs(s, rel, copy->cols[c].attnum, err);
                }
            if (rc == 0)
                rc = catalog_alter_relation(cat, ct, s->db_oid, rel, copy, err);
            shale_arena_destroy(&a);
        }
        if (rc == 0)
            rc = catalog_drop_embedder(cat, ct, s->db_oid, e, err);
        catalog_snapshot_release(snap);
        if (rc != 0)
            return SQL_ERROR;
    }
    sink->command_complete(sink->arg, "DROP EMBEDDER");
    return SQL_DONE;
}

/* ---- EMBEDDING OF columns -------------------------------------------------------------------- */

int embed_ddl_column(SqlSession *s, CatSnapshot *snap, CatColumn *col, const char *embedder,
                     const char *expr_text, SqlError *err)
{
    const CatEmbedder *ce = catsnap_embedder_by_name(snap, embedder);
    if (!ce)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "embedder \"%s\" does not exist", embedder);
    if (col->type != VECTOROID)
        return sql_error_set(err, ERRCODE_DATATYPE_MISMATCH,
                             "column \"%s\" holds an embedding and must be of type vector", col->name);
    if (!expr_text)
        return sql_error_set(err, ERRCODE_SYNTAX_ERROR, "EMBEDDING OF needs an expression");
    EmbedReg *r;
    if (embed_reg_get(s->eng->embed, s->db_oid, ce, &r, err) != 0)
        return -1;
    int dims = embedder_dims(r->e);
    embed_reg_release(s->eng->embed, r);
    if (col->typmod <= 0)
        col->typmod = dims;
    if (col->typmod != dims)
        return sql_error_set(err, ERRCODE_DATA_EXCEPTION, "column \"%s\" has %d dimensions but embedder \"%s\" produces %d",
                             col->name, col->typmod, ce->name, dims);
    col->embed_expr = (char *)expr_text;
    col->embed_embedder = ce->oid;
    return 0;
}

int embed_ddl_after_column(SqlSession *s, Oid reloid, int16_t attnum, SqlError *err)
{
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    int rc = -1;
    ShaleArena a;
    shale_arena_init(&a);
    ShaleBuf sql, key;
    shale_buf_init(&sql);
    shale_buf_init(&key);
    const CatRelation *rel = catsnap_relation_by_oid(cat, reloid);
    const CatIndex *pk = rel ? catrel_primary_index(rel) : NULL;
    if (!rel || !embed_is_column(rel, attnum - 1)) {
        rc = 0;
        goto out;
    }
    if (!pk) {
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "EMBEDDING OF columns need a table with a primary key");
        goto out;
    }
    shale_buf_append(&sql, "SELECT ", 7);
    for (int i = 0; i < pk->ncols; i++) {
        sql_deparse_ident(rel->cols[pk->attnums[i] - 1].name, &sql);
        shale_buf_append(&sql, ", ", 2);
    }
    const char *ex = rel->cols[attnum - 1].embed_expr;
    shale_buf_append(&sql, "((", 2);
    shale_buf_append(&sql, ex, strlen(ex));
    shale_buf_append(&sql, ")::text) FROM ONLY ", 19);
    const CatNamespace *ns = catsnap_namespace_by_oid(cat, rel->nsp);
    if (ns) {
        sql_deparse_ident(ns->name, &sql);
        shale_buf_append_byte(&sql, '.');
    }
    sql_deparse_ident(rel->name, &sql);
    shale_buf_append_byte(&sql, '\0');
    if (sql.oom) {
        SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    SqlRawStmt raw;
    PreparedQuery *q;
    QueryCursor *c = NULL;
    if (sql_parse_one(sql.data, sql.len - 1, &a, &raw, err) != 0 ||
        query_prepare(&env, raw.stmt, sql.data, 0, NULL, &a, &q, err) != 0 || query_open(&env, q, NULL, &a, &c, err) != 0)
        goto out;
    EmbedJobRef ref = { s->db_oid, rel->oid, rel->relfilenode, attnum };
    int64_t now = embed_now_us();
    const Value *row;
    int r;
    while ((r = query_next(c, &row, err)) == 1) {
        const Value *tv = &row[pk->ncols];
        if (tv->null)
            continue;
        shale_buf_reset(&key);
        embed_job_prefix(&key, s->db_oid, rel->relfilenode, attnum);
        size_t pre = key.len;
        ShaleBuf rk;
        shale_buf_init(&rk);
        if (rel_encode_index_values(rel, NULL, row, pk->ncols, &rk, err) != 0) {
            shale_buf_free(&rk);
            r = -1;
            break;
        }
        shale_buf_append(&key, rk.data, rk.len);
        shale_buf_free(&rk);
        (void)pre;
        EmbedJob j;
        memset(&j, 0, sizeof j);
        j.status = EMBED_JOB_PENDING;
        j.hash = embed_content_hash(tv->u.s.p, tv->u.s.n);
        j.embedder = rel->cols[attnum - 1].embed_embedder;
        j.enqueued_at = j.updated_at = now;
        if (key.oom || embed_txn_write(s, &ref, key.data, key.len, &j, EMBED_ORIG_NONE, tv->u.s.p, tv->u.s.n, err) != 0) {
            if (key.oom)
                SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            r = -1;
            break;
        }
    }
    query_close(c);
    rc = r < 0 ? -1 : 0;
out:
    shale_buf_free(&sql);
    shale_buf_free(&key);
    shale_arena_destroy(&a);
    catalog_snapshot_release(cat);
    return rc;
}

/* True when the EMBEDDING OF expression of column c of rel binds (prepared, not run). */
static bool expr_binds(SqlSession *s, const QueryEnv *env, const CatRelation *rel, int c)
{
    (void)s;
    ShaleArena a;
    shale_arena_init(&a);
    ShaleBuf sql;
    shale_buf_init(&sql);
    shale_buf_append(&sql, "SELECT ((", 9);
    shale_buf_append(&sql, rel->cols[c].embed_expr, strlen(rel->cols[c].embed_expr));
    shale_buf_append(&sql, ")::text) FROM ONLY ", 19);
    const CatNamespace *ns = catsnap_namespace_by_oid(env->cat, rel->nsp);
    if (ns) {
        sql_deparse_ident(ns->name, &sql);
        shale_buf_append_byte(&sql, '.');
    }
    sql_deparse_ident(rel->name, &sql);
    shale_buf_append_byte(&sql, '\0');
    SqlRawStmt raw;
    PreparedQuery *q;
    SqlError e;
    sql_error_clear(&e);
    bool ok = !sql.oom && sql_parse_one(sql.data, sql.len - 1, &a, &raw, &e) == 0 &&
              query_prepare((QueryEnv *)env, raw.stmt, sql.data, 0, NULL, &a, &q, &e) == 0;
    shale_buf_free(&sql);
    shale_arena_destroy(&a);
    return ok;
}

int embed_ddl_column_changed(SqlSession *s, const CatRelation *old_rel, const char *colname, bool drop, bool cascade,
                             const SqlSink *sink, SqlError *err)
{
    const CatColumn *oc = catrel_column_by_name(old_rel, colname);
    if (drop && oc && oc->embed_expr && delete_jobs(s, old_rel, oc->attnum, err) != 0)
        return -1;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(s, &env, &cat, err) != 0)
        return -1;
    int rc = 0;
    const CatRelation *rel = catsnap_relation_by_oid(cat, old_rel->oid);
    CatRelation *copy = NULL;
    ShaleArena a;
    shale_arena_init(&a);
    for (int c = 0; rel && c < rel->ncols && rc == 0; c++) {
        if (!embed_is_column(rel, c) || expr_binds(s, &env, rel, c))
            continue;
        if (!drop) {
            rc = sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED,
                               "cannot rename column \"%s\": the EMBEDDING OF expression of column \"%s\" uses it",
                               colname, rel->cols[c].name);
        } else if (!cascade) {
            rc = sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                               "cannot drop column %s of table %s because other objects depend on it", colname,
                               rel->name);
            sql_error_detail(err, "embedding of column %s of table %s depends on column %s of table %s",
                             rel->cols[c].name, rel->name, colname, rel->name);
            sql_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
        } else {
            notice(sink, "drop cascades to embedding of column %s of table %s", rel->cols[c].name, rel->name);
            if (!copy && !(copy = catrel_copy(&a, rel)))
                rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            if (copy) {
                copy->cols[c].embed_expr = NULL;
                copy->cols[c].embed_embedder = 0;
                rc = delete_jobs(s, rel, rel->cols[c].attnum, err);
            }
        }
    }
    if (rc == 0 && copy)
        rc = catalog_alter_relation(rel_db_catalog(s->eng->rdb), rel_txn_catalog(s->txn), s->db_oid, rel, copy, err);
    shale_arena_destroy(&a);
    catalog_snapshot_release(cat);
    return rc;
}

int embed_ddl_alter_embedding(SqlSession *s, const CatRelation *rel, const char *colname, const char *embedder,
                              const char *expr_text, SqlError *err)
{
    const CatColumn *col = catrel_column_by_name(rel, colname);
    if (!col)
        return sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" of relation \"%s\" does not exist", colname,
                             rel->name);
    if (!embedder && !col->embed_expr)
        return sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "column \"%s\" of relation \"%s\" has no embedding", colname,
                             rel->name);
    Catalog *cat = rel_db_catalog(s->eng->rdb);
    CatTxn *ct = rel_txn_catalog(s->txn);
    CatSnapshot *snap;
    if (catalog_snapshot(cat, ct, s->db_oid, &snap, err) != 0)
        return -1;
    ShaleArena a;
    shale_arena_init(&a);
    int rc = 0;
    int16_t att = col->attnum;
    CatRelation *copy = catrel_copy(&a, rel);
    char *ex = NULL;
    if (!copy || (expr_text && !(ex = shale_arena_alloc(&a, strlen(expr_text) + 1))))
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (rc == 0 && col->embed_expr)
        rc = delete_jobs(s, rel, att, err);
    if (rc == 0) {
        CatColumn *cc = &copy->cols[att - 1];
        if (embedder) {
            memcpy(ex, expr_text, strlen(expr_text) + 1);
            rc = embed_ddl_column(s, snap, cc, embedder, ex, err);
        } else {
            cc->embed_expr = NULL;
            cc->embed_embedder = 0;
        }
    }
    if (rc == 0)
        rc = catalog_alter_relation(cat, ct, s->db_oid, rel, copy, err);
    shale_arena_destroy(&a);
    catalog_snapshot_release(snap);
    if (rc == 0 && embedder)
        rc = embed_ddl_after_column(s, rel->oid, att, err);
    return rc;
}
