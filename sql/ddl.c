/* ddl.c -- DDL statements: CREATE/DROP TABLE, CREATE/DROP INDEX, CREATE/DROP SCHEMA,
 * CREATE/DROP SEQUENCE, TRUNCATE, CREATE EXTENSION, and the helpers the other ddl_*.c files
 * share (ddl_int.h). DROP lives in ddl_drop.c, ALTER TABLE in ddl_alter*.c.
 * Everything goes through the session's transaction, so DDL is transactional. Descriptors
 * are built in a per-statement arena; the catalog serialises them on the spot. */
#include "sql/acl.h"
#include "sql/ddl_int.h"
#include "sql/vecindex.h"

#include "catalog/keycodec.h"
#include "sql/embed.h"
#include "util/coding.h"

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>


char *ddl_strdup(DdlCtx *d, const char *str)
{
    if (!str)
        return NULL;
    size_t n = strlen(str);
    char *p = shale_arena_alloc(&d->arena, n + 1);
    if (p)
        memcpy(p, str, n + 1);
    return p;
}

char *ddl_strndup(DdlCtx *d, const char *str, size_t n)
{
    char *p = shale_arena_alloc(&d->arena, n + 1);
    if (p) {
        memcpy(p, str, n);
        p[n] = '\0';
    }
    return p;
}

static char *ddl_printf(DdlCtx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *ddl_printf(DdlCtx *d, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ddl_strdup(d, buf);
}

int ddl_set_pos(DdlCtx *d, SqlError *err, int location)
{
    if (err && location >= 0)
        err->position = sql_parser_position(d->text, d->text_len, location);
    return -1;
}

/* Refreshes the catalog snapshot after a catalog write in this transaction. */
int ddl_refresh_snap(DdlCtx *d, SqlError *err)
{
    if (d->snap)
        catalog_snapshot_release(d->snap);
    d->snap = NULL;
    return catalog_snapshot(d->cat, d->ctxn, d->s->db_oid, &d->snap, err);
}

/* ---- names ------------------------------------------------------------------------- */

/* The schemas of search_path that exist, in order ("$user" = the session user). */
static int search_path(DdlCtx *d, Oid *out, int max)
{
    int n = 0;
    char buf[SETTING_VALUE_MAX];
    snprintf(buf, sizeof buf, "%s", settings_get(&d->s->settings, SETTING_SEARCH_PATH));
    for (char *tok = strtok(buf, ","); tok && n < max; tok = strtok(NULL, ",")) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (*tok == '"' && end > tok + 1 && end[-1] == '"') {
            end[-1] = '\0';
            tok++;
        }
        const char *name = !strcmp(tok, "$user") ? d->s->user : tok;
        const CatNamespace *ns = catsnap_namespace_by_name(d->snap, name);
        if (ns)
            out[n++] = ns->oid;
    }
    return n;
}

/* Schema for a new object: explicit, else the first existing schema of search_path. */
static int creation_namespace(DdlCtx *d, const AstRangeVar *rv, Oid *nsp, SqlError *err);
int ddl_creation_namespace(DdlCtx *d, const AstRangeVar *rv, Oid *nsp, SqlError *err)
{
    if (creation_namespace(d, rv, nsp, err) != 0)
        return -1;
    return ddl_acl_create_in(d, *nsp, rv->hdr.location, err);   /* ddl_role.c */
}

static int creation_namespace(DdlCtx *d, const AstRangeVar *rv, Oid *nsp, SqlError *err)
{
    if (rv->schema) {
        const CatNamespace *ns = catsnap_namespace_by_name(d->snap, rv->schema);
        if (!ns) {
            sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "schema \"%s\" does not exist", rv->schema);
            return ddl_set_pos(d, err, rv->hdr.location);
        }
        *nsp = ns->oid;
        return 0;
    }
    Oid path[8];
    int n = search_path(d, path, 8);
    for (int i = 0; i < n; i++)
        if (path[i] != CAT_OID_PG_CATALOG_NSP) {
            *nsp = path[i];
            return 0;
        }
    sql_error_set(err, ERRCODE_INVALID_SCHEMA_NAME, "no schema has been selected to create in");
    return ddl_set_pos(d, err, rv->hdr.location);
}

/* A relation (table, view, sequence) by possibly qualified name; NULL if absent. */
const CatRelation *ddl_lookup_relation(DdlCtx *d, const AstRangeVar *rv)
{
    if (rv->schema) {
        const CatNamespace *ns = catsnap_namespace_by_name(d->snap, rv->schema);
        return ns ? catsnap_relation_by_name(d->snap, ns->oid, rv->relname) : NULL;
    }
    const CatRelation *r = catsnap_relation_by_name(d->snap, CAT_OID_PG_CATALOG_NSP, rv->relname);
    if (r)
        return r;
    Oid path[8];
    int n = search_path(d, path, 8);
    for (int i = 0; i < n; i++)
        if ((r = catsnap_relation_by_name(d->snap, path[i], rv->relname)))
            return r;
    return NULL;
}

const CatRelation *ddl_lookup_index(DdlCtx *d, const AstRangeVar *rv, const CatIndex **idx)
{
    if (rv->schema) {
        const CatNamespace *ns = catsnap_namespace_by_name(d->snap, rv->schema);
        return ns ? catsnap_index_by_name(d->snap, ns->oid, rv->relname, idx) : NULL;
    }
    Oid path[8];
    int n = search_path(d, path, 8);
    for (int i = 0; i < n; i++) {
        const CatRelation *r = catsnap_index_by_name(d->snap, path[i], rv->relname, idx);
        if (r)
            return r;
    }
    return NULL;
}

bool ddl_name_taken(DdlCtx *d, Oid nsp, const char *name)
{
    const CatIndex *idx;
    return catsnap_relation_by_name(d->snap, nsp, name) || catsnap_index_by_name(d->snap, nsp, name, &idx);
}

/* PostgreSQL's ChooseRelationName: base_col_suffix truncated to fit, then a number. */
char *ddl_choose_name(DdlCtx *d, Oid nsp, const char *base, const char *col, const char *suffix,
                         char **taken, int n_taken)
{
    for (int i = 0; i < 1000; i++) {
        char buf[256];
        if (col)
            snprintf(buf, sizeof buf, "%s_%s_%s", base, col, suffix);
        else
            snprintf(buf, sizeof buf, "%s_%s", base, suffix);
        if (i) {
            size_t l = strlen(buf);
            snprintf(buf + l, sizeof buf - l, "%d", i);
        }
        if (strlen(buf) > 63)
            buf[63] = '\0';
        bool clash = ddl_name_taken(d, nsp, buf);
        for (int j = 0; j < n_taken && !clash; j++)
            clash = taken[j] && !strcmp(taken[j], buf);
        if (!clash)
            return ddl_strdup(d, buf);
    }
    return NULL;
}

/* ---- types ----------------------------------------------------------------------------- */


