/* sst_reader.c -- opening an SSTable, point lookups, the two-level table iterator and
 * verification (contract in sst.h; byte format in sst_builder.c, sst_format.h, block.h).
 *
 * The footer, index, filter and properties blocks are read and checksummed at open and stay
 * pinned in the reader for its life. Data blocks are read on demand (checksummed each time
 * they come from disk) and shared through the block cache when the reader has one. */
#include "storage/sst.h"

#include <stdlib.h>
#include <string.h>

#include "storage/block.h"
#include "storage/block_cache.h"
#include "storage/bloom.h"
#include "storage/counters.h"
#include "storage/dbformat.h"
#include "storage/sst_format.h"
#include "util/crc32c.h"

struct SstReader {
    ShaleRandomFile *file;  /* owned */
    uint64_t number;
    uint64_t file_size;
    uint64_t meta_start;    /* end of the data blocks' byte range = footer offset */
    BlockCache *cache;      /* borrowed, may be NULL */
    StorageCounters *ctr;   /* borrowed, may be NULL */
    Block *index;           /* owned, parsed */
    Block *filter;          /* owned, NULL when the table has no filter */
    ShaleSlice filter_bits;
    Block *props_block;     /* owned; smallest/largest point into it */
    ShaleSlice smallest, largest;
    SstProps props;
};

/* A data block in use: either a cache handle or a block owned by the user. */
typedef struct SstBlockRef {
    Block *block;
    BlockCacheHandle *h;
} SstBlockRef;

static const char *sst_path(const SstReader *r)
{
    return shale_rfile_path(r->file);
}

/* A handle read from the index or footer must name bytes inside [0, limit). */
static bool sst_handle_ok(SstBlockHandle h, uint64_t limit)
{
    return h.size <= SST_BLOCK_MAX && h.offset <= limit && h.size + SST_BLOCK_TRAILER <= limit - h.offset;
}

static ShaleCode sst_reader_decode_props(SstReader *r, ShaleError *err)
{
    const char *p = block_data(r->props_block), *end = p + r->props_block->size;
    uint64_t *fields[] = { &r->props.n_entries, &r->props.n_data_blocks, &r->props.raw_key_bytes,
                           &r->props.raw_value_bytes, &r->props.min_seq, &r->props.max_seq };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && p; i++)
        p = shale_decode_varint64(p, end, fields[i]);
    ShaleSlice *keys[] = { &r->smallest, &r->largest };
    for (size_t i = 0; i < 2 && p; i++) {
        uint32_t n;
        p = shale_decode_varint32(p, end, &n);
        if (p && n > (size_t)(end - p))
            p = NULL;
        if (p) {
            *keys[i] = shale_slice(p, n);
            p += n;
        }
    }
    if (!p || p != end ||
        (r->props.n_entries > 0 && (!shale_ikey_well_formed(r->smallest) || !shale_ikey_well_formed(r->largest))))
        return SHALE_ERR_CORRUPT(err, "corrupt properties block in \"%s\"", sst_path(r));
    return SHALE_OK;
}

