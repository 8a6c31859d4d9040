/* Words framed as ^word$ (docs/FORMAT.md), shared by both tasks: their UTF-8
 * bytes, and the hashed spans features are made of. */
#include <string.h>

#include "internal.h"

int snlp_encode_framed(snlp_state *s) {
    size_t total = s->framed.count;
    /* and zeros after them, which snlp_murmur3_short may read */
    if (snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * total + SNLP_SHORT_KEY + 4, 1) ||
        snlp_grow((void **)&s->utf8_offsets, &s->offsets_capacity, total + 1,
                  sizeof *s->utf8_offsets))
        return -1;
    s->utf8_offsets[0] = 0;
    for (size_t i = 0; i < total; i++)
        s->utf8_offsets[i + 1] = s->utf8_offsets[i] +
                                 snlp_utf8_encode(s->framed.data[i], s->utf8 + s->utf8_offsets[i]);
    memset(s->utf8 + s->utf8_offsets[total], 0, SNLP_SHORT_KEY + 4);
    return 0;
}

uint32_t snlp_span_hash(const snlp_state *s, size_t a, size_t b, size_t limit, uint32_t seed) {
    size_t first = s->utf8_offsets[a], bytes = s->utf8_offsets[b] - first;
    return snlp_murmur3(s->utf8 + first, bytes < limit ? bytes : limit, seed);
}

/* The ids of the n-grams starting at bytes[first .. last) of an ASCII word,
 * `order` bytes each: inlined with a constant order, so that murmur3's loop
 * and tail are unrolled without a branch (a word's n-grams of code points of
 * 1 to 4 bytes each have varied sizes, and guessing them was a third of
 * hashing). */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t ascii_ngram_ids(const uint8_t *bytes, size_t first, size_t last,
                                     size_t order, const snlp_group *g, uint64_t reciprocal,
                                     uint32_t *ids) {
    size_t count = 0;
    for (size_t k = first; k < last; k++)
        ids[count++] = snlp_mod(snlp_murmur3(bytes + k, order, g->seed), reciprocal, g->buckets);
    return count;
}

/* The same for n-grams of any script (code points of 1 to 4 bytes), of
 * `order` code points, at most SNLP_SHORT_KEY bytes. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t short_ngram_ids(const snlp_state *s, size_t first, size_t last,
                                     size_t order, const snlp_group *g, uint64_t reciprocal,
                                     uint32_t *ids) {
    size_t count = 0;
    for (size_t k = first; k < last; k++) {
        size_t start = s->utf8_offsets[k];
        ids[count++] = snlp_mod(snlp_murmur3_within(s->utf8 + start,
                                                    s->utf8_offsets[k + order] - start, g->seed,
                                                    order),
                                reciprocal, g->buckets);
    }
    return count;
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t ascii_text_ids(const uint8_t *bytes, const uint32_t *starts, size_t count,
                                    size_t order, const snlp_group *g, uint64_t reciprocal,
                                    uint32_t *ids) {
    for (size_t i = 0; i < count; i++)
        ids[i] = snlp_mod(snlp_murmur3(bytes + starts[i], order, g->seed), reciprocal,
                          g->buckets);
    return count;
}

#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline size_t short_text_ids(const snlp_state *s, const uint32_t *starts, size_t count,
                                    size_t order, const snlp_group *g, uint64_t reciprocal,
                                    uint32_t *ids) {
    for (size_t i = 0; i < count; i++) {
        size_t start = s->utf8_offsets[starts[i]];
        ids[i] = snlp_mod(snlp_murmur3_within(s->utf8 + start,
                                              s->utf8_offsets[starts[i] + order] - start,
                                              g->seed, order),
                          reciprocal, g->buckets);
    }
    return count;
}

size_t snlp_ngram_ids(const snlp_state *s, size_t a, size_t b, const snlp_group *g,
                      uint64_t reciprocal, uint32_t *ids) {
    size_t count = 0, first, last;
    /* Order 1: every code point, not the markers; higher orders: every `order`
     * consecutive code points of the framed word. */
    if (b - a < g->order + (g->order == 1 ? 2 : 0)) return 0;
    first = g->order == 1 ? a + 1 : a;
    last = g->order == 1 ? b - 1 : b + 1 - g->order;
    if (s->utf8_offsets[b] - s->utf8_offsets[a] == b - a) { /* ASCII: a byte a code point */
        const uint8_t *bytes = s->utf8 + s->utf8_offsets[a] - a;
        switch (g->order) {
        case 1: return ascii_ngram_ids(bytes, first, last, 1, g, reciprocal, ids);
        case 2: return ascii_ngram_ids(bytes, first, last, 2, g, reciprocal, ids);
        case 3: return ascii_ngram_ids(bytes, first, last, 3, g, reciprocal, ids);
        case 4: return ascii_ngram_ids(bytes, first, last, 4, g, reciprocal, ids);
        case 5: return ascii_ngram_ids(bytes, first, last, 5, g, reciprocal, ids);
        default: return ascii_ngram_ids(bytes, first, last, g->order, g, reciprocal, ids);
        }
    }
    switch (g->order) { /* every n-gram fits (4 bytes a code point) */
    case 1: return short_ngram_ids(s, first, last, 1, g, reciprocal, ids);
    case 2: return short_ngram_ids(s, first, last, 2, g, reciprocal, ids);
    case 3: return short_ngram_ids(s, first, last, 3, g, reciprocal, ids);
    case 4: return short_ngram_ids(s, first, last, 4, g, reciprocal, ids);
    default: break;
    }
    for (size_t k = first; k < last; k++)
        ids[count++] = snlp_mod(snlp_span_hash(s, k, k + g->order, 4 * g->order, g->seed),
                                reciprocal, g->buckets);
    return count;
}

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

