/* Language ID of each line of stdin: label<TAB>probability, as
 * `smallnlp langid` prints it ("und" and 0 for a line without letters);
 * with -k K the K best, tab-separated; with -l de,en,fr only those languages;
 * with -s the line's runs of one language (snlp_langid_spans), each as
 * label:start:end:probability (byte offsets), separated by spaces.
 * Usage: langid [-k K] [-l CODES] [-s] MODEL.snlp < texts.txt */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"

/* What a failed call's status means, for the message. */
static const char *reason(snlp_status status) {
    switch (status) {
    case SNLP_ERR_MEMORY: return "out of memory";
    case SNLP_ERR_ARGUMENT: return "invalid argument";
    case SNLP_ERR_UNSUPPORTED: return "a model this runtime cannot run";
    case SNLP_ERR_IO: return "input/output error";
    default: return "error";
    }
}

/* allowed[k] = 1 for the labels named in comma-separated `codes`; 0 if
 * one is unknown (and says which). */
static int allow(const snlp_model *model, const char *codes, uint8_t *allowed) {
    size_t labels = snlp_model_label_count(model);
    memset(allowed, 0, labels);
    if (!*codes) {
        fprintf(stderr, "-l needs at least one language code\n");
        return 0;
    }
    while (*codes) {
        size_t length = strcspn(codes, ","), k = 0;
        while (k < labels && (strlen(snlp_model_label(model, k)) != length ||
                              strncmp(snlp_model_label(model, k), codes, length)))
            k++;
        if (k == labels) {
            fprintf(stderr, "unknown language code %.*s\n", (int)length, codes);
            return 0;
        }
        allowed[k] = 1;
        codes += length + (codes[length] == ',');
    }
    return 1;
}

int main(int argc, char **argv) {
    char message[SNLP_MESSAGE_SIZE];
    snlp_model *model;
    snlp_state *state;
    double *probabilities;
    uint8_t *allowed = NULL;
    snlp_span *spans = NULL;
    size_t *top, k = 1, labels, spans_capacity = 0;
    char *line = NULL;
    const char *codes = NULL;
    size_t capacity = 0, length = 0;
    int c, status = 0, arg = 1, find_spans = 0;
    for (; arg + 1 < argc && argv[arg][0] == '-'; arg++) {
        if (!strcmp(argv[arg], "-s")) find_spans = 1;
        else if (!strcmp(argv[arg], "-k") && atoi(argv[arg + 1]) > 0)
            k = (size_t)atoi(argv[++arg]);
        else if (!strcmp(argv[arg], "-l")) codes = argv[++arg];
        else break;
    }
    if (arg != argc - 1) {
        fprintf(stderr, "usage: %s [-k K] [-l CODES] [-s] MODEL.snlp < texts.txt\n", argv[0]);
        return 2;
    }
    if (snlp_model_open_file(argv[arg], &model, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s\n", message);
        return 2;
    }
    if (strcmp(snlp_model_task(model), "langid")) {
        fprintf(stderr, "%s: a %s model, not a language identifier\n", argv[arg],
                snlp_model_task(model));
        snlp_model_free(model);
        return 2;
    }
    labels = snlp_model_label_count(model);
    state = snlp_state_new(model);
    probabilities = malloc(labels * sizeof *probabilities);
    top = malloc(labels * sizeof *top);
    if (codes) allowed = malloc(labels);
    if (!state || !probabilities || !top || (codes && !allowed)) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    if (codes && !allow(model, codes, allowed)) {
        free(probabilities);
        free(top);
        free(allowed);
        snlp_state_free(state);
        snlp_model_free(model);
        return 2;
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
        if (length && line[length - 1] == '\r') length--;
        if (find_spans) {
            size_t count = 0;
            snlp_status found;
            if (spans_capacity < length / 2 + 2) { /* a text's most spans */
                snlp_span *grown = realloc(spans, (length / 2 + 2) * sizeof *spans);
                if (!grown) { status = 1; break; }
                spans = grown;
                spans_capacity = length / 2 + 2;
            }
            found = snlp_langid_spans(model, state, line, length, allowed, 0.0,
                                      SNLP_SPAN_SWITCH_COST, 0, spans, spans_capacity, &count);
            if (found != SNLP_OK) {
                fprintf(stderr, "%s\n", reason(found));
                status = 1;
                break;
            }
            for (size_t j = 0; j < count; j++)
                printf("%s%s:%zu:%zu:%.4f", j ? " " : "",
                       spans[j].label < labels ? snlp_model_label(model, spans[j].label) : "und",
                       spans[j].start, spans[j].end, spans[j].probability);
            printf("\n");
        } else {
            size_t best, found;
            snlp_status predicted;
            predicted = snlp_langid_predict_among(model, state, line, length, allowed,
                                                  probabilities, &best);
            if (predicted != SNLP_OK) {
                fprintf(stderr, "%s\n", reason(predicted));
                status = 1;
                break;
            }
            if (best == labels) {
                printf("und\t0.0000\n");
            } else {
                found = snlp_top_k_among(probabilities, labels, allowed, k, top);
                for (size_t j = 0; j < found; j++)
                    printf("%s%s\t%.4f", j ? "\t" : "", snlp_model_label(model, top[j]),
                           probabilities[top[j]]);
                printf("\n");
            }
        }
        length = 0;
    } while (c != EOF);
    if (fflush(stdout) || ferror(stdout)) { /* a full disk, a closed pipe */
        perror("writing the output");
        status = 1;
    }
    free(line);
    free(spans);
    free(probabilities);
    free(top);
    free(allowed);
    snlp_state_free(state);
    snlp_model_free(model);
    return status;
}
