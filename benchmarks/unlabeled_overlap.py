"""How much unlabeled text each shipped tagger's language has in ../shared/data
that is not already one of its treebank's sentences: the language-ID lines
(train and dev) of the language, matched against the ``# text`` lines of the
treebank's train, dev and test splits (or the sentence's words joined where it
has none), all white space removed: ``smallnlp.silver``'s comparison, the one
``smallnlp train pos --unlabeled`` leaves such lines out by. Lines equal to
a test or dev sentence must not be used to train that treebank's tagger, and
lines equal to a train sentence teach it nothing new.

    python benchmarks/unlabeled_overlap.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    from smallnlp.config import load_toml
    from smallnlp.datasets import read_conllu
    from smallnlp.silver import held_out_keys, sentence_key

    treebanks = load_toml(REPO / "configs" / "pos_models.toml")[0]["treebanks"]
    print("| treebank | language-ID lines | in its test | in its dev | in its train | new lines "
          "| their words (split at spaces) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, entry in treebanks.items():
        splits = {split: held_out_keys(read_conllu(args.data / "ud" / name / f"{split}.conllu"))
                  for split in ("test", "dev", "train")}
        lines = [line for part in ("train", "dev")
                 for line in (args.data / "langid" / part / f"{entry['code']}.txt").read_text(
                     encoding="utf-8").splitlines() if line.strip()]
        keys = [sentence_key(line) for line in lines]
        found = {split: sum(key in texts for key in keys) for split, texts in splits.items()}
        new = [line for line, key in zip(lines, keys)
               if not any(key in texts for texts in splits.values())]
        print(f"| {name} | {len(lines):,} | {found['test']:,} | {found['dev']:,} "
              f"| {found['train']:,} | {len(new):,} | {sum(len(x.split()) for x in new):,} |")


if __name__ == "__main__":
    main()
