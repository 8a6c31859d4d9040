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
    snlp_state *spare; /* the last call's state, while it is small (take_state) */
} ModelObject;

/* A state of the model for one call, and its return. Called with the GIL
 * held, so that threads calling one Model never share a state. A new state
 * costs a call a dozen allocations, as many as its buffers grow (a twentieth
 * of a short text's time); the last one is kept for the next call, trimmed to
 * SPARE_STATE_BYTES (its largest buffers freed): what a loaded model holds
 * stays near what its budget reserved, however long a text it once read. */
#define SPARE_STATE_BYTES 16384
static snlp_state *take_state(ModelObject *self) {
    snlp_state *state = self->spare;
    self->spare = NULL;
    return state ? state : snlp_state_new(self->model);
}

static void return_state(ModelObject *self, snlp_state *state) {
    if (state && !self->spare) {
        snlp_state_trim(state, SPARE_STATE_BYTES);
        self->spare = state;
    } else {
        snlp_state_free(state);
    }
}

static void model_dealloc(ModelObject *self) {
    snlp_state_free(self->spare);
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

/* A str as the C runtime reads it (`text`): its UTF-8 bytes, or, where the
 * caller reads code points (TEXT_AS_CODE_POINTS), its code points as the
 * str keeps them (PEP 393: Latin-1, UCS-2 or UCS-4), with nothing to encode
 * or decode. `owner`: the new bytes object holding UTF-8, NULL when the
 * data is the str's own (an ASCII str is its UTF-8). At most its first
 * `limit` characters (the runtime reads no more: a huge text costs no huge
 * copy). Lone surrogates pass as their 3 bytes ("surrogatepass"), which the
 * runtime decodes as the surrogates themselves, as Python's featurizers see
 * them (in UCS-2 or UCS-4 they are themselves). -1, with TypeError, for
 * anything but a str. */
typedef struct {
    snlp_text text;
    PyObject *owner;
} text_view;

enum { TEXT_AS_UTF8, TEXT_AS_CODE_POINTS };

static int encode_text(PyObject *text, Py_ssize_t limit, int as, text_view *view) {
    static const snlp_encoding encodings[] = {[PyUnicode_1BYTE_KIND] = SNLP_LATIN1,
                                              [PyUnicode_2BYTE_KIND] = SNLP_UCS2,
                                              [PyUnicode_4BYTE_KIND] = SNLP_UTF32};
    Py_ssize_t length;
    PyObject *head;
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %s", Py_TYPE(text)->tp_name);
        return -1;
    }
    length = PyUnicode_GET_LENGTH(text);
    view->owner = NULL;
    if (PyUnicode_IS_ASCII(text) || as == TEXT_AS_CODE_POINTS) {
        view->text = (snlp_text){PyUnicode_DATA(text), (size_t)(length < limit ? length : limit),
                                 PyUnicode_IS_ASCII(text)
                                     ? SNLP_UTF8
                                     : encodings[PyUnicode_KIND(text)]};
        return 0;
    }
    head = length <= limit ? Py_NewRef(text) : PyUnicode_Substring(text, 0, limit);
    if (!head) return -1;
    view->owner = PyUnicode_AsEncodedString(head, "utf-8", "surrogatepass");
    Py_DECREF(head);
    if (!view->owner) return -1;
    view->text = (snlp_text){PyBytes_AS_STRING(view->owner),
                             (size_t)PyBytes_GET_SIZE(view->owner), SNLP_UTF8};
    return 0;
}

/* The Python exception for a runtime status other than SNLP_OK. */
static void set_error(snlp_status status) {
    if (status == SNLP_ERR_MEMORY) PyErr_NoMemory();
    else PyErr_Format(PyExc_ValueError, "C runtime error %d", status);
}

/* 0, or -1 with RuntimeError for a Model whose __init__ failed or never ran. */
static int require_open(ModelObject *self) {
    if (self->model) return 0;
    PyErr_SetString(PyExc_RuntimeError, "the Model is not open");
    return -1;
}

