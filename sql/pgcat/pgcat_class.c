/* pgcat_class.c -- the relation catalogs, generated from the statement's catalog snapshot:
 * pg_namespace, pg_class (tables, views, sequences, indexes and the virtual catalog tables
 * themselves), pg_attribute, pg_attrdef, pg_index, pg_constraint, pg_sequence, pg_depend,
 * pg_description and pg_shdescription. */
#include <stdio.h>
#include <string.h>

#include "facets/relational/relational.h"
#include "sql/pgcat/pgcat_dump.h"
#include "sql/pgcat/pgcat_int.h"

#define ROW_INIT(tab) \
    PgRow r; \
    pgrow_init(&r, PGCAT_TAB_##tab, env, arena, emit, arg, err)

int pgcat_rows_pg_namespace(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_NAMESPACE);
    int n = catsnap_n_namespaces(env->cat);
    for (int i = 0; i < n; i++) {
        const CatNamespace *ns = catsnap_namespace(env->cat, i);
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_NAMESPACE_OID, ns->oid);
        pgrow_str(&r, PGCAT_PG_NAMESPACE_NSPNAME, ns->name);
        pgrow_int(&r, PGCAT_PG_NAMESPACE_NSPOWNER, ns->owner);
        /* NULL = the default, as PostgreSQL; the public schema shows its initial ACL */
        if (ns->acl || strcmp(ns->name, "public") == 0) {
            PgCatAcl acl;
            if (pgcat_acl_load(ns->acl, 'n', ns->owner, true, &acl) == 0 &&
                pgcat_acl_value(env, &acl, arena, &r.vals[PGCAT_PG_NAMESPACE_NSPACL], err) != 0)
                return -1;
        }
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

/* ---- pg_class -------------------------------------------------------------------------- */

static int count_checks(const CatRelation *rel)
{
    int n = 0;
    for (int i = 0; i < rel->ncons; i++)
        n += rel->cons[i].type == CAT_CON_CHECK;
    return n;
}

/* Foreign keys are triggers in PostgreSQL: both sides have relhastriggers. */
static bool has_fk_triggers(const QueryEnv *env, const CatRelation *rel)
{
    for (int i = 0; i < rel->ncons; i++)
        if (rel->cons[i].type == CAT_CON_FOREIGN)
            return true;
    const CatRelation *rels[1];
    const CatConstraint *cons[1];
    return catsnap_referencing_fks(env->cat, rel->oid, rels, cons, 1) > 0;
}

static void class_common(PgRow *r, Oid oid, const char *name, Oid nsp, Oid owner, char kind, int natts)
{
    pgrow_clear(r);
    pgrow_int(r, PGCAT_PG_CLASS_OID, oid);
    pgrow_str(r, PGCAT_PG_CLASS_RELNAME, name);
    pgrow_int(r, PGCAT_PG_CLASS_RELNAMESPACE, nsp);
    pgrow_int(r, PGCAT_PG_CLASS_RELTYPE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELOFTYPE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELOWNER, owner);
    pgrow_int(r, PGCAT_PG_CLASS_RELAM, kind == 'r' ? PGCAT_AM_HEAP : 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELFILENODE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELTABLESPACE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELPAGES, 0);
    pgrow_float(r, PGCAT_PG_CLASS_RELTUPLES, -1);
    pgrow_int(r, PGCAT_PG_CLASS_RELALLVISIBLE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELTOASTRELID, 0);
    pgrow_bool(r, PGCAT_PG_CLASS_RELHASINDEX, false);
    pgrow_bool(r, PGCAT_PG_CLASS_RELISSHARED, false);
    pgrow_char(r, PGCAT_PG_CLASS_RELPERSISTENCE, 'p');
    pgrow_char(r, PGCAT_PG_CLASS_RELKIND, kind);
    pgrow_int(r, PGCAT_PG_CLASS_RELNATTS, natts);
    pgrow_int(r, PGCAT_PG_CLASS_RELCHECKS, 0);
    pgrow_bool(r, PGCAT_PG_CLASS_RELHASRULES, kind == 'v');
    pgrow_bool(r, PGCAT_PG_CLASS_RELHASTRIGGERS, false);
    pgrow_bool(r, PGCAT_PG_CLASS_RELHASSUBCLASS, false);
    pgrow_bool(r, PGCAT_PG_CLASS_RELROWSECURITY, false);
    pgrow_bool(r, PGCAT_PG_CLASS_RELFORCEROWSECURITY, false);
    pgrow_bool(r, PGCAT_PG_CLASS_RELISPOPULATED, true);
    pgrow_char(r, PGCAT_PG_CLASS_RELREPLIDENT, kind == 'r' ? 'd' : 'n');
    pgrow_bool(r, PGCAT_PG_CLASS_RELISPARTITION, false);
    pgrow_int(r, PGCAT_PG_CLASS_RELREWRITE, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELFROZENXID, 0);
    pgrow_int(r, PGCAT_PG_CLASS_RELMINMXID, 0);
}

static bool shared_catalog(Oid oid)
{
    return oid == 1262 || oid == 1260 || oid == 1213 || oid == 2396 || oid == 1261;
}

int pgcat_rows_pg_class(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_CLASS);
    for (int i = 0; i < PGCAT_TAB__COUNT; i++) {
        const PgCatTable *t = &pgcat_tables[i];
        Oid nsp = strcmp(t->schema, "pg_catalog") ? CAT_OID_INFORMATION_SCHEMA_NSP : CAT_OID_PG_CATALOG_NSP;
        class_common(&r, t->oid, t->name, nsp, CAT_OID_BOOTSTRAP_SUPERUSER, t->relkind, t->ncols);
        if (t->relkind == 'r')
            pgrow_int(&r, PGCAT_PG_CLASS_RELFILENODE, t->oid);
        pgrow_bool(&r, PGCAT_PG_CLASS_RELISSHARED, shared_catalog(t->oid));
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        class_common(&r, rel->oid, rel->name, rel->nsp, rel->owner, rel->kind, rel->ncols);
        if (rel->acl) {
            PgCatAcl acl;
            if (pgcat_acl_load(rel->acl, rel->kind == CAT_REL_SEQUENCE ? 's' : 'r', rel->owner, false, &acl) == 0 &&
                pgcat_acl_value(env, &acl, arena, &r.vals[PGCAT_PG_CLASS_RELACL], err) != 0)
                return -1;
        }
        if (rel->kind == CAT_REL_TABLE) {
            pgrow_int(&r, PGCAT_PG_CLASS_RELFILENODE, rel->relfilenode);
            pgrow_bool(&r, PGCAT_PG_CLASS_RELHASINDEX, rel->nindexes > 0);
            pgrow_int(&r, PGCAT_PG_CLASS_RELCHECKS, count_checks(rel));
            pgrow_bool(&r, PGCAT_PG_CLASS_RELHASTRIGGERS, has_fk_triggers(env, rel));
            if (env->rdb) {
                int64_t est = rel_table_row_estimate(env->rdb, catsnap_db(env->cat), rel);
                if (est > 0)
                    pgrow_float(&r, PGCAT_PG_CLASS_RELTUPLES, (double)est);
            }
        } else if (rel->kind == CAT_REL_SEQUENCE) {
            pgrow_int(&r, PGCAT_PG_CLASS_RELFILENODE, rel->relfilenode);
            pgrow_float(&r, PGCAT_PG_CLASS_RELTUPLES, 1);
            pgrow_int(&r, PGCAT_PG_CLASS_RELNATTS, 3);
        }
        if (pgrow_emit(&r) != 0)
            return -1;
        for (int j = 0; j < rel->nindexes; j++) {
            const CatIndex *idx = &rel->indexes[j];
            class_common(&r, idx->oid, idx->name, rel->nsp, rel->owner, 'i', idx->ncols);
            pgrow_int(&r, PGCAT_PG_CLASS_RELAM, pgcat_am_oid(idx->am));
            pgrow_int(&r, PGCAT_PG_CLASS_RELFILENODE, idx->oid);
            pgrow_float(&r, PGCAT_PG_CLASS_RELTUPLES, 0);
            if (idx->n_options > 0) {
                const char *opts[32];
                int no = idx->n_options < 32 ? idx->n_options : 32;
                for (int k = 0; k < no; k++) {
                    size_t kl = strlen(idx->opt_keys[k]), vl = strlen(idx->opt_values[k]);
                    char *s = shale_arena_alloc(arena, kl + vl + 2);
                    if (!s)
                        r.oom = true;
                    else
                        snprintf(s, kl + vl + 2, "%s=%s", idx->opt_keys[k], idx->opt_values[k]);
                    opts[k] = s ? s : "";
                }
                pgrow_text_array(&r, PGCAT_PG_CLASS_RELOPTIONS, TEXTOID, no, opts);
            }
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- pg_attribute -------------------------------------------------------------------- */

static void attr_row(PgRow *r, Oid rel, const char *name, int attnum, Oid type, int32_t typmod)
{
    const TypeInfo *ti = type_info(type);
    pgrow_clear(r);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTRELID, rel);
    pgrow_str(r, PGCAT_PG_ATTRIBUTE_ATTNAME, name);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTTYPID, type);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTSTATTARGET, -1);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTLEN, ti ? ti->len : -1);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTNUM, attnum);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTNDIMS, types_is_array(type) ? 1 : 0);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTCACHEOFF, -1);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTTYPMOD, typmod);
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTBYVAL, ti ? ti->byval : false);
    pgrow_char(r, PGCAT_PG_ATTRIBUTE_ATTALIGN, pgcat_type_align(type));
    pgrow_char(r, PGCAT_PG_ATTRIBUTE_ATTSTORAGE, pgcat_type_storage(type));
    pgrow_char(r, PGCAT_PG_ATTRIBUTE_ATTCOMPRESSION, '\0');
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTNOTNULL, false);
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTHASDEF, false);
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTHASMISSING, false);
    pgrow_char(r, PGCAT_PG_ATTRIBUTE_ATTIDENTITY, '\0');
    pgrow_char(r, PGCAT_PG_ATTRIBUTE_ATTGENERATED, '\0');
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTISDROPPED, false);
    pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTISLOCAL, true);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTINHCOUNT, 0);
    pgrow_int(r, PGCAT_PG_ATTRIBUTE_ATTCOLLATION, pgcat_type_collation(type));
}

