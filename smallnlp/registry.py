"""Every task by the name its model files carry, and ``load``: a model of
whichever task a file holds, by path or by a shipped model's name."""

from __future__ import annotations

import os
from pathlib import Path

from . import modelfile
from .config import shipped_file, shipped_model
from .errors import ModelFileError
from .langid import LanguageIdentifier
from .model import TaskModel
from .pos import PosTagger, model_path_for

# See docs/DEVELOPING.md, "Adding a task".
TASKS: dict[str, type[TaskModel]] = {LanguageIdentifier.task: LanguageIdentifier,
                                     PosTagger.task: PosTagger}


def model_file(name: str | os.PathLike) -> Path:
    """A model file's path: ``name`` itself if it is a file, else a shipped
    model by name (``langid``, ``pos-en``) or, as ``PosTagger.load`` takes
    them, a POS language code or treebank (``en``, ``English-EWT``); a
    directory, or a bare name that is neither, is a ModelFileError."""
    path = Path(name)
    if path.is_file():
        return path
    shipped = shipped_model(name)
    if shipped is not None:
        return shipped
    if not path.suffix and len(path.parts) == 1:  # a name, not a path
        try:
            return model_path_for(str(name))
        except ModelFileError:
            if not path.exists():
                raise ModelFileError(
                    f"{name}: no such file, and no shipped model of that name (shipped: "
                    f"{', '.join(shipped_models())}; POS models also by language code or "
                    "treebank, as en or English-EWT)") from None
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory, not a model file")
    return path  # a file that is not there: the loader says so, naming it


def shipped_models() -> list[str]:
    """The names of the models in the package (``load`` takes them)."""
    return sorted(p.stem for p in shipped_file("models", "langid.snlp").parent.glob("*.snlp"))


def load(name_or_path: str | os.PathLike, *, backend: str = "auto") -> TaskModel:
    """The model a file holds, of whichever task (``LanguageIdentifier`` or
    ``PosTagger``), by path or shipped name (see ``model_file``)."""
    path = model_file(name_or_path)
    task = modelfile.load(path).metadata.get("task")
    if task not in TASKS:
        raise ModelFileError(f"{path}: not a model of a known task ({task!r}); smallnlp has "
                             f"{', '.join(TASKS)}")
    return TASKS[task].load(path, backend=backend)
