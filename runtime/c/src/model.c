/* Opening a .snlp file: every count and offset is checked against the bytes
 * that are there before anything is read through it (docs/FORMAT.md). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json.h"
#include "unicode_tables.h"

#define MAGIC "SMALLNLP"
#define HEADER_BYTES 16
#define CHECKSUM_BYTES 4
#define MAX_LABELS 65536
#define MAX_HIDDEN 65536
#define MAX_ORDER 8
#define MAX_OFFSET 16
#define MAX_ARRAY_DIMS 4
#define FEATURIZER_VERSION 2
#define MAX_MEMBERS 16
/* A group's rows and width (smallnlp/features/kinds.py has the same numbers):
 * snlp_pool_group sums a group in a buffer of MAX_DIMS floats. */
#define MAX_BUCKETS 2147483647
#define MAX_DIMS 256

/* Models opened so far in this process; atomic, since threads may open models. */
#ifdef __STDC_NO_ATOMICS__
static uint64_t opened = 0;
static uint64_t next_serial(void) { return ++opened; }
#else
#include <stdatomic.h>
static atomic_uint_fast64_t opened = 0;
static uint64_t next_serial(void) { return (uint64_t)atomic_fetch_add(&opened, 1) + 1; }
#endif

typedef struct {
    const char *name;
    snlp_matrix view;
    uint64_t offset;
    uint64_t bytes;
} array_entry;

struct snlp_model {
    uint64_t serial;  /* snlp_model_serial */
    uint8_t *owned; /* the file's bytes, when opened from a path */
    const uint8_t *data;
    uint64_t data_size;
    char *strings; /* every name and label, NUL-terminated */
    size_t strings_used, strings_size;
    const char *task;
    uint32_t featurizer_version, hidden, max_chars, known_word_bits, known_word_seed;
    snlp_lexicon lexicon;       /* a tagger's word lexicon (slots NULL: none) */
    snlp_tag_dictionary tag_dictionary; /* a tagger's tag dictionary (count 0: none) */
    int hangul_jamo;            /* a tagger frames Hangul syllables as jamo */
    double temperature;
    size_t label_count, group_count, array_count;
    size_t member_count;        /* networks averaged (a tagger may have several) */
    const char **labels;
    snlp_group *groups;
    array_entry *arrays;
    snlp_kind *kinds;           /* one per group */
    uint64_t *reciprocals;      /* one per group: snlp_reciprocal(buckets) */
    const uint8_t *known_words; /* the bitmap's bytes, or NULL */
    snlp_embedding *embeddings; /* one per group and member, member after member */
    snlp_matrix dense[MAX_MEMBERS][4]; /* per member, SNLP_HIDDEN_WEIGHTS ... SNLP_OUTPUT_BIAS */
    int dense_int8;                    /* 8-bit dense layers: int8 weights, and scales */
    snlp_matrix dense_scales[2];       /* SNLP_HIDDEN_SCALES, SNLP_OUTPUT_SCALES */
};

typedef struct {
    json_doc doc;
    snlp_model *model;
    char *message;
    size_t message_size;
} loader;

static snlp_status failf(loader *l, snlp_status status, const char *format, ...) {
    if (l->message && l->message_size) {
        va_list args;
        va_start(args, format);
        vsnprintf(l->message, l->message_size, format, args);
        va_end(args);
    }
    return status;
}

static const char *keep_string(loader *l, const json_node *node) {
    snlp_model *m = l->model;
    long length = json_string_length(&l->doc, node);
    char *out;
    if (length < 0 || (size_t)length + 1 > m->strings_size - m->strings_used) return NULL;
    out = m->strings + m->strings_used;
    if (json_string(&l->doc, node, out, (size_t)length + 1)) return NULL;
    m->strings_used += (size_t)length + 1;
    return out;
}

/* Whether an object has exactly the keys of `required` plus any of `optional`. */
static int has_keys(loader *l, const json_node *object, const char *const *required,
                    const char *const *optional, const char *where) {
    uint32_t k;
    for (const char *const *key = required; *key; key++) {
        if (!json_member(&l->doc, object, *key)) {
            failf(l, SNLP_ERR_FORMAT, "%s: missing key '%s'", where, *key);
            return 0;
        }
    }
    for (k = object->first_child; k != JSON_NONE; k = l->doc.nodes[l->doc.nodes[k].next].next) {
        const json_node *key = &l->doc.nodes[k];
        int known = 0;
        for (const char *const *name = required; *name && !known; name++)
            known = json_key_is(&l->doc, key, *name);
        for (const char *const *name = optional; name && *name && !known; name++)
            known = json_key_is(&l->doc, key, *name);
        if (!known) {
            failf(l, SNLP_ERR_FORMAT, "%s: unknown key", where);
            return 0;
        }
    }
    return 1;
}

static int get_int(loader *l, const json_node *object, const char *key, int64_t minimum,
                   int64_t maximum, int64_t *out, const char *where) {
    const json_node *node = json_member(&l->doc, object, key);
    if (!node || json_integer(&l->doc, node, minimum, maximum, out)) {
        failf(l, SNLP_ERR_FORMAT, "%s: '%s' is not an integer in %lld..%lld", where, key,
              (long long)minimum, (long long)maximum);
        return 0;
    }
    return 1;
}

