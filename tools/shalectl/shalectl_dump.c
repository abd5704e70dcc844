/* shalectl_dump.c -- `shalectl dump`: a logical dump of one database as a plain SQL psql
 * script that loads into ShaleDB and into PostgreSQL 15 + pgvector (docs/operations.md).
 *
 * Everything is read in one REPEATABLE READ READ ONLY transaction (one snapshot) through the
 * catalogs (pg_class, pg_attribute, pg_attrdef, pg_constraint, pg_index, pg_sequence,
 * pg_depend, pg_get_*def) with search_path = '' so every expression the server deparses comes
 * back schema-qualified; data comes from COPY ... TO STDOUT (text format), written through
 * unchanged. Output order (each part only when it has something):
 *
 *   header: SET statements both servers accept, search_path = public, pg_catalog
 *   CREATE SCHEMA (every user schema but public)
 *   CREATE EXTENSION IF NOT EXISTS vector (when a dumped column is a vector)
 *   CREATE SEQUENCE (standalone and serial ones; identity sequences come with their column)
 *   CREATE TABLE: columns (type, identity, generated, default, NOT NULL), CHECK/PK/UNIQUE
 *   ALTER SEQUENCE ... OWNED BY (serial columns)
 *   CREATE VIEW (pg_get_viewdef), in OID order (a view can only read older relations)
 *   COPY ... FROM stdin blocks, one per table, ended by "\."
 *   setval for every sequence (identity ones through pg_get_serial_sequence)
 *   CREATE INDEX (non-constraint indexes, hnsw with opclass and WITH options), after the data
 *   ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, after the data
 *   the ShaleDB-only section: CREATE EMBEDDER and ALTER TABLE ... SET EMBEDDING OF; embedding
 *     columns are dumped above as plain vector columns. --target=any wraps the section in
 *     psql's \if on "version() mentions ShaleDB", --target=shaledb emits it bare,
 *     --target=postgres leaves it out (listed in comments only).
 *
 * Memory: every query result is a DumpRes owned by the Dump and freed by dump_free. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/shalectl/shalectl.h"

/* One query's rows: cell[row * ncols + col], NULL for SQL NULL; every string owned. */
typedef struct DumpRes {
    int nrows, ncols;
    size_t cap;
    char **cell;
    bool oom;
} DumpRes;

typedef struct Dump {
    PqClient *c;
    FILE *out;
    const ShalectlDumpOptions *o;
    bool shaledb;                 /* the server is ShaleDB (has the shale_* views) */
    DumpRes nsp, rels, cols, cons, idx, seqs, deps, embs, embcols;
    bool *sel;                    /* per rels row: dumped */
    long long rows, bytes;
    int tables;
} Dump;

static int res_add(void *arg, int n, const char *const *vals)
{
    DumpRes *r = arg;
    if (r->oom)
        return 1;
    if (r->nrows == 0)
        r->ncols = n;
    size_t need = (size_t)(r->nrows + 1) * (size_t)r->ncols;
    if (need > r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        while (cap < need)
            cap *= 2;
        char **nc = realloc(r->cell, cap * sizeof *nc);
        if (!nc) {
            r->oom = true;
            return 1;
        }
        r->cell = nc;
        r->cap = cap;
    }
    for (int i = 0; i < r->ncols; i++) {
        char *v = NULL;
        if (i < n && vals[i] && !(v = strdup(vals[i])))
            r->oom = true;
        r->cell[(size_t)r->nrows * (size_t)r->ncols + (size_t)i] = v;
    }
    r->nrows++;
    return r->oom;
}

static const char *cell(const DumpRes *r, int row, int col)
{
    return r->cell[(size_t)row * (size_t)r->ncols + (size_t)col];
}

/* The cell as "" when NULL. */
static const char *cells(const DumpRes *r, int row, int col)
{
    const char *v = cell(r, row, col);
    return v ? v : "";
}

static void res_free(DumpRes *r)
{
    for (size_t i = 0; i < (size_t)r->nrows * (size_t)r->ncols; i++)
        free(r->cell[i]);
    free(r->cell);
    memset(r, 0, sizeof *r);
}