int ddl_resolve_type(DdlCtx *d, const AstTypeName *tn, Oid *type, int32_t *typmod, SerialKind *serial,
                        SqlError *err)
{
    const char *name = tn->names.names[tn->names.n - 1];
    *serial = SERIAL_NONE;
    Oid t = INVALIDOID;
    if (!tn->builtin && tn->n_array_bounds == 0 && tn->names.n == 1) {
        if (!strcmp(name, "serial") || !strcmp(name, "serial4")) { *serial = SERIAL_4; t = INT4OID; }
        else if (!strcmp(name, "bigserial") || !strcmp(name, "serial8")) { *serial = SERIAL_8; t = INT8OID; }
        else if (!strcmp(name, "smallserial") || !strcmp(name, "serial2")) { *serial = SERIAL_2; t = INT2OID; }
    }
    if (t == INVALIDOID)
        t = types_lookup_name(name);
    if (t == INVALIDOID) {
        sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s\" does not exist", name);
        return ddl_set_pos(d, err, tn->hdr.location);
    }
    int32_t mods[4];
    int n = 0;
    for (int i = 0; i < tn->typmods.n && i < 4; i++) {
        const AstNode *m = tn->typmods.items[i];
        if (m->tag != AST_CONST || ((const AstConst *)m)->kind != AST_CONST_INTEGER) {
            sql_error_set(err, ERRCODE_SYNTAX_ERROR, "type modifiers must be simple constants or identifiers");
            return ddl_set_pos(d, err, m->location);
        }
        mods[n++] = (int32_t)((const AstConst *)m)->ival;
    }
    if (types_typmod_from_mods(t, n, mods, typmod, err) != 0)
        return ddl_set_pos(d, err, tn->hdr.location);
    if (t == BPCHAROID && n == 0)
        *typmod = types_typmod_varchar(1); /* char without length is char(1) */
    if (tn->n_array_bounds > 0) {
        Oid a = types_array_of(t);
        if (a == INVALIDOID) {
            sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "type \"%s[]\" does not exist", name);
            return ddl_set_pos(d, err, tn->hdr.location);
        }
        t = a;
    }
    *type = t;
    return 0;
}

/* ---- sequences ------------------------------------------------------------------------- */

static void seq_defaults(CatSequenceDef *sq, Oid type)
{
    memset(sq, 0, sizeof *sq);
    sq->type = type;
    sq->increment = 1;
    sq->min = 1;
    sq->max = type == INT2OID ? 32767 : type == INT4OID ? 2147483647 : INT64_MAX;
    sq->start = 1;
    sq->cache = 1;
}

static int def_int(const AstDefElem *e, int64_t *out)
{
    const AstNode *a = e->arg;
    bool neg = false;
    if (a && a->tag == AST_OP && ((const AstOpExpr *)a)->lexpr == NULL && !strcmp(((const AstOpExpr *)a)->name, "-")) {
        neg = true;
        a = ((const AstOpExpr *)a)->rexpr;
    }
    if (!a || a->tag != AST_CONST || ((const AstConst *)a)->kind != AST_CONST_INTEGER)
        return -1;
    *out = neg ? -((const AstConst *)a)->ival : ((const AstConst *)a)->ival;
    return 0;
}

int ddl_apply_seq_options(DdlCtx *d, CatSequenceDef *sq, const AstList *opts, bool creating, SqlError *err)
{
    bool min_set = false, max_set = false, start_set = false;
    for (int i = 0; i < opts->n; i++) {
        const AstDefElem *e = (const AstDefElem *)opts->items[i];
        int64_t v = 0;
        if (!strcmp(e->name, "as")) {
            SerialKind sk;
            int32_t tm;
            Oid t;
            if (!e->arg || e->arg->tag != AST_TYPE_NAME ||
                ddl_resolve_type(d, (const AstTypeName *)e->arg, &t, &tm, &sk, err) != 0)
                return -1;
            if (t != INT2OID && t != INT4OID && t != INT8OID) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "sequence type must be smallint, integer, or bigint");
                return -1;
            }
            sq->type = t;
            continue;
        }
        if (!strcmp(e->name, "cycle")) {
            sq->cycle = !e->arg || (e->arg->tag == AST_CONST && ((const AstConst *)e->arg)->bval);
            continue;
        }
        if (!strcmp(e->name, "owned_by") || !strcmp(e->name, "sequence_name") || !strcmp(e->name, "restart"))
            continue;
        if ((!strcmp(e->name, "minvalue") || !strcmp(e->name, "maxvalue")) && !e->arg) {
            if (!strcmp(e->name, "minvalue"))
                min_set = false;
            else
                max_set = false;
            continue;
        }
        if (def_int(e, &v) != 0) {
            sql_error_set(err, ERRCODE_SYNTAX_ERROR, "invalid value for sequence option \"%s\"", e->name);
            return ddl_set_pos(d, err, e->hdr.location);
        }
        if (!strcmp(e->name, "increment")) {
            if (v == 0) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "INCREMENT must not be zero");
                return -1;
            }
            sq->increment = v;
        } else if (!strcmp(e->name, "minvalue")) { sq->min = v; min_set = true; }
        else if (!strcmp(e->name, "maxvalue")) { sq->max = v; max_set = true; }
        else if (!strcmp(e->name, "start")) { sq->start = v; start_set = true; }
        else if (!strcmp(e->name, "cache")) {
            if (v < 1) {
                sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "CACHE (%lld) must be greater than zero", (long long)v);
                return -1;
            }
            sq->cache = v;
        }
    }
    int64_t tmax = sq->type == INT2OID ? 32767 : sq->type == INT4OID ? 2147483647 : INT64_MAX;
    int64_t tmin = sq->type == INT2OID ? -32768 : sq->type == INT4OID ? -2147483648LL : INT64_MIN;
    if (creating) {
        if (!max_set)
            sq->max = sq->increment > 0 ? tmax : -1;
        if (!min_set)
            sq->min = sq->increment > 0 ? 1 : tmin;
        if (!start_set)
            sq->start = sq->increment > 0 ? sq->min : sq->max;
    }
    if (sq->min >= sq->max) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "MINVALUE (%lld) must be less than MAXVALUE (%lld)",
                      (long long)sq->min, (long long)sq->max);
        return -1;
    }
    if (sq->start < sq->min) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "START value (%lld) cannot be less than MINVALUE (%lld)",
                      (long long)sq->start, (long long)sq->min);
        return -1;
    }
    if (sq->start > sq->max) {
        sql_error_set(err, ERRCODE_INVALID_PARAMETER_VALUE, "START value (%lld) cannot be greater than MAXVALUE (%lld)",
                      (long long)sq->start, (long long)sq->max);
        return -1;
    }
    return 0;
}

static CatRelation *new_sequence(DdlCtx *d, Oid nsp, const char *name, Oid type)
{
    CatRelation *r = shale_arena_alloc(&d->arena, sizeof *r);
    if (!r)
        return NULL;
    memset(r, 0, sizeof *r);
    r->nsp = nsp;
    r->name = ddl_strdup(d, name);
    r->kind = CAT_REL_SEQUENCE;
    r->owner = d->s->user_oid;
    seq_defaults(&r->seq, type);
    return r;
}

/* ---- CREATE TABLE ---------------------------------------------------------------------- */

