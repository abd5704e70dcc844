/* crc32c.h -- CRC-32C (Castagnoli), hardware-accelerated with SSE4.2 when the CPU has it.
 * Stored checksums are masked (rotated + offset) so that a CRC of data that itself contains
 * CRCs does not degenerate; every on-disk checksum in ShaleDB is a masked CRC32C. */
#ifndef SHALE_UTIL_CRC32C_H
#define SHALE_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc of data appended to a stream whose crc so far is init (0 for a fresh stream). */
uint32_t shale_crc32c_extend(uint32_t init, const void *data, size_t n);

static inline uint32_t shale_crc32c(const void *data, size_t n)
{
    return shale_crc32c_extend(0, data, n);
}

#define SHALE_CRC_MASK_DELTA 0xa282ead8u

static inline uint32_t shale_crc32c_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + SHALE_CRC_MASK_DELTA;
}

static inline uint32_t shale_crc32c_unmask(uint32_t masked)
{
    uint32_t rot = masked - SHALE_CRC_MASK_DELTA;
    return (rot >> 17) | (rot << 15);
}

#endif
