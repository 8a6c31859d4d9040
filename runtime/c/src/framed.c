/* Words framed as ^word$ (docs/FORMAT.md), shared by both tasks: their UTF-8
 * bytes, and the hashed spans features are made of. */
#include <string.h>

#include "internal.h"

int snlp_encode_framed(snlp_state *s) {
    size_t total = s->framed.count;
    /* and zeros after them, which snlp_murmur3_within may read */
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

size_t snlp_ngram_ids(const snlp_state *s, size_t a, size_t b, const snlp_group *g,
                      uint64_t reciprocal, uint32_t *ids) {
    ngram_places at = {NULL, 0, 0};
    /* Order 1: every code point, not the markers; higher orders: every `order`
     * consecutive code points of the framed word. */
    if (b - a < g->order + (g->order == 1 ? 2 : 0)) return 0;
    at.first = g->order == 1 ? a + 1 : a;
    at.count = (g->order == 1 ? b - 1 : b + 1 - g->order) - at.first;
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

/* snlp_ngram_ids of every word of the framed text (language ID), in one pass:
 * first where the n-grams start (ngram_starts), then their ids in one loop
 * whose iterations do not depend on each other. A loop a word left the
 * branch predictor to guess its exit once a word and group. Uses s->scratch;
 * SIZE_MAX when it cannot grow. */
size_t snlp_text_ngram_ids(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           uint32_t *ids) {
    const uint32_t *cp = s->framed.data;
    size_t total = s->framed.count;
    ngram_places at = {NULL, 0, 0};
    uint32_t *starts;
    if (total < g->order) return 0;
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
