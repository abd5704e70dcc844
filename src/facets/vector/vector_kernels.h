/* vector_kernels.h -- distance kernels over float32 vectors for the vector facet (the SQL
 * vector type's operators today, the HNSW index later): squared L2, inner product, the
 * three sums of cosine distance, and L1.
 *
 * Each kernel has a scalar reference and x86-64 AVX2+FMA and AVX-512F paths compiled with
 * __attribute__((target(...))) so the rest of the build needs no -mavx flags; the best path
 * the CPU supports is chosen once at run time (__builtin_cpu_supports) and cached.
 *
 * Numerics: sums are accumulated in float32 lanes (as pgvector does), so results differ
 * from a double-precision sum by rounding only (the order of additions differs per path).
 * Inputs are borrowed, any alignment, n may be 0 (result 0). Thread-safe: the dispatch table
 * is set up under pthread_once and read-only afterwards. */
#ifndef SHALE_FACETS_VECTOR_VECTOR_KERNELS_H
#define SHALE_FACETS_VECTOR_VECTOR_KERNELS_H

#include <stddef.h>

typedef enum VectorKernelLevel {
    VECTOR_KERNEL_SCALAR = 0,
    VECTOR_KERNEL_AVX2 = 1,      /* AVX2 + FMA */
    VECTOR_KERNEL_AVX512 = 2,    /* AVX-512F */
    VECTOR_KERNEL_NLEVELS = 3
} VectorKernelLevel;

/* One implementation level. Functions are pure; the struct is static (never freed). */
typedef struct VectorKernels {
    VectorKernelLevel level;
    const char *name;                                           /* "scalar", "avx2", "avx512" */
    float (*l2sq)(const float *a, const float *b, size_t n);    /* sum (a-b)^2 */
    float (*dot)(const float *a, const float *b, size_t n);     /* sum a*b */
    float (*l1)(const float *a, const float *b, size_t n);      /* sum |a-b| */
    /* cosine parts in one pass: *dot = sum a*b, *na = sum a*a, *nb = sum b*b */
    void (*cos_parts)(const float *a, const float *b, size_t n, float *dot, float *na, float *nb);
} VectorKernels;

/* The best level this CPU supports (static table, never NULL). */
const VectorKernels *vector_kernels(void);

/* A specific level, or NULL when the CPU (or the compiler) does not support it (tests run
 * every available level against the reference). */
const VectorKernels *vector_kernels_level(VectorKernelLevel level);

/* Convenience wrappers over vector_kernels(). */
float vector_l2_squared(const float *a, const float *b, size_t n);
float vector_inner_product(const float *a, const float *b, size_t n);
float vector_l1(const float *a, const float *b, size_t n);

/* pgvector's cosine distance from the float sums: 1 - dot / sqrt(na * nb) computed in
 * double, similarity clamped to [-1, 1]; NaN when either vector is all zeros. */
double vector_cosine_distance(const float *a, const float *b, size_t n);

#endif
