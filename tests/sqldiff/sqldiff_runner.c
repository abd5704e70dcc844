/* sqldiff_runner.c -- runs a .sql script statement by statement over libpq and prints every
 * statement with its outcome in a canonical text form, so the output of ShaleDB can be
 * diffed against the output of PostgreSQL 15 (tests/sqldiff/expected/NAME.out).
 *
 *   sqldiff_runner [--conn STR] [--timeout SECS] [--extended] FILE.sql   > FILE.out
 *
 * The script is split at top-level semicolons (quotes, "identifiers", dollar quotes, --
 * and nested block comments are honoured). A COPY ... FROM STDIN statement takes the lines
 * after it up to a line "\." as its data, like psql. A comment line "-- @rowsort" before a
 * statement sorts its result rows (byte order of the rendered rows) for queries whose order
 * is not defined. --extended sends each statement through the extended protocol (Parse/
 * Bind/Execute, no parameters) instead of a simple Query message.
 *
 * Output format (one block per statement, blocks separated by a blank line):
 *   <the statement's source text, with its leading comments, verbatim>
 *   NOTICE <sqlstate> <message>             for every notice, in arrival order
 *   COLUMNS <name> <type>, <name> <type>    for a result set (type: PostgreSQL type name,
 *                                           or the numeric OID for types not in our table)
 *   <v1> | <v2> ...                         one line per row; NULL as \N, '' as \e; in values
 *                                           backslash, newline, CR, tab and '|' are escaped
 *                                           as \\ \n \r \t \|
 *   COPYDATA <line>                         each line a COPY TO STDOUT produced
 *   TAG <command tag>                       on success
 *   ERROR <sqlstate> <message>              on failure, then DETAIL <detail> / HINT <hint>
 *                                           when present (no position, no context)
 *   TIMEOUT <reason> / CONNECTION LOST <reason>   the run stops after a lost connection
 * Exit status: 0 when the script ran to its end (whatever the statements did), 1 when the
 * connection was lost, 2 usage or I/O errors. Memory: the script buffer and the per-statement
 * output buffers are owned by main and reused for every statement. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "tests/lib/pq_exec.h"

/* A growable string; ok = 0 once an allocation failed (output is then truncated). */
typedef struct SdBuf {
    char *s;
    size_t len, cap;
} SdBuf;

static void sd_buf_add(SdBuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 256) + n;
        char *ns = realloc(b->s, nc);
        if (!ns) return;
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void sd_buf_str(SdBuf *b, const char *s)
{
    sd_buf_add(b, s, strlen(s));
}

/* One statement of the script: pointers into the script buffer. */
typedef struct SdStmt {
    const char *src;        /* leading comments + statement, for the echo */
    size_t src_len;
    const char *sql;        /* the statement alone (from its first token, through ';') */
    size_t sql_len;
    const char *copy;       /* COPY FROM STDIN data (lines before "\."), or NULL */
    size_t copy_len;
    int rowsort;
} SdStmt;

static int sd_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Skips whitespace and comments from p; sets *rowsort when a "-- @rowsort" line is seen. */
static const char *sd_skip_space(const char *p, const char *end, int *rowsort)
{
    while (p < end) {
        if (isspace((unsigned char)*p)) {
            p++;
        } else if (p + 1 < end && p[0] == '-' && p[1] == '-') {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol) eol = end;
            const char *d = p + 2;
            while (d < eol && *d == ' ') d++;
            if ((size_t)(eol - d) >= 8 && strncmp(d, "@rowsort", 8) == 0) *rowsort = 1;
            p = eol;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            int depth = 0;
            while (p < end) {
                if (p + 1 < end && p[0] == '/' && p[1] == '*') depth++, p += 2;
                else if (p + 1 < end && p[0] == '*' && p[1] == '/') {
                    p += 2;
                    if (--depth == 0) break;
                } else p++;
            }
        } else {
            break;
        }
    }
    return p;
}

