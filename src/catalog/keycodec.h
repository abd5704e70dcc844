/* keycodec.h -- order-preserving ("memcmp-comparable") encoding of SQL values for keys, and
 * the layout of keys in ShaleDB's single LSM keyspace.
 *
 * Key layout (every byte; docs/data-model.md has the full table):
 *
 *   db:u32 BE | rel:u32 BE | index:u32 BE | encoded index columns...
 *
 *   db     database OID; 0 = shared catalog (databases, roles); 0xFFFFFFFF = the
 *          non-transactional meta range (sequence state, OID counter, purge records).
 *   rel    the relation's storage id ("relfilenode": a fresh OID on CREATE/TRUNCATE), or a
 *          fixed catalog table id < 16384 (KEY_CATREL_*) in the reserved catalog range.
 *   index  KEY_INDEX_ROWS (0) for the table rows (primary key or hidden row id), else the
 *          OID of a secondary index.
 *
 * Because the ids are fixed-width big-endian, every database, table and index is one
 * contiguous key range: [prefix, keycodec_prefix_end(prefix)).
 *
 * Column encoding: each value = one tag byte, then (non-NULL only) a type-specific body
 *   tag 0x80             non-NULL, body follows
 *   tag 0x01             NULL in a NULLS FIRST column
 *   tag 0xFE             NULL in a NULLS LAST column (the ASC default, like PostgreSQL)
 * A DESC column inverts every body byte (the tag is not inverted). Bodies (ASC form):
 *   bool                 1 byte: 0 / 1
 *   integer-like (int2/int4/int8/oid/reg*, date, time, timestamp, timestamptz):
 *                        v >= 0: 0x80+n, then the n (0..8) low bytes of v big-endian, n minimal;
 *                        v <  0: 0x7F-n, then the n low bytes of v, n minimal s.t. ~v fits.
 *                        (so every width encodes a value the same way: 1 -> 81 01)
 *   float4/float8        8 bytes: IEEE double bits; negative: all bits inverted, else sign bit
 *                        set. -0 encodes as +0; every NaN as the canonical quiet NaN (sorts
 *                        above +Infinity, like PostgreSQL).
 *   numeric              class byte: 0x10 -Inf, 0x20 negative, 0x30 zero, 0x40 positive,
 *                        0x50 +Inf, 0x60 NaN. Positive: value = 0.p1 p2 ... * 100^E with base-100
 *                        digits p1 != 0, trailing zero digits dropped: E as integer-like above,
 *                        then each digit as byte p+1, then 0x00. Negative: the positive encoding
 *                        of the magnitude with every byte after the class byte inverted.
 *                        (1.0 and 1.00 encode identically; display scale is not kept.)
 *   text, varchar, name, "char", json, jsonb, bytea, unknown:
 *                        the bytes with 0x00 escaped as 00 FF, then the terminator 00 01.
 *   bpchar               as text after stripping trailing spaces (PostgreSQL ignores them).
 *   uuid                 the 16 bytes.
 *   interval             16 bytes: the 128-bit span ((months*30 + days) * 86400e6 + us) with the
 *                        sign bit flipped, big-endian (PostgreSQL compares intervals by span).
 *   arrays               per element: NULL tag 0xFE or 0x80 + element body; then 0x00.
 * Composite keys are concatenations; every body is self-delimiting, so a key that is a
 * prefix of the encoded columns sorts before every key extending it.
 *
 * Lossy decodes: numeric (display scale), bpchar (trailing spaces), interval (decoded as
 * days + microseconds of the same span), arrays (lower bound = 1). keycodec_type_lossless
 * says which types round-trip exactly; index-only scans must read the row for the others.
 * jsonb orders by its canonical text, not by PostgreSQL's jsonb ordering. */
#ifndef SHALE_CATALOG_KEYCODEC_H
#define SHALE_CATALOG_KEYCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/value.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

#define KEY_PREFIX_LEN 12u

/* Database ids of the reserved ranges. */
#define KEY_DB_SHARED 0u             /* shared catalog: databases, roles */
#define KEY_DB_META 0xFFFFFFFFu      /* non-transactional state (never in a transaction) */
#define KEY_INDEX_ROWS 0u            /* the table's rows */

/* Column flags (CatIndex.col_flags uses the same bits). */
#define KEY_DESC 0x01u
#define KEY_NULLS_FIRST 0x02u

#define KEY_TAG_NULL_FIRST 0x01
#define KEY_TAG_VALUE 0x80
#define KEY_TAG_NULL_LAST 0xFE

/* Appends db|rel|index (12 bytes, big-endian) to b. OOM is sticky in b->oom. */
void keycodec_append_prefix(ShaleBuf *b, uint32_t db, uint32_t rel, uint32_t index);
/* Splits a key's 12-byte prefix; false if key is shorter than KEY_PREFIX_LEN. */
bool keycodec_decode_prefix(const char *key, size_t klen, uint32_t *db, uint32_t *rel, uint32_t *index);
static inline void keycodec_put_u32be(char *p, uint32_t v)
{
    p[0] = (char)(v >> 24); p[1] = (char)(v >> 16); p[2] = (char)(v >> 8); p[3] = (char)v;
}

/* Appends the order-preserving encoding of v (type v->type; NULL allowed) to b, with flags
 * KEY_DESC / KEY_NULLS_FIRST. Returns SHALE_NOT_SUPPORTED for a type without a key encoding
 * and SHALE_INVALID_ARGUMENT for malformed numeric/array bytes (err says which); OOM is
 * sticky in b->oom (returns SHALE_OK: the caller checks b->oom once). */
ShaleCode keycodec_append_value(ShaleBuf *b, const Value *v, unsigned flags, ShaleError *err) SHALE_WARN_UNUSED;

/* Decodes one value of type `type` encoded with `flags` from [*p, end) and advances *p.
 * Variable-length results (text, numeric, arrays...) are built in arena (they live as long
 * as it). Bad bytes: SHALE_CORRUPTION, never a crash. */
ShaleCode keycodec_decode_value(const char **p, const char *end, Oid type, unsigned flags,
                                ShaleArena *arena, Value *out, ShaleError *err) SHALE_WARN_UNUSED;

/* Advances *p past one encoded value (any type) without decoding; SHALE_CORRUPTION on bad bytes. */
ShaleCode keycodec_skip_value(const char **p, const char *end, Oid type, unsigned flags, ShaleError *err) SHALE_WARN_UNUSED;

/* True if decoding returns exactly the value that was encoded. */
bool keycodec_type_lossless(Oid type);
/* True if the type has a key encoding at all. */
bool keycodec_type_supported(Oid type);

/* Replaces b's contents [0, b->len) by the smallest byte string greater than every string
 * that starts with them (drop trailing 0xFF bytes, increment the last byte). Returns false
 * (b emptied) when no such string exists (all bytes 0xFF): the range is unbounded above. */
bool keycodec_prefix_successor(ShaleBuf *b);

#endif
