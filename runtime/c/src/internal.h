/* Shared by the runtime's sources; not part of the public API. */
#ifndef SNLP_INTERNAL_H
#define SNLP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../include/smallnlp.h"

#include <string.h>

uint32_t snlp_crc32(const uint8_t *data, size_t size);

/* Little-endian reads from any alignment, inlined: the dense layers read
 * every weight through them. On a little-endian host a 4-byte memcpy is one
 * load; elsewhere the bytes are assembled. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint16_t snlp_read_u16(const uint8_t *p) {
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline uint32_t snlp_read_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}
#else
static inline uint16_t snlp_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t snlp_read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
#endif
static inline float snlp_read_f32(const uint8_t *p) {
    uint32_t bits = snlp_read_u32(p);
    float out;
    memcpy(&out, &bits, sizeof out);
    return out;
}

/* MurmurHash3 x86 32-bit (snlp_murmur3_32), inlined into the featurizers'
 * loops over short n-grams. */
static inline uint32_t snlp_rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static inline uint32_t snlp_murmur3_finish(uint32_t h, size_t size) {
    h ^= (uint32_t)size;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    return h ^ (h >> 16);
}
/* A 4-byte block mixed into h; a tail's bytes (a word of 1 to 3; 0, none,
 * changes nothing) mixed into h. */
static inline uint32_t snlp_murmur3_block(uint32_t h, uint32_t k) {
    return snlp_rotl32(h ^ snlp_rotl32(k * 0xcc9e2d51u, 15) * 0x1b873593u, 13) * 5 + 0xe6546b64u;
}
static inline uint32_t snlp_murmur3_tail(uint32_t h, uint32_t k) {
    return h ^ snlp_rotl32(k * 0xcc9e2d51u, 15) * 0x1b873593u;
}
static inline uint32_t snlp_murmur3(const uint8_t *bytes, size_t size, uint32_t seed) {
    size_t blocks = size / 4;
    uint32_t h = seed, k = 0;
    for (size_t i = 0; i < blocks; i++) h = snlp_murmur3_block(h, snlp_read_u32(bytes + 4 * i));
    switch (size & 3) {
    case 3: k ^= (uint32_t)bytes[4 * blocks + 2] << 16; /* fall through */
    case 2: k ^= (uint32_t)bytes[4 * blocks + 1] << 8;  /* fall through */
    case 1:
        k ^= bytes[4 * blocks];
        h = snlp_murmur3_tail(h, k);
    }
    return snlp_murmur3_finish(h, size);
}

/* snlp_murmur3 of a key of at most 4 * max_blocks bytes (an n-gram of
 * max_blocks code points), without a branch on its size: the n-grams of
 * words whose letters take 2 to 4 bytes have sizes a branch predictor cannot
 * guess. Inlined with a constant max_blocks, each block the key may have is
 * mixed and kept only where it has it; the tail is read as a whole word and
 * masked (all 0 when there is none, which then changes nothing). Reads
 * 4 * max_blocks + 4 bytes from `bytes`, at most SNLP_SHORT_KEY + 4, which
 * the caller's buffer holds (snlp_encode_framed pads it). */
#define SNLP_SHORT_KEY 16
/* The bytes of a tail of size % 4 bytes, read as a whole little-endian word. */
static const uint32_t snlp_tail_mask[4] = {0, 0xFFu, 0xFFFFu, 0xFFFFFFu};
static inline uint32_t snlp_murmur3_within(const uint8_t *bytes, size_t size, uint32_t seed,
                                           size_t max_blocks) {
    size_t blocks = size / 4;
    uint32_t h = seed;
    for (size_t i = 0; i < max_blocks; i++) {
        uint32_t mixed = snlp_murmur3_block(h, snlp_read_u32(bytes + 4 * i));
        h = i < blocks ? mixed : h;
    }
    h = snlp_murmur3_tail(h, snlp_read_u32(bytes + 4 * blocks) & snlp_tail_mask[size & 3]);
    return snlp_murmur3_finish(h, size);
}

/* snlp_murmur3 of a key after which at least 3 more bytes may be read (a
 * framed text's UTF-8, which snlp_encode_framed pads): the tail read as a
 * whole word and masked, as in snlp_murmur3_within, without snlp_murmur3's
 * branch on the size's last two bits (a word's size is hard to guess). */
