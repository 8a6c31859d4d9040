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

#endif