/* Sequences are relations with three columns in PostgreSQL. */
static int attr_sequence(PgRow *r, const CatRelation *rel)
{
    static const char *const names[3] = {"last_value", "log_cnt", "is_called"};
    static const Oid types[3] = {INT8OID, INT8OID, BOOLOID};
    for (int i = 0; i < 3; i++) {
        attr_row(r, rel->oid, names[i], i + 1, types[i], -1);
        pgrow_bool(r, PGCAT_PG_ATTRIBUTE_ATTNOTNULL, true);
        if (pgrow_emit(r) != 0)
            return -1;
    }
    return 0;
}

int pgcat_rows_pg_attribute(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_ATTRIBUTE);
    for (int i = 0; i < PGCAT_TAB__COUNT; i++) {
        const PgCatTable *t = &pgcat_tables[i];
        for (int c = 0; c < t->ncols; c++) {
            attr_row(&r, t->oid, t->cols[c].name, c + 1, t->cols[c].type, t->cols[c].typmod);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind == CAT_REL_SEQUENCE) {
            if (attr_sequence(&r, rel) != 0)
                return -1;
            continue;
        }
        for (int c = 0; c < rel->ncols; c++) {
            const CatColumn *col = &rel->cols[c];
            if (col->dropped) {
                attr_row(&r, rel->oid, NULL, c + 1, 0, -1);
                pgrow_strf(&r, PGCAT_PG_ATTRIBUTE_ATTNAME, "........pg.dropped.%d........", c + 1);
                pgrow_bool(&r, PGCAT_PG_ATTRIBUTE_ATTISDROPPED, true);
                pgrow_int(&r, PGCAT_PG_ATTRIBUTE_ATTCOLLATION, 0);
            } else {
                attr_row(&r, rel->oid, col->name, c + 1, col->type, col->typmod);
                pgrow_bool(&r, PGCAT_PG_ATTRIBUTE_ATTNOTNULL, col->not_null);
                pgrow_bool(&r, PGCAT_PG_ATTRIBUTE_ATTHASDEF, col->default_expr != NULL && col->identity == '\0');
                pgrow_bool(&r, PGCAT_PG_ATTRIBUTE_ATTHASMISSING, col->missing.type != 0 && !col->missing.null);
                pgrow_char(&r, PGCAT_PG_ATTRIBUTE_ATTIDENTITY, col->identity);
                pgrow_char(&r, PGCAT_PG_ATTRIBUTE_ATTGENERATED, col->generated);
                if (col->collation)
                    pgrow_int(&r, PGCAT_PG_ATTRIBUTE_ATTCOLLATION, col->collation);
            }
            if (pgrow_emit(&r) != 0)
                return -1;
        }
        for (int j = 0; j < rel->nindexes; j++) {
            const CatIndex *idx = &rel->indexes[j];
            for (int c = 0; c < idx->ncols; c++) {
                int a = idx->attnums[c];
                if (a >= 1 && a <= rel->ncols) {
                    attr_row(&r, idx->oid, rel->cols[a - 1].name, c + 1, rel->cols[a - 1].type,
                             rel->cols[a - 1].typmod);
                } else {
                    /* Expression columns: named after the function, or "expr"; their type
                     * is not known here (no expression typing), text is assumed. */
                    char nm[64];
                    pgcat_index_expr_name(idx->exprs && idx->exprs[c] ? idx->exprs[c] : "", nm, sizeof nm);
                    attr_row(&r, idx->oid, NULL, c + 1, TEXTOID, -1);
                    pgrow_strf(&r, PGCAT_PG_ATTRIBUTE_ATTNAME, "%s", nm);
                }
                pgrow_int(&r, PGCAT_PG_ATTRIBUTE_ATTSTATTARGET, -1);
                if (pgrow_emit(&r) != 0)
                    return -1;
            }
        }
    }
    return 0;
}