static inline uint32_t snlp_murmur3_padded(const uint8_t *bytes, size_t size, uint32_t seed) {
    size_t blocks = size / 4;
    uint32_t h = seed;
    for (size_t i = 0; i < blocks; i++) h = snlp_murmur3_block(h, snlp_read_u32(bytes + 4 * i));
    h = snlp_murmur3_tail(h, snlp_read_u32(bytes + 4 * blocks) & snlp_tail_mask[size & 3]);
    return snlp_murmur3_finish(h, size);
}

/* x % d without a division (Lemire, Kaser and Kurz, "Faster remainder by
 * direct computation", 2019), for any 32-bit x and d > 0, given
 * reciprocal = snlp_reciprocal(d): bucket ids are taken hundreds of times a
 * text, and a division costs tens of cycles. */
static inline uint64_t snlp_reciprocal(uint32_t d) { return UINT64_MAX / d + 1; }
static inline uint32_t snlp_mod(uint32_t x, uint64_t reciprocal, uint32_t d) {
    uint64_t low = reciprocal * x; /* the high 64 bits of low * d */
#if defined(__SIZEOF_INT128__) /* one multiplication (GCC, clang, also in WebAssembly) */
    __extension__ typedef unsigned __int128 wide;
    return (uint32_t)(((wide)low * d) >> 64);
#else /* in 64-bit steps: the same number */
    return (uint32_t)(((low >> 32) * d + (((low & 0xFFFFFFFFu) * d) >> 32)) >> 32);
#endif
}

/* IEEE half -> float (snlp_half_to_float), inlined into pooling, without a
 * branch: the half's exponent and mantissa moved to a float's places make a
 * float 2^-112 times the value (of a subnormal half, a subnormal float), and
 * multiplying by 2^112 is exact; infinity and NaN take the float's top
 * exponent instead. The same bits as the textbook conversion for all 65,536
 * halves (tests/test_model.c checks each). */
static inline float snlp_half(uint16_t half) {
    uint32_t magnitude = (uint32_t)(half & 0x7FFF) << 13, sign = (uint32_t)(half & 0x8000) << 16;
    float scaled, out;
    memcpy(&scaled, &magnitude, sizeof scaled);
    scaled *= 0x1p112f;
    memcpy(&magnitude, &scaled, sizeof magnitude);
    if ((half & 0x7C00) == 0x7C00) magnitude = 0x7F800000u | (uint32_t)(half & 0x3FF) << 13;
    magnitude |= sign;
    memcpy(&out, &magnitude, sizeof out);
    return out;
}

/* A group's 8-bit table, and the dense layers: views found once, at open. */
typedef struct {
    snlp_matrix codes, offset, scale;
} snlp_embedding;
enum { SNLP_HIDDEN_WEIGHTS, SNLP_HIDDEN_BIAS, SNLP_OUTPUT_WEIGHTS, SNLP_OUTPUT_BIAS };
/* Member `member`'s (0 .. snlp_model_member_count - 1) table of a group, and
 * dense layers. */
const snlp_embedding *snlp_model_embedding(const snlp_model *model, size_t member, size_t group);
const snlp_matrix *snlp_model_dense(const snlp_model *model, size_t member, int which);
/* 8-bit dense layers (language ID only, one member): int8 weights, and one
 * float32 scale per output unit of each layer (which: 0 hidden, 1 output). */
int snlp_model_dense_int8(const snlp_model *model);
const snlp_matrix *snlp_model_dense_scales(const snlp_model *model, int which);
/* The dense layers of member 0 as snlp_model_logits computes them: the hidden
 * layer's ReLU activations from `width` inputs, and the logits from those
 * (float32, or 8-bit as docs/FORMAT.md says). `scratch` holds
 * snlp_dense_scratch_ints(model) ints. */
void snlp_hidden_layer(const snlp_model *model, const float *input, size_t width,
                       float *activation, int32_t *scratch);
void snlp_output_layer(const snlp_model *model, const float *activation, float *out,
                       int32_t *scratch);
size_t snlp_dense_scratch_ints(const snlp_model *model, size_t width);
/* The feature kinds (kinds.c's table), resolved once at open, so that the
 * hot paths index a table instead of comparing kind names. */