static int run(Dump *d, const char *sql, DumpRes *r)
{
    if (pq_client_query(d->c, sql, r ? res_add : NULL, r) != 0) {
        fprintf(stderr, "shalectl: dump: query failed: %s\nquery was: %s\n", pq_client_error(d->c), sql);
        return -1;
    }
    if (r && r->oom) {
        fprintf(stderr, "shalectl: dump: out of memory\n");
        return -1;
    }
    return 0;
}

/* SQL string literal of s (standard_conforming_strings on: only quotes double). */
static void put_literal(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* ---- catalog reading ------------------------------------------------------------------- */

#define USER_NSP "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"

static int load_catalog(Dump *d)
{
    static const char *const q_nsp =
        "SELECT n.oid, n.nspname, pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_namespace n WHERE " USER_NSP
        " ORDER BY n.oid";
    static const char *const q_rels =
        "SELECT c.oid, n.nspname, c.relname, c.relkind, "
        "pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname), "
        "CASE WHEN c.relkind = 'v' THEN pg_catalog.pg_get_viewdef(c.oid) END "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'v', 'S') AND " USER_NSP " ORDER BY c.oid";
    static const char *const q_cols =
        "SELECT a.attrelid, a.attnum, pg_catalog.quote_ident(a.attname), "
        "pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, a.attgenerated, "
        "pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attname "
        "FROM pg_catalog.pg_attribute a "
        "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN (SELECT c.oid FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v') AND " USER_NSP ") "
        "ORDER BY a.attrelid, a.attnum";
    static const char *const q_cons =
        "SELECT conrelid, pg_catalog.quote_ident(conname), contype, pg_catalog.pg_get_constraintdef(oid) "
        "FROM pg_catalog.pg_constraint WHERE contype IN ('c', 'p', 'u', 'f') AND conrelid <> 0 "
        "ORDER BY conrelid, CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'c' THEN 2 ELSE 3 END, conname";
    static const char *const q_idx =
        "SELECT i.indrelid, pg_catalog.pg_get_indexdef(i.indexrelid), c.conname "
        "FROM pg_catalog.pg_index i LEFT JOIN pg_catalog.pg_constraint c "
        "ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x') ORDER BY i.indexrelid";
    static const char *const q_seqs =
        "SELECT s.seqrelid, pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmax, "
        "s.seqmin, s.seqcache, s.seqcycle FROM pg_catalog.pg_sequence s ORDER BY s.seqrelid";
    static const char *const q_deps =
        "SELECT d.objid, d.refobjid, d.refobjsubid, d.deptype FROM pg_catalog.pg_depend d "
        "WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
        "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
        "AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0";
    if (run(d, q_nsp, &d->nsp) || run(d, q_rels, &d->rels) || run(d, q_cols, &d->cols) ||
        run(d, q_cons, &d->cons) || run(d, q_idx, &d->idx) || run(d, q_seqs, &d->seqs) || run(d, q_deps, &d->deps))
        return -1;
    if (d->shaledb &&
        (run(d, "SELECT oid, pg_catalog.quote_ident(name), provider, options FROM pg_catalog.shale_embedders "
                "ORDER BY oid", &d->embs) ||
         run(d, "SELECT attrelid, attnum, expression, pg_catalog.quote_ident(embedder) "
                "FROM pg_catalog.shale_embedding_columns ORDER BY attrelid, attnum", &d->embcols)))
        return -1;
    return 0;
}

static int rel_row(const Dump *d, const char *oid)
{
    for (int i = 0; i < d->rels.nrows; i++)
        if (!strcmp(cells(&d->rels, i, 0), oid))
            return i;
    return -1;
}

static char kind(const Dump *d, int r)
{
    return cells(&d->rels, r, 3)[0];
}

static const char *qname(const Dump *d, int r)
{
    return cells(&d->rels, r, 4);
}

/* The pg_depend row owning sequence oid ('a' serial / 'i' identity), or -1. */
static int seq_owner(const Dump *d, const char *seq_oid)
{
    for (int i = 0; i < d->deps.nrows; i++)
        if (!strcmp(cells(&d->deps, i, 0), seq_oid))
            return i;
    return -1;
}

/* The column row of (rel oid, attnum), or -1. */
static int col_row(const Dump *d, const char *rel, const char *attnum)
{
    for (int i = 0; i < d->cols.nrows; i++)
        if (!strcmp(cells(&d->cols, i, 0), rel) && !strcmp(cells(&d->cols, i, 1), attnum))
            return i;
    return -1;
}