typedef struct ColBuild {
    CatColumn col;
    SerialKind serial;
    const AstList *identity_opts;
} ColBuild;

int ddl_find_col(const CatColumn *cols, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!cols[i].dropped && !strcmp(cols[i].name, name))
            return i;
    return -1;
}

static char fk_action(AstFkAction a)
{
    switch (a) {
    case AST_FK_RESTRICT: return 'r';
    case AST_FK_CASCADE: return 'c';
    case AST_FK_SET_NULL: return 'n';
    case AST_FK_SET_DEFAULT: return 'd';
    default: return 'a';
    }
}


int ddl_add_key_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                              const AstNameList *keys, const char *single_col, SqlError *err)
{
    bool primary = c->type == AST_CONSTR_PRIMARY;
    if (cb->n_idx >= 32 || cb->n_con >= 64)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "too many constraints");
    int ncols = single_col ? 1 : keys->n;
    int16_t *att = shale_arena_alloc(&d->arena, sizeof(int16_t) * (size_t)ncols);
    if (!att)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < ncols; i++) {
        const char *cn = single_col ? single_col : keys->names[i];
        int ci = ddl_find_col(rel->cols, rel->ncols, cn);
        if (ci < 0) {
            sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" named in key does not exist", cn);
            return ddl_set_pos(d, err, c->hdr.location);
        }
        att[i] = (int16_t)(ci + 1);
        if (primary)
            rel->cols[ci].not_null = true;
    }
    if (primary) {
        for (int i = 0; i < cb->n_idx; i++)
            if (cb->idx[i].primary) {
                sql_error_set(err, ERRCODE_INVALID_TABLE_DEFINITION, "multiple primary keys for table \"%s\" are not allowed", rel->name);
                return ddl_set_pos(d, err, c->hdr.location);
            }
    }
    char *name = c->name ? ddl_strdup(d, c->name) : NULL;
    if (!name) {
        char colbuf[200] = "";
        if (!primary) {
            for (int i = 0; i < ncols; i++) {
                size_t l = strlen(colbuf);
                snprintf(colbuf + l, sizeof colbuf - l, "%s%s", i ? "_" : "", rel->cols[att[i] - 1].name);
            }
        }
        name = ddl_choose_name(d, rel->nsp, rel->name, primary ? NULL : colbuf, primary ? "pkey" : "key", cb->names, cb->n_names);
    }
    if (!name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    cb->names[cb->n_names++] = name;
    CatIndex *ix = &cb->idx[cb->n_idx++];
    memset(ix, 0, sizeof *ix);
    ix->name = name;
    ix->unique = true;
    ix->primary = primary;
    ix->nulls_not_distinct = c->nulls_not_distinct;
    ix->valid = true;
    ix->am = ddl_strdup(d, "btree");
    ix->ncols = ncols;
    ix->attnums = att;
    ix->exprs = shale_arena_alloc(&d->arena, sizeof(char *) * (size_t)ncols);
    ix->opclasses = shale_arena_alloc(&d->arena, sizeof(char *) * (size_t)ncols);
    ix->col_flags = shale_arena_alloc(&d->arena, (size_t)ncols);
    if (!ix->exprs || !ix->opclasses || !ix->col_flags)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memset(ix->exprs, 0, sizeof(char *) * (size_t)ncols);
    memset(ix->opclasses, 0, sizeof(char *) * (size_t)ncols);
    memset(ix->col_flags, 0, (size_t)ncols);
    CatConstraint *k = &cb->con[cb->n_con++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->type = primary ? CAT_CON_PRIMARY : CAT_CON_UNIQUE;
    k->ncols = ncols;
    k->attnums = att;
    k->validated = true;
    k->deferrable = c->deferrable;
    k->deferred = c->initdeferred;
    return 0;
}

int ddl_add_fk_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                             const char *single_col, SqlError *err)
{
    if (cb->n_con >= 64)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "too many constraints");
    const CatRelation *ref = ddl_lookup_relation(d, c->pktable);
    bool self = !ref && !strcmp(c->pktable->relname, rel->name) && !c->pktable->schema;
    if (!ref && !self) {
        sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", c->pktable->relname);
        return ddl_set_pos(d, err, c->pktable->hdr.location);
    }
    int ncols = single_col ? 1 : c->keys.n;
    int16_t *att = shale_arena_alloc(&d->arena, sizeof(int16_t) * (size_t)ncols);
    int16_t *ratt = shale_arena_alloc(&d->arena, sizeof(int16_t) * (size_t)ncols);
    if (!att || !ratt)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < ncols; i++) {
        const char *cn = single_col ? single_col : c->keys.names[i];
        int ci = ddl_find_col(rel->cols, rel->ncols, cn);
        if (ci < 0) {
            sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" referenced in foreign key constraint does not exist", cn);
            return ddl_set_pos(d, err, c->hdr.location);
        }
        att[i] = (int16_t)(ci + 1);
    }
    const CatColumn *rcols = self ? rel->cols : ref->cols;
    int rn = self ? rel->ncols : ref->ncols;
    Oid ref_index = 0;
    if (c->pk_attrs.n == 0) {
        /* The referenced table's primary key. */
        const CatIndex *pk = NULL;
        if (self) {
            for (int i = 0; i < cb->n_idx; i++)
                if (cb->idx[i].primary)
                    pk = &cb->idx[i];
        } else {
            pk = catrel_primary_index(ref);
        }
        if (!pk) {
            sql_error_set(err, ERRCODE_UNDEFINED_OBJECT, "there is no primary key for referenced table \"%s\"", c->pktable->relname);
            return ddl_set_pos(d, err, c->hdr.location);
        }
        if (pk->ncols != ncols) {
            sql_error_set(err, ERRCODE_INVALID_FOREIGN_KEY, "number of referencing and referenced columns for foreign key disagree");
            return ddl_set_pos(d, err, c->hdr.location);
        }
        for (int i = 0; i < ncols; i++)
            ratt[i] = pk->attnums[i];
        ref_index = pk->oid;
    } else {
        if (c->pk_attrs.n != ncols) {
            sql_error_set(err, ERRCODE_INVALID_FOREIGN_KEY, "number of referencing and referenced columns for foreign key disagree");
            return ddl_set_pos(d, err, c->hdr.location);
        }
        for (int i = 0; i < ncols; i++) {
            int ci = ddl_find_col(rcols, rn, c->pk_attrs.names[i]);
            if (ci < 0) {
                sql_error_set(err, ERRCODE_UNDEFINED_COLUMN, "column \"%s\" referenced in foreign key constraint does not exist",
                              c->pk_attrs.names[i]);
                return ddl_set_pos(d, err, c->hdr.location);
            }
            ratt[i] = (int16_t)(ci + 1);
        }
        /* There must be a unique index on exactly those columns. */
        const CatIndex *found = NULL;
        int nidx = self ? cb->n_idx : ref->nindexes;
        for (int k = 0; k < nidx && !found; k++) {
            const CatIndex *ix = self ? &cb->idx[k] : &ref->indexes[k];
            if (!ix->unique || ix->ncols != ncols)
                continue;
            bool same = true;
            for (int i = 0; i < ncols && same; i++) {
                bool in = false;
                for (int j = 0; j < ncols; j++)
                    in |= ix->attnums[j] == ratt[i];
                same = in;
            }
            if (same)
                found = ix;
        }
        if (!found) {
            sql_error_set(err, ERRCODE_INVALID_FOREIGN_KEY,
                          "there is no unique constraint matching given keys for referenced table \"%s\"", c->pktable->relname);
            return ddl_set_pos(d, err, c->hdr.location);
        }
        ref_index = found->oid;
    }
    for (int i = 0; i < ncols; i++) {
        Oid a = rel->cols[att[i] - 1].type, b = rcols[ratt[i] - 1].type;
        if (a != b && !types_can_coerce(a, b, TYPES_COERCE_IMPLICIT) && !types_can_coerce(b, a, TYPES_COERCE_IMPLICIT)) {
            ShaleBuf ta, tb;
            shale_buf_init(&ta);
            shale_buf_init(&tb);
            types_format_type(a, -1, &ta);
            types_format_type(b, -1, &tb);
            shale_buf_append_byte(&ta, 0);
            shale_buf_append_byte(&tb, 0);
            sql_error_set(err, ERRCODE_DATATYPE_MISMATCH, "foreign key constraint cannot be implemented");
            sql_error_detail(err, "Key columns \"%s\" and \"%s\" are of incompatible types: %s and %s.",
                             rel->cols[att[i] - 1].name, rcols[ratt[i] - 1].name, ta.data ? ta.data : "?",
                             tb.data ? tb.data : "?");
            shale_buf_free(&ta);
            shale_buf_free(&tb);
            return -1;
        }
    }
    char *name = c->name ? ddl_strdup(d, c->name) : NULL;
    if (!name) {
        char colbuf[200] = "";
        for (int i = 0; i < ncols; i++) {
            size_t l = strlen(colbuf);
            snprintf(colbuf + l, sizeof colbuf - l, "%s%s", i ? "_" : "", rel->cols[att[i] - 1].name);
        }
        name = ddl_choose_name(d, rel->nsp, rel->name, colbuf, "fkey", cb->names, cb->n_names);
    }
    if (!name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    cb->names[cb->n_names++] = name;
    CatConstraint *k = &cb->con[cb->n_con++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->type = CAT_CON_FOREIGN;
    k->ncols = ncols;
    k->attnums = att;
    k->ref_rel = self ? 0 : ref->oid;   /* 0 = this table (fixed after its OID is known) */
    k->ref_attnums = ratt;
    k->index_oid = ref_index;
    k->on_delete = fk_action(c->on_delete);
    k->on_update = fk_action(c->on_update);
    k->match_type = c->match_type ? c->match_type : 's';
    k->validated = true;
    return 0;
}

int ddl_add_check_constraint(DdlCtx *d, CatRelation *rel, ConsBuild *cb, const AstConstraint *c,
                                const char *single_col, SqlError *err)
{
    if (cb->n_con >= 64)
        return SQL_ERR(err, PROGRAM_LIMIT_EXCEEDED, "too many constraints");
    /* The expression must bind over the table's columns; an unnamed constraint is named
     * after its column when it reads exactly one (PostgreSQL's AddRelationNewConstraints). */
    char *text = ddl_strndup(d, d->text + c->expr_span.start, (size_t)(c->expr_span.end - c->expr_span.start));
    if (!text)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int16_t att[2];
    int nat = 0;
    QueryEnv env;
    CatSnapshot *cat;
    if (session_query_env(d->s, &env, &cat, err) != 0)
        return -1;
    int qrc = query_check_columns(&env, rel, text, att, 2, &nat, err);
    catalog_snapshot_release(cat);
    if (qrc != 0)
        return -1;
    const char *namecol = nat == 1 ? rel->cols[att[0] - 1].name : NULL;
    (void)single_col;
    char *name = c->name ? ddl_strdup(d, c->name) : ddl_choose_name(d, rel->nsp, rel->name, namecol, "check", cb->names, cb->n_names);
    if (!name)
        return SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    cb->names[cb->n_names++] = name;
    CatConstraint *k = &cb->con[cb->n_con++];
    memset(k, 0, sizeof *k);
    k->name = name;
    k->type = CAT_CON_CHECK;
    k->check_expr = text;
    k->validated = true;
    if (single_col) {
        k->ncols = 1;
        k->attnums = shale_arena_alloc(&d->arena, sizeof(int16_t));
        if (k->attnums)
            k->attnums[0] = (int16_t)(ddl_find_col(rel->cols, rel->ncols, single_col) + 1);
    }
    return k->check_expr ? 0 : SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
}

const char *ddl_span_text(DdlCtx *d, AstSpan sp)
{
    if (sp.start < 0 || sp.end < sp.start)
        return NULL;
    return ddl_strndup(d, d->text + sp.start, (size_t)(sp.end - sp.start));
}

static SqlStatus create_table(DdlCtx *d, const AstCreateTableStmt *ct, const SqlSink *sink, SqlError *err)
{
    Oid nsp;
    if (ddl_creation_namespace(d, ct->relation, &nsp, err) != 0)
        return SQL_ERROR;
    if (ddl_name_taken(d, nsp, ct->relation->relname)) {
        if (ct->if_not_exists) {
            char msg[200];
            snprintf(msg, sizeof msg, "relation \"%s\" already exists, skipping", ct->relation->relname);
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_DUPLICATE_TABLE, "%s", msg);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            sink->command_complete(sink->arg, "CREATE TABLE");
            return SQL_DONE;
        }
        sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", ct->relation->relname);
        return (SqlStatus)ddl_set_pos(d, err, ct->relation->hdr.location);
    }
    CatRelation *rel = shale_arena_alloc(&d->arena, sizeof *rel);
    int ncols_max = ct->elements.n;
    ColBuild *cols = shale_arena_alloc(&d->arena, sizeof(ColBuild) * (size_t)(ncols_max ? ncols_max : 1));
    ConsBuild *cb = shale_arena_alloc(&d->arena, sizeof *cb);
    if (!rel || !cols || !cb)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memset(rel, 0, sizeof *rel);
    memset(cb, 0, sizeof *cb);
    rel->nsp = nsp;
    rel->name = ddl_strdup(d, ct->relation->relname);
    rel->kind = CAT_REL_TABLE;
    rel->owner = d->s->user_oid;
    int nc = 0;
    for (int i = 0; i < ct->elements.n; i++) {
        const AstNode *el = ct->elements.items[i];
        if (el->tag != AST_COLUMN_DEF)
            continue;
        const AstColumnDef *cd = (const AstColumnDef *)el;
        for (int j = 0; j < nc; j++)
            if (!strcmp(cols[j].col.name, cd->colname)) {
                sql_error_set(err, ERRCODE_DUPLICATE_COLUMN, "column \"%s\" specified more than once", cd->colname);
                return (SqlStatus)ddl_set_pos(d, err, cd->hdr.location);
            }
        ColBuild *cbd = &cols[nc++];
        memset(cbd, 0, sizeof *cbd);
        cbd->col.name = ddl_strdup(d, cd->colname);
        cbd->col.typmod = -1;
        cbd->col.missing = value_null(INVALIDOID);
        if (ddl_resolve_type(d, cd->type, &cbd->col.type, &cbd->col.typmod, &cbd->serial, err) != 0)
            return SQL_ERROR;
        cbd->col.missing.type = cbd->col.type;
        if (cd->embedding && embed_ddl_column(d->s, d->snap, &cbd->col, cd->embedding->embedder,
                                              ddl_span_text(d, cd->embedding->expr_span), err) != 0)
            return (SqlStatus)ddl_set_pos(d, err, cd->hdr.location);
    }
    if (nc > 1600)
        return (SqlStatus)SQL_ERR(err, TOO_MANY_COLUMNS, "tables can have at most 1600 columns");
    rel->ncols = nc;
    rel->cols = shale_arena_alloc(&d->arena, sizeof(CatColumn) * (size_t)(nc ? nc : 1));
    if (!rel->cols)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    for (int i = 0; i < nc; i++) {
        rel->cols[i] = cols[i].col;
        rel->cols[i].attnum = (int16_t)(i + 1);
    }
    /* Column constraints, then table constraints (PostgreSQL's order of index creation);
     * CHECK constraints are named in element order, table-level ones included, as
     * PostgreSQL does (so clashing generated names are numbered the same way). */
    int ci = 0;
    for (int i = 0; i < ct->elements.n; i++) {
        const AstNode *el = ct->elements.items[i];
        if (el->tag == AST_CONSTRAINT && ((const AstConstraint *)el)->type == AST_CONSTR_CHECK) {
            if (ddl_add_check_constraint(d, rel, cb, (const AstConstraint *)el, NULL, err) != 0)
                return SQL_ERROR;
            continue;
        }
        if (el->tag != AST_COLUMN_DEF)
            continue;
        const AstColumnDef *cd = (const AstColumnDef *)el;
        CatColumn *col = &rel->cols[ci];
        ColBuild *cbd = &cols[ci];
        ci++;
        for (int k = 0; k < cd->constraints.n; k++) {
            const AstConstraint *c = (const AstConstraint *)cd->constraints.items[k];
            switch (c->type) {
            case AST_CONSTR_NOTNULL: col->not_null = true; break;
            case AST_CONSTR_NULL: col->not_null = false; break;
            case AST_CONSTR_DEFAULT:
                col->default_expr = (char *)ddl_span_text(d, c->expr_span);
                break;
            case AST_CONSTR_PRIMARY:
            case AST_CONSTR_UNIQUE:
                if (ddl_add_key_constraint(d, rel, cb, c, NULL, col->name, err) != 0)
                    return SQL_ERROR;
                break;
            case AST_CONSTR_FOREIGN:
                if (ddl_add_fk_constraint(d, rel, cb, c, col->name, err) != 0)
                    return SQL_ERROR;
                break;
            case AST_CONSTR_CHECK:
                if (ddl_add_check_constraint(d, rel, cb, c, col->name, err) != 0)
                    return SQL_ERROR;
                break;
            case AST_CONSTR_IDENTITY:
                col->identity = c->identity_always ? 'a' : 'd';
                col->not_null = true;
                cbd->identity_opts = &c->seq_options;
                break;
            case AST_CONSTR_GENERATED:
                col->generated = 's';
                col->default_expr = (char *)ddl_span_text(d, c->expr_span);
                break;
            }
        }
        if (cbd->serial != SERIAL_NONE)
            col->not_null = true;
    }
    for (int i = 0; i < ct->elements.n; i++) {
        const AstNode *el = ct->elements.items[i];
        if (el->tag != AST_CONSTRAINT)
            continue;
        const AstConstraint *c = (const AstConstraint *)el;
        int rc = 0;
        switch (c->type) {
        case AST_CONSTR_PRIMARY:
        case AST_CONSTR_UNIQUE: rc = ddl_add_key_constraint(d, rel, cb, c, &c->keys, NULL, err); break;
        case AST_CONSTR_FOREIGN: rc = ddl_add_fk_constraint(d, rel, cb, c, NULL, err); break;
        case AST_CONSTR_CHECK: break;   /* named with the columns above */
        default: break;
        }
        if (rc != 0)
            return SQL_ERROR;
    }
    /* NOT NULL constraints are column flags in the catalog (as pg_attribute.attnotnull). */
    /* Primary key first among the indexes. */
    rel->nindexes = cb->n_idx;
    rel->indexes = shale_arena_alloc(&d->arena, sizeof(CatIndex) * (size_t)(cb->n_idx ? cb->n_idx : 1));
    rel->ncons = cb->n_con;
    rel->cons = shale_arena_alloc(&d->arena, sizeof(CatConstraint) * (size_t)(cb->n_con ? cb->n_con : 1));
    if (!rel->indexes || !rel->cons)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    int o = 0;
    for (int i = 0; i < cb->n_idx; i++)
        if (cb->idx[i].primary)
            rel->indexes[o++] = cb->idx[i];
    for (int i = 0; i < cb->n_idx; i++)
        if (!cb->idx[i].primary)
            rel->indexes[o++] = cb->idx[i];
    memcpy(rel->cons, cb->con, sizeof(CatConstraint) * (size_t)cb->n_con);

    /* Sequences for serial and identity columns, created first so defaults can name them. */
    for (int i = 0; i < nc; i++) {
        if (cols[i].serial == SERIAL_NONE && !rel->cols[i].identity)
            continue;
        char *seqname = ddl_choose_name(d, nsp, rel->name, rel->cols[i].name, "seq", cb->names, cb->n_names);
        CatRelation *seq = seqname ? new_sequence(d, nsp, seqname, rel->cols[i].type) : NULL;
        if (!seq)
            return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        if (cols[i].identity_opts && ddl_apply_seq_options(d, &seq->seq, cols[i].identity_opts, true, err) != 0)
            return SQL_ERROR;
        if (catalog_create_relation(d->cat, d->ctxn, d->s->db_oid, seq, err) != 0)
            return SQL_ERROR;
        rel->cols[i].identity_seq = seq->oid;
        if (cols[i].serial != SERIAL_NONE) {
            const CatNamespace *ns = catsnap_namespace_by_oid(d->snap, nsp);
            bool qualify = ns && nsp != CAT_OID_PUBLIC_NSP;
            rel->cols[i].default_expr = ddl_printf(d, "nextval('%s%s%s'::regclass)", qualify ? ns->name : "",
                                                  qualify ? "." : "", seqname);
            rel->cols[i].identity_seq = 0;
        }
        cb->names[cb->n_names < 96 ? cb->n_names++ : 95] = seqname;
        /* Remember which sequence to mark OWNED BY once the table has its OID. */
        cols[i].col.identity_seq = seq->oid;
    }
    if (catalog_create_relation(d->cat, d->ctxn, d->s->db_oid, rel, err) != 0)
        return (SqlStatus)ddl_set_pos(d, err, ct->relation->hdr.location);
    /* Self-referencing foreign keys: now that the table has an OID. */
    bool fix = false;
    for (int i = 0; i < rel->ncons; i++)
        if (rel->cons[i].type == CAT_CON_FOREIGN && rel->cons[i].ref_rel == 0)
            fix = true;
    if (fix || nc) {
        if (ddl_refresh_snap(d, err) != 0)
            return SQL_ERROR;
    }
    if (fix) {
        const CatRelation *cur = catsnap_relation_by_oid(d->snap, rel->oid);
        CatRelation *copy = cur ? catrel_copy(&d->arena, cur) : NULL;
        if (!copy)
            return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        for (int i = 0; i < copy->ncons; i++)
            if (copy->cons[i].type == CAT_CON_FOREIGN && copy->cons[i].ref_rel == 0) {
                copy->cons[i].ref_rel = copy->oid;
                const CatIndex *pk = catrel_primary_index(copy);
                if (!copy->cons[i].index_oid && pk)
                    copy->cons[i].index_oid = pk->oid;
            }
        if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, cur, copy, err) != 0)
            return SQL_ERROR;
    }
    /* OWNED BY for the serial/identity sequences. */
    for (int i = 0; i < nc; i++) {
        if (!cols[i].col.identity_seq)
            continue;
        if (ddl_refresh_snap(d, err) != 0)
            return SQL_ERROR;
        const CatRelation *seq = catsnap_relation_by_oid(d->snap, cols[i].col.identity_seq);
        CatRelation *copy = seq ? catrel_copy(&d->arena, seq) : NULL;
        if (!copy)
            return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
        copy->seq.owned_by_rel = rel->oid;
        copy->seq.owned_by_col = (int16_t)(i + 1);
        if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, seq, copy, err) != 0)
            return SQL_ERROR;
    }
    for (int i = 0; i < nc; i++) /* EMBEDDING OF: the expression must bind over the new table */
        if (rel->cols[i].embed_expr && embed_ddl_after_column(d->s, rel->oid, (int16_t)(i + 1), err) != 0)
            return SQL_ERROR;
    sink->command_complete(sink->arg, "CREATE TABLE");
    return SQL_DONE;
}

