/* write_batch.c -- building, appending and decoding write batches (shale_batch_* of
 * shale_storage.h and write_batch_int.h). The encoded form is the payload of one WAL record:
 *
 *   offset 0   seq:fixed64     sequence number of entry 0 (entry i gets seq + i)
 *   offset 8   count:fixed32   number of entries
 *   offset 12  count x entry, back to back, nothing after the last one
 *
 *   entry = kind:u8 | klen:varint32 | key[klen] | (kind 1 only) vlen:varint32 | value[vlen]
 *   kind 0 = delete (no value part), kind 1 = value; any other kind byte is corruption.
 *
 * Invariant: rep always holds at least the 12-byte header unless rep.oom is set. Failure is
 * sticky: after rep.oom (out of memory, or an entry too large for the format) further puts
 * do nothing and batch_oom() reports it so the writer refuses the batch. */
#include "storage/write_batch_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "storage/shale_storage.h"
#include "util/coding.h"

static void batch_reset(struct ShaleWriteBatch *b)
{
    b->rep.len = 0;
    b->rep.oom = false; /* a clear gives a failed batch a fresh start; data/cap stay valid */
    char hdr[BATCH_HEADER_SIZE] = {0};
    shale_buf_append(&b->rep, hdr, sizeof hdr);
}

/* Returns a batch the caller frees with shale_batch_free; NULL on OOM. */
ShaleWriteBatch *shale_batch_new(void)
{
    ShaleWriteBatch *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    shale_buf_init(&b->rep);
    batch_reset(b);
    return b;
}

void shale_batch_free(ShaleWriteBatch *b)
{
    if (!b)
        return;
    shale_buf_free(&b->rep);
    free(b);
}

void shale_batch_clear(ShaleWriteBatch *b)
{
    batch_reset(b);
}

bool batch_oom(const struct ShaleWriteBatch *b)
{
    return b->rep.oom || b->rep.len < BATCH_HEADER_SIZE;
}

uint32_t shale_batch_count(const ShaleWriteBatch *b)
{
    return batch_oom(b) ? 0 : shale_get_fixed32(b->rep.data + 8);
}

size_t shale_batch_byte_size(const ShaleWriteBatch *b)
{
    return b->rep.len;
}

uint64_t batch_sequence(const struct ShaleWriteBatch *b)
{
    return batch_oom(b) ? 0 : shale_get_fixed64(b->rep.data);
}

void batch_set_sequence(struct ShaleWriteBatch *b, uint64_t seq)
{
    if (!batch_oom(b))
        shale_put_fixed64(b->rep.data, seq);
}

/* Adds n to the header's count, failing the batch if the count would overflow. */
static void batch_add_count(struct ShaleWriteBatch *b, uint32_t n)
{
    if (batch_oom(b))
        return;
    uint32_t c = shale_get_fixed32(b->rep.data + 8);
    if (c > UINT32_MAX - n) {
        b->rep.oom = true;
        return;
    }
    shale_put_fixed32(b->rep.data + 8, c + n);
}

/* Appends one entry. One reserve up front keeps it to a single capacity check per put. */
static void batch_add_entry(ShaleWriteBatch *b, ShaleKind kind, const void *key, size_t klen,
                            const void *val, size_t vlen)
{
    if (batch_oom(b))
        return;
    if (klen > UINT32_MAX || vlen > UINT32_MAX) {
        b->rep.oom = true;
        return;
    }
    if (!shale_buf_reserve(&b->rep, 1 + 5 + klen + 5 + vlen))
        return;
    char *p = b->rep.data + b->rep.len;
    *p++ = (char)kind;
    p = shale_encode_varint32(p, (uint32_t)klen);
    if (klen)
        memcpy(p, key, klen);
    p += klen;
    if (kind == SHALE_KIND_VALUE) {
        p = shale_encode_varint32(p, (uint32_t)vlen);
        if (vlen)
            memcpy(p, val, vlen);
        p += vlen;
    }
    b->rep.len = (size_t)(p - b->rep.data);
    batch_add_count(b, 1);
}

/* key and val are copied. */
void shale_batch_put(ShaleWriteBatch *b, const void *key, size_t klen, const void *val, size_t vlen)
{
    batch_add_entry(b, SHALE_KIND_VALUE, key, klen, val, vlen);
}

/* key is copied. */
void shale_batch_delete(ShaleWriteBatch *b, const void *key, size_t klen)
{
    batch_add_entry(b, SHALE_KIND_DELETE, key, klen, NULL, 0);
}