static int label_order(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static snlp_status read_labels(loader *l, const json_node *root) {
    snlp_model *m = l->model;
    const json_node *labels = json_member(&l->doc, root, "labels");
    const char **sorted;
    uint32_t k;
    size_t i = 0;
    if (!labels || labels->type != JSON_ARRAY || labels->count < 1 || labels->count > MAX_LABELS)
        return failf(l, SNLP_ERR_FORMAT, "labels: expected a list of 1..%d strings", MAX_LABELS);
    m->labels = calloc(labels->count, sizeof *m->labels);
    sorted = calloc(labels->count, sizeof *sorted);
    if (!m->labels || !sorted) {
        free(sorted);
        return failf(l, SNLP_ERR_MEMORY, "out of memory");
    }
    for (k = labels->first_child; k != JSON_NONE; k = l->doc.nodes[k].next, i++) {
        const char *label = keep_string(l, &l->doc.nodes[k]);
        if (!label || !*label || strpbrk(label, "\t\r\n")) {
            free(sorted);
            return failf(l, SNLP_ERR_FORMAT, "label %zu is not a non-empty string without "
                         "tabs or line breaks", i);
        }
        m->labels[i] = sorted[i] = label;
    }
    m->label_count = labels->count;
    qsort(sorted, m->label_count, sizeof *sorted, label_order);
    for (i = 1; i < m->label_count; i++) {
        if (!strcmp(sorted[i - 1], sorted[i])) {
            free(sorted);
            return failf(l, SNLP_ERR_FORMAT, "labels are not unique");
        }
    }
    free(sorted);
    return SNLP_OK;
}

static snlp_status read_group(loader *l, const json_node *node, size_t index, int pos) {
    static const char *const keys[] = {"name", "kind", "buckets", "dims", "order", "seed",
                                       "offset", NULL};
    snlp_group *g = &l->model->groups[index];
    const snlp_kind_rule *rule = NULL;
    int64_t buckets, dims, order, seed, offset;
    char where[48];
    snprintf(where, sizeof where, "feature group %zu", index);
    if (node->type != JSON_OBJECT || !has_keys(l, node, keys, NULL, where))
        return node->type != JSON_OBJECT ? failf(l, SNLP_ERR_FORMAT, "%s: not an object", where)
                                         : SNLP_ERR_FORMAT;
    g->name = keep_string(l, json_member(&l->doc, node, "name"));
    g->kind = keep_string(l, json_member(&l->doc, node, "kind"));
    if (!g->name || !*g->name || !g->kind)
        return failf(l, SNLP_ERR_FORMAT, "%s: name and kind must be strings", where);
    for (size_t k = 0; k < SNLP_KIND_COUNT; k++)
        if (!strcmp(snlp_kinds[k].name, g->kind)) rule = &snlp_kinds[k];
    if (!rule || !(pos ? rule->pos : rule->langid))
        return failf(l, SNLP_ERR_FORMAT, "%s: kind '%s' is not one of a %s model", where,
                     g->kind, pos ? "pos" : "langid");
    l->model->kinds[index] = (snlp_kind)(rule - snlp_kinds);
    if (!get_int(l, node, "buckets", 1, MAX_BUCKETS, &buckets, where) ||
        !get_int(l, node, "dims", 1, MAX_DIMS, &dims, where) ||
        !get_int(l, node, "order", 0, MAX_ORDER, &order, where) ||
        !get_int(l, node, "seed", 0, UINT32_MAX, &seed, where) ||
        !get_int(l, node, "offset", -MAX_OFFSET, MAX_OFFSET, &offset, where))
        return SNLP_ERR_FORMAT;
    if ((rule->has_order ? order < 1 : order != 0) || (!rule->has_seed && seed != 0) ||
        (!rule->has_offset && offset != 0) || (!pos && offset != 0))
        return failf(l, SNLP_ERR_FORMAT, "%s: parameters do not fit kind %s", where, g->kind);
    if (l->model->kinds[index] == SNLP_WORD && buckets < 2) /* its last row: unknown words */
        return failf(l, SNLP_ERR_FORMAT, "%s: a word group needs 2 rows at least", where);
    if ((l->model->kinds[index] == SNLP_PREV_TAG && offset >= 0) ||
        (l->model->kinds[index] == SNLP_NEXT_TAG && offset <= 0))
        return failf(l, SNLP_ERR_FORMAT, "%s: %s offset has the wrong sign", where, g->kind);
    g->buckets = (uint32_t)buckets;
    l->model->reciprocals[index] = snlp_reciprocal(g->buckets);
    g->dims = (uint32_t)dims;
    g->order = (uint32_t)order;
    g->seed = (uint32_t)seed;
    g->offset = (int32_t)offset;
    return SNLP_OK;
}

/* Fixed sizes and decoding order (docs/FORMAT.md, "Metadata"). */
static snlp_status check_groups(loader *l, int pos) {
    snlp_model *m = l->model;
    snlp_rows_context rows = {m->label_count, m->lexicon.clusters, 0};
    int stage = 0;
    for (size_t i = 0; i < m->group_count; i++)
        rows.next_tags |= snlp_kinds[m->kinds[i]].stage == SNLP_STAGE_NEXT_TAG;
    for (size_t i = 0; i < m->group_count; i++) {
        const snlp_group *g = &m->groups[i];
        const snlp_kind_rule *kind = &snlp_kinds[m->kinds[i]];
        uint64_t fixed = kind->fixed_rows ? kind->fixed_rows(&rows) : 0;
        int group_stage = kind->stage;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->groups[j].name, g->name))
                return failf(l, SNLP_ERR_FORMAT, "feature group names are not unique");
        if (kind->needs_lexicon && !m->lexicon.count)
            return failf(l, SNLP_ERR_FORMAT, "feature group '%s' needs a word lexicon", g->name);
        if (kind->needs_tag_dictionary && !m->tag_dictionary.count)
            return failf(l, SNLP_ERR_FORMAT, "feature group '%s' needs a tag dictionary",
                         g->name);
        if (fixed && g->buckets != fixed)
            return failf(l, SNLP_ERR_FORMAT, "feature group '%s' has %u rows; its kind has %llu",
                         g->name, g->buckets, (unsigned long long)fixed);
        if (pos && group_stage < stage)
            return failf(l, SNLP_ERR_FORMAT, "feature groups are not in decoding order");
        stage = group_stage;
    }
    return SNLP_OK;
}

