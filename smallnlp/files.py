"""Files written whole or not at all: a temporary file beside the target,
renamed over it only when every byte is written (model files, command-line
output), so that an error or Ctrl-C never leaves half a file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .errors import ModelFileError


def check_writable(path: str | os.PathLike) -> None:
    """Raise ModelFileError unless ``write_atomic`` can write ``path``: checked
    before long work (training), by creating and removing a file where the
    model would go."""
    if not str(path).strip():
        raise ModelFileError("the output path is empty")
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path}: is a directory")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ModelFileError(f"{path}: {folder} is not a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot write in {folder}: "
                             f"{exc.strerror or exc}") from None


@contextlib.contextmanager
def replaced_on_success(path: str | os.PathLike, *, sync: bool = False) -> Iterator[BinaryIO]:
    """A binary handle on a temporary file beside ``path``, renamed to ``path``
    when the body finishes without an error and removed otherwise. Creating
    the temporary file raises OSError (the caller names the file)."""
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~current_umask())  # mkstemp makes 0600; the usual mode
        with open(descriptor, "wb") as handle:
            yield handle
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def write_atomic(path: str | os.PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` (creating its folder) via a temporary
    file, synced, and a rename."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with replaced_on_success(path, sync=True) as handle:
        handle.write(payload)


def current_umask() -> int:
    """The process's umask (which can only be read by setting it)."""
    current = os.umask(0)
    os.umask(current)
    return current
