"""The small edges of the API and the command line: checked arguments,
languages as one string, python -m smallnlp, the typing marker."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from smallnlp.cli import main


def test_top_k_and_threshold_arguments_are_checked(tiny_model):
    with pytest.raises(ValueError, match="k must be at least 1, not -1"):
        tiny_model.top_k("kata", k=-1)
    with pytest.raises(TypeError, match="k must be an integer, not str"):
        tiny_model.top_k("kata", k="3")
    with pytest.raises(ValueError, match="threshold must be a probability"):
        tiny_model.predict("kata", threshold=float("nan"))


def test_languages_as_one_string(tiny_model, tmp_path):
    from smallnlp import LanguageIdentifier

    path = tmp_path / "m.snlp"
    tiny_model.save(path)
    model = LanguageIdentifier.load(path, languages=" aa, bb")
    assert {p.label for p in model.predict_batch(["kokona", "schein", "ouique"])} <= {"aa", "bb"}
    result = CliRunner().invoke(main, ["langid", "--model", str(path), "--languages",
                                       " aa, bb", "--threshold", "nan", "kata"])
    assert result.exit_code == 2 and "not nan" in result.output


def test_pos_cli_edges(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["pos", "--format", "conllu", "The cat"])
    assert result.exit_code == 2 and "not TEXT arguments" in result.output
    result = runner.invoke(main, ["pos", "--model", "xx", "The cat"])
    assert result.exit_code == 2 and "no shipped model of that name" in result.output
    assert "pos-en" in result.output and "en or English-EWT" in result.output
    (tmp_path / "in.txt").write_text("The cat sat.\n")
    result = runner.invoke(main, ["pos", "--format", "json", "--input",
                                  str(tmp_path / "in.txt")])
    assert result.exit_code == 0, result.output
    import json
    record = json.loads(result.output.splitlines()[-1])
    assert record["tokens"] == ["The", "cat", "sat", "."] and len(record["tags"]) == 4
    result = runner.invoke(main, ["langid", "--input", str(tmp_path / "in.txt"), "Hello"])
    assert result.exit_code == 2 and "not both" in result.output
    result = runner.invoke(main, ["langid", "--input", str(tmp_path / "absent.txt")])
    assert result.exit_code == 2 and "absent.txt' does not exist" in result.output


def test_python_dash_m_smallnlp_and_typing_marker():
    result = subprocess.run([sys.executable, "-m", "smallnlp", "--help"], capture_output=True,
                            text=True, check=True)
    assert "Tiny feed-forward NLP models" in result.stdout
    from pathlib import Path

    import smallnlp
    assert (Path(smallnlp.__file__).parent / "py.typed").exists()
    from smallnlp import LanguageIdentifier, PosTagger
    for method in (LanguageIdentifier.predict, LanguageIdentifier.predict_batch,
                   LanguageIdentifier.top_k, LanguageIdentifier.fit, PosTagger.tag,
                   PosTagger.tag_batch, PosTagger.fit):
        assert method.__doc__ and len(method.__doc__.split()) >= 8, method.__name__
