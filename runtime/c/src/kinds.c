/* The feature kinds, one entry each, as smallnlp/features/kinds.py registers
 * them in KINDS: adding a kind touches that file and this one. Each entry
 * says which tasks may use the kind, which parameters it reads, the rows it
 * always has, and how it turns a text's framed words (language ID) or a
 * token's window (tagging) into ids (docs/FORMAT.md, "From text to ids"). */
#include "internal.h"
#include "unicode_tables.h"

/* -- language ID: the ids of the framed words of s->framed ------------------- */
static size_t char_ngram_text(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                              uint32_t *ids) {
    return snlp_text_ngram_ids(s, g, reciprocal, ids);
}

static size_t word_text(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                        uint32_t *ids) {
    for (size_t w = 0; w < s->words; w++)
        ids[w] = snlp_mod(snlp_span_hash(s, s->word_start[w], s->word_start[w + 1],
                                         SNLP_WORD_HASH_BYTES, g->seed),
                          reciprocal, g->buckets);
    return s->words;
}

static size_t script_text(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                          uint32_t *ids) {
    size_t n = 0, range = 0;
    (void)g, (void)reciprocal;
    if (s->utf8_offsets[s->framed.count] == s->framed.count) { /* ASCII: a-z, all Latin */
        uint32_t latin = snlp_script('a');
        size_t letters = s->framed.count - 2 * s->words;
        for (; n < letters; n++) ids[n] = latin;
        return n;
    }
    for (size_t w = 0; w < s->words; w++) {
        for (size_t k = s->word_start[w] + 1; k + 1 < s->word_start[w + 1]; k++) {
            uint32_t cp = s->framed.data[k]; /* letters of one script: one search */
            if (cp < snlp_script_starts[range] ||
                (range + 1 < snlp_script_range_count && cp >= snlp_script_starts[range + 1]))
                range = snlp_script_range(cp);
            ids[n++] = snlp_script_ids[range];
        }
    }
    return n;
}

/* -- tagging: the ids of token t, whose window position gives word w ----------- */
static size_t char_ngram_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                               size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    (void)w, (void)known; /* the focus token itself, pooled */
    return snlp_ngram_ids(s, s->word_start[t], s->word_start[t + 1], g, reciprocal, ids);
}

static size_t word_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                         size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    uint32_t h = snlp_span_hash(s, s->word_start[w], s->word_start[w + 1],
                                SNLP_WORD_HASH_BYTES, g->seed);
    (void)t; /* with a known-word bitmap, the last row: unknown words */
    ids[0] = known ? (known[w] ? h % (g->buckets - 1) : g->buckets - 1)
                   : snlp_mod(h, reciprocal, g->buckets);
    return 1;
}

static size_t prefix_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    size_t a = s->word_start[w], b = s->word_start[w + 1];
    size_t end = b < a + g->order + 1 ? b : a + g->order + 1;
    (void)t, (void)known;
    ids[0] = snlp_mod(snlp_span_hash(s, a, end, 4 * (g->order + 1), g->seed), reciprocal,
                      g->buckets);
    return 1;
}

static size_t suffix_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    size_t a = s->word_start[w], b = s->word_start[w + 1];
    size_t start = b - a > g->order + 1 ? b - g->order - 1 : a;
    (void)t, (void)known;
    ids[0] = snlp_mod(snlp_span_hash(s, start, b, 4 * (g->order + 1), g->seed), reciprocal,
                      g->buckets);
    return 1;
}

static size_t shape_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                          size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    (void)g, (void)reciprocal, (void)t, (void)known;
    ids[0] = s->shape[w];
    return 1;
}

static size_t cluster_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                            size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    (void)g, (void)reciprocal, (void)t, (void)known;
    ids[0] = s->lexical[2 * w];
    return 1;
}

static size_t case_ratio_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                               size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    (void)g, (void)reciprocal, (void)t, (void)known;
    ids[0] = s->lexical[2 * w + 1];
    return 1;
}

