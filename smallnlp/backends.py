"""Prediction backends: what computes a loaded model's answers.

Two backends implement one small interface per task: the numpy reference,
always there, and the C runtime (``runtime/c``), which ``pip install .``
builds as the extension ``smallnlp._runtime`` when a C compiler is there. The
C runtime opens a model over the very bytes of the loaded file (one copy of
the weights) and gives the reference's answers (docs/FORMAT.md), faster one
input at a time and on batches (``benchmarks/c_runtime.py``).

A task model holds one predictor and calls nothing but these methods;
``load(..., backend=...)`` chooses it: ``"auto"`` (the C runtime where it is
built and reads the file, else numpy), ``"c"`` (the C runtime or an error) or
``"numpy"``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Protocol

import numpy as np

BACKENDS = ("auto", "c", "numpy")


class LangidPredictor(Protocol):
    """Language ID on a batch of texts; ``allowed`` (a flag per label, or
    None for all) restricts the answers to a subset, renormalised over it.
    A predictor is made with the labels' names, then the name of
    "undetermined", and the type of its answers (name, probability): the C
    runtime builds them itself, a Python call less per text."""

    name: str

    def proba(self, texts: Sequence[str], allowed: np.ndarray | None) -> np.ndarray:
        """``(len(texts), labels)`` float32 probabilities; all-zero rows for
        texts without letters."""

    def top_k(self, texts: Sequence[str], k: int, allowed: np.ndarray | None
              ) -> list[list[tuple[int, float]]]:
        """The ``k`` best (label index, probability) pairs of each text, best
        first (equal ones by index); [] for a text without letters."""

    def answers(self, texts: Sequence[str], allowed: np.ndarray | None, threshold: float
                ) -> list[tuple[str, float]]:
        """Each text's best label as the predictor's answer type (name,
        probability), ranked as ``top_k`` ranks them; the last of its names
        ("und") with probability 0 for a text without letters, and with its
        probability below ``threshold``."""

    def answer(self, text: str, allowed: np.ndarray | None, threshold: float
               ) -> tuple[str, float]:
        """``answers((text,), allowed, threshold)[0]``: ``predict``'s own path."""

    def spans(self, texts: Sequence[str], allowed: np.ndarray | None, threshold: float,
              switch_cost: float, max_chars: int | None
              ) -> list[list[tuple[int, int, int, float]]]:
        """Each text's runs of one language (smallnlp/spans.py): start and end
        (characters), label index (the label count: "und", also below
        ``threshold``) and probability; runs are labelled from their first
        ``max_chars`` characters (None: as many as the model reads)."""

    def heap_bytes(self) -> int:
        """Bytes this backend holds outside Python's allocator (0 for numpy)."""


class TagPredictor(Protocol):
    """POS tagging of a batch of sentences (lists of tokens)."""

    name: str

    def tags(self, sentences: Sequence[Sequence[str]]) -> list[list[int]]:
        """The tag index of every token of every sentence."""

    def heap_bytes(self) -> int:
        """Bytes this backend holds outside Python's allocator (0 for numpy)."""


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")


def open_c_model(file_bytes: bytes | None):
    """The C runtime's model over a model file's bytes (kept, not copied),
    or None and the reason it cannot be used."""
    try:
        from . import _runtime
    except ImportError as exc:
        return None, f"the C extension is not built ({exc})"
    if file_bytes is None:
        return None, "the model was not loaded from a file"
    try:
        return _runtime.Model(file_bytes), ""
    except ValueError as exc:
        return None, str(exc)


def choose_c_model(backend: str, file_bytes: bytes | None, source: str):
    """The C runtime's model if ``backend`` ("auto" or "c") asks for it and it
    can be used, else None; "c" raises ValueError, naming ``source``, when it
    cannot."""
    check_backend(backend)
    if backend == "numpy":
        return None
    c_model, reason = open_c_model(file_bytes)
    if c_model is None and backend == "c":
        raise ValueError(f"{source}: the C backend cannot be used: {reason}")
    return c_model


class CLangid:
    """Language ID in the C runtime (``snlp_langid_predict_among``)."""

    name = "c"

    def __init__(self, c_model, names: tuple[str, ...], answer: type[tuple]):
        self._model, self._label_count = c_model, len(names) - 1
        # The extension's own methods, names and answer type bound: predict()
        # and predict_batch() call them without a Python frame of this class.
        # They read a subset (a bool array) in place, as every method here.
        self.answer = functools.partial(c_model.langid_answer, names, answer)
        self.answers = functools.partial(c_model.langid_answers, names, answer)

    def proba(self, texts: Sequence[str], allowed: np.ndarray | None) -> np.ndarray:
        probs = self._model.langid_proba(texts, allowed)
        return np.frombuffer(probs, dtype=np.float32).reshape(-1, self._label_count)

    def top_k(self, texts: Sequence[str], k: int, allowed: np.ndarray | None
              ) -> list[list[tuple[int, float]]]:
        return self._model.langid_top_k(texts, k, allowed)

    def spans(self, texts: Sequence[str], allowed: np.ndarray | None, threshold: float,
              switch_cost: float, max_chars: int | None
              ) -> list[list[tuple[int, int, int, float]]]:
        return self._model.langid_spans(texts, allowed, threshold,
                                        switch_cost, max_chars or 0)

    def heap_bytes(self) -> int:
        return self._model.heap_bytes()


class CTagger:
    """POS tagging in the C runtime (``snlp_pos_tag``)."""

    name = "c"

    def __init__(self, c_model):
        self._model = c_model

    def tags(self, sentences: Sequence[Sequence[str]]) -> list[list[int]]:
        flat = np.frombuffer(self._model.pos_tags(sentences), dtype=np.uint32).tolist()
        out, start = [], 0
        for sentence in sentences:
            out.append(flat[start:start + len(sentence)])
            start += len(sentence)
        return out

    def heap_bytes(self) -> int:
        return self._model.heap_bytes()