int pgcat_rows_pg_attrdef(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_ATTRDEF);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int c = 0; c < rel->ncols; c++) {
            const CatColumn *col = &rel->cols[c];
            if (col->dropped || !col->default_expr || col->identity)
                continue;
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_ATTRDEF_OID, pgcat_attrdef_oid(rel->oid, c + 1));
            pgrow_int(&r, PGCAT_PG_ATTRDEF_ADRELID, rel->oid);
            pgrow_int(&r, PGCAT_PG_ATTRDEF_ADNUM, c + 1);
            /* adbin holds the SQL text (PostgreSQL: a node tree); pg_get_expr prints it. */
            ShaleBuf b;
            shale_buf_init(&b);
            pgcat_default_expr(col, &b);
            pgrow_buf(&r, PGCAT_PG_ATTRDEF_ADBIN, &b);
            shale_buf_free(&b);
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- pg_index ------------------------------------------------------------------------ */

int pgcat_rows_pg_index(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_INDEX);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->nindexes; j++) {
            const CatIndex *idx = &rel->indexes[j];
            const CatConstraint *con = pgcat_index_con(rel, idx->oid);
            int64_t keys[64], colls[64], classes[64], opts[64];
            int nc = idx->ncols < 64 ? idx->ncols : 64;
            ShaleBuf exprs;
            shale_buf_init(&exprs);
            for (int c = 0; c < nc; c++) {
                int a = idx->attnums[c];
                keys[c] = a;
                Oid t = a >= 1 && a <= rel->ncols ? rel->cols[a - 1].type : TEXTOID;
                colls[c] = pgcat_type_collation(t);
                classes[c] = 0;
                opts[c] = idx->col_flags ? idx->col_flags[c] : 0;
                if (a == 0 && idx->exprs && idx->exprs[c]) {
                    if (exprs.len)
                        shale_buf_append(&exprs, " ", 1);
                    pgcat_expr(idx->exprs[c], &exprs);
                }
            }
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_INDEX_INDEXRELID, idx->oid);
            pgrow_int(&r, PGCAT_PG_INDEX_INDRELID, rel->oid);
            pgrow_int(&r, PGCAT_PG_INDEX_INDNATTS, nc);
            pgrow_int(&r, PGCAT_PG_INDEX_INDNKEYATTS, nc);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISUNIQUE, idx->unique);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDNULLSNOTDISTINCT, idx->nulls_not_distinct);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISPRIMARY, idx->primary);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISEXCLUSION, false);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDIMMEDIATE, !(con && con->deferrable));
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISCLUSTERED, false);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISVALID, idx->valid);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDCHECKXMIN, false);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISREADY, true);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISLIVE, true);
            pgrow_bool(&r, PGCAT_PG_INDEX_INDISREPLIDENT, false);
            pgrow_int_array(&r, PGCAT_PG_INDEX_INDKEY, INT2OID, 0, nc, keys);
            pgrow_int_array(&r, PGCAT_PG_INDEX_INDCOLLATION, OIDOID, 0, nc, colls);
            pgrow_int_array(&r, PGCAT_PG_INDEX_INDCLASS, OIDOID, 0, nc, classes);
            pgrow_int_array(&r, PGCAT_PG_INDEX_INDOPTION, INT2OID, 0, nc, opts);
            if (exprs.len)
                pgrow_buf(&r, PGCAT_PG_INDEX_INDEXPRS, &exprs);
            shale_buf_free(&exprs);
            if (idx->predicate) {
                ShaleBuf b;
                shale_buf_init(&b);
                pgcat_expr(idx->predicate, &b);
                pgrow_buf(&r, PGCAT_PG_INDEX_INDPRED, &b);
                shale_buf_free(&b);
            }
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- pg_constraint --------------------------------------------------------------------- */

