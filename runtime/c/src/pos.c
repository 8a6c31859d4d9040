/* Tagging in C (docs/FORMAT.md, "From tokens to ids: tagging"): token
 * features in a window, the known-word bitmap, and two-pass decoding, as
 * pos.TagDecoder does it for one tagger (of one member, or several averaged). */
#include <string.h>

#include "internal.h"
#include "unicode_tables.h"

#define MAX_SENTENCE_TOKENS 1000 /* longer sentences are tagged in pieces (pos.py) */
#define MAX_GROUPS 64


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

/* The slot of UTF-8 `bytes` in the word lexicon, 0 when it is not there
 * (docs/FORMAT.md, "cluster and case_ratio"). */
static uint32_t lexicon_slot(const snlp_lexicon *x, const uint8_t *bytes, size_t size) {
    uint32_t h = snlp_murmur3(bytes, size, x->seed), fingerprint = h >> 16 ? h >> 16 : 1;
    for (uint32_t p = 0; p < x->probes; p++) {
        uint32_t v = snlp_read_u32(x->slots + 4 * (size_t)(((uint64_t)(h % x->count) + p) %
                                                           x->count));
        if (!v) return 0;
        if ((v & 0xFFFF) == fingerprint) return v;
    }
    return 0;
}

/* `points` as UTF-8 in s->utf8 from byte `at` (which has room for them);
 * the byte after the last. */
static size_t encode_at(snlp_state *s, const snlp_codepoints *points, size_t at) {
    for (size_t i = 0; i < points->count; i++)
        at += snlp_utf8_encode(points->data[i], s->utf8 + at);
    return at;
}

/* The cluster and case_ratio ids of a token, given as `size` bytes and
 * decoded (as written) in s->token; s->scratch and s->utf8 serve as scratch. */
static int lexical_ids(const snlp_lexicon *x, snlp_state *s, const char *token, size_t size,
                       uint32_t *ids) {
    uint32_t exact = lexicon_slot(x, (const uint8_t *)token, size);
    ids[0] = (exact >> 16) & 0x3FF;
    if (!ids[0]) { /* its lowercase form's cluster */
        if (snlp_lowercase(&s->token, &s->scratch) ||
            snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * s->scratch.count + 1, 1))
            return -1;
        ids[0] = (lexicon_slot(x, s->utf8, encode_at(s, &s->scratch, 0)) >> 16) & 0x3FF;
    }
    ids[1] = s->token.count &&
                     snlp_in_ranges(snlp_is_upper, snlp_is_upper_count, s->token.data[0])
                 ? 1 + ((exact >> 26) & 0xF)
                 : 0;
    return 0;
}

/* The key, in a cased tag dictionary, of the token decoded (as written) in
 * s->token: its form without lowercasing, framed and hashed as a word group
 * hashes (tag_dictionary.word_keys); s->text, s->scratch and s->utf8 serve as
 * scratch. */
static int cased_key(snlp_state *s, uint32_t seed, int jamo, uint32_t *key) {
    size_t bytes;
    s->text.count = 0;
    if (snlp_reserve(&s->text, s->token.count + 1)) return -1;
    if (s->token.count)
        memcpy(s->text.data, s->token.data, s->token.count * sizeof *s->token.data);
    s->text.count = s->token.count;
    if (snlp_token_form(&s->text, &s->scratch, 0, jamo) ||
        snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * s->text.count + 2, 1))
        return -1;
    s->utf8[0] = '^';
    bytes = encode_at(s, &s->text, 1);
    s->utf8[bytes++] = '$';
    *key = snlp_murmur3(s->utf8, bytes < SNLP_WORD_HASH_BYTES ? bytes : SNLP_WORD_HASH_BYTES,
                        seed);
    return 0;
}

uint32_t snlp_allowed_tags(const snlp_tag_dictionary *d, uint32_t key) {
    uint32_t low = 0, high = d->count; /* the first word whose key is >= key */
    while (low < high) {
        uint32_t middle = low + (high - low) / 2;
        if (snlp_read_u32(d->words + 4 * (size_t)middle) < key) low = middle + 1;
        else high = middle;
    }
    return low < d->count && snlp_read_u32(d->words + 4 * (size_t)low) == key
               ? snlp_read_u32(d->tags + 4 * (size_t)low)
               : UINT32_MAX;
}

