/* C tests of the loader: the golden models (made by the Python package,
 * tests/make_golden.py) read back exactly, and damaged or hostile files refused
 * with an error code. Usage: test_model GOLDEN_DIR [MODEL.snlp...] (models on
 * which the vector code is checked against the portable code too) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"
#include "../src/internal.h" /* snlp_crc32: the library's own, checked by the golden files */

static int failures = 0;

#define CHECK(condition, ...)                                       \
    do {                                                            \
        if (!(condition)) {                                         \
            failures++;                                             \
            fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);         \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
        }                                                           \
    } while (0)

static unsigned char *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *bytes;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    bytes = malloc((size_t)n + 1);
    if (bytes && fread(bytes, 1, (size_t)n, f) != (size_t)n) {
        free(bytes);
        bytes = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

static int hex_bytes(const char *hex, unsigned char *out, size_t *n) {
    *n = 0;
    if (!strcmp(hex, "-")) return 0;
    for (; hex[0] && hex[1]; hex += 2) {
        unsigned value;
        if (sscanf(hex, "%2x", &value) != 1) return -1;
        out[(*n)++] = (unsigned char)value;
    }
    return 0;
}

#define MAX_GROUPS 16
#define MAX_FEATURES 1024

/* The features of one input, as listed by "features" lines. */
typedef struct {
    uint32_t ids[MAX_GROUPS][MAX_FEATURES];
    float weights[MAX_GROUPS][MAX_FEATURES];
    snlp_features groups[MAX_GROUPS];
} input_features;

static int read_features(char *line, input_features *in) {
    unsigned long text, group, count;
    char *cursor = line;
    if (sscanf(line, "features %lu %lu %lu", &text, &group, &count) != 3 ||
        group >= MAX_GROUPS || count > MAX_FEATURES)
        return -1;
    for (int skip = 0; skip < 4 && cursor; skip++) cursor = strchr(cursor + (skip > 0), ' ');
    for (unsigned long f = 0; f < count; f++) {
        char *end;
        if (!cursor) return -1;
        in->ids[group][f] = (uint32_t)strtoul(cursor + 1, &end, 10);
        if (*end != ':') return -1;
        in->weights[group][f] = strtof(end + 1, &cursor);
    }
    in->groups[group] = (snlp_features){in->ids[group], in->weights[group], count};
    return 0;
}

static void compare_logits(const snlp_model *model, const char *line, const double *logits,
                           const char *name, const char *what) {
    unsigned long text = 0;
    char *cursor = strchr(line + 7, ' ');
    size_t labels = snlp_model_label_count(model);
    CHECK(sscanf(line, "logits %lu", &text) == 1, "%s: bad logits line", name);
    for (size_t k = 0; k < labels && cursor; k++) {
        double want = strtod(cursor, &cursor);
        CHECK(fabs(logits[k] - want) <= 1e-5 * (1 + fabs(want)),
              "%s: text %lu logit %zu from %s: %.17g, expected %.17g", name, text, k, what,
              logits[k], want);
    }
}

/* The C network's logits from the listed features, within 1e-5. */
static void check_logits(const snlp_model *model, char *line, const input_features *in,
                         const char *name) {
    double workspace[4096], logits[1024];
    if (snlp_model_label_count(model) > 1024 || snlp_workspace_doubles(model) > 4096) {
        CHECK(0, "%s: model too large for the test", name);
        return;
    }
    CHECK(snlp_model_logits(model, in->groups, workspace, logits) == SNLP_OK, "%s: logits",
          name);
    compare_logits(model, line, logits, name, "features");
}

/* The C featurizer and network: a "text" line's logits against the "logits"
 * line before it. */
static void check_text(const snlp_model *model, const char *line, const char *logits_line,
                       const char *name) {
    unsigned char bytes[1024];
    char hex[2100];
    unsigned long index = 0;
    size_t n = 0;
    double logits[1024];
    int has_letters;
    snlp_state *state = snlp_state_new(model);
    CHECK(sscanf(line, "text %lu %2099s", &index, hex) == 2 && hex_bytes(hex, bytes, &n) == 0,
          "%s: bad text line", name);
    CHECK(snlp_langid_logits(model, state, (const char *)bytes, n, logits, &has_letters) ==
          SNLP_OK, "%s: text %lu", name, index);
    compare_logits(model, logits_line, logits, name, "text");
    snlp_state_free(state);
}

/* A "tags" line against the C tagger's tags for the "sentence" line before
 * it (tab-separated tokens, hex-encoded). */
static void check_tags(const snlp_model *model, const char *line, const char *sentence_line,
                       const char *name) {
    static unsigned char bytes[4096];
    static char hex[8200];
    const char *tokens[256];
    size_t sizes[256], n = 0, count = 0, start = 0;
    uint32_t tags[256];
    unsigned long index = 0, expected_count = 0;
    char *cursor;
    snlp_state *state = snlp_state_new(model);
    CHECK(sscanf(sentence_line, "sentence %lu %8199s", &index, hex) == 2 &&
          hex_bytes(hex, bytes, &n) == 0, "%s: bad sentence line", name);
    for (size_t i = 0; i <= n && n; i++) {
        if (i == n || bytes[i] == '\t') {
            tokens[count] = (const char *)bytes + start;
            sizes[count++] = i - start;
            start = i + 1;
        }
    }
    CHECK(sscanf(line, "tags %lu %lu", &index, &expected_count) == 2 && expected_count == count,
          "%s: sentence %lu has %zu tokens, expected %lu", name, index, count, expected_count);
    CHECK(snlp_pos_tag(model, state, tokens, sizes, count, tags) == SNLP_OK, "%s: tagging", name);
    cursor = strchr(strchr(strchr(line, ' ') + 1, ' ') + 1, ' ');
    for (size_t k = 0; k < count && cursor; k++) {
        unsigned long want = strtoul(cursor + 1, &cursor, 10);
        CHECK(tags[k] == want, "%s: sentence %lu token %zu: tag %u, expected %lu", name, index,
              k, tags[k], want);
    }
    snlp_state_free(state);
}

/* Every line of NAME.expected holds for NAME.snlp. */
/* A "row" or "member_row" line: member `member`'s row `row` of group `group`
 * decoded, against the values after the line's first `fields` fields (the
 * first member's through snlp_model_embedding_row, the others' through
 * snlp_model_member_row). */
static void check_row(const snlp_model *model, unsigned long member, unsigned long group,
                      unsigned long row, const char *line, int fields, const char *name) {
    const snlp_group *g = snlp_model_group(model, group);
    float values[256];
    const char *cursor = line;
    snlp_status status;
    CHECK(g && g->dims <= 256, "%s: row of group %lu", name, group);
    if (!g || g->dims > 256) return;
    status = member ? snlp_model_member_row(model, member, group, (uint32_t)row, values)
                    : snlp_model_embedding_row(model, group, (uint32_t)row, values);
    CHECK(status == SNLP_OK, "%s: member %lu row %lu %lu", name, member, group, row);
    for (int skip = 0; skip < fields; skip++) cursor = strchr(cursor, ' ') + 1;
    for (uint32_t k = 0; k < g->dims; k++) {
        char *end;
        float want = strtof(cursor, &end);
        CHECK(end != cursor && values[k] == want, "%s: member %lu row %lu %lu value %u: %.9g, "
              "expected %.9g", name, member, group, row, k, values[k], want);
        cursor = end;
    }
}

static void check_golden(const char *dir, const char *name) {
    char path[1024], line[65536], message[SNLP_MESSAGE_SIZE];
    snlp_model *model = NULL;
    static input_features in;
    static char logits_line[65536], sentence_line[65536];
    FILE *expected;
    snlp_status status;
    int lines = 0, logits_checked = 0;
    snprintf(path, sizeof path, "%s/%s.snlp", dir, name);
    status = snlp_model_open_file(path, &model, message, sizeof message);
    CHECK(status == SNLP_OK, "%s: %s", path, message);
    if (status != SNLP_OK) return;
    snprintf(path, sizeof path, "%s/%s.expected", dir, name);
    expected = fopen(path, "r");
    CHECK(expected != NULL, "cannot open %s", path);
    while (expected && fgets(line, sizeof line, expected)) {
        char word[64], text[256], kind[64];
        unsigned long a, b, c, d, e;
        long offset;
        double number;
        lines++;
        line[strcspn(line, "\n")] = '\0';
        if (sscanf(line, "task %63s", word) == 1) {
            CHECK(!strcmp(snlp_model_task(model), word), "%s: task", name);
        } else if (sscanf(line, "featurizer %lu", &a) == 1) {
            CHECK(snlp_model_featurizer_version(model) == a, "%s: featurizer", name);
        } else if (sscanf(line, "hidden %lu", &a) == 1) {
            CHECK(snlp_model_hidden(model) == a, "%s: hidden", name);
        } else if (sscanf(line, "max_chars %lu", &a) == 1) {
            CHECK(snlp_model_max_chars(model) == a, "%s: max_chars", name);
        } else if (sscanf(line, "temperature %lf", &number) == 1) {
            CHECK(snlp_model_temperature(model) == number, "%s: temperature", name);
        } else if (sscanf(line, "labels %lu", &a) == 1) {
            CHECK(snlp_model_label_count(model) == a, "%s: label count", name);
        } else if (sscanf(line, "label %lu %255s", &a, text) == 2) {
            const char *label = snlp_model_label(model, a);
            CHECK(label && !strcmp(label, text), "%s: label %lu", name, a);
        } else if (sscanf(line, "group %lu %255s %63s %lu %lu %lu %lu %ld", &a, text, kind, &b,
                          &c, &d, &e, &offset) == 8) {
            const snlp_group *g = snlp_model_group(model, a);
            CHECK(g && !strcmp(g->name, text) && !strcmp(g->kind, kind) && g->buckets == b &&
                  g->dims == c && g->order == d && g->seed == e && g->offset == offset,
                  "%s: group %lu", name, a);
        } else if (sscanf(line, "row %lu %lu", &a, &b) == 2) {
            check_row(model, 0, a, b, line, 3, name);
        } else if (sscanf(line, "members %lu", &a) == 1) {
            CHECK(snlp_model_member_count(model) == a, "%s: members", name);
        } else if (sscanf(line, "member_row %lu %lu %lu", &c, &a, &b) == 3) {
            check_row(model, c, a, b, line, 4, name);
        } else if (!strncmp(line, "features ", 9)) {
            CHECK(read_features(line, &in) == 0, "%s: bad features line", name);
        } else if (!strncmp(line, "logits ", 7)) {
            check_logits(model, line, &in, name);
            snprintf(logits_line, sizeof logits_line, "%s", line);
            logits_checked++;
        } else if (!strncmp(line, "text ", 5)) {
            check_text(model, line, logits_line, name);
        } else if (!strncmp(line, "sentence ", 9)) {
            snprintf(sentence_line, sizeof sentence_line, "%s", line);
        } else if (!strncmp(line, "tags ", 5)) {
            check_tags(model, line, sentence_line, name);
            logits_checked++;
        } else if (sscanf(line, "hash %lu %255s %lu", &a, text, &b) == 3) {
            unsigned char bytes[128];
            size_t n;
            CHECK(hex_bytes(text, bytes, &n) == 0, "bad hex %s", text);
            CHECK(snlp_murmur3_32(bytes, n, (uint32_t)a) == b, "murmur3(%s, %lu)", text, a);
        } else {
            CHECK(0, "%s: unknown line '%s'", path, line);
        }
    }
    if (expected) fclose(expected);
    CHECK(lines > 10, "%s: only %d lines", path, lines);
    CHECK(logits_checked >= 5, "%s: only %d logits or tag lines checked", name,
          logits_checked);
    {   /* an id outside its group is refused */
        uint32_t id = snlp_model_group(model, 0)->buckets;
        float weight = 1.0f;
        double workspace[4096], logits[1024];
        snlp_features groups[MAX_GROUPS] = {{&id, &weight, 1}};
        if (snlp_workspace_doubles(model) <= 4096 && snlp_model_label_count(model) <= 1024)
            CHECK(snlp_model_logits(model, groups, workspace, logits) == SNLP_ERR_ARGUMENT,
                  "%s: an id past the group's rows was accepted", name);
    }
    snlp_model_free(model);
}

static void put_u32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static snlp_status open_copy(const unsigned char *bytes, size_t size, char *message) {
    /* A copy of exactly `size` bytes, so a read past the end is a sanitizer report. */
    unsigned char *copy = malloc(size ? size : 1);
    snlp_model *model = NULL;
    snlp_status status;
    memcpy(copy, bytes, size);
    status = snlp_model_open_buffer(copy, size, &model, message, SNLP_MESSAGE_SIZE);
    snlp_model_free(model);
    free(copy);
    return status;
}

/* Replace the first `from` in the metadata by `to` (same length), fix the CRC. */
static snlp_status edited(const unsigned char *bytes, size_t size, const char *from,
                          const char *to, char *message) {
    unsigned char *copy = malloc(size);
    size_t n = strlen(from);
    snlp_status status;
    memcpy(copy, bytes, size);
    for (size_t i = 16; i + n < size; i++) {
        if (!memcmp(copy + i, from, n)) {
            memcpy(copy + i, to, n);
            break;
        }
    }
    put_u32(copy + size - 4, snlp_crc32(copy, size - 4));
    status = open_copy(copy, size, message);
    free(copy);
    return status;
}

static void check_hostile(const char *dir) {
    char path[1024], message[SNLP_MESSAGE_SIZE];
    size_t size;
    unsigned char *bytes;
    unsigned long long seed = 12345;
    snprintf(path, sizeof path, "%s/tiny-pos.snlp", dir);
    bytes = read_all(path, &size);
    CHECK(bytes != NULL, "cannot read %s", path);
    if (!bytes) return;
    CHECK(open_copy(bytes, size, message) == SNLP_OK, "the intact file: %s", message);
    for (size_t cut = 0; cut < size; cut++) /* truncated at every offset */
        CHECK(open_copy(bytes, cut, message) != SNLP_OK, "truncated at %zu was accepted", cut);
    for (int flip = 0; flip < 3000; flip++) { /* random bit flips */
        size_t at;
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        at = (size_t)(seed >> 33) % size;
        bytes[at] ^= (unsigned char)(1u << ((seed >> 20) & 7));
        CHECK(open_copy(bytes, size, message) != SNLP_OK, "bit flip at %zu was accepted", at);
        bytes[at] ^= (unsigned char)(1u << ((seed >> 20) & 7));
    }
    {   /* hand-made headers, each with a valid checksum */
        unsigned char *copy = malloc(size);
        const uint32_t versions[] = {0, 1, 4, 0xFFFFFFFFu};
        const uint32_t lengths[] = {0, 1, 0x7FFFFFFFu, 0xFFFFFFFFu, (uint32_t)size};
        memcpy(copy, bytes, size);
        for (size_t v = 0; v < sizeof versions / sizeof *versions; v++) {
            memcpy(copy, bytes, size);
            put_u32(copy + 8, versions[v]);
            put_u32(copy + size - 4, snlp_crc32(copy, size - 4));
            CHECK(open_copy(copy, size, message) == SNLP_ERR_UNSUPPORTED,
                  "version %u: %s", versions[v], message);
        }
        for (size_t k = 0; k < sizeof lengths / sizeof *lengths; k++) {
            memcpy(copy, bytes, size);
            put_u32(copy + 12, lengths[k]);
            put_u32(copy + size - 4, snlp_crc32(copy, size - 4));
            CHECK(open_copy(copy, size, message) == SNLP_ERR_FORMAT,
                  "metadata length %u: %s", lengths[k], message);
        }
        memcpy(copy, bytes, size);
        copy[0] = 'X';
        put_u32(copy + size - 4, snlp_crc32(copy, size - 4));
        CHECK(open_copy(copy, size, message) == SNLP_ERR_FORMAT, "bad magic: %s", message);
        free(copy);
    }
    {   /* metadata that breaks the spec, with a valid checksum */
        static const char *const cases[][3] = {
            {"\"hidden\":48", "\"hidden\":47", "hidden_weights"},
            {"\"hidden\":48", "\"hidden\":-1", "hidden"},
            {"\"buckets\":64", "\"buckets\":99", "embedding_0"},
            {"\"task\":\"pos\"", "\"task\":\"xyz\"", "task"},
            {"\"task\":\"pos\"", "\"tusk\":\"pos\"", "key"},
            {"\"version\":2", "\"version\":1", "featurizer version 1"},
            {"\"version\":2", "\"version\":9", "featurizer version 9"},
            {"\"kind\":\"word\"", "\"kind\":\"wurd\"", "kind"},
            {"\"offset\":-1", "\"offset\":+1", "JSON"},
            {"\"dtype\":\"<f4\"", "\"dtype\":\"<f8\"", "dtype"},
            {"\"offset\":0,", "\"offset\":8,", "overlap"},
            {"\"labels\":[\"ADP\"", "\"labels\":[\"DET\"", "unique"},
            {"\"unicode\":\"14.0.0\"", "\"unicode\":\"15.0.0\"", "Unicode 15.0.0"},
        };
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
            snlp_status status = edited(bytes, size, cases[k][0], cases[k][1], message);
            CHECK(status != SNLP_OK && strstr(message, cases[k][2]),
                  "edit %s -> %s: status %d, message '%s'", cases[k][0], cases[k][1], status,
                  message);
        }
    }
    free(bytes);
    {   /* a missing file and bad arguments */
        snlp_model *model = NULL;
        CHECK(snlp_model_open_file("/nonexistent/x.snlp", &model, message, sizeof message) ==
              SNLP_ERR_IO && model == NULL, "missing file: %s", message);
        CHECK(snlp_model_open_buffer(NULL, 10, &model, message, sizeof message) ==
              SNLP_ERR_ARGUMENT, "NULL bytes");
        CHECK(snlp_model_open_buffer("SMALLNLP", 8, NULL, NULL, 0) == SNLP_ERR_ARGUMENT,
              "NULL out");
    }
}

