"""Configs (TOML) and the files shipped with the package.

``configs/`` and ``models/`` at the top of the repository are installed as
the ``smallnlp.configs`` and ``smallnlp.models`` packages, so a config named
``langid`` and the shipped models are found the same way from a checkout, an
editable install or a wheel.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import SmallNLPError


def shipped_file(package: str, name: str) -> Path:
    """Path of a file in ``smallnlp.configs`` or ``smallnlp.models``.

    Falls back to the repository's top-level folder when the package is
    imported straight from a source tree that was never installed.
    """
    try:
        return Path(str(resources.files(f"smallnlp.{package}").joinpath(name)))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / package / name


def load_config(path_or_name: str | Path) -> dict:
    """Read a TOML config from a path, or a shipped one by name (``"langid"``)."""
    path = Path(path_or_name)
    if not path.suffix and not path.exists():
        path = shipped_file("configs", f"{path_or_name}.toml")
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SmallNLPError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SmallNLPError(f"{path}: invalid TOML: {exc}") from None
