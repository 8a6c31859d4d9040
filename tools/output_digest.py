"""Digests of what the shipped models answer, to show that a refactor changed nothing.

Prints one SHA-256 per check: the language identifier's probabilities for every
langid dev line (and its labels at batch 1 for the first lines), each shipped
POS model's tags on its treebank's dev split, and the network arrays of two
small models trained from a fixed seed (so training is covered too). Run it
before and after a change and compare the lines:

    python tools/output_digest.py > before.txt
    ... change ...
    python tools/output_digest.py > after.txt && diff before.txt after.txt
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"


def digest(*parts: bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part)
    return sha.hexdigest()[:16]


def langid_digests() -> dict[str, str]:
    import numpy as np

    from smallnlp import LanguageIdentifier
    from smallnlp.datasets import read_labelled_dir

    texts, _ = read_labelled_dir(DATA / "langid" / "dev")
    model = LanguageIdentifier.load()
    probs = model.predict_proba(texts)
    singles = [model.predict(t) for t in texts[::97]]
    top = [model.top_k(t, 3) for t in texts[::389]]
    restricted = LanguageIdentifier.load(languages=["en", "de", "fr"]).predict_batch(texts[:5000])
    return {
        f"langid dev probabilities ({len(texts)} lines)": digest(
            np.ascontiguousarray(probs, dtype=np.float32).tobytes()),
        f"langid predict() one at a time ({len(singles)} lines)": digest(
            json.dumps(singles).encode()),
        f"langid top_k(3) ({len(top)} lines)": digest(json.dumps(top).encode()),
        "langid restricted to en,de,fr (5000 lines)": digest(json.dumps(restricted).encode()),
    }


def pos_digests() -> dict[str, str]:
    import tomllib

    from smallnlp import PosTagger
    from smallnlp.datasets import read_conllu

    shipped = tomllib.loads((REPO / "configs" / "pos_models.toml").read_text())["treebanks"]
    out = {}
    for treebank, entry in shipped.items():
        sentences = read_conllu(DATA / "ud" / treebank / "dev.conllu")
        tags = PosTagger.load(entry["code"]).tag_batch([s.forms for s in sentences])
        out[f"pos-{entry['code']} tags on {treebank} dev"] = digest(json.dumps(tags).encode())
    return out


def training_digests() -> dict[str, str]:
    from smallnlp import LanguageIdentifier, PosTagger, modelfile
    from smallnlp.datasets import read_conllu, read_labelled_dir

    texts, labels = read_labelled_dir(DATA / "langid" / "dev")
    keep = [i for i, y in enumerate(labels) if y in {"en", "de", "fr", "ru", "zh"}][::3]
    sentences = read_conllu(DATA / "ud" / "English-EWT" / "dev.conllu")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.snlp"
        LanguageIdentifier(memory_budget="200KB", epochs=2, seed=3).fit(
            [texts[i] for i in keep], [labels[i] for i in keep]).save(path)
        out["langid trained at 200KB, 2 epochs"] = _array_digest(modelfile.load(path)[1])
        PosTagger(memory_budget="300KB", epochs=2, seed=3).fit(
            [s.forms for s in sentences[:1500]], [s.tags for s in sentences[:1500]],
            [s.forms for s in sentences[1500:]], [s.tags for s in sentences[1500:]]).save(path)
        out["pos trained at 300KB, 2 epochs"] = _array_digest(modelfile.load(path)[1])
    return out


def _array_digest(arrays: dict) -> str:
    return digest(*(name.encode() + array.tobytes() for name, array in sorted(arrays.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-training", action="store_true",
                        help="skip the two small training runs (about a minute)")
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # BLAS sums in one order: the digests do not move
    results = {**langid_digests(), **pos_digests()}
    if not args.no_training:
        results.update(training_digests())
    for name, value in results.items():
        print(f"{value}  {name}")


if __name__ == "__main__":
    main()