/* Text no caller should send: each gets an answer or "no letters", never a
 * crash (run under the sanitizers by make test-asan). */
static void check_hostile_text(const char *dir) {
    char path[1024], message[SNLP_MESSAGE_SIZE];
    static const char *const texts[] = {
        "\xff\xfe\xc3", "\xed\xa0\x80\xed\xb0\x80 cesu", "\xf4\x90\x80\x80", "\xc0\xaf",
        "<<<<>>>> <a<b<c>", "\xcc\x81\xcc\x81\xcc\x81", "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8",
    };
    snlp_model *model = NULL;
    snlp_state *state = NULL;
    double probabilities[1024];
    size_t best, big = 10u << 20;
    char *text;
    snprintf(path, sizeof path, "%s/tiny-langid.snlp", dir);
    if (snlp_model_open_file(path, &model, message, sizeof message) != SNLP_OK ||
        !(state = snlp_state_new(model))) {
        CHECK(0, "%s: %s", path, message);
        snlp_model_free(model);
        return;
    }
    for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)
        CHECK(snlp_langid_predict(model, state, texts[k], strlen(texts[k]), probabilities,
                                  &best) == SNLP_OK, "hostile text %zu", k);
    CHECK(snlp_langid_predict(model, state, "a\0b\0c", 5, probabilities, &best) == SNLP_OK,
          "NUL bytes");
    CHECK(snlp_langid_predict(model, state, NULL, 0, probabilities, &best) == SNLP_OK &&
          best == snlp_model_label_count(model), "empty text is not 'no letters'");
    text = malloc(big); /* 10 MB: only max_chars code points are read */
    if (text) {
        for (size_t i = 0; i < big; i++) text[i] = "ka ki ko "[i % 9];
        CHECK(snlp_langid_predict(model, state, text, big, probabilities, &best) == SNLP_OK &&
              best < snlp_model_label_count(model), "a 10 MB text");
        free(text);
    }
    text = malloc(4u * 0x110000); /* every code point once, as UTF-8 */
    if (text) {
        size_t n = 0;
        for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
            if (cp >= 0xD800 && cp <= 0xDFFF) continue;
            if (cp < 0x80) text[n++] = (char)cp;
            else if (cp < 0x800) {
                text[n++] = (char)(0xC0 | (cp >> 6));
                text[n++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                text[n++] = (char)(0xE0 | (cp >> 12));
                text[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                text[n++] = (char)(0x80 | (cp & 0x3F));
            } else {
                text[n++] = (char)(0xF0 | (cp >> 18));
                text[n++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                text[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                text[n++] = (char)(0x80 | (cp & 0x3F));
            }
        }
        for (size_t start = 0; start < n; start += 6000) /* in pieces of max_chars or less */
            CHECK(snlp_langid_predict(model, state, text + start,
                                      n - start < 6000 ? n - start : 6000, probabilities,
                                      &best) == SNLP_OK, "code points at byte %zu", start);
        free(text);
    }
    snlp_state_free(state);
    snlp_model_free(model);
}

/* Tokens no caller should send, and a sentence tagged in pieces: tags, never
 * a crash (run under the sanitizers by make test-asan). */
static void check_hostile_tokens(const char *dir) {
    char path[1024], message[SNLP_MESSAGE_SIZE];
    static const char *const odd[] = {"", "\xff", "\xed\xa0\x80", "a\0b", "^$^$", "\xcc\x81",
                                     "\xef\xbc\x91\xef\xbc\x92", "\xf0\x9d\x90\x87"};
    static const size_t odd_sizes[] = {0, 1, 3, 3, 4, 2, 6, 4};
    enum { LONG = 2500 };
    const char **tokens = malloc(LONG * sizeof *tokens);
    size_t *sizes = malloc(LONG * sizeof *sizes);
    uint32_t *tags = malloc(LONG * sizeof *tags);
    snlp_model *model = NULL;
    snlp_state *state = NULL;
    snprintf(path, sizeof path, "%s/tiny-pos.snlp", dir);
    if (!tokens || !sizes || !tags ||
        snlp_model_open_file(path, &model, message, sizeof message) != SNLP_OK ||
        !(state = snlp_state_new(model))) {
        CHECK(0, "%s: %s", path, message);
    } else {
        for (size_t i = 0; i < LONG; i++) {
            tokens[i] = odd[i % 8];
            sizes[i] = odd_sizes[i % 8];
        }
        CHECK(snlp_pos_tag(model, state, tokens, sizes, 8, tags) == SNLP_OK, "odd tokens");
        CHECK(snlp_pos_tag(model, state, tokens, sizes, LONG, tags) == SNLP_OK,
              "a sentence of %d tokens", LONG);
        for (size_t i = 0; i < LONG; i++)
            CHECK(tags[i] < snlp_model_label_count(model), "tag %zu out of range", i);
        CHECK(snlp_pos_tag(model, state, NULL, NULL, 0, NULL) == SNLP_OK, "no tokens");
        CHECK(snlp_pos_tag(model, state, NULL, sizes, 3, tags) == SNLP_ERR_ARGUMENT,
              "NULL tokens");
    }
    snlp_model_free(model);
    snlp_state_free(state);
    free(tokens);
    free(sizes);
    free(tags);
}

/* Every half against the textbook conversion: (-1)^s 2^(e-15) 1.m, 2^-14 0.m
 * for e = 0, infinity and NaN (its payload kept) for e = 31. */
static void check_half(void) {
    int wrong = 0;
    CHECK(snlp_half_to_float(0x3C00) == 1.0f, "half 1");
    CHECK(snlp_half_to_float(0x0001) == ldexpf(1.0f, -24), "smallest subnormal");
    CHECK(snlp_half_to_float(0x7BFF) == 65504.0f, "largest half");
    for (uint32_t half = 0; half <= 0xFFFF; half++) {
        uint32_t exponent = half >> 10 & 0x1F, mantissa = half & 0x3FF, want_bits, got_bits;
        float want = exponent == 0 ? ldexpf((float)mantissa, -24)
                                   : ldexpf((float)(mantissa | 0x400), (int)exponent - 25);
        float got = snlp_half_to_float((uint16_t)half);
        if (half & 0x8000) want = -want;
        memcpy(&want_bits, &want, sizeof want);
        if (exponent == 0x1F) want_bits = (half & 0x8000u) << 16 | 0x7F800000u | mantissa << 13;
        memcpy(&got_bits, &got, sizeof got);
        wrong += got_bits != want_bits;
    }
    CHECK(!wrong, "%d of 65,536 halves converted wrongly", wrong);
}

/* The vector code gives the portable code's bits end to end, on the model at
 * `path` (a shipped one: 16-wide embeddings, which the golden models lack):
 * logits of random features, from none to pools of more than 64 (summed in
 * runs), at each snlp_simd_limit. */
static void check_vector_code_on(const char *path) {
    static const size_t counts[] = {0, 1, 5, 63, 64, 65, 200};
    char message[SNLP_MESSAGE_SIZE];
    snlp_model *model;
    uint32_t seed = 11u;
    if (snlp_model_open_file(path, &model, message, sizeof message) != SNLP_OK) {
        CHECK(0, "%s: %s", path, message);
        return;
    }
    size_t groups = snlp_model_group_count(model), labels = snlp_model_label_count(model);
    snlp_features *features = calloc(groups, sizeof *features);
    uint32_t *ids = malloc(groups * 200 * sizeof *ids);
    float *weights = malloc(groups * 200 * sizeof *weights);
    double *workspace = malloc(snlp_workspace_doubles(model) * sizeof *workspace);
    double *logits = malloc(2 * labels * sizeof *logits);
    for (size_t round = 0; features && ids && weights && workspace && logits && round < 50;
         round++) {
        for (size_t g = 0; g < groups; g++) {
            features[g].count = counts[(round + g) % (sizeof counts / sizeof *counts)];
            features[g].ids = ids + 200 * g;
            features[g].weights = weights + 200 * g;
            for (size_t f = 0; f < features[g].count; f++) {
                seed = seed * 1664525u + 1013904223u;
                ids[200 * g + f] = (seed >> 4) % snlp_model_group(model, g)->buckets;
                weights[200 * g + f] = (float)(seed >> 20) / 4096.0f;
            }
        }
        for (int level = SNLP_SIMD_PORTABLE; level <= SNLP_SIMD_AVX512_VNNI; level++) {
            snlp_simd_limit = level;
            CHECK(snlp_model_logits(model, features, workspace, logits + !!level * labels) ==
                      SNLP_OK, "%s: logits", path);
            CHECK(!level || !memcmp(logits, logits + labels, labels * sizeof *logits),
                  "%s: the vector code's logits differ (level %d, round %zu)", path, level,
                  round);
        }
    }
    snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
    free(features);
    free(ids);
    free(weights);
    free(workspace);
    free(logits);
    snlp_model_free(model);
}

/* The golden model `name` of `dir` and a state of it: 1, or 0 and a failed check. */
static int open_with_state(const char *dir, const char *name, snlp_model **model,
                           snlp_state **state) {
    char path[1024], message[SNLP_MESSAGE_SIZE] = "out of memory";
    *state = NULL;
    snprintf(path, sizeof path, "%s/%s.snlp", dir, name);
    if (snlp_model_open_file(path, model, message, sizeof message) == SNLP_OK &&
        (*state = snlp_state_new(*model)) != NULL)
        return 1;
    CHECK(0, "%s: %s", path, message);
    snlp_model_free(*model);
    *model = NULL;
    return 0;
}

/* A language subset renormalises the other probabilities, as
 * LanguageIdentifier.set_languages; top-k ranks with ties by index. */
static void check_subset_and_top_k(const char *dir) {
    static const double ranked[] = {0.2, 0.5, 0.2, 0.1};
    double all[1024], among[1024], total = 0.0;
    uint8_t allowed[1024];
    size_t best, best_among, labels, top[8];
    snlp_model *model;
    snlp_state *state;
    if (!open_with_state(dir, "tiny-langid", &model, &state)) return;
    labels = snlp_model_label_count(model);
    CHECK(snlp_langid_predict(model, state, "ka ki ko", 8, all, &best) == SNLP_OK &&
          best < labels, "a text's best label");
    for (size_t k = 0; k < labels; k++) allowed[k] = k != best;
    CHECK(snlp_langid_predict_among(model, state, "ka ki ko", 8, allowed, among, &best_among) ==
              SNLP_OK && best_among != best && among[best] == 0.0, "the best label ruled out");
    for (size_t k = 0; k < labels; k++) { /* the same ratios as before, to the best allowed */
        double before = all[k] * among[best_among], after = among[k] * all[best_among];
        total += among[k];
        if (k != best)
            CHECK(fabs(before - after) <= 1e-9 * after, "label %zu renormalised", k);
    }
    CHECK(fabs(total - 1.0) < 1e-9, "subset probabilities sum to %g", total);
    CHECK(snlp_langid_predict_among(model, state, "12 34", 5, allowed, among, &best_among) ==
              SNLP_OK && best_among == labels, "no letters is 'und' among a subset too");
    memset(allowed, 0, labels);
    CHECK(snlp_langid_predict_among(model, state, "ka", 2, allowed, among, &best_among) ==
              SNLP_ERR_ARGUMENT, "no label allowed is refused");
    CHECK(snlp_top_k(all, labels, 1, top) == 1 && top[0] == best, "top-1 is the best label");
    {
        size_t before = snlp_state_heap_bytes(state);
        char longer[4000];
        memset(longer, 'k', sizeof longer);
        CHECK(snlp_langid_predict(model, state, longer, sizeof longer, all, &best) == SNLP_OK &&
                  snlp_state_heap_bytes(state) > before && before > 0,
              "a state's buffers grow with the text (%zu bytes before)", before);
    }
    CHECK(snlp_top_k(ranked, 4, 8, top) == 4 && top[0] == 1 && top[1] == 0 && top[2] == 2 &&
              top[3] == 3, "top-k order, ties by index");
    {
        static const uint8_t two[] = {0, 0, 1, 1}; /* the two smallest: never the others */
        CHECK(snlp_top_k_among(ranked, 4, two, 8, top) == 2 && top[0] == 2 && top[1] == 3,
              "top-k among a subset lists only the subset");
    }
    snlp_state_free(state);
    snlp_model_free(model);
}

/* The best label alone (snlp_langid_best_among) is the first of the largest
 * float-rounded probabilities of snlp_langid_predict_among, as the Python
 * package ranks them: on texts, with and without a subset, and on rows of
 * logits with near ties (an earlier label whose probability rounds to the
 * best's float wins). */
static int reference_best(const snlp_model *model, const uint8_t *allowed, int has_letters,
                          double *row, size_t *best, float *probability) {
    size_t labels = snlp_model_label_count(model), index;
    if (snlp_langid_answer(model, allowed, has_letters, 1, row, &index) != SNLP_OK) return 0;
    for (size_t k = 0; k < labels; k++) row[k] = (double)(float)row[k];
    if (snlp_top_k_among(row, labels, allowed, 1, &index) == 0 || row[index] <= 0.0) {
        *best = labels, *probability = 0.0f;
    } else {
        *best = index, *probability = (float)row[index];
    }
    return 1;
}

static void check_best_alone(const char *dir) {
    static const char *const texts[] = {"ka ki ko", "12 34", "", "kakuna matata", "zzz"};
    double row[1024], copy[1024];
    uint8_t allowed[1024];
    size_t labels, best = 0, expected = 0, ties_won = 0;
    float probability, expected_probability;
    uint32_t x = 7u;
    snlp_model *model;
    snlp_state *state;
    if (!open_with_state(dir, "tiny-langid", &model, &state)) return;
    labels = snlp_model_label_count(model);
    for (size_t k = 0; k < labels; k++) allowed[k] = k % 2 == 0;
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        for (int subset = 0; subset < 2; subset++) {
            const uint8_t *among = subset ? allowed : NULL;
            size_t size = strlen(texts[t]);
            int has_letters;
            CHECK(snlp_langid_best_among(model, state, texts[t], size, among, row, &best,
                                         &probability) == SNLP_OK &&
                      snlp_langid_logits(model, state, texts[t], size, copy, &has_letters) ==
                          SNLP_OK &&
                      reference_best(model, among, has_letters, copy, &expected,
                                     &expected_probability) &&
                      best == expected && probability == expected_probability,
                  "the best label alone of '%s' (subset %d)", texts[t], subset);
        }
    }
    for (int r = 0; r < 2000; r++) { /* near ties: a few values, nudged by 0 to 1e-7 */
        size_t largest = 0;
        for (size_t k = 0; k < labels; k++) {
            x = x * 1664525u + 1013904223u;
            row[k] = (double)(x >> 29) + (double)(x >> 8 & 0xFF) * 2e-10 * (r % 3);
            copy[k] = row[k];
            if (row[k] > row[largest]) largest = k;
        }
        CHECK(snlp_langid_best_answer(model, NULL, 1, row, &best, &probability) == SNLP_OK &&
                  reference_best(model, NULL, 1, copy, &expected, &expected_probability) &&
                  best == expected && probability == expected_probability,
              "the best of a row of near ties (row %d: %zu, expected %zu)", r, best, expected);
        ties_won += best != largest;
    }
    CHECK(ties_won > 0, "some rows' best is an earlier label of the same float");
    for (size_t k = 0; k < labels; k++) row[k] = k == 1 ? 5.0 + 1e-10 : k == 0 ? 5.0 : 0.0;
    CHECK(labels < 2 || (snlp_langid_best_answer(model, NULL, 1, row, &best, &probability) ==
                             SNLP_OK && best == 0),
          "an earlier label whose probability rounds the same is the best (%zu)", best);
    snlp_state_free(state);
    snlp_model_free(model);
}

/* Text given as code points of each width it fits (snlp_text) gets the
 * answers of its UTF-8, bit for bit: Latin-1, other scripts, marks, astral
 * letters, lone surrogates (UTF-8 as Python's "surrogatepass" writes them),
 * markup; with and without a subset. snlp_langid_best_texts answers all of
 * them at once as snlp_langid_best_text does one by one, with float32 and
 * 8-bit dense layers. Other encodings and misaligned data are refused. */
enum { UNIT_TEXTS = 12, ENCODINGS = 4 };
static void check_texts(const char *dir, const char *name) {
    static const char *const texts[UNIT_TEXTS] = {
        "été à Zürich", "Ça va, ÆØÅ ß", "привет мир", "नमस्ते दुनिया", "한국어 텍스트",
        "\xf0\x90\x8c\xb0\xf0\x90\x8c\xb1 gothic", ("a\xed\xa0\x80" "b \xed\xbf\xbf"),
        "<b>ciao</b> mondo", "", "12 34", "ｆｕｌｌ ｗｉｄｔｈ ﬁ", "ΣΑΣ σας"};
    static const snlp_encoding encodings[ENCODINGS] = {SNLP_UTF8, SNLP_LATIN1, SNLP_UCS2,
                                                       SNLP_UTF32};
    static uint32_t wide[UNIT_TEXTS][64];
    static uint16_t half[UNIT_TEXTS][64];
    static uint8_t narrow[UNIT_TEXTS][64];
    snlp_text all[UNIT_TEXTS * ENCODINGS];
    size_t count = 0, best[UNIT_TEXTS * ENCODINGS], want[UNIT_TEXTS * ENCODINGS];
    float probability[UNIT_TEXTS * ENCODINGS], want_probability[UNIT_TEXTS * ENCODINGS];
    double row[1024], expected[1024];
    uint8_t allowed[1024];
    snlp_codepoints points = {0};
    snlp_model *model;
    snlp_state *state;
    size_t labels;
    if (!open_with_state(dir, name, &model, &state)) return;
    labels = snlp_model_label_count(model);
    for (size_t k = 0; k < labels; k++) allowed[k] = k % 3 != 1;
    for (size_t t = 0; t < UNIT_TEXTS; t++) {
        size_t size = strlen(texts[t]);
        uint32_t largest = 0;
        CHECK(!snlp_decode_utf8((const uint8_t *)texts[t], size, SIZE_MAX, &points) &&
                  points.count <= 64,
              "decoding '%s'", texts[t]);
        for (size_t i = 0; i < points.count; i++) {
            wide[t][i] = points.data[i];
            half[t][i] = (uint16_t)points.data[i];
            narrow[t][i] = (uint8_t)points.data[i];
            if (points.data[i] > largest) largest = points.data[i];
        }
        for (size_t e = 0; e < ENCODINGS; e++) {
            snlp_encoding encoding = encodings[e];
            snlp_text text = {encoding == SNLP_UTF8     ? (const void *)texts[t]
                              : encoding == SNLP_LATIN1 ? (const void *)narrow[t]
                              : encoding == SNLP_UCS2   ? (const void *)half[t]
                                                        : (const void *)wide[t],
                              encoding == SNLP_UTF8 ? size : points.count, encoding};
            if ((encoding == SNLP_LATIN1 && largest > 0xFF) ||
                (encoding == SNLP_UCS2 && largest > 0xFFFF))
                continue;
            all[count++] = text;
            for (int subset = 0; subset < 2; subset++) {
                const uint8_t *among = subset ? allowed : NULL;
                size_t got, reference;
                float got_probability, reference_probability;
                CHECK(snlp_langid_predict_text(model, state, &text, among, row, &got) ==
                              SNLP_OK &&
                          snlp_langid_predict_among(model, state, texts[t], size, among,
                                                    expected, &reference) == SNLP_OK &&
                          got == reference && !memcmp(row, expected, labels * sizeof *row),
                      "%s: '%s' in encoding %d: its UTF-8's probabilities (subset %d)", name,
                      texts[t], (int)encoding, subset);
                CHECK(snlp_langid_best_text(model, state, &text, among, row, &got,
                                            &got_probability) == SNLP_OK &&
                          snlp_langid_best_among(model, state, texts[t], size, among,
                                                 expected, &reference,
                                                 &reference_probability) == SNLP_OK &&
                          got == reference && got_probability == reference_probability,
                      "%s: '%s' in encoding %d: its UTF-8's best label (subset %d)", name,
                      texts[t], (int)encoding, subset);
            }
        }
    }
    if (count % SNLP_INPUTS_AT_ONCE == 0) count--; /* a last batch of fewer */
    for (int subset = 0; subset < 2; subset++) {
        const uint8_t *among = subset ? allowed : NULL;
        int same = snlp_langid_best_texts(model, state, all, count, among, best, probability) ==
                   SNLP_OK;
        for (size_t i = 0; i < count; i++)
            same &= snlp_langid_best_text(model, state, &all[i], among, row, &want[i],
                                          &want_probability[i]) == SNLP_OK &&
                    best[i] == want[i] && probability[i] == want_probability[i];
        CHECK(same && count > 2 * SNLP_INPUTS_AT_ONCE && count % SNLP_INPUTS_AT_ONCE,
              "%s: %zu texts at once are answered as one by one (subset %d)", name, count,
              subset);
    }
    {
        size_t got, reference;
        uint32_t outside[] = {'a', 0x110000, 'b'};
        snlp_text odd = {wide[0], 2, (snlp_encoding)3},
                  misaligned = {(const uint8_t *)wide[0] + 1, 2, SNLP_UCS2},
                  none = {NULL, 0, SNLP_UTF32}, past = {outside, 3, SNLP_UTF32};
        CHECK(snlp_langid_predict_text(model, state, &odd, NULL, row, &got) ==
                      SNLP_ERR_ARGUMENT &&
                  snlp_langid_predict_text(model, state, &misaligned, NULL, row, &got) ==
                      SNLP_ERR_ARGUMENT &&
                  snlp_langid_predict_text(model, state, NULL, NULL, row, &got) ==
                      SNLP_ERR_ARGUMENT &&
                  snlp_langid_best_texts(model, state, &odd, 1, NULL, best, probability) ==
                      SNLP_ERR_ARGUMENT &&
                  snlp_langid_best_texts(model, state, NULL, 0, NULL, NULL, NULL) == SNLP_OK,
              "%s: other encodings, misaligned or missing texts are refused", name);
        CHECK(snlp_langid_predict_text(model, state, &none, NULL, row, &got) == SNLP_OK &&
                  got == labels,
              "%s: no units: 'und'", name);
        CHECK(snlp_langid_predict_text(model, state, &past, NULL, row, &got) == SNLP_OK &&
                  snlp_langid_predict_among(model, state, "a\xef\xbf\xbd" "b", 5, NULL,
                                            expected, &reference) == SNLP_OK &&
                  got == reference && !memcmp(row, expected, labels * sizeof *row),
              "%s: a unit past U+10FFFF reads as U+FFFD", name);
    }
    free(points.data);
    snlp_state_free(state);
    snlp_model_free(model);
}

/* x % d by multiplication (snlp_mod), for the bucket ids. */
static void check_mod(void) {
    uint32_t x = 12345u, divisors[] = {1, 2, 3, 7, 100, 5769, 13462, 65535, 2147483647u,
                                       4294967295u};
    for (size_t k = 0; k < sizeof divisors / sizeof *divisors; k++) {
        uint64_t reciprocal = snlp_reciprocal(divisors[k]);
        for (int i = 0; i < 100000; i++) {
            x = x * 1664525u + 1013904223u;
            if (snlp_mod(x, reciprocal, divisors[k]) != x % divisors[k]) {
                CHECK(0, "%u %% %u", x, divisors[k]);
                break;
            }
        }
        CHECK(snlp_mod(UINT32_MAX, reciprocal, divisors[k]) == UINT32_MAX % divisors[k] &&
                  snlp_mod(0, reciprocal, divisors[k]) == 0, "edges %% %u", divisors[k]);
    }
}

/* The branch-free hash of a key of at most max_blocks blocks is MurmurHash3's,
 * for every size and bound it takes, whatever bytes follow the key. */
static void check_hash_within(void) {
    uint8_t buffer[SNLP_SHORT_KEY + 4];
    uint32_t x = 7u;
    for (int round = 0; round < 4000; round++) {
        size_t size = (size_t)round % (SNLP_SHORT_KEY + 1);
        size_t blocks = (size + 3) / 4 + (size_t)(round / 17) % 2; /* the fewest, or one more */
        for (size_t i = 0; i < sizeof buffer; i++) {
            x = x * 1664525u + 1013904223u;
            buffer[i] = (uint8_t)(x >> 24);
        }
        if (blocks < 1) blocks = 1;
        if (blocks > SNLP_SHORT_KEY / 4) blocks = SNLP_SHORT_KEY / 4;
        if (snlp_murmur3_within(buffer, size, x, blocks) != snlp_murmur3(buffer, size, x)) {
            CHECK(0, "hash of %zu bytes within %zu blocks", size, blocks);
            break;
        }
    }
}

/* snlp_decode_utf8, which decodes the common sequences itself, gives what
 * snlp_decode_next does byte string by byte string: random bytes drawn from
 * ASCII, lead and continuation bytes (so valid, overlong, surrogate,
 * truncated and stray sequences all occur), with and without max_chars. */
static void check_decode(void) {
    static const uint8_t picks[] = {'a', ' ', 0x7F, 0xC2, 0xC3, 0xC0, 0xDF, 0xE0, 0xE2,
                                    0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x80, 0x9F, 0xA0,
                                    0xBF, 0x81, 0xB0, 0xBE};
    snlp_codepoints got = {0};
    uint8_t bytes[40];
    uint32_t want[40], x = 11u;
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)round % sizeof bytes, count = 0, i = 0;
        size_t max_chars = round % 3 ? SIZE_MAX : (size_t)round % 7;
        for (size_t k = 0; k < n; k++) {
            x = x * 1664525u + 1013904223u;
            bytes[k] = picks[(x >> 16) % sizeof picks];
        }
        while (i < n && count < max_chars) want[count++] = snlp_decode_next(bytes, n, &i);
        if (snlp_decode_utf8(bytes, n, max_chars, &got) || got.count != count ||
            (count && memcmp(got.data, want, count * sizeof *want))) {
            CHECK(0, "decoding %zu random bytes (round %d)", n, round);
            break;
        }
    }
    free(got.data);
}

