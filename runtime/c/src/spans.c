/* Language spans of mixed-language text (smallnlp/spans.py and
 * LanguageIdentifier.spans, step for step): words, a score per word, the best
 * labelling with a cost per switch, then each run labelled and neighbours of
 * one label merged. */
#include <math.h>
#include <string.h>

#include "internal.h"

#define MARKUP_INSIDE 256 /* <...> with at most this many code points inside is markup */

/* After '<' (its next byte at i): the byte after the '>' that closes it as
 * markup (no <, > or newline inside, at most MARKUP_INSIDE code points, as
 * text.MARKUP), or 0. */
static size_t markup_end(const uint8_t *text, size_t size, size_t i) {
    for (size_t inside = 0; i < size; inside++) {
        uint32_t cp = snlp_decode_next(text, size, &i);
        if (cp == '>') return inside <= MARKUP_INSIDE ? i : 0;
        if (cp == '<' || cp == '\n' || inside == MARKUP_INSIDE) return 0;
    }
    return 0;
}

/* The byte ranges of the words into s->span_words (start, end, ...); their count. */
static int find_words(snlp_state *s, const uint8_t *text, size_t size, size_t *words) {
    size_t i = 0, blank_until = 0, start = 0, n = 0;
    int in_word = 0;
    while (i <= size) {
        size_t at = i;
        int letter = 0;
        if (i < size) {
            uint32_t cp = snlp_decode_next(text, size, &i);
            if (at >= blank_until && cp == '<') blank_until = markup_end(text, size, i);
            letter = at >= blank_until && snlp_is_letter_or_mark(cp);
        } else {
            i++; /* the end closes the last word */
        }
        if (letter && !in_word) {
            start = at;
            in_word = 1;
        } else if (!letter && in_word) {
            if (snlp_grow((void **)&s->span_words, &s->span_words_capacity, 2 * n + 2,
                          sizeof *s->span_words))
                return -1;
            s->span_words[2 * n] = start;
            s->span_words[2 * n + 1] = at;
            n++;
            in_word = 0;
        }
    }
    *words = n;
    return 0;
}

/* A word's scores, as NumpyLangid._word_scores: logit / temperature, -inf
 * outside the allowed labels; all 0 for a text without letters (it has no
 * say). Not normalised into log probabilities: that subtracts one number
 * from all of a word's scores, which changes no choice of the labelling
 * (each label's score, the leader and the switch cost shift alike), and its
 * exp per label took a tenth of the time. */
static void word_scores(double *row, size_t labels, const uint8_t *allowed, double temperature,
                        int has_letters) {
    for (size_t k = 0; k < labels; k++)
        row[k] = !has_letters ? 0.0 : allowed && !allowed[k] ? -INFINITY : row[k] / temperature;
}

/* The first largest of count scores. */
static size_t leader_of(const double *scores, size_t count) {
    size_t best = 0;
    for (size_t k = 1; k < count; k++)
        if (scores[k] > scores[best]) best = k;
    return best;
}

/* A run's label as snlp_langid_predict_among gives it from its first
 * max_chars code points (0: all it reads), probability rounded to float32 as
 * the Python package's answers are; "und" below threshold. */
static snlp_status label_run(const snlp_model *model, snlp_state *s, const char *text,
                             const uint8_t *allowed, double threshold, size_t max_chars,
                             double *row, snlp_span *span) {
    size_t labels = snlp_model_label_count(model), best, end = span->start;
    snlp_status status;
    for (size_t read = 0; end < span->end && (!max_chars || read < max_chars); read++)
        snlp_decode_next((const uint8_t *)text, span->end, &end);
    status = snlp_langid_predict_among(model, s, text + span->start, end - span->start, allowed,
                                       row, &best);
    if (status != SNLP_OK) return status;
    span->label = best;
    span->probability = best < labels ? (double)(float)row[best] : 0.0;
    if (span->probability < threshold) span->label = labels;
    return SNLP_OK;
}