static bool name_matches(const Dump *d, int r, const char *want)
{
    const char *nsp = cells(&d->rels, r, 1), *rel = cells(&d->rels, r, 2);
    size_t nl = strlen(nsp);
    return !strcmp(want, rel) || (!strncmp(want, nsp, nl) && want[nl] == '.' && !strcmp(want + nl + 1, rel)) ||
           !strcmp(want, qname(d, r));   /* "Odd Schema"."Mixed Case", as the dump writes it */
}

/* Marks the dumped relations: all, or the -t ones (tables and views) plus the sequences
 * their columns own. */
static int select_relations(Dump *d)
{
    d->sel = calloc((size_t)d->rels.nrows + 1, sizeof *d->sel);
    if (!d->sel)
        return -1;
    for (int t = 0; t < d->o->n_tables; t++) {
        bool found = false;
        for (int r = 0; r < d->rels.nrows; r++)
            if (kind(d, r) != 'S' && name_matches(d, r, d->o->tables[t]))
                d->sel[r] = found = true;
        if (!found) {
            fprintf(stderr, "shalectl: dump: no table or view matches \"%s\"\n", d->o->tables[t]);
            return -1;
        }
    }
    for (int r = 0; r < d->rels.nrows; r++) {
        if (d->o->n_tables == 0) {
            d->sel[r] = true;
        } else if (kind(d, r) == 'S') {
            int dep = seq_owner(d, cells(&d->rels, r, 0));
            int owner = dep >= 0 ? rel_row(d, cells(&d->deps, dep, 1)) : -1;
            d->sel[r] = owner >= 0 && d->sel[owner];
        }
    }
    return 0;
}

/* ---- schema ---------------------------------------------------------------------------- */

static void dump_header(Dump *d)
{
    FILE *f = d->out;
    const char *ver = pq_client_parameter(d->c, "server_version");
    fprintf(f, "--\n-- ShaleDB logical dump (shalectl dump, target %s)\n-- server version %s\n--\n"
               "-- Load with: psql -v ON_ERROR_STOP=1 -d DATABASE -f FILE (psql: the data is in COPY\n"
               "-- blocks). It loads into ShaleDB and into PostgreSQL 15 with pgvector.\n--\n\n",
            d->o->target == DUMP_TARGET_POSTGRES ? "postgres" : d->o->target == DUMP_TARGET_SHALEDB ? "shaledb" : "any",
            ver ? ver : "?");
    fputs("SET statement_timeout = 0;\n"
          "SET lock_timeout = 0;\n"
          "SET client_encoding = 'UTF8';\n"
          "SET standard_conforming_strings = on;\n"
          "SELECT pg_catalog.set_config('search_path', 'public, pg_catalog', false);\n"
          "SET check_function_bodies = false;\n"
          "SET client_min_messages = warning;\n\n",
          f);
}

static bool is_vector_type(const char *t)
{
    return !strncmp(t, "vector", 6) && (t[6] == 0 || t[6] == '(' || t[6] == '[');
}

static void dump_schemas_and_extension(Dump *d)
{
    for (int s = 0; s < d->nsp.nrows; s++) {
        if (!strcmp(cells(&d->nsp, s, 1), "public"))
            continue;
        bool used = d->o->n_tables == 0;
        for (int r = 0; r < d->rels.nrows && !used; r++)
            used = d->sel[r] && !strcmp(cells(&d->rels, r, 1), cells(&d->nsp, s, 1));
        if (used)
            fprintf(d->out, "CREATE SCHEMA %s;\n", cells(&d->nsp, s, 2));
    }
    bool vec = false;
    for (int i = 0; i < d->cols.nrows && !vec; i++) {
        int r = rel_row(d, cells(&d->cols, i, 0));
        vec = r >= 0 && d->sel[r] && is_vector_type(cells(&d->cols, i, 3));
    }
    if (vec)
        fputs("\n-- ShaleDB has the vector type built in (this is a no-op there); PostgreSQL needs pgvector.\n"
              "CREATE EXTENSION IF NOT EXISTS vector;\n",
              d->out);
    fputc('\n', d->out);
}

