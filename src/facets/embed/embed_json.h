/* embed_json.h -- the small JSON writer and pull reader of the embedders' wire formats
 * (OpenAI embeddings requests/responses, the command provider's JSON lines, and the tests'
 * fake server). The reader never builds a tree: callers walk objects and arrays in place,
 * so memory stays proportional to what they keep. Every read is bounded by the end pointer
 * and nesting depth is capped, so hostile input yields an error, never a crash. */
#ifndef SHALE_FACETS_EMBED_EMBED_JSON_H
#define SHALE_FACETS_EMBED_EMBED_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define EMBED_JSON_MAX_DEPTH 64

/* Reader over borrowed bytes [p, end). After any function returns false, `failed` tells an
 * error (with `why`) from a normal end of object/array. */
typedef struct EmbedJson {
    const char *start;
    const char *p;
    const char *end;
    int depth;
    bool failed;
    char why[96];
} EmbedJson;

void embed_json_init(EmbedJson *j, const char *s, size_t n);
/* Next non-space byte, 0 at the end of input (does not consume it). */
char embed_json_peek(EmbedJson *j);
/* Walks an object's members: call with *first = true, then in a loop; each true return
 * leaves the reader at the member's value (which the caller must consume) with the key in
 * key[keycap] (NUL-terminated; a key that does not fit becomes ""). False at '}' or error. */
bool embed_json_object_next(EmbedJson *j, bool *first, char *key, size_t keycap);
/* Same for arrays: true = positioned at the next element. */
bool embed_json_array_next(EmbedJson *j, bool *first);
/* Decodes a string value (escapes resolved, \u surrogate pairs joined; lone surrogates
 * become U+FFFD) appended to *out (owned by the caller); out may be NULL to skip it. */
bool embed_json_string(EmbedJson *j, ShaleBuf *out);
bool embed_json_number(EmbedJson *j, double *v);
/* Skips any value (depth-capped). */
bool embed_json_skip(EmbedJson *j);
/* True when only whitespace remains. */
bool embed_json_at_end(EmbedJson *j);

/* Writer: appends a JSON string literal of s[0..n) (quotes, backslashes and control bytes
 * escaped; invalid UTF-8 bytes replaced by \ufffd so the output is always valid JSON). */
void embed_json_write_string(ShaleBuf *b, const char *s, size_t n);
/* Appends a float with enough digits to round-trip (%.9g); non-finite values as 0. */
void embed_json_write_float(ShaleBuf *b, float f);
void embed_json_write_raw(ShaleBuf *b, const char *s);

#endif