static snlp_status read_features(loader *l, const json_node *root, int pos) {
    static const char *const langid_keys[] = {"groups", "max_chars", NULL};
    static const char *const pos_keys[] = {"groups", NULL};
    static const char *const pos_optional[] = {"known_words", "lexicon", "tag_dictionary",
                                               "hangul_jamo", NULL};
    static const char *const known_keys[] = {"bits", "seed", NULL};
    static const char *const dictionary_keys[] = {"words", "seed", NULL};
    static const char *const dictionary_optional[] = {"cased", "decoding", NULL};
    static const char *const lexicon_keys[] = {"slots", "seed", "clusters", "probes", "words",
                                               NULL};
    snlp_model *m = l->model;
    const json_node *features = json_member(&l->doc, root, "features"), *groups, *known,
                    *lexicon, *dictionary, *jamo;
    int64_t value;
    size_t i = 0;
    uint32_t k;
    snlp_status status;
    if (!features || features->type != JSON_OBJECT)
        return failf(l, SNLP_ERR_FORMAT, "features: expected an object");
    if (!has_keys(l, features, pos ? pos_keys : langid_keys, pos ? pos_optional : NULL,
                  "features"))
        return SNLP_ERR_FORMAT;
    if (!pos) {
        if (!get_int(l, features, "max_chars", 1, UINT32_MAX, &value, "features"))
            return SNLP_ERR_FORMAT;
        m->max_chars = (uint32_t)value;
    }
    known = pos ? json_member(&l->doc, features, "known_words") : NULL;
    if (known && known->type != JSON_NULL) {
        if (known->type != JSON_OBJECT || !has_keys(l, known, known_keys, NULL, "known_words"))
            return failf(l, SNLP_ERR_FORMAT, "features: known_words must be {bits, seed}");
        if (!get_int(l, known, "bits", 8, (int64_t)UINT32_MAX - 7, &value, "known_words"))
            return SNLP_ERR_FORMAT;
        if (value % 8) return failf(l, SNLP_ERR_FORMAT, "known_words: bits is not a multiple of 8");
        m->known_word_bits = (uint32_t)value;
        if (!get_int(l, known, "seed", 0, UINT32_MAX, &value, "known_words"))
            return SNLP_ERR_FORMAT;
        m->known_word_seed = (uint32_t)value;
    }
    lexicon = pos ? json_member(&l->doc, features, "lexicon") : NULL;
    if (lexicon && lexicon->type != JSON_NULL) { /* docs/FORMAT.md: the word lexicon */
        int64_t slots, seed, clusters, probes, words;
        if (lexicon->type != JSON_OBJECT)
            return failf(l, SNLP_ERR_FORMAT, "lexicon: expected an object");
        if (!has_keys(l, lexicon, lexicon_keys, NULL, "lexicon") ||
            !get_int(l, lexicon, "slots", 1, UINT32_MAX, &slots, "lexicon") ||
            !get_int(l, lexicon, "seed", 0, UINT32_MAX, &seed, "lexicon") ||
            !get_int(l, lexicon, "clusters", 1, 1024, &clusters, "lexicon") ||
            !get_int(l, lexicon, "probes", 1, UINT32_MAX, &probes, "lexicon") ||
            !get_int(l, lexicon, "words", 0, INT64_MAX, &words, "lexicon"))
            return SNLP_ERR_FORMAT;
        if (probes > slots) /* a lookup never needs more: a bound on its time */
            return failf(l, SNLP_ERR_FORMAT, "lexicon: probes %lld exceeds its %lld slots",
                         (long long)probes, (long long)slots);
        m->lexicon.count = (uint32_t)slots;
        m->lexicon.seed = (uint32_t)seed;
        m->lexicon.clusters = (uint32_t)clusters;
        m->lexicon.probes = (uint32_t)probes;
    }
    dictionary = pos ? json_member(&l->doc, features, "tag_dictionary") : NULL;
    if (dictionary && dictionary->type != JSON_NULL) { /* docs/FORMAT.md: the tag dictionary */
        const json_node *cased, *decoding;
        int64_t words, seed;
        if (dictionary->type != JSON_OBJECT ||
            !has_keys(l, dictionary, dictionary_keys, dictionary_optional, "tag_dictionary"))
            return failf(l, SNLP_ERR_FORMAT,
                         "features: tag_dictionary must be {words, seed[, cased, decoding]}");
        if (!get_int(l, dictionary, "words", 1, UINT32_MAX, &words, "tag_dictionary") ||
            !get_int(l, dictionary, "seed", 0, UINT32_MAX, &seed, "tag_dictionary"))
            return SNLP_ERR_FORMAT;
        cased = json_member(&l->doc, dictionary, "cased");
        if (cased && cased->type != JSON_TRUE && cased->type != JSON_FALSE)
            return failf(l, SNLP_ERR_FORMAT, "tag_dictionary: 'cased' is not true or false");
        m->tag_dictionary.count = (uint32_t)words;
        m->tag_dictionary.seed = (uint32_t)seed;
        m->tag_dictionary.cased = cased && cased->type == JSON_TRUE;
        decoding = json_member(&l->doc, dictionary, "decoding");
        if (decoding && decoding->type != JSON_TRUE && decoding->type != JSON_FALSE)
            return failf(l, SNLP_ERR_FORMAT, "tag_dictionary: 'decoding' is not true or false");
        m->tag_dictionary.decoding = !decoding || decoding->type == JSON_TRUE;
    }
    jamo = pos ? json_member(&l->doc, features, "hangul_jamo") : NULL;
    if (jamo && jamo->type != JSON_TRUE && jamo->type != JSON_FALSE)
        return failf(l, SNLP_ERR_FORMAT, "features: 'hangul_jamo' is not true or false");
    m->hangul_jamo = jamo && jamo->type == JSON_TRUE;
    groups = json_member(&l->doc, features, "groups");
    if (!groups || groups->type != JSON_ARRAY || groups->count < 1)
        return failf(l, SNLP_ERR_FORMAT, "features: groups must be a non-empty list");
    m->groups = calloc(groups->count, sizeof *m->groups);
    m->kinds = calloc(groups->count, sizeof *m->kinds);
    m->reciprocals = calloc(groups->count, sizeof *m->reciprocals);
    if (!m->groups || !m->kinds || !m->reciprocals)
        return failf(l, SNLP_ERR_MEMORY, "out of memory");
    m->group_count = groups->count;
    for (k = groups->first_child; k != JSON_NONE; k = l->doc.nodes[k].next, i++)
        if ((status = read_group(l, &l->doc.nodes[k], i, pos)) != SNLP_OK) return status;
    return check_groups(l, pos);
}

