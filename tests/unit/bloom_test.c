/* bloom_test.c -- unit tests of the bloom filter (bloom.h): the false-positive rate at 10
 * bits/key, no false negatives, probe count, and "0 bits -> no filter". */
#include "tests/harness/test.h"

#include <stdint.h>

#include "storage/bloom.h"
#include "util/coding.h"

/* A realistic 16-byte key: a table prefix and a big-endian counter, with a salt. */
static void make_key(char *k, uint64_t i, uint32_t salt)
{
    shale_put_fixed32(k, 0x7461626cu ^ salt);
    shale_put_fixed32(k + 4, 17);
    for (int j = 0; j < 8; j++)
        k[8 + j] = (char)(i >> (56 - 8 * j));
}

TEST(false_positive_rate_at_10_bits)
{
    const size_t n = 100000;
    uint32_t *h = malloc(n * sizeof *h);
    char k[16];
    for (size_t i = 0; i < n; i++) {
        make_key(k, i, 0);
        h[i] = bloom_hash(shale_slice(k, 16));
    }
    ShaleBuf f;
    shale_buf_init(&f);
    bloom_build(&f, h, n, 10);
    REQUIRE(!f.oom);
    ShaleSlice fs = shale_buf_slice(&f);
    CHECK(bloom_filter_valid(fs));
    CHECK_EQ_U64(fs.size, n * 10 / 8 + 1);
    CHECK_EQ_INT((uint8_t)fs.data[fs.size - 1], 7);
    size_t fneg = 0;
    for (size_t i = 0; i < n; i++)
        fneg += !bloom_may_contain(fs, h[i]);
    CHECK_EQ_U64(fneg, 0);
    size_t fpos = 0;
    for (size_t i = 0; i < n; i++) {
        make_key(k, i + n, 0); /* absent: counters n..2n-1 */
        fpos += bloom_may_contain(fs, bloom_hash(shale_slice(k, 16)));
    }
    double rate = (double)fpos / (double)n;
    printf("  false-positive rate at 10 bits/key: %.3f%%\n", rate * 100);
    CHECK_MSG(rate >= 0.005 && rate <= 0.02, "rate %.4f outside [0.5%%, 2%%]", rate);
    shale_buf_free(&f);
    free(h);
}

TEST(no_false_negatives_at_any_size)
{
    size_t sizes[] = { 0, 1, 2, 7, 100, 1000, 5000 };
    int bits[] = { 1, 4, 10, 20, 50 };
    size_t fneg = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
            uint32_t *h = malloc((sizes[s] + 1) * sizeof *h);
            char k[16];
            for (size_t i = 0; i < sizes[s]; i++) {
                make_key(k, i * 7919, (uint32_t)s);
                h[i] = bloom_hash(shale_slice(k, 16));
            }
            ShaleBuf f;
            shale_buf_init(&f);
            bloom_build(&f, h, sizes[s], bits[b]);
            CHECK(bloom_filter_valid(shale_buf_slice(&f)));
            int k_probes = (uint8_t)f.data[f.len - 1];
            CHECK(k_probes >= 1 && k_probes <= 30);
            CHECK_EQ_INT(k_probes, bloom_probes(bits[b]));
            for (size_t i = 0; i < sizes[s]; i++)
                fneg += !bloom_may_contain(shale_buf_slice(&f), h[i]);
            shale_buf_free(&f);
            free(h);
        }
    }
    CHECK_EQ_U64(fneg, 0);
    CHECK_EQ_INT(bloom_probes(50), 30);
    CHECK_EQ_INT(bloom_probes(1), 1);
}

TEST(zero_bits_means_no_filter)
{
    uint32_t h[3] = { 1, 2, 3 };
    ShaleBuf f;
    shale_buf_init(&f);
    bloom_build(&f, h, 3, 0);
    CHECK_EQ_U64(f.len, 0);
    CHECK(!bloom_filter_valid(shale_buf_slice(&f)));
    CHECK(bloom_may_contain(shale_buf_slice(&f), 12345)); /* empty filter: maybe */
    shale_buf_free(&f);
}

TEST(bad_probe_counts_are_invalid)
{
    char f[9] = { 0 };
    CHECK(!bloom_filter_valid(shale_slice(f, 9)));
    f[8] = 31;
    CHECK(!bloom_filter_valid(shale_slice(f, 9)));
    f[8] = 30;
    CHECK(bloom_filter_valid(shale_slice(f, 9)));
    CHECK(!bloom_filter_valid(shale_slice(f, 8)));
}

TEST_MAIN(
    RUN(false_positive_rate_at_10_bits);
    RUN(no_false_negatives_at_any_size);
    RUN(zero_bits_means_no_filter);
    RUN(bad_probe_counts_are_invalid);
)
