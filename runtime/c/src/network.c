/* The network: pooled 8-bit embedding rows -> hidden ReLU -> logits
 * (docs/FORMAT.md, "Pool" and "Network"). */
#include <math.h>
#include <string.h>

#include "internal.h"

/* Vector code beside the portable code (SNLP_X86_VECTORS). */
#if SNLP_X86_VECTORS
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>
#endif

size_t snlp_dense_scratch_ints(const snlp_model *model, size_t width) {
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    if (!snlp_model_dense_int8(model)) return 0;
    /* an input's codes, then a layer's integer sums */
    return (width > hidden ? width : hidden) + (hidden > labels ? hidden : labels);
}

/* Each input's floats and int32s (4 bytes each) for SNLP_INPUTS_AT_ONCE
 * inputs, packed two to a double; at least what snlp_model_logits takes. */
size_t snlp_workspace_doubles_many(const snlp_model *model) {
    size_t one = snlp_workspace_doubles(model), many = (SNLP_INPUTS_AT_ONCE * one + 1) / 2;
    return many > one ? many : one;
}

size_t snlp_workspace_doubles(const snlp_model *model) {
    size_t width = 0;
    if (!model) return 0;
    for (size_t g = 0; g < snlp_model_group_count(model); g++)
        width += snlp_model_group(model, g)->dims;
    return width + snlp_model_hidden(model) + snlp_model_label_count(model) + /* as floats */
           snlp_dense_scratch_ints(model, width); /* and int32s: both 4 bytes, in doubles */
}

/* sums[d] = sum((w * scale) * codes[d]) and *shift = sum(w * offset) over
 * the features, in float32 and feature order; 0 or
 * SNLP_ERR_ARGUMENT for an id outside the table. Inlined with a constant
 * `dims` for the usual widths, so that the row loop is unrolled (always: with
 * a fourth caller, gcc stopped inlining it, and language ID lost 13%); the
 * sums are a local array, which the compiler knows no row byte aliases, so
 * that they stay in (vector) registers. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline snlp_status pool_rows(const snlp_embedding *e, uint32_t buckets, uint32_t dims,
                                    const snlp_features *features, float *sums, float *shift) {
    float acc[256], offset = 0.0f;
    for (uint32_t d = 0; d < dims; d++) acc[d] = 0.0f;
    for (size_t f = 0; f < features->count; f++) {
        uint32_t id = features->ids[f];
        float weight = features->weights[f], step;
        const uint8_t *row;
        if (id >= buckets) return SNLP_ERR_ARGUMENT;
        step = snlp_half(snlp_read_u16(e->scale.data + 2 * (size_t)id)) * weight;
        offset += snlp_half(snlp_read_u16(e->offset.data + 2 * (size_t)id)) * weight;
        row = e->codes.data + (size_t)id * dims;
        for (uint32_t d = 0; d < dims; d++) acc[d] += (float)(int32_t)row[d] * step;
    }
    for (uint32_t d = 0; d < dims; d++) sums[d] = acc[d];
    *shift = offset;
    return SNLP_OK;
}

/* pool_rows with `dims` fixed for the usual widths, and on x86 the same in
 * AVX2 (each dimension's sum takes the same steps in the same order either
 * way, so the bits are the same: tests/test_model.c checks it), chosen as
 * the products below are. */
typedef snlp_status (*pool_function)(const snlp_embedding *e, const snlp_group *g,
                                     const snlp_features *features, float *sums, float *shift);
#define DEFINE_POOL(name, attributes, dims)                                                   \
    attributes static snlp_status name(const snlp_embedding *e, const snlp_group *g,          \
                                       const snlp_features *features, float *sums,           \
                                       float *shift) {                                        \
        return pool_rows(e, g->buckets, dims, features, sums, shift);                         \
    }
DEFINE_POOL(pool_any_width, , g->dims)
DEFINE_POOL(pool16, , 16)
DEFINE_POOL(pool8, , 8)
#if SNLP_X86_VECTORS
/* Written out with AVX2 intrinsics (compiled from pool_rows, gcc split a row's
 * 16 lanes into vectors of 8, 4, 2 and 1): 8 dimensions a vector, each lane
 * acc + (float)code * step, as pool_rows does it; halves by F16C's exact
 * conversion (every AVX2 CPU has it), which differs from snlp_half only in
 * quieting a signalling NaN. */
__attribute__((target("avx2,f16c"))) static inline snlp_status
pool_avx2(const snlp_embedding *e, const snlp_group *g, const snlp_features *features,
          size_t vectors, float *sums, float *shift) {
    __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
    float offset = 0.0f;
    /* in locals: read through e, they were loaded again for every row */
    const uint8_t *codes = e->codes.data, *scales = e->scale.data, *offsets = e->offset.data;
    const uint32_t *ids = features->ids, buckets = g->buckets;
    const float *weights = features->weights;
    for (size_t f = 0; f < features->count; f++) {
        uint32_t id = ids[f];
        float weight = weights[f];
        const uint8_t *row;
        __m256 step;
        if (id >= buckets) return SNLP_ERR_ARGUMENT;
        step = _mm256_set1_ps(_cvtsh_ss(snlp_read_u16(scales + 2 * (size_t)id)) * weight);
        offset += _cvtsh_ss(snlp_read_u16(offsets + 2 * (size_t)id)) * weight;
        row = codes + (size_t)id * 8 * vectors;
        for (size_t v = 0; v < vectors; v++) {
            __m128i codes = _mm_loadl_epi64((const __m128i *)(row + 8 * v));
            __m256 values = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(codes));
            acc[v] = _mm256_add_ps(acc[v], _mm256_mul_ps(values, step));
        }
    }
    for (size_t v = 0; v < vectors; v++) _mm256_storeu_ps(sums + 8 * v, acc[v]);
    *shift = offset;
    return SNLP_OK;
}
__attribute__((target("avx2,f16c"))) static snlp_status
pool16_avx2(const snlp_embedding *e, const snlp_group *g, const snlp_features *features,
            float *sums, float *shift) {
    return pool_avx2(e, g, features, 2, sums, shift);
}
__attribute__((target("avx2,f16c"))) static snlp_status
pool8_avx2(const snlp_embedding *e, const snlp_group *g, const snlp_features *features,
           float *sums, float *shift) {
    return pool_avx2(e, g, features, 1, sums, shift);
}
/* F16C by cpuid, asked once (clang 14's __builtin_cpu_supports knows no "f16c"). */
static int cpu_has_f16c(void) {
    static atomic_int known = -1;
    int has = atomic_load_explicit(&known, memory_order_relaxed);
    if (has < 0) {
        unsigned a, b, c, d;
        has = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
        atomic_store_explicit(&known, has, memory_order_relaxed);
    }
    return has;
}
#define POOL_IN_AVX2() (SNLP_AVX2_ALLOWED() && cpu_has_f16c())
#else
#define pool16_avx2 pool16
#define pool8_avx2 pool8
#define POOL_IN_AVX2() 0
#endif

