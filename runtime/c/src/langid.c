/* Language ID in C: text -> feature ids (docs/FORMAT.md, "From text to ids:
 * language ID", steps 2-5) -> logits -> probabilities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unicode_tables.h"

snlp_state *snlp_state_new(const snlp_model *model) {
    snlp_state *state = model ? calloc(1, sizeof(snlp_state)) : NULL;
    if (state) {
        state->model = model;
        state->serial = snlp_model_serial(model);
    }
    return state;
}

int snlp_state_is_for(const snlp_state *state, const snlp_model *model) {
    return state->model == model && state->serial == snlp_model_serial(model);
}

/* Every buffer of a state, as X(its pointer, its capacity in units of *pointer). */
#define STATE_BUFFERS(X, s)                                                                \
    X((s)->text.data, (s)->text.capacity) X((s)->scratch.data, (s)->scratch.capacity)     \
    X((s)->framed.data, (s)->framed.capacity) X((s)->token.data, (s)->token.capacity)     \
    X((s)->utf8, (s)->utf8_capacity) X((s)->utf8_offsets, (s)->offsets_capacity)          \
    X((s)->ids, (s)->ids_capacity) X((s)->weights, (s)->weights_capacity)                 \
    X((s)->workspace, (s)->workspace_size) X((s)->word_start, (s)->word_capacity)         \
    X((s)->shape, (s)->shape_capacity) X((s)->known, (s)->known_capacity)                 \
    X((s)->lexical, (s)->lexical_capacity) X((s)->allowed, (s)->allowed_capacity)         \
    X((s)->masks, (s)->masks_capacity)                                                    \
    X((s)->hidden, (s)->hidden_capacity) X((s)->tables, (s)->tables_capacity)             \
    X((s)->first, (s)->first_capacity) X((s)->span_words, (s)->span_words_capacity)       \
    X((s)->span_leaders, (s)->span_leaders_capacity)                                      \
    X((s)->span_switched, (s)->span_switched_capacity)                                    \
    X((s)->span_scores, (s)->span_scores_capacity)                                        \
    X((s)->span_work, (s)->span_work_capacity) X((s)->span_rows, (s)->span_rows_capacity) \
    X((s)->span_slots, (s)->span_slots_capacity) X((s)->span_ids, (s)->span_ids_capacity) \
    X((s)->span_id_starts, (s)->span_id_starts_capacity)                                  \
    X((s)->span_word_rows, (s)->span_word_rows_capacity)                                  \
    X((s)->span_weights, (s)->span_weights_capacity)                                      \
    X((s)->batch_logits, (s)->batch_logits_capacity)

#define BUFFER_FREE(pointer, capacity) free(pointer);
#define BUFFER_BYTES(pointer, capacity) +(capacity) * sizeof *(pointer)
#define BUFFER_REF(pointer, capacity) {(void **)&(pointer), &(capacity), sizeof *(pointer)},

void snlp_state_free(snlp_state *state) {
    if (!state) return;
    STATE_BUFFERS(BUFFER_FREE, state)
    free(state);
}

size_t snlp_state_heap_bytes(const snlp_state *s) {
    return s ? sizeof *s STATE_BUFFERS(BUFFER_BYTES, s) : 0;
}

size_t snlp_state_trim(snlp_state *s, size_t max_bytes) {
    if (!s) return 0;
    struct {
        void **data;
        size_t *capacity;
        size_t unit;
    } buffers[] = {STATE_BUFFERS(BUFFER_REF, s)};
    size_t bytes = snlp_state_heap_bytes(s);
    while (bytes > max_bytes) {
        size_t largest = 0, largest_bytes = 0;
        for (size_t b = 0; b < sizeof buffers / sizeof *buffers; b++) {
            size_t held = *buffers[b].capacity * buffers[b].unit;
            if (held > largest_bytes) largest = b, largest_bytes = held;
        }
        if (!largest_bytes) break; /* only the state itself left */
        free(*buffers[largest].data);
        *buffers[largest].data = NULL;
        *buffers[largest].capacity = 0;
        bytes -= largest_bytes;
    }
    if (!s->tables) s->tables_ready = 0;
    s->text.count = s->scratch.count = s->framed.count = s->token.count = 0;
    return bytes;
}