/* A tuple of every item of `iterable`, taken once: every count and buffer
 * size comes from it, never from len(), which a sequence may state falsely
 * (or change while it is iterated). NULL with the exception set. */
static PyObject *materialise(PyObject *iterable) { return PySequence_Tuple(iterable); }

/* The texts of a tuple as views (encode_text, read `as`): a new array, whose
 * owners free_views releases; NULL with the exception set. */
static void free_views(text_view *views, Py_ssize_t n) {
    if (views)
        for (Py_ssize_t i = 0; i < n; i++) Py_XDECREF(views[i].owner);
    PyMem_Free(views);
}

static text_view *encode_texts(PyObject *texts, Py_ssize_t limit, int as) {
    Py_ssize_t n = PyTuple_GET_SIZE(texts);
    text_view *views = PyMem_Calloc(n ? (size_t)n : 1, sizeof *views);
    if (!views) return (text_view *)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        if (encode_text(PyTuple_GET_ITEM(texts, i), limit, as, &views[i]) < 0) {
            free_views(views, i);
            return NULL;
        }
    }
    return views;
}

/* The allowed-labels argument: None (flags NULL), or a buffer of one byte
 * per label (bytes, or a numpy array of bool: LanguageIdentifier's subset as
 * it is), held until release_allowed. */
typedef struct {
    Py_buffer view;
    const uint8_t *flags;
} allowed_labels;

static int take_allowed(ModelObject *self, PyObject *allowed, allowed_labels *out) {
    out->view.obj = NULL;
    out->flags = NULL;
    if (allowed == Py_None) return 0;
    if (PyObject_GetBuffer(allowed, &out->view, PyBUF_SIMPLE) == 0 &&
        (size_t)out->view.len == snlp_model_label_count(self->model)) {
        out->flags = out->view.buf;
        return 0;
    }
    PyErr_Clear();
    PyBuffer_Release(&out->view); /* nothing when there was no buffer */
    PyErr_SetString(PyExc_ValueError, "allowed must be None or a byte (a bool) per label");
    return -1;
}

static void release_allowed(allowed_labels *allowed) { PyBuffer_Release(&allowed->view); }

/* Language ID of the texts of a tuple, among the labels of `flags`
 * (allowed_labels; NULL: all): `each` is called with every text, its index
 * and a row of label_count doubles to work in, with the GIL released. The
 * caller has checked the model is open. */
typedef snlp_status (*text_action)(const snlp_model *model, snlp_state *state,
                                   const text_view *text, const uint8_t *flags, double *row,
                                   Py_ssize_t index, void *context);

static int predict_texts(ModelObject *self, PyObject *texts, const uint8_t *flags,
                         text_action each, void *context) {
    text_view *encoded;
    size_t labels = snlp_model_label_count(self->model);
    double *row;
    snlp_state *state;
    snlp_status status = SNLP_OK;
    Py_ssize_t n = PyTuple_GET_SIZE(texts);
    encoded = encode_texts(texts, (Py_ssize_t)snlp_model_max_chars(self->model),
                           TEXT_AS_CODE_POINTS);
    row = PyMem_Malloc((labels ? labels : 1) * sizeof *row);
    state = take_state(self);
    if (encoded && row && state) {
        Py_BEGIN_ALLOW_THREADS
        for (Py_ssize_t i = 0; i < n && status == SNLP_OK; i++)
            status = each(self->model, state, &encoded[i], flags, row, i, context);
        Py_END_ALLOW_THREADS
        if (status != SNLP_OK) set_error(status);
    } else if (encoded) {
        PyErr_NoMemory();
    }
    return_state(self, state);
    free_views(encoded, n);
    PyMem_Free(row);
    return PyErr_Occurred() ? -1 : 0;
}

/* A text's calibrated probabilities into row, rounded to float32 (the dtype
 * of predict_proba). */