int pgcat_rows_pg_constraint(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_CONSTRAINT);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type == CAT_CON_NOT_NULL)
                continue;                /* PostgreSQL 15 keeps NOT NULL in pg_attribute only */
            bool fk = con->type == CAT_CON_FOREIGN;
            pgrow_clear(&r);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_OID, con->oid);
            pgrow_str(&r, PGCAT_PG_CONSTRAINT_CONNAME, con->name);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONNAMESPACE, rel->nsp);
            pgrow_char(&r, PGCAT_PG_CONSTRAINT_CONTYPE, con->type);
            pgrow_bool(&r, PGCAT_PG_CONSTRAINT_CONDEFERRABLE, con->deferrable);
            pgrow_bool(&r, PGCAT_PG_CONSTRAINT_CONDEFERRED, con->deferred);
            pgrow_bool(&r, PGCAT_PG_CONSTRAINT_CONVALIDATED, con->validated);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONRELID, rel->oid);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONTYPID, 0);
            const CatIndex *cidx = con->type == CAT_CON_PRIMARY || con->type == CAT_CON_UNIQUE ? pgcat_con_index(rel, con) : NULL;
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONINDID, cidx ? cidx->oid : fk ? con->index_oid : 0);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONPARENTID, 0);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONFRELID, fk ? con->ref_rel : 0);
            pgrow_char(&r, PGCAT_PG_CONSTRAINT_CONFUPDTYPE, fk ? con->on_update : ' ');
            pgrow_char(&r, PGCAT_PG_CONSTRAINT_CONFDELTYPE, fk ? con->on_delete : ' ');
            pgrow_char(&r, PGCAT_PG_CONSTRAINT_CONFMATCHTYPE, fk ? con->match_type : ' ');
            pgrow_bool(&r, PGCAT_PG_CONSTRAINT_CONISLOCAL, true);
            pgrow_int(&r, PGCAT_PG_CONSTRAINT_CONINHCOUNT, 0);
            pgrow_bool(&r, PGCAT_PG_CONSTRAINT_CONNOINHERIT, con->type != CAT_CON_CHECK);
            int64_t keys[64];
            int nk = 0;
            if (con->type == CAT_CON_CHECK) {
                int16_t a[64];
                nk = con->check_expr ? pgcat_expr_columns(rel, con->check_expr, a, 64) : 0;
                for (int k = 0; k < nk; k++)
                    keys[k] = a[k];
            } else {
                nk = con->ncols < 64 ? con->ncols : 64;
                for (int k = 0; k < nk; k++)
                    keys[k] = con->attnums[k];
            }
            if (nk > 0 || con->type != CAT_CON_CHECK)
                pgrow_int_array(&r, PGCAT_PG_CONSTRAINT_CONKEY, INT2OID, 1, nk, keys);
            if (fk) {
                for (int k = 0; k < nk; k++)
                    keys[k] = con->ref_attnums[k];
                pgrow_int_array(&r, PGCAT_PG_CONSTRAINT_CONFKEY, INT2OID, 1, nk, keys);
            }
            if (con->type == CAT_CON_CHECK && con->check_expr) {
                ShaleBuf b;
                shale_buf_init(&b);
                pgcat_expr(con->check_expr, &b);
                pgrow_buf(&r, PGCAT_PG_CONSTRAINT_CONBIN, &b);
                shale_buf_free(&b);
            }
            if (pgrow_emit(&r) != 0)
                return -1;
        }
    }
    return 0;
}