static pool_function pool_for(uint32_t dims) {
    if (dims == 16) return POOL_IN_AVX2() ? pool16_avx2 : pool16;
    if (dims == 8) return POOL_IN_AVX2() ? pool8_avx2 : pool8;
    return pool_any_width;
}

/* sum(w * offset) + sum((w * scale) * codes), each term in float32 as the
 * reference, over more than POOL_RUN features. The reference (numpy) sums
 * pairwise; a float32 sum in feature order drifts from it with the count
 * (1e-3 in probability on 20,000 repeated letters). So runs of POOL_RUN are
 * summed in float32 and the runs in double: the drift stays that of POOL_RUN
 * terms, whatever the count. */
#define POOL_RUN 64
static snlp_status pool_long(pool_function pool, const snlp_embedding *e, const snlp_group *g,
                             const snlp_features *features, float *out) {
    float shift, sums[256];
    double total_shift = 0.0, totals[256];
    for (uint32_t d = 0; d < g->dims; d++) totals[d] = 0.0;
    for (size_t first = 0; first < features->count; first += POOL_RUN) {
        size_t count = features->count - first < POOL_RUN ? features->count - first : POOL_RUN;
        snlp_features run = {features->ids + first, features->weights + first, count};
        snlp_status status = pool(e, g, &run, sums, &shift);
        if (status != SNLP_OK) return status;
        for (uint32_t d = 0; d < g->dims; d++) totals[d] += sums[d];
        total_shift += shift;
    }
    for (uint32_t d = 0; d < g->dims; d++) out[d] = (float)(totals[d] + total_shift);
    return SNLP_OK;
}

/* sum(w * offset) + sum((w * scale) * codes), in float32 as the reference
 * (a text of more than POOL_RUN features: pool_long). */
snlp_status snlp_pool_group(const snlp_model *model, size_t member, size_t group,
                            const snlp_features *features, float *out) {
    const snlp_group *g = snlp_model_group(model, group);
    const snlp_embedding *e = snlp_model_embedding(model, member, group);
    pool_function pool = pool_for(g->dims);
    float shift, sums[256];
    snlp_status status;
    if (g->dims > sizeof sums / sizeof *sums) return SNLP_ERR_UNSUPPORTED;
    if (features->count > POOL_RUN) return pool_long(pool, e, g, features, out);
    status = pool(e, g, features, sums, &shift);
    if (status != SNLP_OK) return status;
    for (uint32_t d = 0; d < g->dims; d++)
        out[d] = features->count ? sums[d] + shift : 0.0f;
    return SNLP_OK;
}

/* out[c] += sum_i x[i] * matrix[i][c] over a row-major matrix of `rows` x
 * `columns` elements of `bytes` bytes (READ(row, c): element c of a row), in
 * `real`: float32 weights in double or float, or int8 codes in int32 (exact,
 * so in any order). Four rows at a time, so that out is read and written once
 * per four rows, and zero inputs (ReLU's) skipped. One definition for all. */
#define F32_AT(row, c) snlp_read_f32((row) + 4 * (c))
#define I8_AT(row, c) ((const int8_t *)(row))[c]
#define DEFINE_ADD_PRODUCT(name, real, bytes, READ)                                          \
    static inline void name(const real *x, size_t rows, const uint8_t *matrix, size_t columns, \
                            real *out) {                                                       \
        size_t i = 0, stride = (bytes) * columns;                                              \
        while (i < rows) {                                                                     \
            size_t picked[4], count = 0;                                                       \
            for (; i < rows && count < 4; i++) { /* without a branch: ReLU's zeros are */  \
                picked[count] = i;                   /* unpredictable */                       \
                count += x[i] != 0;                                                            \
            }                                                                                  \
            if (count == 4) {                                                                  \
                const uint8_t *r0 = matrix + picked[0] * stride,                               \
                              *r1 = matrix + picked[1] * stride,                               \
                              *r2 = matrix + picked[2] * stride,                               \
                              *r3 = matrix + picked[3] * stride;                               \
                real x0 = x[picked[0]], x1 = x[picked[1]], x2 = x[picked[2]],                  \
                     x3 = x[picked[3]];                                                        \
                for (size_t c = 0; c < columns; c++)                                           \
                    out[c] += x0 * READ(r0, c) + x1 * READ(r1, c) + x2 * READ(r2, c) +         \
                              x3 * READ(r3, c);                                                \
            } else {                                                                           \
                for (size_t k = 0; k < count; k++) {                                           \
                    const uint8_t *row = matrix + picked[k] * stride;                          \
                    for (size_t c = 0; c < columns; c++)                                       \
                        out[c] += x[picked[k]] * READ(row, c);                                 \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }
DEFINE_ADD_PRODUCT(add_product, double, 4, F32_AT)
DEFINE_ADD_PRODUCT(add_product_f32, float, 4, F32_AT)
DEFINE_ADD_PRODUCT(add_int8_product, int32_t, 1, I8_AT)

/* out[t][c] = sum_i x[t][i] * matrix[i][c] for SNLP_INPUTS_AT_ONCE inputs,
 * each of `rows` floats, in float32, summed in row order. Each weight is read
 * once for all the inputs: a tagger's first layer is larger than the
 * fastest cache, and reading it once a token bounded the tagger's speed. */
#define COLUMNS_AT_ONCE 16
static inline void product_f32(const float *x, size_t rows, const uint8_t *matrix,
                               size_t columns, float *out) {
    size_t c0 = 0;
    for (; c0 + COLUMNS_AT_ONCE <= columns; c0 += COLUMNS_AT_ONCE) {
        float acc[SNLP_INPUTS_AT_ONCE][COLUMNS_AT_ONCE] = {{0.0f}};
        for (size_t i = 0; i < rows; i++) {
            const uint8_t *weights = matrix + 4 * (i * columns + c0);
            for (size_t c = 0; c < COLUMNS_AT_ONCE; c++) {
                float weight = snlp_read_f32(weights + 4 * c);
                for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++)
                    acc[t][c] += x[t * rows + i] * weight;
            }
        }
        for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++)
            memcpy(out + t * columns + c0, acc[t], sizeof acc[t]);
    }
    for (; c0 < columns; c0++) { /* the last columns, one at a time */
        float acc[SNLP_INPUTS_AT_ONCE] = {0.0f};
        for (size_t i = 0; i < rows; i++) {
            float weight = snlp_read_f32(matrix + 4 * (i * columns + c0));
            for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++) acc[t] += x[t * rows + i] * weight;
        }
        for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++) out[t * columns + c0] = acc[t];
    }
}