static snlp_status rounded_row(const snlp_model *model, snlp_state *state, const text_view *text,
                               const uint8_t *flags, double *row) {
    size_t best, labels = snlp_model_label_count(model);
    snlp_status status = snlp_langid_predict_text(model, state, &text->text, flags, row, &best);
    for (size_t k = 0; status == SNLP_OK && k < labels; k++) row[k] = (double)(float)row[k];
    return status;
}

static snlp_status copy_row(const snlp_model *model, snlp_state *state, const text_view *text,
                            const uint8_t *flags, double *row, Py_ssize_t index, void *context) {
    size_t labels = snlp_model_label_count(model);
    float *out = (float *)context + (size_t)index * labels;
    snlp_status status = rounded_row(model, state, text, flags, row);
    for (size_t k = 0; status == SNLP_OK && k < labels; k++) out[k] = (float)row[k];
    return status;
}

/* langid_proba(texts, allowed) -> bytes of float32, a row of probabilities
 * per text (zeros: no letters). */
static PyObject *model_langid_proba(ModelObject *self, PyObject *args) {
    PyObject *texts, *allowed, *out = NULL;
    allowed_labels flags;
    if (!PyArg_ParseTuple(args, "OO", &texts, &allowed) || require_open(self) < 0 ||
        take_allowed(self, allowed, &flags) < 0)
        return NULL;
    if ((texts = materialise(texts)) != NULL) {
        out = PyBytes_FromStringAndSize(
            NULL, PyTuple_GET_SIZE(texts) *
                      (Py_ssize_t)(snlp_model_label_count(self->model) * sizeof(float)));
        if (out && predict_texts(self, texts, flags.flags, copy_row, PyBytes_AS_STRING(out)) < 0)
            Py_CLEAR(out);
        Py_DECREF(texts);
    }
    release_allowed(&flags);
    return out;
}

typedef struct {
    size_t k, *indexes; /* k per text */
    float *top;         /* k per text */
    size_t *found;      /* per text: how many (0: no letters) */
} top_k_rows;

static snlp_status keep_top_k(const snlp_model *model, snlp_state *state, const text_view *text,
                              const uint8_t *flags, double *row, Py_ssize_t index,
                              void *context) {
    top_k_rows *rows = context;
    size_t *indexes = rows->indexes + (size_t)index * rows->k, found;
    snlp_status status = rounded_row(model, state, text, flags, row);
    if (status != SNLP_OK) return status;
    found = snlp_top_k_among(row, snlp_model_label_count(model), flags, rows->k, indexes);
    if (!found || row[indexes[0]] <= 0.0) found = 0; /* no letters */
    for (size_t j = 0; j < found; j++)
        rows->top[(size_t)index * rows->k + j] = (float)row[indexes[j]];
    rows->found[index] = found;
    return SNLP_OK;
}

/* langid_top_k(texts, k, allowed) -> a list per text of its k best
 * (label index, probability) pairs, best first; [] for text without letters. */
static PyObject *model_langid_top_k(ModelObject *self, PyObject *args) {
    PyObject *texts, *allowed, *result = NULL;
    Py_ssize_t n, k;
    allowed_labels flags;
    top_k_rows rows = {0};
    if (!PyArg_ParseTuple(args, "OnO", &texts, &k, &allowed)) return NULL;
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "k must be at least 1");
        return NULL;
    }
    if (require_open(self) < 0 || take_allowed(self, allowed, &flags) < 0) return NULL;
    if (!(texts = materialise(texts))) {
        release_allowed(&flags);
        return NULL;
    }
    n = PyTuple_GET_SIZE(texts);
    if ((size_t)k > snlp_model_label_count(self->model))
        k = (Py_ssize_t)snlp_model_label_count(self->model);
    rows.k = (size_t)k;
    rows.indexes = PyMem_Calloc((size_t)(n * k) + 1, sizeof *rows.indexes);
    rows.top = PyMem_Calloc((size_t)(n * k) + 1, sizeof *rows.top);
    rows.found = PyMem_Calloc((size_t)n + 1, sizeof *rows.found);
    if (!rows.indexes || !rows.top || !rows.found) PyErr_NoMemory();
    else if (predict_texts(self, texts, flags.flags, keep_top_k, &rows) == 0 &&
             (result = PyList_New(n)) != NULL) {
        for (Py_ssize_t i = 0; i < n && result; i++) {
            PyObject *answers = PyList_New((Py_ssize_t)rows.found[i]);
            for (size_t j = 0; answers && j < rows.found[i]; j++) {
                size_t at = (size_t)i * rows.k + j;
                PyObject *pair = Py_BuildValue("(nd)", (Py_ssize_t)rows.indexes[at],
                                               (double)rows.top[at]);
                if (!pair) Py_CLEAR(answers);
                else PyList_SET_ITEM(answers, (Py_ssize_t)j, pair);
            }
            if (!answers) Py_CLEAR(result);
            else PyList_SET_ITEM(result, i, answers);
        }
    }
    Py_DECREF(texts);
    release_allowed(&flags);
    PyMem_Free(rows.indexes);
    PyMem_Free(rows.top);
    PyMem_Free(rows.found);
    return result;
}

