"""Shared fixtures: a small synthetic multilingual corpus and the real data's location."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import zlib
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
# Whether the C extension is built here (tests that compare it with numpy skip if not).
C_RUNTIME = importlib.util.find_spec("smallnlp._runtime") is not None

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


def train_tiny_langid(config: dict):
    """A language identifier of the synthetic corpus, in 60 KB, from seed 0."""
    from smallnlp import LanguageIdentifier

    texts, labels = synthetic_corpus(150)
    dev_texts, dev_labels = synthetic_corpus(30, seed=1)
    return LanguageIdentifier(memory_budget="60KB", config=config, seed=0).fit(
        texts, labels, dev_texts, dev_labels)


@pytest.fixture(scope="session")
def tiny_model():
    return train_tiny_langid(TINY_CONFIG)


def require_shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (a fresh checkout has none; "
                    "CI provides it)")
    return SHARED_DATA


def app_example(language: str) -> str:
    """The README's example in ``language`` in "In your app" (the tests run each)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## In your app"):]
    section = section[:section.index("\n## ", 1)]
    return re.search(rf"```{language}\n(.*?)```", section, re.S)[1]


# 20 languages of several scripts and close pairs, 10 dev lines each: what the
# app bindings (tests/test_js.py, tests/test_java.py) must label as Python does.
BINDING_LANGUAGES = ["ar", "bs", "de", "el", "en", "es", "fa", "fr", "hi", "hr", "id", "ja",
                     "ko", "ms", "nl", "pt", "ru", "sr", "uk", "zh"]


@pytest.fixture(scope="session")
def binding_dev_lines() -> list[str]:
    data = require_shared_data() / "langid" / "dev"
    lines = []
    for code in BINDING_LANGUAGES:
        with open(data / f"{code}.txt", encoding="utf-8") as file:
            lines += [line.rstrip("\n") for _, line in zip(range(10), file)]
    return lines


def shipped_langid_answers(texts: list[str]) -> list[tuple[str, float]]:
    """The Python package's (label, probability) for each text, shipped model."""
    from smallnlp import load
    return [tuple(answer) for answer in load("langid").predict_batch(texts)]


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


# -- taggers ---------------------------------------------------------------------------

WORDS = {"DET": ["the", "a", "this"], "NOUN": ["cat", "dog", "house", "tree", "idea"],
         "VERB": ["sees", "likes", "finds", "eats"], "ADP": ["in", "on", "near"],
         "PUNCT": [".", "!"]}

TINY_POS_CONFIG = {
    "features": {"dims": 8, "groups": [
        {"name": "word-1", "kind": "word", "offset": -1, "seed": 1, "share": 0.2},
        {"name": "word0", "kind": "word", "seed": 1, "share": 0.4},
        {"name": "word+1", "kind": "word", "offset": 1, "seed": 1, "share": 0.2},
        {"name": "char3", "kind": "char_ngram", "order": 3, "seed": 2, "share": 0.1},
        {"name": "suffix2", "kind": "suffix", "order": 2, "seed": 3, "share": 0.1},
        {"name": "shape", "kind": "shape"},
        {"name": "tag-1", "kind": "prev_tag", "offset": -1},
        {"name": "tag-2", "kind": "prev_tag", "offset": -2}]},
    "training": {"epochs": 6, "batch_size": 32, "learning_rate": 0.01, "dropout": 0.1},
}

KNOWN_WORDS_CONFIG = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"],
                                                    "known_word_bits": 4096}}


TWO_PASS_CONFIG = {
    "features": {**KNOWN_WORDS_CONFIG["features"], "groups": [
        *TINY_POS_CONFIG["features"]["groups"][:-2],
        {"name": "next+1", "kind": "next_tag", "offset": 1},
        *TINY_POS_CONFIG["features"]["groups"][-2:]]},
    "training": TINY_POS_CONFIG["training"],
    "tagging": {"first_pass_share": 0.3, "word_dropout": 1.0},
}


REFERENCE_SENTENCES = [["the", "dog", "eats", "a", "tree", "."], ["a"], ["house", "near", "finds"],
                       ["idea", "the", "the", "sees", "!", "in", "this", "cat", "zorblax"]]


