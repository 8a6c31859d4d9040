/* Words framed as ^word$ (docs/FORMAT.md), shared by both tasks: their UTF-8
 * bytes, and the hashed spans features are made of. */
#include <string.h>

#include "internal.h"

#if SNLP_X86_VECTORS
#include <immintrin.h>
#endif

int snlp_reserve_utf8(snlp_state *s, size_t total) {
    /* and zeros after them, which snlp_murmur3_within may read, and the end's
     * offset 7 more times, which vector code reads as empty keys */
    return snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * total + SNLP_SHORT_KEY + 4, 1) ||
           snlp_grow((void **)&s->utf8_offsets, &s->offsets_capacity, total + 8,
                     sizeof *s->utf8_offsets);
}

void snlp_finish_utf8(snlp_state *s, size_t total) {
    for (size_t i = total + 1; i < total + 8; i++) s->utf8_offsets[i] = s->utf8_offsets[total];
    memset(s->utf8 + s->utf8_offsets[total], 0, SNLP_SHORT_KEY + 4);
}

int snlp_encode_framed(snlp_state *s) {
    size_t total = s->framed.count;
    if (snlp_reserve_utf8(s, total)) return -1;
    s->utf8_offsets[0] = 0;
    for (size_t i = 0, at = 0; i < total; i++) {
        at = snlp_put_utf8(s->utf8, at, s->framed.data[i]);
        s->utf8_offsets[i + 1] = at;
    }
    snlp_finish_utf8(s, total);
    return 0;
}

uint32_t snlp_span_hash(const snlp_state *s, size_t a, size_t b, size_t limit, uint32_t seed) {
    size_t first = s->utf8_offsets[a], bytes = s->utf8_offsets[b] - first;
    return snlp_murmur3_padded(s->utf8 + first, bytes < limit ? bytes : limit, seed);
}

/* The n-grams to hash: `count` of them, the i-th starting at framed code
 * point starts[i], or at first + i when starts is NULL (one word's). The
 * helpers below are inlined where it is known which. */
typedef struct {
    const uint32_t *starts;
    size_t first, count;
} ngram_places;

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t place(ngram_places at, size_t i) {
    return at.starts ? at.starts[i] : at.first + i;
}

/* Their ids when every code point is ASCII, bytes[k] being code point k's
 * byte: inlined with a constant order, so that murmur3's loop and tail are
 * unrolled without a branch (a word's n-grams of code points of 1 to 4 bytes
 * each have varied sizes, and guessing them was a third of hashing). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t ascii_ids(const uint8_t *bytes, ngram_places at, size_t order,
                               const snlp_group *g, uint64_t reciprocal, uint32_t *ids) {
    for (size_t i = 0; i < at.count; i++)
        ids[i] = snlp_mod(snlp_murmur3(bytes + place(at, i), order, g->seed), reciprocal,
                          g->buckets);
    return at.count;
}

/* Their ids in any script (code points of 1 to 4 bytes), of `order` code
 * points, so at most 4 * order bytes: only the blocks they may have mixed. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t short_ids(const snlp_state *s, ngram_places at, size_t order,
                               const snlp_group *g, uint64_t reciprocal, uint32_t *ids) {
    for (size_t i = 0; i < at.count; i++) {
        size_t k = place(at, i), start = s->utf8_offsets[k];
        ids[i] = snlp_mod(snlp_murmur3_within(s->utf8 + start, s->utf8_offsets[k + order] - start,
                                              g->seed, order),
                          reciprocal, g->buckets);
    }
    return at.count;
}

/* The ids of the n-grams at `at`, of the group's order: ASCII ones from
 * `ascii_bytes` (NULL when not all are ASCII). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t ids_at(const snlp_state *s, ngram_places at, const uint8_t *ascii_bytes,
                            const snlp_group *g, uint64_t reciprocal, uint32_t *ids) {
    size_t order = g->order;
    if (ascii_bytes) {
        switch (order) {
        case 1: return ascii_ids(ascii_bytes, at, 1, g, reciprocal, ids);
        case 2: return ascii_ids(ascii_bytes, at, 2, g, reciprocal, ids);
        case 3: return ascii_ids(ascii_bytes, at, 3, g, reciprocal, ids);
        case 4: return ascii_ids(ascii_bytes, at, 4, g, reciprocal, ids);
        case 5: return ascii_ids(ascii_bytes, at, 5, g, reciprocal, ids);
        default: return ascii_ids(ascii_bytes, at, order, g, reciprocal, ids);
        }
    }
    switch (order) { /* 4 bytes a code point at most */
    case 1: return short_ids(s, at, 1, g, reciprocal, ids);
    case 2: return short_ids(s, at, 2, g, reciprocal, ids);
    case 3: return short_ids(s, at, 3, g, reciprocal, ids);
    case 4: return short_ids(s, at, 4, g, reciprocal, ids);
    default: break;
    }
    for (size_t i = 0; i < at.count; i++)
        ids[i] = snlp_mod(snlp_span_hash(s, place(at, i), place(at, i) + order, 4 * order,
                                         g->seed),
                          reciprocal, g->buckets);
    return at.count;
}

