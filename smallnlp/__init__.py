"""smallnlp: tiny feed-forward NLP models (language ID, POS tagging) under a memory budget."""

from .backends import BACKENDS
from .errors import (
    BudgetError,
    ConfigError,
    DataError,
    ModelFileError,
    SmallNLPError,
)
from .evaluation import Report
from .langid import LanguageIdentifier, LanguageShare, Prediction, Span
from .pos import PosTagger, TagDecoder, tokenize
from .registry import TASKS, load, model_file, shipped_models
from .silver import Silver, held_out_keys, tag_unlabeled
from .train import Progress
from .version import __version__

__all__ = ["BACKENDS", "TASKS", "BudgetError", "ConfigError", "DataError", "LanguageIdentifier",
           "LanguageShare", "ModelFileError", "PosTagger", "Prediction", "Progress", "Report",
           "Silver", "SmallNLPError", "Span", "TagDecoder", "__version__", "held_out_keys",
           "load", "model_file", "shipped_models", "tag_unlabeled", "tokenize"]