typedef enum {
    SNLP_CHAR_NGRAM, SNLP_WORD, SNLP_SCRIPT, SNLP_PREFIX, SNLP_SUFFIX, SNLP_SHAPE,
    SNLP_NEXT_TAG, SNLP_PREV_TAG, SNLP_CLUSTER, SNLP_CASE_RATIO, SNLP_TAG_CLASS,
    SNLP_KIND_COUNT
} snlp_kind;
/* A tagger's word lexicon (docs/FORMAT.md; smallnlp/lexicon.py): `count`
 * little-endian uint32 slots, their hash seed, the cluster ids and the
 * longest probe. case_ratio groups have SNLP_RATIO_IDS ids. */
typedef struct {
    const uint8_t *slots;
    uint32_t count, seed, clusters, probes;
} snlp_lexicon;
/* A tagger's tag dictionary (docs/FORMAT.md; smallnlp/tag_dictionary.py):
 * `count` word keys in increasing order and each one's tag mask, both
 * little-endian uint32, the seed the keys were hashed with, whether
 * they were hashed as written (`cased`) or lowercased, as the word groups,
 * and whether decoding keeps a word to its tags (else the dictionary serves
 * tag_class groups only). */
typedef struct {
    const uint8_t *words, *tags;
    uint32_t count, seed;
    int cased, decoding;
} snlp_tag_dictionary;
/* The allowed tags of the word whose key is `key`: its mask, or every tag. */
uint32_t snlp_allowed_tags(const snlp_tag_dictionary *d, uint32_t key);
#define SNLP_RATIO_IDS 12
#define SNLP_SCRIPT_IDS 32 /* text.SCRIPTS */
#define SNLP_SHAPE_IDS 144 /* batch.SHAPE_IDS */
#define SNLP_TAG_CLASS_IDS 1024 /* kinds.TAG_CLASS_BUCKETS */
const snlp_lexicon *snlp_model_lexicon(const snlp_model *model); /* NULL: none */
const snlp_tag_dictionary *snlp_model_tag_dictionary(const snlp_model *model); /* NULL: none */
/* Whether a tagger frames Hangul syllables as their jamo (features.hangul_jamo). */
int snlp_model_hangul_jamo(const snlp_model *model);
snlp_kind snlp_model_group_kind(const snlp_model *model, size_t group);
/* A number no other model opened in this process has (from 1): how a state
 * knows its model, since a freed model's address can be a new one's. */
uint64_t snlp_model_serial(const snlp_model *model);
/* Whether `state` was made for `model` (not another, nor a freed one at its address). */
int snlp_state_is_for(const snlp_state *state, const snlp_model *model);
/* snlp_reciprocal of a group's bucket count, found at open, for snlp_mod. */
uint64_t snlp_model_group_reciprocal(const snlp_model *model, size_t group);
/* A tagger's known-word bitmap (NULL: none), its size in bits and its seed. */
const uint8_t *snlp_model_known_words(const snlp_model *model, uint32_t *bits, uint32_t *seed);
/* One group's pooled embedding (dims floats) of one input's features, by a member's table. */
snlp_status snlp_pool_group(const snlp_model *model, size_t member, size_t group,
                            const snlp_features *features, float *out);
/* snlp_model_logits of `count` (at most SNLP_INPUTS_AT_ONCE) inputs, their
 * groups' features one input after another, into logits (label_count
 * apart): the same bits, with 8-bit layers read once for all (workspace:
 * snlp_workspace_doubles_many). */
snlp_status snlp_model_logits_many(const snlp_model *model, const snlp_features *groups,
                                   size_t count, double *workspace, double *logits);
size_t snlp_workspace_doubles_many(const snlp_model *model);
/* snlp_model_logits_many's two steps, for inputs featurized one after
 * another (language ID's batches): input t's pooled row into the
 * workspace; then the logits of the first `count` rows. */
snlp_status snlp_pool_input_at(const snlp_model *model, const snlp_features *groups,
                               double *workspace, size_t t);
snlp_status snlp_dense_many(const snlp_model *model, size_t count, double *workspace,
                            double *logits);

/* Products with a row-major float32 matrix in the file: out[c] += sum_i
 * x[i] * matrix[i][c] in double and in float; and out[t][c] = sum_i
 * x[t][i] * matrix[i][c] for SNLP_INPUTS_AT_ONCE inputs x[t] of `rows`
 * floats (out: `columns` apart), which reads the matrix once for all. */
void snlp_add_product(const double *x, size_t rows, const uint8_t *matrix, size_t columns,
                      double *out);