/* " START WITH ... [NO] CYCLE" of pg_sequence row s. */
static void seq_options(Dump *d, int s)
{
    const DumpRes *q = &d->seqs;
    fprintf(d->out, "START WITH %s INCREMENT BY %s MINVALUE %s MAXVALUE %s CACHE %s%s", cells(q, s, 2), cells(q, s, 3),
            cells(q, s, 5), cells(q, s, 4), cells(q, s, 6), !strcmp(cells(q, s, 7), "t") ? " CYCLE" : "");
}

static int seq_row(const Dump *d, const char *oid)
{
    for (int i = 0; i < d->seqs.nrows; i++)
        if (!strcmp(cells(&d->seqs, i, 0), oid))
            return i;
    return -1;
}

static void dump_sequences(Dump *d)
{
    for (int r = 0; r < d->rels.nrows; r++) {
        if (!d->sel[r] || kind(d, r) != 'S')
            continue;
        int dep = seq_owner(d, cells(&d->rels, r, 0));
        int s = seq_row(d, cells(&d->rels, r, 0));
        if ((dep >= 0 && cells(&d->deps, dep, 3)[0] == 'i') || s < 0)
            continue;   /* identity: created by its column */
        fprintf(d->out, "CREATE SEQUENCE %s AS %s ", qname(d, r), cells(&d->seqs, s, 1));
        seq_options(d, s);
        fputs(";\n", d->out);
    }
}

/* The identity sequence's pg_sequence row of column (rel, attnum), or -1. */
static int identity_seq(const Dump *d, const char *rel, const char *attnum)
{
    for (int i = 0; i < d->deps.nrows; i++)
        if (cells(&d->deps, i, 3)[0] == 'i' && !strcmp(cells(&d->deps, i, 1), rel) &&
            !strcmp(cells(&d->deps, i, 2), attnum))
            return seq_row(d, cells(&d->deps, i, 0));
    return -1;
}

static void dump_table(Dump *d, int r)
{
    FILE *f = d->out;
    const char *oid = cells(&d->rels, r, 0);
    fprintf(f, "CREATE TABLE %s (", qname(d, r));
    int n = 0;
    for (int i = 0; i < d->cols.nrows; i++) {
        if (strcmp(cells(&d->cols, i, 0), oid) != 0)
            continue;
        const char *ident = cells(&d->cols, i, 5), *gen = cells(&d->cols, i, 6), *def = cell(&d->cols, i, 7);
        fprintf(f, "%s\n    %s %s", n++ ? "," : "", cells(&d->cols, i, 2), cells(&d->cols, i, 3));
        if (gen[0] == 's' && def) {
            fprintf(f, " GENERATED ALWAYS AS (%s) STORED", def);
        } else if (ident[0] == 'a' || ident[0] == 'd') {
            fprintf(f, " GENERATED %s AS IDENTITY", ident[0] == 'a' ? "ALWAYS" : "BY DEFAULT");
            int s = identity_seq(d, oid, cells(&d->cols, i, 1));
            if (s >= 0 && (strcmp(cells(&d->seqs, s, 2), "1") != 0 || strcmp(cells(&d->seqs, s, 3), "1") != 0 ||
                           strcmp(cells(&d->seqs, s, 6), "1") != 0 || !strcmp(cells(&d->seqs, s, 7), "t"))) {
                fputs(" (", f);
                seq_options(d, s);
                fputc(')', f);
            }
        } else if (def) {
            fprintf(f, " DEFAULT %s", def);
        }
        if (!strcmp(cells(&d->cols, i, 4), "t"))
            fputs(" NOT NULL", f);
    }
    for (int i = 0; i < d->cons.nrows; i++) {
        const char *t = cells(&d->cons, i, 2);
        if (strcmp(cells(&d->cons, i, 0), oid) == 0 && t[0] != 'f')
            fprintf(f, "%s\n    CONSTRAINT %s %s", n++ ? "," : "", cells(&d->cons, i, 1), cells(&d->cons, i, 3));
    }
    fputs("\n);\n\n", f);
}

