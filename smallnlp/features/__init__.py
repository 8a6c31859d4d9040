"""Feature groups built from a declarative spec.

A model's features are data: a list of groups, each of a registered kind
(``kinds.py``) with a bucket count, an embedding width and its parameters.
A featurizer turns a batch of input into one sparse matrix per group
(``sparse.py``); ``batch.py`` holds the framing and hashing they share.
"""

from .batch import FEATURIZER_VERSION, READABLE_FEATURIZER_VERSIONS
from .featurizers import TextFeaturizer, TokenFeaturizer
from .kinds import KINDS, TEXT, TOKEN, GroupSpec, KindContext, check_groups, kind_of
from .sparse import SparseGroup, has_features, one_per_row

__all__ = ["FEATURIZER_VERSION", "KINDS", "READABLE_FEATURIZER_VERSIONS", "TEXT", "TOKEN",
           "GroupSpec", "KindContext", "SparseGroup", "TextFeaturizer", "TokenFeaturizer",
           "check_groups", "has_features", "kind_of", "one_per_row"]