size_t snlp_script_range(uint32_t cp) {
    size_t low = 0, high = snlp_script_range_count;
    while (high - low > 1) { /* the last range starting at or before cp */
        size_t middle = (low + high) / 2;
        if (snlp_script_starts[middle] <= cp) low = middle;
        else high = middle;
    }
    return low;
}

uint32_t snlp_script(uint32_t cp) { return snlp_script_ids[snlp_script_range(cp)]; }

/* The features of every group, group after group (group g's from starts[g]),
 * for the normalised words in state->text; each weighs 1 / its group's count. */
int snlp_langid_featurize(const snlp_model *model, snlp_state *s, size_t *starts) {
    size_t groups = snlp_model_group_count(model), n = s->text.count, words = 0, count = 0;
    /* Frame the words once, ^w1$^w2$..., for every group to read, as code
     * points and as UTF-8 with each code point's offset, in one pass. */
    if (snlp_reserve(&s->framed, 2 * n + 2) ||
        snlp_grow((void **)&s->word_start, &s->word_capacity, n / 2 + 2, sizeof *s->word_start) ||
        snlp_reserve_utf8(s, 2 * n + 2))
        return -1;
    { /* in locals: written through s, the count was stored at every code point */
        const uint32_t *text = s->text.data;
        uint32_t *framed = s->framed.data;
        uint8_t *utf8 = s->utf8;
        size_t *word_start = s->word_start, *offsets = s->utf8_offsets, at = 0, bytes = 0;
        offsets[0] = 0;
        for (size_t i = 0; i < n;) {
            if (text[i] == 0x20) {
                i++;
                continue;
            }
            word_start[words++] = at;
            framed[at] = SNLP_WORD_START;
            offsets[++at] = bytes = snlp_put_utf8(utf8, bytes, SNLP_WORD_START);
            for (; i < n && text[i] != 0x20; i++) {
                framed[at] = text[i];
                offsets[++at] = bytes = snlp_put_utf8(utf8, bytes, text[i]);
            }
            framed[at] = SNLP_WORD_END;
            offsets[++at] = bytes = snlp_put_utf8(utf8, bytes, SNLP_WORD_END);
        }
        word_start[words] = s->framed.count = at;
    }
    s->words = words;
    snlp_finish_utf8(s, s->framed.count);
    /* No group has more features than the framed words have code points
     * (and n-grams may be written up to SNLP_TEXT_IDS_SLACK past them). */
    if (snlp_grow((void **)&s->ids, &s->ids_capacity,
                  groups * s->framed.count + SNLP_TEXT_IDS_SLACK, sizeof *s->ids) ||
        snlp_grow((void **)&s->weights, &s->weights_capacity, groups * s->framed.count + 1,
                  sizeof *s->weights))
        return -1;
    for (size_t g = 0; g < groups; g++) { /* the loader let only language-ID kinds in */
        const snlp_group *group = snlp_model_group(model, g);
        const snlp_kind_rule *kind = &snlp_kinds[snlp_model_group_kind(model, g)];
        uint64_t reciprocal = snlp_model_group_reciprocal(model, g);
        size_t written = kind->text_ids(s, group, reciprocal, s->ids + count);
        if (written == SIZE_MAX) return -1;
        starts[g] = count;
        count += written;
    }
    starts[groups] = count;
    for (size_t g = 0; g < groups; g++) {
        size_t group_count = starts[g + 1] - starts[g];
        for (size_t f = starts[g]; f < starts[g + 1]; f++)
            s->weights[f] = 1.0f / (float)group_count;
    }
    return 0;
}