static void dump_tables_and_views(Dump *d)
{
    for (int r = 0; r < d->rels.nrows; r++)
        if (d->sel[r] && kind(d, r) == 'r')
            dump_table(d, r);
    for (int i = 0; i < d->deps.nrows; i++) {
        if (cells(&d->deps, i, 3)[0] != 'a')
            continue;
        int sr = rel_row(d, cells(&d->deps, i, 0)), tr = rel_row(d, cells(&d->deps, i, 1));
        int c = col_row(d, cells(&d->deps, i, 1), cells(&d->deps, i, 2));
        if (sr >= 0 && tr >= 0 && c >= 0 && d->sel[sr] && d->sel[tr])
            fprintf(d->out, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", qname(d, sr), qname(d, tr), cells(&d->cols, c, 2));
    }
    for (int r = 0; r < d->rels.nrows; r++) {
        if (!d->sel[r] || kind(d, r) != 'v')
            continue;
        const char *def = cells(&d->rels, r, 5);
        size_t len = strlen(def);
        while (len > 0 && (def[len - 1] == ';' || def[len - 1] == ' ' || def[len - 1] == '\n'))
            len--;
        while (len > 0 && (*def == ' ' || *def == '\n'))
            def++, len--;
        fprintf(d->out, "\nCREATE VIEW %s AS\n %.*s;\n", qname(d, r), (int)len, def);
    }
    fputc('\n', d->out);
}

/* ---- data ------------------------------------------------------------------------------ */

typedef struct CopySink {
    Dump *d;
    char last;
} CopySink;

static int copy_data(void *arg, const char *data, size_t n)
{
    CopySink *s = arg;
    if (n == 0)
        return 0;
    if (fwrite(data, 1, n, s->d->out) != n)
        return 1;
    for (size_t i = 0; i < n; i++)
        s->d->rows += data[i] == '\n';
    s->d->bytes += (long long)n;
    s->last = data[n - 1];
    return 0;
}

static int dump_data(Dump *d)
{
    for (int r = 0; r < d->rels.nrows; r++) {
        if (!d->sel[r] || kind(d, r) != 'r')
            continue;
        char *list = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&list, &len);
        if (!m)
            return -1;
        int n = 0;
        for (int i = 0; i < d->cols.nrows; i++)
            if (!strcmp(cells(&d->cols, i, 0), cells(&d->rels, r, 0)) && cells(&d->cols, i, 6)[0] != 's')
                fprintf(m, "%s%s", n++ ? ", " : "", cells(&d->cols, i, 2));
        fclose(m);
        size_t qcap = strlen(list) + strlen(qname(d, r)) + 64;
        char *q = malloc(qcap);
        if (!q) {
            free(list);
            return -1;
        }
        snprintf(q, qcap, "COPY %s (%s) TO STDOUT", qname(d, r), list);
        fprintf(d->out, "COPY %s (%s) FROM stdin;\n", qname(d, r), list);
        free(list);
        CopySink sink = { d, '\n' };
        int rc = pq_client_copy_out(d->c, q, copy_data, &sink);
        free(q);
        if (rc != 0) {
            fprintf(stderr, "shalectl: dump: COPY of %s failed: %s\n", qname(d, r), pq_client_error(d->c));
            return -1;
        }
        fputs(sink.last == '\n' ? "\\.\n\n" : "\n\\.\n\n", d->out);
        d->tables++;
    }
    return 0;
}

typedef struct SeqVal {
    char last[32];
    bool called;
} SeqVal;

static int take_seqval(void *arg, int n, const char *const *vals)
{
    SeqVal *v = arg;
    if (n >= 2 && vals[0] && vals[1]) {
        snprintf(v->last, sizeof v->last, "%s", vals[0]);
        v->called = !strcmp(vals[1], "t");
    }
    return 0;
}