snlp_status snlp_langid_spans(const snlp_model *model, snlp_state *state, const char *text,
                              size_t size, const uint8_t *allowed, double threshold,
                              double switch_cost, size_t max_chars, snlp_span *spans,
                              size_t capacity, size_t *count) {
    size_t labels, words, bytes_per_word, runs = 0, found;
    double *scores, *row;
    snlp_status status;
    if (!model || !state || (!text && size) || !count || (!spans && capacity) ||
        !(threshold >= 0.0 && threshold <= 1.0) || !(switch_cost >= 0.0))
        return SNLP_ERR_ARGUMENT;
    if (strcmp(snlp_model_task(model), "langid")) return SNLP_ERR_ARGUMENT;
    if (!snlp_state_is_for(state, model)) return SNLP_ERR_STATE;
    labels = snlp_model_label_count(model);
    if (allowed) {
        size_t k = 0;
        while (k < labels && !allowed[k]) k++;
        if (k == labels) return SNLP_ERR_ARGUMENT; /* no label allowed */
    }
    bytes_per_word = (labels + 7) / 8;
    if (find_words(state, (const uint8_t *)text, size, &words) ||
        snlp_grow((void **)&state->span_scores, &state->span_scores_capacity, 2 * labels,
                  sizeof *state->span_scores) ||
        snlp_grow((void **)&state->span_leaders, &state->span_leaders_capacity, words + 1,
                  sizeof *state->span_leaders) ||
        snlp_grow((void **)&state->span_switched, &state->span_switched_capacity,
                  (words + 1) * bytes_per_word, 1) ||
        snlp_grow((void **)&state->span_work, &state->span_work_capacity, words + 1,
                  sizeof *state->span_work))
        return SNLP_ERR_MEMORY;
    scores = state->span_scores; /* the labellings' scores, then a word's row */
    row = scores + labels;
    /* Forward: each word's scores, and per label the best labelling ending
     * there: stay, or switch from the leader at switch_cost. Before the first
     * word every label scores 0 and nothing is switched. Without a branch per
     * label (which one wins is unpredictable); the next word's leader (the
     * first largest score) found on the way. */
    for (size_t k = 0; k < labels; k++) scores[k] = 0.0;
    for (size_t w = 0, leader = 0; w < words; w++) {
        const size_t *word = state->span_words + 2 * w;
        double switched = w ? scores[leader] - switch_cost : 0.0, top = 0.0;
        uint8_t *bits = state->span_switched + w * bytes_per_word;
        size_t next_leader = 0;
        unsigned byte = 0;
        int has_letters;
        status = snlp_langid_logits(model, state, text + word[0], word[1] - word[0], row,
                                    &has_letters);
        if (status != SNLP_OK) return status;
        word_scores(row, labels, allowed, snlp_model_temperature(model), has_letters);
        state->span_leaders[w] = (uint32_t)leader;
        for (size_t k = 0; k < labels; k++) {
            int moved = !(scores[k] >= switched); /* ties keep the label */
            double score = (moved ? switched : scores[k]) + row[k];
            scores[k] = score;
            byte |= (unsigned)moved << (k % 8);
            if (k % 8 == 7 || k + 1 == labels) {
                bits[k / 8] = (uint8_t)byte;
                byte = 0;
            }
            int leads = k == 0 || score > top;
            next_leader = leads ? k : next_leader;
            top = leads ? score : top;
        }
        leader = next_leader;
    }
    /* Back: each word's label; a run starts where the label changes. */
    if (words) {
        size_t label = leader_of(scores, labels), next_start = size;
        for (size_t w = words; w-- > 0;) {
            const uint8_t *bits = state->span_switched + w * bytes_per_word;
            size_t before = (bits[label / 8] >> (label % 8)) & 1 ? state->span_leaders[w] : label;
            if (w == 0 || before != label) { /* word w starts a run (listed last to first) */
                state->span_work[runs++] = (snlp_span){w ? state->span_words[2 * w] : 0,
                                                       next_start, label, 0.0};
                next_start = state->span_words[2 * w];
            }
            label = before;
        }
        for (size_t a = 0, b = runs - 1; a < b; a++, b--) { /* first to last */
            snlp_span swap = state->span_work[a];
            state->span_work[a] = state->span_work[b];
            state->span_work[b] = swap;
        }
    } else {
        state->span_work[runs++] = (snlp_span){0, size, labels, 0.0};
    }
    /* Each run labelled as its text is; neighbours of one label merged and the
     * merged text labelled again, until no two neighbours share a label. */
    for (size_t r = 0; r < runs; r++) {
        status = label_run(model, state, text, allowed, threshold, max_chars, row,
                           &state->span_work[r]);
        if (status != SNLP_OK) return status;
    }
    for (int merged = 1; merged;) {
        size_t kept = 0;
        merged = 0;
        for (size_t r = 0; r < runs; r++) {
            snlp_span *last = kept ? &state->span_work[kept - 1] : NULL;
            if (last && last->label == state->span_work[r].label) {
                last->end = state->span_work[r].end;
                last->probability = -1.0; /* to be labelled again */
                merged = 1;
            } else {
                state->span_work[kept++] = state->span_work[r];
            }
        }
        runs = kept;
        for (size_t r = 0; merged && r < runs; r++) {
            if (state->span_work[r].probability != -1.0) continue;
            status = label_run(model, state, text, allowed, threshold, max_chars, row,
                               &state->span_work[r]);
            if (status != SNLP_OK) return status;
        }
    }
    found = runs < capacity ? runs : capacity;
    if (found) memcpy(spans, state->span_work, found * sizeof *spans);
    *count = runs;
    return SNLP_OK;
}
