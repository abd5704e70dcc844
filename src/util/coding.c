/* coding.c -- varint encoders/decoders (see coding.h). */
#include "util/coding.h"

char *shale_encode_varint32(char *p, uint32_t v)
{
    return shale_encode_varint64(p, v);
}

char *shale_encode_varint64(char *p, uint64_t v)
{
    uint8_t *b = (uint8_t *)p;
    while (v >= 0x80) {
        *b++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *b++ = (uint8_t)v;
    return (char *)b;
}

int shale_varint_length(uint64_t v)
{
    int n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

const char *shale_decode_varint64(const char *p, const char *end, uint64_t *v)
{
    uint64_t result = 0;
    for (unsigned shift = 0; shift <= 63 && p < end; shift += 7) {
        uint64_t byte = (uint8_t)*p++;
        if (byte & 0x80) {
            result |= (byte & 0x7f) << shift;
        } else {
            if (shift == 63 && byte > 1)
                return NULL;
            result |= byte << shift;
            *v = result;
            return p;
        }
    }
    return NULL;
}

const char *shale_decode_varint32(const char *p, const char *end, uint32_t *v)
{
    uint64_t r;
    const char *q = shale_decode_varint64(p, end, &r);
    if (!q || r > UINT32_MAX || q - p > 5)
        return NULL;
    *v = (uint32_t)r;
    return q;
}
