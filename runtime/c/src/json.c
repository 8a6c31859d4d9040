#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    json_doc *doc;
    size_t at;
    char *message;
    size_t message_size;
} parser;

static int fail(parser *p, const char *what) {
    if (p->message && p->message_size)
        snprintf(p->message, p->message_size, "metadata JSON: %s at byte %zu", what, p->at);
    return -1;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static size_t utf8_invalid_at(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t extra;
        uint32_t cp, minimum;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { extra = 1; cp = c & 0x1F; minimum = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { extra = 2; cp = c & 0x0F; minimum = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { extra = 3; cp = c & 0x07; minimum = 0x10000; }
        else return i;
        if (n - i <= extra) return i;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += extra + 1;
    }
    return n;
}

static void skip_space(parser *p) {
    const char *t = p->doc->text;
    while (p->at < p->doc->size &&
           (t[p->at] == ' ' || t[p->at] == '\t' || t[p->at] == '\n' || t[p->at] == '\r'))
        p->at++;
}

static uint32_t new_node(parser *p, json_type type) {
    json_doc *d = p->doc;
    if (d->count == d->capacity) {
        uint32_t capacity = d->capacity ? d->capacity * 2 : 64;
        json_node *grown;
        if (capacity > d->size + 1) capacity = (uint32_t)d->size + 1; /* a node per byte at most */
        if (capacity <= d->count) return JSON_NONE;
        grown = realloc(d->nodes, capacity * sizeof *grown);
        if (!grown) return JSON_NONE;
        d->nodes = grown;
        d->capacity = capacity;
    }
    d->nodes[d->count] = (json_node){type, (uint32_t)p->at, 0, JSON_NONE, JSON_NONE, 0};
    return d->count++;
}

static int hex4(const char *s, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static int parse_string(parser *p, uint32_t *index) {
    const char *t = p->doc->text;
    size_t n = p->doc->size;
    uint32_t node;
    p->at++; /* the opening quote */
    node = new_node(p, JSON_STRING);
    if (node == JSON_NONE) return fail(p, "out of memory");
    while (p->at < n && t[p->at] != '"') {
        unsigned char c = (unsigned char)t[p->at];
        if (c < 0x20) return fail(p, "control character in a string");
        if (c == '\\') {
            uint32_t unit;
            if (p->at + 1 >= n) return fail(p, "unterminated string");
            switch (t[p->at + 1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p->at += 2;
                continue;
            case 'u': /* a NUL or a lone surrogate is refused here, as by the Python reader */
                if (n - p->at < 6 || hex4(t + p->at + 2, &unit)) return fail(p, "bad \\u escape");
                p->at += 6;
                if (unit == 0) return fail(p, "a NUL character in a string");
                if (unit >= 0xDC00 && unit <= 0xDFFF) return fail(p, "a lone surrogate");
                if (unit >= 0xD800 && unit <= 0xDBFF) {
                    uint32_t low;
                    if (n - p->at < 6 || t[p->at] != '\\' || t[p->at + 1] != 'u' ||
                        hex4(t + p->at + 2, &low) || low < 0xDC00 || low > 0xDFFF)
                        return fail(p, "a lone surrogate");
                    p->at += 6;
                }
                continue;
            default:
                return fail(p, "bad escape");
            }
        }
        p->at++;
    }
    if (p->at >= n) return fail(p, "unterminated string");
    p->doc->nodes[node].length = (uint32_t)(p->at - p->doc->nodes[node].start);
    p->at++;
    *index = node;
    return 0;
}

static int digits(parser *p) {
    size_t start = p->at;
    while (p->at < p->doc->size && p->doc->text[p->at] >= '0' && p->doc->text[p->at] <= '9')
        p->at++;
    return p->at > start;
}

static int parse_number(parser *p, uint32_t *index) {
    const char *t = p->doc->text;
    uint32_t node = new_node(p, JSON_NUMBER);
    if (node == JSON_NONE) return fail(p, "out of memory");
    if (t[p->at] == '-') p->at++;
    if (p->at < p->doc->size && t[p->at] == '0') p->at++;
    else if (!digits(p)) return fail(p, "bad number");
    if (p->at < p->doc->size && t[p->at] == '.') {
        p->at++;
        if (!digits(p)) return fail(p, "bad number");
    }
    if (p->at < p->doc->size && (t[p->at] == 'e' || t[p->at] == 'E')) {
        p->at++;
        if (p->at < p->doc->size && (t[p->at] == '+' || t[p->at] == '-')) p->at++;
        if (!digits(p)) return fail(p, "bad number");
    }
    p->doc->nodes[node].length = (uint32_t)(p->at - p->doc->nodes[node].start);
    *index = node;
    return 0;
}

static int parse_value(parser *p, int depth, uint32_t *index);
static long unescape(const json_doc *doc, const json_node *node, char *out, size_t out_size);

/* Whether two key strings are the same once unescaped ("a" and "\u0061" are). */
static int same_key(const json_doc *doc, const json_node *a, const json_node *b) {
    const char *x = doc->text + a->start, *y = doc->text + b->start;
    long length;
    char *first, *second;
    int same;
    if (a->length == b->length && !memcmp(x, y, a->length)) return 1;
    if (!memchr(x, '\\', a->length) && !memchr(y, '\\', b->length)) return 0;
    length = unescape(doc, a, NULL, 0);
    if (length < 0 || length != unescape(doc, b, NULL, 0)) return 0;
    first = malloc((size_t)length + 1);
    second = malloc((size_t)length + 1);
    same = first && second && unescape(doc, a, first, (size_t)length + 1) >= 0 &&
           unescape(doc, b, second, (size_t)length + 1) >= 0 && !strcmp(first, second);
    free(first);
    free(second);
    return same;
}

static int parse_container(parser *p, int depth, uint32_t *index) {
    int object = p->doc->text[p->at] == '{';
    char close = object ? '}' : ']';
    uint32_t node = new_node(p, object ? JSON_OBJECT : JSON_ARRAY), last = JSON_NONE;
    if (node == JSON_NONE) return fail(p, "out of memory");
    if (depth >= JSON_MAX_DEPTH) return fail(p, "nested too deep");
    p->at++;
    skip_space(p);
    if (p->at < p->doc->size && p->doc->text[p->at] == close) {
        p->at++;
        *index = node;
        return 0;
    }
    for (;;) {
        uint32_t first, value;
        skip_space(p);
        if (object) {
            if (p->at >= p->doc->size || p->doc->text[p->at] != '"')
                return fail(p, "expected a key");
            if (parse_string(p, &first)) return -1;
            for (uint32_t k = p->doc->nodes[node].first_child; k != JSON_NONE;
                 k = p->doc->nodes[p->doc->nodes[k].next].next) /* a key given twice */
                if (same_key(p->doc, &p->doc->nodes[k], &p->doc->nodes[first]))
                    return fail(p, "a key appears twice in one object");
            skip_space(p);
            if (p->at >= p->doc->size || p->doc->text[p->at] != ':')
                return fail(p, "expected ':'");
            p->at++;
            if (parse_value(p, depth + 1, &value)) return -1;
            p->doc->nodes[first].next = value;
        } else {
            if (parse_value(p, depth + 1, &first)) return -1;
            value = first;
        }
        if (last == JSON_NONE) p->doc->nodes[node].first_child = first;
        else p->doc->nodes[last].next = first;
        last = value;
        p->doc->nodes[node].count++;
        skip_space(p);
        if (p->at < p->doc->size && p->doc->text[p->at] == ',') { p->at++; continue; }
        if (p->at < p->doc->size && p->doc->text[p->at] == close) { p->at++; break; }
        return fail(p, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    p->doc->nodes[node].length = (uint32_t)(p->at - p->doc->nodes[node].start);
    *index = node;
    return 0;
}

static int literal(parser *p, const char *word, json_type type, uint32_t *index) {
    size_t n = strlen(word);
    uint32_t node;
    if (p->doc->size - p->at < n || memcmp(p->doc->text + p->at, word, n))
        return fail(p, "unexpected character");
    node = new_node(p, type);
    if (node == JSON_NONE) return fail(p, "out of memory");
    p->at += n;
    p->doc->nodes[node].length = (uint32_t)n;
    *index = node;
    return 0;
}

static int parse_value(parser *p, int depth, uint32_t *index) {
    char c;
    skip_space(p);
    if (p->at >= p->doc->size) return fail(p, "unexpected end");
    c = p->doc->text[p->at];
    if (c == '{' || c == '[') return parse_container(p, depth, index);
    if (c == '"') return parse_string(p, index);
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number(p, index);
    if (c == 't') return literal(p, "true", JSON_TRUE, index);
    if (c == 'f') return literal(p, "false", JSON_FALSE, index);
    if (c == 'n') return literal(p, "null", JSON_NULL, index);
    return fail(p, "unexpected character");
}

int json_parse(json_doc *doc, const char *text, size_t size, char *message,
               size_t message_size) {
    parser p = {doc, 0, message, message_size};
    uint32_t root;
    size_t bad;
    memset(doc, 0, sizeof *doc);
    doc->text = text;
    doc->size = size;
    if (size >= UINT32_MAX) {
        p.at = 0;
        return fail(&p, "too long");
    }
    bad = utf8_invalid_at((const unsigned char *)text, size);
    if (bad < size) {
        p.at = bad;
        return fail(&p, "invalid UTF-8");
    }
    if (parse_value(&p, 0, &root)) {
        json_free(doc);
        return -1;
    }
    skip_space(&p);
    if (p.at != size) {
        json_free(doc);
        return fail(&p, "text after the value");
    }
    return 0;
}

void json_free(json_doc *doc) {
    free(doc->nodes);
    doc->nodes = NULL;
    doc->count = doc->capacity = 0;
}

const json_node *json_at(const json_doc *doc, uint32_t index) {
    return index < doc->count ? &doc->nodes[index] : NULL;
}

/* Unescape into out (when out is not NULL); returns the length, or -1. */
static long unescape(const json_doc *doc, const json_node *node, char *out, size_t out_size) {
    const char *s = doc->text + node->start;
    size_t n = node->length, i = 0, w = 0;
    if (node->type != JSON_STRING) return -1;
    while (i < n) {
        uint32_t cp = 0;
        unsigned char bytes[4];
        size_t count;
        if (s[i] != '\\') {
            if (s[i] == '\0') return -1;
            if (out) {
                if (w + 1 >= out_size) return -1;
                out[w] = s[i];
            }
            w++;
            i++;
            continue;
        }
        switch (s[i + 1]) {
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
            hex4(s + i + 2, &cp);
            i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return -1; /* a lone low surrogate */
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t low;
                if (n - i < 8 || s[i + 2] != '\\' || s[i + 3] != 'u' || hex4(s + i + 4, &low) ||
                    low < 0xDC00 || low > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            }
            break;
        default: cp = (unsigned char)s[i + 1]; break; /* " \ / */
        }
        i += 2;
        if (cp == 0) return -1;
        if (cp < 0x80) { bytes[0] = (unsigned char)cp; count = 1; }
        else if (cp < 0x800) {
            bytes[0] = (unsigned char)(0xC0 | (cp >> 6));
            bytes[1] = (unsigned char)(0x80 | (cp & 0x3F));
            count = 2;
        } else if (cp < 0x10000) {
            bytes[0] = (unsigned char)(0xE0 | (cp >> 12));
            bytes[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            bytes[2] = (unsigned char)(0x80 | (cp & 0x3F));
            count = 3;
        } else {
            bytes[0] = (unsigned char)(0xF0 | (cp >> 18));
            bytes[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            bytes[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            bytes[3] = (unsigned char)(0x80 | (cp & 0x3F));
            count = 4;
        }
        if (out) {
            if (w + count >= out_size) return -1;
            memcpy(out + w, bytes, count);
        }
        w += count;
    }
    if (out) out[w] = '\0';
    return (long)w;
}

long json_string_length(const json_doc *doc, const json_node *node) {
    return unescape(doc, node, NULL, 0);
}

int json_string(const json_doc *doc, const json_node *node, char *out, size_t out_size) {
    return unescape(doc, node, out, out_size) < 0 ? -1 : 0;
}

int json_key_is(const json_doc *doc, const json_node *key, const char *expected) {
    char buffer[64];
    if (strlen(expected) >= sizeof buffer) return 0;
    if (json_string(doc, key, buffer, sizeof buffer)) return 0;
    return strcmp(buffer, expected) == 0;
}

const json_node *json_member(const json_doc *doc, const json_node *object, const char *key) {
    uint32_t k;
    if (!object || object->type != JSON_OBJECT) return NULL;
    for (k = object->first_child; k != JSON_NONE; ) {
        const json_node *name = &doc->nodes[k];
        const json_node *value = &doc->nodes[name->next];
        if (json_key_is(doc, name, key)) return value;
        k = value->next;
    }
    return NULL;
}

int json_integer(const json_doc *doc, const json_node *node, int64_t minimum, int64_t maximum,
                 int64_t *out) {
    const char *s;
    size_t i = 0, n;
    int negative = 0;
    uint64_t value = 0;
    if (!node || node->type != JSON_NUMBER) return -1;
    s = doc->text + node->start;
    n = node->length;
    if (s[0] == '-') { negative = 1; i = 1; }
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1; /* a fraction or an exponent */
        if (value > (UINT64_MAX - 9) / 10) return -1;
        value = value * 10 + (uint64_t)(s[i] - '0');
    }
    if (value > (uint64_t)INT64_MAX) return -1;
    *out = negative ? -(int64_t)value : (int64_t)value;
    return *out < minimum || *out > maximum ? -1 : 0;
}

int json_number(const json_doc *doc, const json_node *node, double *out) {
    char buffer[64];
    char *end;
    if (!node || node->type != JSON_NUMBER || node->length >= sizeof buffer) return -1;
    memcpy(buffer, doc->text + node->start, node->length);
    buffer[node->length] = '\0';
    *out = strtod(buffer, &end); /* the number grammar was checked: C locale digits only */
    return (*end != '\0' || !isfinite(*out)) ? -1 : 0;
}
