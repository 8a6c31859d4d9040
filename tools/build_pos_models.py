"""Build the shipped POS models: every treebank of configs/pos_models.toml
trained by ``smallnlp train pos`` into models/pos-<code>.snlp (measure them
with ``python benchmarks/pos_shipped.py``).

    python tools/build_pos_models.py                # every model
    python tools/build_pos_models.py --jobs 2       # the same models, two at a time
    python tools/build_pos_models.py --only en      # one model

A treebank with ``train_on = "dev"`` has no train split in ../shared/data:
its model trains on the dev split's first 90% of sentences and stops early on
the rest (its test split still scores it).

A model with a word lexicon (``lexicon = true``) needs spacy-lookups-data
installed (``pip install smallnlp[lexicon]``). A model with ``unlabeled``
text is uptrained: a teacher of ``--teacher-budget`` (several members) is
trained first by the same command, tags that text (without the sentences of
the treebank's splits: ``smallnlp train pos --held-out``), and the model
trains on the treebank plus those silver sentences. The teacher is kept in
``--teachers`` (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def lexicon_source() -> str:
    """spacy-lookups-data's data folder (the word lexicon's source)."""
    try:
        import importlib.resources

        return str(importlib.resources.files("spacy_lookups_data") / "data")
    except ModuleNotFoundError:
        sys.exit("a model with a word lexicon needs spacy-lookups-data: "
                 "pip install smallnlp[lexicon]")


# A treebank with `train_on = "dev"` (no train split in ../shared/data) trains
# on its dev split's first sentences and stops early on the rest.
DEV_TRAINING_SHARE = 0.9


def write_dev_split(dev: Path, folder: Path) -> tuple[Path, Path]:
    """A dev split's CoNLL-U cut in two files of ``folder``: train.conllu, the
    first DEV_TRAINING_SHARE of its sentences, and stop.conllu, the rest (for
    early stopping)."""
    sentences = [block for block in dev.read_text(encoding="utf-8").split("\n\n")
                 if block.strip()]
    cut = int(len(sentences) * DEV_TRAINING_SHARE)
    folder.mkdir(parents=True, exist_ok=True)
    train, stop = folder / "train.conllu", folder / "stop.conllu"
    train.write_text("\n\n".join(sentences[:cut]) + "\n\n", encoding="utf-8")
    stop.write_text("\n\n".join(sentences[cut:]) + "\n\n", encoding="utf-8")
    return train, stop


def train(name: str, entry: dict, args: argparse.Namespace) -> None:
    """Train treebank ``name``'s model (``entry``: its pos_models.toml table)."""
    folder = args.data / name
    start = time.perf_counter()
    train_file, dev_file = folder / "train.conllu", folder / "dev.conllu"
    if entry.get("train_on") == "dev":
        # In a folder named as the treebank, the name its licence is recorded under.
        train_file, dev_file = write_dev_split(folder / "dev.conllu", args.scratch / name)
    command = [sys.executable, "-m", "smallnlp.cli", "train", "pos",
               "--train", str(train_file), "--licence", entry["licence"],
               "--dev", str(dev_file)]
    for extra, licence in zip(entry.get("extra_train", []), entry.get("extra_licences", [])):
        command += ["--train", str(args.data / extra), "--licence", licence]
    if "config" in entry:
        command += ["--config", entry["config"]]
    if "hidden" in entry:
        command += ["--hidden", str(entry["hidden"])]
    if entry.get("lexicon"):
        command += ["--lexicon", lexicon_source()]
    if entry.get("tag_dictionary") == "cased":
        command += ["--cased-tag-dictionary"]
    elif entry.get("tag_dictionary"):
        command += ["--tag-dictionary"]
    uptraining = []
    if entry.get("unlabeled"):
        teacher = args.teachers / f"teacher-{entry['code']}.snlp"
        _run(name, command + ["--memory-budget", args.teacher_budget, "--output", str(teacher)])
        uptraining = ["--teacher", str(teacher), "--held-out", str(folder / "test.conllu"),
                      "--unlabeled-licence", entry["unlabeled_licence"]]
        for text in entry["unlabeled"]:
            uptraining += ["--unlabeled", str(args.data.parent / text)]
    # Several networks averaged in the model's budget (not its teacher's).
    members = ["--members", str(entry["members"])] if "members" in entry else []
    _run(name, command + uptraining + members + [
        "--memory-budget", args.memory_budget,
        "--output", str(args.models / f"pos-{entry['code']}.snlp")])
    print(f"{name}: trained in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)


def _run(name: str, command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:  # progress bars are not shown, but a failure's output is
        sys.exit(f"{name}: training failed:\n{result.stdout}{result.stderr}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "ud")
    parser.add_argument("--models", type=Path, default=REPO / "models")
    parser.add_argument("--memory-budget", default="1MB")
    parser.add_argument("--teacher-budget", default="3MB",
                        help="the budget of an uptrained model's teacher")
    parser.add_argument("--teachers", type=Path,
                        help="where the teachers are written (default: a temporary folder)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="models trained at a time (each training is deterministic, so "
                        "this changes no model)")
    parser.add_argument("--only", nargs="+", metavar="CODE",
                        help="only these models (language codes)")
    args = parser.parse_args()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"  # one BLAS thread per training (--jobs runs several)
    from smallnlp.config import load_toml

    treebanks = load_toml(REPO / "configs" / "pos_models.toml")[0]["treebanks"]
    if args.only:
        treebanks = {k: v for k, v in treebanks.items() if v["code"] in args.only}
    with tempfile.TemporaryDirectory() as folder:
        args.scratch = Path(folder)
        args.teachers = args.teachers or Path(folder)
        args.teachers.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda item: train(*item, args), treebanks.items()))


if __name__ == "__main__":
    main()
