"""Training a demanding user interrupts, or points at paths it cannot write:
Ctrl-C keeps the existing output, and a bad output is refused before any work."""

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from smallnlp.cli import main

from .conftest import synthetic_corpus, write_corpus

# Gibberish generation and training that together last well past the last signal.
SLOW_CONFIG = """
[features]
dims = 8
[[features.groups]]
name = "char2"
kind = "char_ngram"
order = 2
seed = 2
[[features.groups]]
name = "script"
kind = "script"
[training]
epochs = 200
[augment]
gibberish_lines = 150000
"""

@pytest.fixture(scope="module")
def slow_training(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    texts, labels = synthetic_corpus(300)
    write_corpus(root / "train", texts, labels)
    (root / "slow.toml").write_text(SLOW_CONFIG)
    return root


@pytest.mark.parametrize("delay", [0.0, 0.5, 2.0, 5.0])
def test_ctrl_c_stops_training_and_keeps_the_existing_output(slow_training, tmp_path, delay):
    """Signals from the moment training starts (counting features, gibberish, epochs)."""
    output = tmp_path / "model.snlp"
    output.write_bytes(b"the user's previous model")
    process = subprocess.Popen(
        [sys.executable, "-m", "smallnlp.cli", "train", "langid", "--train",
         str(slow_training / "train"), "--config", str(slow_training / "slow.toml"),
         "--memory-budget", "150KB", "--output", str(output)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = process.stderr.readline()  # "training on ... counting their features..."
    assert "counting their features" in started, started
    time.sleep(delay)
    assert process.poll() is None, "training ended before the signal"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert output.read_bytes() == b"the user's previous model"
    assert "no model was written" in stderr and "Traceback" not in stderr
    assert [p.name for p in tmp_path.iterdir()] == ["model.snlp"]  # no temp file left


# Ctrl-C lands while code that exec() runs from a string is running (as when a
# dataclass is defined, during an import): CPython then remembers the
# KeyboardInterrupt as unhandled, even once caught, and `python -m` ends by
# SIGINT (about one run in thirty of the test above in CI's lowest-versions
# environment, before this was fixed).
CTRL_C_IN_EXEC = """
import smallnlp
from smallnlp.cli import main

def fit(*args, **kwargs):
    exec("import os, signal; os.kill(os.getpid(), signal.SIGINT)\\nwhile True: pass")

smallnlp.LanguageIdentifier.fit = fit
main()
"""


def test_ctrl_c_inside_exec_still_exits_130(slow_training, tmp_path):
    (tmp_path / "ctrl_c_in_exec.py").write_text(CTRL_C_IN_EXEC)
    process = subprocess.run(
        [sys.executable, "-m", "ctrl_c_in_exec", "train", "langid", "--train",
         str(slow_training / "train"), "--output", str(tmp_path / "model.snlp")],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert process.returncode == 130, process.stderr
    assert "no model was written" in process.stderr and "Traceback" not in process.stderr


@pytest.mark.parametrize("output, message", [
    ("", "the output path is empty"),
    ("/proc/smallnlp-test.snlp", "cannot write in /proc"),
    ("{tmp}/a-file/model.snlp", "a-file is not a directory"),
])
def test_an_unwritable_output_is_refused_before_reading_data(tmp_path, output, message):
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "garbage.conllu").write_text("not CoNLL-U\n")  # reading it would fail
    result = CliRunner().invoke(main, ["train", "pos", "--train",
                                       str(tmp_path / "garbage.conllu"),
                                       "--output", output.format(tmp=tmp_path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "garbage" not in result.output


def test_the_output_check_leaves_nothing_behind(tmp_path):
    from smallnlp.files import check_writable

    check_writable(tmp_path / "new" / "deeper" / "m.snlp")
    assert list(tmp_path.iterdir()) == []
    assert os.access(tmp_path, os.W_OK)
