/* vector_kernels_test.c -- every available kernel level (scalar, AVX2+FMA, AVX-512F) against
 * a plain double-precision reference on seeded random data: all dimensions 1..300, 16000,
 * unaligned starts, and cancellation-free inputs so float32 rounding bounds the error. */
#include "tests/harness/test.h"

#include <math.h>
#include <stdlib.h>

#include "facets/vector/vector_kernels.h"
#include "util/hash.h"

static void fill(ShaleRandom *r, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)((double)shale_random_uniform(r, 2000001) / 1000000.0 - 1.0);  /* [-1, 1] */
}

/* |got - want| within a float32 accumulation bound relative to the sum of magnitudes. */
static int close_enough(double got, double want, double magnitude, size_t n)
{
    double tol = 1e-5 + magnitude * 1e-6 * (1.0 + sqrt((double)n)) * 4;
    return fabs(got - want) <= tol;
}

static void check_level(const VectorKernels *k, const float *a, const float *b, size_t n)
{
    double l2 = 0, dot = 0, l1 = 0, na = 0, nb = 0, mag = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        l2 += d * d;
        dot += (double)a[i] * b[i];
        mag += fabs((double)a[i] * b[i]);
        l1 += fabs(d);
        na += (double)a[i] * a[i];
        nb += (double)b[i] * b[i];
    }
    CHECK_MSG(close_enough(k->l2sq(a, b, n), l2, l2, n), "%s l2sq n=%zu got %.9g want %.9g", k->name, n,
              (double)k->l2sq(a, b, n), l2);
    CHECK_MSG(close_enough(k->dot(a, b, n), dot, mag, n), "%s dot n=%zu got %.9g want %.9g", k->name, n,
              (double)k->dot(a, b, n), dot);
    CHECK_MSG(close_enough(k->l1(a, b, n), l1, l1, n), "%s l1 n=%zu got %.9g want %.9g", k->name, n,
              (double)k->l1(a, b, n), l1);
    float cd, ca, cb;
    k->cos_parts(a, b, n, &cd, &ca, &cb);
    CHECK_MSG(close_enough(cd, dot, mag, n) && close_enough(ca, na, na, n) && close_enough(cb, nb, nb, n),
              "%s cos_parts n=%zu", k->name, n);
}

TEST(kernels_match_reference_all_dims)
{
    enum { MAXN = 16000 };
    float *a = malloc((MAXN + 8) * sizeof(float)), *b = malloc((MAXN + 8) * sizeof(float));
    REQUIRE(a && b);
    ShaleRandom r;
    shale_random_seed(&r, 20261122);
    int levels = 0;
    for (int lv = 0; lv < VECTOR_KERNEL_NLEVELS; lv++) {
        const VectorKernels *k = vector_kernels_level((VectorKernelLevel)lv);
        if (!k)
            continue;
        levels++;
        CHECK_EQ_INT((int)k->level, lv);
        for (size_t n = 1; n <= 300; n++) {
            size_t off = n % 3;   /* unaligned starts */
            fill(&r, a + off, n);
            fill(&r, b + off, n);
            check_level(k, a + off, b + off, n);
        }
        fill(&r, a + 1, MAXN);
        fill(&r, b, MAXN);
        check_level(k, a + 1, b, MAXN);
        /* n = 0 is the empty sum */
        CHECK(k->l2sq(a, b, 0) == 0 && k->dot(a, b, 0) == 0 && k->l1(a, b, 0) == 0);
    }
    CHECK(levels >= 1);
    CHECK(vector_kernels() == vector_kernels_level(vector_kernels()->level));
    printf("# kernel levels tested: %d, dispatch picks %s\n", levels, vector_kernels()->name);
    free(a);
    free(b);
}

TEST(levels_agree_on_exact_inputs)
{
    /* small integers: every path must give the exact same answer */
    float a[37], b[37];
    for (int i = 0; i < 37; i++) {
        a[i] = (float)(i % 5 - 2);
        b[i] = (float)(i % 3);
    }
    const VectorKernels *s = vector_kernels_level(VECTOR_KERNEL_SCALAR);
    REQUIRE(s);
    for (int lv = 1; lv < VECTOR_KERNEL_NLEVELS; lv++) {
        const VectorKernels *k = vector_kernels_level((VectorKernelLevel)lv);
        if (!k)
            continue;
        for (size_t n = 1; n <= 37; n++) {
            CHECK(k->l2sq(a, b, n) == s->l2sq(a, b, n));
            CHECK(k->dot(a, b, n) == s->dot(a, b, n));
            CHECK(k->l1(a, b, n) == s->l1(a, b, n));
        }
    }
}

TEST(cosine_distance_semantics)
{
    float a[3] = {1, 2, 3}, b[3] = {2, 4, 6}, z[3] = {0, 0, 0}, c[3] = {-1, -2, -3};
    CHECK(fabs(vector_cosine_distance(a, b, 3)) < 1e-7);
    CHECK(fabs(vector_cosine_distance(a, c, 3) - 2.0) < 1e-7);
    CHECK(isnan(vector_cosine_distance(a, z, 3)));
    float p[2] = {3, 4}, q[2] = {0, 0};
    CHECK(vector_l2_squared(p, q, 2) == 25.0f);
    CHECK(vector_inner_product(p, p, 2) == 25.0f);
    CHECK(vector_l1(p, q, 2) == 7.0f);
}

TEST_MAIN({
    RUN(kernels_match_reference_all_dims);
    RUN(levels_agree_on_exact_inputs);
    RUN(cosine_distance_semantics);
})