static ShaleCode sst_reader_read_footer(SstReader *r, SstFooter *ft, ShaleError *err)
{
    const char *path = sst_path(r);
    char f[SST_FOOTER_SIZE];
    size_t got = 0;
    ShaleCode rc = shale_rfile_read(r->file, r->meta_start, sizeof f, f, &got, err);
    if (rc != SHALE_OK)
        return rc;
    if (got != sizeof f)
        return SHALE_ERR_CORRUPT(err, "truncated footer in \"%s\"", path);
    if (shale_get_fixed64(f + 56) != SST_MAGIC)
        return SHALE_ERR_CORRUPT(err, "bad magic number in \"%s\" (not an SSTable)", path);
    uint32_t crc = shale_crc32c_extend(shale_crc32c(f, 52), f + 56, 8);
    if (shale_crc32c_unmask(shale_get_fixed32(f + 52)) != crc)
        return SHALE_ERR_CORRUPT(err, "footer checksum mismatch in \"%s\"", path);
    ft->version = shale_get_fixed32(f + 48);
    if (ft->version != SST_FORMAT_VERSION)
        return SHALE_ERR_CORRUPT(err, "unsupported SSTable format version %u in \"%s\"", ft->version, path);
    ft->index.offset = shale_get_fixed64(f + 0);
    ft->index.size = shale_get_fixed64(f + 8);
    ft->filter.offset = shale_get_fixed64(f + 16);
    ft->filter.size = shale_get_fixed64(f + 24);
    ft->props.offset = shale_get_fixed64(f + 32);
    ft->props.size = shale_get_fixed64(f + 40);
    bool has_filter = ft->filter.offset != 0 || ft->filter.size != 0;
    if (!sst_handle_ok(ft->index, r->meta_start) || !sst_handle_ok(ft->props, r->meta_start) ||
        (has_filter && !sst_handle_ok(ft->filter, r->meta_start)))
        return SHALE_ERR_CORRUPT(err, "footer block handles out of range in \"%s\"", path);
    return SHALE_OK;
}

ShaleCode sst_reader_open(ShaleEnv *env, const char *path, uint64_t file_number, uint64_t file_size,
                          BlockCache *cache, StorageCounters *ctr, SstReader **out, ShaleError *err)
{
    *out = NULL;
    if (file_size < SST_FOOTER_SIZE)
        return SHALE_ERR_CORRUPT(err, "file \"%s\" is too short to be an SSTable (%llu bytes)", path,
                                 (unsigned long long)file_size);
    SstReader *r = calloc(1, sizeof *r);
    if (!r)
        return SHALE_ERR_NOMEM(err, "out of memory opening \"%s\"", path);
    r->number = file_number;
    r->file_size = file_size;
    r->meta_start = file_size - SST_FOOTER_SIZE;
    r->cache = cache;
    r->ctr = ctr;
    ShaleCode rc = shale_rfile_open(env, path, &r->file, err);
    if (rc != SHALE_OK) {
        free(r);
        return rc;
    }
    SstFooter ft;
    if ((rc = sst_reader_read_footer(r, &ft, err)) != SHALE_OK)
        goto fail;
    if ((rc = block_read(r->file, ft.index, true, &r->index, err)) != SHALE_OK)
        goto fail;
    if (ft.filter.offset != 0 || ft.filter.size != 0) {
        if ((rc = block_read(r->file, ft.filter, false, &r->filter, err)) != SHALE_OK)
            goto fail;
        r->filter_bits = shale_slice(block_data(r->filter), r->filter->size);
        if (!bloom_filter_valid(r->filter_bits)) {
            rc = SHALE_ERR_CORRUPT(err, "corrupt filter block in \"%s\"", path);
            goto fail;
        }
    }
    if ((rc = block_read(r->file, ft.props, false, &r->props_block, err)) != SHALE_OK)
        goto fail;
    if ((rc = sst_reader_decode_props(r, err)) != SHALE_OK)
        goto fail;
    *out = r;
    return SHALE_OK;
fail:
    sst_reader_close(r);
    return rc;
}

void sst_reader_close(SstReader *r)
{
    if (!r)
        return;
    block_free(r->index);
    block_free(r->filter);
    block_free(r->props_block);
    shale_rfile_close(r->file);
    free(r);
}

const SstProps *sst_reader_props(const SstReader *r)
{
    return &r->props;
}

/* Decodes the handle in an index entry's value. */
static ShaleCode sst_reader_index_handle(SstReader *r, ShaleSlice v, SstBlockHandle *h, ShaleError *err)
{
    const char *end = v.data + v.size;
    if (sst_handle_decode(v.data, end, h) != end || !sst_handle_ok(*h, r->meta_start))
        return SHALE_ERR_CORRUPT(err, "bad block handle in the index of \"%s\"", sst_path(r));
    return SHALE_OK;
}

