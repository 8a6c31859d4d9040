/* Language spans of mixed-language text (smallnlp/spans.py and
 * LanguageIdentifier.spans, step for step): words, a score per word, the best
 * labelling with a cost per switch, then each run labelled and neighbours of
 * one label merged. */
#include <math.h>
#include <string.h>

#include "internal.h"
#if SNLP_X86_VECTORS
#include <immintrin.h>
#endif

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

/* A word's scores, as NumpyLangid._word_scores: its logits, -inf outside
 * the allowed labels; all 0 for a text without letters (it has no say). Its
 * log probabilities would be the logits over the temperature less one number
 * (their log-sum-exp): that number changes no choice of the labelling (each
 * label's score, the leader and the switch cost shift alike), and instead of
 * dividing every score by the temperature the switch cost is multiplied by it
 * (a division per label was a twentieth of the time, the exp a tenth). */
static void word_scores(const double *logits, size_t labels, const uint8_t *allowed,
                        int has_letters, float *row) {
    for (size_t k = 0; k < labels; k++) /* the logits are float32's, kept exactly */
        row[k] = !has_letters ? 0.0f : allowed && !allowed[k] ? -INFINITY : (float)logits[k];
}

/* A word scores the same wherever it occurs: up to SPAN_KEPT_WORDS distinct
 * words (a tenth to a fifth of a document's words are repeats) are kept for
 * the call, found by their bytes in a table of at least twice as many slots,
 * so that it never fills; with their features, which are scored
 * SNLP_INPUTS_AT_ONCE words at a time, and label the runs they make up
 * (run_features_logits). */
#define SPAN_KEPT_WORDS 1024
#define SPAN_NOT_KEPT UINT32_MAX

typedef struct {
    const char *text;
    const uint8_t *allowed;
    size_t groups;
    size_t slots; /* a power of 2 */
    size_t kept;  /* words kept so far */
    size_t ids;   /* their features */
} kept_words;

/* A word's ids for one group are a few: a call to memcpy for each took a
 * third of a run's labelling. They are copied in blocks of SPAN_SLACK instead (a
 * memcpy of fixed size, a few vector moves), the last block reaching past
 * `count`: the buffers copied from and to keep that many more ids of room. */
#define SPAN_SLACK 16
static void copy_ids(uint32_t *to, const uint32_t *from, size_t count) {
    for (size_t i = 0; i < count; i += SPAN_SLACK)
        memcpy(to + i, from + i, SPAN_SLACK * sizeof *to);
}

/* Keep the features of the word just featurized (state->ids and ->weights
 * from starts[g]) as kept word `row`. */
static int keep_features(snlp_state *s, kept_words *kept, size_t row, const size_t *starts) {
    size_t count = starts[kept->groups];
    uint32_t *row_starts;
    if (kept->ids + count > UINT32_MAX ||
        snlp_grow((void **)&s->span_ids, &s->span_ids_capacity, kept->ids + count + SPAN_SLACK,
                  sizeof *s->span_ids) ||
        snlp_grow((void **)&s->span_weights, &s->span_weights_capacity, kept->ids + count,
                  sizeof *s->span_weights))
        return -1;
    row_starts = s->span_id_starts + row * (kept->groups + 1);
    for (size_t g = 0; g <= kept->groups; g++) row_starts[g] = (uint32_t)(kept->ids + starts[g]);
    memcpy(s->span_ids + kept->ids, s->ids, count * sizeof *s->ids);
    memcpy(s->span_weights + kept->ids, s->weights, count * sizeof *s->weights);
    kept->ids += count;
    return 0;
}

/* Word w's kept row: the one of the same bytes seen before, or a new one
 * with its features (*fresh: its scores are still to compute), or
 * SPAN_NOT_KEPT once SPAN_KEPT_WORDS are kept. */
