"""Signals and dying workers during `smallnlp langid --jobs`: every run ends
with every line answered once, in order, or with a non-zero exit and no
output file that looks complete; no worker outlives it, nothing hangs.

These run the command as a user would (a subprocess with its own process
group), on a large input so that the signal lands mid-run."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if not sys.platform.startswith("linux"):
    pytest.skip("reads worker processes from /proc", allow_module_level=True)

LINES = 400_000


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("input") / "big.txt"
    words = ["Das", "ist", "ein", "kleiner", "Test", "the", "weather", "is", "lovely", "today",
             "quelle", "eau", "kakitona", "rutoki"]
    rng = random.Random(0)
    path.write_text("".join(" ".join(rng.choices(words, k=8)) + "\n" for _ in range(LINES)),
                    encoding="utf-8")
    return path


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(big_input: Path, output: Path, jobs: int = 2) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "smallnlp", "langid", "--input", str(big_input), "--output",
         str(output), "--jobs", str(jobs), "--batch-size", "500"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _workers(process: subprocess.Popen, count: int = 2, timeout: float = 60) -> set[int]:
    """The worker processes, once ``count`` are running."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        if len(workers) >= count:
            return workers
        time.sleep(0.05)
    raise AssertionError("the workers did not start")


def _finish(process: subprocess.Popen, workers: set[int], output: Path) -> tuple[int, str]:
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        raise AssertionError("the command hung after the signal") from None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "a worker outlived the command"
    leftovers = list(output.parent.glob(f".{output.name}.*.tmp"))  # files.replaced_on_success
    assert not leftovers, f"temporary output left behind: {leftovers}"
    return process.returncode, err.decode("utf-8", "replace")


def _complete(output: Path, big_input: Path) -> bool:
    """Every input line answered once, in order."""
    if not output.exists():
        return False
    answers = output.read_text(encoding="utf-8").splitlines()
    texts = big_input.read_text(encoding="utf-8").splitlines()
    return len(answers) == len(texts) and all(
        a.split("\t", 2)[2] == t for a, t in zip(answers, texts))


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_command_stops_it_and_its_workers(tmp_path, big_input, signum, code):
    output = tmp_path / "out.tsv"
    process = _start(big_input, output)
    workers = _workers(process)
    time.sleep(0.5)
    process.send_signal(signum)
    returncode, err = _finish(process, workers, output)
    if returncode == 0:  # it had finished: then it must be complete
        assert _complete(output, big_input)
    else:
        assert returncode == code, err
        assert not output.exists()
        assert "Traceback" not in err, err


def test_ctrl_c_at_random_moments_never_hangs_nor_orphans(tmp_path, big_input):
    """Ctrl-C in a terminal reaches the whole process group, workers too."""
    rng = random.Random(1)
    for attempt in range(8):
        output = tmp_path / f"out{attempt}.tsv"
        process = _start(big_input, output)
        workers = _workers(process)
        time.sleep(rng.uniform(0, 1.5))
        os.killpg(process.pid, signal.SIGINT)
        returncode, err = _finish(process, workers, output)
        assert returncode in (0, 130), err
        assert (returncode == 0) == output.exists()
        if returncode == 0:
            assert _complete(output, big_input)
        assert "Traceback" not in err, err


def test_a_killed_worker_fails_the_run_without_output(tmp_path, big_input):
    output = tmp_path / "out.tsv"
    process = _start(big_input, output)
    workers = _workers(process)
    time.sleep(0.3)
    os.kill(min(workers), signal.SIGKILL)
    returncode, err = _finish(process, workers, output)
    if returncode == 0:
        assert _complete(output, big_input)
    else:
        assert returncode == 1, err
        assert not output.exists()
        assert "Traceback" not in err, err