static const struct {
    const char *name;
    snlp_dtype dtype;
    unsigned size;
} DTYPES[] = {{"<u1", SNLP_U8, 1}, {"<i1", SNLP_I8, 1}, {"<f2", SNLP_F16, 2},
              {"<f4", SNLP_F32, 4}, {"<i4", SNLP_I32, 4}, {"<i8", SNLP_I64, 8}};

static int entry_order(const void *a, const void *b) {
    const array_entry *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static snlp_status read_array_table(loader *l, const json_node *root) {
    static const char *const keys[] = {"name", "dtype", "shape", "offset", NULL};
    snlp_model *m = l->model;
    const json_node *table = json_member(&l->doc, root, "arrays");
    array_entry *by_offset;
    uint32_t k;
    size_t i = 0;
    if (!table || table->type != JSON_ARRAY)
        return failf(l, SNLP_ERR_FORMAT, "arrays: expected a list");
    m->arrays = calloc(table->count ? table->count : 1, sizeof *m->arrays);
    if (!m->arrays) return failf(l, SNLP_ERR_MEMORY, "out of memory");
    m->array_count = table->count;
    for (k = table->first_child; k != JSON_NONE; k = l->doc.nodes[k].next, i++) {
        const json_node *entry = &l->doc.nodes[k], *shape, *dtype;
        array_entry *a = &m->arrays[i];
        uint64_t elements = 1, dims[MAX_ARRAY_DIMS] = {0};
        unsigned size = 0;
        int64_t offset;
        char type[8];
        uint32_t d;
        size_t n = 0;
        if (entry->type != JSON_OBJECT || !has_keys(l, entry, keys, NULL, "array table"))
            return failf(l, SNLP_ERR_FORMAT, "array table entry %zu is not valid", i);
        a->name = keep_string(l, json_member(&l->doc, entry, "name"));
        dtype = json_member(&l->doc, entry, "dtype");
        if (!a->name || json_string(&l->doc, dtype, type, sizeof type))
            return failf(l, SNLP_ERR_FORMAT, "array table entry %zu: bad name or dtype", i);
        for (size_t t = 0; t < sizeof DTYPES / sizeof *DTYPES; t++)
            if (!strcmp(DTYPES[t].name, type)) {
                a->view.dtype = DTYPES[t].dtype;
                size = DTYPES[t].size;
            }
        if (!size) return failf(l, SNLP_ERR_FORMAT, "array '%s': unknown dtype", a->name);
        shape = json_member(&l->doc, entry, "shape");
        if (!shape || shape->type != JSON_ARRAY || shape->count > MAX_ARRAY_DIMS)
            return failf(l, SNLP_ERR_FORMAT, "array '%s': bad shape", a->name);
        for (d = shape->first_child; d != JSON_NONE; d = l->doc.nodes[d].next, n++) {
            int64_t extent;
            if (json_integer(&l->doc, &l->doc.nodes[d], 0, INT64_MAX, &extent))
                return failf(l, SNLP_ERR_FORMAT, "array '%s': bad shape", a->name);
            dims[n] = (uint64_t)extent;
            /* Bounded by the data section, so the product cannot overflow unnoticed. */
            if (extent && elements > m->data_size / (uint64_t)extent)
                return failf(l, SNLP_ERR_FORMAT, "array '%s' is larger than the file", a->name);
            elements *= (uint64_t)extent;
        }
        if (!get_int(l, entry, "offset", 0, INT64_MAX, &offset, "array table"))
            return SNLP_ERR_FORMAT;
        a->offset = (uint64_t)offset;
        a->bytes = elements * size;
        if (a->offset % 8 || a->offset > m->data_size || a->bytes > m->data_size - a->offset)
            return failf(l, SNLP_ERR_FORMAT, "array '%s' runs past the data section or is "
                         "misaligned", a->name);
        a->view.data = m->data + a->offset;
        a->view.rows = n ? dims[0] : 1;
        a->view.cols = n ? elements / (dims[0] ? dims[0] : 1) : 1;
        if (n && !dims[0]) a->view.cols = 0;
        if (n > 2) return failf(l, SNLP_ERR_FORMAT, "array '%s' has more than 2 axes", a->name);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(m->arrays[j].name, a->name))
                return failf(l, SNLP_ERR_FORMAT, "array '%s' appears twice", a->name);
    }
    by_offset = malloc((m->array_count ? m->array_count : 1) * sizeof *by_offset);
    if (!by_offset) return failf(l, SNLP_ERR_MEMORY, "out of memory");
    memcpy(by_offset, m->arrays, m->array_count * sizeof *by_offset);
    qsort(by_offset, m->array_count, sizeof *by_offset, entry_order);
    for (i = 1; i < m->array_count; i++) {
        const array_entry *before = &by_offset[i - 1];
        if (before->bytes && before->offset + before->bytes > by_offset[i].offset) {
            snlp_status status = failf(l, SNLP_ERR_FORMAT, "arrays '%s' and '%s' overlap",
                                       before->name, by_offset[i].name);
            free(by_offset);
            return status;
        }
    }
    free(by_offset);
    return SNLP_OK;
}

static const array_entry *find_array(const snlp_model *m, const char *name) {
    for (size_t i = 0; i < m->array_count; i++)
        if (!strcmp(m->arrays[i].name, name)) return &m->arrays[i];
    return NULL;
}