void snlp_add_int8_product(const int32_t *q, size_t rows, const uint8_t *matrix, size_t columns,
                           int32_t *sums);
void snlp_add_product_f32(const float *x, size_t rows, const uint8_t *matrix, size_t columns,
                          float *out);
#define SNLP_INPUTS_AT_ONCE 4
/* The int8 product of SNLP_INPUTS_AT_ONCE inputs (q: `rows` apart; sums:
 * `columns` apart), reading the matrix once for all: the sums of
 * snlp_add_int8_product for each. */
void snlp_add_int8_products(const int32_t *q, size_t rows, const uint8_t *matrix,
                            size_t columns, int32_t *sums);
void snlp_product_f32(const float *x, size_t rows, const uint8_t *matrix, size_t columns,
                      float *out);
/* The widest vector code these products use where the CPU has it (x86 with
 * GCC or clang; elsewhere only the portable code): AVX2, then for the int8
 * product AVX-VNNI, then AVX512-VNNI (in 256-bit vectors; several inputs'
 * product in 512-bit blocks where the CPU has AVX512-BW too) where there is
 * either. All levels compute the same bits; tests lower the limit to check
 * that against the portable code. */
enum { SNLP_SIMD_PORTABLE, SNLP_SIMD_AVX2, SNLP_SIMD_AVX_VNNI, SNLP_SIMD_AVX512_VNNI };
extern int snlp_simd_limit;
/* On x86 with GCC or clang, vector code beside the portable code, taken when
 * the CPU has AVX2 and tests have not held it back. */
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define SNLP_X86_VECTORS 1
#define SNLP_AVX2_ALLOWED() \
    (snlp_simd_limit >= SNLP_SIMD_AVX2 && __builtin_cpu_supports("avx2"))
#else
#define SNLP_X86_VECTORS 0
#define SNLP_AVX2_ALLOWED() 0
#endif

/* A growable array of code points. */
typedef struct {
    uint32_t *data;
    size_t count, capacity;
} snlp_codepoints;

/* Python's str.lower of `in`, into `out`; -1 when out of memory. */
int snlp_lowercase(const snlp_codepoints *in, snlp_codepoints *out);

int snlp_reserve(snlp_codepoints *buffer, size_t count);
int snlp_is_letter_or_mark(uint32_t cp);
/* UTF-8 -> code points (invalid sequences as U+FFFD; UTF-8-encoded
 * surrogates as themselves, as Python's "surrogatepass"), at most max_chars. */
int snlp_decode_utf8(const uint8_t *s, size_t n, size_t max_chars, snlp_codepoints *out);
/* The code point at s[*i] by the same rules, *i moved past it. */
uint32_t snlp_decode_next(const uint8_t *s, size_t n, size_t *i);
/* Featurizer version 2's normalisation of text, in place (scratch: any buffer). */
int snlp_normalize(snlp_codepoints *text, snlp_codepoints *scratch);
/* snlp_decode_utf8 of at most max_chars code points into `text`, then
 * snlp_normalize: in one pass when they are ASCII without markup. */
int snlp_normalize_utf8(const uint8_t *s, size_t n, size_t max_chars, snlp_codepoints *text,
                        snlp_codepoints *scratch);
/* Whether a snlp_text is one the runtime reads: a known encoding, data
 * aligned to its unit (NULL only when there is none). */
int snlp_text_valid(const snlp_text *text);
/* At most max_chars of a valid snlp_text's code points (Latin-1, UCS-2 or
 * UTF-32) into `text`, then snlp_normalize. */
int snlp_normalize_code_points(const snlp_text *in, size_t max_chars, snlp_codepoints *text,
                               snlp_codepoints *scratch);
/* A tagger's token normalised as its word features see it (featurizer
 * version 2): NFKC, the ș/ş fold, Python's str.lower, then ASCII digits 1-9
 * as 0 and the frame markers ^ $ as U+0001 U+0002. In place. */
int snlp_normalize_token(snlp_codepoints *token, snlp_codepoints *scratch);
/* The same, lowercased only if `lowercase` (a cased tag dictionary's keys),
 * and with `jamo` its Hangul syllables as their jamo (features.hangul_jamo). */
int snlp_token_form(snlp_codepoints *token, snlp_codepoints *scratch, int lowercase, int jamo);
int snlp_in_ranges(const uint32_t *ranges, size_t count, uint32_t cp);
/* Script index (docs/FORMAT.md) of a code point; the index of its range in
 * snlp_script_starts (the script: snlp_script_ids[that index]). */
