/* sst_builder.c -- writes an SSTable (contract in sst.h).
 *
 * File layout (full byte format in docs/file-formats.md and sst_format.h):
 *   data block* | filter block (if bloom_bits_per_key > 0) | properties block | index block | footer
 * Index entry per data block: key = an internal key k with last_key(block) <= k <
 * first_key(next block) (a shortened user key with the highest trailer when that is cheap,
 * else the block's last key), value = the block's handle. Properties block contents:
 *   varint64 n_entries, n_data_blocks, raw_key_bytes, raw_value_bytes, min_seq, max_seq |
 *   varint32 length + smallest internal key | varint32 length + largest internal key.
 * Meta blocks (filter, properties, index) are stored raw; data blocks are LZ4-compressed when
 * compression is on and it saves at least 1/8 of the block. */
#include "storage/sst.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "storage/block.h"
#include "storage/bloom.h"
#include "storage/dbformat.h"
#include "storage/sst_format.h"
#include "util/crc32c.h"

struct SstBuilder {
    ShaleWritableFile *f;      /* borrowed */
    SstOptions opts;
    BlockBuilder data;
    BlockBuilder index;
    ShaleBuf last_key;         /* last key added */
    ShaleBuf smallest;
    ShaleBuf sep;              /* scratch: index separator */
    ShaleBuf zbuf;             /* scratch: compressed block */
    bool pending_index;        /* a flushed data block waits for its index entry */
    SstBlockHandle pending;    /* ... at this handle */
    uint32_t *hashes;          /* bloom hashes of distinct user keys */
    size_t n_hashes, cap_hashes;
    uint64_t offset;           /* bytes written */
    SstProps props;
    ShaleCode code;            /* sticky */
    ShaleError err;
    bool finished;
};

SstBuilder *sst_builder_new(ShaleWritableFile *f, const SstOptions *opts)
{
    SstBuilder *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->f = f;
    b->opts = *opts;
    if (b->opts.block_size == 0)
        b->opts.block_size = 4096;
    if (b->opts.restart_interval <= 0)
        b->opts.restart_interval = 16;
    block_builder_init(&b->data, b->opts.restart_interval);
    block_builder_init(&b->index, 1);
    shale_buf_init(&b->last_key);
    shale_buf_init(&b->smallest);
    shale_buf_init(&b->sep);
    shale_buf_init(&b->zbuf);
    b->offset = shale_wfile_size(f);
    b->props.min_seq = UINT64_MAX;
    return b;
}

void sst_builder_free(SstBuilder *b)
{
    if (!b)
        return;
    block_builder_free(&b->data);
    block_builder_free(&b->index);
    shale_buf_free(&b->last_key);
    shale_buf_free(&b->smallest);
    shale_buf_free(&b->sep);
    shale_buf_free(&b->zbuf);
    free(b->hashes);
    free(b);
}

static void sst_builder_fail_oom(SstBuilder *b)
{
    if (b->code == SHALE_OK)
        b->code = SHALE_ERR_NOMEM(&b->err, "out of memory building table \"%s\"", shale_wfile_path(b->f));
}

/* Writes contents + trailer, compressing when allowed and worthwhile; *h gets its handle. */
static void sst_builder_write_block(SstBuilder *b, ShaleSlice contents, bool compress, SstBlockHandle *h)
{
    if (b->code != SHALE_OK)
        return;
    uint8_t type = SST_BLOCK_RAW;
    if (compress && contents.size > 0 && contents.size <= (size_t)LZ4_MAX_INPUT_SIZE) {
        int bound = LZ4_compressBound((int)contents.size);
        shale_buf_reset(&b->zbuf);
        if (shale_buf_reserve(&b->zbuf, (size_t)bound + 5)) {
            char *p = shale_encode_varint32(b->zbuf.data, (uint32_t)contents.size);
            size_t hdr = (size_t)(p - b->zbuf.data);
            int n = LZ4_compress_default(contents.data, p, (int)contents.size, bound);
            if (n > 0 && hdr + (size_t)n <= contents.size - contents.size / 8) {
                b->zbuf.len = hdr + (size_t)n;
                contents = shale_buf_slice(&b->zbuf);
                type = SST_BLOCK_LZ4;
            }
        }
    }
    char trailer[SST_BLOCK_TRAILER];
    trailer[0] = (char)type;
    uint32_t crc = shale_crc32c_extend(shale_crc32c(contents.data, contents.size), trailer, 1);
    shale_put_fixed32(trailer + 1, shale_crc32c_mask(crc));
    h->offset = b->offset;
    h->size = contents.size;
    ShaleCode rc = shale_wfile_append(b->f, contents.data, contents.size, &b->err);
    if (rc == SHALE_OK)
        rc = shale_wfile_append(b->f, trailer, sizeof trailer, &b->err);
    if (rc != SHALE_OK) {
        b->code = rc;
        return;
    }
    b->offset += contents.size + sizeof trailer;
}