/* One member's network arrays (docs/FORMAT.md, "Arrays"): member m > 0's
 * names start with "member<m>.". Counts them into *expected. */
static snlp_status check_member(loader *l, size_t member, size_t *expected) {
    snlp_model *m = l->model;
    uint64_t width = 0;
    char prefix[32] = "", name[96];
    snlp_embedding *embeddings = m->embeddings + member * m->group_count;
    struct { const char *name; uint64_t rows, cols; } dense[4] = {
        {"hidden_weights", 0, m->hidden}, {"hidden_bias", m->hidden, 1},
        {"output_weights", m->hidden, m->label_count}, {"output_bias", m->label_count, 1}};
    if (member) snprintf(prefix, sizeof prefix, "member%zu.", member);
    for (size_t i = 0; i < m->group_count; i++) {
        const snlp_group *g = &m->groups[i];
        const char *suffixes[] = {"codes", "offset", "scale"};
        snlp_matrix *views[] = {&embeddings[i].codes, &embeddings[i].offset,
                                &embeddings[i].scale};
        for (int s = 0; s < 3; s++) {
            const array_entry *a;
            snprintf(name, sizeof name, "%sembedding_%zu.%s", prefix, i, suffixes[s]);
            a = find_array(m, name);
            if (!a || a->view.dtype != (s ? SNLP_F16 : SNLP_U8) || a->view.rows != g->buckets ||
                a->view.cols != (s ? 1 : g->dims))
                return failf(l, SNLP_ERR_FORMAT, "array '%s' is missing or has the wrong "
                             "dtype or shape", name);
            *views[s] = a->view;
            ++*expected;
        }
        width += g->dims;
    }
    dense[0].rows = width;
    for (int d = 0; d < 4; d++) {
        const array_entry *a;
        snprintf(name, sizeof name, "%s%s", prefix, dense[d].name);
        a = find_array(m, name);
        /* 8-bit dense layers have int8 weights (d = 0, 2) and float32 biases. */
        snlp_dtype dtype = m->dense_int8 && d % 2 == 0 ? SNLP_I8 : SNLP_F32;
        if (!a || a->view.dtype != dtype || a->view.rows != dense[d].rows ||
            a->view.cols != dense[d].cols)
            return failf(l, SNLP_ERR_FORMAT, "array '%s' is missing or has the wrong dtype or "
                         "shape", name);
        m->dense[member][d] = a->view; /* in SNLP_HIDDEN_WEIGHTS ... SNLP_OUTPUT_BIAS order */
        ++*expected;
    }
    for (int d = 0; m->dense_int8 && d < 2; d++) { /* one scale per hidden unit, per label */
        static const char *const names[] = {"hidden_scales", "output_scales"};
        uint64_t rows = d ? m->label_count : m->hidden;
        const array_entry *a;
        snprintf(name, sizeof name, "%s%s", prefix, names[d]);
        a = find_array(m, name);
        if (!a || a->view.dtype != SNLP_F32 || a->view.rows != rows || a->view.cols != 1)
            return failf(l, SNLP_ERR_FORMAT, "array '%s' is missing or has the wrong dtype or "
                         "shape", name);
        m->dense_scales[d] = a->view;
        ++*expected;
    }
    return SNLP_OK;
}

/* The tag dictionary's two arrays: as many words as it says, in increasing
 * order, each allowing some of the model's tags and no other. */
static snlp_status check_tag_dictionary(loader *l) {
    snlp_model *m = l->model;
    snlp_tag_dictionary *d = &m->tag_dictionary;
    const array_entry *words = find_array(m, "tag_dictionary_words"),
                      *tags = find_array(m, "tag_dictionary_tags");
    if (!words || !tags || words->view.dtype != SNLP_I32 || tags->view.dtype != SNLP_I32 ||
        words->view.rows != d->count || tags->view.rows != d->count ||
        words->view.cols != 1 || tags->view.cols != 1)
        return failf(l, SNLP_ERR_FORMAT, "the tag dictionary's arrays are missing or have the "
                     "wrong dtype or shape");
    if (m->label_count > 32)
        return failf(l, SNLP_ERR_FORMAT, "a tag dictionary holds at most 32 tags, the model "
                     "has %zu", m->label_count);
    d->words = words->view.data;
    d->tags = tags->view.data;
    for (uint32_t k = 0; k < d->count; k++) {
        uint32_t mask = snlp_read_u32(d->tags + 4 * (size_t)k);
        if (k && snlp_read_u32(d->words + 4 * (size_t)k) <=
                     snlp_read_u32(d->words + 4 * (size_t)(k - 1)))
            return failf(l, SNLP_ERR_FORMAT, "tag dictionary words are not in increasing order");
        if (!mask || (m->label_count < 32 && mask >> m->label_count))
            return failf(l, SNLP_ERR_FORMAT, "a tag dictionary word allows no tag, or tags the "
                         "model does not have");
    }
    return SNLP_OK;
}

