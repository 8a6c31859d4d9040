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

/* A group's 8-bit table, and the dense layers: views found once, at open. */
typedef struct {
    snlp_matrix codes, offset, scale;
} snlp_embedding;
enum { SNLP_HIDDEN_WEIGHTS, SNLP_HIDDEN_BIAS, SNLP_OUTPUT_WEIGHTS, SNLP_OUTPUT_BIAS };
const snlp_embedding *snlp_model_embedding(const snlp_model *model, size_t group);
const snlp_matrix *snlp_model_dense(const snlp_model *model, int which);

/* A growable array of code points. */
typedef struct {
    uint32_t *data;
    size_t count, capacity;
} snlp_codepoints;

int snlp_reserve(snlp_codepoints *buffer, size_t count);
int snlp_is_letter_or_mark(uint32_t cp);
/* UTF-8 -> code points (invalid sequences as U+FFFD), at most max_chars. */
int snlp_decode_utf8(const uint8_t *s, size_t n, size_t max_chars, snlp_codepoints *out);
/* Featurizer version 2's normalisation of text, in place (scratch: any buffer). */
int snlp_normalize(snlp_codepoints *text, snlp_codepoints *scratch);
/* Script index (docs/FORMAT.md) of a code point. */
uint32_t snlp_script(uint32_t cp);

#endif