/* What a caller's answers are made of (parse_answers): the labels' names and
 * then the name of "undetermined", a tuple type built of (name, probability),
 * and the probability below which the best label is "undetermined". */
typedef struct {
    PyObject *names;
    PyTypeObject *type;
    double threshold;
} answer_kind;

static int parse_answers(ModelObject *self, PyObject *names, PyObject *type, PyObject *threshold,
                         answer_kind *kind) {
    if (!PyTuple_Check(names) ||
        (size_t)PyTuple_GET_SIZE(names) != snlp_model_label_count(self->model) + 1) {
        PyErr_SetString(PyExc_TypeError, "names must be a tuple: a name per label, then 'und'");
        return -1;
    }
    if (!PyType_Check(type) || !PyType_IsSubtype((PyTypeObject *)type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "answer must be a subtype of tuple");
        return -1;
    }
    kind->names = names;
    kind->type = (PyTypeObject *)type;
    kind->threshold = PyFloat_AsDouble(threshold);
    return kind->threshold == -1.0 && PyErr_Occurred() ? -1 : 0;
}

/* kind->type(name, probability) for the best label `index` (the label count:
 * no letters, probability 0), made by tuple.__new__ (whose own steps set up
 * what a tuple caches), without the Python call a NamedTuple's __new__ is.
 * It is left untracked by the cycle collector, as CPython leaves a tuple of
 * a str and a float: nothing in it can form a cycle, and 10,000 tracked
 * answers of one batch made the collector cost about a microsecond a text
 * (docs/EXPERIMENTS.md). */
static PyObject *make_answer(const answer_kind *kind, size_t index, double probability) {
    size_t labels = (size_t)PyTuple_GET_SIZE(kind->names) - 1;
    PyObject *name, *value, *pair = NULL, *args = NULL, *answer = NULL;
    if (index >= labels || probability < kind->threshold) index = labels;
    name = PyTuple_GET_ITEM(kind->names, (Py_ssize_t)index);
    if ((value = PyFloat_FromDouble(probability)) != NULL &&
        (pair = PyTuple_Pack(2, name, value)) != NULL && (args = PyTuple_Pack(1, pair)) != NULL)
        answer = PyTuple_Type.tp_new(kind->type, args, NULL);
    Py_XDECREF(args);
    Py_XDECREF(pair);
    Py_XDECREF(value);
    if (answer && PyUnicode_CheckExact(name) && kind->type->tp_dictoffset == 0)
        PyObject_GC_UnTrack(answer);
    return answer;
}

/* langid_answers(names, answer, texts, allowed, threshold) -> per text,
 * answer(name, probability) of its best label as langid_top_k(texts, 1,
 * allowed) ranks them; names[-1] ("und") with probability 0 for a text
 * without letters, and with its probability below threshold. (names and
 * answer first: a caller binds them once, functools.partial.) */