/* ---- pg_sequence, pg_depend -------------------------------------------------------------- */

int pgcat_rows_pg_sequence(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_SEQUENCE);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind != CAT_REL_SEQUENCE)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQRELID, rel->oid);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQTYPID, rel->seq.type);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQSTART, rel->seq.start);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQINCREMENT, rel->seq.increment);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQMAX, rel->seq.max);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQMIN, rel->seq.min);
        pgrow_int(&r, PGCAT_PG_SEQUENCE_SEQCACHE, rel->seq.cache);
        pgrow_bool(&r, PGCAT_PG_SEQUENCE_SEQCYCLE, rel->seq.cycle);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}

static int depend_row(PgRow *r, Oid classid, Oid objid, int objsub, Oid refclass, Oid refobj, int refsub, char type)
{
    pgrow_clear(r);
    pgrow_int(r, PGCAT_PG_DEPEND_CLASSID, classid);
    pgrow_int(r, PGCAT_PG_DEPEND_OBJID, objid);
    pgrow_int(r, PGCAT_PG_DEPEND_OBJSUBID, objsub);
    pgrow_int(r, PGCAT_PG_DEPEND_REFCLASSID, refclass);
    pgrow_int(r, PGCAT_PG_DEPEND_REFOBJID, refobj);
    pgrow_int(r, PGCAT_PG_DEPEND_REFOBJSUBID, refsub);
    pgrow_char(r, PGCAT_PG_DEPEND_DEPTYPE, type);
    return pgrow_emit(r);
}