/* The n-grams of a whole text (snlp_text_ngram_ids) are those of its words
 * one after another (snlp_ngram_ids, portable code), for every order, in
 * ASCII, in other scripts and mixed, words of one letter and longer than
 * the orders and than a vector, at each snlp_simd_limit. */
static void check_text_ngrams(void) {
    static const char *const texts[] = {
        "a bc def ghij klmnopqrstu v",
        "été à Zürich x",
        "中文 ok 日本語のテキスト",
        "я",
        "ab",
        "internationalisation of a b cd efg hijklmnopqrstuvwxyz0123456789 z",
        "Größenverhältnisse 𝒜𝒷 ДобрыйВечер ελληνικά ñ 😀😀😀😀😀 aé"};
    snlp_state *state = calloc(1, sizeof *state);
    uint32_t whole[512], by_word[512];
    CHECK(state != NULL, "a state for n-grams");
    for (size_t t = 0; state && t < sizeof texts / sizeof *texts; t++) {
        size_t i = 0, n = strlen(texts[t]), words = 0;
        state->framed.count = 0;
        if (snlp_reserve(&state->framed, 2 * n + 2) ||
            snlp_grow((void **)&state->word_start, &state->word_capacity, n + 2,
                      sizeof *state->word_start)) {
            CHECK(0, "memory for n-grams");
            break;
        }
        while (i < n) { /* the words framed, as language ID frames them */
            if (texts[t][i] == ' ') {
                i++;
                continue;
            }
            state->word_start[words++] = state->framed.count;
            state->framed.data[state->framed.count++] = SNLP_WORD_START;
            while (i < n && texts[t][i] != ' ')
                state->framed.data[state->framed.count++] =
                    snlp_decode_next((const uint8_t *)texts[t], n, &i);
            state->framed.data[state->framed.count++] = SNLP_WORD_END;
        }
        state->word_start[words] = state->framed.count;
        state->words = words;
        CHECK(snlp_encode_framed(state) == 0, "framing %s", texts[t]);
        for (int level = SNLP_SIMD_PORTABLE; level <= SNLP_SIMD_AVX2; level++) {
            snlp_simd_limit = level;
            for (uint32_t order = 1; order <= 6; order++) {
                /* buckets of 10 bits, and of 31 (the remainder's every step) */
                snlp_group group = {.buckets = order % 2 ? 1000 + order : 0x7FFFFFF0u + order,
                                    .order = order, .seed = 0x9E3779B9u * order};
                uint64_t reciprocal = snlp_reciprocal(group.buckets);
                size_t count = 0, got = snlp_text_ngram_ids(state, &group, reciprocal, whole);
                for (size_t w = 0; w < words; w++)
                    count += snlp_ngram_ids(state, state->word_start[w],
                                            state->word_start[w + 1], &group, reciprocal,
                                            by_word + count);
                CHECK(got == count && !memcmp(whole, by_word, count * sizeof *whole),
                      "n-grams of order %u of %s at level %d", order, texts[t], level);
            }
        }
    }
    snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
    snlp_state_free(state);
}