static PyObject *model_langid_answers(ModelObject *self, PyObject *args) {
    PyObject *texts, *allowed, *threshold, *names, *type, *result = NULL;
    allowed_labels flags;
    answer_kind kind;
    Py_ssize_t n;
    text_view *views;
    snlp_text *list;
    size_t *best;
    float *probability;
    snlp_state *state;
    if (!PyArg_ParseTuple(args, "OOOOO", &names, &type, &texts, &allowed, &threshold) ||
        require_open(self) < 0 || parse_answers(self, names, type, threshold, &kind) < 0 ||
        take_allowed(self, allowed, &flags) < 0)
        return NULL;
    if (!(texts = materialise(texts))) {
        release_allowed(&flags);
        return NULL;
    }
    n = PyTuple_GET_SIZE(texts);
    views = encode_texts(texts, (Py_ssize_t)snlp_model_max_chars(self->model),
                         TEXT_AS_CODE_POINTS);
    list = PyMem_Calloc((size_t)n + 1, sizeof *list);
    best = PyMem_Calloc((size_t)n + 1, sizeof *best);
    probability = PyMem_Calloc((size_t)n + 1, sizeof *probability);
    state = take_state(self);
    if (views && (!list || !best || !probability || !state)) {
        PyErr_NoMemory();
    } else if (views) {
        snlp_status status;
        for (Py_ssize_t i = 0; i < n; i++) list[i] = views[i].text;
        Py_BEGIN_ALLOW_THREADS
        status = snlp_langid_best_texts(self->model, state, list, (size_t)n, flags.flags, best,
                                        probability);
        Py_END_ALLOW_THREADS
        if (status != SNLP_OK) set_error(status);
        else if ((result = PyList_New(n)) != NULL)
            for (Py_ssize_t i = 0; i < n; i++) {
                PyObject *answer = make_answer(&kind, best[i], probability[i]);
                if (!answer) {
                    Py_CLEAR(result);
                    break;
                }
                PyList_SET_ITEM(result, i, answer);
            }
    }
    return_state(self, state);
    free_views(views, n);
    Py_DECREF(texts);
    release_allowed(&flags);
    PyMem_Free(list);
    PyMem_Free(best);
    PyMem_Free(probability);
    return result;
}

/* langid_answer(names, answer, text, allowed, threshold) ->
 * langid_answers(names, answer, (text,), allowed, threshold)[0]: predict()'s
 * own path, with no tuple, list or buffer to make. */
static PyObject *model_langid_answer(ModelObject *self, PyObject *const *args, Py_ssize_t nargs) {
    enum { ON_STACK = 256 };
    double stack[ON_STACK], *row = stack;
    size_t labels, best;
    float probability;
    allowed_labels flags;
    answer_kind kind;
    text_view view;
    snlp_state *state;
    snlp_status status;
    PyObject *result = NULL;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError,
                        "langid_answer(names, answer, text, allowed, threshold) takes 5 "
                        "arguments");
        return NULL;
    }
    if (require_open(self) < 0 || parse_answers(self, args[0], args[1], args[4], &kind) < 0 ||
        encode_text(args[2], (Py_ssize_t)snlp_model_max_chars(self->model), TEXT_AS_CODE_POINTS,
                    &view) < 0)
        return NULL;
    if (take_allowed(self, args[3], &flags) < 0) {
        Py_XDECREF(view.owner);
        return NULL;
    }
    labels = snlp_model_label_count(self->model);
    if (labels > ON_STACK) row = PyMem_Malloc(labels * sizeof *row);
    state = take_state(self);
    if (!row || !state) {
        PyErr_NoMemory();
    } else {
        Py_BEGIN_ALLOW_THREADS
        status = snlp_langid_best_text(self->model, state, &view.text, flags.flags, row, &best,
                                       &probability);
        Py_END_ALLOW_THREADS
        if (status != SNLP_OK) set_error(status);
        else result = make_answer(&kind, best, probability);
    }
    return_state(self, state);
    release_allowed(&flags);
    Py_XDECREF(view.owner);
    if (row != stack) PyMem_Free(row);
    return result;
}

