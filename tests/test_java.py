"""The JVM binding (runtime/java): its checks on a desktop JDK (8 threads
sharing a model, close twice, bad model files, bad input), the same labels as
Python on dev lines, and the README's example. Skipped, saying why, without a
C compiler or a JDK."""
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO, app_example, shipped_langid_answers

JAVA = REPO / "runtime" / "java"


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    if not (shutil.which("javac") and shutil.which("java") and shutil.which("cc")):
        pytest.skip("no JDK (javac, java) or C compiler here (Debian: default-jdk-headless)")
    folder = tmp_path_factory.mktemp("java")
    result = subprocess.run(["make", "-C", str(JAVA), "all", f"BUILD={folder}"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def _java(build: Path, *arguments: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(["java", "-Xcheck:jni", f"-Djava.library.path={build}", "-cp",
                           str(build / "classes"), *arguments], capture_output=True,
                          text=True, encoding="utf-8", timeout=600, **options)


def test_the_binding_passes_its_checks(build, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("Das ist ein kleiner Test\nЭто тест\n\nこれはテストです\n" * 50,
                     encoding="utf-8")
    result = _java(build, "org.smallnlp.BindingTest", str(REPO / "models"), str(texts))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all 8 JVM binding checks passed" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr  # -Xcheck:jni found nothing


def test_java_answers_as_python_on_dev_lines(build, binding_dev_lines):
    result = _java(build, "org.smallnlp.IdentifyLines", str(REPO / "models" / "langid.snlp"),
                   input="\n".join(binding_dev_lines) + "\n")
    assert result.returncode == 0, result.stderr
    java = [line.split("\t") for line in result.stdout.splitlines()]
    python = shipped_langid_answers(binding_dev_lines)
    assert [label for label, _ in java] == [label for label, _ in python]
    assert all(abs(float(p) - q) < 1e-6 for (_, p), (_, q) in zip(java, python))


def test_the_readme_example_prints_the_language(build, tmp_path):
    (tmp_path / "Example.java").write_text(app_example("java"), encoding="utf-8")
    subprocess.run(["javac", "-cp", str(build / "classes"), "-d", str(tmp_path),
                    str(tmp_path / "Example.java")], check=True)
    result = subprocess.run(["java", f"-Djava.library.path={build}", "-cp",
                             f"{build / 'classes'}:{tmp_path}", "Example"], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "de\n"
