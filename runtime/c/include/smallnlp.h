/*
 * smallnlp C runtime: reads the .snlp model files the Python package trains
 * (docs/FORMAT.md). C11, libc and libm only.
 *
 * Usage (language ID; a tagger is the same with snlp_pos_tag):
 *
 *     char message[SNLP_MESSAGE_SIZE];
 *     snlp_model *model;
 *     if (snlp_model_open_file("langid.snlp", &model, message, sizeof message) != SNLP_OK) {
 *         fprintf(stderr, "%s\n", message);   // why the file was refused
 *         return 1;
 *     }
 *     snlp_state *state = snlp_state_new(model);  // one per thread, bound to `model`
 *     double *probabilities = malloc(snlp_model_label_count(model) * sizeof(double));
 *     size_t best;
 *     if (state && probabilities &&
 *         snlp_langid_predict(model, state, text, strlen(text), probabilities, &best) == SNLP_OK)
 *         printf("%s\n", best < snlp_model_label_count(model)
 *                            ? snlp_model_label(model, best) : "und");  // "und": no letters
 *     free(probabilities);
 *     snlp_state_free(state);
 *     snlp_model_free(model);
 *
 * What it does: the loader (container, metadata, arrays, weights views), the
 * hashing primitives, the network (features -> logits), language ID (text ->
 * probabilities) and tagging (tokens -> tags), for featurizer version 2.
 *
 * Manners: a model is immutable once opened and may be shared between
 * threads; every function returns a status and, on failure, writes a message
 * into the caller's buffer. Nothing aborts or exits, and every count and
 * offset read from a file is checked against the bytes that are there.
 */
#ifndef SMALLNLP_H
#define SMALLNLP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    SNLP_OK = 0,
    SNLP_ERR_ARGUMENT = 1,    /* a NULL pointer or an index out of range */
    SNLP_ERR_IO = 2,          /* a file could not be read */
    SNLP_ERR_FORMAT = 3,      /* not a valid .snlp file: the message says why */
    SNLP_ERR_UNSUPPORTED = 4, /* a valid file this runtime cannot reproduce */
    SNLP_ERR_MEMORY = 5,      /* an allocation failed */
    SNLP_ERR_STATE = 6        /* a state made for another model (or a freed one) */
} snlp_status;

/* Recommended size of the message buffers passed below. */
#define SNLP_MESSAGE_SIZE 256

/* The newest format version this runtime reads (it reads version 2 too;
 * version 3 adds 8-bit dense layers, docs/FORMAT.md). */
#define SNLP_FORMAT_VERSION 3

typedef struct snlp_model snlp_model;

/* Element types of the arrays in a file. */
typedef enum { SNLP_U8, SNLP_F16, SNLP_F32, SNLP_I32, SNLP_I64, SNLP_I8 } snlp_dtype;

/* A read-only view of one array of a model (after CLD3's
 * EmbeddingNetworkParams::Matrix): rows x cols elements, row-major, little
 * endian, pointing into the model's bytes. 1-d arrays have cols == 1. */
typedef struct {
    const uint8_t *data;
    snlp_dtype dtype;
    uint64_t rows;
    uint64_t cols;
} snlp_matrix;

/* One feature group, as the metadata declares it. */
typedef struct {
    const char *name;
    const char *kind; /* char_ngram, word, script, prefix, suffix, shape, prev_tag, next_tag */
    uint32_t buckets;
    uint32_t dims;
    uint32_t order;
    uint32_t seed;
    int32_t offset;
} snlp_group;

/* Open a model held in `data` (`size` bytes), which must stay valid and
 * unchanged until snlp_model_free: the model's arrays are views into it,
 * not copies. `message` (may be NULL) receives the reason for a failure. */
snlp_status snlp_model_open_buffer(const void *data, size_t size, snlp_model **model,
                                   char *message, size_t message_size);

/* Open a model file: its bytes are read into one buffer the model owns. */
snlp_status snlp_model_open_file(const char *path, snlp_model **model, char *message,
                                 size_t message_size);

void snlp_model_free(snlp_model *model);

const char *snlp_model_task(const snlp_model *model); /* "langid" or "pos" */
uint32_t snlp_model_featurizer_version(const snlp_model *model);
size_t snlp_model_label_count(const snlp_model *model);
const char *snlp_model_label(const snlp_model *model, size_t index); /* NULL past the end */
size_t snlp_model_group_count(const snlp_model *model);
const snlp_group *snlp_model_group(const snlp_model *model, size_t index);
uint32_t snlp_model_hidden(const snlp_model *model);
double snlp_model_temperature(const snlp_model *model); /* 1 without calibration */
uint32_t snlp_model_max_chars(const snlp_model *model);  /* langid; 0 for pos */

