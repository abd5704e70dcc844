/* hash.c -- shale_hash32 (see hash.h). Part of the bloom filter format: frozen. */
#include "util/hash.h"

#include <string.h>

uint32_t shale_hash32(const void *data, size_t n, uint32_t seed)
{
    const uint32_t m = 0xc6a4a793u;
    const uint32_t r = 24;
    const uint8_t *p = (const uint8_t *)data;
    const uint8_t *end = p + n;
    uint32_t h = seed ^ ((uint32_t)n * m);
    while (end - p >= 4) {
        uint32_t w = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
        p += 4;
        h += w;
        h *= m;
        h ^= (h >> 16);
    }
    switch (end - p) {
    case 3: h += (uint32_t)p[2] << 16; /* fall through */
    case 2: h += (uint32_t)p[1] << 8;  /* fall through */
    case 1:
        h += p[0];
        h *= m;
        h ^= (h >> r);
        break;
    }
    return h;
}
