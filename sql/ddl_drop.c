/* ddl_drop.c -- DROP TABLE / VIEW / SEQUENCE / INDEX / SCHEMA / EMBEDDER and friends: name
 * resolution with IF EXISTS notices, dependency checks (foreign keys, views reading the
 * relation, sequences owned by it) with PostgreSQL's 2BP01 details, and CASCADE, which drops
 * the dependents first and announces them. Storage is purged after commit (catalog_purge). */
#include "sql/acl.h"
#include "sql/ddl_int.h"
#include "sql/vecindex.h"

#include "sql/embed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *kind_word(char kind)
{
    return kind == CAT_REL_VIEW ? "view" : kind == CAT_REL_SEQUENCE ? "sequence" : "table";
}

/* The views of the database that name rel directly (query_relation_deps), up to cap. */
static int drop_dependent_views(DdlCtx *d, const CatRelation *rel, Oid *views, int cap)
{
    int nv = 0;
    QueryEnv env;
    CatSnapshot *cat;
    SqlError e;
    memset(&e, 0, sizeof e);
    if (session_query_env(d->s, &env, &cat, &e) != 0) {
        sql_error_clear(&e);
        return 0;
    }
    for (int k = 0; k < catsnap_n_relations(d->snap) && nv < cap; k++) {
        const CatRelation *v = catsnap_relation(d->snap, k);
        if (v->kind != CAT_REL_VIEW || v->oid == rel->oid || !v->view_query)
            continue;
        Oid deps[64];
        int nd = 0;
        if (query_relation_deps(&env, v->view_query, deps, 64, &nd, &e) != 0) {
            sql_error_clear(&e);   /* a view that no longer binds names nothing we can tell */
            continue;
        }
        for (int i = 0; i < nd && i < 64; i++)
            if (deps[i] == rel->oid) {
                views[nv++] = v->oid;
                break;
            }
    }
    catalog_snapshot_release(cat);
    return nv;
}

static void dep_views_dfs(DdlCtx *d, Oid cur, Oid *views, Oid *on, int *nv, int depth)
{
    const CatRelation *cr = catsnap_relation_by_oid(d->snap, cur);
    if (!cr || depth > 16)
        return;
    Oid found[32];
    int nf = drop_dependent_views(d, cr, found, 32);
    for (int i = 0; i < nf && *nv < 32; i++) {
        bool seen = false;
        for (int k = 0; k < *nv; k++)
            seen |= views[k] == found[i];
        if (seen)
            continue;
        views[*nv] = found[i];
        on[*nv] = cur;
        (*nv)++;
        dep_views_dfs(d, found[i], views, on, nv, depth + 1);
    }
}

/* Drops rel and the sequences it owns. With cascade, foreign keys of other tables that
 * reference rel go too; without, they make the drop fail (2BP01). */
