/* The C runtime's face for the JavaScript package (runtime/js/src/index.js):
 * one handle holds a model, its state and every buffer its calls reuse, so
 * that JavaScript passes only numbers and writes text straight into the
 * handle's buffer; after the first calls nothing is allocated per call, and
 * WebAssembly memory stops growing. Built for wasm32 by runtime/js/build.sh. */
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"

#define EXPORT(name) __attribute__((export_name(#name))) name

_Static_assert(sizeof(size_t) == 4, "the JavaScript side reads size_t arrays as Uint32Array");

typedef struct {
    snlp_model *model;
    snlp_state *state;
    void *file;             /* the model file's bytes: the model's arrays point into them */
    double *probabilities;  /* label_count */
    size_t *order;          /* label_count: top-k indexes */
    uint8_t *allowed;       /* label_count: the languages answered (setLanguages) */
    int subset;             /* 0: all languages */
    char *text;             /* the text or tokens of the current call, UTF-8 */
    size_t text_capacity;
    snlp_span *spans;
    size_t span_capacity;
    double *span_rows;      /* 4 per span: start, end (UTF-16 units), label, probability */
    size_t span_row_capacity;
    const char **tokens;
    size_t *sizes;          /* token sizes in bytes, written by JavaScript */
    uint32_t *tags;
    size_t token_capacity;
} handle;

/* The last failure's message, for the JavaScript error. */
static char message[SNLP_MESSAGE_SIZE];

static void say(const char *what) {
    strncpy(message, what, sizeof message - 1);
    message[sizeof message - 1] = 0;
}

static int fail(snlp_status status) {
    switch (status) {
    case SNLP_ERR_MEMORY: say("out of memory"); break;
    case SNLP_ERR_ARGUMENT: say("invalid argument"); break;
    case SNLP_ERR_STATE: say("the model was disposed"); break;
    default: say("error"); break;
    }
    return -1;
}

/* Make *buffer hold at least `count` items of `size` bytes (kept between calls). */
static int reserve(void **buffer, size_t *capacity, size_t count, size_t size) {
    void *grown;
    if (count <= *capacity) return 0;
    if (count > SIZE_MAX / size / 2) return -1;
    grown = realloc(*buffer, 2 * count * size);
    if (!grown) return -1;
    *buffer = grown;
    *capacity = 2 * count;
    return 0;
}

const char *EXPORT(snlpjs_message)(void) { return message; }

/* Room for a model file of `size` bytes; snlpjs_open takes it over. */
void *EXPORT(snlpjs_file_buffer)(size_t size) { return malloc(size ? size : 1); }

static void close_handle(handle *h) {
    snlp_state_free(h->state);
    snlp_model_free(h->model);
    free(h->file);
    free(h->probabilities);
    free(h->order);
    free(h->allowed);
    free(h->text);
    free(h->spans);
    free(h->span_rows);
    free(h->tokens);
    free(h->sizes);
    free(h->tags);
    free(h);
}

void EXPORT(snlpjs_close)(handle *h) {
    if (h) close_handle(h);
}

/* Open the model file in `file` (from snlpjs_file_buffer, freed here on
 * failure); NULL and snlpjs_message on failure. */
handle *EXPORT(snlpjs_open)(void *file, size_t size) {
    handle *h = calloc(1, sizeof *h);
    snlp_status status;
    size_t labels;
    if (!h) {
        free(file);
        say("out of memory");
        return NULL;
    }
    h->file = file;
    status = snlp_model_open_buffer(file, size, &h->model, message, sizeof message);
    if (status != SNLP_OK) {
        close_handle(h);
        return NULL;
    }
    labels = snlp_model_label_count(h->model);
    h->state = snlp_state_new(h->model);
    h->probabilities = malloc((labels + 1) * sizeof *h->probabilities);
    h->order = malloc((labels + 1) * sizeof *h->order);
    h->allowed = malloc(labels + 1);
    if (!h->state || !h->probabilities || !h->order || !h->allowed) {
        close_handle(h);
        say("out of memory");
        return NULL;
    }
    return h;
}

const char *EXPORT(snlpjs_task)(const handle *h) { return snlp_model_task(h->model); }
size_t EXPORT(snlpjs_label_count)(const handle *h) { return snlp_model_label_count(h->model); }
const char *EXPORT(snlpjs_label)(const handle *h, size_t k) {
    return snlp_model_label(h->model, k);
}
size_t EXPORT(snlpjs_max_chars)(const handle *h) { return snlp_model_max_chars(h->model); }
double *EXPORT(snlpjs_probabilities)(const handle *h) { return h->probabilities; }
size_t *EXPORT(snlpjs_order)(const handle *h) { return h->order; }
double *EXPORT(snlpjs_span_rows)(const handle *h) { return h->span_rows; }
uint32_t *EXPORT(snlpjs_tags)(const handle *h) { return h->tags; }
size_t *EXPORT(snlpjs_sizes)(const handle *h) { return h->sizes; }

/* The language subset: JavaScript writes 0/1 per label into it, then calls
 * snlpjs_use_subset(h, 1); snlpjs_use_subset(h, 0) answers every language. */