/* On x86 with GCC or clang, the same code compiled for AVX2 as well (twice
 * as many numbers a vector), chosen at run time when the CPU has it (AVX-512
 * was measured no faster: these layers wait on memory as much as on
 * arithmetic). Every column is computed by the same operations in the same
 * order either way (no fused multiply-add: -ffp-contract=off), so the answers
 * are bit-identical (tests/test_model.c checks it at each snlp_simd_limit);
 * elsewhere (and in WebAssembly) only the portable code. */
int snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
#if SNLP_X86_VECTORS
#define DISPATCH(public_name, portable, real)                                                 \
    __attribute__((target("avx2"))) static void portable##_avx2(                               \
        const real *x, size_t rows, const uint8_t *matrix, size_t columns, real *out) {        \
        portable(x, rows, matrix, columns, out);                                               \
    }                                                                                          \
    void public_name(const real *x, size_t rows, const uint8_t *matrix, size_t columns,        \
                     real *out) {                                                              \
        if (SNLP_AVX2_ALLOWED())                                                               \
            portable##_avx2(x, rows, matrix, columns, out);                                    \
        else                                                                                   \
            portable(x, rows, matrix, columns, out);                                           \
    }
#else
#define DISPATCH(public_name, portable, real)                                                 \
    void public_name(const real *x, size_t rows, const uint8_t *matrix, size_t columns,        \
                     real *out) {                                                              \
        portable(x, rows, matrix, columns, out);                                               \
    }
#endif
DISPATCH(snlp_add_product, add_product, double)
#if SNLP_X86_VECTORS
/* The int8 products of `inputs` inputs (x: `rows` apart, out: `columns`
 * apart) in AVX2, four rows at a time as two pairs: a pair's codes
 * interleaved and widened to int16 once for all the inputs (with several
 * inputs that was half of a product's operations), then multiplied by each
 * input's (x[i], x[j]) with vpmaddwd, 8 columns an instruction, summed
 * exactly in int32 (so in any order: the same sums as add_int8_product).
 * Rows whose x is 0 for every input are skipped. Inlined with a constant
 * `inputs` (1 or SNLP_INPUTS_AT_ONCE). */
__attribute__((target("avx2"), always_inline)) static inline void
int8_pairs(const int32_t *x, size_t rows, const uint8_t *matrix, size_t columns, int32_t *out,
           size_t inputs) {
    size_t i = 0;
    while (i < rows) {
        const int8_t *r[4];
        size_t picked[4], count = 0, c = 0;
        __m256i p01[SNLP_INPUTS_AT_ONCE], p23[SNLP_INPUTS_AT_ONCE];
        for (; i < rows && count < 4; i++) { /* without a branch, as add_int8_product */
            int32_t any = 0;
            for (size_t t = 0; t < inputs; t++) any |= x[t * rows + i];
            picked[count] = i;
            count += any != 0;
        }
        if (count == 0) break;
        for (size_t k = 0; k < 4; k++) /* past count: row 0 again, with weight 0 */
            r[k] = (const int8_t *)matrix + picked[k < count ? k : 0] * columns;
        for (size_t t = 0; t < inputs; t++) { /* (x[i], x[j]) as two int16 a lane, x[i] low */
            int32_t w[4];
            for (size_t k = 0; k < 4; k++) w[k] = k < count ? x[t * rows + picked[k]] : 0;
            p01[t] = _mm256_set1_epi32((int32_t)((uint32_t)w[1] << 16 | (w[0] & 0xFFFF)));
            p23[t] = _mm256_set1_epi32((int32_t)((uint32_t)w[3] << 16 | (w[2] & 0xFFFF)));
        }
        for (; c + 16 <= columns; c += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(r[0] + c));
            __m128i b = _mm_loadu_si128((const __m128i *)(r[1] + c));
            __m128i d = _mm_loadu_si128((const __m128i *)(r[2] + c));
            __m128i e = _mm_loadu_si128((const __m128i *)(r[3] + c));
            __m256i ab_low = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(a, b));
            __m256i ab_high = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(a, b));
            __m256i de_low = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(d, e));
            __m256i de_high = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(d, e));
            for (size_t t = 0; t < inputs; t++) {
                __m256i *sums = (__m256i *)(out + t * columns + c);
                __m256i low = _mm256_add_epi32(_mm256_madd_epi16(ab_low, p01[t]),
                                               _mm256_madd_epi16(de_low, p23[t]));
                __m256i high = _mm256_add_epi32(_mm256_madd_epi16(ab_high, p01[t]),
                                                _mm256_madd_epi16(de_high, p23[t]));
                _mm256_storeu_si256(sums, _mm256_add_epi32(_mm256_loadu_si256(sums), low));
                _mm256_storeu_si256(sums + 1,
                                    _mm256_add_epi32(_mm256_loadu_si256(sums + 1), high));
            }
        }
        if (c + 8 <= columns) {
            __m256i ab = _mm256_cvtepi8_epi16(
                _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(r[0] + c)),
                                  _mm_loadl_epi64((const __m128i *)(r[1] + c))));
            __m256i de = _mm256_cvtepi8_epi16(
                _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)(r[2] + c)),
                                  _mm_loadl_epi64((const __m128i *)(r[3] + c))));
            for (size_t t = 0; t < inputs; t++) {
                __m256i *sums = (__m256i *)(out + t * columns + c);
                __m256i low = _mm256_add_epi32(_mm256_madd_epi16(ab, p01[t]),
                                               _mm256_madd_epi16(de, p23[t]));
                _mm256_storeu_si256(sums, _mm256_add_epi32(_mm256_loadu_si256(sums), low));
            }
            c += 8;
        }
        for (; c < columns; c++)
            for (size_t t = 0; t < inputs; t++) {
                int32_t sum = 0;
                for (size_t k = 0; k < count; k++) sum += x[t * rows + picked[k]] * r[k][c];
                out[t * columns + c] += sum;
            }
    }
}

__attribute__((target("avx2"))) static void add_int8_product_pairs(const int32_t *x,
                                                                   size_t rows,
                                                                   const uint8_t *matrix,
                                                                   size_t columns, int32_t *out) {
    int8_pairs(x, rows, matrix, columns, out, 1);
}