/* exp of values <= 0, vectorised, within 2 ulp of libm's; 0 below -708
 * and for -inf; NaN stays NaN. */
static void check_exp(void) {
    static double x[4096], portable[4096], expected[4096];
    size_t n = sizeof x / sizeof *x;
    for (int level = SNLP_SIMD_PORTABLE; level <= SNLP_SIMD_AVX2; level++) {
        snlp_simd_limit = level; /* the portable code, then the vector code: the same bits */
        for (size_t i = 0; i < n - 3; i++) {
            x[i] = -750.0 * (double)i / (double)(n - 4) - 1e-9 * (double)(i % 7);
            expected[i] = x[i] < -708.0 ? 0.0 : exp(x[i]);
        }
        x[n - 3] = 0.0, expected[n - 3] = 1.0;
        x[n - 2] = -INFINITY, expected[n - 2] = 0.0;
        x[n - 1] = NAN;
        snlp_exp_nonpositive(x, n);
        for (size_t i = 0; i < n - 1; i++) {
            if (fabs(x[i] - expected[i]) > 0x1p-51 * expected[i]) {
                CHECK(0, "exp at %zu: %.17g, libm %.17g", i, x[i], expected[i]);
                break;
            }
        }
        CHECK(isnan(x[n - 1]), "exp of NaN");
        if (level == SNLP_SIMD_PORTABLE) memcpy(portable, x, sizeof x);
        else CHECK(!memcmp(portable, x, (n - 1) * sizeof *x), "exp's bits at level %d", level);
    }
    snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
}