uint8_t *EXPORT(snlpjs_allowed)(const handle *h) { return h->allowed; }
void EXPORT(snlpjs_use_subset)(handle *h, int on) { h->subset = on; }

/* Room for `size` bytes of UTF-8 text (NULL: out of memory). */
char *EXPORT(snlpjs_text)(handle *h, size_t size) {
    if (reserve((void **)&h->text, &h->text_capacity, size + 1, 1)) {
        say("out of memory");
        return NULL;
    }
    return h->text;
}

/* Language ID of the `size` bytes in the text buffer: the best label's index
 * (label_count: "und"), the probabilities in snlpjs_probabilities; -1 on failure. */
int EXPORT(snlpjs_identify)(handle *h, size_t size) {
    size_t best;
    snlp_status status = snlp_langid_predict_among(h->model, h->state, h->text, size,
                                                   h->subset ? h->allowed : NULL,
                                                   h->probabilities, &best);
    return status == SNLP_OK ? (int)best : fail(status);
}

/* The k best of the last snlpjs_identify, into snlpjs_order: how many. */
size_t EXPORT(snlpjs_top_k)(handle *h, size_t k) {
    return snlp_top_k_among(h->probabilities, snlp_model_label_count(h->model),
                            h->subset ? h->allowed : NULL, k, h->order);
}

/* UTF-16 code units before each byte offset (ascending) of valid UTF-8:
 * a 4-byte sequence is a surrogate pair, any other one unit. */
static void to_utf16(const char *text, double *rows, size_t count) {
    size_t byte = 0, units = 0;
    for (size_t i = 0; i < 2 * count; i++) {
        double *offset = &rows[4 * (i / 2) + i % 2];
        size_t target = (size_t)*offset;
        for (; byte < target; byte++) {
            unsigned char c = (unsigned char)text[byte];
            units += (c & 0xC0) != 0x80;
            units += c >= 0xF0;
        }
        *offset = (double)units;
    }
}

/* The runs of one language of the `size` bytes in the text buffer (valid
 * UTF-8, as TextEncoder writes it), into snlpjs_span_rows with UTF-16
 * offsets: how many, or -1 on failure. */
int EXPORT(snlpjs_spans)(handle *h, size_t size, double threshold) {
    size_t count = 0;
    snlp_status status;
    if (!h->spans && reserve((void **)&h->spans, &h->span_capacity, 64, sizeof *h->spans))
        return fail(SNLP_ERR_MEMORY);
    for (;;) {
        status = snlp_langid_spans(h->model, h->state, h->text, size,
                                   h->subset ? h->allowed : NULL, threshold,
                                   SNLP_SPAN_SWITCH_COST, 0, h->spans, h->span_capacity, &count);
        if (status != SNLP_OK) return fail(status);
        if (count <= h->span_capacity) break;
        if (reserve((void **)&h->spans, &h->span_capacity, count, sizeof *h->spans))
            return fail(SNLP_ERR_MEMORY);
    }
    if (reserve((void **)&h->span_rows, &h->span_row_capacity, 4 * count + 1,
                sizeof *h->span_rows))
        return fail(SNLP_ERR_MEMORY);
    for (size_t i = 0; i < count; i++) {
        double *row = &h->span_rows[4 * i];
        row[0] = (double)h->spans[i].start;
        row[1] = (double)h->spans[i].end;
        row[2] = (double)h->spans[i].label;
        row[3] = h->spans[i].probability;
    }
    to_utf16(h->text, h->span_rows, count);
    return (int)count;
}

/* Room for a sentence of `count` tokens: their sizes go to snlpjs_sizes,
 * their bytes, one after another, to snlpjs_text(h, total). 0, or -1. */
int EXPORT(snlpjs_tokens)(handle *h, size_t count) {
    size_t capacity = 2 * (count + 1);
    void *tokens, *sizes, *tags;
    if (count + 1 <= h->token_capacity) return 0;
    if (count > SIZE_MAX / 16) return fail(SNLP_ERR_MEMORY);
    tokens = realloc(h->tokens, capacity * sizeof *h->tokens);
    if (tokens) h->tokens = tokens;
    sizes = realloc(h->sizes, capacity * sizeof *h->sizes);
    if (sizes) h->sizes = sizes;
    tags = realloc(h->tags, capacity * sizeof *h->tags);
    if (tags) h->tags = tags;
    if (!tokens || !sizes || !tags) return fail(SNLP_ERR_MEMORY);
    h->token_capacity = capacity;
    return 0;
}

/* Tag the `count` tokens laid out by snlpjs_tokens: tag indexes in
 * snlpjs_tags; 0, or -1 on failure. */
int EXPORT(snlpjs_tag)(handle *h, size_t count) {
    const char *token = h->text;
    snlp_status status;
    for (size_t i = 0; i < count; i++) {
        h->tokens[i] = token;
        token += h->sizes[i];
    }
    status = snlp_pos_tag(h->model, h->state, h->tokens, h->sizes, count, h->tags);
    return status == SNLP_OK ? 0 : fail(status);
}