static int dump_setval(Dump *d, int r)
{
    char q[1200];
    snprintf(q, sizeof q, "SELECT last_value, is_called FROM %s", qname(d, r));
    SeqVal v = { "", false };
    if (pq_client_query(d->c, q, take_seqval, &v) != 0 || !v.last[0]) {
        fprintf(stderr, "shalectl: dump: reading sequence %s failed: %s\n", qname(d, r), pq_client_error(d->c));
        return -1;
    }
    int dep = seq_owner(d, cells(&d->rels, r, 0));
    int tr = dep >= 0 ? rel_row(d, cells(&d->deps, dep, 1)) : -1;
    int c = tr >= 0 ? col_row(d, cells(&d->deps, dep, 1), cells(&d->deps, dep, 2)) : -1;
    fputs("SELECT pg_catalog.setval(", d->out);
    if (dep >= 0 && cells(&d->deps, dep, 3)[0] == 'i' && c >= 0) {
        /* the identity sequence's name is the server's choice: ask the loading server */
        fputs("pg_catalog.pg_get_serial_sequence(", d->out);
        put_literal(d->out, qname(d, tr));
        fputs(", ", d->out);
        put_literal(d->out, cells(&d->cols, c, 8));   /* taken literally: the raw name */
        fputc(')', d->out);
    } else {
        put_literal(d->out, qname(d, r));
    }
    fprintf(d->out, ", %s, %s);\n", v.last, v.called ? "true" : "false");
    return 0;
}

static const Dump *sort_dump;   /* qsort's context; dump runs on one thread */

static int by_qname(const void *a, const void *b)
{
    return strcmp(qname(sort_dump, *(const int *)a), qname(sort_dump, *(const int *)b));
}

/* setval per sequence, by name (a dump of the restored database then reads the same). */
static int dump_setvals(Dump *d)
{
    int *order = malloc(sizeof(int) * (size_t)(d->rels.nrows + 1)), n = 0;
    if (!order)
        return -1;
    for (int r = 0; r < d->rels.nrows; r++)
        if (d->sel[r] && kind(d, r) == 'S')
            order[n++] = r;
    sort_dump = d;
    qsort(order, (size_t)n, sizeof *order, by_qname);
    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++)
        rc = dump_setval(d, order[k]);
    free(order);
    return rc;
}

static void dump_indexes_and_fks(Dump *d)
{
    fputc('\n', d->out);
    for (int i = 0; i < d->idx.nrows; i++) {
        int r = rel_row(d, cells(&d->idx, i, 0));
        if (r >= 0 && d->sel[r] && kind(d, r) == 'r' && !cell(&d->idx, i, 2))
            fprintf(d->out, "%s;\n", cells(&d->idx, i, 1));
    }
    fputc('\n', d->out);
    for (int i = 0; i < d->cons.nrows; i++) {
        int r = rel_row(d, cells(&d->cons, i, 0));
        if (r >= 0 && d->sel[r] && cells(&d->cons, i, 2)[0] == 'f')
            fprintf(d->out, "ALTER TABLE ONLY %s ADD CONSTRAINT %s %s;\n", qname(d, r), cells(&d->cons, i, 1),
                    cells(&d->cons, i, 3));
    }
}

/* ---- the ShaleDB-only section ---------------------------------------------------------- */

static bool embedder_used(const Dump *d, const char *qname_embedder)
{
    for (int i = 0; i < d->embcols.nrows; i++) {
        int r = rel_row(d, cells(&d->embcols, i, 0));
        if (r >= 0 && d->sel[r] && !strcmp(cells(&d->embcols, i, 3), qname_embedder))
            return true;
    }
    return false;
}