/* Returns the end of the statement starting at p (just past its ';', or end). */
static const char *sd_stmt_end(const char *start, const char *end)
{
    const char *p = start;
    while (p < end) {
        char c = *p;
        if (c == ';') return p + 1;
        if (c == '-' && p + 1 < end && p[1] == '-') {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            p = eol ? eol : end;
        } else if (c == '/' && p + 1 < end && p[1] == '*') {
            int dummy = 0;
            p = sd_skip_space(p, end, &dummy);
        } else if (c == '\'') {
            int backslash = p > start && (p[-1] == 'E' || p[-1] == 'e') && (p - 1 == start || !sd_ident_char(p[-2]));
            p++;
            while (p < end) {
                if (backslash && *p == '\\' && p + 1 < end) p += 2;
                else if (*p == '\'' && p + 1 < end && p[1] == '\'') p += 2;
                else if (*p == '\'') { p++; break; }
                else p++;
            }
        } else if (c == '"') {
            p++;
            while (p < end) {
                if (*p == '"' && p + 1 < end && p[1] == '"') p += 2;
                else if (*p == '"') { p++; break; }
                else p++;
            }
        } else if (c == '$' && (p == start || !sd_ident_char(p[-1])) && p + 1 < end && !isdigit((unsigned char)p[1])) {
            const char *t = p + 1;
            while (t < end && (isalnum((unsigned char)*t) || *t == '_')) t++;
            if (t < end && *t == '$') {
                size_t tag_len = (size_t)(t - p + 1);
                const char *body = t + 1, *q = body;
                const char *close = NULL;
                while (q + tag_len <= end) {
                    if (*q == '$' && memcmp(q, p, tag_len) == 0) { close = q; break; }
                    q++;
                }
                p = close ? close + tag_len : end;
            } else {
                p++;
            }
        } else {
            p++;
        }
    }
    return end;
}

static int sd_is_copy_from_stdin(const char *sql, size_t len)
{
    if (len < 4 || strncasecmp(sql, "copy", 4) != 0 || sd_ident_char(sql[4])) return 0;
    for (size_t i = 0; i + 10 <= len; i++) {
        if (strncasecmp(sql + i, "from", 4) == 0 && !sd_ident_char(sql[i + 4])) {
            size_t j = i + 4;
            while (j < len && isspace((unsigned char)sql[j])) j++;
            if (j + 5 <= len && strncasecmp(sql + j, "stdin", 5) == 0 && (j + 5 == len || !sd_ident_char(sql[j + 5])))
                return 1;
        }
    }
    return 0;
}

/* Fills *st with the next statement at *pos; returns 0 at the end of the script. */
static int sd_next_stmt(const char **pos, const char *end, SdStmt *st)
{
    memset(st, 0, sizeof *st);
    const char *p = *pos;
    while (p < end && isspace((unsigned char)*p)) p++;   /* blank lines before comments */
    const char *src = p;
    p = sd_skip_space(p, end, &st->rowsort);
    if (p >= end) {
        *pos = end;
        return 0;
    }
    const char *stop = sd_stmt_end(p, end);
    st->src = src;
    st->src_len = (size_t)(stop - src);
    st->sql = p;
    st->sql_len = (size_t)(stop - p);
    *pos = stop;
    if (sd_is_copy_from_stdin(st->sql, st->sql_len)) {
        const char *d = memchr(stop, '\n', (size_t)(end - stop));
        d = d ? d + 1 : end;
        st->copy = d;
        const char *line = d;
        while (line < end) {
            const char *eol = memchr(line, '\n', (size_t)(end - line));
            size_t ll = eol ? (size_t)(eol - line) : (size_t)(end - line);
            if (ll >= 2 && line[0] == '\\' && line[1] == '.') {
                st->copy_len = (size_t)(line - d);
                *pos = eol ? eol + 1 : end;
                return 1;
            }
            line = eol ? eol + 1 : end;
        }
        st->copy_len = (size_t)(end - d);
        *pos = end;
    }
    return 1;
}

