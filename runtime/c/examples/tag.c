/* Tag each line of stdin, a sentence whose tokens are separated by tabs:
 * prints the tags, tab-separated, one line per sentence.
 * Usage: tag MODEL.snlp < sentences.tsv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"

int main(int argc, char **argv) {
    char message[SNLP_MESSAGE_SIZE];
    snlp_model *model;
    snlp_state *state;
    char *line = NULL;
    size_t capacity = 0;
    int status = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL.snlp < sentences.tsv\n", argv[0]);
        return 2;
    }
    if (snlp_model_open_file(argv[1], &model, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s\n", message);
        return 2;
    }
    if (strcmp(snlp_model_task(model), "pos")) {
        fprintf(stderr, "%s: a %s model, not a tagger\n", argv[1], snlp_model_task(model));
        snlp_model_free(model);
        return 2;
    }
    state = snlp_state_new(model);
    if (!state) return 1;
    for (;;) {
        size_t length = 0, count = 0;
        int c;
        const char **tokens;
        size_t *sizes;
        uint32_t *tags;
        while ((c = getchar()) != EOF && c != '\n') {
            if (length + 1 >= capacity) {
                char *grown = realloc(line, capacity ? 2 * capacity : 4096);
                if (!grown) return 1;
                line = grown;
                capacity = capacity ? 2 * capacity : 4096;
            }
            line[length++] = (char)c;
        }
        if (c == EOF && length == 0) break;
        for (size_t i = 0; i < length; i++) count += line[i] == '\t';
        count += length > 0;
        tokens = malloc((count + 1) * sizeof *tokens);
        sizes = malloc((count + 1) * sizeof *sizes);
        tags = malloc((count + 1) * sizeof *tags);
        if (!tokens || !sizes || !tags) return 1;
        for (size_t i = 0, k = 0, start = 0; k < count; i++) {
            if (i == length || line[i] == '\t') {
                tokens[k] = line ? line + start : "";
                sizes[k++] = i - start;
                start = i + 1;
            }
        }
        if (snlp_pos_tag(model, state, tokens, sizes, count, tags) != SNLP_OK) {
            fprintf(stderr, "tagging failed\n");
            status = 1;
        }
        for (size_t k = 0; k < count && !status; k++)
            printf("%s%s", k ? "\t" : "", snlp_model_label(model, tags[k]));
        putchar('\n');
        free(tokens);
        free(sizes);
        free(tags);
        if (status || c == EOF) break;
    }
    if (fflush(stdout) || ferror(stdout)) { /* a full disk, a closed pipe */
        perror("writing the output");
        status = 1;
    }
    free(line);
    snlp_state_free(state);
    snlp_model_free(model);
    return status;
}
