/* Tagging in C (docs/FORMAT.md, "From tokens to ids: tagging"): token
 * features in a window, the known-word bitmap, and two-pass decoding, as
 * pos.TagDecoder does it for one tagger. */
#include <string.h>

#include "internal.h"
#include "unicode_tables.h"

#define MAX_SENTENCE_TOKENS 1000 /* longer sentences are tagged in pieces (pos.py) */
#define MAX_GROUPS 64

enum { STATIC, NEXT_TAG, PREVIOUS_TAG };

static int stage_of(snlp_kind kind) {
    return kind == SNLP_NEXT_TAG ? NEXT_TAG : kind == SNLP_PREV_TAG ? PREVIOUS_TAG : STATIC;
}

/* batch.shape_id: capitalisation x digits x punctuation x length of a token
 * as written, with Python's str predicates. */
static uint32_t shape_id(const uint32_t *cp, size_t n) {
    size_t letters = 0, upper = 0, digits = 0, punct = 0;
    int first_upper = 0;
    uint32_t word_case, digit_class, punct_class, length_class;
    for (size_t i = 0; i < n; i++) {
        if (snlp_in_ranges(snlp_is_alpha, snlp_is_alpha_count, cp[i])) {
            int is_upper = snlp_in_ranges(snlp_is_upper, snlp_is_upper_count, cp[i]);
            if (!letters) first_upper = is_upper;
            letters++;
            upper += (size_t)is_upper;
        }
        digits += (size_t)snlp_in_ranges(snlp_is_digit, snlp_is_digit_count, cp[i]);
        punct += (size_t)!snlp_in_ranges(snlp_is_alnum, snlp_is_alnum_count, cp[i]);
    }
    if (!letters) word_case = 3;
    else if (upper == letters) word_case = letters > 1 ? 2 : 1;
    else word_case = first_upper ? 1 : 0;
    digit_class = !digits ? 0 : digits == n ? 2 : 1;
    punct_class = !punct ? 0 : punct == n ? 2 : 1;
    length_class = n <= 1 ? 0 : n <= 3 ? 1 : n <= 6 ? 2 : 3;
    return ((word_case * 3 + digit_class) * 3 + punct_class) * 4 + length_class;
}

/* Frame the piece's tokens and the two padding words into state->framed,
 * with their UTF-8 bytes, shapes and known-word flags. */
static int frame_words(const snlp_model *model, snlp_state *s, const char *const *tokens,
                       const size_t *sizes, size_t n) {
    static const uint32_t pads[2][3] = {{'^', 0x03, '$'}, {'^', 0x04, '$'}};
    uint32_t bits = 0, seed = 0;
    const uint8_t *bitmap = snlp_model_known_words(model, &bits, &seed);
    if (snlp_grow((void **)&s->word_start, &s->word_capacity, n + 3, sizeof *s->word_start) ||
        snlp_grow((void **)&s->shape, &s->shape_capacity, n + 2, sizeof *s->shape) ||
        snlp_grow((void **)&s->known, &s->known_capacity, n + 2, 1))
        return -1;
    s->framed.count = 0;
    for (size_t w = 0; w < n + 2; w++) {
        s->word_start[w] = s->framed.count;
        if (w < n) {
            if (snlp_decode_utf8((const uint8_t *)tokens[w], sizes[w], SIZE_MAX, &s->token))
                return -1;
            s->shape[w] = shape_id(s->token.data, s->token.count); /* as written */
            if (snlp_normalize_token(&s->token, &s->scratch) ||
                snlp_reserve(&s->framed, s->framed.count + s->token.count + 2))
                return -1;
            s->framed.data[s->framed.count++] = '^';
            if (s->token.count) /* an empty token may have no buffer yet */
                memcpy(s->framed.data + s->framed.count, s->token.data,
                       s->token.count * sizeof *s->token.data);
            s->framed.count += s->token.count;
            s->framed.data[s->framed.count++] = '$';
        } else {
            if (snlp_reserve(&s->framed, s->framed.count + 3)) return -1;
            memcpy(s->framed.data + s->framed.count, pads[w - n], sizeof pads[0]);
            s->framed.count += 3;
            s->shape[w] = shape_id(pads[w - n], 3);
        }
    }
    s->word_start[n + 2] = s->framed.count;
    if (snlp_encode_framed(s)) return -1;
    for (size_t w = 0; w < n + 2; w++) { /* the padding words count as seen */
        s->known[w] = !bitmap || w >= n ? 1 : 0;
        if (!s->known[w]) {
            uint32_t bit = snlp_span_hash(s, s->word_start[w], s->word_start[w + 1],
                                          SNLP_WORD_HASH_BYTES, seed) % bits;
            s->known[w] = (uint8_t)((bitmap[bit >> 3] >> (bit & 7)) & 1);
        }
    }
    return 0;
}