/* The dependencies tools read: sequences owned by columns ('a' serial, 'i' identity),
 * indexes owned by their constraints ('i'), defaults and constraints on their table ('a'). */
int pgcat_rows_pg_depend(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_DEPEND);
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (rel->kind == CAT_REL_SEQUENCE && rel->seq.owned_by_rel) {
            const CatRelation *owner = catsnap_relation_by_oid(env->cat, rel->seq.owned_by_rel);
            int a = rel->seq.owned_by_col;
            bool identity = owner && a >= 1 && a <= owner->ncols && owner->cols[a - 1].identity;
            if (depend_row(&r, PGCAT_CLASS_PG_CLASS, rel->oid, 0, PGCAT_CLASS_PG_CLASS, rel->seq.owned_by_rel, a,
                           identity ? 'i' : 'a') != 0)
                return -1;
        }
        for (int c = 0; c < rel->ncols; c++) {
            const CatColumn *col = &rel->cols[c];
            if (col->dropped || !col->default_expr || col->identity)
                continue;
            if (depend_row(&r, PGCAT_CLASS_PG_ATTRDEF, pgcat_attrdef_oid(rel->oid, c + 1), 0, PGCAT_CLASS_PG_CLASS,
                           rel->oid, c + 1, 'a') != 0)
                return -1;
        }
        for (int j = 0; j < rel->ncons; j++) {
            const CatConstraint *con = &rel->cons[j];
            if (con->type == CAT_CON_NOT_NULL)
                continue;
            if (depend_row(&r, PGCAT_CLASS_PG_CONSTRAINT, con->oid, 0, PGCAT_CLASS_PG_CLASS, rel->oid, 0, 'a') != 0)
                return -1;
            const CatIndex *cidx = con->type == CAT_CON_PRIMARY || con->type == CAT_CON_UNIQUE ? pgcat_con_index(rel, con) : NULL;
            if (cidx && depend_row(&r, PGCAT_CLASS_PG_CLASS, cidx->oid, 0, PGCAT_CLASS_PG_CONSTRAINT, con->oid, 0, 'i') != 0)
                return -1;
        }
        for (int j = 0; j < rel->nindexes; j++) {
            if (pgcat_index_con(rel, rel->indexes[j].oid))
                continue;
            if (depend_row(&r, PGCAT_CLASS_PG_CLASS, rel->indexes[j].oid, 0, PGCAT_CLASS_PG_CLASS, rel->oid, 0, 'a') != 0)
                return -1;
        }
    }
    return pgcat_dump_depend_rows(env, &r); /* the ones pg_dump orders by (pgcat_dump.c) */
}

