"""A tagger's word lexicon, kept inside its model file: for the most probable
words of an outside source, a word cluster and, for a capitalised form, how
much likelier the word is capitalised than not (binned). Botha et al. gave
their taggers word clusters the same way (a compact map in the model); on
EWT they lift words unseen in training the most (docs/EXPERIMENTS.md).

The source is spacy-lookups-data's English lexeme tables (MIT): 1,000 Brown
clusters and log-probabilities of about a million case-sensitive strings.

The map is an open-addressing hash table of 32-bit slots, stored as the
``lexicon`` array (``<i4``, read as uint32): bits 0-15 a fingerprint of the
word's MurmurHash3 (never 0), bits 16-25 its cluster (0: none), bits 26-29
its ratio code (0: none). An empty slot is 0; a word is looked up from slot
``hash mod slots`` onwards, at most ``probes`` slots, until its fingerprint
or an empty slot. A word not found, or found without a cluster, is looked up
again lowercased for its cluster.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError
from .hashing import hash_spans

LOAD = 0.8  # slots filled at most, so that probing stays short
CLUSTER_BITS, RATIO_BITS = 10, 4
MAX_CLUSTERS = 1 << CLUSTER_BITS
# log P(Word) - log P(word), binned: ratio codes 1 .. len(RATIO_EDGES) + 1, and
# one more for a capitalised form whose lowercase form the source lacks.
RATIO_EDGES = (-6.0, -4.0, -2.5, -1.0, 0.0, 1.0, 2.5, 4.0)
LOWER_UNKNOWN = len(RATIO_EDGES) + 2
# The ids the case_ratio kind gives: 0 not capitalised, 1 capitalised and not
# in the lexicon, 1 + a ratio code otherwise.
RATIO_IDS = LOWER_UNKNOWN + 2
SOURCE_FILES = ("en_lexeme_cluster.json.gz", "en_lexeme_prob.json.gz")


def slots_for(words: int) -> int:
    return int(words / LOAD) + 1


def bytes_for(words: int) -> int:
    """What a lexicon of ``words`` words costs in the model file."""
    return 4 * slots_for(words) if words else 0


@dataclass(frozen=True)
class Lexicon:
    """The table, its hash seed, how many cluster ids it uses (0 included),
    the longest probe any stored word needs, and how many source words it was
    built from."""

    slots: np.ndarray  # uint32
    seed: int
    clusters: int
    probes: int
    words: int

    @classmethod
    def build(cls, source: str | os.PathLike, words: int, seed: int = 17) -> Lexicon:
        """The ``words`` most probable strings of the source folder ``source``."""
        clusters, probabilities = _read_source(Path(source))
        kept = sorted(probabilities, key=lambda w: (-probabilities[w], w))[:words]
        ids = {c: i + 1 for i, c in enumerate(sorted({clusters[w] for w in kept
                                                         if clusters.get(w)}))}
        if len(ids) + 1 > MAX_CLUSTERS:
            raise DataError(f"{source}: {len(ids)} clusters; at most {MAX_CLUSTERS - 1} fit")
        size = slots_for(words)
        slots = np.zeros(size, dtype=np.uint32)
        longest = 1
        for word, h in zip(kept, _hashes(kept, seed).tolist()):
            value = (ids.get(clusters.get(word), 0) << 16) | (_ratio_code(word, probabilities)
                                                              << (16 + CLUSTER_BITS))
            if not value:
                continue  # nothing to say about this word
            at, fingerprint = h % size, (h >> 16) or 1
            for probe in range(size):
                slot = int(slots[(at + probe) % size])
                if slot == 0 or slot & 0xFFFF == fingerprint:  # (a repeat overwrites)
                    slots[(at + probe) % size] = value | fingerprint
                    longest = max(longest, probe + 1)
                    break
        return cls(slots, seed, len(ids) + 1, longest, words)

    def find(self, words: Sequence[str]) -> np.ndarray:
        """Each word's slot value (0: not in the lexicon), vectorised over probes."""
        hashes = _hashes(words, self.seed)
        size = np.uint64(len(self.slots))
        fingerprints = (hashes >> np.uint64(16)).astype(np.uint32)
        fingerprints[fingerprints == 0] = 1
        start = hashes % size
        found = np.zeros(len(words), dtype=np.uint32)
        open_ = np.ones(len(words), dtype=bool)
        for probe in range(self.probes):
            slot = self.slots[((start + np.uint64(probe)) % size).astype(np.int64)]
            hit = open_ & ((slot & 0xFFFF) == fingerprints) & (slot != 0)
            found[hit] = slot[hit]
            open_ &= ~hit & (slot != 0)
            if not open_.any():  # most lookups end within a few slots
                break
        return found

    def token_ids(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per token, its cluster id and its case_ratio id."""
        exact = self.find(tokens)
        cluster = ((exact >> 16) & (MAX_CLUSTERS - 1)).astype(np.int64)
        missing = np.flatnonzero(cluster == 0)
        if len(missing):
            lower = self.find([tokens[i].lower() for i in missing])
            cluster[missing] = (lower >> 16) & (MAX_CLUSTERS - 1)
        capital = np.array([t[:1].isupper() for t in tokens], dtype=bool)
        code = ((exact >> (16 + CLUSTER_BITS)) & ((1 << RATIO_BITS) - 1)).astype(np.int64)
        ratio = np.where(capital, 1 + code, 0)
        return cluster, ratio


def _hashes(words: Sequence[str], seed: int) -> np.ndarray:
    """MurmurHash3 of each word's UTF-8 bytes (as uint64), in one numpy pass."""
    encoded = [w.encode("utf-8", "surrogatepass") for w in words]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if len(encoded) else lengths
    return hash_spans(b"".join(encoded), starts, lengths, seed).astype(np.uint64)


def _ratio_code(word: str, probabilities: dict[str, float]) -> int:
    """0 unless ``word`` is capitalised; else its bin (1..) or LOWER_UNKNOWN."""
    if not word[:1].isupper():
        return 0
    lower = probabilities.get(word.lower())
    if lower is None:
        return LOWER_UNKNOWN
    return 1 + int(np.searchsorted(RATIO_EDGES, probabilities[word] - lower))


def _read_source(folder: Path) -> tuple[dict[str, int], dict[str, float]]:
    paths = [folder / name for name in SOURCE_FILES]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise DataError(f"{folder}: no {', '.join(missing)} (spacy-lookups-data's data "
                        "folder holds them)")
    try:
        return tuple(json.loads(gzip.decompress(p.read_bytes())) for p in paths)
    except (OSError, ValueError) as exc:
        raise DataError(f"{folder}: cannot read the lexicon tables: {exc}") from None
