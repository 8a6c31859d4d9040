/* Threads sharing one immutable model, each with its own states, give the
 * answers one thread gives: built with -fsanitize=thread by `make test-tsan`,
 * short enough to run in seconds under it. Usage: test_threads GOLDEN_DIR */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "smallnlp.h"

#define THREADS 4
#define ROUNDS 200

static const char *const texts[] = {"kakitona rutoki", "Schein bericht", "quelle eau",
                                    "кона стов", "x", "", "ka sch ou ко"};
#define TEXT_COUNT (sizeof texts / sizeof *texts)
static const char *const tokens[] = {"the", "cat", "sees", "a", "dog", "."};
#define TOKEN_COUNT (sizeof tokens / sizeof *tokens)

typedef struct {
    const snlp_model *langid, *pos;
    size_t best[TEXT_COUNT];
    uint32_t tags[TOKEN_COUNT];
    int failed;
} job;

/* The answers to every text and the sentence, ROUNDS times; failed if any
 * call fails or a round answers otherwise than the first. */
static void *run(void *argument) {
    job *j = argument;
    snlp_state *state = snlp_state_new(j->langid), *tagging = snlp_state_new(j->pos);
    double probabilities[1024];
    size_t sizes[TOKEN_COUNT];
    for (size_t t = 0; t < TOKEN_COUNT; t++) sizes[t] = strlen(tokens[t]);
    if (!state || !tagging || snlp_model_label_count(j->langid) > 1024) {
        j->failed = 1;
        snlp_state_free(state);
        snlp_state_free(tagging);
        return NULL;
    }
    for (int round = 0; round < ROUNDS && !j->failed; round++) {
        uint32_t tags[TOKEN_COUNT];
        for (size_t t = 0; t < TEXT_COUNT; t++) {
            size_t best;
            if (snlp_langid_predict(j->langid, state, texts[t], strlen(texts[t]), probabilities,
                                    &best) != SNLP_OK ||
                (round && best != j->best[t]))
                j->failed = 1;
            j->best[t] = best;
        }
        if (snlp_pos_tag(j->pos, tagging, tokens, sizes, TOKEN_COUNT, tags) != SNLP_OK ||
            (round && memcmp(tags, j->tags, sizeof tags)))
            j->failed = 1;
        memcpy(j->tags, tags, sizeof tags);
    }
    snlp_state_free(state);
    snlp_state_free(tagging);
    return NULL;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/golden";
    char path[4096], message[SNLP_MESSAGE_SIZE] = "";
    snlp_model *langid = NULL, *pos = NULL;
    job alone = {0}, jobs[THREADS];
    pthread_t threads[THREADS];
    int failures = 0;
    snprintf(path, sizeof path, "%s/tiny-langid.snlp", dir);
    if (snlp_model_open_file(path, &langid, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s: %s\n", path, message);
        return 1;
    }
    snprintf(path, sizeof path, "%s/tiny-pos-members.snlp", dir);
    if (snlp_model_open_file(path, &pos, message, sizeof message) != SNLP_OK) {
        fprintf(stderr, "%s: %s\n", path, message);
        snlp_model_free(langid);
        return 1;
    }
    alone.langid = langid;
    alone.pos = pos;
    run(&alone);
    for (int k = 0; k < THREADS; k++) {
        jobs[k] = (job){langid, pos, {0}, {0}, 0};
        if (pthread_create(&threads[k], NULL, run, &jobs[k])) {
            fprintf(stderr, "could not start thread %d\n", k);
            return 1;
        }
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(threads[k], NULL);
        if (jobs[k].failed || alone.failed || memcmp(jobs[k].best, alone.best, sizeof alone.best) ||
            memcmp(jobs[k].tags, alone.tags, sizeof alone.tags)) {
            fprintf(stderr, "thread %d answered otherwise than one thread alone\n", k);
            failures++;
        }
    }
    snlp_model_free(langid);
    snlp_model_free(pos);
    if (failures) return 1;
    printf("%d threads sharing a model answered as one: passed\n", THREADS);
    return 0;
}
