/* Shared by the runtime's sources; not part of the public API. */
#ifndef SNLP_INTERNAL_H
#define SNLP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "../include/smallnlp.h"

uint32_t snlp_crc32(const uint8_t *data, size_t size);
/* Little-endian reads from any alignment. */
uint16_t snlp_read_u16(const uint8_t *p);
uint32_t snlp_read_u32(const uint8_t *p);
float snlp_read_f32(const uint8_t *p);

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