/* ---- comments ---------------------------------------------------------------------------- */

static int descr_row(PgRow *r, Oid obj, Oid classoid, int sub, const char *text)
{
    if (!text)
        return 0;
    pgrow_clear(r);
    pgrow_int(r, PGCAT_PG_DESCRIPTION_OBJOID, obj);
    pgrow_int(r, PGCAT_PG_DESCRIPTION_CLASSOID, classoid);
    pgrow_int(r, PGCAT_PG_DESCRIPTION_OBJSUBID, sub);
    pgrow_str(r, PGCAT_PG_DESCRIPTION_DESCRIPTION, text);
    return pgrow_emit(r);
}

int pgcat_rows_pg_description(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_DESCRIPTION);
    int nn = catsnap_n_namespaces(env->cat);
    for (int i = 0; i < nn; i++) {
        const CatNamespace *ns = catsnap_namespace(env->cat, i);
        if (descr_row(&r, ns->oid, PGCAT_CLASS_PG_NAMESPACE, 0, ns->comment) != 0)
            return -1;
    }
    int n = catsnap_n_relations(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRelation *rel = catsnap_relation(env->cat, i);
        if (descr_row(&r, rel->oid, PGCAT_CLASS_PG_CLASS, 0, rel->comment) != 0)
            return -1;
        for (int c = 0; c < rel->ncols; c++)
            if (!rel->cols[c].dropped &&
                descr_row(&r, rel->oid, PGCAT_CLASS_PG_CLASS, c + 1, rel->cols[c].comment) != 0)
                return -1;
        for (int j = 0; j < rel->nindexes; j++)
            if (descr_row(&r, rel->indexes[j].oid, PGCAT_CLASS_PG_CLASS, 0, rel->indexes[j].comment) != 0)
                return -1;
        for (int j = 0; j < rel->ncons; j++)
            if (descr_row(&r, rel->cons[j].oid, PGCAT_CLASS_PG_CONSTRAINT, 0, rel->cons[j].comment) != 0)
                return -1;
    }
    return 0;
}

int pgcat_rows_pg_shdescription(const QueryEnv *env, ShaleArena *arena, PgCatEmit emit, void *arg, SqlError *err)
{
    ROW_INIT(PG_SHDESCRIPTION);
    int n = catsnap_n_databases(env->cat);
    for (int i = 0; i < n; i++) {
        const CatDatabase *d = catsnap_database(env->cat, i);
        if (!d->comment)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_SHDESCRIPTION_OBJOID, d->oid);
        pgrow_int(&r, PGCAT_PG_SHDESCRIPTION_CLASSOID, PGCAT_CLASS_PG_DATABASE);
        pgrow_str(&r, PGCAT_PG_SHDESCRIPTION_DESCRIPTION, d->comment);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    n = catsnap_n_roles(env->cat);
    for (int i = 0; i < n; i++) {
        const CatRole *ro = catsnap_role(env->cat, i);
        if (!ro->comment)
            continue;
        pgrow_clear(&r);
        pgrow_int(&r, PGCAT_PG_SHDESCRIPTION_OBJOID, ro->oid);
        pgrow_int(&r, PGCAT_PG_SHDESCRIPTION_CLASSOID, PGCAT_CLASS_PG_AUTHID);
        pgrow_str(&r, PGCAT_PG_SHDESCRIPTION_DESCRIPTION, ro->comment);
        if (pgrow_emit(&r) != 0)
            return -1;
    }
    return 0;
}
