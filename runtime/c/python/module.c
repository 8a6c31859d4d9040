/* smallnlp._runtime: the C runtime as a CPython extension, used by
 * LanguageIdentifier when it is importable (backend="c" or "auto"). It opens a
 * model over the very bytes the Python loader read (no copy) and answers
 * batches of texts (or sentences) with the GIL released. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "smallnlp.h"

typedef struct {
    PyObject_HEAD
    Py_buffer bytes; /* the model file's bytes, held while the model lives */
    snlp_model *model;
} ModelObject;

static void model_dealloc(ModelObject *self) {
    snlp_model_free(self->model);
    if (self->bytes.obj) PyBuffer_Release(&self->bytes);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int model_init(ModelObject *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"data", NULL};
    PyObject *data;
    char message[SNLP_MESSAGE_SIZE];
    snlp_status status;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", keywords, &data)) return -1;
    if (self->model || self->bytes.obj) {
        PyErr_SetString(PyExc_RuntimeError, "a Model is opened once");
        return -1;
    }
    if (PyObject_GetBuffer(data, &self->bytes, PyBUF_SIMPLE) < 0) return -1;
    status = snlp_model_open_buffer(self->bytes.buf, (size_t)self->bytes.len, &self->model,
                                    message, sizeof message);
    if (status != SNLP_OK) {
        PyBuffer_Release(&self->bytes);
        self->bytes.obj = NULL;
        PyErr_SetString(status == SNLP_ERR_MEMORY ? PyExc_MemoryError : PyExc_ValueError,
                        message);
        return -1;
    }
    return 0;
}

/* A str as the UTF-8 bytes the C runtime reads. Lone surrogates pass as their
 * 3 bytes ("surrogatepass"), which the runtime decodes as the surrogates
 * themselves, as Python's featurizers see them. NULL, with TypeError, for
 * anything but a str. */
static PyObject *encode_text(PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    return PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
}

/* The Python exception for a runtime status other than SNLP_OK. */
static void set_error(snlp_status status) {
    if (status == SNLP_ERR_MEMORY) PyErr_NoMemory();
    else PyErr_Format(PyExc_ValueError, "C runtime error %d", status);
}

/* langid_logits(texts) -> (logits: bytes of float64, rows x labels,
 *                          has_letters: bytes of uint8) */
static PyObject *model_langid_logits(ModelObject *self, PyObject *texts) {
    Py_ssize_t n, labels;
    PyObject *sequence, **encoded = NULL, *logits = NULL, *letters = NULL, *result = NULL;
    snlp_state *state = NULL;
    snlp_status status = SNLP_OK;
    if (!self->model) {
        PyErr_SetString(PyExc_RuntimeError, "the Model is not open");
        return NULL;
    }
    sequence = PySequence_Fast(texts, "texts must be a sequence of str");
    if (!sequence) return NULL;
    n = PySequence_Fast_GET_SIZE(sequence);
    labels = (Py_ssize_t)snlp_model_label_count(self->model);
    encoded = PyMem_Calloc(n ? (size_t)n : 1, sizeof *encoded);
    logits = PyBytes_FromStringAndSize(NULL, n * labels * (Py_ssize_t)sizeof(double));
    letters = PyBytes_FromStringAndSize(NULL, n);
    state = snlp_state_new();
    if (!encoded || !logits || !letters || !state) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (!(encoded[i] = encode_text(PySequence_Fast_GET_ITEM(sequence, i)))) goto done;
    {
        double *out = (double *)PyBytes_AS_STRING(logits);
        char *has = PyBytes_AS_STRING(letters);
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n && status == SNLP_OK; i++) {
            int has_letters = 0;
            status = snlp_langid_logits(self->model, state, PyBytes_AS_STRING(encoded[i]),
                                        (size_t)PyBytes_GET_SIZE(encoded[i]), out + i * labels,
                                        &has_letters);
            has[i] = (char)has_letters;
        }
        Py_END_ALLOW_THREADS
    }
    if (status != SNLP_OK) set_error(status);
    else result = PyTuple_Pack(2, logits, letters);
done:
    if (encoded)
        for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(encoded[i]);
    PyMem_Free(encoded);
    Py_XDECREF(logits);
    Py_XDECREF(letters);
    Py_DECREF(sequence);
    snlp_state_free(state);
    return result;
}