static const char *sd_type_name(Oid oid, char *buf, size_t n)
{
    static const struct { Oid oid; const char *name; } types[] = {
        {16, "bool"}, {17, "bytea"}, {18, "char"}, {19, "name"}, {20, "int8"}, {21, "int2"},
        {23, "int4"}, {24, "regproc"}, {25, "text"}, {26, "oid"}, {114, "json"}, {142, "xml"},
        {199, "_json"}, {650, "cidr"}, {700, "float4"}, {701, "float8"}, {705, "unknown"},
        {790, "money"}, {829, "macaddr"}, {869, "inet"}, {1000, "_bool"}, {1001, "_bytea"},
        {1005, "_int2"}, {1007, "_int4"}, {1009, "_text"}, {1014, "_bpchar"}, {1015, "_varchar"},
        {1016, "_int8"}, {1021, "_float4"}, {1022, "_float8"}, {1028, "_oid"}, {1042, "bpchar"},
        {1043, "varchar"}, {1082, "date"}, {1083, "time"}, {1114, "timestamp"}, {1115, "_timestamp"},
        {1182, "_date"}, {1183, "_time"}, {1184, "timestamptz"}, {1185, "_timestamptz"},
        {1186, "interval"}, {1187, "_interval"}, {1231, "_numeric"}, {1266, "timetz"},
        {1560, "bit"}, {1562, "varbit"}, {1700, "numeric"}, {2205, "regclass"}, {2206, "regtype"},
        {2249, "record"}, {2278, "void"}, {2950, "uuid"}, {2951, "_uuid"}, {3802, "jsonb"},
        {3807, "_jsonb"}, {3904, "int4range"}, {3926, "int8range"}, {3912, "daterange"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].oid == oid) return types[i].name;
    snprintf(buf, n, "%u", (unsigned)oid);
    return buf;
}

static void sd_add_escaped(SdBuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': sd_buf_str(b, "\\\\"); break;
        case '\n': sd_buf_str(b, "\\n"); break;
        case '\r': sd_buf_str(b, "\\r"); break;
        case '\t': sd_buf_str(b, "\\t"); break;
        case '|': sd_buf_str(b, "\\|"); break;
        default: sd_buf_add(b, s, 1);
        }
    }
}

static void sd_notice(void *arg, const PGresult *r)
{
    SdBuf *b = arg;
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    sd_buf_str(b, sev ? sev : "NOTICE");
    sd_buf_str(b, " ");
    sd_buf_str(b, state ? state : "?????");
    sd_buf_str(b, " ");
    sd_add_escaped(b, msg ? msg : "");
    sd_buf_str(b, "\n");
}

static int sd_cmp_rows(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the result's rows (sorted when rowsort) to out. */
static void sd_print_rows(SdBuf *out, const PGresult *r, int rowsort)
{
    int nf = PQnfields(r), nt = PQntuples(r);
    char tbuf[16];
    sd_buf_str(out, "COLUMNS ");
    for (int j = 0; j < nf; j++) {
        if (j) sd_buf_str(out, ", ");
        sd_buf_str(out, PQfname(r, j));
        sd_buf_str(out, " ");
        sd_buf_str(out, sd_type_name(PQftype(r, j), tbuf, sizeof tbuf));
    }
    sd_buf_str(out, "\n");
    char **rows = nt ? calloc((size_t)nt, sizeof *rows) : NULL;
    SdBuf row = {0};
    for (int i = 0; i < nt; i++) {
        row.len = 0;
        sd_buf_str(&row, "");
        for (int j = 0; j < nf; j++) {
            if (j) sd_buf_str(&row, " | ");
            if (PQgetisnull(r, i, j)) sd_buf_str(&row, "\\N");
            else if (PQgetlength(r, i, j) == 0) sd_buf_str(&row, "\\e");
            else sd_add_escaped(&row, PQgetvalue(r, i, j));
        }
        if (rows && row.s) rows[i] = strdup(row.s);
        if (!rows) {
            sd_buf_add(out, row.s ? row.s : "", row.len);
            sd_buf_str(out, "\n");
        }
    }
    free(row.s);
    if (!rows) return;
    if (rowsort) qsort(rows, (size_t)nt, sizeof *rows, sd_cmp_rows);
    for (int i = 0; i < nt; i++) {
        sd_buf_str(out, rows[i] ? rows[i] : "<out of memory>");
        sd_buf_str(out, "\n");
        free(rows[i]);
    }
    free(rows);
}

static void sd_print_error(SdBuf *out, const PGresult *r)
{
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
    const char *hint = PQresultErrorField(r, PG_DIAG_MESSAGE_HINT);
    sd_buf_str(out, "ERROR ");
    sd_buf_str(out, state ? state : "?????");
    sd_buf_str(out, " ");
    sd_add_escaped(out, msg ? msg : PQresultErrorMessage(r));
    sd_buf_str(out, "\n");
    if (detail) {
        sd_buf_str(out, "DETAIL ");
        sd_add_escaped(out, detail);
        sd_buf_str(out, "\n");
    }
    if (hint) {
        sd_buf_str(out, "HINT ");
        sd_add_escaped(out, hint);
        sd_buf_str(out, "\n");
    }
}

static void sd_usage(void)
{
    fprintf(stderr, "usage: sqldiff_runner [--conn STR] [--timeout SECS] [--extended] FILE.sql\n");
}

static char *sd_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    SdBuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) sd_buf_add(&b, chunk, n);
    fclose(fp);
    if (!b.s) sd_buf_str(&b, "");
    *len = b.len;
    return b.s;
}