/* snlp_ngram_ids of every word of the framed text (language ID), in one pass:
 * first the positions where an n-gram within one word starts (none of its
 * code points but the last a word's end marker), gathered without a branch,
 * then their ids in one loop whose iterations do not depend on each other. A
 * loop a word left the branch predictor to guess its exit once a word and
 * group. Uses s->scratch; SIZE_MAX when it cannot grow. */
size_t snlp_text_ngram_ids(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           uint32_t *ids) {
    const uint32_t *cp = s->framed.data;
    size_t total = s->framed.count, order = g->order, count = 0;
    uint32_t *starts;
    if (total < order) return 0;
    if (snlp_reserve(&s->scratch, total)) return SIZE_MAX;
    starts = s->scratch.data;
    switch (order) {
    case 1: count = ngram_starts(cp, total, 1, starts); break;
    case 2: count = ngram_starts(cp, total, 2, starts); break;
    case 3: count = ngram_starts(cp, total, 3, starts); break;
    case 4: count = ngram_starts(cp, total, 4, starts); break;
    default: count = ngram_starts(cp, total, order, starts);
    }
    if (s->utf8_offsets[total] == total) { /* ASCII */
        switch (order) {
        case 1: return ascii_text_ids(s->utf8, starts, count, 1, g, reciprocal, ids);
        case 2: return ascii_text_ids(s->utf8, starts, count, 2, g, reciprocal, ids);
        case 3: return ascii_text_ids(s->utf8, starts, count, 3, g, reciprocal, ids);
        case 4: return ascii_text_ids(s->utf8, starts, count, 4, g, reciprocal, ids);
        default: return ascii_text_ids(s->utf8, starts, count, order, g, reciprocal, ids);
        }
    }
    switch (order) {
    case 1: return short_text_ids(s, starts, count, 1, g, reciprocal, ids);
    case 2: return short_text_ids(s, starts, count, 2, g, reciprocal, ids);
    case 3: return short_text_ids(s, starts, count, 3, g, reciprocal, ids);
    case 4: return short_text_ids(s, starts, count, 4, g, reciprocal, ids);
    default: break;
    }
    for (size_t i = 0; i < count; i++)
        ids[i] = snlp_mod(snlp_span_hash(s, starts[i], starts[i] + order, 4 * order, g->seed),
                          reciprocal, g->buckets);
    return count;
}