/* pos_tags(sentences) -> bytes of uint32 tag indexes, all sentences' tokens
 * one after another. */
static PyObject *model_pos_tags(ModelObject *self, PyObject *sentences) {
    PyObject *outer, *result = NULL, **encoded = NULL;
    const char **tokens = NULL;
    size_t *sizes = NULL, *lengths = NULL, total = 0, at = 0;
    Py_ssize_t n;
    snlp_state *state = NULL;
    snlp_status status = SNLP_OK;
    if (!self->model) {
        PyErr_SetString(PyExc_RuntimeError, "the Model is not open");
        return NULL;
    }
    outer = PySequence_Fast(sentences, "sentences must be a sequence of token lists");
    if (!outer) return NULL;
    n = PySequence_Fast_GET_SIZE(outer);
    lengths = PyMem_Calloc(n ? (size_t)n : 1, sizeof *lengths);
    if (!lengths) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t count = PyObject_Length(PySequence_Fast_GET_ITEM(outer, i));
        if (count < 0) goto done;
        lengths[i] = (size_t)count;
        total += (size_t)count;
    }
    encoded = PyMem_Calloc(total ? total : 1, sizeof *encoded);
    tokens = PyMem_Calloc(total ? total : 1, sizeof *tokens);
    sizes = PyMem_Calloc(total ? total : 1, sizeof *sizes);
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(total * sizeof(uint32_t)));
    state = snlp_state_new();
    if (!encoded || !tokens || !sizes || !result || !state) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *sentence = PySequence_Fast(PySequence_Fast_GET_ITEM(outer, i),
                                             "each sentence must be a list of str tokens");
        if (!sentence) goto fail;
        for (Py_ssize_t k = 0; k < PySequence_Fast_GET_SIZE(sentence); k++, at++) {
            encoded[at] = encode_text(PySequence_Fast_GET_ITEM(sentence, k));
            if (!encoded[at]) {
                Py_DECREF(sentence);
                goto fail;
            }
            tokens[at] = PyBytes_AS_STRING(encoded[at]);
            sizes[at] = (size_t)PyBytes_GET_SIZE(encoded[at]);
        }
        Py_DECREF(sentence);
    }
    {
        uint32_t *tags = (uint32_t *)PyBytes_AS_STRING(result);
        size_t start = 0;
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n && status == SNLP_OK; i++) {
            status = snlp_pos_tag(self->model, state, tokens + start, sizes + start, lengths[i],
                                  tags + start);
            start += lengths[i];
        }
        Py_END_ALLOW_THREADS
    }
    if (status == SNLP_OK) goto done;
    set_error(status);
fail:
    Py_CLEAR(result);
done:
    if (encoded)
        for (size_t i = 0; i < total; i++) Py_XDECREF(encoded[i]);
    PyMem_Free(encoded);
    PyMem_Free(tokens);
    PyMem_Free(sizes);
    PyMem_Free(lengths);
    snlp_state_free(state);
    Py_DECREF(outer);
    return result;
}

static PyObject *model_heap_bytes(ModelObject *self, PyObject *unused) {
    (void)unused;
    return PyLong_FromSize_t(snlp_model_heap_bytes(self->model));
}

static PyMethodDef model_methods[] = {
    {"pos_tags", (PyCFunction)model_pos_tags, METH_O,
     "pos_tags(sentences) -> uint32 tag indexes of all tokens as bytes"},
    {"heap_bytes", (PyCFunction)model_heap_bytes, METH_NOARGS,
     "heap_bytes() -> bytes the C model allocated besides the file's bytes"},
    {"langid_logits", (PyCFunction)model_langid_logits, METH_O,
     "langid_logits(texts) -> (float64 logits as bytes, uint8 has-letters flags as bytes)"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "smallnlp._runtime.Model",
    .tp_basicsize = sizeof(ModelObject),
    .tp_dealloc = (destructor)model_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A model opened by the C runtime over a model file's bytes (not copied).",
    .tp_methods = model_methods,
    .tp_init = (initproc)model_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_runtime", "The smallnlp C runtime (runtime/c).", -1, NULL,
    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__runtime(void) {
    PyObject *m;
    if (PyType_Ready(&ModelType) < 0) return NULL;
    m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&ModelType);
    if (PyModule_AddObject(m, "Model", (PyObject *)&ModelType) < 0) {
        Py_DECREF(&ModelType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
