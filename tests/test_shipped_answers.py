"""What the shipped models answer on the dev files, kept as digests taken when
the models were built: a change to the code must not move them. A retrain
changes them on purpose; its commit writes the new digests with

    SMALLNLP_WRITE_DIGESTS=1 python -m pytest tests/test_shipped_answers.py

Labels and tags only (not probabilities), so that a numpy or BLAS release that
rounds a last bit otherwise does not fail it. Asked of the C runtime where it
is built, else of numpy: the tests of the C runtime check that both agree."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from smallnlp import LanguageIdentifier, PosTagger, shipped_models
from smallnlp.config import load_toml, shipped_file
from smallnlp.datasets import read_conllu, read_labelled_dir

from .conftest import require_shared_data

DIGESTS = Path(__file__).with_name("shipped_answers.json")


def digest(items: list[str]) -> str:
    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()[:16]


def answers(backend: str) -> dict[str, str]:
    """A digest per shipped model: each language identifier's labels for every langid dev line,
    each tagger's tags for its treebank's dev split."""
    data = require_shared_data()
    texts, _ = read_labelled_dir(data / "langid" / "dev")
    found = {name: digest([p.label for p in LanguageIdentifier.load(
        name, backend=backend).predict_batch(texts)])
             for name in shipped_models() if name.startswith("langid")}
    treebanks = load_toml(shipped_file("configs", "pos_models.toml"))[0]["treebanks"]
    for name, entry in sorted(treebanks.items()):
        sentences = read_conllu(data / "ud" / name / "dev.conllu")
        tagger = PosTagger.load(entry["code"], backend=backend)
        found[f"pos-{entry['code']}"] = digest(
            [" ".join(tags) for tags in tagger.tag_batch([s.forms for s in sentences])])
    return found


def test_the_shipped_models_answer_as_when_they_were_built():
    found = answers("auto")
    if os.environ.get("SMALLNLP_WRITE_DIGESTS"):
        DIGESTS.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {DIGESTS.name}")
    assert found == json.loads(DIGESTS.read_text(encoding="utf-8"))
