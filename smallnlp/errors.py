"""Exceptions smallnlp raises on purpose; each message names what went wrong where."""


class SmallNLPError(Exception):
    """Base class of every error smallnlp raises deliberately."""


class ModelFileError(SmallNLPError, ValueError):
    """A model file is missing, of another format version, truncated or corrupted."""


class DataError(SmallNLPError, ValueError):
    """Training or evaluation data is missing or malformed (names file and line)."""


class BudgetError(SmallNLPError, ValueError):
    """A memory budget is malformed or too small for a sensible model."""


class ConfigError(SmallNLPError, ValueError):
    """A config (TOML file or dict) has an unknown key, a bad type or value
    (names the file, section and key)."""