/* The arrays the metadata implies, exactly (docs/FORMAT.md, "Arrays"). */
static snlp_status check_arrays(loader *l) {
    snlp_model *m = l->model;
    size_t expected = 0;
    m->embeddings = calloc(m->member_count * m->group_count, sizeof *m->embeddings);
    if (!m->embeddings) return failf(l, SNLP_ERR_MEMORY, "out of memory");
    for (size_t member = 0; member < m->member_count; member++) {
        snlp_status status = check_member(l, member, &expected);
        if (status != SNLP_OK) return status;
    }
    if (m->known_word_bits) {
        const array_entry *a = find_array(m, "known_words");
        if (!a || a->view.dtype != SNLP_U8 || a->view.rows != m->known_word_bits / 8 ||
            a->view.cols != 1)
            return failf(l, SNLP_ERR_FORMAT, "array 'known_words' is missing or has the wrong "
                         "dtype or shape");
        m->known_words = a->view.data;
        expected++;
    }
    if (m->lexicon.count) {
        const array_entry *a = find_array(m, "lexicon");
        if (!a || a->view.dtype != SNLP_I32 || a->view.rows != m->lexicon.count ||
            a->view.cols != 1)
            return failf(l, SNLP_ERR_FORMAT, "array 'lexicon' is missing or has the wrong "
                         "dtype or shape");
        m->lexicon.slots = a->view.data;
        for (uint32_t k = 0; k < m->lexicon.count; k++) { /* names what exists */
            uint32_t v = snlp_read_u32(m->lexicon.slots + 4 * (size_t)k);
            if (v && (((v >> 16) & 0x3FF) >= m->lexicon.clusters || ((v >> 26) & 0xF) > 10 ||
                      (v >> 30)))
                return failf(l, SNLP_ERR_FORMAT, "lexicon slot value 0x%08x names a cluster, "
                             "ratio code or bits that do not exist", (unsigned)v);
        }
        expected++;
    }
    if (m->tag_dictionary.count) {
        snlp_status status = check_tag_dictionary(l);
        if (status != SNLP_OK) return status;
        expected += 2;
    }
    if (expected != m->array_count)
        return failf(l, SNLP_ERR_FORMAT, "the file holds arrays this model does not use");
    for (size_t i = 0; i < m->array_count; i++) {
        const array_entry *a = &m->arrays[i];
        uint64_t count = a->view.rows * a->view.cols;
        for (uint64_t e = 0; e < count && a->view.dtype == SNLP_F32; e++)
            if (!isfinite(snlp_read_f32(a->view.data + 4 * e)))
                return failf(l, SNLP_ERR_FORMAT, "array '%s' holds a value that is not finite",
                             a->name);
        for (uint64_t e = 0; e < count && a->view.dtype == SNLP_F16; e++)
            if ((snlp_read_u16(a->view.data + 2 * e) & 0x7C00) == 0x7C00)
                return failf(l, SNLP_ERR_FORMAT, "array '%s' holds a value that is not finite",
                             a->name);
    }
    return SNLP_OK;
}

/* The strings arena is sized for the worst case while reading; once read,
 * move what it holds into a buffer of its exact size (a loaded model's memory
 * counts against its budget) and point every name and label there. */
static snlp_status shrink_strings(loader *l) {
    snlp_model *m = l->model;
    char *exact = malloc(m->strings_used ? m->strings_used : 1);
#define REBASE(pointer) ((pointer) = exact + ((pointer) - m->strings))
    if (!exact) return failf(l, SNLP_ERR_MEMORY, "out of memory");
    memcpy(exact, m->strings, m->strings_used);
    REBASE(m->task);
    for (size_t i = 0; i < m->label_count; i++) REBASE(m->labels[i]);
    for (size_t i = 0; i < m->group_count; i++) {
        REBASE(m->groups[i].name);
        REBASE(m->groups[i].kind);
    }
    for (size_t i = 0; i < m->array_count; i++) REBASE(m->arrays[i].name);
#undef REBASE
    free(m->strings);
    m->strings = exact;
    m->strings_size = m->strings_used;
    return SNLP_OK;
}

static snlp_status read_metadata(loader *l) {
    static const char *const keys[] = {"task", "labels", "smallnlp_version", "featurizer",
                                       "features", "hidden", "data_licences", "training",
                                       "arrays", NULL};
    static const char *const optional[] = {"calibration", "members", "dense", NULL};
    static const char *const featurizer_keys[] = {"version", "unicode", NULL};
    snlp_model *m = l->model;
    const json_node *root = json_at(&l->doc, 0), *node;
    int64_t value;
    int pos;
    snlp_status status;
    if (root->type != JSON_OBJECT) return failf(l, SNLP_ERR_FORMAT, "metadata is not an object");
    if (!has_keys(l, root, keys, optional, "metadata")) return SNLP_ERR_FORMAT;
    m->task = keep_string(l, json_member(&l->doc, root, "task"));
    if (!m->task || (strcmp(m->task, "langid") && strcmp(m->task, "pos")))
        return failf(l, SNLP_ERR_FORMAT, "task must be 'langid' or 'pos'");
    pos = !strcmp(m->task, "pos");
    node = json_member(&l->doc, root, "smallnlp_version");
    if (node->type != JSON_STRING)
        return failf(l, SNLP_ERR_FORMAT, "smallnlp_version is not a string");
    node = json_member(&l->doc, root, "featurizer");
    if (node->type != JSON_OBJECT || !has_keys(l, node, featurizer_keys, NULL, "featurizer") ||
        json_member(&l->doc, node, "unicode")->type != JSON_STRING)
        return failf(l, SNLP_ERR_FORMAT, "featurizer must be {version, unicode}");
    {
        char unicode[32];
        if (json_string(&l->doc, json_member(&l->doc, node, "unicode"), unicode,
                        sizeof unicode) || strcmp(unicode, SNLP_UNICODE_VERSION))
            return failf(l, SNLP_ERR_UNSUPPORTED, "its features were made with Unicode %s; "
                         "this runtime's tables are Unicode %s", unicode, SNLP_UNICODE_VERSION);
    }
    if (!get_int(l, node, "version", 1, UINT32_MAX, &value, "featurizer"))
        return SNLP_ERR_FORMAT;
    m->featurizer_version = (uint32_t)value;
    if (value != FEATURIZER_VERSION)
        return failf(l, SNLP_ERR_UNSUPPORTED, "its features were made by featurizer version "
                     "%lld; this runtime implements version %d", (long long)value,
                     FEATURIZER_VERSION);
    if ((status = read_labels(l, root)) != SNLP_OK) return status;
    if (!get_int(l, root, "hidden", 1, MAX_HIDDEN, &value, "metadata")) return SNLP_ERR_FORMAT;
    m->hidden = (uint32_t)value;
    if ((status = read_features(l, root, pos)) != SNLP_OK) return status;
    m->member_count = 1;
    if (json_member(&l->doc, root, "members")) { /* a tagger's networks, averaged */
        if (!pos) return failf(l, SNLP_ERR_FORMAT, "members: only a pos model has members");
        if (!get_int(l, root, "members", 1, MAX_MEMBERS, &value, "metadata"))
            return SNLP_ERR_FORMAT;
        m->member_count = (size_t)value;
    }
    if (json_member(&l->doc, root, "data_licences")->type != JSON_OBJECT ||
        json_member(&l->doc, root, "training")->type != JSON_OBJECT)
        return failf(l, SNLP_ERR_FORMAT, "data_licences and training must be objects");
    { /* the training record is free-form but for these two, checked as the Python reader does */
        const json_node *training = json_member(&l->doc, root, "training");
        node = json_member(&l->doc, training, "seed");
        if (node && node->type != JSON_NULL &&
            !get_int(l, training, "seed", 0, UINT32_MAX, &value, "training"))
            return SNLP_ERR_FORMAT;
        node = json_member(&l->doc, training, "memory_budget");
        if (node && node->type != JSON_NULL &&
            !get_int(l, training, "memory_budget", 0, INT64_MAX, &value, "training"))
            return SNLP_ERR_FORMAT;
    }
    node = json_member(&l->doc, root, "dense");
    if (node) { /* float32 (the default) or int8 weights; int8 for language ID only */
        char dense[16];
        if (json_string(&l->doc, node, dense, sizeof dense) ||
            (strcmp(dense, "float32") && strcmp(dense, "int8")))
            return failf(l, SNLP_ERR_FORMAT, "dense must be 'float32' or 'int8'");
        m->dense_int8 = !strcmp(dense, "int8");
        if (m->dense_int8 && pos)
            return failf(l, SNLP_ERR_FORMAT, "a pos model has no 8-bit dense layers");
    }
    m->temperature = 1.0;
    node = json_member(&l->doc, root, "calibration");
    if (node && node->type != JSON_NULL) {
        const json_node *t = json_member(&l->doc, node, "temperature");
        if (pos || node->type != JSON_OBJECT || !t || json_number(&l->doc, t, &m->temperature) ||
            m->temperature < 1e-3 || m->temperature > 1e3)
            return failf(l, SNLP_ERR_FORMAT, "calibration: temperature must be in 0.001..1000");
    }
    if ((status = read_array_table(l, root)) != SNLP_OK) return status;
    if ((status = check_arrays(l)) != SNLP_OK) return status;
    return shrink_strings(l);
}

