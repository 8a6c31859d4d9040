"""The C runtime (``runtime/c``) as a prediction backend.

``pip install .`` builds it as the extension ``smallnlp._runtime`` when a C
compiler is there; otherwise smallnlp works without it, on numpy. It opens a
model over the very bytes the Python loader read, so the two paths share one
copy of the weights. Both tasks use it by default (``backend="auto"``); it
gives numpy's answers (docs/FORMAT.md) and is faster one input at a time and
on batches (``benchmarks/c_runtime.py``).
"""

from __future__ import annotations

import numpy as np

from . import modelfile

BACKENDS = ("auto", "c", "numpy")


def open_c_model(array: np.ndarray) -> tuple[object | None, str]:
    """The C runtime's model over the file bytes ``array`` is a view of, or
    None and the reason it cannot be used."""
    try:
        from . import _runtime
    except ImportError as exc:
        return None, f"the C extension is not built ({exc})"
    data = modelfile.source_bytes(array)
    if data is None:
        return None, "the model was not loaded from a file"
    try:
        return _runtime.Model(data), ""
    except ValueError as exc:
        return None, str(exc)


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")


def use_c_backend(model, path, backend: str) -> None:
    """Give a loaded ``model`` the C runtime's model (``model._c_model``,
    ``model.backend = "c"``) when ``backend`` is "c" or "auto" and it can be
    used; "c" raises ValueError, naming ``path``, if it cannot."""
    if backend == "numpy":
        return
    c_model, reason = open_c_model(model.network_.output_bias)
    if c_model is None and backend == "c":
        raise ValueError(f"{path}: the C backend cannot be used: {reason}")
    if c_model is not None:
        model._c_model, model.backend = c_model, "c"