static size_t tag_class_token(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                              size_t t, size_t w, const uint8_t *known, uint32_t *ids) {
    /* MurmurHash3 of the mask's 4 little-endian bytes: one block, no tail */
    uint32_t h = snlp_murmur3_finish(snlp_murmur3_block(g->seed, s->masks[w]), 4);
    (void)t, (void)known;
    ids[0] = snlp_mod(h, reciprocal, g->buckets);
    return 1;
}

/* -- the rows a kind always has (0: the planner's choice) ---------------------- */
static uint64_t script_rows(const snlp_rows_context *c) {
    (void)c;
    return SNLP_SCRIPT_IDS;
}
static uint64_t shape_rows(const snlp_rows_context *c) {
    (void)c;
    return SNLP_SHAPE_IDS;
}
static uint64_t cluster_rows(const snlp_rows_context *c) { return c->clusters; }
static uint64_t case_ratio_rows(const snlp_rows_context *c) {
    (void)c;
    return SNLP_RATIO_IDS;
}
static uint64_t tag_class_rows(const snlp_rows_context *c) {
    (void)c;
    return SNLP_TAG_CLASS_IDS;
}
/* The first pass's tags, plus "not known yet" and padding. */
static uint64_t next_tag_rows(const snlp_rows_context *c) { return c->labels + 2; }
/* The tags, plus padding (and "not known yet" where a first pass runs). */
static uint64_t prev_tag_rows(const snlp_rows_context *c) {
    return c->labels + (c->next_tags ? 2 : 1);
}

const snlp_kind_rule snlp_kinds[SNLP_KIND_COUNT] = {
    [SNLP_CHAR_NGRAM] = {.name = "char_ngram", .langid = 1, .pos = 1, .has_order = 1,
                         .has_seed = 1, .text_ids = char_ngram_text,
                         .token_ids = char_ngram_token},
    [SNLP_WORD] = {.name = "word", .langid = 1, .pos = 1, .has_seed = 1, .has_offset = 1,
                   .text_ids = word_text, .token_ids = word_token},
    [SNLP_SCRIPT] = {.name = "script", .langid = 1, .fixed_rows = script_rows,
                     .text_ids = script_text},
    [SNLP_PREFIX] = {.name = "prefix", .pos = 1, .has_order = 1, .has_seed = 1,
                     .has_offset = 1, .token_ids = prefix_token},
    [SNLP_SUFFIX] = {.name = "suffix", .pos = 1, .has_order = 1, .has_seed = 1,
                     .has_offset = 1, .token_ids = suffix_token},
    [SNLP_SHAPE] = {.name = "shape", .pos = 1, .has_offset = 1, .fixed_rows = shape_rows,
                    .token_ids = shape_token},
    [SNLP_NEXT_TAG] = {.name = "next_tag", .pos = 1, .has_offset = 1,
                       .stage = SNLP_STAGE_NEXT_TAG, .fixed_rows = next_tag_rows},
    [SNLP_PREV_TAG] = {.name = "prev_tag", .pos = 1, .has_offset = 1,
                       .stage = SNLP_STAGE_PREVIOUS_TAG, .fixed_rows = prev_tag_rows},
    [SNLP_CLUSTER] = {.name = "cluster", .pos = 1, .has_offset = 1, .needs_lexicon = 1,
                      .fixed_rows = cluster_rows, .token_ids = cluster_token},
    [SNLP_CASE_RATIO] = {.name = "case_ratio", .pos = 1, .has_offset = 1, .needs_lexicon = 1,
                         .fixed_rows = case_ratio_rows, .token_ids = case_ratio_token},
    [SNLP_TAG_CLASS] = {.name = "tag_class", .pos = 1, .has_seed = 1, .has_offset = 1,
                        .needs_tag_dictionary = 1, .fixed_rows = tag_class_rows,
                        .token_ids = tag_class_token},
};