__attribute__((target("avx2"))) static void add_int8_products_pairs(const int32_t *x,
                                                                    size_t rows,
                                                                    const uint8_t *matrix,
                                                                    size_t columns,
                                                                    int32_t *out) {
    int8_pairs(x, rows, matrix, columns, out, SNLP_INPUTS_AT_ONCE);
}

/* Whether the inputs' products cost less together (add_int8_products_pairs,
 * which reads a row for every input when any input needs it) than one at a
 * time (each skipping its own zero rows): by the vector operations per four
 * rows and 16 columns, 12 + 8 per input together and 16 per input alone.
 * Pooled inputs have hardly a zero, and together take half the time; a
 * hidden layer's ReLU outputs are four fifths zeros (language ID), and
 * together took a tenth longer (micro-benchmark, docs/EXPERIMENTS.md). */
static int together_pays(const int32_t *x, size_t rows) {
    size_t any = 0, each = 0;
    for (size_t i = 0; i < rows; i++) {
        int row = 0;
        for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++) {
            int nonzero = x[t * rows + i] != 0;
            each += (size_t)nonzero;
            row |= nonzero;
        }
        any += (size_t)row;
    }
    return any * (12 + 8 * SNLP_INPUTS_AT_ONCE) < each * 16;
}

/* The int8 product with VNNI's vpdpbusd, which sums four unsigned-by-signed
 * byte products into each int32 lane: four rows' codes interleaved so that a
 * lane holds one column's four codes, made unsigned by adding 128 (their sign
 * bit flipped), times the four inputs; 128 times the inputs' sum is taken off
 * each sum at the end. Exact in int32, so the same sums as add_int8_product.
 * Inputs must be within int8 (the layers' codes are |q| <= 127): the caller
 * checks. Rows whose input is 0 are skipped, VNNI_ROWS picked at a time. */
#define VNNI_ROWS 64
/* Four rows' codes v[0..3] (their sign bits flipped: unsigned, as vpdpbusd
 * takes them) interleaved into w[0..3] so that each 32-bit lane holds one
 * column's four codes: in each 128-bit lane, w[0..3] hold its columns 0-3,
 * 4-7, 8-11 and 12-15. In vectors of TYPE, by the intrinsics named PREFIX
 * (_mm, _mm256 or _mm512): one interleave for every width. */
#define INTERLEAVE_FOUR(TYPE, PREFIX, v, w)                                                        \
    do {                                                                                           \
        TYPE low_ = PREFIX##_unpacklo_epi8((v)[0], (v)[1]),                                        \
             low2_ = PREFIX##_unpacklo_epi8((v)[2], (v)[3]),                                       \
             high_ = PREFIX##_unpackhi_epi8((v)[0], (v)[1]),                                       \
             high2_ = PREFIX##_unpackhi_epi8((v)[2], (v)[3]);                                      \
        (w)[0] = PREFIX##_unpacklo_epi16(low_, low2_);                                             \
        (w)[1] = PREFIX##_unpackhi_epi16(low_, low2_);                                             \
        (w)[2] = PREFIX##_unpacklo_epi16(high_, high2_);                                           \
        (w)[3] = PREFIX##_unpackhi_epi16(high_, high2_);                                           \
    } while (0)

/* Four rows' codes from column c (32, 16 or 8 of them), flipped and
 * interleaved (INTERLEAVE_FOUR). For the one-input and the four-input
 * products alike. */
__attribute__((target("avx2"), always_inline)) static inline void
interleave_rows_256(const int8_t *const *r, size_t c, __m256i *w) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    __m256i v[4];
    for (size_t j = 0; j < 4; j++)
        v[j] = _mm256_xor_si256(_mm256_loadu_si256((const void *)(r[j] + c)), flip);
    INTERLEAVE_FOUR(__m256i, _mm256, v, w);
}
__attribute__((target("avx2"), always_inline)) static inline void
interleave_rows_128(const int8_t *const *r, size_t c, size_t width, __m128i *w) {
    const __m128i flip = _mm_set1_epi8((char)0x80);
    __m128i v[4];
    for (size_t j = 0; j < 4; j++)
        v[j] = _mm_xor_si128(width == 16 ? _mm_loadu_si128((const void *)(r[j] + c))
                                         : _mm_loadl_epi64((const void *)(r[j] + c)),
                             flip);
    INTERLEAVE_FOUR(__m128i, _mm, v, w);
}
/* out[0 .. 32) += a block of 32 columns' sums (acc, as interleave_rows_256
 * lays the columns out), less 128 times the inputs' total (for the flipped
 * sign bits). */
__attribute__((target("avx2"), always_inline)) static inline void
add_block_256(const __m256i *acc, int32_t total, int32_t *out) {
    __m256i offset = _mm256_set1_epi32(128 * total), *sums = (__m256i *)out;
    __m256i parts[4] = {_mm256_permute2x128_si256(acc[0], acc[1], 0x20),
                        _mm256_permute2x128_si256(acc[2], acc[3], 0x20),
                        _mm256_permute2x128_si256(acc[0], acc[1], 0x31),
                        _mm256_permute2x128_si256(acc[2], acc[3], 0x31)};
    for (size_t j = 0; j < 4; j++)
        _mm256_storeu_si256(sums + j, _mm256_add_epi32(_mm256_loadu_si256(sums + j),
                                                       _mm256_sub_epi32(parts[j], offset)));
}
#define DEFINE_VNNI_PRODUCT(name, target_name, dot256, dot128)                                    \
    __attribute__((target(target_name))) static void name(                                        \
        const int32_t *x, size_t rows, const uint8_t *matrix, size_t columns, int32_t *out) {     \
        size_t i = 0;                                                                             \
        while (i < rows) {                                                                        \
            const int8_t *r[VNNI_ROWS + 3];                                                       \
            int8_t in[VNNI_ROWS + 3];                                                             \
            int32_t total = 0, quad;                                                              \
            size_t count = 0, c = 0;                                                              \
            for (; i < rows && count < VNNI_ROWS; i++) { /* without a branch */                   \
                r[count] = (const int8_t *)matrix + i * columns;                                  \
                in[count] = (int8_t)x[i];                                                         \
                total += x[i];                                                                    \
                count += x[i] != 0;                                                               \
            }                                                                                     \
            if (count == 0) break;                                                                \
            for (size_t k = count; k % 4; k++) { /* input 0: adds nothing */                      \
                r[k] = r[0];                                                                      \
                in[k] = 0;                                                                        \
            }                                                                                     \
            for (; c + 32 <= columns; c += 32) {                                                  \
                __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(),                 \
                                  _mm256_setzero_si256(), _mm256_setzero_si256()};                \
                for (size_t k = 0; k < count; k += 4) {                                           \
                    __m256i w[4], inputs;                                                         \
                    interleave_rows_256(r + k, c, w);                                             \
                    memcpy(&quad, in + k, 4);                                                     \
                    inputs = _mm256_set1_epi32(quad);                                             \
                    for (size_t j = 0; j < 4; j++) acc[j] = dot256(acc[j], w[j], inputs);         \
                }                                                                                 \
                add_block_256(acc, total, out + c);                                               \
            }                                                                                     \
            for (size_t width = 16; width >= 8; width /= 2) { /* 16, then 8 columns */            \
                if (c + width > columns) continue;                                                \
                __m128i acc[4] = {_mm_setzero_si128(), _mm_setzero_si128(), _mm_setzero_si128(),  \
                                  _mm_setzero_si128()};                                           \
                for (size_t k = 0; k < count; k += 4) {                                           \
                    __m128i w[4], inputs;                                                         \
                    interleave_rows_128(r + k, c, width, w);                                      \
                    memcpy(&quad, in + k, 4);                                                     \
                    inputs = _mm_set1_epi32(quad);                                                \
                    for (size_t j = 0; j < 4; j++) acc[j] = dot128(acc[j], w[j], inputs);         \
                }                                                                                 \
                __m128i offset = _mm_set1_epi32(128 * total), *sums = (__m128i *)(out + c);       \
                for (size_t j = 0; j < width / 4; j++)                                            \
                    _mm_storeu_si128(sums + j, _mm_add_epi32(_mm_loadu_si128(sums + j),           \
                                                             _mm_sub_epi32(acc[j], offset)));     \
                c += width;                                                                       \
            }                                                                                     \
            for (; c < columns; c++) { /* the last columns, one at a time */                      \
                int32_t sum = 0;                                                                  \
                for (size_t k = 0; k < count; k++) sum += in[k] * r[k][c];                        \
                out[c] += sum;                                                                    \
            }                                                                                     \
        }                                                                                         \
    }