def synthetic_treebank(n: int, seed: int = 0) -> str:
    """CoNLL-U text: DET NOUN VERB DET NOUN [ADP DET NOUN] PUNCT, with a
    multi-word token range and an empty node now and then."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        pattern = ["DET", "NOUN", "VERB", "DET", "NOUN"]
        if rng.random() < 0.5:
            pattern += ["ADP", "DET", "NOUN"]
        pattern.append("PUNCT")
        lines = [f"# sent_id = s{i}", "# text = ..."]
        for k, tag in enumerate(pattern, start=1):
            word = str(rng.choice(WORDS[tag]))
            if k == 1 and i % 7 == 0:
                lines.append(f"1-2\t{word}x\t_\t_\t_\t_\t_\t_\t_\t_")
            lines.append(f"{k}\t{word}\t{word}\t{tag}\t_\t_\t0\tdep\t_\t_")
            if k == 2 and i % 11 == 0:
                lines.append("2.1\tghost\t_\tNOUN\t_\t_\t_\t_\t_\t_")
        out.append("\n".join(lines) + "\n\n")
    return "".join(out)


@pytest.fixture(scope="session")
def treebank(tmp_path_factory):
    root = tmp_path_factory.mktemp("ud")
    (root / "train.conllu").write_text(synthetic_treebank(300), encoding="utf-8")
    (root / "dev.conllu").write_text(synthetic_treebank(40, seed=1), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def tagger(treebank):
    from smallnlp import PosTagger, datasets

    train = datasets.read_conllu(treebank / "train.conllu")
    dev = datasets.read_conllu(treebank / "dev.conllu")
    return PosTagger("80KB", config=TINY_POS_CONFIG).fit(
        [s.forms for s in train], [s.tags for s in train],
        [s.forms for s in dev], [s.tags for s in dev])


def reference_tags(taggers, sentence):
    """Token by token through the plain networks: with next_tag groups, first
    every token with all its tag features "not known yet", then greedy left to
    right with those first tags as the following tokens' tags. One tagger
    decodes by its logits; several by their summed probabilities."""
    from smallnlp.features import one_per_row
    from smallnlp.network import softmax

    n, lengths = len(sentence), np.array([len(sentence)])
    unknown, blank = np.ones(n, dtype=bool), np.zeros(n, dtype=np.int64)

    def inputs(featurizer, next_tags, previous_tags, not_known_yet=None):
        ids = (featurizer.tag_ids(featurizer.next_tag_groups, next_tags, lengths, not_known_yet)
               + featurizer.tag_ids(featurizer.tag_groups, previous_tags, lengths,
                                    not_known_yet))
        return featurizer.transform([sentence]) + [one_per_row(i) for i in ids]

    def best(inputs_of_each, rows):
        scores = [t.network_.logits([g.take(rows) for g in groups])
                  for t, groups in zip(taggers, inputs_of_each)]
        return (scores[0] if len(scores) == 1 else sum(softmax(s) for s in scores)).argmax(axis=1)

    first = blank
    if taggers[0].featurizer_.next_tag_groups:
        first = best([inputs(t.featurizer_, blank, blank, unknown) for t in taggers],
                     np.arange(n))
    tags = np.zeros(n, dtype=np.int64)
    for i in range(n):
        tags[i] = best([inputs(t.featurizer_, first, tags) for t in taggers], np.array([i]))[0]
    return [taggers[0].labels[t] for t in tags]


def config_toml(config: dict) -> str:
    """A config dict as the TOML a --config file holds."""
    scalars = [f"{k} = {json.dumps(v)}" for k, v in config.items() if not isinstance(v, dict)]
    lines = list(scalars)
    for section, table in config.items():
        if isinstance(table, dict):
            lines.append(f"[{section}]")
            lines += [f"{k} = {json.dumps(v)}" for k, v in table.items() if k != "groups"]
    for group in config["features"].get("groups", []):
        lines.append("[[features.groups]]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in group.items()]
    return "\n".join(lines) + "\n"


# -- model files ---------------------------------------------------------------------

def model_contents(model, tmp_path):
    from smallnlp import modelfile

    path = tmp_path / "good.snlp"
    model.save(path)
    metadata, arrays, version, _ = modelfile.load(path)
    assert version in modelfile.READABLE_VERSIONS
    return copy.deepcopy(metadata), {name: np.array(a) for name, a in arrays.items()}


def rebuilt_payload(payload: bytes, edit) -> bytes:
    """``payload`` with its metadata JSON bytes edited, and a valid checksum."""
    meta_len = int.from_bytes(payload[12:16], "little")
    data_start = 16 + meta_len + (-(16 + meta_len) % 8)
    meta = edit(payload[16:16 + meta_len])
    head = payload[:12] + len(meta).to_bytes(4, "little") + meta
    body = head + b"\0" * (-len(head) % 8) + payload[data_start:-4]
    return body + zlib.crc32(body).to_bytes(4, "little")
