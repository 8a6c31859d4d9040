/* _runtime_test: the C runtime's normalisation steps as a CPython extension,
 * for the tests only (tests/test_runtime_c.py builds it in a temporary
 * folder), so that each step can be compared with Python's; the shipped
 * smallnlp._runtime exposes none of the runtime's internals. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>

#include "../src/internal.h"

/* What the runtime's featurizer reads of `text`: language ID's normalised
 * words joined by spaces, or (token) a tagger's normalised word, unframed.
 * Lone surrogates pass as their 3 bytes, as the extension sends them. */
static PyObject *normalized(PyObject *text, int token) {
    PyObject *encoded, *result = NULL;
    snlp_codepoints codepoints = {0}, scratch = {0};
    int failed;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    encoded = PyUnicode_AsEncodedString(text, "utf-8", "surrogatepass");
    if (!encoded) return NULL;
    failed = token ? snlp_decode_utf8((const uint8_t *)PyBytes_AS_STRING(encoded),
                                      (size_t)PyBytes_GET_SIZE(encoded), SIZE_MAX,
                                      &codepoints) ||
                         snlp_normalize_token(&codepoints, &scratch)
                   : snlp_normalize_utf8((const uint8_t *)PyBytes_AS_STRING(encoded),
                                         (size_t)PyBytes_GET_SIZE(encoded), SIZE_MAX,
                                         &codepoints, &scratch);
    if (failed) PyErr_NoMemory();
    else result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, codepoints.data,
                                            (Py_ssize_t)codepoints.count);
    free(codepoints.data);
    free(scratch.data);
    Py_DECREF(encoded);
    return result;
}

static PyObject *normalize_text(PyObject *unused, PyObject *text) {
    (void)unused;
    return normalized(text, 0);
}

static PyObject *normalize_token(PyObject *unused, PyObject *token) {
    (void)unused;
    return normalized(token, 1);
}

static PyMethodDef methods[] = {
    {"normalize_text", normalize_text, METH_O,
     "normalize_text(text) -> the text as language ID's features read it (words, spaces)"},
    {"normalize_token", normalize_token, METH_O,
     "normalize_token(token) -> a token as a tagger's word features read it (unframed)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_runtime_test", "The C runtime's normalisation, for tests.", -1,
    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__runtime_test(void) { return PyModule_Create(&module); }