static snlp_status find_or_keep(const snlp_model *model, snlp_state *s, kept_words *kept,
                                size_t w, int *fresh) {
    size_t a = s->span_words[2 * w], b = s->span_words[2 * w + 1], slot,
           starts[SNLP_MAX_GROUPS + 1];
    uint32_t hash = 2166136261u; /* FNV-1a */
    snlp_status status;
    *fresh = 0;
    for (size_t i = a; i < b; i++) hash = (hash ^ (uint8_t)kept->text[i]) * 16777619u;
    for (slot = hash & (kept->slots - 1); s->span_slots[2 * slot];
         slot = (slot + 1) & (kept->slots - 1)) {
        const size_t *seen = s->span_words + 2 * (s->span_slots[2 * slot] - 1);
        if (seen[1] - seen[0] == b - a && !memcmp(kept->text + seen[0], kept->text + a, b - a)) {
            s->span_word_rows[w] = s->span_slots[2 * slot + 1];
            return SNLP_OK;
        }
    }
    s->span_word_rows[w] = SPAN_NOT_KEPT;
    if (kept->kept == SPAN_KEPT_WORDS) return SNLP_OK;
    status = snlp_langid_text_features(model, s, kept->text + a, b - a, starts);
    if (status != SNLP_OK) return status;
    if (keep_features(s, kept, kept->kept, starts)) return SNLP_ERR_MEMORY;
    s->span_slots[2 * slot] = (uint32_t)(w + 1);
    s->span_slots[2 * slot + 1] = s->span_word_rows[w] = (uint32_t)kept->kept++;
    *fresh = 1;
    return SNLP_OK;
}

/* The scores of `count` kept words from row `first` on, at once (their
 * logits into `logits`, count * label_count doubles). */
static snlp_status score_kept(const snlp_model *model, snlp_state *s, const kept_words *kept,
                              size_t first, size_t count, double *logits) {
    snlp_features features[SNLP_INPUTS_AT_ONCE * SNLP_MAX_GROUPS];
    size_t labels = snlp_model_label_count(model), needed = snlp_workspace_doubles_many(model);
    snlp_status status;
    for (size_t t = 0; t < count; t++) {
        const uint32_t *row_starts = s->span_id_starts + (first + t) * (kept->groups + 1);
        for (size_t g = 0; g < kept->groups; g++)
            features[t * kept->groups + g] = (snlp_features){
                s->span_ids + row_starts[g], s->span_weights + row_starts[g],
                row_starts[g + 1] - row_starts[g]};
    }
    if (snlp_grow((void **)&s->workspace, &s->workspace_size, needed, sizeof(double)))
        return SNLP_ERR_MEMORY;
    status = snlp_model_logits_many(model, features, count, s->workspace, logits);
    if (status != SNLP_OK) return status;
    for (size_t t = 0; t < count; t++) {
        const uint32_t *row_starts = s->span_id_starts + (first + t) * (kept->groups + 1);
        word_scores(logits + t * labels, labels, kept->allowed,
                    row_starts[kept->groups] > row_starts[0], s->span_rows + (first + t) * labels);
    }
    return SNLP_OK;
}

/* Room at once for the features the call will keep and for a run's (about
 * `groups` per code point of each word kept, framed: more is grown as needed).
 * A new state (the Python extension's, where the last call's grew past what it
 * keeps) would otherwise grow them a doubling at a time as words come: a
 * dozen reallocations, 4% of a short text's time. */
static int reserve_features(snlp_state *s, const kept_words *kept, size_t words) {
    size_t room = SPAN_SLACK;
    for (size_t w = 0; w < words && w < SPAN_KEPT_WORDS; w++)
        room += kept->groups * (s->span_words[2 * w + 1] - s->span_words[2 * w] + 2);
    return snlp_grow((void **)&s->span_ids, &s->span_ids_capacity, room, sizeof *s->span_ids) ||
           snlp_grow((void **)&s->span_weights, &s->span_weights_capacity, room,
                     sizeof *s->span_weights) ||
           snlp_grow((void **)&s->ids, &s->ids_capacity, room, sizeof *s->ids) ||
           snlp_grow((void **)&s->weights, &s->weights_capacity, room, sizeof *s->weights);
}

