/* Language ID in C: text -> feature ids (docs/FORMAT.md, "From text to ids:
 * language ID", steps 2-5) -> logits -> probabilities. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unicode_tables.h"

#define WORD_START 0x5E
#define WORD_END 0x24
#define WORD_HASH_BYTES 64
#define MAX_GROUPS 64

snlp_state *snlp_state_new(void) { return calloc(1, sizeof(snlp_state)); }

void snlp_state_free(snlp_state *state) {
    if (!state) return;
    free(state->text.data);
    free(state->scratch.data);
    free(state->utf8);
    free(state->utf8_offsets);
    free(state->ids);
    free(state->weights);
    free(state->workspace);
    free(state->framed.data);
    free(state->token.data);
    free(state->word_start);
    free(state->shape);
    free(state->known);
    free(state->hidden);
    free(state->tables);
    free(state->first);
    free(state);
}

uint32_t snlp_script(uint32_t cp) {
    size_t low = 0, high = snlp_script_range_count;
    while (high - low > 1) { /* the last range starting at or before cp */
        size_t middle = (low + high) / 2;
        if (snlp_script_starts[middle] <= cp) low = middle;
        else high = middle;
    }
    return snlp_script_ids[low];
}

/* Appends feature ids to a state, all groups one after another. */
typedef struct {
    snlp_state *state;
    size_t count;
} feature_sink;

static int add(feature_sink *sink, uint32_t id) {
    snlp_state *s = sink->state;
    if (snlp_grow((void **)&s->ids, &s->ids_capacity, sink->count + 1, sizeof *s->ids) ||
        snlp_grow((void **)&s->weights, &s->weights_capacity, sink->count + 1, sizeof *s->weights))
        return -1;
    s->ids[sink->count++] = id;
    return 0;
}

/* The features of every group for the normalised words in state->text. */
static int featurize(const snlp_model *model, snlp_state *s, size_t *starts) {
    feature_sink sink = {s, 0};
    size_t groups = snlp_model_group_count(model);
    for (size_t g = 0; g < groups; g++) {
        const snlp_group *group = snlp_model_group(model, g);
        size_t i = 0, n = s->text.count;
        snlp_kind kind = snlp_model_group_kind(model, g);
        int script = kind == SNLP_SCRIPT, word = kind == SNLP_WORD;
        starts[g] = sink.count;
        while (i < n) {
            size_t end, length, bytes = 0;
            while (i < n && s->text.data[i] == 0x20) i++;
            if (i == n) break;
            for (end = i; end < n && s->text.data[end] != 0x20; end++) {}
            length = end - i + 2; /* framed */
            if (snlp_grow((void **)&s->utf8, &s->utf8_capacity, 4 * length, 1) ||
                snlp_grow((void **)&s->utf8_offsets, &s->offsets_capacity, length + 1,
                     sizeof *s->utf8_offsets))
                return -1;
            s->utf8_offsets[0] = 0;
            bytes = snlp_utf8_encode(WORD_START, s->utf8);
            for (size_t k = i; k < end; k++) {
                s->utf8_offsets[k - i + 1] = bytes;
                bytes += snlp_utf8_encode(s->text.data[k], s->utf8 + bytes);
            }
            s->utf8_offsets[length - 1] = bytes;
            bytes += snlp_utf8_encode(WORD_END, s->utf8 + bytes);
            s->utf8_offsets[length] = bytes;
            if (script) {
                for (size_t k = i; k < end; k++)
                    if (add(&sink, snlp_script(s->text.data[k]))) return -1;
            } else if (word) {
                size_t size = bytes < WORD_HASH_BYTES ? bytes : WORD_HASH_BYTES;
                if (add(&sink, snlp_murmur3_32(s->utf8, size, group->seed) % group->buckets))
                    return -1;
            } else if (group->order == 1) { /* every code point, not the markers */
                for (size_t k = 1; k + 1 < length; k++) {
                    size_t a = s->utf8_offsets[k], b = s->utf8_offsets[k + 1];
                    if (add(&sink, snlp_murmur3_32(s->utf8 + a, b - a, group->seed) %
                                       group->buckets))
                        return -1;
                }
            } else { /* every `order` consecutive code points of the framed word */
                for (size_t k = 0; k + group->order <= length; k++) {
                    size_t a = s->utf8_offsets[k], b = s->utf8_offsets[k + group->order];
                    if (add(&sink, snlp_murmur3_32(s->utf8 + a, b - a, group->seed) %
                                       group->buckets))
                        return -1;
                }
            }
            i = end;
        }
    }
    starts[groups] = sink.count;
    for (size_t g = 0; g < groups; g++) { /* each occurrence weighs 1 / its group's count */
        size_t count = starts[g + 1] - starts[g];
        for (size_t f = starts[g]; f < starts[g + 1]; f++) s->weights[f] = 1.0f / (float)count;
    }
    return 0;
}

snlp_status snlp_langid_logits(const snlp_model *model, snlp_state *state, const char *text,
                               size_t size, double *logits, int *has_letters) {
    size_t starts[MAX_GROUPS + 1], groups, needed;
    snlp_features features[MAX_GROUPS];
    snlp_status status;
    if (!model || !state || (!text && size) || !logits || !has_letters)
        return SNLP_ERR_ARGUMENT;
    if (strcmp(snlp_model_task(model), "langid")) return SNLP_ERR_ARGUMENT;
    groups = snlp_model_group_count(model);
    if (groups > MAX_GROUPS) return SNLP_ERR_UNSUPPORTED;
    if (snlp_decode_utf8((const uint8_t *)text, size, snlp_model_max_chars(model),
                         &state->text) ||
        snlp_normalize(&state->text, &state->scratch) || featurize(model, state, starts))
        return SNLP_ERR_MEMORY;
    *has_letters = starts[groups] > 0;
    for (size_t g = 0; g < groups; g++) { /* no features yet: no buffers, no offsets */
        size_t count = starts[g + 1] - starts[g];
        features[g] = (snlp_features){count ? state->ids + starts[g] : NULL,
                                      count ? state->weights + starts[g] : NULL, count};
    }
    needed = snlp_workspace_doubles(model);
    if (snlp_grow((void **)&state->workspace, &state->workspace_size, needed, sizeof(double)))
        return SNLP_ERR_MEMORY;
    status = snlp_model_logits(model, features, state->workspace, logits);
    return status;
}

snlp_status snlp_langid_predict(const snlp_model *model, snlp_state *state, const char *text,
                                size_t size, double *probabilities, size_t *best) {
    int has_letters = 0;
    size_t labels = snlp_model_label_count(model);
    double temperature = snlp_model_temperature(model), top, total = 0.0;
    snlp_status status;
    if (!best) return SNLP_ERR_ARGUMENT;
    status = snlp_langid_logits(model, state, text, size, probabilities, &has_letters);
    if (status != SNLP_OK) return status;
    if (!has_letters) { /* no letters: the answer is "und", probability 0 */
        *best = labels;
        for (size_t k = 0; k < labels; k++) probabilities[k] = 0.0;
        return SNLP_OK;
    }
    *best = 0;
    for (size_t k = 0; k < labels; k++) {
        probabilities[k] /= temperature;
        if (probabilities[k] > probabilities[*best]) *best = k;
    }
    top = probabilities[*best];
    for (size_t k = 0; k < labels; k++) total += probabilities[k] = exp(probabilities[k] - top);
    for (size_t k = 0; k < labels; k++) probabilities[k] /= total;
    return SNLP_OK;
}