DEFINE_VNNI_PRODUCT(add_int8_product_avx_vnni, "avx2,avxvnni", _mm256_dpbusd_avx_epi32,
                    _mm_dpbusd_avx_epi32)
DEFINE_VNNI_PRODUCT(add_int8_product_avx512_vnni, "avx2,avx512vnni,avx512vl", _mm256_dpbusd_epi32,
                    _mm_dpbusd_epi32)

/* The same for SNLP_INPUTS_AT_ONCE inputs (x: `rows` apart; out: `columns`
 * apart): each block of four rows is interleaved once for all of them. No
 * row is skipped (where one input is 0, another seldom is: picking rows took
 * a third of the time). Columns past the last block of 8 are summed by a
 * block of 8 ending at the row's end, of which only they are added. */
#define DEFINE_VNNI_PRODUCTS(name, target_name, dot256, dot128, wide)                             \
    __attribute__((target(target_name))) static void name(                                        \
        const int32_t *x, size_t rows, const uint8_t *matrix, size_t columns, int32_t *out) {     \
        enum { N = SNLP_INPUTS_AT_ONCE };                                                         \
        for (size_t i = 0; i < rows; i += VNNI_ROWS) {                                            \
            size_t count = rows - i < VNNI_ROWS ? rows - i : VNNI_ROWS, c = 0;                    \
            size_t padded = (count + 3) / 4 * 4;                                                  \
            const int8_t *r[VNNI_ROWS];                                                           \
            int8_t in[N][VNNI_ROWS];                                                              \
            int32_t total[N], quad;                                                               \
            for (size_t k = 0; k < padded; k++) /* past the rows: row i, input 0 */               \
                r[k] = (const int8_t *)matrix + (k < count ? i + k : i) * columns;                \
            for (size_t t = 0; t < N; t++) {                                                      \
                total[t] = 0;                                                                     \
                for (size_t k = 0; k < padded; k++) {                                             \
                    int32_t value = k < count ? x[t * rows + i + k] : 0;                          \
                    in[t][k] = (int8_t)value;                                                     \
                    total[t] += value;                                                            \
                }                                                                                 \
            }                                                                                     \
            c = wide;                                                                             \
            for (; c + 32 <= columns; c += 32) {                                                  \
                __m256i acc[N][4];                                                                \
                for (size_t t = 0; t < N; t++)                                                    \
                    for (size_t j = 0; j < 4; j++) acc[t][j] = _mm256_setzero_si256();            \
                for (size_t k = 0; k < padded; k += 4) {                                          \
                    __m256i w[4];                                                                 \
                    interleave_rows_256(r + k, c, w);                                             \
                    for (size_t t = 0; t < N; t++) {                                              \
                        __m256i inputs;                                                           \
                        memcpy(&quad, in[t] + k, 4);                                              \
                        inputs = _mm256_set1_epi32(quad);                                         \
                        for (size_t j = 0; j < 4; j++)                                            \
                            acc[t][j] = dot256(acc[t][j], w[j], inputs);                          \
                    }                                                                             \
                }                                                                                 \
                for (size_t t = 0; t < N; t++)                                                    \
                    add_block_256(acc[t], total[t], out + t * columns + c);                       \
            }                                                                                     \
            while (c < columns && columns >= 8) { /* 16, 8, then the last 8 */                    \
                size_t width = columns - c >= 16 ? 16 : 8;                                        \
                size_t at = columns - c >= 8 ? c : columns - 8;                                   \
                __m128i acc[N][4];                                                                \
                for (size_t t = 0; t < N; t++)                                                    \
                    for (size_t j = 0; j < 4; j++) acc[t][j] = _mm_setzero_si128();               \
                for (size_t k = 0; k < padded; k += 4) {                                          \
                    __m128i w[4];                                                                 \
                    interleave_rows_128(r + k, at, width, w);                                     \
                    for (size_t t = 0; t < N; t++) {                                              \
                        __m128i inputs;                                                           \
                        memcpy(&quad, in[t] + k, 4);                                              \
                        inputs = _mm_set1_epi32(quad);                                            \
                        for (size_t j = 0; j < 4; j++)                                            \
                            acc[t][j] = dot128(acc[t][j], w[j], inputs);                          \
                    }                                                                             \
                }                                                                                 \
                for (size_t t = 0; t < N; t++) {                                                  \
                    int32_t block[16];                                                            \
                    __m128i offset = _mm_set1_epi32(128 * total[t]);                              \
                    for (size_t j = 0; j < width / 4; j++)                                        \
                        _mm_storeu_si128((__m128i *)block + j, _mm_sub_epi32(acc[t][j], offset)); \
                    for (size_t j = c - at; j < width; j++)                                       \
                        out[t * columns + at + j] += block[j];                                    \
                }                                                                                 \
                c = at + width;                                                                   \
            }                                                                                     \
            for (; c < columns; c++) /* rows of fewer than 8 columns */                           \
                for (size_t t = 0; t < N; t++) {                                                  \
                    int32_t sum = 0;                                                              \
                    for (size_t k = 0; k < count; k++) sum += in[t][k] * r[k][c];                 \
                    out[t * columns + c] += sum;                                                  \
                }                                                                                 \
        }                                                                                         \
    }