/* Pins the data block at h: from the cache when possible, else read (and cached). */
static ShaleCode sst_reader_block(SstReader *r, SstBlockHandle h, SstBlockRef *ref, ShaleError *err)
{
    ref->h = NULL;
    ref->block = NULL;
    if (r->cache) {
        BlockCacheHandle *ch = block_cache_lookup(r->cache, r->number, h.offset);
        if (ch) {
            ref->h = ch;
            ref->block = block_cache_value(ch);
            return SHALE_OK;
        }
    }
    Block *b;
    ShaleCode rc = block_read(r->file, h, true, &b, err);
    if (rc != SHALE_OK)
        return rc;
    if (r->cache) {
        BlockCacheHandle *ch = block_cache_insert(r->cache, r->number, h.offset, b, block_charge(b),
                                                  block_cache_deleter);
        if (!ch)
            return SHALE_ERR_NOMEM(err, "out of memory caching a block of \"%s\"", sst_path(r));
        ref->h = ch;
    }
    ref->block = b;
    return SHALE_OK;
}

static void sst_reader_unref(SstReader *r, SstBlockRef *ref)
{
    if (ref->h)
        block_cache_release(r->cache, ref->h);
    else
        block_free(ref->block);
    ref->h = NULL;
    ref->block = NULL;
}

static ShaleCode sst_reader_block_error(SstReader *r, ShaleCode code, const char *what, ShaleError *err)
{
    if (code == SHALE_NO_MEMORY)
        return SHALE_ERR_NOMEM(err, "out of memory reading %s of \"%s\"", what, sst_path(r));
    return SHALE_ERR_CORRUPT(err, "corrupt %s in \"%s\"", what, sst_path(r));
}

ShaleCode sst_reader_get(SstReader *r, ShaleSlice ikey,
                         void (*found)(void *arg, ShaleSlice ikey, ShaleSlice value), void *arg,
                         ShaleError *err)
{
    ShaleSlice user = shale_ikey_user(ikey);
    if (r->filter) {
        STORAGE_COUNTER_ADD(r->ctr, bloom_checks, 1);
        if (!bloom_may_contain(r->filter_bits, bloom_hash(user))) {
            STORAGE_COUNTER_ADD(r->ctr, bloom_useful, 1);
            return SHALE_OK;
        }
    }
    ShaleCode rc = SHALE_OK;
    bool hit = false;
    BlockIter ii;
    block_iter_init(&ii, r->index);
    block_iter_seek(&ii, ikey);
    if (!block_iter_valid(&ii)) {
        if (ii.code != SHALE_OK)
            rc = sst_reader_block_error(r, ii.code, "index block", err);
        goto done;
    }
    SstBlockHandle h;
    if ((rc = sst_reader_index_handle(r, ii.value, &h, err)) != SHALE_OK)
        goto done;
    SstBlockRef ref;
    if ((rc = sst_reader_block(r, h, &ref, err)) != SHALE_OK)
        goto done;
    BlockIter di;
    block_iter_init(&di, ref.block);
    block_iter_seek(&di, ikey);
    if (block_iter_valid(&di)) {
        if (shale_slice_equal(shale_ikey_user(di.key), user)) {
            hit = true;
            found(arg, di.key, di.value);
        }
    } else if (di.code != SHALE_OK) {
        rc = sst_reader_block_error(r, di.code, "data block", err);
    }
    block_iter_done(&di);
    sst_reader_unref(r, &ref);
done:
    block_iter_done(&ii);
    /* A miss after the filter said maybe (approximate: a key present only in versions newer
     * than the lookup's snapshot also counts). */
    if (rc == SHALE_OK && !hit && r->filter)
        STORAGE_COUNTER_ADD(r->ctr, bloom_false_positives, 1);
    return rc;
}

/* --- iterator ---------------------------------------------------------------------- */

typedef struct SstIter {
    ShaleIter base;
    SstReader *r;           /* borrowed: outlives the iterator */
    BlockIter index;
    BlockIter data;         /* over ref.block (empty when none) */
    SstBlockRef ref;
    uint64_t data_offset;   /* offset of ref.block */
    ShaleCode code;         /* sticky */
    ShaleError err;
} SstIter;

