/* Where language ID's time goes in the C runtime: each stage of
 * snlp_langid_predict timed over every line of stdin, for the profile of
 * benchmarks/langid_stages.py (`make build/stages`).
 *
 *     build/stages MODEL [ROUNDS] < lines
 *
 * Each round runs the pipeline over all lines once per prefix of the stages
 * (decode and normalise; + n-gram ids; + embedding rows pooled; + hidden
 * layer; + output layer; + softmax, the whole call), and a stage's time is
 * the difference between two prefixes, best of ROUNDS (default 5). Prints a
 * line per stage: name<TAB>microseconds per text; then the whole call's, and
 * a text's in a batch as the Python extension's predict_batch makes it
 * (snlp_langid_best_texts; non-ASCII lines as code points of the narrowest
 * width, as Python keeps a str). Uses the runtime's internals
 * (src/internal.h), as a profile must; not part of the API. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/internal.h"

enum { NORMALISE, IDS, POOL, HIDDEN, OUTPUT, SOFTMAX, STAGES };
static const char *const NAMES[STAGES] = {
    "decode UTF-8 and normalise", "n-grams: framing and hashing",
    "embedding rows: lookup, dequantise, pool", "hidden layer (with ReLU)", "output layer",
    "softmax and best label"};

static double now(void) {
    struct timespec t;
    timespec_get(&t, TIME_UTC); /* C11; clock_gettime is POSIX */
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

/* The pipeline up to and including `last` for one text; 0 on success. */
static int run(const snlp_model *model, snlp_state *state, const char *text, size_t size,
               int last, float *work, double *probabilities) {
    size_t starts[SNLP_MAX_GROUPS + 1], groups = snlp_model_group_count(model), width = 0, best;
    size_t hidden = snlp_model_hidden(model), labels = snlp_model_label_count(model);
    float *activation, *out;
    int32_t *scratch;
    if (last == SOFTMAX)
        return snlp_langid_predict(model, state, text, size, probabilities, &best) != SNLP_OK;
    if (snlp_normalize_utf8((const uint8_t *)text, size, snlp_model_max_chars(model),
                            &state->text, &state->scratch))
        return 1;
    if (last == NORMALISE) return 0;
    if (snlp_langid_featurize(model, state, starts)) return 1;
    if (last == IDS) return 0;
    for (size_t g = 0; g < groups; g++) {
        size_t count = starts[g + 1] - starts[g];
        snlp_features f = {count ? state->ids + starts[g] : NULL,
                           count ? state->weights + starts[g] : NULL, count};
        if (snlp_pool_group(model, 0, g, &f, work + width) != SNLP_OK) return 1;
        width += snlp_model_group(model, g)->dims;
    }
    if (last == POOL) return 0;
    activation = work + width;
    out = activation + hidden;
    scratch = (int32_t *)(out + labels);
    snlp_hidden_layer(model, work, width, activation, scratch);
    if (last == HIDDEN) return 0;
    snlp_output_layer(model, activation, out, scratch);
    return 0;
}

/* The lines as the Python extension hands them to snlp_langid_best_texts:
 * ASCII as UTF-8, the rest as code points of the narrowest width that holds
 * them. The best of `rounds` runs over all of them, in seconds. */