snlp_status snlp_langid_text_features(const snlp_model *model, snlp_state *state,
                                      const char *text, size_t size, size_t *starts) {
    if (snlp_normalize_utf8((const uint8_t *)text, size, snlp_model_max_chars(model),
                            &state->text, &state->scratch) ||
        snlp_langid_featurize(model, state, starts))
        return SNLP_ERR_MEMORY;
    return SNLP_OK;
}

/* Every group's features in state->ids and ->weights, group g's from starts[g]. */
static void features_in_state(const snlp_model *model, const snlp_state *state,
                              const size_t *starts, snlp_features *features) {
    for (size_t g = 0; g < snlp_model_group_count(model); g++) {
        size_t count = starts[g + 1] - starts[g]; /* none yet: no buffers, no offsets */
        features[g] = (snlp_features){count ? state->ids + starts[g] : NULL,
                                      count ? state->weights + starts[g] : NULL, count};
    }
}

snlp_status snlp_langid_features_logits(const snlp_model *model, snlp_state *state,
                                        const size_t *starts, double *logits) {
    size_t needed = snlp_workspace_doubles(model);
    snlp_features features[SNLP_MAX_GROUPS];
    features_in_state(model, state, starts, features);
    if (snlp_grow((void **)&state->workspace, &state->workspace_size, needed, sizeof(double)))
        return SNLP_ERR_MEMORY;
    return snlp_model_logits(model, features, state->workspace, logits);
}

/* The checks every language-ID call makes of its model and state. */
static snlp_status check_langid(const snlp_model *model, const snlp_state *state) {
    if (strcmp(snlp_model_task(model), "langid")) return SNLP_ERR_ARGUMENT;
    if (!snlp_state_is_for(state, model)) return SNLP_ERR_STATE;
    if (snlp_model_group_count(model) > SNLP_MAX_GROUPS) return SNLP_ERR_UNSUPPORTED;
    return SNLP_OK;
}

/* A checked text's features (snlp_langid_text_features, of any encoding). */
static snlp_status features_of(const snlp_model *model, snlp_state *state, const snlp_text *text,
                               size_t *starts) {
    if (text->encoding == SNLP_UTF8)
        return snlp_langid_text_features(model, state, text->data, text->count, starts);
    if (snlp_normalize_code_points(text, snlp_model_max_chars(model), &state->text,
                                   &state->scratch) ||
        snlp_langid_featurize(model, state, starts))
        return SNLP_ERR_MEMORY;
    return SNLP_OK;
}

/* snlp_langid_logits of any encoding. */
static snlp_status logits_of(const snlp_model *model, snlp_state *state, const snlp_text *text,
                             double *logits, int *has_letters) {
    size_t starts[SNLP_MAX_GROUPS + 1];
    snlp_status status;
    if (!model || !state || !text || !snlp_text_valid(text) || !logits || !has_letters)
        return SNLP_ERR_ARGUMENT;
    if ((status = check_langid(model, state)) != SNLP_OK ||
        (status = features_of(model, state, text, starts)) != SNLP_OK)
        return status;
    *has_letters = starts[snlp_model_group_count(model)] > 0;
    return snlp_langid_features_logits(model, state, starts, logits);
}

snlp_status snlp_langid_logits(const snlp_model *model, snlp_state *state, const char *text,
                               size_t size, double *logits, int *has_letters) {
    snlp_text utf8 = {text, size, SNLP_UTF8};
    return logits_of(model, state, &utf8, logits, has_letters);
}

/* The softmax's steps before its division: the logits divided by the
 * temperature, the best allowed label (*best; label_count for no letters,
 * every probability then 0), and in place of each logit its exp less the
 * best's (0 for labels not allowed); *total, the sum of those. */