/* Where the n-grams of `order` code points of the framed word [a, b) start:
 * *first, and how many. Order 1: every code point, not the markers; higher
 * orders: every `order` consecutive code points of the framed word. */
static inline size_t word_ngrams(size_t a, size_t b, size_t order, size_t *first) {
    *first = order == 1 ? a + 1 : a;
    if (b - a < order + (order == 1 ? 2 : 0)) return 0;
    return (order == 1 ? b - 1 : b + 1 - order) - *first;
}

size_t snlp_ngram_ids(const snlp_state *s, size_t a, size_t b, const snlp_group *g,
                      uint64_t reciprocal, uint32_t *ids) {
    ngram_places at = {NULL, 0, 0};
    if (!(at.count = word_ngrams(a, b, g->order, &at.first))) return 0;
    return ids_at(s, at,
                  s->utf8_offsets[b] - s->utf8_offsets[a] == b - a /* a byte a code point */
                      ? s->utf8 + s->utf8_offsets[a] - a
                      : NULL,
                  g, reciprocal, ids);
}

/* Where the n-grams of `order` code points within one framed word start,
 * without a branch: none of an n-gram's code points but its last is a
 * word's end marker (and for order 1, it is no marker). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t ngram_starts(const uint32_t *cp, size_t total, size_t order,
                                  uint32_t *starts) {
    size_t count = 0;
    for (size_t k = 0; k + order <= total; k++) {
        uint32_t outside = order == 1 ? (cp[k] == SNLP_WORD_START) | (cp[k] == SNLP_WORD_END) : 0;
        for (size_t i = 0; i + 1 < order; i++) outside |= cp[k + i] == SNLP_WORD_END;
        starts[count] = (uint32_t)k;
        count += !outside;
    }
    return count;
}

#if SNLP_X86_VECTORS
/* Where the CPU has AVX2, the ids of a text's n-grams of 1 to 4 code points
 * are computed 8 a vector at every place of the framed text, across words
 * too (a text's n-grams overlap: its UTF-8 bytes and offsets hold every key
 * and size, read without a per-n-gram index), and those within a word then
 * copied out a word at a time. MurmurHash3 and the remainder take the same
 * steps as snlp_murmur3_within and snlp_mod's 64-bit ones, so the ids are
 * the portable code's (tests/test_model.c checks both against each other). */
typedef struct {
    __m256i c1, c2, seed, reciprocal_low, reciprocal_high, buckets;
} hash_constants;

__attribute__((target("avx2"), always_inline)) static inline hash_constants
hash_constants_avx2(const snlp_group *g, uint64_t reciprocal) {
    hash_constants c = {_mm256_set1_epi32((int)0xcc9e2d51u), _mm256_set1_epi32(0x1b873593),
                        _mm256_set1_epi32((int)g->seed),
                        _mm256_set1_epi64x((long long)(reciprocal & 0xFFFFFFFFu)),
                        _mm256_set1_epi64x((long long)(reciprocal >> 32)),
                        _mm256_set1_epi64x((long long)g->buckets)};
    return c;
}

#define ROTL_AVX2(x, r) _mm256_or_si256(_mm256_slli_epi32(x, r), _mm256_srli_epi32(x, 32 - (r)))

/* h with a key's word mixed in as a tail (k = 0 changes nothing), and as a
 * whole block. */
__attribute__((target("avx2"), always_inline)) static inline __m256i
mix_tail_avx2(__m256i h, __m256i k, const hash_constants *c) {
    return _mm256_xor_si256(h, _mm256_mullo_epi32(ROTL_AVX2(_mm256_mullo_epi32(k, c->c1), 15),
                                                  c->c2));
}
__attribute__((target("avx2"), always_inline)) static inline __m256i
mix_block_avx2(__m256i h, __m256i k, const hash_constants *c) {
    h = ROTL_AVX2(mix_tail_avx2(h, k, c), 13);
    return _mm256_add_epi32(_mm256_add_epi32(h, _mm256_slli_epi32(h, 2)),
                            _mm256_set1_epi32((int)0xe6546b64u));
}

/* snlp_mod of the 32-bit numbers in the even lanes of x, in the odd lanes of
 * the answer: four numbers at a time. */
