/* bloom.h -- the bloom filter of an SSTable's filter block, over user keys.
 *
 * Filter bytes: bit array (m bytes, m >= 8) | k (1 byte, number of probes, 1..30).
 * Hash of a key: h = fmix32(shale_hash32(key, len, BLOOM_HASH_SEED)), where fmix32(x) is
 *   x ^= x >> 16; x *= 0x85ebca6b; x ^= x >> 13; x *= 0xc2b2ae35; x ^= x >> 16.
 * Probe j (j = 0..k-1) tests bit (h + j * delta) mod (8m), delta = h rotated right by 17
 * (32-bit wrapping arithmetic). Bit b lives in byte b/8 at position b%8 (LSB first).
 * m = max(8, ceil(n * bits_per_key / 8)), k = round(bits_per_key * 0.69) clamped to [1, 30]. */
#ifndef SHALE_STORAGE_BLOOM_H
#define SHALE_STORAGE_BLOOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/slice.h"

#define BLOOM_HASH_SEED 0xbc9f1d34u
#define BLOOM_MAX_PROBES 30

uint32_t bloom_hash(ShaleSlice key);
/* Appends the filter over n key hashes to out (nothing at all when bits_per_key <= 0). */
void bloom_build(ShaleBuf *out, const uint32_t *hashes, size_t n, int bits_per_key);
/* True when filter is well formed (checked once when a table is opened). */
bool bloom_filter_valid(ShaleSlice filter);
/* False only when the key is certainly absent. An empty filter says maybe.
 * REQUIRES: filter is empty or bloom_filter_valid. */
bool bloom_may_contain(ShaleSlice filter, uint32_t hash);
/* Number of probes a filter built with bits_per_key uses. */
int bloom_probes(int bits_per_key);

#endif