/* Blocks of 64 columns in 512-bit vectors, as the blocks of 32 (four rows'
 * codes interleaved within each 128-bit lane, then each input's four sums
 * vectors put back in column order), the last one ending at the row's end
 * (only its columns past the one before are added); the first column not
 * done. Where the CPU has AVX512-BW besides VNNI: half the instructions of
 * two blocks of 32. */
__attribute__((target("avx2,avx512f,avx512bw,avx512vnni"))) static size_t
wide_products(const int8_t *const *r, const int8_t (*in)[VNNI_ROWS], const int32_t *total,
              size_t padded, size_t columns, int32_t *out) {
    enum { N = SNLP_INPUTS_AT_ONCE };
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    size_t c = 0;
    while (c < columns && columns >= 64) { /* the last block may overlap the one before */
        size_t at = columns - c >= 64 ? c : columns - 64;
        __m512i acc[N][4];
        for (size_t t = 0; t < N; t++)
            for (size_t j = 0; j < 4; j++) acc[t][j] = _mm512_setzero_si512();
        for (size_t k = 0; k < padded; k += 4) {
            __m512i v[4], w[4];
            for (size_t j = 0; j < 4; j++)
                v[j] = _mm512_xor_si512(_mm512_loadu_si512((const void *)(r[k + j] + at)), flip);
            INTERLEAVE_FOUR(__m512i, _mm512, v, w);
            for (size_t t = 0; t < N; t++) {
                int32_t quad;
                __m512i inputs;
                memcpy(&quad, in[t] + k, 4);
                inputs = _mm512_set1_epi32(quad);
                for (size_t j = 0; j < 4; j++)
                    acc[t][j] = _mm512_dpbusd_epi32(acc[t][j], w[j], inputs);
            }
        }
        for (size_t t = 0; t < N; t++) { /* lane q of acc[t][j]: columns 16q + 4j .. + 3 */
            __m512i offset = _mm512_set1_epi32(128 * total[t]);
            __m512i low01 = _mm512_shuffle_i32x4(acc[t][0], acc[t][1], 0x44),
                    low23 = _mm512_shuffle_i32x4(acc[t][2], acc[t][3], 0x44),
                    high01 = _mm512_shuffle_i32x4(acc[t][0], acc[t][1], 0xEE),
                    high23 = _mm512_shuffle_i32x4(acc[t][2], acc[t][3], 0xEE);
            __m512i parts[4] = {_mm512_shuffle_i32x4(low01, low23, 0x88),
                                _mm512_shuffle_i32x4(low01, low23, 0xDD),
                                _mm512_shuffle_i32x4(high01, high23, 0x88),
                                _mm512_shuffle_i32x4(high01, high23, 0xDD)};
            int32_t *sums = out + t * columns + at, block[64];
            for (size_t q = 0; q < 4; q++) {
                __m512i before = _mm512_loadu_si512((const void *)(sums + 16 * q));
                __m512i part = _mm512_sub_epi32(parts[q], offset);
                if (at == c)
                    _mm512_storeu_si512((void *)(sums + 16 * q), _mm512_add_epi32(before, part));
                else
                    _mm512_storeu_si512((void *)(block + 16 * q), part);
            }
            for (size_t j = c - at; at != c && j < 64; j++) sums[j] += block[j];
        }
        c = at + 64;
    }
    return c;
}
static int cpu_vnni(void);
DEFINE_VNNI_PRODUCTS(add_int8_products_avx_vnni, "avx2,avxvnni", _mm256_dpbusd_avx_epi32,
                     _mm_dpbusd_avx_epi32, 0)
DEFINE_VNNI_PRODUCTS(add_int8_products_avx512_vnni, "avx2,avx512vnni,avx512vl",
                     _mm256_dpbusd_epi32, _mm_dpbusd_epi32,
                     cpu_vnni() & 4 ? wide_products((const int8_t *const *)r,
                                                    (const int8_t(*)[VNNI_ROWS])in, total,
                                                    padded, columns, out)
                                    : 0)

/* Which VNNI the CPU has, asked once: bit 1 AVX-VNNI (by cpuid: clang 14's
 * __builtin_cpu_supports knows no "avxvnni"), bit 2 AVX512-VNNI with AVX512VL,
 * bit 4 AVX512-BW as well. */
static int cpu_vnni(void) {
    static atomic_int known = -1;
    int kinds = atomic_load_explicit(&known, memory_order_relaxed);
    if (kinds < 0) {
        unsigned a = 0, b, c, d;
        kinds = (__builtin_cpu_supports("avx2") && __get_cpuid_count(7, 1, &a, &b, &c, &d) &&
                 (a & (1u << 4)))
                    ? 1
                    : 0;
        if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl"))
            kinds |= 2;
        if (kinds & 2 && __builtin_cpu_supports("avx512bw")) kinds |= 4;
        atomic_store_explicit(&known, kinds, memory_order_relaxed);
    }
    return kinds;
}

/* Inputs all within int8, as vpdpbusd takes them. */
static int within_int8(const int32_t *x, size_t rows) {
    int32_t outside = 0;
    for (size_t i = 0; i < rows; i++) outside |= (uint32_t)(x[i] + 128) > 255u;
    return !outside;
}

void snlp_add_int8_product(const int32_t *x, size_t rows, const uint8_t *matrix, size_t columns,
                           int32_t *out) {
    int vnni = snlp_simd_limit >= SNLP_SIMD_AVX_VNNI ? cpu_vnni() : 0;
    if (vnni && within_int8(x, rows)) {
        if (snlp_simd_limit >= SNLP_SIMD_AVX512_VNNI && vnni & 2)
            add_int8_product_avx512_vnni(x, rows, matrix, columns, out);
        else if (vnni & 1)
            add_int8_product_avx_vnni(x, rows, matrix, columns, out);
        else
            add_int8_product_pairs(x, rows, matrix, columns, out);
    } else if (SNLP_AVX2_ALLOWED()) {
        add_int8_product_pairs(x, rows, matrix, columns, out);
    } else {
        add_int8_product(x, rows, matrix, columns, out);
    }
}

