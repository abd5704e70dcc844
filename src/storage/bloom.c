/* bloom.c -- building and probing bloom filters (format in bloom.h, docs/file-formats.md). */
#include "storage/bloom.h"

#include <string.h>

#include "util/hash.h"

uint32_t bloom_hash(ShaleSlice key)
{
    /* shale_hash32 leaves some output bits untouched by the last input word (keys that
     * differ only there agree in bits 0..7 and 16..23, which would make every probe of a
     * small filter coincide); the finaliser spreads every input bit over every output bit */
    uint32_t h = shale_hash32(key.data, key.size, BLOOM_HASH_SEED);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

int bloom_probes(int bits_per_key)
{
    int k = (int)((double)bits_per_key * 0.69 + 0.5);
    if (k < 1)
        k = 1;
    if (k > BLOOM_MAX_PROBES)
        k = BLOOM_MAX_PROBES;
    return k;
}

void bloom_build(ShaleBuf *out, const uint32_t *hashes, size_t n, int bits_per_key)
{
    if (bits_per_key <= 0)
        return;
    uint64_t bits = (uint64_t)n * (uint64_t)bits_per_key;
    size_t bytes = (size_t)((bits + 7) / 8);
    if (bytes < 8)
        bytes = 8;
    uint64_t nbits = (uint64_t)bytes * 8;
    int k = bloom_probes(bits_per_key);
    size_t start = out->len;
    if (!shale_buf_reserve(out, bytes + 1))
        return;
    memset(out->data + start, 0, bytes);
    uint8_t *arr = (uint8_t *)out->data + start;
    for (size_t i = 0; i < n; i++) {
        uint32_t h = hashes[i];
        uint32_t delta = (h >> 17) | (h << 15);
        for (int j = 0; j < k; j++) {
            uint64_t b = h % nbits;
            arr[b >> 3] |= (uint8_t)(1u << (b & 7));
            h += delta;
        }
    }
    out->data[start + bytes] = (char)k;
    out->len = start + bytes + 1;
}

bool bloom_filter_valid(ShaleSlice filter)
{
    if (filter.size < 9)
        return false;
    uint8_t k = (uint8_t)filter.data[filter.size - 1];
    return k >= 1 && k <= BLOOM_MAX_PROBES;
}

bool bloom_may_contain(ShaleSlice filter, uint32_t hash)
{
    if (filter.size < 9)
        return true;
    const uint8_t *arr = (const uint8_t *)filter.data;
    uint64_t nbits = (uint64_t)(filter.size - 1) * 8;
    int k = arr[filter.size - 1];
    uint32_t h = hash;
    uint32_t delta = (h >> 17) | (h << 15);
    for (int j = 0; j < k; j++) {
        uint64_t b = h % nbits;
        if (!(arr[b >> 3] & (1u << (b & 7))))
            return false;
        h += delta;
    }
    return true;
}
