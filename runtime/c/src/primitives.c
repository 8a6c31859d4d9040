/* Hashing, checksums and float16: the bit-exact primitives the model file and
 * the features are defined with. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

uint32_t snlp_murmur3_32(const void *data, size_t size, uint32_t seed) {
    const uint8_t *bytes = data;
    const uint32_t c1 = 0xcc9e2d51u, c2 = 0x1b873593u;
    size_t blocks = size / 4;
    uint32_t h = seed, k = 0;
    for (size_t i = 0; i < blocks; i++) {
        k = (uint32_t)bytes[4 * i] | (uint32_t)bytes[4 * i + 1] << 8 |
            (uint32_t)bytes[4 * i + 2] << 16 | (uint32_t)bytes[4 * i + 3] << 24;
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
        h = rotl32(h, 13);
        h = h * 5 + 0xe6546b64u;
    }
    k = 0;
    switch (size & 3) {
    case 3: k ^= (uint32_t)bytes[4 * blocks + 2] << 16; /* fall through */
    case 2: k ^= (uint32_t)bytes[4 * blocks + 1] << 8;  /* fall through */
    case 1:
        k ^= bytes[4 * blocks];
        k *= c1;
        k = rotl32(k, 15);
        k *= c2;
        h ^= k;
    }
    h ^= (uint32_t)size;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t snlp_crc32(const uint8_t *data, size_t size) {
    /* zlib's CRC-32, four bits at a time: a constant table, nothing to set up. */
    static const uint32_t table[16] = {
        0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u,
        0x4DB26158u, 0x5005713Cu, 0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
        0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        crc = table[crc & 0xF] ^ (crc >> 4);
        crc = table[crc & 0xF] ^ (crc >> 4);
    }
    return crc ^ 0xFFFFFFFFu;
}

float snlp_half_to_float(uint16_t half) {
    uint32_t sign = (uint32_t)(half & 0x8000) << 16, exponent = (half >> 10) & 0x1F,
             mantissa = half & 0x3FF, bits;
    float out;
    if (exponent == 0x1F) {
        bits = sign | 0x7F800000u | (mantissa << 13); /* infinity or NaN */
    } else if (exponent == 0) {
        if (mantissa == 0) {
            bits = sign;
        } else { /* subnormal: normalise it */
            exponent = 127 - 15 + 1;
            while (!(mantissa & 0x400)) {
                mantissa <<= 1;
                exponent--;
            }
            bits = sign | exponent << 23 | (mantissa & 0x3FF) << 13;
        }
    } else {
        bits = sign | (exponent + 127 - 15) << 23 | mantissa << 13;
    }
    memcpy(&out, &bits, sizeof out);
    return out;
}

size_t snlp_utf8_encode(uint32_t cp, uint8_t *out) {
    if (cp < 0x80) { out[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

int snlp_grow(void **buffer, size_t *capacity, size_t needed, size_t size) {
    void *grown;
    size_t target = *capacity ? *capacity : 64;
    if (needed <= *capacity) return 0;
    while (target < needed) target *= 2;
    grown = realloc(*buffer, target * size);
    if (!grown) return -1;
    *buffer = grown;
    *capacity = target;
    return 0;
}