/* Each span labelled as snlp_langid_predict_among labels its bytes (the
 * runtime labels most from its words' kept features), bit for bit. */
static void check_span_answers(const snlp_model *model, snlp_state *state, const char *text,
                               const snlp_span *spans, size_t count, const char *what) {
    double probabilities[256];
    for (size_t k = 0; k < count; k++) {
        size_t best;
        snlp_status status =
            snlp_langid_predict_among(model, state, text + spans[k].start,
                                      spans[k].end - spans[k].start, NULL, probabilities, &best);
        CHECK(status == SNLP_OK && best == spans[k].label &&
                  (best == snlp_model_label_count(model)
                       ? spans[k].probability == 0.0
                       : spans[k].probability == (double)(float)probabilities[best]),
              "%s: span %zu is not labelled as predict labels its text", what, k);
    }
}

/* snlp_langid_spans: covers any text (empty, no letters, invalid UTF-8,
 * markup, NUL bytes, a long one) with spans in order, neighbours of other
 * labels, each labelled as its text is (also past the words whose features
 * are kept: a text of thousands of distinct words); a short array gets the
 * count; bad arguments and another model's state are refused. */
static void check_spans(const char *dir) {
    static const struct {
        const char *text;
        size_t size;
    } texts[] = {{"", 0}, {"12 !!", 5}, {"ka ki ko. lu la li lo", 21}, {"\xff\xfe ka \xe0", 7},
                 {"<b>ka</b> ki", 12}, {"ka\0ki ko", 9}, {"<ka <ki> \n> ko", 15}};
    char *long_text;
    snlp_span spans[64], *many;
    size_t count, labels, size = 300000;
    snlp_model *model, *other;
    snlp_state *state, *other_state;
    if (!open_with_state(dir, "tiny-langid", &model, &state)) return;
    labels = snlp_model_label_count(model);
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++) {
        snlp_status status = snlp_langid_spans(model, state, texts[t].text, texts[t].size, NULL,
                                               0.0, SNLP_SPAN_SWITCH_COST, 0, spans, 64, &count);
        CHECK(status == SNLP_OK && count >= 1 && count <= 64, "spans of text %zu: %d", t,
              (int)status);
        if (status != SNLP_OK || count < 1 || count > 64) continue;
        CHECK(spans[0].start == 0 && spans[count - 1].end == texts[t].size,
              "text %zu: spans cover it", t);
        for (size_t k = 0; k < count; k++) {
            CHECK(spans[k].label <= labels && spans[k].probability >= 0.0 &&
                      spans[k].probability <= 1.0, "text %zu span %zu", t, k);
            if (k) CHECK(spans[k].start == spans[k - 1].end && spans[k].label !=
                         spans[k - 1].label, "text %zu: span %zu follows the one before", t, k);
        }
        check_span_answers(model, state, texts[t].text, spans, count, "a short text");
    }
    CHECK(snlp_langid_spans(model, state, "12 !!", 5, NULL, 0.0, 20.0, 0, spans, 64, &count) ==
              SNLP_OK && count == 1 && spans[0].label == labels, "no letters: one und span");
    long_text = malloc(size);
    if (long_text) { /* many words of alternating made-up languages */
        for (size_t i = 0; i < size; i++) long_text[i] = "ka ki ko lu la li "[i % 18];
        CHECK(snlp_langid_spans(model, state, long_text, size, NULL, 0.0, 0.0, 0, spans, 1,
                                &count) == SNLP_OK && count >= 1, "a long text, one span kept");
        /* 4,000 distinct words (aaa, aab, ...), runs of "ka ki" between them */
        size = 0;
        for (size_t w = 0; w < 4000; w++) {
            long_text[size++] = (char)('a' + w / 676 % 26);
            long_text[size++] = (char)('a' + w / 26 % 26);
            long_text[size++] = (char)('a' + w % 26);
            long_text[size++] = ' ';
            if (w % 500 == 0) {
                memcpy(long_text + size, "ka ki ko ka ki ko ", 18);
                size += 18;
            }
        }
        many = malloc(size * sizeof *many);
        CHECK(many && snlp_langid_spans(model, state, long_text, size, NULL, 0.0, 1.0, 40, many,
                                        size, &count) == SNLP_OK && count > 1,
              "thousands of distinct words: %zu spans", count);
        if (many) {
            for (size_t k = 0; k < count; k++) { /* predict reads 40 code points of each */
                size_t end = many[k].start + 40;
                if (many[k].end > end) many[k].end = end;
            }
            check_span_answers(model, state, long_text, many, count, "distinct words");
        }
        free(many);
        free(long_text);
    }
    CHECK(snlp_langid_spans(model, state, NULL, 3, NULL, 0.0, 20.0, 0, spans, 64, &count) ==
              SNLP_ERR_ARGUMENT &&
              snlp_langid_spans(model, state, "ka", 2, NULL, 1.5, 20.0, 0, spans, 64, &count) ==
                  SNLP_ERR_ARGUMENT &&
              snlp_langid_spans(model, state, "ka", 2, NULL, 0.0, -1.0, 0, spans, 64, &count) ==
                  SNLP_ERR_ARGUMENT &&
              snlp_langid_spans(model, state, "ka", 2, NULL, 0.0, 20.0, 0, NULL, 64, &count) ==
                  SNLP_ERR_ARGUMENT &&
              snlp_langid_spans(model, state, "ka", 2, NULL, 0.0, 20.0, 0, spans, 64, NULL) ==
                  SNLP_ERR_ARGUMENT,
          "bad arguments to snlp_langid_spans");
    if (open_with_state(dir, "tiny-pos", &other, &other_state)) {
        CHECK(snlp_langid_spans(model, other_state, "ka", 2, NULL, 0.0, 20.0, 0, spans, 64,
                                &count) == SNLP_ERR_STATE, "another model's state");
        CHECK(snlp_langid_spans(other, other_state, "ka", 2, NULL, 0.0, 20.0, 0, spans, 64,
                                &count) == SNLP_ERR_ARGUMENT, "a tagger has no spans");
        snlp_state_free(other_state);
        snlp_model_free(other);
    }
    snlp_state_free(state);
    snlp_model_free(model);
}

