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
    if (4 * g->order <= SNLP_SHORT_KEY) { /* every n-gram fits (4 bytes a code point) */
        for (size_t k = first; k < last; k++) {
            size_t start = s->utf8_offsets[k];
            ids[count++] = snlp_mod(snlp_murmur3_short(s->utf8 + start,
                                                       s->utf8_offsets[k + g->order] - start,
                                                       g->seed),
                                    reciprocal, g->buckets);
        }
        return count;
    }
    for (size_t k = first; k < last; k++)
        ids[count++] = snlp_mod(snlp_span_hash(s, k, k + g->order, 4 * g->order, g->seed),
                                reciprocal, g->buckets);
    return count;
}
