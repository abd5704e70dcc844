/* block_reader.c -- reading a block from an SSTable file (checksum, LZ4) and the block
 * cursor: binary search over restart keys, forward scan, backward step by rescanning from
 * the previous restart. Byte format: block.h and sst_format.h. Every offset and length
 * decoded here is checked against the block's end before use. */
#include "storage/block.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "storage/dbformat.h"
#include "util/crc32c.h"

void block_free(Block *b)
{
    free(b);
}

void block_cache_deleter(void *value)
{
    free(value);
}

ShaleCode block_parse(Block *b, const char *path, uint64_t offset, ShaleError *err)
{
    const char *d = block_data(b);
    if (b->size < 4)
        goto bad;
    uint32_t n = shale_get_fixed32(d + b->size - 4);
    if (n == 0 || n > (b->size - 4) / 4)
        goto bad;
    b->n_restarts = n;
    b->limit = (uint32_t)(b->size - 4 - (size_t)n * 4);
    return SHALE_OK;
bad:
    return SHALE_ERR_CORRUPT(err, "corrupt block restart array in \"%s\" at offset %llu", path,
                             (unsigned long long)offset);
}

Block *block_new_copy(ShaleSlice contents)
{
    if (contents.size > SST_BLOCK_MAX)
        return NULL;
    Block *b = malloc(sizeof(Block) + contents.size);
    if (!b)
        return NULL;
    b->size = contents.size;
    if (contents.size)
        memcpy(b + 1, contents.data, contents.size);
    if (block_parse(b, "(memory)", 0, NULL) != SHALE_OK) {
        free(b);
        return NULL;
    }
    return b;
}

ShaleCode block_read(ShaleRandomFile *f, SstBlockHandle h, bool parse, Block **out, ShaleError *err)
{
    const char *path = shale_rfile_path(f);
    unsigned long long off = (unsigned long long)h.offset;
    *out = NULL;
    if (h.size > SST_BLOCK_MAX)
        return SHALE_ERR_CORRUPT(err, "block size %llu out of range in \"%s\" at offset %llu",
                                 (unsigned long long)h.size, path, off);
    size_t n = (size_t)h.size + SST_BLOCK_TRAILER;
    /* Read straight into the block's final place; an LZ4 block is decompressed into a
     * second allocation and the first one freed. */
    Block *b = malloc(sizeof(Block) + n);
    if (!b)
        return SHALE_ERR_NOMEM(err, "out of memory reading a block of \"%s\"", path);
    char *d = (char *)(b + 1);
    size_t got = 0;
    ShaleCode rc = shale_rfile_read(f, h.offset, n, d, &got, err);
    if (rc != SHALE_OK) {
        free(b);
        return rc;
    }
    if (got != n) {
        free(b);
        return SHALE_ERR_CORRUPT(err, "truncated block in \"%s\" at offset %llu", path, off);
    }
    uint32_t stored = shale_crc32c_unmask(shale_get_fixed32(d + h.size + 1));
    if (shale_crc32c(d, (size_t)h.size + 1) != stored) {
        free(b);
        return SHALE_ERR_CORRUPT(err, "block checksum mismatch in \"%s\" at offset %llu", path, off);
    }
    uint8_t type = (uint8_t)d[h.size];
    if (type == SST_BLOCK_RAW) {
        b->size = (size_t)h.size;
    } else if (type == SST_BLOCK_LZ4) {
        uint32_t raw_len;
        const char *p = shale_decode_varint32(d, d + h.size, &raw_len);
        if (!p || raw_len > SST_BLOCK_MAX || raw_len > INT32_MAX || (size_t)(d + h.size - p) > INT32_MAX) {
            free(b);
            return SHALE_ERR_CORRUPT(err, "bad compressed block header in \"%s\" at offset %llu", path, off);
        }
        Block *u = malloc(sizeof(Block) + raw_len);
        if (!u) {
            free(b);
            return SHALE_ERR_NOMEM(err, "out of memory decompressing a block of \"%s\"", path);
        }
        int r = LZ4_decompress_safe(p, (char *)(u + 1), (int)(d + h.size - p), (int)raw_len);
        free(b);
        if (r < 0 || (uint32_t)r != raw_len) {
            free(u);
            return SHALE_ERR_CORRUPT(err, "LZ4 block does not decompress to its length in \"%s\" at offset %llu",
                                     path, off);
        }
        b = u;
        b->size = raw_len;
    } else {
        free(b);
        return SHALE_ERR_CORRUPT(err, "unknown block type %u in \"%s\" at offset %llu", type, path, off);
    }
    b->limit = 0;
    b->n_restarts = 0;
    if (parse && (rc = block_parse(b, path, h.offset, err)) != SHALE_OK) {
        free(b);
        return rc;
    }
    *out = b;
    return SHALE_OK;
}

