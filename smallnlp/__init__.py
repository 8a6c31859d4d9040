"""smallnlp: tiny feed-forward NLP models (language ID, POS tagging) under a memory budget."""

__version__ = "0.1.0"

from .errors import BudgetError, DataError, ModelFileError, SmallNLPError  # noqa: E402
from .langid import LanguageIdentifier, Prediction  # noqa: E402
from .pos import PosTagger  # noqa: E402

__all__ = ["BudgetError", "DataError", "LanguageIdentifier", "ModelFileError", "PosTagger",
           "Prediction", "SmallNLPError", "__version__"]
