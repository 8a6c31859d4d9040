"""--jobs: batches in worker processes give the one-process output, in order,
with a bounded number of batches in flight; failures surface as errors."""

import os
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from smallnlp.cli import main
from smallnlp.parallel import ordered_map, resolve_jobs

from .conftest import separate_streams

REPO = Path(__file__).resolve().parents[1]
TINY_POS = REPO / "runtime" / "c" / "tests" / "golden" / "tiny-pos.snlp"


def _slow_square(settings, batch):
    time.sleep(settings * (batch % 3))  # later batches often finish first
    return batch * batch


def _fail_on_three(settings, batch):
    if batch == 3:
        raise ValueError("batch 3 is bad")
    return batch


def _die_on_three(settings, batch):
    if batch == 3:
        os._exit(7)  # a worker killed mid-run, as by the OOM killer
    return batch


def test_results_come_in_input_order():
    assert list(ordered_map(_slow_square, 0.01, range(20), 2)) == [i * i for i in range(20)]
    assert list(ordered_map(_slow_square, 0.0, range(5), 1)) == [0, 1, 4, 9, 16]


def test_only_a_few_batches_are_in_flight():
    pulled = []

    def batches():
        for i in range(100):
            pulled.append(i)
            yield i

    results = ordered_map(_slow_square, 0.0, batches(), 2)
    assert next(results) == 0
    assert len(pulled) <= 2 + 1  # a batch per worker and the next: not the whole input
    assert list(results) == [i * i for i in range(1, 100)]


def test_a_failing_or_dying_worker_is_an_error():
    with pytest.raises(ValueError, match="batch 3 is bad"):
        list(ordered_map(_fail_on_three, None, range(10), 2))
    seen = []
    with pytest.raises(BrokenProcessPool):
        for result in ordered_map(_die_on_three, None, range(10), 2):
            seen.append(result)
    assert seen == list(range(len(seen))) and len(seen) < 10  # in order, never complete


def test_jobs_zero_means_every_core():
    assert resolve_jobs(0) >= 1 and resolve_jobs(3) == 3
    with pytest.raises(ValueError):
        resolve_jobs(-1)


# Lines of every sort the reader must keep apart: empty, CRLF, invalid UTF-8,
# non-Latin, and a last line without a newline.
LINES = b"\n".join([b"kakiko tonaru", b"", b"hello there\r", b"\xff\xfe broken",
                    "Привет мир".encode(), b"123", "日本語のテキスト".encode()] * 30
                   + [b"last line"])


def _output(arguments: list[str], stdin: bytes) -> str:
    """The command's output, its input on stdin (no progress bar: not a file);
    its one warning, for the invalid UTF-8, is on stderr."""
    result = separate_streams().invoke(main, arguments, input=stdin)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("<stdin>:4: not utf-8 text") == (stdin == LINES), result.stderr
    return result.stdout


def test_langid_jobs_give_the_one_process_output():
    base = ["langid", "--top-k", "2"]
    one = _output(base, LINES)
    assert len(one.splitlines()) == 7 * 30 + 1
    assert _output(base + ["--jobs", "2", "--batch-size", "7"], LINES) == one
    assert _output(base + ["--jobs", "0", "--batch-size", "50", "--format", "json"], LINES) == \
        _output(base + ["--format", "json"], LINES)


def test_pos_jobs_give_the_one_process_output():
    base = ["pos", "--model", str(TINY_POS)]
    assert _output(base + ["--jobs", "2", "--batch-size", "5"], LINES) == _output(base, LINES)
    conllu = "".join(f"# sent_id = {i}\n1\tka\t_\t_\t_\t_\t_\t_\t_\t_\n"
                     f"2\tki{i}\t_\t_\t_\t_\t_\t_\t_\t_\n\n" for i in range(40)).encode()
    base = ["pos", "--model", str(TINY_POS), "--format", "conllu"]
    assert _output(base + ["--jobs", "2", "--batch-size", "3"], conllu) == _output(base, conllu)