int ddl_drop_relation(DdlCtx *d, const CatRelation *rel, bool cascade, const SqlSink *sink, SqlError *err)
{
    /* Views reading rel: without CASCADE they make the drop fail (2BP01, one line each);
     * with it they are dropped first ("drop cascades to view v"). */
    if (rel->kind == CAT_REL_TABLE || rel->kind == CAT_REL_VIEW) {
        /* depth first, as PostgreSQL reports them: each view, then the views reading it */
        Oid views[32], on[32];
        int nv = 0;
        dep_views_dfs(d, rel->oid, views, on, &nv, 0);
        if (nv > 0) {
            ShaleBuf dep;
            shale_buf_init(&dep);
            for (int i = 0; i < nv; i++) {
                const CatRelation *v = catsnap_relation_by_oid(d->snap, views[i]);
                const CatRelation *o = catsnap_relation_by_oid(d->snap, on[i]);
                char line[400];
                int len = cascade ? snprintf(line, sizeof line, "%sdrop cascades to view %s", i ? "\n" : "", v ? v->name : "?")
                                  : snprintf(line, sizeof line, "%sview %s depends on %s %s", i ? "\n" : "", v ? v->name : "?",
                                             kind_word(o ? o->kind : rel->kind), o ? o->name : rel->name);
                shale_buf_append(&dep, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
            }
            const char *dl = dep.oom || !dep.data ? "" : dep.data;
            int dn = dep.oom ? 0 : (int)dep.len;
            if (!cascade) {
                sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST, "cannot drop %s %s because other objects depend on it",
                              kind_word(rel->kind), rel->name);
                sql_error_detail(err, "%.*s", dn, dl);
                sql_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
                shale_buf_free(&dep);
                return -1;
            }
            if (sink->notice) {
                SqlError nt;
                if (nv == 1) {
                    sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "%.*s", dn, dl);
                } else {
                    sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "drop cascades to %d other objects", nv);
                    sql_error_detail(&nt, "%.*s", dn, dl);
                }
                nt.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &nt);
            }
            shale_buf_free(&dep);
            SqlSink quiet = *sink;
            quiet.notice = NULL;
            /* each drop refreshes d->snap: rel (from the old snapshot) is stale after it */
            Oid rel_oid = rel->oid;
            for (int i = 0; i < nv; i++) {
                const CatRelation *v = catsnap_relation_by_oid(d->snap, views[i]);
                if (v && ddl_drop_relation(d, v, true, &quiet, err) != 0)
                    return -1;
            }
            const CatRelation *again = catsnap_relation_by_oid(d->snap, rel_oid);
            if (!again)
                return 0;
            rel = again;
        }
    }
    if (rel->kind == CAT_REL_TABLE)
        vecindex_forget_rel(d->s->eng->vreg, d->s->db_oid, rel);
    if (rel->kind == CAT_REL_TABLE) {
        const CatRelation *rels[32];
        const CatConstraint *cons[32];
        int n = catsnap_referencing_fks(d->snap, rel->oid, rels, cons, 32);
        /* without CASCADE: 2BP01 with every dependent constraint listed, one per line */
        ShaleBuf dep;
        shale_buf_init(&dep);
        for (int i = 0; i < n && i < 32; i++) {
            if (rels[i]->oid == rel->oid || cascade)
                continue;
            char line[400];
            int len = snprintf(line, sizeof line, "%sconstraint %s on table %s depends on table %s", dep.len ? "\n" : "",
                               cons[i]->name, rels[i]->name, rel->name);
            shale_buf_append(&dep, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
        }
        if (dep.len) {
            sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                          "cannot drop table %s because other objects depend on it", rel->name);
            sql_error_detail(err, "%.*s", dep.oom ? 0 : (int)dep.len, dep.oom ? "" : dep.data);
            sql_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
            shale_buf_free(&dep);
            return -1;
        }
        /* CASCADE: one notice, "drop cascades to N other objects" + a line each when N > 1 */
        int ndep = 0;
        for (int i = 0; i < n && i < 32; i++) {
            if (rels[i]->oid == rel->oid)
                continue;
            char line[400];
            int len = snprintf(line, sizeof line, "%sdrop cascades to constraint %s on table %s", ndep ? "\n" : "",
                               cons[i]->name, rels[i]->name);
            shale_buf_append(&dep, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
            ndep++;
        }
        if (ndep && sink->notice) {
            SqlError nt;
            if (ndep == 1) {
                sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "%.*s", dep.oom ? 0 : (int)dep.len, dep.oom ? "" : dep.data);
            } else {
                sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "drop cascades to %d other objects", ndep);
                sql_error_detail(&nt, "%.*s", dep.oom ? 0 : (int)dep.len, dep.oom ? "" : dep.data);
            }
            nt.severity = SQL_SEV_NOTICE;
            sink->notice(sink->arg, &nt);
        }
        shale_buf_free(&dep);
        for (int i = 0; i < n && i < 32; i++) {
            if (rels[i]->oid == rel->oid)
                continue;
            CatRelation *copy = catrel_copy(&d->arena, rels[i]);
            if (!copy)
                return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            int o = 0;
            for (int k = 0; k < copy->ncons; k++)
                if (strcmp(copy->cons[k].name, cons[i]->name) != 0)
                    copy->cons[o++] = copy->cons[k];
            copy->ncons = o;
            if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, rels[i], copy, err) != 0)
                return -1;
        }
    }
    /* Owned sequences (serial / identity). */
    Oid owned[64];
    int n_owned = 0;
    for (int i = 0; i < catsnap_n_relations(d->snap) && n_owned < 64; i++) {
        const CatRelation *r = catsnap_relation(d->snap, i);
        if (r->kind == CAT_REL_SEQUENCE && r->seq.owned_by_rel == rel->oid)
            owned[n_owned++] = r->oid;
    }
    Oid oid = rel->oid;
    if (catalog_drop_relation(d->cat, d->ctxn, d->s->db_oid, rel, err) != 0)
        return -1;
    for (int i = 0; i < n_owned; i++) {
        if (ddl_refresh_snap(d, err) != 0)
            return -1;
        const CatRelation *sq = catsnap_relation_by_oid(d->snap, owned[i]);
        if (sq && catalog_drop_relation(d->cat, d->ctxn, d->s->db_oid, sq, err) != 0)
            return -1;
    }
    (void)oid;
    return ddl_refresh_snap(d, err);
}

