/* Words framed as ^word$ (docs/FORMAT.md), shared by both tasks: their UTF-8
 * bytes, and the hashed spans features are made of. */
#include "internal.h"

int snlp_encode_framed(snlp_state *s) {
    size_t total = s->framed.count;
    if (snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * total + 1, 1) ||
        snlp_grow((void **)&s->utf8_offsets, &s->offsets_capacity, total + 1,
                  sizeof *s->utf8_offsets))
        return -1;
    s->utf8_offsets[0] = 0;
    for (size_t i = 0; i < total; i++)
        s->utf8_offsets[i + 1] = s->utf8_offsets[i] +
                                 snlp_utf8_encode(s->framed.data[i], s->utf8 + s->utf8_offsets[i]);
    return 0;
}

uint32_t snlp_span_hash(const snlp_state *s, size_t a, size_t b, size_t limit, uint32_t seed) {
    size_t first = s->utf8_offsets[a], bytes = s->utf8_offsets[b] - first;
    return snlp_murmur3(s->utf8 + first, bytes < limit ? bytes : limit, seed);
}

size_t snlp_ngram_ids(const snlp_state *s, size_t a, size_t b, const snlp_group *g,
                      uint64_t reciprocal, uint32_t *ids) {
    size_t count = 0;
    if (g->order == 1) { /* every code point, not the markers */
        for (size_t k = a + 1; k + 1 < b; k++)
            ids[count++] = snlp_mod(snlp_span_hash(s, k, k + 1, 4, g->seed), reciprocal,
                                    g->buckets);
    } else { /* every `order` consecutive code points of the framed word */
        for (size_t k = a; k + g->order <= b; k++)
            ids[count++] = snlp_mod(snlp_span_hash(s, k, k + g->order, 4 * g->order, g->seed),
                                    reciprocal, g->buckets);
    }
    return count;
}
