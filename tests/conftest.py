"""Shared fixtures: a small synthetic multilingual corpus and the real data's location."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# Three made-up "languages", each a syllable inventory, plus one in Cyrillic.
SYLLABLES = {
    "aa": ["ka", "ki", "ko", "ta", "to", "na", "ni", "ru"],
    "bb": ["sch", "ein", "ung", "ber", "ach", "ich", "ter"],
    "cc": ["ou", "eau", "ier", "que", "lle", "ant", "ois"],
    "dd": ["ко", "на", "ст", "ов", "ри", "да", "ть"],
}


def synthetic_corpus(lines_per_label: int, seed: int = 0) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, syllables in SYLLABLES.items():
        for _ in range(lines_per_label):
            words = ["".join(rng.choice(syllables, rng.integers(1, 4)))
                     for _ in range(rng.integers(2, 9))]
            texts.append(" ".join(words).capitalize() + ".")
            labels.append(label)
    return texts, labels


def write_corpus(directory: Path, texts: list[str], labels: list[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for label in sorted(set(labels)):
        lines = [t for t, y in zip(texts, labels) if y == label]
        (directory / f"{label}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


TINY_CONFIG = {
    "features": {"dims": 8, "max_chars": 2000, "groups": [
        {"name": "char1", "kind": "char_ngram", "order": 1, "seed": 1, "share": 0.2},
        {"name": "char2", "kind": "char_ngram", "order": 2, "seed": 2, "share": 0.4},
        {"name": "char3", "kind": "char_ngram", "order": 3, "seed": 3, "share": 0.4},
        {"name": "script", "kind": "script"}]},
    "training": {"epochs": 4, "batch_size": 32, "learning_rate": 0.01, "patience": 2},
    "augment": {"spans_per_line": 1, "min_words": 1, "max_words": 2},
}


@pytest.fixture(scope="session")
def tiny_model():
    from smallnlp import LanguageIdentifier

    texts, labels = synthetic_corpus(150)
    dev_texts, dev_labels = synthetic_corpus(30, seed=1)
    return LanguageIdentifier(memory_budget="60KB", config=TINY_CONFIG, seed=0).fit(
        texts, labels, dev_texts, dev_labels)


def require_shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (a fresh checkout has none; "
                    "CI provides it)")
    return SHARED_DATA


TRAINING_ONLY_MODULES = {"sklearn", "scipy", "click", "mmh3", "threadpoolctl"}


def run_fresh(statement: str) -> list[str]:
    """Run ``statement`` in a fresh interpreter; return its output lines, then
    the sorted training-only modules it imported."""
    import subprocess
    import sys

    loaded = "{m.split('.')[0] for m in sys.modules}"
    code = f"import sys\n{statement}\nprint(sorted({loaded} & {TRAINING_ONLY_MODULES!r}))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    return result.stdout.splitlines()


def save_unchecked(path: Path, metadata: dict, network, arrays: dict | None = None) -> None:
    """Write a model file without the checks ``save`` makes: a hostile file
    (with a valid checksum) for the loader to refuse."""
    from smallnlp import fileformat, modelfile

    modelfile.save(path, metadata, {**fileformat.arrays_of_network(network), **(arrays or {})})


def separate_streams():
    """A CliRunner whose result has stdout and stderr apart (click 8.1 needs
    asking for it; 8.2 removed the argument and always keeps them apart)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()