static double batch_seconds(const snlp_model *model, snlp_state *state, const char *buffer,
                            const size_t *offsets, size_t lines, int rounds) {
    snlp_text *texts = calloc(lines, sizeof *texts);
    size_t *best = calloc(lines, sizeof *best);
    float *probability = calloc(lines, sizeof *probability);
    double fastest = INFINITY;
    snlp_codepoints points = {0};
    if (!texts || !best || !probability) exit(1);
    for (size_t i = 0; i < lines; i++) {
        const char *line = buffer + offsets[i];
        uint32_t largest = 0;
        void *units;
        if (snlp_decode_utf8((const uint8_t *)line, strlen(line), SIZE_MAX, &points)) exit(1);
        for (size_t k = 0; k < points.count; k++)
            if (points.data[k] > largest) largest = points.data[k];
        texts[i] = (snlp_text){line, strlen(line), SNLP_UTF8};
        if (largest < 0x80) continue;
        texts[i].encoding = largest <= 0xFF ? SNLP_LATIN1 : largest <= 0xFFFF ? SNLP_UCS2
                                                                              : SNLP_UTF32;
        texts[i].count = points.count;
        if (!(units = malloc(points.count * (size_t)texts[i].encoding + 1))) exit(1);
        for (size_t k = 0; k < points.count; k++) {
            uint32_t cp = points.data[k];
            if (texts[i].encoding == SNLP_LATIN1) ((uint8_t *)units)[k] = (uint8_t)cp;
            else if (texts[i].encoding == SNLP_UCS2) ((uint16_t *)units)[k] = (uint16_t)cp;
            else ((uint32_t *)units)[k] = cp;
        }
        texts[i].data = units;
    }
    for (int round = 0; round < rounds; round++) {
        double started = now(), elapsed;
        if (snlp_langid_best_texts(model, state, texts, lines, NULL, best, probability) !=
            SNLP_OK)
            exit(1);
        elapsed = now() - started;
        if (elapsed < fastest) fastest = elapsed;
    }
    for (size_t i = 0; i < lines; i++)
        if (texts[i].encoding != SNLP_UTF8) free((void *)texts[i].data);
    free(texts);
    free(best);
    free(probability);
    free(points.data);
    return fastest;
}

int main(int argc, char **argv) {
    char message[SNLP_MESSAGE_SIZE], *buffer = NULL;
    size_t size = 0, capacity = 0, lines = 0, *offsets = NULL;
    int rounds = argc > 2 ? atoi(argv[2]) : 5, c;
    double best[STAGES];
    snlp_model *model;
    if (argc < 2 || rounds < 1) {
        fprintf(stderr, "usage: %s MODEL [ROUNDS] < lines\n", argv[0]);
        return 2;
    }
    if (snlp_model_open_file(argv[1], &model, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s\n", message);
        return 1;
    }
    /* Every line into one buffer, NUL-separated; offsets[i] is line i's start. */
    for (size_t start = 0;; ) {
        c = getchar();
        if (size + 1 >= capacity &&
            !(buffer = realloc(buffer, capacity = 2 * capacity + 4096))) return 1;
        if (c == EOF || c == '\n') {
            if (c == EOF && size == start) break;
            buffer[size++] = '\0';
            if (!(offsets = realloc(offsets, (lines + 1) * sizeof *offsets))) return 1;
            offsets[lines++] = start;
            start = size;
            if (c == EOF) break;
        } else {
            buffer[size++] = (char)c;
        }
    }
    snlp_state *state = snlp_state_new(model);
    float *work = malloc(snlp_workspace_doubles(model) * sizeof(double));
    double *probabilities = malloc(snlp_model_label_count(model) * sizeof(double));
    if (!state || !work || !probabilities || !lines) return 1;
    for (int stage = 0; stage < STAGES; stage++) best[stage] = INFINITY;
    for (int round = 0; round < rounds; round++)
        for (int stage = 0; stage < STAGES; stage++) {
            double started = now();
            for (size_t i = 0; i < lines; i++) {
                const char *text = buffer + offsets[i];
                if (run(model, state, text, strlen(text), stage, work, probabilities)) {
                    fprintf(stderr, "line %zu failed\n", i + 1);
                    return 1;
                }
            }
            double elapsed = now() - started;
            if (elapsed < best[stage]) best[stage] = elapsed;
        }
    for (int stage = 0; stage < STAGES; stage++)
        printf("%s\t%.3f\n", NAMES[stage],
               1e6 * (best[stage] - (stage ? best[stage - 1] : 0.0)) / (double)lines);
    printf("whole call\t%.3f\n", 1e6 * best[SOFTMAX] / (double)lines);
    printf("batch, per text\t%.3f\n", 1e6 * batch_seconds(model, state, buffer, offsets, lines,
                                                           rounds) / (double)lines);
    free(buffer);
    free(offsets);
    free(work);
    free(probabilities);
    snlp_state_free(state);
    snlp_model_free(model);
    return 0;
}