/* Every word's kept row, the new ones scored. */
static snlp_status keep_words(const snlp_model *model, snlp_state *s, kept_words *kept,
                              size_t words, double *logits) {
    size_t waiting = 0; /* the last kept words, not scored yet */
    for (size_t w = 0; w < words; w++) {
        int fresh;
        snlp_status status = find_or_keep(model, s, kept, w, &fresh);
        if (status != SNLP_OK) return status;
        waiting += (size_t)fresh;
        if (waiting == SNLP_INPUTS_AT_ONCE || (waiting && w + 1 == words)) {
            status = score_kept(model, s, kept, kept->kept - waiting, waiting, logits);
            if (status != SNLP_OK) return status;
            waiting = 0;
        }
    }
    return SNLP_OK;
}

/* The scores of word w: its kept row, or computed (logits into `logits`)
 * into `scratch`. */
static snlp_status scores_of_word(const snlp_model *model, snlp_state *s, const kept_words *kept,
                                  size_t w, double *logits, float *scratch, const float **out) {
    size_t labels = snlp_model_label_count(model), starts[SNLP_MAX_GROUPS + 1];
    snlp_status status;
    if (s->span_word_rows[w] != SPAN_NOT_KEPT) {
        *out = s->span_rows + (size_t)s->span_word_rows[w] * labels;
        return SNLP_OK;
    }
    status = snlp_langid_text_features(model, s, kept->text + s->span_words[2 * w],
                                       s->span_words[2 * w + 1] - s->span_words[2 * w], starts);
    if (status == SNLP_OK) status = snlp_langid_features_logits(model, s, starts, logits);
    if (status != SNLP_OK) return status;
    word_scores(logits, labels, kept->allowed, starts[kept->groups] > 0, scratch);
    *out = scratch;
    return SNLP_OK;
}

/* The first largest of count scores, without a branch per score (which one
 * leads is unpredictable). */
static size_t leader_of(const double *scores, size_t count) {
    size_t best = 0;
    double top = scores[0];
    for (size_t k = 1; k < count; k++) {
        int leads = scores[k] > top;
        best = leads ? k : best;
        top = leads ? scores[k] : top;
    }
    return best;
}

/* snlp_labelling_step's portable code for the labels from `first` on
 * (`byte`: the bits of first's byte before it), without a branch per label. */
static void step_labels(double *scores, const float *word, size_t first, size_t labels,
                        double switched, unsigned byte, uint8_t *bits) {
    for (size_t k = first; k < labels; k++) {
        int moved = !(scores[k] >= switched);
        scores[k] = (moved ? switched : scores[k]) + (double)word[k];
        byte |= (unsigned)moved << (k % 8);
        if (k % 8 == 7) {
            bits[k / 8] = (uint8_t)byte;
            byte = 0;
        }
    }
    if (labels % 8) bits[labels / 8] = (uint8_t)byte;
}

#if SNLP_X86_VECTORS
/* The leader after a vector step: the first label holding `top`, the largest
 * of the scores before `tail` (none of them NaN), or the largest from `tail`
 * on; leader_of's rule where one of those is NaN. */
static size_t leader_from(const double *scores, size_t labels, size_t tail, double top) {
    size_t k = 0;
    for (size_t j = tail; j < labels; j++) {
        if (scores[j] != scores[j]) return leader_of(scores, labels);
        top = scores[j] > top ? scores[j] : top;
    }
    while (scores[k] != top) k++; /* top is one of them */
    return k;
}

/* step_labels four labels a vector: each takes the same steps (a comparison
 * that is false for NaN, a choice, one addition), so the same bits; and the
 * leader as the first label holding the largest score (the four lanes'
 * largest), where no score is NaN (else leader_of's rule). */
