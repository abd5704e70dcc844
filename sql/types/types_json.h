/* types_json.h -- the parsed JSON tree shared by sql/types' json/jsonb code (internal). */
#ifndef SHALE_SQL_TYPES_TYPES_JSON_H
#define SHALE_SQL_TYPES_TYPES_JSON_H

#include "sql/types/types_int.h"

typedef enum JKind { JNULL, JTRUE, JFALSE, JNUM, JSTR, JARR, JOBJ } JKind;

/* One JSON value; lives in the arena passed to json_parse. str/key point into the input
 * text when no unescaping was needed, else into the arena. */
typedef struct JNode {
    JKind kind;
    const char *str;       /* JSTR: decoded bytes; JNUM: number text */
    uint32_t len;
    const char *key;       /* member of an object: its key (decoded) */
    uint32_t keylen;
    uint32_t count;        /* JARR/JOBJ: number of children */
    uint32_t ord;          /* scratch for stable sorting */
    const char *src;       /* the value's bytes in the parsed input (json keeps them verbatim) */
    uint32_t srclen;
    struct JNode *child;   /* first child */
    struct JNode *next;    /* next sibling */
} JNode;

/* a == NULL validates only (out untouched). */
int json_parse(const char *s, size_t n, bool jsonb, ShaleArena *a, JNode **out, SqlError *err);
int json_normalize_tree(JNode *n, SqlError *err);
void json_write(const JNode *n, bool spaced, bool canon_numbers, ShaleBuf *out);
void json_escape_string(const char *s, size_t n, ShaleBuf *out);
int json_node_compare(const JNode *a, const JNode *b);
int json_key_cmp(const char *a, uint32_t an, const char *b, uint32_t bn);

#endif