__attribute__((target("avx2"), always_inline)) static inline __m256i
mod_even_lanes_avx2(__m256i x, const hash_constants *c) {
    __m256i low = _mm256_add_epi64(_mm256_mul_epu32(x, c->reciprocal_low),
                                   _mm256_slli_epi64(_mm256_mul_epu32(x, c->reciprocal_high), 32));
    return _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(low, 32), c->buckets),
                            _mm256_srli_epi64(_mm256_mul_epu32(low, c->buckets), 32));
}

/* The bucket ids of hashes h of keys of `size` bytes: MurmurHash3's
 * finaliser, then the remainder. */
__attribute__((target("avx2"), always_inline)) static inline __m256i
bucket_ids_avx2(__m256i h, __m256i size, const hash_constants *c) {
    h = _mm256_xor_si256(h, size);
    h = _mm256_mullo_epi32(_mm256_xor_si256(h, _mm256_srli_epi32(h, 16)),
                           _mm256_set1_epi32((int)0x85ebca6bu));
    h = _mm256_mullo_epi32(_mm256_xor_si256(h, _mm256_srli_epi32(h, 13)),
                           _mm256_set1_epi32((int)0xc2b2ae35u));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    return _mm256_blend_epi32(_mm256_srli_epi64(mod_even_lanes_avx2(h, c), 32),
                              mod_even_lanes_avx2(_mm256_srli_epi64(h, 32), c), 0xAA);
}

/* Ids at the places 0 .. count - 1 of an ASCII text (a byte a code point):
 * a vector's 8 keys of up to 4 bytes shuffled out of 11 bytes read at once. */
__attribute__((target("avx2"), always_inline)) static inline void
every_ascii_id_avx2(const uint8_t *bytes, size_t count, size_t order, const hash_constants *c,
                    uint32_t *ids) {
    const __m256i windows = _mm256_setr_epi8(0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5,
                                             6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10);
    const __m256i mask = _mm256_set1_epi32((int)(order == 4 ? 0xFFFFFFFFu : (1u << 8 * order) - 1));
    const __m256i size = _mm256_set1_epi32((int)order);
    for (size_t k = 0; k < count; k += 8) {
        __m256i text = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(bytes + k)));
        __m256i key = _mm256_and_si256(_mm256_shuffle_epi8(text, windows), mask);
        __m256i h = order == 4 ? mix_block_avx2(c->seed, key, c) : mix_tail_avx2(c->seed, key, c);
        _mm256_storeu_si256((__m256i *)(ids + k), bucket_ids_avx2(h, size, c));
    }
}

/* offsets[0 .. 7] as 32-bit numbers (a text's offsets are far smaller). */
__attribute__((target("avx2"), always_inline)) static inline __m256i
offsets_avx2(const size_t *offsets) {
    const __m256i low_halves = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    if (sizeof *offsets == 4) return _mm256_loadu_si256((const __m256i *)offsets);
    return _mm256_permute2x128_si256(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)offsets), low_halves),
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(offsets + 4)),
                                    low_halves),
        0x20);
}

/* Ids at the places 0 .. count - 1 of a text in any script: each key's
 * blocks gathered from its start, each mixed where the key has it, the tail
 * the first block it has not, masked to its bytes (snlp_murmur3_within). */
__attribute__((target("avx2"), always_inline)) static inline void
every_id_avx2(const uint8_t *utf8, const size_t *offsets, size_t count, size_t order,
              const hash_constants *c, uint32_t *ids) {
    const __m256i one = _mm256_set1_epi32(1), three = _mm256_set1_epi32(3);
    for (size_t k = 0; k < count; k += 8) {
        __m256i start = offsets_avx2(offsets + k);
        __m256i size = _mm256_sub_epi32(offsets_avx2(offsets + k + order), start);
        __m256i blocks = _mm256_srli_epi32(size, 2), h = c->seed, tail = _mm256_setzero_si256();
        __m128i largest = _mm_max_epu32(_mm256_castsi256_si128(size),
                                        _mm256_extracti128_si256(size, 1));
        size_t words; /* the key's words any lane has: fewer than `order` in most scripts */
        largest = _mm_max_epu32(largest, _mm_shuffle_epi32(largest, 0x4E));
        largest = _mm_max_epu32(largest, _mm_shuffle_epi32(largest, 0xB1));
        words = ((size_t)(uint32_t)_mm_cvtsi128_si32(largest) + 3) / 4;
        for (size_t i = 0; i < words && i < order; i++) {
            __m256i word = _mm256_i32gather_epi32((const int *)(utf8 + 4 * i), start, 1);
            __m256i index = _mm256_set1_epi32((int)i);
            tail = _mm256_blendv_epi8(tail, word, _mm256_cmpeq_epi32(blocks, index));
            h = _mm256_blendv_epi8(h, mix_block_avx2(h, word, c),
                                   _mm256_cmpgt_epi32(blocks, index));
        }
        /* the tail's bytes: (1 << 8 * (size % 4)) - 1 */
        tail = _mm256_and_si256(
            tail, _mm256_sub_epi32(
                      _mm256_sllv_epi32(one, _mm256_slli_epi32(_mm256_and_si256(size, three), 3)),
                      one));
        h = mix_tail_avx2(h, tail, c);
        _mm256_storeu_si256((__m256i *)(ids + k), bucket_ids_avx2(h, size, c));
    }
}