__attribute__((target("avx2"))) static size_t labelling_step_avx2(double *scores,
                                                                   const float *word,
                                                                   size_t labels,
                                                                   double switched,
                                                                   uint8_t *bits) {
    const __m256d from_leader = _mm256_set1_pd(switched);
    __m256d largest = _mm256_set1_pd(-INFINITY), nan = _mm256_setzero_pd();
    double lanes[4], top;
    unsigned byte = 0;
    size_t k = 0;
    for (; k + 4 <= labels; k += 4) {
        __m256d old = _mm256_loadu_pd(scores + k);
        __m256d stays = _mm256_cmp_pd(old, from_leader, _CMP_GE_OQ);
        __m256d chosen = _mm256_blendv_pd(from_leader, old, stays);
        __m256d score = _mm256_add_pd(chosen, _mm256_cvtps_pd(_mm_loadu_ps(word + k)));
        _mm256_storeu_pd(scores + k, score);
        largest = _mm256_max_pd(largest, score);
        nan = _mm256_or_pd(nan, _mm256_cmp_pd(score, score, _CMP_UNORD_Q));
        byte |= (unsigned)(~_mm256_movemask_pd(stays) & 15) << (k % 8);
        if (k % 8 == 4) {
            bits[k / 8] = (uint8_t)byte;
            byte = 0;
        }
    }
    step_labels(scores, word, k, labels, switched, byte, bits);
    if (_mm256_movemask_pd(nan)) return leader_of(scores, labels);
    _mm256_storeu_pd(lanes, largest);
    top = lanes[0];
    for (size_t j = 1; j < 4; j++) top = lanes[j] > top ? lanes[j] : top;
    return leader_from(scores, labels, k, top);
}

/* The same, eight labels a vector where the CPU has AVX-512F: a vector's
 * comparison gives a byte of `bits` at once. */
__attribute__((target("avx2,avx512f"))) static size_t labelling_step_avx512(double *scores,
                                                                     const float *word,
                                                                     size_t labels,
                                                                     double switched,
                                                                     uint8_t *bits) {
    const __m512d from_leader = _mm512_set1_pd(switched);
    __m512d largest = _mm512_set1_pd(-INFINITY);
    __mmask8 nan = 0;
    size_t k = 0;
    for (; k + 8 <= labels; k += 8) {
        __m512d old = _mm512_loadu_pd(scores + k);
        __mmask8 stays = _mm512_cmp_pd_mask(old, from_leader, _CMP_GE_OQ);
        __m512d chosen = _mm512_mask_blend_pd(stays, from_leader, old);
        __m512d score = _mm512_add_pd(chosen, _mm512_cvtps_pd(_mm256_loadu_ps(word + k)));
        _mm512_storeu_pd(scores + k, score);
        largest = _mm512_max_pd(largest, score);
        nan |= _mm512_cmp_pd_mask(score, score, _CMP_UNORD_Q);
        bits[k / 8] = (uint8_t)~stays;
    }
    step_labels(scores, word, k, labels, switched, 0, bits);
    if (nan) return leader_of(scores, labels);
    return leader_from(scores, labels, k, _mm512_reduce_max_pd(largest));
}
#endif

size_t snlp_labelling_step(double *scores, const float *word, size_t labels, double switched,
                           uint8_t *bits) {
#if SNLP_X86_VECTORS
    if (snlp_simd_limit >= SNLP_SIMD_AVX512_VNNI && __builtin_cpu_supports("avx512f"))
        return labelling_step_avx512(scores, word, labels, switched, bits);
    if (SNLP_AVX2_ALLOWED()) return labelling_step_avx2(scores, word, labels, switched, bits);
#endif
    step_labels(scores, word, 0, labels, switched, 0, bits);
    return leader_of(scores, labels);
}