/* The features of static group `g` (of kind `kind`) for token t, whose
 * window gives word w; `known`: the known-word flags, or NULL. */
static void static_features(const snlp_state *s, const snlp_group *g, snlp_kind kind, size_t t,
                            size_t w, const uint8_t *known, uint32_t *ids, size_t *count) {
    size_t a = s->word_start[w], b = s->word_start[w + 1];
    *count = 0;
    if (kind == SNLP_WORD) {
        uint32_t h = snlp_span_hash(s, a, b, SNLP_WORD_HASH_BYTES, g->seed);
        ids[(*count)++] = known ? (known[w] ? h % (g->buckets - 1) : g->buckets - 1)
                                : h % g->buckets;
    } else if (kind == SNLP_PREFIX) {
        size_t end = b < a + g->order + 1 ? b : a + g->order + 1;
        ids[(*count)++] = snlp_span_hash(s, a, end, 4 * (g->order + 1), g->seed) % g->buckets;
    } else if (kind == SNLP_SUFFIX) {
        size_t start = b - a > g->order + 1 ? b - g->order - 1 : a;
        ids[(*count)++] = snlp_span_hash(s, start, b, 4 * (g->order + 1), g->seed) % g->buckets;
    } else if (kind == SNLP_SHAPE) {
        ids[(*count)++] = s->shape[w];
    } else { /* char_ngram: the focus token itself, pooled */
        *count = snlp_ngram_ids(s, s->word_start[t], s->word_start[t + 1], g, ids);
    }
}

/* argmax over labels of relu(pre) . W2 + b2 (the first maximum, as numpy). */
static uint32_t best_tag(const snlp_model *model, const double *pre, double *logits) {
    const snlp_matrix *w2 = snlp_model_dense(model, SNLP_OUTPUT_WEIGHTS),
                      *b2 = snlp_model_dense(model, SNLP_OUTPUT_BIAS);
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    uint32_t best = 0;
    for (size_t k = 0; k < labels; k++) logits[k] = snlp_read_f32(b2->data + 4 * k);
    for (size_t h = 0; h < hidden; h++) {
        const uint8_t *row = w2->data + 4 * h * labels;
        if (pre[h] <= 0.0) continue;
        for (size_t k = 0; k < labels; k++) logits[k] += pre[h] * snlp_read_f32(row + 4 * k);
    }
    for (size_t k = 1; k < labels; k++)
        if (logits[k] > logits[best]) best = (uint32_t)k;
    return best;
}

/* Add row `id` of tag table `table` to pre. */
static void add_row(double *pre, const double *table, uint32_t id, size_t hidden) {
    const double *row = table + (size_t)id * hidden;
    for (size_t h = 0; h < hidden; h++) pre[h] += row[h];
}

