/* libFuzzer target: any bytes as a model file, with their checksum made valid
 * (else nearly every mutation stops at the checksum and the metadata reader is
 * never reached); when they open, a few texts and a sentence through the
 * model. Build and run with `make fuzz` (clang). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"
#include "../src/internal.h" /* snlp_crc32: the library's own, checked by the golden files */

static int run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *fixed;
    if (size < 20) return run(data, size);
    fixed = malloc(size);
    if (!fixed) return 0;
    memcpy(fixed, data, size);
    {
        uint32_t crc = snlp_crc32(fixed, size - 4);
        for (int k = 0; k < 4; k++) fixed[size - 4 + k] = (uint8_t)(crc >> (8 * k));
    }
    run(fixed, size);
    free(fixed);
    return 0;
}

static int run(const uint8_t *data, size_t size) {
    static const char *const texts[] = {"", "hello world", "Ｈｅｌｌｏ ΣΑΣ", "\xff\xfe"};
    static const char *const tokens[] = {"The", "cat", "", "^$"};
    static const size_t sizes[] = {3, 3, 0, 2};
    char message[SNLP_MESSAGE_SIZE];
    snlp_model *model = NULL;
    snlp_state *state;
    if (snlp_model_open_buffer(data, size, &model, message, sizeof message) != SNLP_OK)
        return 0;
    state = snlp_state_new(model);
    if (state && !strcmp(snlp_model_task(model), "langid")) {
        double probabilities[65536];
        size_t best;
        for (size_t k = 0; k < sizeof texts / sizeof *texts; k++)
            snlp_langid_predict(model, state, texts[k], strlen(texts[k]), probabilities, &best);
    } else if (state) {
        uint32_t tags[4];
        snlp_pos_tag(model, state, tokens, sizes, 4, tags);
    }
    snlp_state_free(state);
    snlp_model_free(model);
    return 0;
}