uint32_t snlp_script(uint32_t cp);
size_t snlp_script_range(uint32_t cp);
size_t snlp_utf8_encode(uint32_t cp, uint8_t *out);
/* Grow *buffer (of *capacity elements of `size` bytes) to hold `needed`. */
int snlp_grow(void **buffer, size_t *capacity, size_t needed, size_t size);

/* Language ID's features of the normalised text in state->text: every
 * group's ids and weights, group g's from starts[g] (starts has a slot per
 * group and one more); -1 when out of memory. Models have at most
 * SNLP_MAX_GROUPS groups. */
#define SNLP_MAX_GROUPS 64
int snlp_langid_featurize(const snlp_model *model, snlp_state *state, size_t *starts);
/* The steps of snlp_langid_predict_among, for spans.c: a text's features
 * (decoded, normalised, featurized: state->ids and ->weights, group g's from
 * starts[g]); the logits of the features there; the answer from the logits
 * (turned into probabilities in place: every label's, or the best's alone);
 * snlp_langid_best_among's answer from the logits (the row left
 * unspecified). The caller has checked the model, state and group count. */
snlp_status snlp_langid_text_features(const snlp_model *model, snlp_state *state,
                                      const char *text, size_t size, size_t *starts);
snlp_status snlp_langid_features_logits(const snlp_model *model, snlp_state *state,
                                        const size_t *starts, double *logits);
snlp_status snlp_langid_answer(const snlp_model *model, const uint8_t *allowed, int has_letters,
                               int every_label, double *probabilities, size_t *best);
snlp_status snlp_langid_best_answer(const snlp_model *model, const uint8_t *allowed,
                                    int has_letters, double *logits, size_t *best,
                                    float *probability);

/* One word's step of the spans' labelling (spans.c): per label, stay (its
 * score) or switch from the leader (`switched`), whichever scores more (ties
 * stay), plus the word's score; a bit per label that switched, into bits;
 * returns the next leader, the first label of the largest score. Vector code
 * where allowed, with the portable code's bits and leader. */
size_t snlp_labelling_step(double *scores, const float *word, size_t labels, double switched,
                           uint8_t *bits);

/* Words are hashed by at most this many UTF-8 bytes of "^word$". */
#define SNLP_WORD_HASH_BYTES 64

/* Caller-owned working memory: every buffer grows to the largest input seen. */
struct snlp_state {
    const snlp_model *model; /* the model it was made for (snlp_state_new) */
    uint64_t serial;         /* and that model's snlp_model_serial */
    snlp_codepoints text, scratch;
    uint8_t *utf8;        /* UTF-8 bytes of framed words */
    size_t *utf8_offsets; /* byte offset of each of their code points (+ the end) */
    size_t utf8_capacity, offsets_capacity;
    uint32_t *ids;        /* feature ids of every group, one group after another */
    float *weights;
    size_t ids_capacity, weights_capacity;
    double *workspace;
    size_t workspace_size;
    /* framed words (a text's words; a tagger's tokens, then the padding words) */
    snlp_codepoints framed, token;
    size_t *word_start;   /* word w is framed.data[word_start[w] .. word_start[w + 1]) */
    size_t words;         /* a text's framed words (language ID) */
    uint32_t *shape;
    uint8_t *known;
    uint32_t *lexical;    /* per word: its cluster id and case_ratio id (word lexicon) */
    uint32_t *allowed;    /* per token: the tags decoding may give it (a mask) */
    uint32_t *masks;      /* per word: its tags in the tag dictionary (padding words: 0) */
    size_t word_capacity, shape_capacity, known_capacity, lexical_capacity, allowed_capacity,
        masks_capacity;
    double *hidden;       /* per member and token, the static features' share of it */
    float *tables;        /* per member, tag group and id, its share (float32, as numpy's) */
    int tables_ready;     /* `tables` holds the model's */
    uint32_t *first;      /* the first pass's tags */
    size_t hidden_capacity, tables_capacity, first_capacity;
    /* language spans (spans.c): each word's start and end byte, per word the
     * labelling's best label before it and a bit per label (switched from
     * it), the labellings' and a word's score per label, the spans being labelled;
     * the distinct words kept in the call: their scores, the hash table that
     * finds them by their bytes (per slot: word index + 1, row), their
     * features (ids and weights; a row's groups from span_id_starts[row *
     * (groups + 1)]), and each word's row (SPAN_NOT_KEPT: none) */
    size_t *span_words;
    uint32_t *span_leaders;
    uint8_t *span_switched;
    double *span_scores;
    snlp_span *span_work;
    float *span_rows;
    uint32_t *span_slots, *span_ids, *span_id_starts, *span_word_rows;
    float *span_weights;
    size_t span_words_capacity, span_leaders_capacity, span_switched_capacity,
        span_scores_capacity, span_work_capacity, span_rows_capacity, span_slots_capacity,
        span_ids_capacity, span_id_starts_capacity, span_word_rows_capacity,
        span_weights_capacity;
    /* snlp_langid_best_texts: the logits of the texts it scores at once */
    double *batch_logits;
    size_t batch_logits_capacity;
};