/* ---- DROP ------------------------------------------------------------------------------ */

void ddl_notice_skip(const SqlSink *sink, const char *what, const char *name)
{
    if (!sink->notice)
        return;
    SqlError n;
    sql_error_set(&n, ERRCODE_SUCCESSFUL_COMPLETION, "%s \"%s\" does not exist, skipping", what, name);
    n.severity = SQL_SEV_NOTICE;
    sink->notice(sink->arg, &n);
}


/* ---- CREATE SCHEMA / SEQUENCE / EXTENSION ---------------------------------------------- */

static SqlStatus create_schema(DdlCtx *d, const AstCreateSchemaStmt *cs, const SqlSink *sink, SqlError *err)
{
    const char *name = cs->name ? cs->name : cs->authrole;
    if (catsnap_namespace_by_name(d->snap, name)) {
        if (cs->if_not_exists) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_DUPLICATE_SCHEMA, "schema \"%s\" already exists, skipping", name);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            sink->command_complete(sink->arg, "CREATE SCHEMA");
            return SQL_DONE;
        }
        sql_error_set(err, ERRCODE_DUPLICATE_SCHEMA, "schema \"%s\" already exists", name);
        return SQL_ERROR;
    }
    if (!strncmp(name, "pg_", 3)) {
        sql_error_set(err, ERRCODE_RESERVED_NAME, "unacceptable schema name \"%s\"", name);
        sql_error_detail(err, "The prefix \"pg_\" is reserved for system schemas.");
        return SQL_ERROR;
    }
    CatNamespace ns;
    memset(&ns, 0, sizeof ns);
    ns.name = (char *)name;
    ns.owner = d->s->user_oid;
    if (catalog_create_namespace(d->cat, d->ctxn, d->s->db_oid, &ns, err) != 0)
        return SQL_ERROR;
    sink->command_complete(sink->arg, "CREATE SCHEMA");
    return SQL_DONE;
}