static void sst_iter_drop_block(SstIter *it)
{
    block_iter_done(&it->data);
    block_iter_init(&it->data, NULL);
    if (it->ref.block)
        sst_reader_unref(it->r, &it->ref);
}

static void sst_iter_fail(SstIter *it, ShaleCode code)
{
    if (it->code == SHALE_OK)
        it->code = code;
    sst_iter_drop_block(it);
}

/* Turns a cursor's sticky code into the iterator's error; true when all is well. */
static bool sst_iter_ok(SstIter *it)
{
    if (it->code != SHALE_OK)
        return false;
    if (it->index.code != SHALE_OK)
        sst_iter_fail(it, sst_reader_block_error(it->r, it->index.code, "index block", &it->err));
    else if (it->data.code != SHALE_OK)
        sst_iter_fail(it, sst_reader_block_error(it->r, it->data.code, "data block", &it->err));
    return it->code == SHALE_OK;
}

/* Loads the data block the index cursor points at (none when it is invalid). */
static bool sst_iter_load(SstIter *it)
{
    if (!sst_iter_ok(it))
        return false;
    if (!block_iter_valid(&it->index)) {
        sst_iter_drop_block(it);
        return false;
    }
    SstBlockHandle h;
    ShaleCode rc = sst_reader_index_handle(it->r, it->index.value, &h, &it->err);
    if (rc != SHALE_OK) {
        sst_iter_fail(it, rc);
        return false;
    }
    if (it->ref.block && it->data_offset == h.offset)
        return true;
    sst_iter_drop_block(it);
    rc = sst_reader_block(it->r, h, &it->ref, &it->err);
    if (rc != SHALE_OK) {
        sst_iter_fail(it, rc);
        return false;
    }
    it->data_offset = h.offset;
    block_iter_init(&it->data, it->ref.block);
    return true;
}

static void sst_iter_skip_forward(SstIter *it)
{
    while (sst_iter_ok(it) && !block_iter_valid(&it->data)) {
        if (!block_iter_valid(&it->index))
            return;
        block_iter_next(&it->index);
        if (!sst_iter_load(it))
            return;
        block_iter_seek_to_first(&it->data);
    }
}

static void sst_iter_skip_backward(SstIter *it)
{
    while (sst_iter_ok(it) && !block_iter_valid(&it->data)) {
        if (!block_iter_valid(&it->index))
            return;
        block_iter_prev(&it->index);
        if (!sst_iter_load(it))
            return;
        block_iter_seek_to_last(&it->data);
    }
}

static bool sst_iter_valid(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    return it->code == SHALE_OK && block_iter_valid(&it->data);
}

static void sst_iter_seek_to_first(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    if (it->code != SHALE_OK)
        return;
    block_iter_seek_to_first(&it->index);
    if (sst_iter_load(it))
        block_iter_seek_to_first(&it->data);
    sst_iter_skip_forward(it);
}

static void sst_iter_seek_to_last(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    if (it->code != SHALE_OK)
        return;
    block_iter_seek_to_last(&it->index);
    if (sst_iter_load(it))
        block_iter_seek_to_last(&it->data);
    sst_iter_skip_backward(it);
}

static void sst_iter_seek(ShaleIter *base, ShaleSlice target)
{
    SstIter *it = (SstIter *)base;
    if (it->code != SHALE_OK)
        return;
    if (target.size < SHALE_IKEY_TRAILER) {
        sst_iter_fail(it, SHALE_ERR_INVALID(&it->err, "seek target is not an internal key"));
        return;
    }
    block_iter_seek(&it->index, target);
    if (sst_iter_load(it))
        block_iter_seek(&it->data, target);
    sst_iter_skip_forward(it);
}

static void sst_iter_next(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    block_iter_next(&it->data);
    sst_iter_skip_forward(it);
}

static void sst_iter_prev(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    block_iter_prev(&it->data);
    sst_iter_skip_backward(it);
}

static ShaleSlice sst_iter_key(ShaleIter *base)
{
    return ((SstIter *)base)->data.key;
}