static snlp_status exp_from_best(const snlp_model *model, const uint8_t *allowed, int has_letters,
                                 double *probabilities, size_t *best, double *total) {
    size_t labels = snlp_model_label_count(model), found = labels;
    double temperature = snlp_model_temperature(model), top, sum = 0.0;
    for (size_t k = 0; k < labels; k++) probabilities[k] /= temperature;
    for (size_t k = 0; k < labels; k++) /* the first of the largest allowed */
        if ((!allowed || allowed[k]) &&
            (found == labels || probabilities[k] > probabilities[found]))
            found = k;
    if (found == labels) return SNLP_ERR_ARGUMENT; /* no label allowed */
    *best = has_letters ? found : labels;
    *total = 0.0;
    if (!has_letters) { /* every probability 0, no exp to take */
        for (size_t k = 0; k < labels; k++) probabilities[k] = 0.0;
        return SNLP_OK;
    }
    top = probabilities[found];
    for (size_t k = 0; k < labels; k++) /* 0 after exp for labels not allowed */
        probabilities[k] = allowed && !allowed[k] ? -INFINITY : probabilities[k] - top;
    snlp_exp_nonpositive(probabilities, labels);
    for (size_t k = 0; k < labels; k++) sum += probabilities[k];
    *total = sum;
    return SNLP_OK;
}

snlp_status snlp_langid_answer(const snlp_model *model, const uint8_t *allowed, int has_letters,
                               int every_label, double *probabilities, size_t *best) {
    size_t labels = snlp_model_label_count(model);
    double total;
    snlp_status status = exp_from_best(model, allowed, has_letters, probabilities, best, &total);
    if (status != SNLP_OK || *best == labels) return status;
    if (!every_label) probabilities[*best] /= total; /* the best's alone */
    for (size_t k = 0; every_label && k < labels; k++) probabilities[k] /= total;
    return SNLP_OK;
}

snlp_status snlp_langid_predict_text(const snlp_model *model, snlp_state *state,
                                     const snlp_text *text, const uint8_t *allowed,
                                     double *probabilities, size_t *best) {
    int has_letters = 0;
    snlp_status status;
    if (!best) return SNLP_ERR_ARGUMENT;
    status = logits_of(model, state, text, probabilities, &has_letters);
    if (status != SNLP_OK) return status;
    return snlp_langid_answer(model, allowed, has_letters, 1, probabilities, best);
}

snlp_status snlp_langid_predict_among(const snlp_model *model, snlp_state *state,
                                      const char *text, size_t size, const uint8_t *allowed,
                                      double *probabilities, size_t *best) {
    snlp_text utf8 = {text, size, SNLP_UTF8};
    return snlp_langid_predict_text(model, state, &utf8, allowed, probabilities, best);
}

snlp_status snlp_langid_best_answer(const snlp_model *model, const uint8_t *allowed,
                                    int has_letters, double *logits, size_t *best,
                                    float *probability) {
    double total;
    snlp_status status = exp_from_best(model, allowed, has_letters, logits, best, &total);
    if (status != SNLP_OK) return status;
    if (*best == snlp_model_label_count(model)) {
        *probability = 0.0f;
        return SNLP_OK;
    }
    *probability = (float)(logits[*best] / total);
    /* An earlier label whose probability rounds to the same float ranks
     * first; only one whose exp is near the best's 1 can. */
    for (size_t k = 0; k < *best; k++)
        if (logits[k] > 0.5 && (float)(logits[k] / total) == *probability) {
            *best = k;
            break;
        }
    return SNLP_OK;
}

snlp_status snlp_langid_best_text(const snlp_model *model, snlp_state *state,
                                  const snlp_text *text, const uint8_t *allowed, double *work,
                                  size_t *best, float *probability) {
    int has_letters = 0;
    snlp_status status;
    if (!best || !probability) return SNLP_ERR_ARGUMENT;
    status = logits_of(model, state, text, work, &has_letters);
    if (status != SNLP_OK) return status;
    return snlp_langid_best_answer(model, allowed, has_letters, work, best, probability);
}

