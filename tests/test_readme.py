"""The README says what the program reports: its generated tables match the
shipped models and the command line, and its C example builds and runs."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .conftest import REPO, app_example


def test_the_generated_tables_are_current():
    result = subprocess.run([sys.executable, str(REPO / "tools" / "readme_figures.py"),
                             "--check"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, ("README.md is stale; run python tools/readme_figures.py\n"
                                    + result.stdout + result.stderr)


def test_the_c_example_prints_the_language(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if compiler is None or shutil.which("make") is None:
        pytest.skip("no C compiler or make (the C runtime's tests need them too)")
    (tmp_path / "example.c").write_text(app_example("c"), encoding="utf-8")
    runtime = REPO / "runtime" / "c"
    subprocess.run(["make", "-C", str(runtime), "build/libsmallnlp.a"], check=True,
                   capture_output=True)
    subprocess.run([compiler, "-std=c11", "-I", str(runtime / "include"),
                    str(tmp_path / "example.c"), str(runtime / "build" / "libsmallnlp.a"),
                    "-lm", "-o", str(tmp_path / "example")], check=True)
    result = subprocess.run([str(tmp_path / "example")], capture_output=True, text=True,
                            cwd=REPO, check=True)
    assert result.stdout == "de\n"


def test_the_python_example_prints_what_it_says():
    result = subprocess.run([sys.executable, "-c", app_example("python")], capture_output=True,
                            text=True, cwd=REPO, check=True)
    assert result.stdout.splitlines() == ["de", "['DET', 'NOUN', 'VERB']"]
