"""The C runtime's loader (runtime/c): its golden files agree with the Python
reader, and its own tests pass, also under AddressSanitizer and UBSan."""

import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[1] / "runtime" / "c"


def _golden_module():
    spec = importlib.util.spec_from_file_location("make_golden",
                                                  RUNTIME / "tests" / "make_golden.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["tiny-langid", "tiny-pos"])
def test_golden_expectations_are_what_python_reads(name):
    golden = _golden_module()
    model = RUNTIME / "tests" / "golden" / f"{name}.snlp"
    assert golden.expected(model) == model.with_suffix(".expected").read_text(encoding="utf-8")


def _toolchain() -> None:
    if not (shutil.which("make") and shutil.which("cc")):
        pytest.skip("no C toolchain (make and cc) on this machine")


def _make(target: str, build: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-C", str(RUNTIME), target, f"BUILD={build}"],
                          capture_output=True, text=True, timeout=600)


def test_c_runtime_builds_warning_free_and_passes_its_tests(tmp_path):
    _toolchain()
    result = _make("test", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all C runtime checks passed" in result.stdout
    assert (tmp_path / "libsmallnlp.a").exists()


def test_c_runtime_tests_pass_under_sanitizers(tmp_path):
    _toolchain()
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    if subprocess.run(["cc", "-fsanitize=address,undefined", str(probe), "-o",
                       str(tmp_path / "probe")], capture_output=True).returncode:
        pytest.skip("this compiler cannot build with -fsanitize=address,undefined")
    result = _make("test-asan", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all C runtime checks passed" in result.stdout