/* src's entries are copied; src is unchanged. A failed src fails dst. */
void batch_append(struct ShaleWriteBatch *dst, const struct ShaleWriteBatch *src)
{
    if (batch_oom(src)) {
        dst->rep.oom = true;
        return;
    }
    uint32_t n = shale_get_fixed32(src->rep.data + 8);
    shale_buf_append(&dst->rep, src->rep.data + BATCH_HEADER_SIZE, src->rep.len - BATCH_HEADER_SIZE);
    batch_add_count(dst, n);
}

/* rep is copied. */
ShaleCode batch_set_contents(struct ShaleWriteBatch *b, ShaleSlice rep, ShaleError *err)
{
    if (rep.size < BATCH_HEADER_SIZE)
        return SHALE_ERR_CORRUPT(err, "write batch of %zu bytes is shorter than its %d-byte header",
                                 rep.size, BATCH_HEADER_SIZE);
    b->rep.len = 0;
    b->rep.oom = false;
    shale_buf_append(&b->rep, rep.data, rep.size);
    if (b->rep.oom)
        return SHALE_ERR_NOMEM(err, "write batch: cannot copy %zu bytes", rep.size);
    return SHALE_OK;
}

/* Decodes the entry at *p (bounded by end). Returns false on any malformation; on success
 * advances *p and fills the outputs (slices point into the entry). */
static inline bool batch_decode_entry(const char **p, const char *end, ShaleKind *kind,
                                      ShaleSlice *key, ShaleSlice *value)
{
    const char *q = *p;
    if (q >= end)
        return false;
    uint8_t k = (uint8_t)*q++;
    if (k > SHALE_KIND_VALUE)
        return false;
    uint32_t n;
    q = shale_decode_varint32(q, end, &n);
    if (!q || (size_t)(end - q) < n)
        return false;
    *key = shale_slice(q, n);
    q += n;
    *value = shale_slice(NULL, 0);
    if (k == SHALE_KIND_VALUE) {
        q = shale_decode_varint32(q, end, &n);
        if (!q || (size_t)(end - q) < n)
            return false;
        *value = shale_slice(q, n);
        q += n;
    }
    *kind = (ShaleKind)k;
    *p = q;
    return true;
}

/* Slices handed to fn point into rep and are valid during the call only as long as rep is. */
ShaleCode batch_iterate(ShaleSlice rep,
                        ShaleCode (*fn)(void *arg, uint64_t seq, ShaleKind kind, ShaleSlice key, ShaleSlice value),
                        void *arg, ShaleError *err)
{
    if (rep.size < BATCH_HEADER_SIZE)
        return SHALE_ERR_CORRUPT(err, "write batch of %zu bytes is shorter than its header", rep.size);
    uint64_t seq = shale_get_fixed64(rep.data);
    uint32_t count = shale_get_fixed32(rep.data + 8);
    if (count > 0 && (seq > SHALE_MAX_SEQUENCE || count - 1 > SHALE_MAX_SEQUENCE - seq))
        return SHALE_ERR_CORRUPT(err, "write batch sequence %llu + %u entries exceeds 56 bits",
                                 (unsigned long long)seq, (unsigned)count);
    const char *begin = rep.data + BATCH_HEADER_SIZE, *end = rep.data + rep.size;

    /* pass 1: validate the whole encoding so a bad batch applies nothing */
    const char *p = begin;
    ShaleKind kind;
    ShaleSlice key, value;
    for (uint32_t i = 0; i < count; i++) {
        if (!batch_decode_entry(&p, end, &kind, &key, &value))
            return SHALE_ERR_CORRUPT(err, "write batch entry %u of %u is malformed at byte %zu",
                                     (unsigned)i, (unsigned)count, (size_t)(p - rep.data));
    }
    if (p != end)
        return SHALE_ERR_CORRUPT(err, "write batch has %zu bytes after its %u entries",
                                 (size_t)(end - p), (unsigned)count);

    /* pass 2: apply */
    p = begin;
    for (uint32_t i = 0; i < count; i++) {
        bool ok = batch_decode_entry(&p, end, &kind, &key, &value);
        assert(ok); /* pass 1 decoded the same bytes */
        (void)ok;
        ShaleCode rc = fn(arg, seq + i, kind, key, value);
        if (rc != SHALE_OK)
            return rc;
    }
    return SHALE_OK;
}