/* Frame the piece's tokens and the two padding words into state->framed,
 * with their UTF-8 bytes, shapes, known-word flags, lexicon ids, tag
 * dictionary masks and the tags decoding may give them. */
static int frame_words(const snlp_model *model, snlp_state *s, const char *const *tokens,
                       const size_t *sizes, size_t n) {
    static const uint32_t pads[2][3] = {{'^', 0x03, '$'}, {'^', 0x04, '$'}};
    uint32_t bits = 0, seed = 0;
    const uint8_t *bitmap = snlp_model_known_words(model, &bits, &seed);
    const snlp_lexicon *lexicon = snlp_model_lexicon(model);
    const snlp_tag_dictionary *dictionary = snlp_model_tag_dictionary(model);
    int jamo = snlp_model_hangul_jamo(model);
    if (snlp_grow((void **)&s->word_start, &s->word_capacity, n + 3, sizeof *s->word_start) ||
        snlp_grow((void **)&s->allowed, &s->allowed_capacity, n + 1, sizeof *s->allowed) ||
        snlp_grow((void **)&s->masks, &s->masks_capacity, n + 2, sizeof *s->masks) ||
        snlp_grow((void **)&s->shape, &s->shape_capacity, n + 2, sizeof *s->shape) ||
        snlp_grow((void **)&s->known, &s->known_capacity, n + 2, 1) ||
        snlp_grow((void **)&s->lexical, &s->lexical_capacity, 2 * (n + 2), sizeof *s->lexical))
        return -1;
    s->framed.count = 0;
    for (size_t w = 0; w < n + 2; w++) {
        s->word_start[w] = s->framed.count;
        if (w < n) {
            if (snlp_decode_utf8((const uint8_t *)tokens[w], sizes[w], SIZE_MAX, &s->token))
                return -1;
            s->shape[w] = shape_id(s->token.data, s->token.count); /* as written */
            s->lexical[2 * w] = s->lexical[2 * w + 1] = 0;
            if (lexicon && lexical_ids(lexicon, s, tokens[w], sizes[w], s->lexical + 2 * w))
                return -1;
            if (dictionary && dictionary->cased) {
                uint32_t key;
                if (cased_key(s, dictionary->seed, jamo, &key)) return -1;
                s->masks[w] = snlp_allowed_tags(dictionary, key);
            }
            if (snlp_token_form(&s->token, &s->scratch, 1, jamo) ||
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
            s->lexical[2 * w] = s->lexical[2 * w + 1] = 0;
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
        if (w >= n || !dictionary)
            s->masks[w] = w >= n ? 0 : UINT32_MAX;
        else if (!dictionary->cased) /* the word groups' key */
            s->masks[w] = snlp_allowed_tags(
                dictionary, snlp_span_hash(s, s->word_start[w], s->word_start[w + 1],
                                           SNLP_WORD_HASH_BYTES, dictionary->seed));
        if (w < n) s->allowed[w] = dictionary && dictionary->decoding ? s->masks[w] : UINT32_MAX;
    }
    return 0;
}

/* The logits relu(pre) . W2 + b2 of member `member`; `active`: hidden
 * doubles of room. */
static void member_logits(const snlp_model *model, size_t member, const double *pre,
                          double *active, double *logits) {
    const snlp_matrix *w2 = snlp_model_dense(model, member, SNLP_OUTPUT_WEIGHTS),
                      *b2 = snlp_model_dense(model, member, SNLP_OUTPUT_BIAS);
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    for (size_t h = 0; h < hidden; h++) active[h] = pre[h] > 0.0 ? pre[h] : 0.0;
    for (size_t k = 0; k < labels; k++) logits[k] = snlp_read_f32(b2->data + 4 * k);
    snlp_add_product(active, hidden, w2->data, labels, logits);
}

/* Whether mask `allowed` allows tag k (a tag dictionary has at most 32 tags;
 * without one every mask is all ones, and tags past 32 are allowed too). */
static int allows(uint32_t allowed, size_t k) { return k >= 32 || (allowed >> k & 1); }

/* The best tag among those `allowed` (a mask; the first maximum, as numpy's
 * argmax) given each member's pre-activations (`pre`: member after member,
 * hidden apart): by the logits of one member, else by the members'
 * probabilities summed, as pos.TagDecoder._best. `active`, `logits`, `sum`:
 * hidden, labels and labels doubles of room. */
static uint32_t best_tag(const snlp_model *model, size_t members, const double *pre,
                         uint32_t allowed, double *active, double *logits, double *sum) {
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    const double *score = logits;
    uint32_t best = 0;
    if (members > 1) {
        for (size_t k = 0; k < labels; k++) sum[k] = 0.0;
        for (size_t member = 0; member < members; member++) {
            double top, total = 0.0;
            member_logits(model, member, pre + member * hidden, active, logits);
            top = logits[0];
            for (size_t k = 1; k < labels; k++) top = logits[k] > top ? logits[k] : top;
            for (size_t k = 0; k < labels; k++) logits[k] -= top;
            snlp_exp_nonpositive(logits, labels); /* as language ID's softmax */
            for (size_t k = 0; k < labels; k++) total += logits[k];
            for (size_t k = 0; k < labels; k++) sum[k] += logits[k] / total;
        }
        score = sum;
    } else {
        member_logits(model, 0, pre, active, logits);
    }
    while (best + 1 < labels && !allows(allowed, best)) best++; /* the loader saw one */
    for (size_t k = best + 1; k < labels; k++)
        if (allows(allowed, k) && score[k] > score[best]) best = (uint32_t)k;
    return best;
}

/* Add row `id` of tag table `table` to pre. */
static void add_row(double *pre, const float *table, uint32_t id, size_t hidden) {
    const float *row = table + (size_t)id * hidden;
    for (size_t h = 0; h < hidden; h++) pre[h] += row[h];
}

/* Each tag group's share of a member's hidden layer, by id (rows of
 * `tables`, in group order), in float32 as numpy's tables; `inputs` and
 * `acc`: room for SNLP_INPUTS_AT_ONCE rows of 256 and of hidden floats. -1
 * for embeddings wider than 256. */
static int tag_tables(const snlp_model *model, size_t member, float *tables, const int *stage,
                      float *inputs, float *acc) {
    const snlp_matrix *w1 = snlp_model_dense(model, member, SNLP_HIDDEN_WEIGHTS);
    size_t groups = snlp_model_group_count(model), hidden = snlp_model_hidden(model);
    size_t column = 0, row = 0;
    for (size_t g = 0; g < groups; g++) {
        const snlp_group *group = snlp_model_group(model, g);
        if (stage[g] != SNLP_STAGE_STATIC) {
            if (group->dims > 256) return -1;
            for (uint32_t first = 0; first < group->buckets; first += SNLP_INPUTS_AT_ONCE) {
                for (uint32_t k = 0; k < SNLP_INPUTS_AT_ONCE; k++) {
                    float *values = inputs + k * group->dims;
                    if (first + k < group->buckets)
                        snlp_model_member_row(model, member, g, first + k, values);
                    else
                        memset(values, 0, group->dims * sizeof *values);
                }
                snlp_product_f32(inputs, group->dims, w1->data + 4 * column * hidden, hidden,
                                 acc);
                for (uint32_t k = 0; k < SNLP_INPUTS_AT_ONCE && first + k < group->buckets; k++)
                    memcpy(tables + (row + first + k) * hidden, acc + k * hidden,
                           hidden * sizeof *acc);
            }
            row += group->buckets;
        }
        column += group->dims;
    }
    return 0;
}

/* The static features' share of a member's hidden layer, bias included, of
 * every token (rows of `shares`), SNLP_INPUTS_AT_ONCE tokens at a time;
 * inputs and acc: room for their pooled inputs and for the product. */
static snlp_status static_shares(const snlp_model *model, size_t member, snlp_state *s,
                                 size_t n, const snlp_kind *kind, const int *stage,
                                 size_t static_width, float *inputs, float *acc,
                                 double *shares) {
    const snlp_matrix *w1 = snlp_model_dense(model, member, SNLP_HIDDEN_WEIGHTS),
                      *b1 = snlp_model_dense(model, member, SNLP_HIDDEN_BIAS);
    size_t groups = snlp_model_group_count(model), hidden = snlp_model_hidden(model);
    uint32_t bits = 0, seed = 0;
    const uint8_t *bitmap = snlp_model_known_words(model, &bits, &seed);
    for (size_t first = 0; first < n; first += SNLP_INPUTS_AT_ONCE) {
        for (size_t k = 0; k < SNLP_INPUTS_AT_ONCE; k++) {
            size_t t = first + k, column = 0;
            for (size_t g = 0; g < groups && t < n; g++) {
                const snlp_group *group = snlp_model_group(model, g);
                snlp_features features;
                size_t count, w;
                long p;
                snlp_status status;
                if (stage[g] != SNLP_STAGE_STATIC) continue;
                p = (long)t + group->offset;
                w = p < 0 ? n : (size_t)p >= n ? n + 1 : (size_t)p;
                count = snlp_kinds[kind[g]].token_ids(s, group,
                                                      snlp_model_group_reciprocal(model, g), t,
                                                      w, bitmap ? s->known : NULL, s->ids);
                for (size_t f = 0; f < count; f++) s->weights[f] = 1.0f / (float)count;
                features = (snlp_features){s->ids, s->weights, count};
                status = snlp_pool_group(model, member, g, &features,
                                         inputs + k * static_width + column);
                if (status != SNLP_OK) return status;
                column += group->dims;
            }
            if (t >= n) /* zeros past the last token */
                memset(inputs + k * static_width, 0, static_width * sizeof *inputs);
        }
        /* In float32, as numpy's product is. */
        snlp_product_f32(inputs, static_width, w1->data, hidden, acc);
        for (size_t k = 0; k < SNLP_INPUTS_AT_ONCE && first + k < n; k++)
            for (size_t h = 0; h < hidden; h++)
                shares[(first + k) * hidden + h] =
                    (double)(acc[k * hidden + h] + snlp_read_f32(b1->data + 4 * h));
    }
    return SNLP_OK;
}

/* Each member's hidden pre-activations of token t (`pre`: member after
 * member, hidden apart): its share of the static features (and of the next
 * tags), plus, in the first pass (`tags` NULL), every tag group's "not known
 * yet" row (past the ends: 0), else the previous-tag groups' rows of the tags
 * given so far. */
static void token_pre(const snlp_model *model, const snlp_state *s, const int *stage,
                      size_t table_rows, size_t n, size_t t, const uint32_t *tags,
                      double *pre) {
    size_t groups = snlp_model_group_count(model), hidden = snlp_model_hidden(model);
    for (size_t member = 0; member < snlp_model_member_count(model); member++) {
        const float *tables = s->tables + member * table_rows * hidden;
        double *member_pre = pre + member * hidden;
        size_t row = 0;
        memcpy(member_pre, s->hidden + (member * n + t) * hidden, hidden * sizeof *member_pre);
        for (size_t g = 0; g < groups; g++) {
            const snlp_group *group = snlp_model_group(model, g);
            long p = (long)t + group->offset;
            if (stage[g] == SNLP_STAGE_STATIC) continue;
            if (!tags)
                add_row(member_pre, tables + row * hidden,
                        p < 0 || (size_t)p >= n ? 0 : group->buckets - 1, hidden);
            else if (stage[g] == SNLP_STAGE_PREVIOUS_TAG)
                add_row(member_pre, tables + row * hidden, p < 0 ? 0 : tags[p] + 1, hidden);
            row += group->buckets;
        }
    }
}

static snlp_status tag_piece(const snlp_model *model, snlp_state *s, const char *const *tokens,
                             const size_t *sizes, size_t n, uint32_t *tags) {
    size_t groups = snlp_model_group_count(model), hidden = snlp_model_hidden(model);
    size_t labels = snlp_model_label_count(model), members = snlp_model_member_count(model);
    size_t static_width = 0, table_rows = 0, max_features = 0;
    double *pre, *logits, *active, *sum;
    float *acc, *inputs;
    int two_pass = 0, stage[MAX_GROUPS];
    snlp_kind kind[MAX_GROUPS]; /* looked up once here, not per token */
    if (groups > MAX_GROUPS) return SNLP_ERR_UNSUPPORTED;
    if (frame_words(model, s, tokens, sizes, n)) return SNLP_ERR_MEMORY;
    for (size_t g = 0; g < groups; g++) {
        const snlp_group *group = snlp_model_group(model, g);
        kind[g] = snlp_model_group_kind(model, g);
        stage[g] = snlp_kinds[kind[g]].stage;
        if (stage[g] == SNLP_STAGE_STATIC) static_width += group->dims;
        else table_rows += group->buckets;
        two_pass |= stage[g] == SNLP_STAGE_NEXT_TAG;
    }
    for (size_t t = 0; t < n; t++) /* the most features one group gives a token */
        if (s->word_start[t + 1] - s->word_start[t] > max_features)
            max_features = s->word_start[t + 1] - s->word_start[t];
    max_features += 1;
    /* workspace: pre (hidden per member), active, logits and sum in doubles;
     * then inputs and acc in floats, SNLP_INPUTS_AT_ONCE times static width
     * (or a tag group's 256 dims at most) and hidden. s->tables and s->hidden
     * hold each member's tables and static shares, member after member. */
    if (snlp_grow((void **)&s->workspace, &s->workspace_size,
                  (members + 1) * hidden + 2 * labels +
                      (SNLP_INPUTS_AT_ONCE * (static_width + 256 + hidden) + 1) / 2 + 1,
                  sizeof(double)) ||
        snlp_grow((void **)&s->ids, &s->ids_capacity, max_features, sizeof *s->ids) ||
        snlp_grow((void **)&s->weights, &s->weights_capacity, max_features, sizeof *s->weights) ||
        snlp_grow((void **)&s->tables, &s->tables_capacity, members * table_rows * hidden + 1,
                  sizeof *s->tables) ||
        snlp_grow((void **)&s->hidden, &s->hidden_capacity, members * n * hidden + 1,
                  sizeof(double)) ||
        snlp_grow((void **)&s->first, &s->first_capacity, n + 1, sizeof *s->first))
        return SNLP_ERR_MEMORY;
    pre = s->workspace;
    active = pre + members * hidden;
    logits = active + hidden;
    sum = logits + labels;
    inputs = (float *)(sum + labels);
    acc = inputs + SNLP_INPUTS_AT_ONCE * (static_width + 256);
    if (!s->tables_ready) {
        for (size_t member = 0; member < members; member++)
            if (tag_tables(model, member, s->tables + member * table_rows * hidden, stage,
                           inputs, acc))
                return SNLP_ERR_UNSUPPORTED;
        s->tables_ready = 1;
    }
    for (size_t member = 0; member < members; member++) {
        snlp_status status = static_shares(model, member, s, n, kind, stage, static_width,
                                           inputs, acc, s->hidden + member * n * hidden);
        if (status != SNLP_OK) return status;
    }
    if (two_pass) {
        for (size_t t = 0; t < n; t++) {
            token_pre(model, s, stage, table_rows, n, t, NULL, pre);
            s->first[t] = best_tag(model, members, pre, s->allowed[t], active, logits, sum);
        }
        for (size_t member = 0; member < members; member++) {
            const float *tables = s->tables + member * table_rows * hidden;
            for (size_t t = 0; t < n; t++) { /* the next tags, as the first pass gave them */
                size_t row = 0;
                for (size_t g = 0; g < groups; g++) {
                    const snlp_group *group = snlp_model_group(model, g);
                    long p = (long)t + group->offset;
                    if (stage[g] == SNLP_STAGE_NEXT_TAG)
                        add_row(s->hidden + (member * n + t) * hidden, tables + row * hidden,
                                (size_t)p >= n ? 0 : s->first[p] + 1, hidden);
                    if (stage[g] != SNLP_STAGE_STATIC) row += group->buckets;
                }
            }
        }
    }
    for (size_t t = 0; t < n; t++) { /* greedy, left to right */
        token_pre(model, s, stage, table_rows, n, t, tags, pre);
        tags[t] = best_tag(model, members, pre, s->allowed[t], active, logits, sum);
    }
    return SNLP_OK;
}

snlp_status snlp_pos_tag(const snlp_model *model, snlp_state *state, const char *const *tokens,
                         const size_t *sizes, size_t count, uint32_t *tags) {
    if (!model || !state || (count && (!tokens || !sizes || !tags))) return SNLP_ERR_ARGUMENT;
    if (strcmp(snlp_model_task(model), "pos")) return SNLP_ERR_ARGUMENT;
    if (!snlp_state_is_for(state, model)) return SNLP_ERR_STATE;
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