void snlp_add_int8_products(const int32_t *x, size_t rows, const uint8_t *matrix,
                            size_t columns, int32_t *out) {
    int vnni = snlp_simd_limit >= SNLP_SIMD_AVX_VNNI ? cpu_vnni() : 0;
    if (vnni && !within_int8(x, SNLP_INPUTS_AT_ONCE * rows)) vnni = 0;
    if (snlp_simd_limit >= SNLP_SIMD_AVX512_VNNI && vnni & 2)
        add_int8_products_avx512_vnni(x, rows, matrix, columns, out);
    else if (vnni & 1)
        add_int8_products_avx_vnni(x, rows, matrix, columns, out);
    else if (SNLP_AVX2_ALLOWED() && together_pays(x, rows))
        add_int8_products_pairs(x, rows, matrix, columns, out);
    else /* one input at a time: AVX2 or portable */
        for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++)
            snlp_add_int8_product(x + t * rows, rows, matrix, columns, out + t * columns);
}
#else
DISPATCH(snlp_add_int8_product, add_int8_product, int32_t)
void snlp_add_int8_products(const int32_t *x, size_t rows, const uint8_t *matrix,
                            size_t columns, int32_t *out) {
    for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++)
        add_int8_product(x + t * rows, rows, matrix, columns, out + t * columns);
}
#endif
DISPATCH(snlp_add_product_f32, add_product_f32, float)
DISPATCH(snlp_product_f32, product_f32, float)

/* q[i] = x[i] / scale rounded to the nearest integer (ties to even; not a
 * number: 0), |q[i]| <= 127; the largest |x[i]|. Compiled for AVX2 as well,
 * where both loops become vector code with the same results. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline float largest_magnitude(const float *x, size_t rows) {
    float largest = 0.0f;
    for (size_t i = 0; i < rows; i++) /* not a number: never larger */
        largest = fabsf(x[i]) > largest ? fabsf(x[i]) : largest;
    return largest;
}
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void quantize(const float *x, size_t rows, float scale, int32_t *q) {
    for (size_t i = 0; i < rows; i++) {
        float value = x[i] / scale;
        q[i] = value == value ? (int32_t)rintf(value) : 0;
    }
}
#if SNLP_X86_VECTORS
/* _mm256_max_ps(a, b) is b when a is not a number, as the loop above skips it. */
__attribute__((target("avx2"))) static float largest_magnitude_avx2(const float *x,
                                                                    size_t rows) {
    __m256 largest = _mm256_setzero_ps(), sign = _mm256_set1_ps(-0.0f);
    float lanes[8], head, tail;
    size_t i = 0;
    for (; i + 8 <= rows; i += 8)
        largest = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), largest);
    _mm256_storeu_ps(lanes, largest);
    head = largest_magnitude(lanes, 8);
    tail = largest_magnitude(x + i, rows - i);
    return tail > head ? tail : head;
}
__attribute__((target("avx2"))) static void quantize_avx2(const float *x, size_t rows,
                                                          float scale, int32_t *q) {
    quantize(x, rows, scale, q);
}
#else
#define largest_magnitude_avx2 largest_magnitude
#define quantize_avx2 quantize
#endif

/* out[c] = ((sum_i q[i] * codes[i][c]) * input_scale) * scales[c] + bias[c]:
 * one 8-bit dense layer (docs/FORMAT.md, "8-bit dense layers"), the inputs
 * made int8 with one scale (their largest magnitude / 127) and summed exactly
 * in int32, then the float32 steps in the reference's order. */

/* x's codes q and their scale; 0 when there is nothing to scale (all zeros,
 * or a hostile file's weights overflowed): then the layer gives its bias. */
static float int8_codes(const float *x, size_t rows, int32_t *q) {
    int vector = SNLP_AVX2_ALLOWED();
    float scale = (vector ? largest_magnitude_avx2 : largest_magnitude)(x, rows) / 127.0f;
    if (!(scale > 0.0f) || !isfinite(scale)) return 0.0f;
    (vector ? quantize_avx2 : quantize)(x, rows, scale, q);
    return scale;
}

static void int8_finish(const int32_t *sums, float scale, const snlp_matrix *scales,
                        const snlp_matrix *bias, size_t columns, float *out) {
    if (scale == 0.0f) {
        for (size_t c = 0; c < columns; c++) out[c] = snlp_read_f32(bias->data + 4 * c);
        return;
    }
    for (size_t c = 0; c < columns; c++) /* a loop the compiler makes vector code */
        out[c] = (float)sums[c] * scale * snlp_read_f32(scales->data + 4 * c) +
                 snlp_read_f32(bias->data + 4 * c);
}

static void int8_layer(const float *x, size_t rows, const snlp_matrix *codes,
                       const snlp_matrix *scales, const snlp_matrix *bias, size_t columns,
                       int32_t *scratch, float *out) {
    int32_t *q = scratch, *sums = scratch + rows;
    float scale = int8_codes(x, rows, q);
    for (size_t c = 0; c < columns; c++) sums[c] = 0;
    if (scale != 0.0f) snlp_add_int8_product(q, rows, codes->data, columns, sums);
    int8_finish(sums, scale, scales, bias, columns, out);
}

/* The same layer for SNLP_INPUTS_AT_ONCE inputs (x: `rows` apart; out:
 * `columns` apart), in one pass over the weights. */
static void int8_layer_many(const float *x, size_t rows, const snlp_matrix *codes,
                            const snlp_matrix *scales, const snlp_matrix *bias, size_t columns,
                            int32_t *scratch, float *out) {
    int32_t *q = scratch, *sums = scratch + SNLP_INPUTS_AT_ONCE * rows;
    float scale[SNLP_INPUTS_AT_ONCE];
    for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++) {
        scale[t] = int8_codes(x + t * rows, rows, q + t * rows);
        if (scale[t] == 0.0f) /* adds nothing */
            for (size_t i = 0; i < rows; i++) q[t * rows + i] = 0;
    }
    for (size_t c = 0; c < SNLP_INPUTS_AT_ONCE * columns; c++) sums[c] = 0;
    snlp_add_int8_products(q, rows, codes->data, columns, sums);
    for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++)
        int8_finish(sums + t * columns, scale[t], scales, bias, columns, out + t * columns);
}