/* Each dense product computed with vector code (each snlp_simd_limit) gives
 * the portable code's bits, on sizes with ragged ends (VNNI's blocks of 32,
 * 16 and 8 columns and the rest), more rows than VNNI picks at a time, inputs
 * with zeros (which the products skip), the int8 range's ends and, in a
 * second round, an int8 input outside it (vpdpbusd cannot take: not VNNI). */
static void check_vector_code(void) {
    enum { ROWS = 150, MAX_COLUMNS = 259, LEVELS = SNLP_SIMD_AVX512_VNNI + 1 };
    static const size_t widths[] = {1, 7, 16, 40, 75, 83, 128, 259};
    static uint8_t matrix[ROWS * MAX_COLUMNS * 4];
    static float x[SNLP_INPUTS_AT_ONCE * ROWS], got[LEVELS][SNLP_INPUTS_AT_ONCE * MAX_COLUMNS];
    static double xd[ROWS], gotd[LEVELS][MAX_COLUMNS];
    static int32_t q[ROWS], sums[LEVELS][MAX_COLUMNS];
    static int32_t q4[SNLP_INPUTS_AT_ONCE * ROWS], sums4[LEVELS][SNLP_INPUTS_AT_ONCE * MAX_COLUMNS];
    uint32_t seed = 7u;
    for (size_t i = 0; i < ROWS * MAX_COLUMNS; i++) { /* floats in [-1, 1); their bytes */
        float value;
        seed = seed * 1664525u + 1013904223u;
        value = (float)(seed >> 8) / 8388608.0f - 1.0f;
        memcpy(matrix + 4 * i, &value, sizeof value);
    }
    for (size_t i = 0; i < SNLP_INPUTS_AT_ONCE * ROWS; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = seed % 3 ? (float)(seed >> 8) / 4194304.0f - 2.0f : 0.0f;
        if (i < ROWS) {
            xd[i] = x[i];
            q[i] = x[i] == 0.0f ? 0 : (int32_t)((seed >> 16) % 255) - 127; /* the int8 range */
        }
    }
    q[1] = 127;
    q[2] = -127;
    q[3] = -128;
    for (size_t i = 0; i < SNLP_INPUTS_AT_ONCE * ROWS; i++) { /* rows of all zeros among them */
        seed = seed * 1664525u + 1013904223u;
        q4[i] = i % ROWS % 5 == 0 || seed % 4 == 0 ? 0 : (int32_t)((seed >> 16) % 255) - 127;
    }
    for (int round = 0; round < 2; round++) {
        if (round) q[ROWS - 1] = q4[2 * ROWS + 7] = 300;
        for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
            size_t columns = widths[w];
            for (int level = 0; level < LEVELS; level++) {
                snlp_simd_limit = level;
                for (size_t c = 0; c < columns; c++) {
                    got[level][c] = 0.5f;
                    gotd[level][c] = 0.5;
                    sums[level][c] = 3;
                }
                snlp_add_product_f32(x, ROWS, matrix, columns, got[level]);
                snlp_add_product(xd, ROWS, matrix, columns, gotd[level]);
                snlp_add_int8_product(q, ROWS, matrix, columns, sums[level]);
                for (size_t c = 0; c < SNLP_INPUTS_AT_ONCE * columns; c++) sums4[level][c] = -5;
                snlp_add_int8_products(q4, ROWS, matrix, columns, sums4[level]);
            }
            for (size_t t = 0; t < SNLP_INPUTS_AT_ONCE; t++) { /* one input at a time */
                int32_t one[MAX_COLUMNS];
                snlp_simd_limit = SNLP_SIMD_PORTABLE;
                for (size_t c = 0; c < columns; c++) one[c] = -5;
                snlp_add_int8_product(q4 + t * ROWS, ROWS, matrix, columns, one);
                CHECK(!memcmp(one, sums4[0] + t * columns, columns * sizeof *one),
                      "int8 products of %zu columns: input %zu differs from its own product",
                      columns, t);
            }
            for (int level = 1; level < LEVELS; level++)
                CHECK(!memcmp(got[0], got[level], columns * sizeof(float)) &&
                          !memcmp(gotd[0], gotd[level], columns * sizeof(double)) &&
                          !memcmp(sums[0], sums[level], columns * sizeof(int32_t)) &&
                          !memcmp(sums4[0], sums4[level],
                                  SNLP_INPUTS_AT_ONCE * columns * sizeof(int32_t)),
                      "vector code (level %d): an add product of %zu columns differs", level,
                      columns);
            for (int level = 0; level < LEVELS; level++) {
                snlp_simd_limit = level;
                snlp_product_f32(x, ROWS, matrix, columns, got[level]);
            }
            for (int level = 1; level < LEVELS; level++)
                CHECK(!memcmp(got[0], got[level],
                              SNLP_INPUTS_AT_ONCE * columns * sizeof(float)),
                      "vector code (level %d): product_f32 of %zu columns differs", level,
                      columns);
        }
    }
    snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
}