snlp_status snlp_langid_best_among(const snlp_model *model, snlp_state *state,
                                   const char *text, size_t size, const uint8_t *allowed,
                                   double *work, size_t *best, float *probability) {
    snlp_text utf8 = {text, size, SNLP_UTF8};
    return snlp_langid_best_text(model, state, &utf8, allowed, work, best, probability);
}

/* Up to SNLP_INPUTS_AT_ONCE texts at a time: each featurized and pooled in
 * turn, then their dense layers together (snlp_dense_many: each weight
 * widened once for all, half the hidden layer's time), then each answer. */
snlp_status snlp_langid_best_texts(const snlp_model *model, snlp_state *state,
                                   const snlp_text *texts, size_t count,
                                   const uint8_t *allowed, size_t *best, float *probability) {
    size_t groups, labels, starts[SNLP_MAX_GROUPS + 1];
    snlp_features features[SNLP_MAX_GROUPS];
    snlp_status status;
    if (!model || !state || (count && (!texts || !best || !probability)))
        return SNLP_ERR_ARGUMENT;
    if ((status = check_langid(model, state)) != SNLP_OK) return status;
    for (size_t i = 0; i < count; i++)
        if (!snlp_text_valid(&texts[i])) return SNLP_ERR_ARGUMENT;
    groups = snlp_model_group_count(model);
    labels = snlp_model_label_count(model);
    if (snlp_grow((void **)&state->workspace, &state->workspace_size,
                  snlp_workspace_doubles_many(model), sizeof(double)) ||
        snlp_grow((void **)&state->batch_logits, &state->batch_logits_capacity,
                  SNLP_INPUTS_AT_ONCE * labels + 1, sizeof(double)))
        return SNLP_ERR_MEMORY;
    for (size_t first = 0; first < count; first += SNLP_INPUTS_AT_ONCE) {
        size_t here = count - first < SNLP_INPUTS_AT_ONCE ? count - first : SNLP_INPUTS_AT_ONCE;
        int has_letters[SNLP_INPUTS_AT_ONCE];
        for (size_t t = 0; t < here; t++) {
            if ((status = features_of(model, state, &texts[first + t], starts)) != SNLP_OK)
                return status;
            has_letters[t] = starts[groups] > 0;
            features_in_state(model, state, starts, features);
            if ((status = snlp_pool_input_at(model, features, state->workspace, t)) != SNLP_OK)
                return status;
        }
        if ((status = snlp_dense_many(model, here, state->workspace, state->batch_logits)) !=
            SNLP_OK)
            return status;
        for (size_t t = 0; t < here; t++)
            if ((status = snlp_langid_best_answer(model, allowed, has_letters[t],
                                                  state->batch_logits + t * labels,
                                                  &best[first + t], &probability[first + t])) !=
                SNLP_OK)
                return status;
    }
    return SNLP_OK;
}

snlp_status snlp_langid_predict(const snlp_model *model, snlp_state *state, const char *text,
                                size_t size, double *probabilities, size_t *best) {
    return snlp_langid_predict_among(model, state, text, size, NULL, probabilities, best);
}

size_t snlp_top_k(const double *probabilities, size_t count, size_t k, size_t *indexes) {
    return snlp_top_k_among(probabilities, count, NULL, k, indexes);
}

size_t snlp_top_k_among(const double *probabilities, size_t count, const uint8_t *allowed,
                        size_t k, size_t *indexes) {
    size_t taken = 0;
    if (!probabilities || (k && !indexes)) return 0;
    for (; taken < k && taken < count; taken++) { /* the best of those ranked after the last */
        size_t pick = count, last = taken ? indexes[taken - 1] : count;
        for (size_t i = 0; i < count; i++) {
            if (allowed && !allowed[i]) continue;
            if (last < count && !(probabilities[i] < probabilities[last] ||
                                  (probabilities[i] == probabilities[last] && i > last)))
                continue;
            if (pick == count || probabilities[i] > probabilities[pick]) pick = i;
        }
        if (pick == count) break; /* only NaNs left */
        indexes[taken] = pick;
    }
    return taken;
}