void snlp_hidden_layer(const snlp_model *model, const float *input, size_t width,
                       float *activation, int32_t *scratch) {
    const snlp_matrix *w1 = snlp_model_dense(model, 0, SNLP_HIDDEN_WEIGHTS),
                      *b1 = snlp_model_dense(model, 0, SNLP_HIDDEN_BIAS);
    size_t hidden = snlp_model_hidden(model);
    if (snlp_model_dense_int8(model)) {
        int8_layer(input, width, w1, snlp_model_dense_scales(model, 0), b1, hidden,
                   scratch, activation);
    } else {
        for (size_t h = 0; h < hidden; h++) activation[h] = snlp_read_f32(b1->data + 4 * h);
        snlp_add_product_f32(input, width, w1->data, hidden, activation);
    }
    for (size_t h = 0; h < hidden; h++) /* without a branch: the signs are unpredictable */
        activation[h] = activation[h] < 0.0f ? 0.0f : activation[h];
}

void snlp_output_layer(const snlp_model *model, const float *activation, float *out,
                       int32_t *scratch) {
    const snlp_matrix *w2 = snlp_model_dense(model, 0, SNLP_OUTPUT_WEIGHTS),
                      *b2 = snlp_model_dense(model, 0, SNLP_OUTPUT_BIAS);
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    if (snlp_model_dense_int8(model)) {
        int8_layer(activation, hidden, w2, snlp_model_dense_scales(model, 1), b2, labels,
                   scratch, out);
        return;
    }
    for (size_t k = 0; k < labels; k++) out[k] = snlp_read_f32(b2->data + 4 * k);
    snlp_add_product_f32(activation, hidden, w2->data, labels, out);
}

static snlp_status pool_input(const snlp_model *model, const snlp_features *groups,
                              float *input) {
    size_t width = 0;
    for (size_t g = 0; g < snlp_model_group_count(model); g++) {
        snlp_status status = snlp_pool_group(model, 0, g, &groups[g], input + width);
        if (status != SNLP_OK) return status;
        width += snlp_model_group(model, g)->dims;
    }
    return SNLP_OK;
}

/* Where snlp_workspace_doubles_many's parts are: each input's pooled row,
 * activations and outputs (SNLP_INPUTS_AT_ONCE of each), then the scratch. */
typedef struct {
    float *input, *activation, *out;
    int32_t *scratch;
    size_t width, hidden, labels;
} inputs_layout;

static inputs_layout layout_of(const snlp_model *model, double *workspace) {
    inputs_layout l = {(float *)workspace, NULL, NULL, NULL, 0, snlp_model_hidden(model),
                       snlp_model_label_count(model)};
    for (size_t g = 0; g < snlp_model_group_count(model); g++)
        l.width += snlp_model_group(model, g)->dims;
    l.activation = l.input + SNLP_INPUTS_AT_ONCE * l.width;
    l.out = l.activation + SNLP_INPUTS_AT_ONCE * l.hidden;
    l.scratch = (int32_t *)(l.out + SNLP_INPUTS_AT_ONCE * l.labels);
    return l;
}

snlp_status snlp_pool_input_at(const snlp_model *model, const snlp_features *groups,
                               double *workspace, size_t t) {
    if (!model || !groups || !workspace || t >= SNLP_INPUTS_AT_ONCE) return SNLP_ERR_ARGUMENT;
    inputs_layout l = layout_of(model, workspace);
    return pool_input(model, groups, l.input + t * l.width);
}

snlp_status snlp_dense_many(const snlp_model *model, size_t count, double *workspace,
                            double *logits) {
    if (!model || !workspace || !logits || count > SNLP_INPUTS_AT_ONCE) return SNLP_ERR_ARGUMENT;
    inputs_layout l = layout_of(model, workspace);
    if (!snlp_model_dense_int8(model) || count < 2) { /* float32 layers: one at a time */
        for (size_t t = 0; t < count; t++) {
            snlp_hidden_layer(model, l.input + t * l.width, l.width, l.activation, l.scratch);
            snlp_output_layer(model, l.activation, l.out, l.scratch);
            for (size_t k = 0; k < l.labels; k++) logits[t * l.labels + k] = (double)l.out[k];
        }
        return SNLP_OK;
    }
    for (size_t t = count; t < SNLP_INPUTS_AT_ONCE; t++) /* gives the bias alone */
        memset(l.input + t * l.width, 0, l.width * sizeof *l.input);
    int8_layer_many(l.input, l.width, snlp_model_dense(model, 0, SNLP_HIDDEN_WEIGHTS),
                    snlp_model_dense_scales(model, 0),
                    snlp_model_dense(model, 0, SNLP_HIDDEN_BIAS), l.hidden, l.scratch,
                    l.activation);
    for (size_t h = 0; h < SNLP_INPUTS_AT_ONCE * l.hidden; h++)
        l.activation[h] = l.activation[h] < 0.0f ? 0.0f : l.activation[h];
    int8_layer_many(l.activation, l.hidden, snlp_model_dense(model, 0, SNLP_OUTPUT_WEIGHTS),
                    snlp_model_dense_scales(model, 1),
                    snlp_model_dense(model, 0, SNLP_OUTPUT_BIAS), l.labels, l.scratch, l.out);
    for (size_t k = 0; k < count * l.labels; k++) logits[k] = (double)l.out[k];
    return SNLP_OK;
}

snlp_status snlp_model_logits_many(const snlp_model *model, const snlp_features *groups,
                                   size_t count, double *workspace, double *logits) {
    size_t per_input = model ? snlp_model_group_count(model) : 0;
    if (!model || !groups || !workspace || !logits || count > SNLP_INPUTS_AT_ONCE)
        return SNLP_ERR_ARGUMENT;
    for (size_t t = 0; t < count; t++) {
        snlp_status status = snlp_pool_input_at(model, groups + t * per_input, workspace, t);
        if (status != SNLP_OK) return status;
    }
    return snlp_dense_many(model, count, workspace, logits);
}

snlp_status snlp_model_logits(const snlp_model *model, const snlp_features *groups,
                              double *workspace, double *logits) {
    size_t width = 0, hidden, labels;
    float *input = (float *)workspace, *activation, *out;
    int32_t *scratch;
    snlp_status status;
    if (!model || !groups || !workspace || !logits) return SNLP_ERR_ARGUMENT;
    status = pool_input(model, groups, input);
    if (status != SNLP_OK) return status;
    for (size_t g = 0; g < snlp_model_group_count(model); g++)
        width += snlp_model_group(model, g)->dims;
    hidden = snlp_model_hidden(model);
    labels = snlp_model_label_count(model);
    activation = input + width;
    out = activation + hidden;
    scratch = (int32_t *)(out + labels);
    snlp_hidden_layer(model, input, width, activation, scratch);
    snlp_output_layer(model, activation, out, scratch);
    for (size_t k = 0; k < labels; k++) logits[k] = (double)out[k];
    return SNLP_OK;
}