/* The characters of view's UTF-8 before byte `end`, counted on from `from`
 * bytes (`chars` characters): every byte but continuation bytes starts one. */
static size_t characters_before(const text_view *view, size_t from, size_t chars, size_t end) {
    if (!view->owner) return end; /* ASCII: a byte a character */
    const char *data = view->text.data;
    for (; from < end; from++) chars += ((uint8_t)data[from] & 0xC0) != 0x80;
    return chars;
}

/* langid_spans(texts, allowed, threshold, switch_cost, max_chars) -> per
 * text, its spans as (start, end, label index, probability), offsets in
 * characters; the label count stands for "und" (snlp_langid_spans). */
static PyObject *model_langid_spans(ModelObject *self, PyObject *args) {
    PyObject *texts, *allowed, *result = NULL;
    double threshold, switch_cost;
    Py_ssize_t max_chars;
    allowed_labels flags;
    text_view *views = NULL;
    snlp_span local[64], *spans = local; /* on the heap for a text with more */
    snlp_state *state = NULL;
    size_t capacity = sizeof local / sizeof *local;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "OOddn", &texts, &allowed, &threshold, &switch_cost,
                          &max_chars) ||
        require_open(self) < 0 || take_allowed(self, allowed, &flags) < 0)
        return NULL;
    if (!(texts = materialise(texts))) {
        release_allowed(&flags);
        return NULL;
    }
    n = PyTuple_GET_SIZE(texts);
    if (max_chars < 0) {
        PyErr_SetString(PyExc_ValueError, "max_chars must be 0 (the model's) or more");
        goto done;
    }
    if (!(views = encode_texts(texts, PY_SSIZE_T_MAX, TEXT_AS_UTF8)) || !(result = PyList_New(n)))
        goto done;
    state = take_state(self);
    if (!state) {
        PyErr_NoMemory();
        Py_CLEAR(result);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        size_t count = 0, bytes = 0, chars = 0;
        snlp_status status;
        PyObject *list;
        for (;;) {
            snlp_span *grown;
            Py_BEGIN_ALLOW_THREADS
            status = snlp_langid_spans(self->model, state, views[i].text.data, views[i].text.count,
                                       flags.flags, threshold, switch_cost, (size_t)max_chars, spans,
                                       capacity, &count);
            Py_END_ALLOW_THREADS
            if (status != SNLP_OK || count <= capacity) break; /* else grown, done again */
            if (!(grown = PyMem_Realloc(spans == local ? NULL : spans, count * sizeof *spans))) {
                status = SNLP_ERR_MEMORY;
                break;
            }
            spans = grown;
            capacity = count;
        }
        if (status != SNLP_OK) {
            set_error(status);
            Py_CLEAR(result);
            break;
        }
        if (!(list = PyList_New((Py_ssize_t)count))) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, i, list);
        for (size_t k = 0; k < count; k++) {
            size_t start = chars, end = characters_before(&views[i], bytes, chars, spans[k].end);
            PyObject *span = Py_BuildValue("(nnnd)", (Py_ssize_t)start, (Py_ssize_t)end,
                                           (Py_ssize_t)spans[k].label, spans[k].probability);
            if (!span) {
                Py_CLEAR(result);
                break;
            }
            PyList_SET_ITEM(list, (Py_ssize_t)k, span);
            bytes = spans[k].end;
            chars = end;
        }
        if (!result) break;
    }
done:
    return_state(self, state);
    if (spans != local) PyMem_Free(spans);
    free_views(views, n);
    Py_DECREF(texts);
    release_allowed(&flags);
    return result;
}

/* pos_tags(sentences) -> bytes of uint32 tag indexes, all sentences' tokens
 * one after another. */