/* The spans' labelling step gives the portable code's scores, bits and
 * leader at every snlp_simd_limit, for label counts around the vectors' 4 and
 * the bytes' 8, with ties, infinities, signed zeros and NaN among the scores
 * (and rounds without NaN). */
static void check_labelling_step(void) {
    enum { LABELS = 83, LEVELS = SNLP_SIMD_AVX512_VNNI + 1 };
    static const double specials[] = {0.0, -0.0, 2.5, -INFINITY, INFINITY, NAN};
    double scores[LEVELS][LABELS];
    float word[LABELS];
    uint8_t bits[LEVELS][(LABELS + 7) / 8];
    size_t leader[LEVELS], cases = 5 * 25, labels = 1;
    uint32_t seed = 11u;
    /* Rounds of 25 label counts: the second round without NaN, the third with
     * every label tied; the fourth and fifth with a NaN score first, and last
     * of its vector lane. */
    for (size_t c = 0; c < cases; c++, labels = labels < 20 ? labels + 1 : labels + 12) {
        size_t round = c / 25, kinds = round == 1 ? 5 : 6; /* specials[5] is NaN */
        if (c % 25 == 0) labels = 1;
        for (size_t k = 0; k < labels; k++) {
            seed = seed * 1664525u + 1013904223u;
            scores[0][k] = round == 2     ? 3.0
                           : seed % 7     ? (double)(seed >> 8 & 255) - 100.0
                                          : specials[seed % kinds];
            word[k] = round == 2                ? 0.0f
                      : seed % 11 || round > 2 ? (float)(seed >> 16 & 7)
                                               : (float)specials[seed % kinds];
        }
        if (round > 2) word[round == 3 ? 0 : labels < 8 ? labels - 1 : 7] = NAN;
        for (int level = 1; level < LEVELS; level++)
            memcpy(scores[level], scores[0], labels * sizeof(double));
        for (int level = 0; level < LEVELS; level++) {
            snlp_simd_limit = level;
            memset(bits[level], 0xAA, sizeof bits[level]);
            leader[level] = snlp_labelling_step(scores[level], word, labels, 2.5, bits[level]);
        }
        for (int level = 1; level < LEVELS; level++)
            CHECK(!memcmp(scores[0], scores[level], labels * sizeof(double)) &&
                      !memcmp(bits[0], bits[level], (labels + 7) / 8) &&
                      leader[0] == leader[level],
                  "labelling step of %zu labels differs at level %d", labels, level);
    }
    snlp_simd_limit = SNLP_SIMD_AVX512_VNNI;
}

