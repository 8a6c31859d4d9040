"""A corpus on one machine: ``smallnlp langid --jobs N`` on the same file of
dev lines repeated (default 500,000 lines), at 1 and 2 processes, against
two independent processes each given half the file (the machine's own
ceiling for two) and a plain ``predict_batch`` loop in one process; then
``smallnlp pos --jobs N`` on EWT train sentences repeated (default 60,000
lines). Each command's time includes starting Python; best of three.

    python benchmarks/corpus_jobs.py [--lines 500000] [--sentences 60000]
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from pathlib import Path

from common import DATA, best_of, machine, one_blas_thread

COMMAND = [sys.executable, "-m", "smallnlp.cli", "langid"]


def write_corpus(path: Path, lines: int) -> None:
    from smallnlp.datasets import read_labelled_dir

    texts, _ = read_labelled_dir(DATA / "langid" / "dev")
    texts = [t for t in texts if "\n" not in t and "\r" not in t]
    path.write_text("\n".join(itertools.islice(itertools.cycle(texts), lines)) + "\n",
                    encoding="utf-8")


def run(*commands: list[str]) -> None:
    """Run commands at once, output discarded; an error is fatal."""
    running = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for c in commands]
    for process in running:
        if process.wait():
            raise SystemExit(f"failed: {' '.join(process.args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--sentences", type=int, default=60_000)
    args = parser.parse_args()
    one_blas_thread()
    with tempfile.TemporaryDirectory() as folder:
        corpus, first, second = (Path(folder) / name for name in ("all", "first", "second"))
        write_corpus(corpus, args.lines)
        lines = corpus.read_bytes().splitlines(keepends=True)
        first.write_bytes(b"".join(lines[:len(lines) // 2]))
        second.write_bytes(b"".join(lines[len(lines) // 2:]))
        rows = [(f"--jobs {jobs}", best_of(lambda jobs=jobs: run(
            COMMAND + ["--input", str(corpus), "--jobs", str(jobs)]))) for jobs in (1, 2)]
        rows.append(("two independent processes, half the file each", best_of(lambda: run(
            COMMAND + ["--input", str(first)], COMMAND + ["--input", str(second)]))))
        from smallnlp import LanguageIdentifier
        from smallnlp.datasets import read_conllu

        texts = corpus.read_text(encoding="utf-8").splitlines()
        model = LanguageIdentifier.load()
        loop = best_of(lambda: [model.predict_batch(texts[i:i + 1000])
                                for i in range(0, len(texts), 1000)])
        sentences = Path(folder) / "sentences"
        train = [" ".join(s.forms) for s in read_conllu(DATA / "ud" / "English-EWT" /
                                                        "train.conllu")]
        sentences.write_text("\n".join(itertools.islice(itertools.cycle(train),
                                                        args.sentences)) + "\n")
        pos_rows = [(jobs, best_of(lambda jobs=jobs: run(
            [sys.executable, "-m", "smallnlp.cli", "pos", "--input", str(sentences), "--jobs",
             str(jobs)]))) for jobs in (1, 2)]
    print(f"{args.lines:,} dev lines (repeated); {machine()}; backend {model.backend}\n")
    print("| run | seconds | texts/s | speed-up over --jobs 1 |")
    print("|---|---:|---:|---:|")
    for name, seconds in rows:
        print(f"| smallnlp langid {name} | {seconds:.2f} | {args.lines / seconds:,.0f} | "
              f"{rows[0][1] / seconds:.2f}× |")
    print(f"| predict_batch loop in one process (no start, no output) | {loop:.2f} | "
          f"{args.lines / loop:,.0f} | {rows[0][1] / loop:.2f}× |")
    print(f"\n{args.sentences:,} EWT train sentences (repeated), smallnlp pos\n")
    print("| run | seconds | sentences/s | speed-up over --jobs 1 |")
    print("|---|---:|---:|---:|")
    for jobs, seconds in pos_rows:
        print(f"| smallnlp pos --jobs {jobs} | {seconds:.2f} | {args.sentences / seconds:,.0f} | "
              f"{pos_rows[0][1] / seconds:.2f}× |")


if __name__ == "__main__":
    main()