static void dump_shaledb_section(Dump *d)
{
    FILE *f = d->out;
    int n = 0;
    for (int i = 0; i < d->embs.nrows; i++)
        n += d->o->n_tables == 0 || embedder_used(d, cells(&d->embs, i, 1));
    for (int i = 0; i < d->embcols.nrows; i++) {
        int r = rel_row(d, cells(&d->embcols, i, 0));
        n += r >= 0 && d->sel[r];
    }
    if (n == 0)
        return;
    bool pg = d->o->target == DUMP_TARGET_POSTGRES, any = d->o->target == DUMP_TARGET_ANY;
    const char *pfx = pg ? "-- " : "";
    fputs("\n--\n-- ShaleDB-only section: embedders and EMBEDDING OF columns (dumped above as plain\n"
          "-- vector columns with their vectors). Declaring a column re-queues an embedding job for\n"
          "-- every row; the dumped vectors serve until the jobs finish.\n",
          f);
    if (pg)
        fputs("-- Left out (--target=postgres); the statements are shown commented out.\n--\n", f);
    else if (any)
        fputs("-- psql skips it on other servers (\\if below). With a client other than psql, delete\n"
              "-- everything from here to \"end of ShaleDB-only section\".\n--\n"
              "SELECT pg_catalog.strpos(pg_catalog.version(), 'ShaleDB') > 0 AS shale_target_is_shaledb \\gset\n"
              "\\if :shale_target_is_shaledb\n",
              f);
    else
        fputs("--\n", f);
    for (int i = 0; i < d->embs.nrows; i++) {
        if (d->o->n_tables && !embedder_used(d, cells(&d->embs, i, 1)))
            continue;
        fprintf(f, "%sCREATE EMBEDDER %s (provider = ", pfx, cells(&d->embs, i, 1));
        put_literal(f, cells(&d->embs, i, 2));
        const char *opt = cells(&d->embs, i, 3);
        fprintf(f, "%s%s);\n", *opt ? ", " : "", opt);
    }
    for (int i = 0; i < d->embcols.nrows; i++) {
        int r = rel_row(d, cells(&d->embcols, i, 0));
        int c = r >= 0 ? col_row(d, cells(&d->embcols, i, 0), cells(&d->embcols, i, 1)) : -1;
        if (r < 0 || !d->sel[r] || c < 0)
            continue;
        fprintf(f, "%sALTER TABLE %s ALTER COLUMN %s SET EMBEDDING OF (%s) USING %s;\n", pfx, qname(d, r),
                cells(&d->cols, c, 2), cells(&d->embcols, i, 2), cells(&d->embcols, i, 3));
    }
    if (any)
        fputs("\\endif\n", f);
    fputs("-- end of ShaleDB-only section\n", f);
}

/* ---- driver ---------------------------------------------------------------------------- */

static int is_shaledb_row(void *arg, int n, const char *const *vals)
{
    *(bool *)arg = n > 0 && vals[0] && !strcmp(vals[0], "t");
    return 0;
}

static void dump_free(Dump *d)
{
    DumpRes *all[] = { &d->nsp, &d->rels, &d->cols, &d->cons, &d->idx, &d->seqs, &d->deps, &d->embs, &d->embcols };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        res_free(all[i]);
    free(d->sel);
}

int shalectl_dump(const ShalectlConn *conn, const ShalectlDumpOptions *o)
{
    Dump d;
    memset(&d, 0, sizeof d);
    d.o = o;
    if (shalectl_connect(conn, &d.c) != 0)
        return 1;
    int rc = -1;
    /* One snapshot for everything; text formats that read back exactly anywhere. */
    if (run(&d, "SET client_encoding = 'UTF8'", NULL) || run(&d, "SET DateStyle = ISO", NULL) ||
        run(&d, "SET IntervalStyle = postgres", NULL) || run(&d, "SET extra_float_digits = 3", NULL) ||
        run(&d, "SELECT pg_catalog.set_config('search_path', '', false)", NULL) ||
        run(&d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL))
        goto out;
    if (pq_client_query(d.c, "SELECT pg_catalog.strpos(pg_catalog.version(), 'ShaleDB') > 0", is_shaledb_row,
                        &d.shaledb) != 0 ||
        load_catalog(&d) != 0 || select_relations(&d) != 0)
        goto out;
    d.out = stdout;
    if (o->file && !(d.out = fopen(o->file, "w"))) {
        perror(o->file);
        d.out = NULL;
        goto out;
    }
    dump_header(&d);
    dump_schemas_and_extension(&d);
    dump_sequences(&d);
    dump_tables_and_views(&d);
    if (dump_data(&d) != 0 || dump_setvals(&d) != 0)
        goto out;
    dump_indexes_and_fks(&d);
    dump_shaledb_section(&d);
    fputs("\n-- dump complete\n", d.out);
    if (run(&d, "COMMIT", NULL) != 0)
        goto out;
    rc = 0;
out:
    if (d.out && (fflush(d.out) != 0 || ferror(d.out))) {
        fprintf(stderr, "shalectl: dump: could not write the output\n");
        rc = -1;
    }
    if (d.out && d.out != stdout && fclose(d.out) != 0)
        rc = -1;
    if (rc == 0)
        fprintf(stderr, "dump complete: %d tables, %lld rows, %lld bytes of data\n", d.tables, d.rows, d.bytes);
    pq_client_close(d.c);
    dump_free(&d);
    return rc == 0 ? 0 : 1;
}
