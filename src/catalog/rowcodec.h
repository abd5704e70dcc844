/* rowcodec.h -- the compact encoding of a table row (the LSM value of a row key) and the
 * "row-field encoding" of one value (also used for array elements, see value.h).
 *
 * Row format (every byte; docs/data-model.md):
 *   version:varint     schema version the row was written with (CatRelation.schema_version)
 *   ncols:varint       number of column slots written (every attnum 1..ncols, dropped included)
 *   nulls              ceil(ncols/8) bytes; bit (i%8) of byte i/8 set = slot i is NULL
 *                      (dropped columns are always written as NULL)
 *   fields             for each non-NULL slot in order: the field, self-delimiting:
 *                        fixed-body types: the row-field body (below) as is
 *                        variable types: len:varint then the body
 *
 * Row-field body of one value (by type):
 *   bool                      1 byte 0/1
 *   integer-like (int2, int4, int8, oid, reg*, date, time, timestamp, timestamptz):
 *                             zigzag varint64 (self-delimiting)
 *   float4                    4 bytes IEEE float, little-endian
 *   float8                    8 bytes IEEE double, little-endian
 *   interval                  zigzag varint months, zigzag varint days, zigzag varint64 us
 *   uuid                      16 bytes
 *   everything else (text family, bytea, json, jsonb, numeric, arrays): the raw bytes of
 *                             Value.u.s (variable: the row prefixes their length)
 *
 * Schema evolution: a row written before ALTER TABLE ADD COLUMN has fewer slots; a missing
 * trailing slot decodes as the column's add-time default (RowColumn.missing; NULL if none),
 * so ADD COLUMN never rewrites. DROP COLUMN keeps the slot (dropped = true) and decodes NULL.
 * A column type change needs a rewrite by the executor. */
#ifndef SHALE_CATALOG_ROWCODEC_H
#define SHALE_CATALOG_ROWCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/value.h"
#include "util/buf.h"
#include "util/status.h"

typedef struct RowColumn {
    Oid type;                 /* value.h type OID */
    bool dropped;             /* slot kept, always NULL */
    Value missing;            /* value for rows with fewer slots (default at ADD COLUMN time);
                                 bytes borrowed from the owner of the schema (the catalog) */
} RowColumn;

typedef struct RowSchema {
    uint32_t version;
    uint32_t ncols;           /* slots, = highest attnum */
    const RowColumn *cols;    /* [ncols], borrowed */
} RowSchema;

/* Appends the row vals[0..schema->ncols) to b (b is not reset first). vals[i].type is
 * ignored: schema types decide the encoding; vals of dropped slots are ignored. OOM is
 * sticky in b->oom. */
void rowcodec_encode(ShaleBuf *b, const RowSchema *schema, const Value *vals);

/* Decodes row bytes [p, p+n) into out[0..schema->ncols). Variable-length values borrow the
 * row bytes (valid as long as they are); nothing is allocated. Rows with more slots than
 * the schema (written by a newer schema) fail with SHALE_CORRUPTION, as do bad bytes.
 * *row_version (if non-NULL) receives the version stored in the row. */
ShaleCode rowcodec_decode(const RowSchema *schema, const char *p, size_t n, Value *out,
                          uint32_t *row_version, ShaleError *err) SHALE_WARN_UNUSED;

/* Decodes only slot `col` (0-based), skipping the fields before it. */
ShaleCode rowcodec_decode_column(const RowSchema *schema, const char *p, size_t n, uint32_t col,
                                 Value *out, ShaleError *err) SHALE_WARN_UNUSED;

/* Row-field body of one non-NULL value of v->type (see the table above), for array
 * elements. OOM sticky in b->oom. */
void rowcodec_field_encode(ShaleBuf *b, const Value *v);
/* Decodes a whole body [p, p+n) of the given type (n is the element length). Variable bytes
 * borrow [p, p+n). SHALE_CORRUPTION when the bytes are not exactly one field. */
ShaleCode rowcodec_field_decode(Oid type, const char *p, size_t n, Value *out, ShaleError *err) SHALE_WARN_UNUSED;

/* True for types whose row field is length-prefixed in a row (variable-length bodies). */
bool rowcodec_type_is_varlen(Oid type);

#endif