/* Tags of a few sentences with `state`, into tags (6 per sentence). */
static void tag_sentences(const snlp_model *model, snlp_state *state, uint32_t *tags) {
    static const char *const sentences[][6] = {
        {"the", "cat", "sees", "a", "dog", "."}, {"on", "the", "mat", "sat", "the", "cat"},
        {"Ｔｈｅ", "ＣＡＴ", "1984", "^$", "a", "."}};
    for (size_t i = 0; i < sizeof sentences / sizeof *sentences; i++) {
        size_t sizes[6];
        for (size_t t = 0; t < 6; t++) sizes[t] = strlen(sentences[i][t]);
        CHECK(snlp_pos_tag(model, state, sentences[i], sizes, 6, tags + 6 * i) == SNLP_OK,
              "tagging sentence %zu", i);
    }
}

/* A state is bound to the model it was made from: a call with another model,
 * or with a model opened at the address of its freed one (the tag-table cache
 * once served the freed model's tables there), fails with SNLP_ERR_STATE, and
 * a state made for the new model tags as a state made for it always did. */
static void check_state_bound_to_its_model(const char *dir) {
    char path[4096], message[SNLP_MESSAGE_SIZE];
    snlp_model *first = NULL, *other = NULL, *langid = NULL, *kept[256];
    snlp_state *stale = NULL, *fresh = NULL, *again = NULL;
    uint32_t with_fresh[18], with_again[18];
    double probabilities[1024];
    size_t tries = 0, best;
    int same_address = 0;
    snprintf(path, sizeof path, "%s/tiny-pos.snlp", dir);
    CHECK(snlp_model_open_file(path, &first, message, sizeof message) == SNLP_OK &&
              (stale = snlp_state_new(first)), "open %s: %s", path, message);
    CHECK(snlp_state_new(NULL) == NULL, "a state of no model");
    if (!stale) return;
    tag_sentences(first, stale, with_fresh);
    snprintf(path, sizeof path, "%s/tiny-langid.snlp", dir);
    if (snlp_model_open_file(path, &langid, message, sizeof message) == SNLP_OK) {
        CHECK(snlp_langid_predict(langid, stale, "ka ki", 5, probabilities, &best) ==
                  SNLP_ERR_STATE, "a tagger's state used for language ID");
        snlp_model_free(langid);
    }
    {
        const void *freed = (const void *)first;
        snlp_model_free(first);
        snprintf(path, sizeof path, "%s/tiny-pos-members.snlp", dir);
        /* Until the allocator gives the freed address back (at once with glibc; a
         * sanitizer's quarantine may never: then the checks below still run). */
        for (; tries < sizeof kept / sizeof *kept; tries++) {
            if (snlp_model_open_file(path, &other, message, sizeof message) != SNLP_OK) break;
            if ((const void *)other == freed) {
                same_address = 1;
                break;
            }
            kept[tries] = other;
            other = NULL;
        }
        if (!other) snlp_model_open_file(path, &other, message, sizeof message);
    }
    CHECK(other != NULL, "open %s: %s", path, message);
    if (other) {
        const char *tokens[] = {"The", "cat"};
        size_t sizes[] = {3, 3};
        uint32_t tags[2];
        CHECK(snlp_pos_tag(other, stale, tokens, sizes, 2, tags) == SNLP_ERR_STATE,
              "the state of a freed model is refused (same address: %d)", same_address);
        fresh = snlp_state_new(other);
        again = snlp_state_new(other);
        if (fresh && again) {
            tag_sentences(other, fresh, with_fresh);
            tag_sentences(other, fresh, with_fresh); /* its cached tables reused */
            tag_sentences(other, again, with_again);
            CHECK(!memcmp(with_fresh, with_again, sizeof with_again),
                  "a state reused on its model tags as a new one");
        }
        snlp_model_free(other);
    }
    for (size_t k = 0; k < tries && k < sizeof kept / sizeof *kept; k++) snlp_model_free(kept[k]);
    snlp_state_free(stale);
    snlp_state_free(fresh);
    snlp_state_free(again);
}

/* snlp_state_trim frees buffers down to its bound, and a trimmed state (of
 * language ID after a long text, of a tagger with its cached tables) answers
 * as a new one; trimmed to 0 it holds only itself. */
static void check_state_trim(const char *dir) {
    char path[4096], message[SNLP_MESSAGE_SIZE], long_text[6000];
    snlp_model *langid = NULL, *tagger = NULL;
    snlp_state *used = NULL, *fresh = NULL;
    double want[1024], got[1024];
    uint32_t tags_before[18], tags_after[18];
    size_t best, labels, held, empty = 0;
    const char *text = "ka ki kuu";
    for (size_t i = 0; i + 1 < sizeof long_text; i++) long_text[i] = "kaki u"[i % 6];
    long_text[sizeof long_text - 1] = '\0';
    snprintf(path, sizeof path, "%s/tiny-langid.snlp", dir);
    CHECK(snlp_model_open_file(path, &langid, message, sizeof message) == SNLP_OK &&
              (used = snlp_state_new(langid)) && (fresh = snlp_state_new(langid)),
          "open %s: %s", path, message);
    if (used && fresh) {
        empty = snlp_state_heap_bytes(fresh); /* a new state: no buffers yet */
        labels = snlp_model_label_count(langid);
        CHECK(labels <= 1024 &&
                  snlp_langid_predict(langid, fresh, text, strlen(text), want, &best) ==
                      SNLP_OK &&
                  snlp_langid_predict(langid, used, long_text, strlen(long_text), got, &best) ==
                      SNLP_OK,
              "language ID before trimming");
        CHECK(snlp_state_heap_bytes(used) > 8192, "a long text grows the state");
        held = snlp_state_trim(used, 4096);
        CHECK(held <= 4096 && held == snlp_state_heap_bytes(used), "trimmed to %zu bytes",
              held);
        CHECK(snlp_langid_predict(langid, used, text, strlen(text), got, &best) == SNLP_OK &&
                  !memcmp(want, got, labels * sizeof *got),
              "a trimmed state answers as a new one");
        CHECK(snlp_state_trim(used, 0) == empty && snlp_state_heap_bytes(used) == empty,
              "trimmed to nothing, a state holds only itself");
    }
    snlp_state_free(used);
    snlp_state_free(fresh);
    snlp_model_free(langid);
    used = NULL;
    snprintf(path, sizeof path, "%s/tiny-pos-members.snlp", dir);
    CHECK(snlp_model_open_file(path, &tagger, message, sizeof message) == SNLP_OK &&
              (used = snlp_state_new(tagger)), "open %s: %s", path, message);
    if (used) {
        tag_sentences(tagger, used, tags_before); /* its tables made and cached */
        CHECK(used->tables_ready, "a tagger's state caches its tables");
        snlp_state_trim(used, 0);
        CHECK(!used->tables_ready && !used->tables, "trimmed, the tables are to be made again");
        tag_sentences(tagger, used, tags_after); /* made again */
        CHECK(!memcmp(tags_before, tags_after, sizeof tags_after),
              "a tagger's trimmed state tags as before");
    }
    snlp_state_free(used);
    snlp_model_free(tagger);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/golden";
    for (int level = SNLP_SIMD_PORTABLE; level <= SNLP_SIMD_AVX512_VNNI; level++) {
        snlp_simd_limit = level; /* the portable code, and the vector code where the CPU has it */
        check_golden(dir, "tiny-langid");
        check_golden(dir, "tiny-pos");
        check_golden(dir, "tiny-pos-members");
        check_golden(dir, "tiny-pos-cased");
        check_golden(dir, "tiny-pos-classes");
        check_golden(dir, "tiny-pos-jamo");
        check_golden(dir, "tiny-langid-int8");
    }
    check_vector_code();
    check_labelling_step();
    for (int extra = 2; extra < argc; extra++) check_vector_code_on(argv[extra]);
    check_spans(dir);
    check_hostile(dir);
    check_hostile_text(dir);
    check_hostile_tokens(dir);
    check_subset_and_top_k(dir);
    check_best_alone(dir);
    check_texts(dir, "tiny-langid");
    check_texts(dir, "tiny-langid-int8");
    check_state_bound_to_its_model(dir);
    check_state_trim(dir);
    check_half();
    check_mod();
    check_hash_within();
    check_decode();
    check_text_ngrams();
    check_exp();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all C runtime checks passed\n");
    return 0;
}
