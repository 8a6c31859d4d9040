"""smallnlp: tiny feed-forward NLP models (language ID, POS tagging) under a memory budget."""

__version__ = "0.1.0"

from .errors import (  # noqa: E402
    BudgetError,
    ConfigError,
    DataError,
    ModelFileError,
    SmallNLPError,
)
from .langid import LanguageIdentifier, Prediction  # noqa: E402
from .pos import PosTagger, TagDecoder  # noqa: E402

# Every task, by the name its model files carry (see docs/DEVELOPING.md, "Adding a task").
TASKS = {LanguageIdentifier.task: LanguageIdentifier, PosTagger.task: PosTagger}

__all__ = ["TASKS", "BudgetError", "ConfigError", "DataError", "LanguageIdentifier",
           "ModelFileError", "PosTagger", "Prediction", "SmallNLPError", "TagDecoder",
           "__version__"]
