"""smallnlp: tiny feed-forward NLP models (language ID, POS tagging) under a memory budget."""

from .errors import (
    BudgetError,
    ConfigError,
    DataError,
    ModelFileError,
    SmallNLPError,
)
from .evaluation import Report
from .langid import LanguageIdentifier, Prediction
from .pos import PosTagger, TagDecoder
from .train import Progress
from .version import __version__

# Every task, by the name its model files carry (see docs/DEVELOPING.md, "Adding a task").
TASKS = {LanguageIdentifier.task: LanguageIdentifier, PosTagger.task: PosTagger}

__all__ = ["TASKS", "BudgetError", "ConfigError", "DataError", "LanguageIdentifier",
           "ModelFileError", "PosTagger", "Prediction", "Progress", "Report", "SmallNLPError",
           "TagDecoder", "__version__"]