static ShaleSlice sst_iter_value(ShaleIter *base)
{
    return ((SstIter *)base)->data.value;
}

static ShaleCode sst_iter_status(ShaleIter *base, ShaleError *err)
{
    SstIter *it = (SstIter *)base;
    if (it->code != SHALE_OK && err)
        *err = it->err;
    return it->code;
}

static void sst_iter_destroy(ShaleIter *base)
{
    SstIter *it = (SstIter *)base;
    sst_iter_drop_block(it);
    block_iter_done(&it->data);
    block_iter_done(&it->index);
    free(it);
}

static const ShaleIterOps sst_iter_ops = {
    sst_iter_valid, sst_iter_seek_to_first, sst_iter_seek_to_last, sst_iter_seek,
    sst_iter_next, sst_iter_prev, sst_iter_key, sst_iter_value, sst_iter_status, sst_iter_destroy,
};

ShaleIter *sst_reader_iter(SstReader *r)
{
    SstIter *it = malloc(sizeof *it);
    if (!it)
        return NULL;
    shale_iter_init(&it->base, &sst_iter_ops);
    it->r = r;
    block_iter_init(&it->index, r->index);
    block_iter_init(&it->data, NULL);
    it->ref.block = NULL;
    it->ref.h = NULL;
    it->data_offset = 0;
    it->code = SHALE_OK;
    shale_error_clear(&it->err);
    return &it->base;
}

/* --- verify ------------------------------------------------------------------------ */

ShaleCode sst_reader_verify(SstReader *r, ShaleError *err)
{
    ShaleCode rc = SHALE_OK;
    uint64_t n_entries = 0, n_blocks = 0;
    BlockIter ii, di;
    block_iter_init(&ii, r->index);
    block_iter_init(&di, NULL);
    ShaleBuf prev;
    shale_buf_init(&prev);
    for (block_iter_seek_to_first(&ii); block_iter_valid(&ii); block_iter_next(&ii)) {
        SstBlockHandle h;
        if ((rc = sst_reader_index_handle(r, ii.value, &h, err)) != SHALE_OK)
            break;
        Block *b;
        if ((rc = block_read(r->file, h, true, &b, err)) != SHALE_OK)
            break;
        n_blocks++;
        block_iter_done(&di);
        block_iter_init(&di, b);
        for (block_iter_seek_to_first(&di); block_iter_valid(&di); block_iter_next(&di)) {
            if (n_entries > 0 && shale_ikey_compare(shale_buf_slice(&prev), di.key) >= 0)
                break;
            shale_buf_reset(&prev);
            shale_buf_append(&prev, di.key.data, di.key.size);
            n_entries++;
        }
        bool bad = di.code != SHALE_OK || block_iter_valid(&di) ||
                   (n_entries > 0 && shale_ikey_compare(shale_buf_slice(&prev), ii.key) > 0);
        block_iter_done(&di);
        block_iter_init(&di, NULL);
        block_free(b);
        if (bad) {
            rc = SHALE_ERR_CORRUPT(err, "corrupt data block in \"%s\" at offset %llu", sst_path(r),
                                   (unsigned long long)h.offset);
            break;
        }
    }
    if (rc == SHALE_OK && ii.code != SHALE_OK)
        rc = sst_reader_block_error(r, ii.code, "index block", err);
    if (rc == SHALE_OK && prev.oom)
        rc = SHALE_ERR_NOMEM(err, "out of memory verifying \"%s\"", sst_path(r));
    if (rc == SHALE_OK && (n_entries != r->props.n_entries || n_blocks != r->props.n_data_blocks))
        rc = SHALE_ERR_CORRUPT(err, "\"%s\" holds %llu entries in %llu blocks, its properties say %llu in %llu",
                               sst_path(r), (unsigned long long)n_entries, (unsigned long long)n_blocks,
                               (unsigned long long)r->props.n_entries, (unsigned long long)r->props.n_data_blocks);
    block_iter_done(&ii);
    shale_buf_free(&prev);
    return rc;
}
