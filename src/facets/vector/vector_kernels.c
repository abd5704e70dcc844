/* vector_kernels.c -- scalar, AVX2+FMA and AVX-512F distance kernels and their run-time
 * dispatch (contract in vector_kernels.h). The SIMD functions carry target attributes so
 * they compile without global -m flags; they are only called after __builtin_cpu_supports
 * said yes. Tails are handled with scalar loops (AVX2) or masked loads (AVX-512). */
#include "facets/vector/vector_kernels.h"

#include <math.h>
#include <pthread.h>

#if defined(__x86_64__) && (defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 7))
#define VK_X86 1
#include <immintrin.h>
#endif

/* --- scalar reference ------------------------------------------------------------------ */

static float vk_l2sq_scalar(const float *a, const float *b, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

static float vk_dot_scalar(const float *a, const float *b, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

static float vk_l1_scalar(const float *a, const float *b, size_t n)
{
    float s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabsf(a[i] - b[i]);
    return s;
}

static void vk_cos_scalar(const float *a, const float *b, size_t n, float *dot, float *na, float *nb)
{
    float d = 0, x = 0, y = 0;
    for (size_t i = 0; i < n; i++) {
        d += a[i] * b[i];
        x += a[i] * a[i];
        y += b[i] * b[i];
    }
    *dot = d;
    *na = x;
    *nb = y;
}

static const VectorKernels vk_scalar = {
    VECTOR_KERNEL_SCALAR, "scalar", vk_l2sq_scalar, vk_dot_scalar, vk_l1_scalar, vk_cos_scalar
};

#ifdef VK_X86
/* --- AVX2 + FMA: two 8-lane accumulators per sum, scalar tail ----------------------------- */

#define VK_AVX2 __attribute__((target("avx2,fma")))

VK_AVX2 static float vk_hsum256(__m256 v)
{
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

VK_AVX2 static float vk_l2sq_avx2(const float *a, const float *b, size_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    if (i + 8 <= n) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        i += 8;
    }
    float s = vk_hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

VK_AVX2 static float vk_dot_avx2(const float *a, const float *b, size_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    if (i + 8 <= n) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        i += 8;
    }
    float s = vk_hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++)
        s += a[i] * b[i];
    return s;
}

VK_AVX2 static float vk_l1_avx2(const float *a, const float *b, size_t n)
{
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        s0 = _mm256_add_ps(s0, _mm256_and_ps(d0, absmask));
        s1 = _mm256_add_ps(s1, _mm256_and_ps(d1, absmask));
    }
    if (i + 8 <= n) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_add_ps(s0, _mm256_and_ps(d0, absmask));
        i += 8;
    }
    float s = vk_hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++)
        s += fabsf(a[i] - b[i]);
    return s;
}

VK_AVX2 static void vk_cos_avx2(const float *a, const float *b, size_t n, float *dot, float *na, float *nb)
{
    __m256 sd = _mm256_setzero_ps(), sa = _mm256_setzero_ps(), sb = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
        sd = _mm256_fmadd_ps(x, y, sd);
        sa = _mm256_fmadd_ps(x, x, sa);
        sb = _mm256_fmadd_ps(y, y, sb);
    }
    float d = vk_hsum256(sd), x2 = vk_hsum256(sa), y2 = vk_hsum256(sb);
    for (; i < n; i++) {
        d += a[i] * b[i];
        x2 += a[i] * a[i];
        y2 += b[i] * b[i];
    }
    *dot = d;
    *na = x2;
    *nb = y2;
}

static const VectorKernels vk_avx2 = {
    VECTOR_KERNEL_AVX2, "avx2", vk_l2sq_avx2, vk_dot_avx2, vk_l1_avx2, vk_cos_avx2
};

/* --- AVX-512F: 16 lanes, masked tail loads (no scalar tail) ------------------------------ */

#define VK_AVX512 __attribute__((target("avx512f")))

VK_AVX512 static __mmask16 vk_tail_mask(size_t left)
{
    return (__mmask16)((1u << left) - 1u);
}

