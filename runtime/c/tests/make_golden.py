"""The golden files the C tests check the runtime against, made by the Python
package (the reference).

    python runtime/c/tests/make_golden.py          # trains the tiny models, writes them all
    python runtime/c/tests/make_golden.py --check  # rewrites nothing; exit 1 if an
                                                   # .expected file differs from the models
                                                   # by more than the tolerances below

The models are trained on synthetic text (no real data is committed). Each
``<name>.expected`` lists what a reader must find in ``<name>.snlp``: the
metadata the runtime uses, a few decoded embedding rows, MurmurHash3 values of
a few byte strings and, for the language identifier, a few texts with their
feature ids, weights and logits.

Numbers are compared with a tolerance (``mismatches``), since machines differ
in the last bits of some of them:

- embedding rows and feature weights come from elementwise float32 arithmetic,
  correctly rounded on every IEEE machine: equal within 1 float32 ULP (they are
  written with 9 significant digits, which round-trips a float32);
- logits are float64 products of float32 pooled sums. BLAS builds order the
  float64 sums differently (numpy 2.4.6 changed the last of 17 digits on one
  machine), and a numpy version may order the float32 pooling sums otherwise,
  which moves an input by a few float32 ULPs: within ``LOGIT_TOLERANCE`` of
  ``1 + |logit|``, the tolerance the C tests allow the C network too.

Everything else (ids, counts, tags, hashes, metadata) must be equal. The
smallest change an 8-bit weight can take, one code up or down, moves a logit
by far more than the tolerance (tests/test_runtime_c.py shows it is caught).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
LOGIT_TOLERANCE = 1e-5
HASHED = [b"", b"a", b"ab", b"abc", b"abcd", b"^hello$", "^żółw$".encode(), b"\xff" * 9]
# Texts whose features (ids and weights per group) and logits the langid golden
# file lists: the C network must turn the features into the same logits.
TEXTS = ["kakitona rutoki", "Schein bericht", "quelle eau", "кона стов", "x", "",
         "Ｋａｋｉ ｔｏｎａ ２０２６", "ka sch ou ко"]


def train_models() -> None:
    sys.path.insert(0, str(HERE.parents[2]))
    from smallnlp import LanguageIdentifier, PosTagger
    from smallnlp.datasets import read_conllu
    from tests.conftest import TINY_CONFIG, TINY_POS_CONFIG, synthetic_corpus, synthetic_treebank

    texts, labels = synthetic_corpus(40)
    LanguageIdentifier(memory_budget="40KB", config=TINY_CONFIG, epochs=2).fit(
        texts, labels, texts[::5], labels[::5]).save(GOLDEN / "tiny-langid.snlp")
    train_int8_langid(TINY_CONFIG, texts, labels)
    treebank = GOLDEN / "treebank.conllu"
    treebank.write_text(synthetic_treebank(40), encoding="utf-8")
    sentences = read_conllu(treebank)
    treebank.unlink()
    # With a word lexicon (cluster and case_ratio groups), from a made-up source.
    from tests.test_lexicon import write_source

    groups = TINY_POS_CONFIG["features"]["groups"]
    config = {**TINY_POS_CONFIG, "features": {
        **TINY_POS_CONFIG["features"], "known_word_bits": 256, "lexicon_words": 12,
        "groups": groups[:-2] + [{"name": "cluster", "kind": "cluster"},
                                 {"name": "cluster-1", "kind": "cluster", "offset": -1},
                                 {"name": "case", "kind": "case_ratio", "dims": 4}]
        + groups[-2:]}}
    with tempfile.TemporaryDirectory() as folder:
        source = write_source(Path(folder))
        PosTagger("80KB", config=config, epochs=1, lexicon=source).fit(
            [s.forms for s in sentences], [s.tags for s in sentences]).save(
            GOLDEN / "tiny-pos.snlp")
    # Several members (networks whose tag probabilities are averaged), and a tag dictionary.
    PosTagger("150KB", config=TINY_POS_CONFIG, epochs=1, members=3, tag_dictionary=True).fit(
        [s.forms for s in sentences], [s.tags for s in sentences]).save(
        GOLDEN / "tiny-pos-members.snlp")
    # A tag dictionary whose words are keyed as written (the C runtime frames them itself).
    PosTagger("80KB", config=TINY_POS_CONFIG, epochs=1, tag_dictionary="cased").fit(
        [s.forms for s in sentences], [s.tags for s in sentences]).save(
        GOLDEN / "tiny-pos-cased.snlp")
    # tag_class groups, from a tag dictionary kept for them alone: decoding leaves
    # every tag open.
    classes = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"], "groups": groups[
        :-2] + [{"name": "class-1", "kind": "tag_class", "offset": -1, "seed": 4},
                {"name": "class0", "kind": "tag_class", "seed": 4, "dims": 4}] + groups[-2:]}}
    PosTagger("150KB", config=classes, epochs=1).fit(
        [s.forms for s in sentences], [s.tags for s in sentences]).save(
        GOLDEN / "tiny-pos-classes.snlp")
    # Hangul framed as jamo, with a cased dictionary (keyed as jamo too).
    jamo = {**TINY_POS_CONFIG, "features": {**TINY_POS_CONFIG["features"], "hangul_jamo": True}}
    PosTagger("80KB", config=jamo, epochs=1, tag_dictionary="cased").fit(
        [s.forms + ["가까운"] for s in sentences], [s.tags + ["ADJ"] for s in sentences]).save(
        GOLDEN / "tiny-pos-jamo.snlp")


def train_int8_langid(config: dict, texts: list[str], labels: list[str]) -> None:
    """The tiny language identifier with 8-bit dense layers (format version 3)."""
    from smallnlp import LanguageIdentifier

    int8 = {**config, "features": {**config["features"], "dense": "int8"}}
    LanguageIdentifier(memory_budget="40KB", config=int8, epochs=2).fit(
        texts, labels, texts[::5], labels[::5]).save(GOLDEN / "tiny-langid-int8.snlp")


def expected(path: Path) -> str:
    """What a reader must find in the model file at ``path``."""
    from smallnlp import modelfile

    metadata, arrays, *_ = modelfile.load(path)
    lines = [f"task {metadata['task']}",
             f"featurizer {metadata['featurizer']['version']}",
             f"hidden {metadata['hidden']}",
             f"max_chars {metadata['features'].get('max_chars', 0)}",
             f"temperature {(metadata.get('calibration') or {}).get('temperature', 1.0)!r}",
             f"labels {len(metadata['labels'])}",
             f"members {metadata.get('members', 1)}"]
    lines += [f"label {i} {label}" for i, label in enumerate(metadata["labels"])]
    for i, g in enumerate(metadata["features"]["groups"]):
        lines.append(f"group {i} {g['name']} {g['kind']} {g['buckets']} {g['dims']} "
                     f"{g['order']} {g['seed']} {g['offset']}")
        for row in sorted({0, g["buckets"] // 2, g["buckets"] - 1}):
            lines.append(f"row {i} {row} {_decoded_row(arrays, 0, i, row)}")
    for member in range(1, metadata.get("members", 1)):  # their first group's rows
        for row in sorted({0, metadata["features"]["groups"][0]["buckets"] - 1}):
            lines.append(f"member_row {member} 0 {row} {_decoded_row(arrays, member, 0, row)}")
    if metadata["task"] == "langid":
        lines += _features_and_logits(path)
    else:
        lines += _sentences_and_tags(path)
    import mmh3

    for seed in (0, 1, 4294967295):
        for data in HASHED:
            lines.append(f"hash {seed} {data.hex() or '-'} {mmh3.hash(data, seed, signed=False)}")
    return "\n".join(lines) + "\n"


def _decoded_row(arrays: dict, member: int, group: int, row: int) -> str:
    """Row ``row`` of a member's table of ``group``, decoded in float32 as the
    format says, as the text a reader compares with."""
    from smallnlp.fileformat import embedding_arrays

    codes, offset, scale = (arrays[name] for name in embedding_arrays(group, member))
    values = (offset[row].astype(np.float32)
              + codes[row].astype(np.float32) * scale[row].astype(np.float32))
    return " ".join(f"{v:.9g}" for v in values)


def _features_and_logits(path: Path) -> list[str]:
    from smallnlp import LanguageIdentifier

    model = LanguageIdentifier.load(path)
    groups = model.featurizer_.transform(TEXTS, merge_repeats=False)
    logits = model.network_.exact_logits(groups)
    lines = []
    for t in range(len(TEXTS)):
        for g, group in enumerate(groups):
            a, b = group.indptr[t], group.indptr[t + 1]
            pairs = " ".join(f"{i}:{w:.9g}" for i, w in zip(group.ids[a:b], group.weights[a:b]))
            lines.append(f"features {t} {g} {b - a} {pairs}".rstrip())
        lines.append(f"logits {t} " + " ".join(f"{v:.17g}" for v in logits[t]))
        lines.append(f"text {t} {TEXTS[t].encode().hex() or '-'}")
    return lines


# Sentences whose tags the pos golden file lists (tab-joined tokens).
SENTENCES = [["the", "cat", "sees", "a", "dog", "."], ["Ｔｈｅ", "ＣＡＴ", "1984", "^$"],
             [], ["a"], ["on", "the", "mat", "the", "cat", "sat", ".", "."],
             ["가까운", "스타벅스가", "Ｃａｔ가12", "ᄀ", "ㄱ"]]


def _sentences_and_tags(path: Path) -> list[str]:
    from smallnlp.pos import PosTagger

    tagger = PosTagger.load(path, backend="numpy")
    lines = []
    for i, (sentence, tags) in enumerate(zip(SENTENCES, tagger.tag_batch(SENTENCES))):
        joined = "\t".join(sentence).encode().hex() or "-"
        lines.append(f"sentence {i} {joined}")
        lines.append(f"tags {i} {len(tags)} " + " ".join(str(tagger.labels.index(t))
                                                         for t in tags))
    return [line.rstrip() for line in lines]


def _same_float32(a: str, b: str) -> bool:
    x, y = np.float32(a), np.float32(b)
    return bool(abs(x - y) <= np.spacing(max(abs(x), abs(y))))


def _same_token(kind: str, a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        if kind == "row":
            return _same_float32(a, b)
        if kind == "features" and ":" in a and ":" in b:
            (id_a, weight_a), (id_b, weight_b) = a.split(":"), b.split(":")
            return id_a == id_b and _same_float32(weight_a, weight_b)
        if kind == "logits":
            return abs(float(a) - float(b)) <= LOGIT_TOLERANCE * (1 + abs(float(b)))
    except ValueError:  # not numbers: they had to be equal
        return False
    return False


def mismatches(expected_text: str, actual_text: str) -> list[str]:
    """The lines where ``actual_text`` differs from ``expected_text`` by more
    than the tolerances of the module docstring, as readable messages."""
    expected_lines, actual_lines = expected_text.splitlines(), actual_text.splitlines()
    if len(expected_lines) != len(actual_lines):
        return [f"{len(actual_lines)} lines, expected {len(expected_lines)}"]
    found = []
    for number, (want, got) in enumerate(zip(expected_lines, actual_lines), 1):
        want_tokens, got_tokens = want.split(), got.split()
        kind = want_tokens[0] if want_tokens else ""
        # The first two tokens of a row or logits line say where it is: exact.
        exact = 3 if kind == "row" else 2 if kind in ("logits", "features") else 0
        if (len(want_tokens) != len(got_tokens) or want_tokens[:exact] != got_tokens[:exact]
                or not all(_same_token(kind, a, b) for a, b in
                           zip(want_tokens[exact:], got_tokens[exact:]))):
            found.append(f"line {number}: expected {want!r}, got {got!r}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if not args.check:
        GOLDEN.mkdir(exist_ok=True)
        train_models()
    stale = []
    for model in sorted(GOLDEN.glob("*.snlp")):
        target = model.with_suffix(".expected")
        text = expected(model)
        if args.check:
            if not target.exists() or mismatches(target.read_text(encoding="utf-8"), text):
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        sys.exit(f"out of date: {', '.join(stale)} (run {Path(__file__).name})")


if __name__ == "__main__":
    main()
