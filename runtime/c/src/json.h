/* A small, bounds-checked JSON reader for model metadata (internal).
 *
 * It parses a whole document into a flat array of nodes that point into the
 * text; strings are unescaped on request. Depth and size are bounded, the
 * text must be UTF-8, and numbers follow the JSON grammar exactly (no NaN or
 * Infinity). */
#ifndef SNLP_JSON_H
#define SNLP_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_NONE UINT32_MAX
#define JSON_MAX_DEPTH 64

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY,
               JSON_OBJECT } json_type;

/* Object members are a key node (a string) whose `next` is its value node. */
typedef struct {
    json_type type;
    uint32_t start;       /* first byte (strings: after the quote) */
    uint32_t length;      /* bytes (strings: without the quotes, still escaped) */
    uint32_t first_child; /* arrays: first element; objects: first key */
    uint32_t next;        /* next element, or a key's value, or a value's next key */
    uint32_t count;       /* arrays: elements; objects: members */
} json_node;

typedef struct {
    const char *text;
    size_t size;
    json_node *nodes;
    uint32_t count;
    uint32_t capacity;
} json_doc;

/* 0 on success; else -1 with a message (and nothing to free). */
int json_parse(json_doc *doc, const char *text, size_t size, char *message, size_t message_size);
void json_free(json_doc *doc);

const json_node *json_at(const json_doc *doc, uint32_t index);
/* The value of `key` in an object node, or NULL. */
const json_node *json_member(const json_doc *doc, const json_node *object, const char *key);
/* Whether a key node equals `key` (compared after unescaping). */
int json_key_is(const json_doc *doc, const json_node *key, const char *expected);
/* Unescape a string node into `out` (NUL-terminated, at most out_size - 1
 * bytes); 0 on success, -1 if it is not a string, holds a NUL or does not fit. */
int json_string(const json_doc *doc, const json_node *node, char *out, size_t out_size);
/* The unescaped length of a string node (excluding the NUL), or -1. */
long json_string_length(const json_doc *doc, const json_node *node);
/* An integer number node in [minimum, maximum]; 0 on success. */
int json_integer(const json_doc *doc, const json_node *node, int64_t minimum, int64_t maximum,
                 int64_t *out);
/* Any number node as a double (finite); 0 on success. */
int json_number(const json_doc *doc, const json_node *node, double *out);

#endif