SqlStatus ddl_exec_drop(DdlCtx *d, const AstDropStmt *ds, const SqlSink *sink, SqlError *err)
{
    bool cascade = ds->behavior == AST_DROP_CASCADE;
    const char *tag = "DROP TABLE";
    if (ds->kind == AST_OBJ_EMBEDDER)
        return embed_ddl_drop_embedder(d->s, ds, sink, err);
    for (int i = 0; i < ds->objects.n; i++) {
        const AstRangeVar *rv = (const AstRangeVar *)ds->objects.items[i];
        switch (ds->kind) {
        case AST_OBJ_TABLE:
        case AST_OBJ_VIEW:
        case AST_OBJ_SEQUENCE: {
            char want = ds->kind == AST_OBJ_TABLE ? CAT_REL_TABLE : ds->kind == AST_OBJ_VIEW ? CAT_REL_VIEW : CAT_REL_SEQUENCE;
            tag = want == CAT_REL_TABLE ? "DROP TABLE" : want == CAT_REL_VIEW ? "DROP VIEW" : "DROP SEQUENCE";
            const CatRelation *rel = ddl_lookup_relation(d, rv);
            if (!rel) {
                if (ds->missing_ok) {
                    ddl_notice_skip(sink, kind_word(want), rv->relname);
                    continue;
                }
                if (want == CAT_REL_TABLE)
                    sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "table \"%s\" does not exist", rv->relname);
                else
                    sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "%s \"%s\" does not exist", kind_word(want), rv->relname);
                return SQL_ERROR;
            }
            if (rel->kind != want) {
                sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "\"%s\" is not a %s", rv->relname, kind_word(want));
                sql_error_hint(err, "Use DROP %s to remove a %s.", rel->kind == CAT_REL_VIEW ? "VIEW" :
                               rel->kind == CAT_REL_SEQUENCE ? "SEQUENCE" : "TABLE", kind_word(rel->kind));
                return SQL_ERROR;
            }
            if (ddl_acl_owner(d, rel, err) != 0)
                return SQL_ERROR;
            if (ddl_drop_relation(d, rel, cascade, sink, err) != 0)
                return SQL_ERROR;
            break;
        }
        case AST_OBJ_INDEX: {
            tag = "DROP INDEX";
            const CatIndex *ix;
            const CatRelation *rel = ddl_lookup_index(d, rv, &ix);
            if (!rel) {
                if (ds->missing_ok) {
                    ddl_notice_skip(sink, "index", rv->relname);
                    continue;
                }
                sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "index \"%s\" does not exist", rv->relname);
                return SQL_ERROR;
            }
            for (int k = 0; k < rel->ncons; k++)
                if (rel->cons[k].index_oid == ix->oid &&
                    (rel->cons[k].type == CAT_CON_PRIMARY || rel->cons[k].type == CAT_CON_UNIQUE)) {
                    sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                                  "cannot drop index %s because constraint %s on table %s requires it",
                                  ix->name, rel->cons[k].name, rel->name);
                    sql_error_hint(err, "You can drop constraint %s on table %s instead.", rel->cons[k].name, rel->name);
                    return SQL_ERROR;
                }
            if (rel_index_is_vector(ix))
                vecreg_forget(d->s->eng->vreg, d->s->db_oid, rel, ix);
            CatRelation *copy = catrel_copy(&d->arena, rel);
            if (!copy)
                return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
            int o = 0;
            for (int k = 0; k < copy->nindexes; k++)
                if (copy->indexes[k].oid != ix->oid)
                    copy->indexes[o++] = copy->indexes[k];
            copy->nindexes = o;
            if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, rel, copy, err) != 0 || ddl_refresh_snap(d, err) != 0)
                return SQL_ERROR;
            break;
        }
        case AST_OBJ_SCHEMA: {
            tag = "DROP SCHEMA";
            const CatNamespace *ns = catsnap_namespace_by_name(d->snap, rv->relname);
            if (!ns) {
                if (ds->missing_ok) {
                    ddl_notice_skip(sink, "schema", rv->relname);
                    continue;
                }
                sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", rv->relname);
                return SQL_ERROR;
            }
            Oid nsp = ns->oid;
            /* the schema's objects (owned sequences go with their tables), qualified, one
             * per line: the 2BP01 detail, or the CASCADE notice as PostgreSQL words them */
            ShaleBuf objs;
            shale_buf_init(&objs);
            int nobj = 0;
            for (int k = 0; k < catsnap_n_relations(d->snap); k++) {
                const CatRelation *r = catsnap_relation(d->snap, k);
                if (r->nsp != nsp || (r->kind == CAT_REL_SEQUENCE && r->seq.owned_by_rel))
                    continue;
                char line[400];
                int len = cascade ? snprintf(line, sizeof line, "%sdrop cascades to %s %s.%s", nobj ? "\n" : "",
                                             kind_word(r->kind), rv->relname, r->name)
                                  : snprintf(line, sizeof line, "%s%s %s.%s depends on schema %s", nobj ? "\n" : "",
                                             kind_word(r->kind), rv->relname, r->name, rv->relname);
                shale_buf_append(&objs, line, (size_t)(len < (int)sizeof line ? len : (int)sizeof line - 1));
                nobj++;
            }
            const char *ol = objs.oom || !objs.data ? "" : objs.data;
            int oln = objs.oom ? 0 : (int)objs.len;
            if (nobj && !cascade) {
                sql_error_set(err, ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST,
                              "cannot drop schema %s because other objects depend on it", rv->relname);
                sql_error_detail(err, "%.*s", oln, ol);
                sql_error_hint(err, "Use DROP ... CASCADE to drop the dependent objects too.");
                shale_buf_free(&objs);
                return SQL_ERROR;
            }
            if (nobj && sink->notice) {
                SqlError nt;
                if (nobj == 1) {
                    sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "%.*s", oln, ol);
                } else {
                    sql_error_set(&nt, ERRCODE_SUCCESSFUL_COMPLETION, "drop cascades to %d other objects", nobj);
                    sql_error_detail(&nt, "%.*s", oln, ol);
                }
                nt.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &nt);
            }
            shale_buf_free(&objs);
            SqlSink quiet = *sink;   /* the objects were announced above */
            quiet.notice = NULL;
            for (int k = catsnap_n_relations(d->snap); k-- > 0;) {
                const CatRelation *r = catsnap_relation(d->snap, k);
                if (r->nsp == nsp && !(r->kind == CAT_REL_SEQUENCE && r->seq.owned_by_rel)) {
                    if (ddl_drop_relation(d, r, true, &quiet, err) != 0)
                        return SQL_ERROR;
                    k = catsnap_n_relations(d->snap);
                }
            }
            ns = catsnap_namespace_by_oid(d->snap, nsp);
            if (ns && catalog_drop_namespace(d->cat, d->ctxn, d->s->db_oid, ns, err) != 0)
                return SQL_ERROR;
            if (ddl_refresh_snap(d, err) != 0)
                return SQL_ERROR;
            break;
        }
        case AST_OBJ_EXTENSION:
            tag = "DROP EXTENSION";
            break;
        default:
            sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "DROP of this kind of object is not supported yet");
            return SQL_ERROR;
        }
    }
    sink->command_complete(sink->arg, tag);
    return SQL_DONE;
}
