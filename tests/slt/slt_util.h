/* slt_util.h -- the parts of the sqllogictest runner that do not talk to a server: the
 * record parser, the rendered-value list (sorting, MD5 hashing), query labels and the
 * known-failures list. Used by tests/slt/slt_runner.c only. */
#ifndef SHALE_TESTS_SLT_UTIL_H
#define SHALE_TESTS_SLT_UTIL_H

#include <stddef.h>

typedef enum SltKind {
    SLT_STATEMENT_OK,
    SLT_STATEMENT_ERROR,
    SLT_QUERY,
    SLT_HASH_THRESHOLD,
    SLT_HALT,
    SLT_BAD_RECORD      /* sql holds the offending first line */
} SltKind;

typedef enum SltSort { SLT_SORT_NONE, SLT_SORT_ROW, SLT_SORT_VALUE } SltSort;

/* One record. Every pointer lives in the SltParser and stays valid until the next
 * slt_parser_next call. */
typedef struct SltRecord {
    SltKind kind;
    long first_line;        /* 1-based line of the record's first non-comment line */
    long line;              /* line of the statement/query/control line itself */
    int skip;               /* a skipif/onlyif prefix excludes our engine */
    char types[64];         /* query: one of I, T, R per column */
    SltSort sort;
    char label[128];        /* query label, "" when none */
    long threshold;         /* hash-threshold value */
    const char *sql;
    char **expected;        /* query: the lines after ----, one value (or hash line) each */
    long n_expected;
} SltRecord;

/* Parses a file held in memory; text is modified in place (lines are split) and must
 * outlive the parser; engine is borrowed. */
typedef struct SltParser {
    char **lines;
    long n_lines, pos;
    const char *engine;
    char *sql;              /* owned, grown as needed */
    size_t sql_cap;
    char **expected;        /* owned array of borrowed line pointers */
    long exp_cap;
} SltParser;

void slt_parser_init(SltParser *p, char *text, size_t len, const char *engine);
/* Fills *rec with the next record; returns 0 at the end of the file. Frees the parser's
 * memory when it returns 0. */
int slt_parser_next(SltParser *p, SltRecord *rec);
/* Frees the parser's memory (idempotent; not the text). */
void slt_parser_free(SltParser *p);

/* Rendered values of one result, row-major. Buffers are kept across slt_values_clear so
 * steady-state rendering does not allocate. */
typedef struct SltValues {
    char **items;
    size_t *caps;
    size_t n, cap;
} SltValues;

int slt_values_add(SltValues *v, const char *s, size_t len);   /* 0, or -1 out of memory */
void slt_values_clear(SltValues *v);
void slt_values_free(SltValues *v);
/* Sorts rows of `width` values by strcmp of each column in turn (width 1 = valuesort). */
void slt_values_sort_rows(SltValues *v, size_t width);
/* MD5 (lower-case hex into out[33]) of every value followed by "\n". */
void slt_values_md5(const SltValues *v, char out[33]);

/* Query labels: the first hash stored for a label; later ones must match. */
typedef struct SltLabels {
    char (*names)[128];
    char (*hashes)[33];
    size_t n, cap;
} SltLabels;

/* Returns NULL when hash agrees with (or is the first for) label, else the earlier hash
 * (borrowed from the table). */
const char *slt_labels_check(SltLabels *l, const char *label, const char *hash);
void slt_labels_free(SltLabels *l);

/* Known failures: FILE:LINE entries, FILE relative to the corpus top ("evidence/in1.test"). */
typedef struct SltKnown {
    char **paths;           /* owned */
    long *lines;
    size_t n, cap;
} SltKnown;

int slt_known_load(SltKnown *k, const char *path);    /* 0, or -1 with errno */
/* True when path ends with an entry's FILE (at a '/' boundary) and first_line or line is
 * its LINE. */
int slt_known_contains(const SltKnown *k, const char *path, long first_line, long line);
void slt_known_free(SltKnown *k);

/* Reads a whole file; returns a NUL-terminated malloc'd buffer the caller frees, or NULL. */
char *slt_read_file(const char *path, size_t *len);
/* The integer sqllogictest shows for a text value in an 'I' column: integers as such,
 * decimals truncated toward zero, non-numbers as 0. */
long long slt_text_to_int(const char *s);
/* Parses "N values hashing to <32 hex>"; returns 1 on a match. */
int slt_parse_hash_line(const char *line, long *n, char hash[33]);

#endif