static PyObject *model_pos_tags(ModelObject *self, PyObject *sentences) {
    PyObject *given, *outer = NULL, *result = NULL;
    text_view *encoded = NULL;
    const char **tokens = NULL;
    size_t *sizes = NULL, *lengths = NULL, total = 0, at = 0;
    Py_ssize_t n;
    snlp_state *state = NULL;
    snlp_status status = SNLP_OK;
    if (require_open(self) < 0 || !(given = materialise(sentences))) return NULL;
    n = PyTuple_GET_SIZE(given);
    outer = PyTuple_New(n); /* each sentence as a tuple of its tokens, taken once */
    lengths = PyMem_Calloc(n ? (size_t)n : 1, sizeof *lengths);
    if (!outer || !lengths) {
        Py_DECREF(given);
        if (outer) PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *sentence = materialise(PyTuple_GET_ITEM(given, i));
        if (!sentence) {
            Py_DECREF(given);
            goto done;
        }
        PyTuple_SET_ITEM(outer, i, sentence);
        lengths[i] = (size_t)PyTuple_GET_SIZE(sentence);
        total += lengths[i];
    }
    Py_DECREF(given);
    encoded = PyMem_Calloc(total ? total : 1, sizeof *encoded);
    tokens = PyMem_Calloc(total ? total : 1, sizeof *tokens);
    sizes = PyMem_Calloc(total ? total : 1, sizeof *sizes);
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(total * sizeof(uint32_t)));
    state = take_state(self);
    if (!encoded || !tokens || !sizes || !result || !state) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *sentence = PyTuple_GET_ITEM(outer, i);
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(sentence); k++, at++) {
            if (encode_text(PyTuple_GET_ITEM(sentence, k), PY_SSIZE_T_MAX, TEXT_AS_UTF8,
                            &encoded[at]) < 0)
                goto fail;
            tokens[at] = encoded[at].text.data;
            sizes[at] = encoded[at].text.count;
        }
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
    free_views(encoded, (Py_ssize_t)total);
    PyMem_Free(tokens);
    PyMem_Free(sizes);
    PyMem_Free(lengths);
    return_state(self, state);
    Py_XDECREF(outer);
    return result;
}

static PyObject *model_heap_bytes(ModelObject *self, PyObject *unused) {
    (void)unused;
    return PyLong_FromSize_t(snlp_model_heap_bytes(self->model) +
                             snlp_state_heap_bytes(self->spare));
}

static PyMethodDef model_methods[] = {
    {"pos_tags", (PyCFunction)model_pos_tags, METH_O,
     "pos_tags(sentences) -> uint32 tag indexes of all tokens as bytes"},
    {"heap_bytes", (PyCFunction)model_heap_bytes, METH_NOARGS,
     "heap_bytes() -> bytes the C model (and its kept state) allocated besides the file's "
     "bytes"},
    {"langid_proba", (PyCFunction)model_langid_proba, METH_VARARGS,
     "langid_proba(texts, allowed) -> float32 probabilities as bytes, a row per text; "
     "allowed: None or a byte (a bool) per label"},
    {"langid_spans", (PyCFunction)model_langid_spans, METH_VARARGS,
     "langid_spans(texts, allowed, threshold, switch_cost, max_chars) -> per text, its spans "
     "(start, end, label index, probability) in characters; the label count: und"},
    {"langid_answer", (PyCFunction)(void (*)(void))model_langid_answer, METH_FASTCALL,
     "langid_answer(names, answer, text, allowed, threshold) -> answer(name, probability) of "
     "the best label; names[-1] without letters or below threshold"},
    {"langid_answers", (PyCFunction)model_langid_answers, METH_VARARGS,
     "langid_answers(names, answer, texts, allowed, threshold) -> langid_answer of each "
     "text"},
    {"langid_top_k", (PyCFunction)model_langid_top_k, METH_VARARGS,
     "langid_top_k(texts, k, allowed) -> per text, its k best (label index, probability) "
     "pairs; [] without letters"},
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

static PyMethodDef module_methods[] = {{NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_runtime", "The smallnlp C runtime (runtime/c).", -1,
    module_methods, NULL, NULL, NULL, NULL};

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