/* Bytes the open model allocated besides the file's bytes (its tables of
 * labels, groups and array views; allocator overhead not counted). */
size_t snlp_model_heap_bytes(const snlp_model *model);

/* The array called `name` (as in docs/FORMAT.md), or SNLP_ERR_ARGUMENT. */
snlp_status snlp_model_array(const snlp_model *model, const char *name, snlp_matrix *out);

/* Networks in the model: 1, or a tagger's members (docs/FORMAT.md,
 * "members"), whose tag probabilities snlp_pos_tag averages. */
size_t snlp_model_member_count(const snlp_model *model);

/* Row `row` of group `group`'s 8-bit table (of the first member; of member
 * `member`), decoded: offset + code * scale in float32, `dims` values written
 * to `out`. */
snlp_status snlp_model_embedding_row(const snlp_model *model, size_t group, uint32_t row,
                                     float *out);
snlp_status snlp_model_member_row(const snlp_model *model, size_t member, size_t group,
                                  uint32_t row, float *out);

/* One feature group's features of one input: `count` bucket ids and their
 * weights (docs/FORMAT.md, "Pool"); count 0 gives the group zeros. */
typedef struct {
    const uint32_t *ids;
    const float *weights;
    size_t count;
} snlp_features;

/* The doubles of caller-owned workspace snlp_model_logits needs: an
 * immutable model, and state the caller owns (one workspace per thread). */
size_t snlp_workspace_doubles(const snlp_model *model);

/* Logits (label_count doubles) for one input, from its features in every
 * group (`groups` has snlp_model_group_count entries): pooled 8-bit rows,
 * concatenated, hidden ReLU, output layer (dense layers in float32; the
 * Python reference uses float64, docs/FORMAT.md), of the first member. Divide
 * by the temperature before a softmax.
 * SNLP_ERR_ARGUMENT if an id is outside its group. */
snlp_status snlp_model_logits(const snlp_model *model, const snlp_features *groups,
                              double *workspace, double *logits);

/* Working memory for the calls on one model (whisper.cpp's init_state):
 * buffers that grow to the largest input seen and are reused, and what the
 * model's calls cache (a tagger's tables). Made from its model and bound to
 * it: a call given a state made for another model, or for a model since freed
 * (even when a new one was opened at its address), fails with
 * SNLP_ERR_STATE. One per thread; free it before or after its model. */
typedef struct snlp_state snlp_state;
snlp_state *snlp_state_new(const snlp_model *model); /* NULL: model NULL, or out of memory */
void snlp_state_free(snlp_state *state);
/* The bytes a state's buffers hold (they grow to the largest input seen). */
size_t snlp_state_heap_bytes(const snlp_state *state);
/* Frees the state's largest buffers until it holds at most max_bytes (or only
 * itself) and returns what it holds: a state kept between calls stays small
 * after a long input, and keeps the buffers a usual one needs (they grow
 * again when a call needs more). */
size_t snlp_state_trim(snlp_state *state, size_t max_bytes);

/* Language ID of one UTF-8 text (`size` bytes; invalid sequences read as
 * U+FFFD): the label_count probabilities, calibrated, and the index of the
 * best label; *best == label_count (all probabilities 0) for a text without
 * letters, the "und" answer. Only the first max_chars code points are read. */
snlp_status snlp_langid_predict(const snlp_model *model, snlp_state *state, const char *text,
                                size_t size, double *probabilities, size_t *best);
/* The same, answering only labels k with allowed[k] nonzero (NULL: all of
 * them): the others get probability 0 and the rest is renormalised over the
 * allowed ones, as LanguageIdentifier.set_languages. SNLP_ERR_ARGUMENT if
 * none is allowed. */
snlp_status snlp_langid_predict_among(const snlp_model *model, snlp_state *state,
                                      const char *text, size_t size, const uint8_t *allowed,
                                      double *probabilities, size_t *best);
/* The best label alone, as snlp_langid_predict_among's probabilities rank
 * once rounded to float (the Python package's float32): the first label of
 * the largest, and that probability (label_count and 0 for no letters).
 * Faster: no other label's probability is finished. `work` holds label_count
 * doubles, left unspecified. */
snlp_status snlp_langid_best_among(const snlp_model *model, snlp_state *state,
                                   const char *text, size_t size, const uint8_t *allowed,
                                   double *work, size_t *best, float *probability);
/* A text in one of the encodings the language-ID calls below read: UTF-8
 * (`count` bytes, as the calls above), or code points of one width, each
 * unit one code point with nothing to decode: Latin-1 (bytes), UCS-2
 * (uint16_t; a surrogate is read as itself, pairs are not joined) or UTF-32
 * (uint32_t; past U+10FFFF read as U+FFFD); `data` aligned to its unit.
 * Python's str keeps its text in the last three (PEP 393). */