/* When a tagger's group is known: from the text (static), from a first pass
 * over the next tokens, or from the tags already given to the previous ones. */
enum { SNLP_STAGE_STATIC, SNLP_STAGE_NEXT_TAG, SNLP_STAGE_PREVIOUS_TAG };
/* What a kind's fixed row count depends on. */
typedef struct {
    uint64_t labels, clusters;
    int next_tags; /* the tagger has next_tag groups (decodes in two passes) */
} snlp_rows_context;
/* One feature kind (kinds.c; smallnlp/features/kinds.py): its name, the
 * tasks that may use it, the parameters it reads, whether it needs a word
 * lexicon or a tag dictionary, its decoding stage, the rows it always has (NULL: the planner
 * chooses) and how it makes ids: of all the framed words of state->framed,
 * word after word, for language ID (SIZE_MAX: out of memory), of token t
 * (whose window position gives word w; `known`: the known-word flags, or
 * NULL) for tagging. Each returns how many it wrote. */
typedef struct {
    const char *name;
    int langid, pos, has_order, has_seed, has_offset, needs_lexicon, needs_tag_dictionary,
        stage;
    uint64_t (*fixed_rows)(const snlp_rows_context *context);
    size_t (*text_ids)(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                       uint32_t *ids);
    size_t (*token_ids)(const snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                        size_t t, size_t w, const uint8_t *known, uint32_t *ids);
} snlp_kind_rule;
extern const snlp_kind_rule snlp_kinds[SNLP_KIND_COUNT];

/* primitives.c: exp of each of `count` values <= 0, in place, vectorised. */
void snlp_exp_nonpositive(double *x, size_t count);

/* framed.c: encode state->framed as UTF-8 (utf8, utf8_offsets); the hash of
 * framed code points [a, b), at most `limit` bytes; the ids of group g's
 * character n-grams of all the framed words (at most framed.count, and
 * SNLP_TEXT_IDS_SLACK - 1 more may be written past them; SIZE_MAX: out of
 * memory), or of the framed word [a, b) (at most b - a), written to ids,
 * their number returned. The framed words' markers: */
#define SNLP_TEXT_IDS_SLACK 8
#define SNLP_WORD_START 0x5E /* ^ */
#define SNLP_WORD_END 0x24   /* $ */
int snlp_encode_framed(snlp_state *s);
/* The steps of snlp_encode_framed, for language ID, which encodes as it
 * frames: room for `total` framed code points' UTF-8, code point cp put at
 * byte `at` (returns the byte after it), and the padding after the last. */
int snlp_reserve_utf8(snlp_state *s, size_t total);
static inline size_t snlp_put_utf8(uint8_t *utf8, size_t at, uint32_t cp) {
    if (cp < 0x80) { /* inline: most code points */
        utf8[at] = (uint8_t)cp;
        return at + 1;
    }
    return at + snlp_utf8_encode(cp, utf8 + at);
}
void snlp_finish_utf8(snlp_state *s, size_t total);
uint32_t snlp_span_hash(const snlp_state *s, size_t a, size_t b, size_t limit, uint32_t seed);
size_t snlp_text_ngram_ids(snlp_state *s, const snlp_group *g, uint64_t reciprocal,
                           uint32_t *ids);
size_t snlp_ngram_ids(const snlp_state *s, size_t a, size_t b, const snlp_group *g,
                      uint64_t reciprocal, uint32_t *ids);

#endif