/* Puts into b->sep an internal key k with last <= k < next (next may be NULL: the end). */
static void sst_builder_separator(SstBuilder *b, ShaleSlice last, const ShaleSlice *next)
{
    ShaleSlice ul = shale_ikey_user(last);
    shale_buf_reset(&b->sep);
    if (next) {
        ShaleSlice un = shale_ikey_user(*next);
        size_t n = ul.size < un.size ? ul.size : un.size, i = 0;
        while (i < n && ul.data[i] == un.data[i])
            i++;
        if (i < n) {
            uint8_t c = (uint8_t)ul.data[i];
            if (c < 0xff && c + 1 < (uint8_t)un.data[i] && i + 1 < ul.size) {
                /* ul[0..i] + (c+1) sorts after ul and before un, and is shorter */
                shale_buf_append(&b->sep, ul.data, i);
                shale_buf_append_byte(&b->sep, (uint8_t)(c + 1));
                shale_buf_append_fixed64(&b->sep, shale_pack_trailer(SHALE_MAX_SEQUENCE, SHALE_KIND_SEEK));
                return;
            }
        }
    } else {
        for (size_t i = 0; i < ul.size; i++) {
            uint8_t c = (uint8_t)ul.data[i];
            if (c != 0xff) {
                if (i + 1 == ul.size)
                    break; /* no shorter successor */
                shale_buf_append(&b->sep, ul.data, i);
                shale_buf_append_byte(&b->sep, (uint8_t)(c + 1));
                shale_buf_append_fixed64(&b->sep, shale_pack_trailer(SHALE_MAX_SEQUENCE, SHALE_KIND_SEEK));
                return;
            }
        }
    }
    shale_buf_append(&b->sep, last.data, last.size);
}

static void sst_builder_add_index(SstBuilder *b, const ShaleSlice *next)
{
    sst_builder_separator(b, shale_buf_slice(&b->last_key), next);
    char hv[SST_HANDLE_MAX];
    char *e = sst_handle_encode(hv, b->pending);
    block_builder_add(&b->index, shale_buf_slice(&b->sep), shale_slice(hv, (size_t)(e - hv)));
    b->pending_index = false;
    if (b->sep.oom || block_builder_oom(&b->index))
        sst_builder_fail_oom(b);
}

static void sst_builder_flush(SstBuilder *b)
{
    if (b->code != SHALE_OK || block_builder_empty(&b->data))
        return;
    if (block_builder_oom(&b->data)) {
        sst_builder_fail_oom(b);
        return;
    }
    sst_builder_write_block(b, block_builder_finish(&b->data), b->opts.compression, &b->pending);
    block_builder_reset(&b->data);
    b->pending_index = true;
    b->props.n_data_blocks++;
}

void sst_builder_add(SstBuilder *b, ShaleSlice ikey, ShaleSlice value)
{
    if (b->code != SHALE_OK)
        return;
    if (b->pending_index)
        sst_builder_add_index(b, &ikey);
    ShaleSlice user = shale_ikey_user(ikey);
    bool new_user = b->props.n_entries == 0 ||
                    !shale_slice_equal(user, shale_ikey_user(shale_buf_slice(&b->last_key)));
    if (b->opts.bloom_bits_per_key > 0 && new_user) {
        if (b->n_hashes == b->cap_hashes) {
            size_t cap = b->cap_hashes ? b->cap_hashes * 2 : 1024;
            uint32_t *nh = realloc(b->hashes, cap * sizeof *nh);
            if (!nh) {
                sst_builder_fail_oom(b);
                return;
            }
            b->hashes = nh;
            b->cap_hashes = cap;
        }
        b->hashes[b->n_hashes++] = bloom_hash(user);
    }
    if (b->props.n_entries == 0)
        shale_buf_append(&b->smallest, ikey.data, ikey.size);
    uint64_t seq = shale_ikey_seq(ikey);
    if (seq < b->props.min_seq)
        b->props.min_seq = seq;
    if (seq > b->props.max_seq)
        b->props.max_seq = seq;
    b->props.n_entries++;
    b->props.raw_key_bytes += ikey.size;
    b->props.raw_value_bytes += value.size;
    block_builder_add(&b->data, ikey, value);
    shale_buf_reset(&b->last_key);
    shale_buf_append(&b->last_key, ikey.data, ikey.size);
    if (b->last_key.oom || b->smallest.oom) {
        sst_builder_fail_oom(b);
        return;
    }
    if (block_builder_size(&b->data) >= b->opts.block_size)
        sst_builder_flush(b);
}

