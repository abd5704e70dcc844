/* hash.h -- fast non-cryptographic hashing (bloom filters, cache sharding) and a small
 * deterministic PRNG for tests and skiplist heights. */
#ifndef SHALE_UTIL_HASH_H
#define SHALE_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 32-bit Murmur-style hash of n bytes. The value is part of the bloom filter's on-disk
 * format: never change it. */
uint32_t shale_hash32(const void *data, size_t n, uint32_t seed);

/* 64-bit mix of an integer (splitmix64 finaliser). */
static inline uint64_t shale_hash_u64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* xorshift64* generator: the whole state is the struct; seed must not be 0. */
typedef struct ShaleRandom {
    uint64_t state;
} ShaleRandom;

static inline void shale_random_seed(ShaleRandom *r, uint64_t seed)
{
    r->state = shale_hash_u64(seed) | 1;
}

static inline uint64_t shale_random_next(ShaleRandom *r)
{
    uint64_t x = r->state;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    r->state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t shale_random_uniform(ShaleRandom *r, uint64_t n)
{
    return shale_random_next(r) % n;
}

#endif