snlp_status snlp_model_open_buffer(const void *data, size_t size, snlp_model **out,
                                   char *message, size_t message_size) {
    loader l = {{0}, NULL, message, message_size};
    const uint8_t *bytes = data;
    uint32_t version, meta_length;
    uint64_t data_start;
    snlp_status status;
    if (message && message_size) message[0] = '\0';
    if (!out) return failf(&l, SNLP_ERR_ARGUMENT, "no place for the model");
    *out = NULL;
    if (!data) return failf(&l, SNLP_ERR_ARGUMENT, "no bytes");
    if (size < HEADER_BYTES + CHECKSUM_BYTES || memcmp(bytes, MAGIC, 8))
        return failf(&l, SNLP_ERR_FORMAT, "not a smallnlp model file (bad magic or too short)");
    version = snlp_read_u32(bytes + 8);
    if (version != 2 && version != SNLP_FORMAT_VERSION)
        return failf(&l, SNLP_ERR_UNSUPPORTED, "format version %u; this runtime reads versions "
                     "2 and %d (load and save a version-1 file with the Python package to "
                     "convert it)", version, SNLP_FORMAT_VERSION);
    meta_length = snlp_read_u32(bytes + 12);
    if (meta_length > size - HEADER_BYTES - CHECKSUM_BYTES)
        return failf(&l, SNLP_ERR_FORMAT, "metadata length %u runs past the end of the file",
                     meta_length);
    if (snlp_crc32(bytes, size - CHECKSUM_BYTES) != snlp_read_u32(bytes + size - CHECKSUM_BYTES))
        return failf(&l, SNLP_ERR_FORMAT, "checksum mismatch (the file is damaged)");
    data_start = ((uint64_t)HEADER_BYTES + meta_length + 7) & ~(uint64_t)7;
    if (data_start > size - CHECKSUM_BYTES)
        return failf(&l, SNLP_ERR_FORMAT, "the data section starts past the end of the file");
    l.model = calloc(1, sizeof *l.model);
    if (!l.model) return failf(&l, SNLP_ERR_MEMORY, "out of memory");
    l.model->serial = next_serial();
    l.model->data = bytes + data_start;
    l.model->data_size = size - CHECKSUM_BYTES - data_start;
    if (json_parse(&l.doc, (const char *)bytes + HEADER_BYTES, meta_length, message,
                   message_size)) {
        snlp_model_free(l.model);
        return SNLP_ERR_FORMAT;
    }
    /* Unescaped strings are never longer than their JSON text. */
    l.model->strings_size = meta_length + l.doc.count + 1;
    l.model->strings = malloc(l.model->strings_size);
    status = l.model->strings ? read_metadata(&l) : failf(&l, SNLP_ERR_MEMORY, "out of memory");
    json_free(&l.doc);
    if (status != SNLP_OK) {
        snlp_model_free(l.model);
        return status;
    }
    *out = l.model;
    return SNLP_OK;
}