/* The first word starting at or after byte `at` (words: none). */
static size_t word_at(const snlp_state *s, size_t words, size_t at) {
    size_t low = 0, high = words;
    while (low < high) {
        size_t middle = (low + high) / 2;
        if (s->span_words[2 * middle] < at) low = middle + 1;
        else high = middle;
    }
    return low;
}

/* A run's logits from its words' kept features, which are its text's
 * features: predict normalises and featurizes word by word (what lies
 * between two words, markup too, becomes a space first, and every feature
 * lies within a word), so the run's features are its words', group by group,
 * one word after another, each weighing 1 / their count. 1 when a word of the
 * run has none kept (or the run is longer than predict reads, `limit` bytes):
 * the run's text must be read. */
static int run_features_logits(const snlp_model *model, snlp_state *s, const kept_words *kept,
                               size_t words, const snlp_span *span, size_t limit, double *row,
                               int *has_letters, snlp_status *status) {
    size_t first = word_at(s, words, span->start), last = word_at(s, words, span->end);
    size_t starts[SNLP_MAX_GROUPS + 1], count = 0;
    if (span->end - span->start > limit) return 1;
    for (size_t w = first; w < last; w++)
        if (s->span_word_rows[w] == SPAN_NOT_KEPT) return 1;
    for (size_t w = first; w < last; w++) {
        const uint32_t *row_starts = s->span_id_starts + s->span_word_rows[w] * (kept->groups + 1);
        count += row_starts[kept->groups] - row_starts[0];
    }
    if (snlp_grow((void **)&s->ids, &s->ids_capacity, count + SPAN_SLACK, sizeof *s->ids) ||
        snlp_grow((void **)&s->weights, &s->weights_capacity, count + 1, sizeof *s->weights)) {
        *status = SNLP_ERR_MEMORY;
        return 0;
    }
    count = 0;
    for (size_t g = 0; g < kept->groups; g++) {
        starts[g] = count;
        for (size_t w = first; w < last; w++) {
            const uint32_t *row_starts =
                s->span_id_starts + s->span_word_rows[w] * (kept->groups + 1);
            copy_ids(s->ids + count, s->span_ids + row_starts[g],
                     row_starts[g + 1] - row_starts[g]);
            count += row_starts[g + 1] - row_starts[g];
        }
        for (size_t f = starts[g]; f < count; f++)
            s->weights[f] = 1.0f / (float)(count - starts[g]);
    }
    starts[kept->groups] = count;
    *has_letters = count > 0;
    *status = snlp_langid_features_logits(model, s, starts, row);
    return 0;
}

/* A run's label as snlp_langid_predict_among gives it from its first
 * max_chars code points (0: all it reads), probability rounded to float32 as
 * the Python package's answers are; "und" below threshold. */