/* --- cursor ------------------------------------------------------------------------ */

static inline const char *block_dec32(const char *p, const char *end, uint32_t *v)
{
    if (p < end && (uint8_t)*p < 128) {
        *v = (uint8_t)*p;
        return p + 1;
    }
    return shale_decode_varint32(p, end, v);
}

void block_iter_init(BlockIter *it, const Block *b)
{
    it->data = b ? block_data(b) : NULL;
    it->limit = b ? b->limit : 0;
    it->n_restarts = b ? b->n_restarts : 0;
    it->cur = it->next = it->limit;
    it->restart_idx = 0;
    it->key = it->value = shale_slice(NULL, 0);
    it->code = SHALE_OK;
    it->kbuf = it->kinline;
    it->kcap = sizeof it->kinline;
}

void block_iter_done(BlockIter *it)
{
    if (it->kbuf != it->kinline)
        free(it->kbuf);
    it->kbuf = it->kinline;
    it->kcap = sizeof it->kinline;
}

static void block_iter_corrupt(BlockIter *it, ShaleCode code)
{
    it->code = code;
    it->cur = it->next = it->limit;
    it->key = it->value = shale_slice(NULL, 0);
}

static inline uint32_t block_restart(const BlockIter *it, uint32_t i)
{
    return shale_get_fixed32(it->data + it->limit + 4 * (size_t)i);
}

/* Decodes the entry at off, whose predecessor's key is it->key. Past the last entry the
 * cursor becomes invalid (no error). Returns false when invalid afterwards. */
static bool block_iter_parse(BlockIter *it, uint32_t off)
{
    if (it->code != SHALE_OK)
        return false;
    if (off >= it->limit) {
        it->cur = it->next = it->limit;
        return false;
    }
    const char *p = it->data + off, *end = it->data + it->limit;
    uint32_t shared, unshared, vlen;
    if (!(p = block_dec32(p, end, &shared)) || !(p = block_dec32(p, end, &unshared)) ||
        !(p = block_dec32(p, end, &vlen)) || shared > it->key.size ||
        (uint64_t)unshared + vlen > (uint64_t)(end - p)) {
        block_iter_corrupt(it, SHALE_CORRUPTION);
        return false;
    }
    if (shared == 0) {
        it->key = shale_slice(p, unshared);
    } else {
        size_t klen = (size_t)shared + unshared;
        if (klen > it->kcap) {
            size_t cap = it->kcap * 2 > klen ? it->kcap * 2 : klen;
            char *nb = malloc(cap);
            if (!nb) {
                block_iter_corrupt(it, SHALE_NO_MEMORY);
                return false;
            }
            memcpy(nb, it->key.data, shared);
            if (it->kbuf != it->kinline)
                free(it->kbuf);
            it->kbuf = nb;
            it->kcap = cap;
        } else if (it->key.data != it->kbuf) {
            memcpy(it->kbuf, it->key.data, shared);
        }
        memcpy(it->kbuf + shared, p, unshared);
        it->key = shale_slice(it->kbuf, klen);
    }
    if (!shale_ikey_well_formed(it->key)) {
        block_iter_corrupt(it, SHALE_CORRUPTION);
        return false;
    }
    it->value = shale_slice(p + unshared, vlen);
    it->cur = off;
    it->next = (uint32_t)(p + unshared + vlen - it->data);
    return true;
}