typedef enum { SNLP_UTF8 = 0, SNLP_LATIN1 = 1, SNLP_UCS2 = 2, SNLP_UTF32 = 4 } snlp_encoding;
typedef struct {
    const void *data;
    size_t count; /* units */
    snlp_encoding encoding;
} snlp_text;
/* snlp_langid_predict_among and snlp_langid_best_among of such a text: the
 * same answers as for its UTF-8. SNLP_ERR_ARGUMENT for another encoding or
 * misaligned data. */
snlp_status snlp_langid_predict_text(const snlp_model *model, snlp_state *state,
                                     const snlp_text *text, const uint8_t *allowed,
                                     double *probabilities, size_t *best);
snlp_status snlp_langid_best_text(const snlp_model *model, snlp_state *state,
                                  const snlp_text *text, const uint8_t *allowed, double *work,
                                  size_t *best, float *probability);
/* snlp_langid_best_text of `count` texts, best[i] and probability[i] for
 * texts[i]: the same answers, faster (with 8-bit dense layers, a few texts'
 * layers are computed at once). */
snlp_status snlp_langid_best_texts(const snlp_model *model, snlp_state *state,
                                   const snlp_text *texts, size_t count,
                                   const uint8_t *allowed, size_t *best, float *probability);
/* The indexes of the k largest of count probabilities, largest first (equal
 * ones by index), into indexes; returns how many (k, or count if smaller). */
size_t snlp_top_k(const double *probabilities, size_t count, size_t k, size_t *indexes);
/* The same among the labels i with allowed[i] nonzero (NULL: all of them):
 * at most as many as are allowed, so a subset's top k never lists others. */
size_t snlp_top_k_among(const double *probabilities, size_t count, const uint8_t *allowed,
                        size_t k, size_t *indexes);
/* A run of one language in a text: its bytes [start, end), its label
 * (label_count: "und") and that label's probability for the run's text. */
typedef struct {
    size_t start, end, label;
    double probability;
} snlp_span;
/* The switch cost the Python package uses (LanguageIdentifier.spans). */
#define SNLP_SPAN_SWITCH_COST 20.0
/* The runs of one language in a UTF-8 text, in order, covering it whole, as
 * LanguageIdentifier.spans finds them: each word (run of letters and marks
 * outside <markup>) is scored alone, the labelling of the words that
 * maximises the sum of their log probabilities less `switch_cost` per change
 * of label is found (Viterbi, linear in the text), and each run is labelled
 * as snlp_langid_predict_among labels its bytes ("und", label_count, for no
 * letters or a probability below `threshold`); neighbours given one label are
 * merged and labelled again. A run starts at its first word's first byte
 * (the first at 0), so what lies between two words ends the earlier run; a
 * text without letters is one "und" run. Runs are labelled from at most their
 * first `max_chars` code points (0: the model's max_chars, as predict reads
 * a text). Writes at most `capacity` spans and
 * sets *count to how many there are: call again with a larger array if that
 * is more (a text of n bytes has at most n / 2 + 1). Offsets are bytes: the
 * characters before byte b are the bytes before it that are not UTF-8
 * continuation bytes (10xxxxxx) in valid UTF-8. */
snlp_status snlp_langid_spans(const snlp_model *model, snlp_state *state, const char *text,
                              size_t size, const uint8_t *allowed, double threshold,
                              double switch_cost, size_t max_chars, snlp_span *spans,
                              size_t capacity, size_t *count);
/* The same text's logits before calibration; *has_letters 0 for no letters. */
snlp_status snlp_langid_logits(const snlp_model *model, snlp_state *state, const char *text,
                               size_t size, double *logits, int *has_letters);

/* Tag one sentence of `count` tokens (UTF-8, `sizes[i]` bytes each): the index
 * of each token's tag (snlp_model_label). Sentences longer than 1,000 tokens
 * are tagged in pieces of 1,000, as the Python package does. */
snlp_status snlp_pos_tag(const snlp_model *model, snlp_state *state, const char *const *tokens,
                         const size_t *sizes, size_t count, uint32_t *tags);

/* MurmurHash3 x86 32-bit (unsigned), as mmh3.hash(data, seed, signed=False). */
uint32_t snlp_murmur3_32(const void *data, size_t size, uint32_t seed);

/* IEEE half -> float, exact. */
float snlp_half_to_float(uint16_t half);

#ifdef __cplusplus
}
#endif

#endif /* SMALLNLP_H */
