/* Language ID of each line of stdin: label<TAB>probability, as
 * `smallnlp langid` prints it ("und" and 0 for a line without letters).
 * Usage: langid MODEL.snlp < texts.txt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"

int main(int argc, char **argv) {
    char message[SNLP_MESSAGE_SIZE];
    snlp_model *model;
    snlp_state *state;
    double *probabilities;
    char *line = NULL;
    size_t capacity = 0, length = 0;
    int c, status = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL.snlp < texts.txt\n", argv[0]);
        return 2;
    }
    if (snlp_model_open_file(argv[1], &model, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s\n", message);
        return 2;
    }
    state = snlp_state_new();
    probabilities = malloc(snlp_model_label_count(model) * sizeof *probabilities);
    if (!state || !probabilities) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    do { /* lines of any length, NUL bytes included */
        c = getchar();
        if (c != EOF && c != '\n') {
            if (length + 1 >= capacity) {
                char *grown = realloc(line, capacity ? 2 * capacity : 4096);
                if (!grown) { status = 1; break; }
                line = grown;
                capacity = capacity ? 2 * capacity : 4096;
            }
            line[length++] = (char)c;
            continue;
        }
        if (c == EOF && length == 0) break;
        {
            size_t best;
            if (length && line[length - 1] == '\r') length--;
            if (snlp_langid_predict(model, state, line, length, probabilities, &best) != SNLP_OK) {
                fprintf(stderr, "out of memory\n");
                status = 1;
                break;
            }
            if (best == snlp_model_label_count(model)) printf("und\t0.0000\n");
            else printf("%s\t%.4f\n", snlp_model_label(model, best), probabilities[best]);
        }
        length = 0;
    } while (c != EOF);
    free(line);
    free(probabilities);
    snlp_state_free(state);
    snlp_model_free(model);
    return status;
}