static snlp_status label_run(const snlp_model *model, snlp_state *s, const kept_words *kept,
                             size_t words, double threshold, size_t max_chars, double *row,
                             snlp_span *span) {
    size_t labels = snlp_model_label_count(model), best, end = span->start,
           limit = snlp_model_max_chars(model);
    const char *text = kept->text;
    int has_letters = 0;
    snlp_status status = SNLP_OK;
    if (max_chars && max_chars < limit) limit = max_chars;
    if (run_features_logits(model, s, kept, words, span, limit, row, &has_letters, &status)) {
        for (size_t read = 0; end < span->end && (!max_chars || read < max_chars); read++)
            snlp_decode_next((const uint8_t *)text, span->end, &end);
        status = snlp_langid_logits(model, s, text + span->start, end - span->start, row,
                                    &has_letters);
    }
    if (status == SNLP_OK)
        status = snlp_langid_answer(model, kept->allowed, has_letters, 0, row, &best);
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
    size_t labels, words, bytes_per_word, runs = 0, found, kept_rows;
    kept_words kept = {text, allowed, 0, 16, 0, 0};
    double *scores, *row;
    float *scratch;
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
        snlp_grow((void **)&state->span_scores, &state->span_scores_capacity,
                  (1 + SNLP_INPUTS_AT_ONCE) * labels, sizeof *state->span_scores) ||
        snlp_grow((void **)&state->span_leaders, &state->span_leaders_capacity, words + 1,
                  sizeof *state->span_leaders) ||
        snlp_grow((void **)&state->span_switched, &state->span_switched_capacity,
                  (words + 1) * bytes_per_word, 1) ||
        snlp_grow((void **)&state->span_work, &state->span_work_capacity, words + 1,
                  sizeof *state->span_work))
        return SNLP_ERR_MEMORY;
    kept.groups = snlp_model_group_count(model);
    if (kept.groups > SNLP_MAX_GROUPS) return SNLP_ERR_UNSUPPORTED;
    while (kept.slots < 2 * words && kept.slots < 2 * SPAN_KEPT_WORDS) kept.slots *= 2;
    kept_rows = words < SPAN_KEPT_WORDS ? words : SPAN_KEPT_WORDS;
    if (snlp_grow((void **)&state->span_rows, &state->span_rows_capacity, (kept_rows + 1) * labels,
                  sizeof *state->span_rows) ||
        snlp_grow((void **)&state->span_id_starts, &state->span_id_starts_capacity,
                  kept_rows * (kept.groups + 1), sizeof *state->span_id_starts) ||
        snlp_grow((void **)&state->span_word_rows, &state->span_word_rows_capacity, words + 1,
                  sizeof *state->span_word_rows) ||
        snlp_grow((void **)&state->span_slots, &state->span_slots_capacity, 2 * kept.slots,
                  sizeof *state->span_slots))
        return SNLP_ERR_MEMORY;
    if (reserve_features(state, &kept, words)) return SNLP_ERR_MEMORY;
    memset(state->span_slots, 0, 2 * kept.slots * sizeof *state->span_slots);
    scores = state->span_scores; /* the labellings' scores, then words' logits */
    row = scores + labels;
    scratch = state->span_rows + kept_rows * labels; /* a word not kept */
    status = keep_words(model, state, &kept, words, row);
    if (status != SNLP_OK) return status;
    /* Forward: each word's scores, and per label the best labelling ending
     * there: stay, or switch from the leader at the switch cost (in logits:
     * times the temperature). Before the first word every label scores 0 and
     * nothing is switched. */
    switch_cost *= snlp_model_temperature(model);
    for (size_t k = 0; k < labels; k++) scores[k] = 0.0;
    for (size_t w = 0, leader = 0; w < words; w++) {
        double switched = w ? scores[leader] - switch_cost : 0.0;
        uint8_t *bits = state->span_switched + w * bytes_per_word;
        const float *word;
        status = scores_of_word(model, state, &kept, w, row, scratch, &word);
        if (status != SNLP_OK) return status;
        state->span_leaders[w] = (uint32_t)leader;
        leader = snlp_labelling_step(scores, word, labels, switched, bits);
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
        status = label_run(model, state, &kept, words, threshold, max_chars, row,
                           &state->span_work[r]);
        if (status != SNLP_OK) return status;
    }
    for (int merged = 1; merged;) {
        size_t left = 0;
        merged = 0;
        for (size_t r = 0; r < runs; r++) {
            snlp_span *last = left ? &state->span_work[left - 1] : NULL;
            if (last && last->label == state->span_work[r].label) {
                last->end = state->span_work[r].end;
                last->probability = -1.0; /* to be labelled again */
                merged = 1;
            } else {
                state->span_work[left++] = state->span_work[r];
            }
        }
        runs = left;
        for (size_t r = 0; merged && r < runs; r++) {
            if (state->span_work[r].probability != -1.0) continue;
            status = label_run(model, state, &kept, words, threshold, max_chars, row,
                               &state->span_work[r]);
            if (status != SNLP_OK) return status;
        }
    }
    found = runs < capacity ? runs : capacity;
    if (found) memcpy(spans, state->span_work, found * sizeof *spans);
    *count = runs;
    return SNLP_OK;
}
