/* JNI functions of org.smallnlp.Native over the C runtime (runtime/c): the
 * Java classes hold the handles; a failed call throws SmallNlpException with
 * the runtime's message, never crashes. Built by CMakeLists.txt (Android NDK)
 * and by runtime/java/Makefile (a desktop JDK). */
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smallnlp.h"

#define NATIVE(name) JNICALL Java_org_smallnlp_Native_##name

/* A model and the copy of its file's bytes its arrays point into. */
typedef struct {
    snlp_model *model;
    void *file;
} handle;

static void fail(JNIEnv *env, const char *message) {
    jclass type = (*env)->FindClass(env, "org/smallnlp/SmallNlpException");
    if (type) (*env)->ThrowNew(env, type, message);
}

static void fail_status(JNIEnv *env, snlp_status status) {
    switch (status) {
    case SNLP_ERR_MEMORY: fail(env, "smallnlp: out of memory"); break;
    case SNLP_ERR_STATE: fail(env, "smallnlp: a state of another model"); break;
    default: fail(env, "smallnlp: invalid argument"); break;
    }
}

static snlp_model *model_of(jlong model) { return ((handle *)(intptr_t)model)->model; }

JNIEXPORT jlong NATIVE(open)(JNIEnv *env, jclass type, jbyteArray bytes, jint offset,
                             jint length) {
    char message[SNLP_MESSAGE_SIZE], text[SNLP_MESSAGE_SIZE + 64];
    handle *h;
    snlp_status status;
    (void)type;
    if (offset < 0 || length < 0 || offset > (*env)->GetArrayLength(env, bytes) - length) {
        fail(env, "smallnlp: offset and length outside the model bytes");
        return 0;
    }
    h = calloc(1, sizeof *h);
    if (h) h->file = malloc(length ? (size_t)length : 1);
    if (!h || !h->file) {
        free(h);
        fail(env, "smallnlp: out of memory for the model file");
        return 0;
    }
    (*env)->GetByteArrayRegion(env, bytes, offset, length, h->file);
    status = snlp_model_open_buffer(h->file, (size_t)length, &h->model, message, sizeof message);
    if (status != SNLP_OK) {
        free(h->file);
        free(h);
        strcpy(text, "smallnlp: not a usable model file: ");
        strncat(text, message, sizeof text - strlen(text) - 1);
        fail(env, text);
        return 0;
    }
    return (jlong)(intptr_t)h;
}

JNIEXPORT void NATIVE(close)(JNIEnv *env, jclass type, jlong model) {
    handle *h = (handle *)(intptr_t)model;
    (void)env, (void)type;
    if (!h) return;
    snlp_model_free(h->model);
    free(h->file);
    free(h);
}

JNIEXPORT jstring NATIVE(task)(JNIEnv *env, jclass type, jlong model) {
    (void)type;
    return (*env)->NewStringUTF(env, snlp_model_task(model_of(model)));
}

JNIEXPORT jobjectArray NATIVE(labels)(JNIEnv *env, jclass type, jlong model) {
    size_t count = snlp_model_label_count(model_of(model));
    jclass string = (*env)->FindClass(env, "java/lang/String");
    jobjectArray labels;
    (void)type;
    if (!string) return NULL;
    labels = (*env)->NewObjectArray(env, (jsize)count, string, NULL);
    for (size_t k = 0; labels && k < count; k++) {
        jstring label = (*env)->NewStringUTF(env, snlp_model_label(model_of(model), k));
        if (!label) return NULL;
        (*env)->SetObjectArrayElement(env, labels, (jsize)k, label);
        (*env)->DeleteLocalRef(env, label);
    }
    return labels;
}

JNIEXPORT jint NATIVE(maxChars)(JNIEnv *env, jclass type, jlong model) {
    (void)env, (void)type;
    return (jint)snlp_model_max_chars(model_of(model));
}

JNIEXPORT jlong NATIVE(newState)(JNIEnv *env, jclass type, jlong model) {
    snlp_state *state = snlp_state_new(model_of(model));
    (void)type;
    if (!state) fail(env, "smallnlp: out of memory for a state");
    return (jlong)(intptr_t)state;
}

JNIEXPORT void NATIVE(freeState)(JNIEnv *env, jclass type, jlong state) {
    (void)env, (void)type;
    snlp_state_free((snlp_state *)(intptr_t)state);
}

JNIEXPORT jint NATIVE(identify)(JNIEnv *env, jclass type, jlong model, jlong state,
                                jbyteArray utf8, jint length, jdoubleArray probabilities) {
    size_t labels = snlp_model_label_count(model_of(model)), best = labels;
    double *out = malloc((labels + 1) * sizeof *out);
    jbyte *text;
    snlp_status status;
    (void)type;
    if (!out) {
        fail(env, "smallnlp: out of memory");
        return 0;
    }
    text = (*env)->GetByteArrayElements(env, utf8, NULL);
    if (!text) {
        free(out);
        return 0; /* OutOfMemoryError is pending */
    }
    status = snlp_langid_predict(model_of(model), (snlp_state *)(intptr_t)state,
                                 (const char *)text, (size_t)length, out, &best);
    (*env)->ReleaseByteArrayElements(env, utf8, text, JNI_ABORT);
    if (status == SNLP_OK)
        (*env)->SetDoubleArrayRegion(env, probabilities, 0, (jsize)labels, out);
    else
        fail_status(env, status);
    free(out);
    return (jint)best;
}

JNIEXPORT void NATIVE(tag)(JNIEnv *env, jclass type, jlong model, jlong state, jbyteArray utf8,
                           jintArray sizes, jintArray tags) {
    jsize count = (*env)->GetArrayLength(env, sizes);
    const char **tokens = malloc(((size_t)count + 1) * sizeof *tokens);
    size_t *lengths = malloc(((size_t)count + 1) * sizeof *lengths);
    uint32_t *out = malloc(((size_t)count + 1) * sizeof *out);
    jint *given = (*env)->GetIntArrayElements(env, sizes, NULL);
    jbyte *text = (*env)->GetByteArrayElements(env, utf8, NULL);
    snlp_status status = SNLP_ERR_MEMORY;
    (void)type;
    if (tokens && lengths && out && given && text) {
        size_t at = 0;
        for (jsize i = 0; i < count; i++) {
            tokens[i] = (const char *)text + at;
            lengths[i] = (size_t)given[i];
            at += lengths[i];
        }
        status = snlp_pos_tag(model_of(model), (snlp_state *)(intptr_t)state, tokens, lengths,
                              (size_t)count, out);
    }
    if (status == SNLP_OK) (*env)->SetIntArrayRegion(env, tags, 0, count, (const jint *)out);
    if (text) (*env)->ReleaseByteArrayElements(env, utf8, text, JNI_ABORT);
    if (given) (*env)->ReleaseIntArrayElements(env, sizes, given, JNI_ABORT);
    free(tokens);
    free(lengths);
    free(out);
    if (status != SNLP_OK && !(*env)->ExceptionCheck(env)) fail_status(env, status);
}