ShaleCode sst_builder_finish(SstBuilder *b, ShaleError *err)
{
    if (!b->finished) {
        b->finished = true;
        sst_builder_flush(b);
        if (b->code == SHALE_OK && b->pending_index)
            sst_builder_add_index(b, NULL);
        if (b->props.n_entries == 0)
            b->props.min_seq = 0;
        SstFooter ft;
        memset(&ft, 0, sizeof ft);
        ShaleBuf meta;
        shale_buf_init(&meta);
        if (b->opts.bloom_bits_per_key > 0) {
            bloom_build(&meta, b->hashes, b->n_hashes, b->opts.bloom_bits_per_key);
            if (meta.oom)
                sst_builder_fail_oom(b);
            sst_builder_write_block(b, shale_buf_slice(&meta), false, &ft.filter);
        }
        shale_buf_reset(&meta);
        shale_buf_append_varint64(&meta, b->props.n_entries);
        shale_buf_append_varint64(&meta, b->props.n_data_blocks);
        shale_buf_append_varint64(&meta, b->props.raw_key_bytes);
        shale_buf_append_varint64(&meta, b->props.raw_value_bytes);
        shale_buf_append_varint64(&meta, b->props.min_seq);
        shale_buf_append_varint64(&meta, b->props.max_seq);
        shale_buf_append_lenprefixed(&meta, b->smallest.data, b->smallest.len);
        shale_buf_append_lenprefixed(&meta, b->last_key.data, b->last_key.len);
        if (meta.oom)
            sst_builder_fail_oom(b);
        sst_builder_write_block(b, shale_buf_slice(&meta), false, &ft.props);
        shale_buf_free(&meta);
        if (block_builder_oom(&b->index))
            sst_builder_fail_oom(b);
        sst_builder_write_block(b, block_builder_finish(&b->index), false, &ft.index);
        if (b->code == SHALE_OK) {
            char f[SST_FOOTER_SIZE];
            shale_put_fixed64(f + 0, ft.index.offset);
            shale_put_fixed64(f + 8, ft.index.size);
            shale_put_fixed64(f + 16, ft.filter.offset);
            shale_put_fixed64(f + 24, ft.filter.size);
            shale_put_fixed64(f + 32, ft.props.offset);
            shale_put_fixed64(f + 40, ft.props.size);
            shale_put_fixed32(f + 48, SST_FORMAT_VERSION);
            shale_put_fixed64(f + 56, SST_MAGIC);
            uint32_t crc = shale_crc32c_extend(shale_crc32c(f, 52), f + 56, 8);
            shale_put_fixed32(f + 52, shale_crc32c_mask(crc));
            ShaleCode rc = shale_wfile_append(b->f, f, sizeof f, &b->err);
            if (rc != SHALE_OK)
                b->code = rc;
            else
                b->offset += sizeof f;
        }
    }
    if (b->code != SHALE_OK && err)
        *err = b->err;
    return b->code;
}

uint64_t sst_builder_n_entries(const SstBuilder *b)
{
    return b->props.n_entries;
}

uint64_t sst_builder_file_size(const SstBuilder *b)
{
    return b->offset;
}

ShaleSlice sst_builder_smallest(const SstBuilder *b)
{
    return shale_buf_slice(&b->smallest);
}

ShaleSlice sst_builder_largest(const SstBuilder *b)
{
    return shale_buf_slice(&b->last_key);
}

const SstProps *sst_builder_props(const SstBuilder *b)
{
    return &b->props;
}
