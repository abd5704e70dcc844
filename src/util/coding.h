/* coding.h -- fixed-width little-endian and varint encodings used by every on-disk format.
 * Decoders take an end pointer and never read past it: bytes from disk are untrusted. */
#ifndef SHALE_UTIL_CODING_H
#define SHALE_UTIL_CODING_H

#include <stdint.h>
#include <string.h>
#include <stddef.h>

static inline void shale_put_fixed32(char *p, uint32_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24);
}

static inline void shale_put_fixed64(char *p, uint64_t v)
{
    shale_put_fixed32(p, (uint32_t)v);
    shale_put_fixed32(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t shale_get_fixed32(const char *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t shale_get_fixed64(const char *p)
{
    return (uint64_t)shale_get_fixed32(p) | ((uint64_t)shale_get_fixed32(p + 4) << 32);
}

/* Writes v as a varint at p (at most 5 / 10 bytes); returns the byte after it. */
char *shale_encode_varint32(char *p, uint32_t v);
char *shale_encode_varint64(char *p, uint64_t v);
int shale_varint_length(uint64_t v);

/* Decodes a varint from [p, end). Returns the byte after it, or NULL if the varint is
 * truncated or overlong. */
const char *shale_decode_varint32(const char *p, const char *end, uint32_t *v);
const char *shale_decode_varint64(const char *p, const char *end, uint64_t *v);

#endif