VK_AVX512 static float vk_l2sq_avx512(const float *a, const float *b, size_t n)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
        s1 = _mm512_fmadd_ps(d1, d1, s1);
    }
    for (; i + 16 <= n; i += 16) {
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
        s0 = _mm512_fmadd_ps(d0, d0, s0);
    }
    if (i < n) {
        __mmask16 m = vk_tail_mask(n - i);
        __m512 d0 = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
        s1 = _mm512_fmadd_ps(d0, d0, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

VK_AVX512 static float vk_dot_avx512(const float *a, const float *b, size_t n)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        __mmask16 m = vk_tail_mask(n - i);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

VK_AVX512 static __m512 vk_abs512(__m512 v)
{
    return _mm512_castsi512_ps(_mm512_and_epi32(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff)));
}

VK_AVX512 static float vk_l1_avx512(const float *a, const float *b, size_t n)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_add_ps(s0, vk_abs512(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
        s1 = _mm512_add_ps(s1, vk_abs512(_mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16))));
    }
    for (; i + 16 <= n; i += 16)
        s0 = _mm512_add_ps(s0, vk_abs512(_mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i))));
    if (i < n) {
        __mmask16 m = vk_tail_mask(n - i);
        s1 = _mm512_add_ps(s1, vk_abs512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i),
                                                       _mm512_maskz_loadu_ps(m, b + i))));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

VK_AVX512 static void vk_cos_avx512(const float *a, const float *b, size_t n, float *dot, float *na, float *nb)
{
    __m512 sd = _mm512_setzero_ps(), sa = _mm512_setzero_ps(), sb = _mm512_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(a + i), y = _mm512_loadu_ps(b + i);
        sd = _mm512_fmadd_ps(x, y, sd);
        sa = _mm512_fmadd_ps(x, x, sa);
        sb = _mm512_fmadd_ps(y, y, sb);
    }
    if (i < n) {
        __mmask16 m = vk_tail_mask(n - i);
        __m512 x = _mm512_maskz_loadu_ps(m, a + i), y = _mm512_maskz_loadu_ps(m, b + i);
        sd = _mm512_fmadd_ps(x, y, sd);
        sa = _mm512_fmadd_ps(x, x, sa);
        sb = _mm512_fmadd_ps(y, y, sb);
    }
    *dot = _mm512_reduce_add_ps(sd);
    *na = _mm512_reduce_add_ps(sa);
    *nb = _mm512_reduce_add_ps(sb);
}

static const VectorKernels vk_avx512 = {
    VECTOR_KERNEL_AVX512, "avx512", vk_l2sq_avx512, vk_dot_avx512, vk_l1_avx512, vk_cos_avx512
};
#endif /* VK_X86 */

/* --- dispatch --------------------------------------------------------------------------- */

/* Written once under vk_once, read-only afterwards. */
static const VectorKernels *vk_table[VECTOR_KERNEL_NLEVELS];
static const VectorKernels *vk_best = &vk_scalar;
static pthread_once_t vk_once = PTHREAD_ONCE_INIT;

static void vk_init(void)
{
    vk_table[VECTOR_KERNEL_SCALAR] = &vk_scalar;
#ifdef VK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        vk_table[VECTOR_KERNEL_AVX2] = vk_best = &vk_avx2;
    if (__builtin_cpu_supports("avx512f"))
        vk_table[VECTOR_KERNEL_AVX512] = vk_best = &vk_avx512;
#endif
}

const VectorKernels *vector_kernels(void)
{
    pthread_once(&vk_once, vk_init);
    return vk_best;
}

const VectorKernels *vector_kernels_level(VectorKernelLevel level)
{
    pthread_once(&vk_once, vk_init);
    return (unsigned)level < VECTOR_KERNEL_NLEVELS ? vk_table[level] : NULL;
}

float vector_l2_squared(const float *a, const float *b, size_t n)
{
    return vector_kernels()->l2sq(a, b, n);
}

float vector_inner_product(const float *a, const float *b, size_t n)
{
    return vector_kernels()->dot(a, b, n);
}

float vector_l1(const float *a, const float *b, size_t n)
{
    return vector_kernels()->l1(a, b, n);
}

double vector_cosine_distance(const float *a, const float *b, size_t n)
{
    float dot, na, nb;
    vector_kernels()->cos_parts(a, b, n, &dot, &na, &nb);
    double sim = (double)dot / sqrt((double)na * (double)nb);
    if (isnan(sim))
        return NAN;
    if (sim > 1)
        sim = 1;
    else if (sim < -1)
        sim = -1;
    return 1.0 - sim;
}