static SqlStatus create_sequence(DdlCtx *d, const AstSequenceStmt *ss, const SqlSink *sink, SqlError *err)
{
    Oid nsp;
    if (ddl_creation_namespace(d, ss->sequence, &nsp, err) != 0)
        return SQL_ERROR;
    if (ddl_name_taken(d, nsp, ss->sequence->relname)) {
        if (ss->if_not_exists) {
            if (sink->notice) {
                SqlError n;
                sql_error_set(&n, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping", ss->sequence->relname);
                n.severity = SQL_SEV_NOTICE;
                sink->notice(sink->arg, &n);
            }
            sink->command_complete(sink->arg, "CREATE SEQUENCE");
            return SQL_DONE;
        }
        sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", ss->sequence->relname);
        return SQL_ERROR;
    }
    CatRelation *seq = new_sequence(d, nsp, ss->sequence->relname, INT8OID);
    if (!seq)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    if (ddl_apply_seq_options(d, &seq->seq, &ss->options, true, err) != 0)
        return SQL_ERROR;
    if (catalog_create_relation(d->cat, d->ctxn, d->s->db_oid, seq, err) != 0)
        return SQL_ERROR;
    sink->command_complete(sink->arg, "CREATE SEQUENCE");
    return SQL_DONE;
}

/* ---- CREATE INDEX ---------------------------------------------------------------------- */

/* Rewrites every row of rel so the new index gets its entries: each row is deleted under
 * the old descriptor and inserted under the new one, in the session's transaction. */
int ddl_backfill_index(DdlCtx *d, const CatRelation *old_rel, const CatRelation *new_rel, SqlError *err)
{
    /* no table lock: concurrent writers that miss the new index fail at commit */
    if (rel_txn_index_build_begin(d->s->txn, new_rel, err) != 0)
        return -1;
    RelScanSpec spec;
    memset(&spec, 0, sizeof spec);
    RelScan *scan;
    if (rel_scan_open(d->s->txn, old_rel, &spec, &scan, err) != 0)
        return -1;
    RelRow row;
    rel_row_init(&row);
    int rc = 0;
    /* Collect keys first: the scan must not see our own rewrites. */
    ShaleBuf keys, rows;
    shale_buf_init(&keys);
    shale_buf_init(&rows);
    int64_t n = 0;
    for (;;) {
        int r = rel_scan_next(scan, &row, err);
        if (r < 0) {
            rc = -1;
            break;
        }
        if (r == 0)
            break;
        shale_buf_append_lenprefixed(&keys, row.key.data, row.key.len);
        shale_buf_append_lenprefixed(&rows, row.data.data, row.data.len);
        n++;
    }
    rel_scan_close(scan);
    rel_row_free(&row);
    if (keys.oom || rows.oom)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory building the index");
    const char *kp = keys.data, *kend = keys.data + keys.len;
    const char *rp = rows.data, *rend = rows.data + rows.len;
    Value *vals = rc == 0 ? calloc((size_t)(old_rel->ncols ? old_rel->ncols : 1), sizeof(Value)) : NULL;
    if (rc == 0 && !vals)
        rc = SQL_ERR(err, OUT_OF_MEMORY, "out of memory building the index");
    for (int64_t i = 0; i < n && rc == 0; i++) {
        uint64_t kl, rl;
        kp = shale_decode_varint64(kp, kend, &kl);
        const char *key = kp;
        kp += kl;
        rp = shale_decode_varint64(rp, rend, &rl);
        const char *data = rp;
        rp += rl;
        ShaleError se;
        if (rowcodec_decode(&old_rel->row_schema, data, (size_t)rl, vals, NULL, &se) != SHALE_OK) {
            rc = sql_error_from_storage(err, &se);
            break;
        }
        if (rel_delete(d->s->txn, old_rel, key, (size_t)kl, vals, err) != 0 ||
            rel_insert(d->s->txn, new_rel, vals, NULL, NULL, err) != 0) {
            rc = -1;
            /* e2e fix: PostgreSQL words a duplicate found while building a unique index as
             * 'could not create unique index "i"' / 'Key (k)=(v) is duplicated.'. */
            const CatIndex *ni = &new_rel->indexes[new_rel->nindexes - 1];
            char quoted[160];
            snprintf(quoted, sizeof quoted, "\"%s\"", ni->name);
            if (err && err->code == ERRCODE_UNIQUE_VIOLATION && strstr(err->message, quoted)) {
                snprintf(err->message, sizeof err->message, "could not create unique index \"%s\"", ni->name);
                char *tail = strstr(err->detail, ") already exists.");
                if (tail && (size_t)(tail - err->detail) + 16 < sizeof err->detail)
                    strcpy(tail, ") is duplicated.");
            }
        }
    }
    free(vals);
    shale_buf_free(&keys);
    shale_buf_free(&rows);
    return rc;
}

static SqlStatus create_index(DdlCtx *d, const AstIndexStmt *is, const SqlSink *sink, SqlError *err)
{
    const CatRelation *rel = ddl_lookup_relation(d, is->relation);
    if (!rel) {
        sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", is->relation->relname);
        return (SqlStatus)ddl_set_pos(d, err, is->relation->hdr.location);
    }
    if (rel->kind != CAT_REL_TABLE) {
        sql_error_set(err, ERRCODE_WRONG_OBJECT_TYPE, "cannot create index on relation \"%s\"", rel->name);
        return SQL_ERROR;
    }
    if (ddl_acl_owner(d, rel, err) != 0)
        return SQL_ERROR;
    const char *am = is->access_method ? is->access_method : "btree";
    bool hnsw = strcmp(am, "hnsw") == 0;
    if (strcmp(am, "btree") != 0 && !hnsw) {
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "access method \"%s\" is not supported yet", am);
        return SQL_ERROR;
    }
    int ncols = is->params.n;
    CatRelation *copy = catrel_copy(&d->arena, rel);
    CatIndex *ixs = copy ? shale_arena_alloc(&d->arena, sizeof(CatIndex) * (size_t)(copy->nindexes + 1)) : NULL;
    int16_t *att = shale_arena_alloc(&d->arena, sizeof(int16_t) * (size_t)(ncols ? ncols : 1));
    char **exprs = shale_arena_alloc(&d->arena, sizeof(char *) * (size_t)(ncols ? ncols : 1));
    char **opcl = shale_arena_alloc(&d->arena, sizeof(char *) * (size_t)(ncols ? ncols : 1));
    uint8_t *flags = shale_arena_alloc(&d->arena, (size_t)(ncols ? ncols : 1));
    if (!copy || !ixs || !att || !exprs || !opcl || !flags)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    char colbuf[200] = "";
    for (int i = 0; i < ncols; i++) {
        const AstIndexElem *el = (const AstIndexElem *)is->params.items[i];
        exprs[i] = NULL;
        opcl[i] = el->opclass.n ? ddl_strdup(d, el->opclass.names[el->opclass.n - 1]) : NULL;
        flags[i] = (uint8_t)((el->ordering == AST_SORT_DESC ? KEY_DESC : 0) |
                             ((el->nulls == AST_NULLS_FIRST || (el->nulls == AST_NULLS_DEFAULT && el->ordering == AST_SORT_DESC))
                                  ? KEY_NULLS_FIRST : 0));
        const char *cname;
        if (ddl_index_elem(d, rel, el, &att[i], &exprs[i], &cname, err) != 0)
            return SQL_ERROR;
        size_t l = strlen(colbuf);
        snprintf(colbuf + l, sizeof colbuf - l, "%s%s", i ? "_" : "", cname);
    }
    char *pred;
    if (ddl_index_predicate(d, rel, is, &pred, err) != 0)
        return SQL_ERROR;
    char *name;
    if (is->idxname) {
        if (ddl_name_taken(d, rel->nsp, is->idxname)) {
            if (is->if_not_exists) {
                if (sink->notice) {
                    SqlError n;
                    sql_error_set(&n, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists, skipping", is->idxname);
                    n.severity = SQL_SEV_NOTICE;
                    sink->notice(sink->arg, &n);
                }
                sink->command_complete(sink->arg, "CREATE INDEX");
                return SQL_DONE;
            }
            sql_error_set(err, ERRCODE_DUPLICATE_TABLE, "relation \"%s\" already exists", is->idxname);
            return SQL_ERROR;
        }
        name = ddl_strdup(d, is->idxname);
    } else {
        name = ddl_choose_name(d, rel->nsp, rel->name, colbuf, "idx", NULL, 0);
    }
    if (!name)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    memcpy(ixs, copy->indexes, sizeof(CatIndex) * (size_t)copy->nindexes);
    CatIndex *ix = &ixs[copy->nindexes];
    memset(ix, 0, sizeof *ix);
    ix->name = name;
    ix->unique = is->unique;
    ix->nulls_not_distinct = is->nulls_not_distinct;
    ix->valid = true;
    ix->am = ddl_strdup(d, am);
    ix->ncols = ncols;
    ix->attnums = att;
    ix->exprs = exprs;
    ix->opclasses = opcl;
    ix->col_flags = flags;
    ix->predicate = pred;
    if (hnsw && (vecindex_ddl_options(&is->options, &d->arena, ix, err) != 0 || vecindex_validate(rel, ix, err) != 0))
        return SQL_ERROR;
    copy->indexes = ixs;
    copy->nindexes++;
    Oid reloid = rel->oid;
    if (catalog_alter_relation(d->cat, d->ctxn, d->s->db_oid, rel, copy, err) != 0 || ddl_refresh_snap(d, err) != 0)
        return SQL_ERROR;
    const CatRelation *new_rel = catsnap_relation_by_oid(d->snap, reloid);
    /* The old descriptor for reading the existing rows: the pre-ALTER copy. */
    CatRelation *old_rel = catrel_copy(&d->arena, new_rel);
    if (!old_rel)
        return (SqlStatus)SQL_ERR(err, OUT_OF_MEMORY, "out of memory");
    old_rel->nindexes--;
    if (hnsw) {
        if (vecindex_build(d->s->eng->vreg, d->s->txn, d->s->db_oid, new_rel, &new_rel->indexes[new_rel->nindexes - 1], err) != 0)
            return SQL_ERROR;
    } else if (ddl_backfill_index(d, old_rel, new_rel, err) != 0)
        return SQL_ERROR;
    sink->command_complete(sink->arg, "CREATE INDEX");
    return SQL_DONE;
}

/* ---- TRUNCATE ------------------------------------------------------------------------------ */

static SqlStatus exec_truncate(DdlCtx *d, const AstTruncateStmt *ts, const SqlSink *sink, SqlError *err)
{
    for (int i = 0; i < ts->relations.n; i++) {
        const AstRangeVar *rv = (const AstRangeVar *)ts->relations.items[i];
        const CatRelation *rel = ddl_lookup_relation(d, rv);
        if (!rel || rel->kind != CAT_REL_TABLE) {
            sql_error_set(err, ERRCODE_UNDEFINED_TABLE, "relation \"%s\" does not exist", rv->relname);
            return (SqlStatus)ddl_set_pos(d, err, rv->hdr.location);
        }
        if (!d->s->superuser && acl_check_relation(d->snap, d->s->user_oid, rel, PGCAT_ACL_TRUNCATE, false, err) != 0)
            return SQL_ERROR;
        Oid rel_oid = rel->oid;
        vecindex_forget_rel(d->s->eng->vreg, d->s->db_oid, rel);
        if (rel_truncate(d->s->txn, rel, err) != 0 || ddl_refresh_snap(d, err) != 0)
            return SQL_ERROR;
        /* RESTART IDENTITY (e2e fix: it was ignored): every sequence the table owns (serial
         * and identity columns) starts over. Sequences are not transactional here, so unlike
         * PostgreSQL a ROLLBACK of the TRUNCATE does not undo the restart. */
        for (int k = 0; ts->restart_seqs && k < catsnap_n_relations(d->snap); k++) {
            const CatRelation *sq = catsnap_relation(d->snap, k);
            if (sq->kind == CAT_REL_SEQUENCE && sq->seq.owned_by_rel == rel_oid &&
                rel_seq_setval(d->s->eng->rdb, d->s->db_oid, sq, sq->seq.start, false, err) != 0)
                return SQL_ERROR;
        }
    }
    sink->command_complete(sink->arg, "TRUNCATE TABLE");
    return SQL_DONE;
}

/* ---- entry -------------------------------------------------------------------------------- */

SqlStatus ddl_execute(SqlSession *s, const AstNode *stmt, const char *text, const SqlSink *sink, SqlError *err)
{
    if (ddl_database_is_stmt(stmt))
        return ddl_database_execute(s, stmt, text, sink, err);
    if (session_ensure_txn(s, err) != 0)
        return SQL_ERROR;
    if (rel_txn_statement_begin(s->txn, atoll(settings_get(&s->settings, SETTING_STATEMENT_TIMEOUT)), err) != 0)
        return SQL_ERROR;
    DdlCtx d;
    memset(&d, 0, sizeof d);
    d.s = s;
    d.cat = rel_db_catalog(s->eng->rdb);
    d.ctxn = rel_txn_catalog(s->txn);
    d.text = text;
    d.text_len = strlen(text);
    shale_arena_init(&d.arena);
    SqlStatus st;
    if (catalog_snapshot(d.cat, d.ctxn, s->db_oid, &d.snap, err) != 0) {
        shale_arena_destroy(&d.arena);
        return SQL_ERROR;
    }
    switch (stmt->tag) {
    case AST_CREATE_TABLE: st = create_table(&d, (const AstCreateTableStmt *)stmt, sink, err); break;
    case AST_DROP: st = ddl_exec_drop(&d, (const AstDropStmt *)stmt, sink, err); break;
    case AST_CREATE_SCHEMA: st = create_schema(&d, (const AstCreateSchemaStmt *)stmt, sink, err); break;
    case AST_CREATE_SEQUENCE: st = create_sequence(&d, (const AstSequenceStmt *)stmt, sink, err); break;
    case AST_CREATE_INDEX: st = create_index(&d, (const AstIndexStmt *)stmt, sink, err); break;
    case AST_TRUNCATE: st = exec_truncate(&d, (const AstTruncateStmt *)stmt, sink, err); break;
    case AST_ALTER_TABLE:
        st = ((const AstAlterTableStmt *)stmt)->kind == AST_OBJ_SCHEMA
                 ? ddl_alter_schema(&d, (const AstAlterTableStmt *)stmt, sink, err)
                 : ddl_alter_table(&d, (const AstAlterTableStmt *)stmt, sink, err);
        break;
    case AST_GRANT: st = ddl_grant(&d, (const AstGrantStmt *)stmt, sink, err); break;
    case AST_ROLE: st = ddl_role(&d, (const AstRoleStmt *)stmt, sink, err); break;
    case AST_CREATE_VIEW: st = ddl_create_view(&d, (const AstViewStmt *)stmt, sink, err); break;
    case AST_COMMENT: st = ddl_comment(&d, (const AstCommentStmt *)stmt, sink, err); break;
    case AST_ALTER_SEQUENCE: st = ddl_alter_sequence(&d, (const AstSequenceStmt *)stmt, sink, err); break;
    case AST_CREATE_TABLE_AS: st = ddl_create_table_as(&d, (const AstCreateTableAsStmt *)stmt, sink, err); break;
    case AST_CREATE_EMBEDDER: st = embed_ddl_embedder(s, stmt, sink, err); break;
    case AST_CREATE_EXTENSION: {
        const AstCreateExtensionStmt *ce = (const AstCreateExtensionStmt *)stmt;
        if (strcmp(ce->name, "vector") != 0 && strcmp(ce->name, "plpgsql") != 0 &&
            strcmp(ce->name, "pg_stat_statements") != 0) {
            sql_error_set(err, ERRCODE_UNDEFINED_FILE, "extension \"%s\" is not available", ce->name);
            st = SQL_ERROR;
            break;
        }
        /* Built in (pg_stat_statements too: sql/pgss.h): the vector facet needs no installation and nothing is recorded; it is
         * listed in pg_extension as installed, so IF NOT EXISTS says so as PostgreSQL does
         * (plain CREATE EXTENSION is accepted too, for scripts written for a fresh database). */
        if (ce->if_not_exists && sink->notice) {
            SqlError n;
            sql_error_set(&n, ERRCODE_DUPLICATE_OBJECT, "extension \"%s\" already exists, skipping", ce->name);
            n.severity = SQL_SEV_NOTICE;
            sink->notice(sink->arg, &n);
        }
        sink->command_complete(sink->arg, "CREATE EXTENSION");
        st = SQL_DONE;
        break;
    }
    default:
        sql_error_set(err, ERRCODE_FEATURE_NOT_SUPPORTED, "this statement is not supported yet");
        err->position = stmt->location >= 0 ? sql_parser_position(text, d.text_len, stmt->location) : 0;
        st = SQL_ERROR;
        break;
    }
    if (d.snap)
        catalog_snapshot_release(d.snap);
    shale_arena_destroy(&d.arena);
    return st;
}