static bool block_iter_to_restart(BlockIter *it, uint32_t i)
{
    uint32_t off = block_restart(it, i);
    if (off >= it->limit) {
        block_iter_corrupt(it, SHALE_CORRUPTION);
        return false;
    }
    it->restart_idx = i;
    it->key = shale_slice(NULL, 0);
    return block_iter_parse(it, off);
}

void block_iter_seek_to_first(BlockIter *it)
{
    if (it->code != SHALE_OK || it->limit == 0) {
        it->cur = it->next = it->limit;
        return;
    }
    block_iter_to_restart(it, 0);
}

void block_iter_seek_to_last(BlockIter *it)
{
    if (it->code != SHALE_OK || it->limit == 0) {
        it->cur = it->next = it->limit;
        return;
    }
    if (!block_iter_to_restart(it, it->n_restarts - 1))
        return;
    while (it->next < it->limit && block_iter_parse(it, it->next)) {
    }
}

void block_iter_next(BlockIter *it)
{
    if (!block_iter_parse(it, it->next))
        return;
    if (it->restart_idx + 1 < it->n_restarts && block_restart(it, it->restart_idx + 1) <= it->cur)
        it->restart_idx++;
}

void block_iter_prev(BlockIter *it)
{
    uint32_t target = it->cur;
    uint32_t i = it->restart_idx;
    while (block_restart(it, i) >= target) {
        if (i == 0) { /* before the first entry */
            it->cur = it->next = it->limit;
            return;
        }
        i--;
    }
    if (!block_iter_to_restart(it, i))
        return;
    while (it->next < target) {
        if (!block_iter_parse(it, it->next))
            return;
    }
    if (it->next != target) /* restart offsets and entries disagree */
        block_iter_corrupt(it, SHALE_CORRUPTION);
}

/* The key of restart entry i (its shared length must be 0), without moving the cursor. */
static bool block_iter_restart_key(BlockIter *it, uint32_t i, ShaleSlice *key)
{
    uint32_t off = block_restart(it, i);
    const char *end = it->data + it->limit;
    const char *p = it->data + off;
    uint32_t shared, unshared, vlen;
    if (off >= it->limit || !(p = block_dec32(p, end, &shared)) || !(p = block_dec32(p, end, &unshared)) ||
        !(p = block_dec32(p, end, &vlen)) || shared != 0 || (uint64_t)unshared + vlen > (uint64_t)(end - p) ||
        unshared < SHALE_IKEY_TRAILER) {
        block_iter_corrupt(it, SHALE_CORRUPTION);
        return false;
    }
    *key = shale_slice(p, unshared);
    return true;
}

void block_iter_seek(BlockIter *it, ShaleSlice target)
{
    if (it->code != SHALE_OK || it->limit == 0) {
        it->cur = it->next = it->limit;
        return;
    }
    /* last restart whose key < target; the answer is at or after it */
    uint32_t lo = 0, hi = it->n_restarts - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo + 1) / 2;
        ShaleSlice k;
        if (!block_iter_restart_key(it, mid, &k))
            return;
        if (shale_ikey_compare(k, target) < 0)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (!block_iter_to_restart(it, lo))
        return;
    while (shale_ikey_compare(it->key, target) < 0) {
        if (!block_iter_parse(it, it->next))
            return;
    }
    while (it->restart_idx + 1 < it->n_restarts && block_restart(it, it->restart_idx + 1) <= it->cur)
        it->restart_idx++;
}