static snlp_status tag_piece(const snlp_model *model, snlp_state *s, const char *const *tokens,
                             const size_t *sizes, size_t n, uint32_t *tags) {
    size_t groups = snlp_model_group_count(model), hidden = snlp_model_hidden(model);
    size_t labels = snlp_model_label_count(model), static_width = 0, table_rows = 0;
    const snlp_matrix *w1 = snlp_model_dense(model, SNLP_HIDDEN_WEIGHTS),
                      *b1 = snlp_model_dense(model, SNLP_HIDDEN_BIAS);
    uint32_t bits = 0, seed = 0;
    const uint8_t *bitmap = snlp_model_known_words(model, &bits, &seed);
    size_t max_features = 0;
    double *x, *pre, *logits;
    float *acc;
    int two_pass = 0, stage[MAX_GROUPS];
    snlp_kind kind[MAX_GROUPS]; /* looked up once here, not per token */
    if (groups > MAX_GROUPS) return SNLP_ERR_UNSUPPORTED;
    if (frame_words(model, s, tokens, sizes, n)) return SNLP_ERR_MEMORY;
    for (size_t g = 0; g < groups; g++) {
        const snlp_group *group = snlp_model_group(model, g);
        kind[g] = snlp_model_group_kind(model, g);
        stage[g] = stage_of(kind[g]);
        if (stage[g] == STATIC) static_width += group->dims;
        else table_rows += group->buckets;
        two_pass |= stage[g] == NEXT_TAG;
    }
    for (size_t t = 0; t < n; t++) /* the most features one group gives a token */
        if (s->word_start[t + 1] - s->word_start[t] > max_features)
            max_features = s->word_start[t + 1] - s->word_start[t];
    max_features += 1;
    /* workspace: x (static width), pre (hidden), logits, ids; tables; hidden per token */
    if (snlp_grow((void **)&s->workspace, &s->workspace_size,
                  static_width + 2 * hidden + labels + groups + 1, sizeof(double)) ||
        snlp_grow((void **)&s->ids, &s->ids_capacity, max_features, sizeof *s->ids) ||
        snlp_grow((void **)&s->weights, &s->weights_capacity, max_features, sizeof *s->weights) ||
        snlp_grow((void **)&s->tables, &s->tables_capacity, table_rows * hidden + 1,
                  sizeof(double)) ||
        snlp_grow((void **)&s->hidden, &s->hidden_capacity, n * hidden + 1, sizeof(double)) ||
        snlp_grow((void **)&s->first, &s->first_capacity, n + 1, sizeof *s->first))
        return SNLP_ERR_MEMORY;
    x = s->workspace;
    pre = x + static_width;
    logits = pre + hidden;
    acc = (float *)(logits + labels); /* hidden floats fit in hidden doubles */
    if (s->tables_of != model) { /* each tag group's share of the hidden layer, by id */
        size_t column = 0, row = 0;
        double *table = s->tables;
        float values[256];
        for (size_t g = 0; g < groups; g++) {
            const snlp_group *group = snlp_model_group(model, g);
            if (stage[g] != STATIC) {
                if (group->dims > 256) return SNLP_ERR_UNSUPPORTED;
                for (uint32_t id = 0; id < group->buckets; id++, row++) {
                    double *out = table + row * hidden;
                    snlp_model_embedding_row(model, g, id, values);
                    for (size_t h = 0; h < hidden; h++) out[h] = 0.0;
                    for (size_t d = 0; d < group->dims; d++) {
                        const uint8_t *weights = w1->data + 4 * (column + d) * hidden;
                        for (size_t h = 0; h < hidden; h++)
                            out[h] += (double)values[d] * snlp_read_f32(weights + 4 * h);
                    }
                }
            }
            column += group->dims;
        }
        s->tables_of = model;
    }
    for (size_t t = 0; t < n; t++) { /* the static features' share, bias included */
        double *share = s->hidden + t * hidden;
        size_t column = 0;
        for (size_t g = 0; g < groups; g++) {
            const snlp_group *group = snlp_model_group(model, g);
            snlp_features features;
            size_t count, w;
            long p;
            snlp_status status;
            if (stage[g] != STATIC) continue;
            p = (long)t + group->offset;
            w = p < 0 ? n : (size_t)p >= n ? n + 1 : (size_t)p;
            static_features(s, group, kind[g], t, w, bitmap ? s->known : NULL, s->ids, &count);
            for (size_t f = 0; f < count; f++) s->weights[f] = 1.0f / (float)count;
            features = (snlp_features){s->ids, s->weights, count};
            status = snlp_pool_group(model, g, &features, x + column);
            if (status != SNLP_OK) return status;
            column += group->dims;
        }
        /* In float32, as numpy's product is, and so that it vectorises. */
        for (size_t h = 0; h < hidden; h++) acc[h] = 0.0f;
        for (size_t i = 0; i < static_width; i++) {
            const uint8_t *row = w1->data + 4 * i * hidden;
            float input = (float)x[i];
            if (input == 0.0f) continue;
            for (size_t h = 0; h < hidden; h++) acc[h] += input * snlp_read_f32(row + 4 * h);
        }
        for (size_t h = 0; h < hidden; h++)
            share[h] = (double)(acc[h] + snlp_read_f32(b1->data + 4 * h));
    }
    if (two_pass) { /* every tag feature "not known yet" (past the ends: 0) */
        for (size_t t = 0; t < n; t++) {
            size_t row = 0;
            memcpy(pre, s->hidden + t * hidden, hidden * sizeof *pre);
            for (size_t g = 0; g < groups; g++) {
                const snlp_group *group = snlp_model_group(model, g);
                long p = (long)t + group->offset;
                if (stage[g] == STATIC) continue;
                add_row(pre, s->tables + row * hidden,
                        p < 0 || (size_t)p >= n ? 0 : group->buckets - 1, hidden);
                row += group->buckets;
            }
            s->first[t] = best_tag(model, pre, logits);
        }
        for (size_t t = 0; t < n; t++) { /* the next tags, as the first pass gave them */
            size_t row = 0;
            for (size_t g = 0; g < groups; g++) {
                const snlp_group *group = snlp_model_group(model, g);
                long p = (long)t + group->offset;
                if (stage[g] == NEXT_TAG)
                    add_row(s->hidden + t * hidden, s->tables + row * hidden,
                            (size_t)p >= n ? 0 : s->first[p] + 1, hidden);
                if (stage[g] != STATIC) row += group->buckets;
            }
        }
    }
    for (size_t t = 0; t < n; t++) { /* greedy, left to right */
        size_t row = 0;
        memcpy(pre, s->hidden + t * hidden, hidden * sizeof *pre);
        for (size_t g = 0; g < groups; g++) {
            const snlp_group *group = snlp_model_group(model, g);
            long p = (long)t + group->offset;
            if (stage[g] == PREVIOUS_TAG)
                add_row(pre, s->tables + row * hidden, p < 0 ? 0 : tags[p] + 1, hidden);
            if (stage[g] != STATIC) row += group->buckets;
        }
        tags[t] = best_tag(model, pre, logits);
    }
    return SNLP_OK;
}

snlp_status snlp_pos_tag(const snlp_model *model, snlp_state *state, const char *const *tokens,
                         const size_t *sizes, size_t count, uint32_t *tags) {
    if (!model || !state || (count && (!tokens || !sizes || !tags))) return SNLP_ERR_ARGUMENT;
    if (strcmp(snlp_model_task(model), "pos")) return SNLP_ERR_ARGUMENT;
    for (size_t i = 0; i < count; i++)
        if (!tokens[i] && sizes[i]) return SNLP_ERR_ARGUMENT;
    for (size_t start = 0; start < count; start += MAX_SENTENCE_TOKENS) {
        size_t n = count - start < MAX_SENTENCE_TOKENS ? count - start : MAX_SENTENCE_TOKENS;
        snlp_status status = tag_piece(model, state, tokens + start, sizes + start, n,
                                       tags + start);
        if (status != SNLP_OK) return status;
    }
    return SNLP_OK;
}