snlp_status snlp_model_open_file(const char *path, snlp_model **out, char *message,
                                 size_t message_size) {
    loader l = {{0}, NULL, message, message_size};
    FILE *file;
    long length;
    uint8_t *bytes;
    snlp_status status;
    if (!out || !path) return failf(&l, SNLP_ERR_ARGUMENT, "no path or no place for the model");
    *out = NULL;
    file = fopen(path, "rb");
    if (!file) return failf(&l, SNLP_ERR_IO, "%s: cannot open", path);
    if (getc(file) == EOF && ferror(file)) { /* a directory opens, but does not read */
        fclose(file);
        return failf(&l, SNLP_ERR_IO, "%s: cannot read (a directory?)", path);
    }
    if (fseek(file, 0, SEEK_END) || (length = ftell(file)) < 0 || fseek(file, 0, SEEK_SET)) {
        fclose(file);
        return failf(&l, SNLP_ERR_IO, "%s: cannot read", path);
    }
    bytes = malloc(length ? (size_t)length : 1);
    if (!bytes) {
        fclose(file);
        return failf(&l, SNLP_ERR_MEMORY, "%s: out of memory", path);
    }
    if (fread(bytes, 1, (size_t)length, file) != (size_t)length) {
        fclose(file);
        free(bytes);
        return failf(&l, SNLP_ERR_IO, "%s: cannot read", path);
    }
    fclose(file);
    status = snlp_model_open_buffer(bytes, (size_t)length, out, message, message_size);
    if (status != SNLP_OK) {
        free(bytes);
        if (message && message_size) { /* name the file */
            char reason[SNLP_MESSAGE_SIZE];
            snprintf(reason, sizeof reason, "%s", message);
            snprintf(message, message_size, "%s: %s", path, reason);
        }
        return status;
    }
    (*out)->owned = bytes;
    return SNLP_OK;
}

void snlp_model_free(snlp_model *m) {
    if (!m) return;
    free(m->owned);
    free(m->strings);
    free(m->labels);
    free(m->groups);
    free(m->kinds);
    free(m->reciprocals);
    free(m->arrays);
    free(m->embeddings);
    free(m);
}

const char *snlp_model_task(const snlp_model *m) { return m ? m->task : NULL; }
uint32_t snlp_model_featurizer_version(const snlp_model *m) { return m ? m->featurizer_version : 0; }
size_t snlp_model_label_count(const snlp_model *m) { return m ? m->label_count : 0; }
const char *snlp_model_label(const snlp_model *m, size_t i) {
    return m && i < m->label_count ? m->labels[i] : NULL;
}
size_t snlp_model_group_count(const snlp_model *m) { return m ? m->group_count : 0; }
const snlp_group *snlp_model_group(const snlp_model *m, size_t i) {
    return m && i < m->group_count ? &m->groups[i] : NULL;
}
uint32_t snlp_model_hidden(const snlp_model *m) { return m ? m->hidden : 0; }
double snlp_model_temperature(const snlp_model *m) { return m ? m->temperature : 1.0; }
uint32_t snlp_model_max_chars(const snlp_model *m) { return m ? m->max_chars : 0; }

size_t snlp_model_heap_bytes(const snlp_model *m) {
    if (!m) return 0;
    return sizeof *m + m->strings_size + m->label_count * sizeof *m->labels +
           m->group_count * (sizeof *m->groups + sizeof *m->kinds + sizeof *m->reciprocals +
                             m->member_count * sizeof *m->embeddings) +
           m->array_count * sizeof *m->arrays;
}

snlp_status snlp_model_array(const snlp_model *m, const char *name, snlp_matrix *out) {
    const array_entry *a = m && name && out ? find_array(m, name) : NULL;
    if (!a) return SNLP_ERR_ARGUMENT;
    *out = a->view;
    return SNLP_OK;
}

size_t snlp_model_member_count(const snlp_model *m) { return m ? m->member_count : 0; }

snlp_status snlp_model_member_row(const snlp_model *m, size_t member, size_t group,
                                  uint32_t row, float *out) {
    const snlp_embedding *e;
    float base, step;
    if (!m || !out || member >= m->member_count || group >= m->group_count ||
        row >= m->groups[group].buckets)
        return SNLP_ERR_ARGUMENT;
    e = snlp_model_embedding(m, member, group);
    base = snlp_half_to_float(snlp_read_u16(e->offset.data + 2 * (size_t)row));
    step = snlp_half_to_float(snlp_read_u16(e->scale.data + 2 * (size_t)row));
    for (uint64_t d = 0; d < e->codes.cols; d++)
        out[d] = base + (float)e->codes.data[(size_t)row * e->codes.cols + d] * step;
    return SNLP_OK;
}

snlp_status snlp_model_embedding_row(const snlp_model *m, size_t group, uint32_t row,
                                     float *out) {
    return snlp_model_member_row(m, 0, group, row, out);
}

const snlp_embedding *snlp_model_embedding(const snlp_model *m, size_t member, size_t group) {
    return &m->embeddings[member * m->group_count + group];
}

int snlp_model_dense_int8(const snlp_model *m) { return m->dense_int8; }

const snlp_matrix *snlp_model_dense_scales(const snlp_model *m, int which) {
    return &m->dense_scales[which];
}

const snlp_matrix *snlp_model_dense(const snlp_model *m, size_t member, int which) {
    return &m->dense[member][which];
}

snlp_kind snlp_model_group_kind(const snlp_model *m, size_t group) { return m->kinds[group]; }

uint64_t snlp_model_serial(const snlp_model *m) { return m->serial; }

uint64_t snlp_model_group_reciprocal(const snlp_model *m, size_t group) {
    return m->reciprocals[group];
}

const snlp_lexicon *snlp_model_lexicon(const snlp_model *m) {
    return m->lexicon.slots ? &m->lexicon : NULL;
}

const snlp_tag_dictionary *snlp_model_tag_dictionary(const snlp_model *m) {
    return m->tag_dictionary.count ? &m->tag_dictionary : NULL;
}

int snlp_model_hangul_jamo(const snlp_model *m) { return m->hangul_jamo; }

const uint8_t *snlp_model_known_words(const snlp_model *m, uint32_t *bits, uint32_t *seed) {
    *bits = m->known_word_bits;
    *seed = m->known_word_seed;
    return m->known_words;
}