/* The ids at `every` place of n-grams within a word, word after word: a
 * word's are consecutive, copied 8 at a time (so up to 7 past the last). */
__attribute__((target("avx2"), always_inline)) static inline size_t
ids_within_words_avx2(const snlp_state *s, size_t order, const uint32_t *every, uint32_t *ids) {
    size_t count = 0;
    for (size_t w = 0; w < s->words; w++) {
        size_t first, n = word_ngrams(s->word_start[w], s->word_start[w + 1], order, &first);
        for (size_t i = 0; i < n; i += 8)
            _mm256_storeu_si256((__m256i *)(ids + count + i),
                                _mm256_loadu_si256((const __m256i *)(every + first + i)));
        count += n;
    }
    return count;
}

__attribute__((target("avx2"))) static size_t text_ids_avx2(snlp_state *s, const snlp_group *g,
                                                            uint64_t reciprocal, uint32_t *ids) {
    size_t total = s->framed.count, order = g->order, places = total + 1 - order;
    hash_constants c = hash_constants_avx2(g, reciprocal);
    if (snlp_reserve(&s->scratch, total + 8)) return SIZE_MAX;
    if (s->utf8_offsets[total] == total) { /* ASCII: constant sizes, unrolled */
        switch (order) {
        case 1: every_ascii_id_avx2(s->utf8, places, 1, &c, s->scratch.data); break;
        case 2: every_ascii_id_avx2(s->utf8, places, 2, &c, s->scratch.data); break;
        case 3: every_ascii_id_avx2(s->utf8, places, 3, &c, s->scratch.data); break;
        default: every_ascii_id_avx2(s->utf8, places, 4, &c, s->scratch.data);
        }
    } else {
        switch (order) {
        case 1: every_id_avx2(s->utf8, s->utf8_offsets, places, 1, &c, s->scratch.data); break;
        case 2: every_id_avx2(s->utf8, s->utf8_offsets, places, 2, &c, s->scratch.data); break;
        case 3: every_id_avx2(s->utf8, s->utf8_offsets, places, 3, &c, s->scratch.data); break;
        default: every_id_avx2(s->utf8, s->utf8_offsets, places, 4, &c, s->scratch.data);
        }
    }
    return ids_within_words_avx2(s, order, s->scratch.data, ids);
}
#endif

/* snlp_ngram_ids of every word of the framed text (language ID), in one pass:
 * with AVX2, text_ids_avx2; else first where the n-grams start
 * (ngram_starts), then their ids in one loop whose iterations do not depend
 * on each other. A loop a word left the branch predictor to guess its exit
 * once a word and group. Uses s->scratch; SIZE_MAX when it cannot grow. */
size_t snlp_text_ngram_ids(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           uint32_t *ids) {
    const uint32_t *cp = s->framed.data;
    size_t total = s->framed.count;
    ngram_places at = {NULL, 0, 0};
    uint32_t *starts;
    if (total < g->order) return 0;
#if SNLP_X86_VECTORS /* byte offsets as int32 lanes: a text below 2 GB (all but hostile ones) */
    if (g->order <= 4 && s->utf8_offsets[total] < INT32_MAX / 2 && SNLP_AVX2_ALLOWED())
        return text_ids_avx2(s, g, reciprocal, ids);
#endif
    if (snlp_reserve(&s->scratch, total)) return SIZE_MAX;
    at.starts = starts = s->scratch.data;
    switch (g->order) {
    case 1: at.count = ngram_starts(cp, total, 1, starts); break;
    case 2: at.count = ngram_starts(cp, total, 2, starts); break;
    case 3: at.count = ngram_starts(cp, total, 3, starts); break;
    case 4: at.count = ngram_starts(cp, total, 4, starts); break;
    default: at.count = ngram_starts(cp, total, g->order, starts);
    }
    return ids_at(s, at, s->utf8_offsets[total] == total ? s->utf8 : NULL, g, reciprocal, ids);
}
