/* block_builder.c -- builds one block of prefix-compressed internal keys with restart
 * points. Byte format: block.h (entries, restart array) and docs/file-formats.md. */
#include "storage/block.h"

#include <assert.h>

void block_builder_init(BlockBuilder *bb, int restart_interval)
{
    shale_buf_init(&bb->buf);
    shale_buf_init(&bb->restarts);
    shale_buf_init(&bb->last_key);
    bb->restart_interval = restart_interval > 0 ? restart_interval : 1;
    block_builder_reset(bb);
}

void block_builder_free(BlockBuilder *bb)
{
    shale_buf_free(&bb->buf);
    shale_buf_free(&bb->restarts);
    shale_buf_free(&bb->last_key);
}

void block_builder_reset(BlockBuilder *bb)
{
    shale_buf_reset(&bb->buf);
    shale_buf_reset(&bb->restarts);
    shale_buf_reset(&bb->last_key);
    shale_buf_append_fixed32(&bb->restarts, 0); /* the first entry is always a restart */
    bb->counter = 0;
    bb->n_entries = 0;
    bb->finished = false;
}

size_t block_builder_size(const BlockBuilder *bb)
{
    return bb->buf.len + bb->restarts.len + 4;
}

void block_builder_add(BlockBuilder *bb, ShaleSlice key, ShaleSlice value)
{
    assert(!bb->finished);
    size_t shared = 0;
    if (bb->counter < bb->restart_interval) {
        size_t n = key.size < bb->last_key.len ? key.size : bb->last_key.len;
        while (shared < n && key.data[shared] == bb->last_key.data[shared])
            shared++;
    } else {
        shale_buf_append_fixed32(&bb->restarts, (uint32_t)bb->buf.len);
        bb->counter = 0;
    }
    size_t unshared = key.size - shared;
    char hdr[15];
    char *p = shale_encode_varint32(hdr, (uint32_t)shared);
    p = shale_encode_varint32(p, (uint32_t)unshared);
    p = shale_encode_varint32(p, (uint32_t)value.size);
    shale_buf_append(&bb->buf, hdr, (size_t)(p - hdr));
    shale_buf_append(&bb->buf, key.data + shared, unshared);
    shale_buf_append(&bb->buf, value.data, value.size);
    /* last_key keeps the shared prefix and takes the new suffix */
    if (bb->last_key.len >= shared) {
        bb->last_key.len = shared;
        shale_buf_append(&bb->last_key, key.data + shared, unshared);
    }
    bb->counter++;
    bb->n_entries++;
}

ShaleSlice block_builder_finish(BlockBuilder *bb)
{
    if (!bb->finished) {
        shale_buf_append(&bb->buf, bb->restarts.data, bb->restarts.len);
        shale_buf_append_fixed32(&bb->buf, (uint32_t)(bb->restarts.len / 4));
        bb->finished = true;
    }
    return shale_buf_slice(&bb->buf);
}
