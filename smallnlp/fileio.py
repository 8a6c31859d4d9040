"""Reading user data files with errors that name the file and line."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError


def read_utf8(path: str | os.PathLike) -> str:
    """A whole UTF-8 text file; a missing file or a bad byte raises DataError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{path}:{line}: not valid UTF-8 ({exc.reason} at byte "
                        f"{exc.start})") from None
