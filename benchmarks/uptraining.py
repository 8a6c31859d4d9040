"""Does uptraining pay for a treebank? On its dev split only: a teacher of
several members (``--teacher-budget``, 3 MB: three) trained on the treebank,
the language's language-ID lines that are no sentence of the treebank
(``smallnlp.silver``) tagged by it, then 1 MB students with and without those
silver sentences, for each seed. Prints the dev accuracies as a markdown row.

    python benchmarks/uptraining.py Turkish-IMST --seeds 0 1
    python benchmarks/uptraining.py Portuguese-Bosque --teachers /tmp/teachers

Settings are those of ``configs/pos_models.toml``'s shipped models (the
default config); test splits are never read, except to leave their
sentences out of the silver data.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import REPO, one_blas_thread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("treebank")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--teacher-budget", default="3MB")
    parser.add_argument("--teachers", type=Path, default=Path("/tmp/smallnlp-teachers"),
                        help="where the teacher is kept (and reused when it is there)")
    args = parser.parse_args()
    one_blas_thread()
    import numpy as np

    from smallnlp.config import load_toml
    from smallnlp.datasets import read_conllu
    from smallnlp.pos import PosTagger
    from smallnlp.silver import held_out_keys, tag_unlabeled

    code = load_toml(REPO / "configs" / "pos_models.toml")[0]["treebanks"][args.treebank]["code"]
    folder = args.data / "ud" / args.treebank
    train, dev = read_conllu(folder / "train.conllu"), read_conllu(folder / "dev.conllu")
    forms, tags = [s.forms for s in train], [s.tags for s in train]
    dev_forms, dev_tags = [s.forms for s in dev], [s.tags for s in dev]
    gold = np.array([t for sentence in dev_tags for t in sentence])

    def accuracy(tagger: PosTagger) -> str:
        predicted = np.array([t for sentence in tagger.tag_batch(dev_forms) for t in sentence])
        return f"{100 * np.mean(predicted == gold):.2f}"

    teacher_path = args.teachers / f"teacher-{code}-{args.teacher_budget}.snlp"
    if not teacher_path.exists():
        start = time.perf_counter()
        args.teachers.mkdir(parents=True, exist_ok=True)
        PosTagger(memory_budget=args.teacher_budget).fit(forms, tags, dev_forms,
                                                         dev_tags).save(teacher_path)
        print(f"teacher trained in {time.perf_counter() - start:.0f} s", flush=True)
    teacher = PosTagger.load(teacher_path)
    held_out = held_out_keys(dev + read_conllu(folder / "test.conllu"))
    silver = tag_unlabeled(teacher, [args.data / "langid" / part / f"{code}.txt"
                                     for part in ("train", "dev")],
                           held_out, held_out_keys(train), teacher_path)
    print(f"teacher ({len(teacher.networks_)} members) dev {accuracy(teacher)}; silver "
          f"{silver.record['sentences']:,} sentences, {silver.record['tokens']:,} tokens; left "
          f"out {silver.record['left_out']}", flush=True)
    rows = {"gold": [], "gold + silver": []}
    for seed in args.seeds:
        for name, (x, y) in (("gold", (forms, tags)),
                             ("gold + silver", (forms + silver.sentences, tags + silver.tags))):
            rows[name].append(accuracy(PosTagger(memory_budget="1MB", seed=seed).fit(
                x, y, dev_forms, dev_tags)))
            print(f"{name}, seed {seed}: {rows[name][-1]}", flush=True)
    print(f"| {args.treebank} | {accuracy(teacher)} | {silver.record['sentences']:,} / "
          f"{silver.record['tokens']:,} | {' / '.join(rows['gold'])} "
          f"| {' / '.join(rows['gold + silver'])} |")


if __name__ == "__main__":
    main()