int main(int argc, char **argv)
{
    const char *conninfo = "dbname=postgres", *path = NULL;
    double timeout = 10.0;
    int extended = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--conn") == 0 && i + 1 < argc) conninfo = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) timeout = atof(argv[++i]);
        else if (strcmp(argv[i], "--extended") == 0) extended = 1;
        else if (argv[i][0] != '-' && !path) path = argv[i];
        else {
            sd_usage();
            return 2;
        }
    }
    if (!path || timeout <= 0) {
        sd_usage();
        return 2;
    }
    size_t len;
    char *script = sd_read_file(path, &len);
    if (!script) {
        fprintf(stderr, "sqldiff_runner: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *vals[] = {conninfo, "sqldiff_runner", NULL};
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "sqldiff_runner: cannot connect (%s): %s", conninfo, PQerrorMessage(conn));
        PQfinish(conn);
        free(script);
        return 2;
    }
    SdBuf notices = {0}, out = {0};
    PQsetNoticeReceiver(conn, sd_notice, &notices);
    const char *pos = script, *end = script + len;
    SdStmt st;
    int lost = 0;
    char *sql = NULL;
    while (!lost && sd_next_stmt(&pos, end, &st)) {
        char *ns = realloc(sql, st.sql_len + 1);
        if (!ns) break;
        sql = ns;
        memcpy(sql, st.sql, st.sql_len);
        sql[st.sql_len] = '\0';
        notices.len = 0;
        out.len = 0;
        sd_buf_str(&out, "");
        char *copy_out = NULL;
        PqExecStatus es = {0};
        PGresult *r = pq_exec_deadline(conn, sql, extended, timeout, st.copy, st.copy_len, &copy_out, &es);
        fwrite(st.src, 1, st.src_len, stdout);
        fputc('\n', stdout);
        if (notices.len) fwrite(notices.s, 1, notices.len, stdout);
        if (copy_out) {
            for (char *line = copy_out; *line;) {
                char *nl = strchr(line, '\n');
                size_t ll = nl ? (size_t)(nl - line) : strlen(line);
                printf("COPYDATA %.*s\n", (int)ll, line);
                line += ll + (nl ? 1 : 0);
            }
            free(copy_out);
        }
        if (!r) {
            printf("%s %s\n", es.timed_out ? "TIMEOUT" : "CONNECTION LOST", es.reason);
        } else {
            ExecStatusType s = PQresultStatus(r);
            if (s == PGRES_TUPLES_OK) sd_print_rows(&out, r, st.rowsort);
            if (s == PGRES_FATAL_ERROR || s == PGRES_NONFATAL_ERROR || s == PGRES_BAD_RESPONSE) {
                sd_print_error(&out, r);
            } else {
                sd_buf_str(&out, "TAG ");
                sd_buf_str(&out, PQcmdStatus(r));
                sd_buf_str(&out, "\n");
            }
            fwrite(out.s, 1, out.len, stdout);
            PQclear(r);
        }
        if (es.dead) {
            lost = 1;
            if (r)
                printf("CONNECTION LOST %s\n", PQerrorMessage(conn));
        }
        fputc('\n', stdout);
    }
    free(sql);
    free(notices.s);
    free(out.s);
    free(script);
    PQfinish(conn);
    return lost ? 1 : 0;
}
