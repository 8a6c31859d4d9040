import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from smallnlp import LanguageIdentifier
from smallnlp.cli import main
from smallnlp.config import shipped_file

from .conftest import TINY_CONFIG, config_toml, separate_streams, synthetic_corpus, write_corpus


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    write_corpus(root / "train", *synthetic_corpus(120))
    write_corpus(root / "dev", *synthetic_corpus(20, seed=1))
    config = root / "tiny.toml"
    config.write_text(config_toml(TINY_CONFIG))
    model = root / "model.snlp"
    result = CliRunner().invoke(main, [
        "train", "langid", "--train", str(root / "train"), "--dev", str(root / "dev"),
        "--memory-budget", "60KB", "--output", str(model), "--config", str(config),
        "--epochs", "3", "--licence", "CC0-1.0"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "dev accuracy" in result.output
    return root, model


def test_train_respects_budget(trained):
    _, model = trained
    assert model.stat().st_size <= 60_000


def test_langid_arguments_and_stdin(trained):
    _, model = trained
    runner = CliRunner()
    result = runner.invoke(main, ["langid", "--model", str(model), "kakiko tonaru", "123"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("\t")[0] == "aa" and lines[0].endswith("\tkakiko tonaru")
    assert lines[1] == "und\t0.0000\t123"
    result = separate_streams().invoke(main, ["langid", "--model", str(model), "--format",
                                              "json", "--top-k", "2"],
                                       input=b"kakiko\n\xff\xfe broken\n")
    assert result.exit_code == 0, result.output
    assert "<stdin>:2: not utf-8 text" in result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and len(rows[0]["top_k"]) == 2
    assert rows[1]["text"] == "\ufffd\ufffd broken"


def test_eval_and_info(trained):
    root, model = trained
    runner = CliRunner()
    result = runner.invoke(main, ["eval", "langid", "--model", str(model), "--data",
                                  str(root / "dev")])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "macro-F1" in result.output
    result = runner.invoke(main, ["eval", "langid", "--model", str(model), "--format", "json",
                                  "--span-words", "2", "--data", str(root / "dev")])
    assert json.loads(result.output)["total"] > 0
    result = runner.invoke(main, ["info", str(model)])
    assert result.exit_code == 0, result.output
    assert "char3" in result.output and "total" in result.output
    import numpy as np

    assert f"numpy {np.__version__}" in result.output  # the training environment
    result = runner.invoke(main, ["info", str(model), "--format", "json"])
    described = json.loads(result.output)
    assert described["task"] == "langid" and described["bytes"] == model.stat().st_size
    assert [g["name"] for g in described["groups"]][:2] == ["char1", "char2"]
    assert described["data_licences"] == dict.fromkeys(["aa", "bb", "cc", "dd"], "CC0-1.0")
    result = runner.invoke(main, ["eval", "langid", "--model", str(model), "--backend", "numpy",
                                  "--format", "json", "--data", str(root / "dev")])
    assert json.loads(result.output)["total"] > 0


def test_shipped_models_by_name_and_short_help():
    runner = CliRunner()
    for name in ("langid", "pos-en", "en"):
        result = runner.invoke(main, ["info", name])
        assert result.exit_code == 0 and "model, format version" in result.output, name
    result = runner.invoke(main, ["langid", "--model", "langid", "--format", "json", "Hello"])
    assert result.exit_code == 0 and json.loads(result.output)["label"]
    for verb in (["info"], ["langid", "--model"], ["pos", "--model"]):
        result = runner.invoke(main, [*verb, "xx", "Hello"] if len(verb) > 1 else [*verb, "xx"])
        assert result.exit_code == 2 and "shipped: langid" in result.output, verb  # usage
    result = runner.invoke(main, ["langid", "--model", "pos-en", "Hello"])
    assert result.exit_code == 1 and "holds a POS-tagging model" in result.output
    for verb in (["langid"], ["pos"], ["train", "pos"], ["eval", "langid"], ["info"]):
        result = runner.invoke(main, [*verb, "-h"])
        assert result.exit_code == 0 and result.output.startswith("Usage:"), verb


def test_clear_errors(tmp_path, trained):
    runner = CliRunner()
    bad = tmp_path / "bad.snlp"
    bad.write_bytes(b"garbage")
    result = runner.invoke(main, ["langid", "--model", str(bad), "hello"])
    assert result.exit_code == 1 and "bad.snlp" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["train", "langid", "--train", str(tmp_path / "none"),
                                  "--output", str(tmp_path / "x.snlp")])
    assert result.exit_code == 2 and "does not exist" in result.output  # a usage error
    for verb in (["langid"], ["pos"]):  # a missing file and a directory alike
        for given in (tmp_path / "absent.txt", tmp_path):
            result = runner.invoke(main, [*verb, "--input", str(given)])
            assert result.exit_code == 2 and "--input" in result.output, (verb, given)
    root, _ = trained
    result = runner.invoke(main, ["train", "langid", "--train", str(root / "train"),
                                  "--memory-budget", "5KB", "--output", str(tmp_path / "x")])
    assert result.exit_code == 2 and "too small" in result.output  # a usage problem
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("budget, says", [("1.5", "whole number"), ("", "cannot read"),
                                          ("2KB", "too small for any model"),
                                          ("0", "too small for any model")])
def test_bad_budgets_are_refused_before_any_data_is_read(tmp_path, budget, says):
    (tmp_path / "empty").mkdir()  # reading it would fail: it has no <label>.txt
    result = CliRunner().invoke(main, ["train", "langid", "--train", str(tmp_path / "empty"),
                                       "--memory-budget", budget, "--output",
                                       str(tmp_path / "x.snlp")])
    assert result.exit_code == 2 and says in result.output, result.output  # not the data's


def test_a_model_of_the_other_task_names_the_command_to_use(trained):
    _, model = trained
    result = CliRunner().invoke(main, ["pos", "--model", str(model), "hello"])
    assert result.exit_code == 1 and "holds a language-ID model" in result.output
    assert "smallnlp langid" in result.output
    result = CliRunner().invoke(main, ["langid", "--model",
                                       str(shipped_file("models", "pos-en.snlp")), "hello"])
    assert result.exit_code == 1 and "holds a POS-tagging model" in result.output


def test_output_naming_an_input_is_refused(tmp_path, trained):
    _, model = trained
    copy = tmp_path / "model.snlp"
    copy.write_bytes(model.read_bytes())
    texts = tmp_path / "texts.txt"
    texts.write_text("hello\n")
    for output in (copy, texts):
        result = CliRunner().invoke(main, ["langid", "--model", str(copy), "--input", str(texts),
                                           "--output", str(output)])
        assert result.exit_code == 2 and "also an input" in result.output
    assert copy.read_bytes() == model.read_bytes() and texts.read_text() == "hello\n"


def test_text_in_another_encoding_is_named_and_can_be_read(tmp_path, trained):
    _, model = trained
    latin = tmp_path / "latin.txt"
    latin.write_bytes("kakiko tonaru\nschein b\u00e4r\n".encode("latin-1") * 2)
    result = separate_streams().invoke(main, ["langid", "--model", str(model), "--input",
                                              str(latin)])
    assert result.exit_code == 0
    assert result.stderr.count("latin.txt:2: not utf-8 text") == 1, result.stderr
    assert "\ufffd" in result.stdout
    result = separate_streams().invoke(main, ["langid", "--model", str(model), "--input",
                                              str(latin), "--encoding", "latin-1"])
    assert result.exit_code == 0 and "not utf-8" not in result.stderr
    assert "schein b\u00e4r" in result.stdout
    for encoding, says in (("utf-16", "does not write ASCII"), ("nope", "unknown encoding")):
        result = CliRunner().invoke(main, ["langid", "--model", str(model), "--input",
                                           str(latin), "--encoding", encoding])
        assert result.exit_code == 1 and says in result.output


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("command", [["langid", "hello"], ["pos", "hello"],
                                     ["info", str(shipped_file("models", "pos-it.snlp"))]])
def test_a_full_disk_is_a_clear_error(command):
    with open("/dev/full", "wb") as full:
        result = subprocess.run([sys.executable, "-m", "smallnlp", *command], stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr


def test_langid_threshold_answers_und_below_it(trained):
    _, model = trained
    runner = CliRunner()
    # The least sure answer among a few inputs that mix the made-up languages'
    # letters and syllables.
    candidates = ["a", "e", "o", "u", "r", "q", "kas", "ouki", "ichko", "xyz", "ter ou",
                  "kaich ouki", "naeau ко"]
    probabilities = LanguageIdentifier.load(model).predict_proba(candidates).max(axis=1)
    text, probability = candidates[int(probabilities.argmin())], float(probabilities.min())
    assert probability < 1.0
    result = runner.invoke(main, ["langid", "--model", str(model), "--threshold",
                                  str((probability + 1) / 2), text, "123"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"und\t{probability:.4f}\t{text}",
                                          "und\t0.0000\t123"]
    result = runner.invoke(main, ["langid", "--model", str(model), "--threshold",
                                  str(probability / 2), text])
    assert not result.output.startswith("und")
    assert runner.invoke(main, ["langid", "--threshold", "2", "x"]).exit_code != 0


def test_list_languages_shows_what_the_model_records(tmp_path):
    write_corpus(tmp_path / "train", *synthetic_corpus(40))
    (tmp_path / "SOURCES.tsv").write_text(
        "code\tlanguage\tlines\tlicense\naa\tAlpha\t40\tCC0\nbb\tBeta\t40\tCC BY 4.0\n"
        "cc\t\t40\tCC BY-SA 4.0\nzz\tUnused\t1\tnone\n", encoding="utf-8")
    config = tmp_path / "tiny.toml"
    config.write_text(config_toml(TINY_CONFIG))
    model = tmp_path / "model.snlp"
    result = CliRunner().invoke(main, [
        "train", "langid", "--train", str(tmp_path / "train"), "--memory-budget", "60KB",
        "--output", str(model), "--config", str(config), "--epochs", "1"])
    assert result.exit_code == 0, result.output
    # Not a terminal: progress comes as lines, one per phase's end and epoch.
    assert "counting features (lines): 160 of 160" in result.output
    assert "epoch 1/1 done: loss" in result.output
    listed = CliRunner().invoke(main, ["langid", "--model", str(model), "--list-languages"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines() == ["aa\tAlpha\tLatin\t40\tCC0",
                                          "bb\tBeta\tLatin\t40\tCC BY 4.0",
                                          "cc\t-\tLatin\t40\tCC BY-SA 4.0",
                                          "dd\t-\tCyrillic\t40\t-"]
    subset = CliRunner().invoke(main, ["langid", "--model", str(model), "--list-languages",
                                       "--languages", "dd", "--format", "json"])
    assert json.loads(subset.output) == {"code": "dd", "name": None, "scripts": ["Cyrillic"],
                                         "training_lines": 40, "licence": None}
    bad = CliRunner().invoke(main, ["langid", "--model", str(model), "--list-languages", "hi"])
    assert bad.exit_code == 2 and "reads no texts" in bad.output


def test_train_langid_on_some_of_the_languages(trained, tmp_path):
    root, _ = trained
    output = tmp_path / "two.snlp"
    arguments = ["train", "langid", "--train", str(root / "train"), "--dev", str(root / "dev"),
                 "--memory-budget", "60KB", "--config", str(root / "tiny.toml"), "--epochs", "1",
                 "--output", str(output)]
    result = CliRunner().invoke(main, arguments + ["--languages", "aa,cc"])
    assert result.exit_code == 0, result.output
    assert LanguageIdentifier.load(output).labels == ["aa", "cc"]
    result = CliRunner().invoke(main, arguments + ["--languages", "aa,zz"])
    assert result.exit_code == 2 and "no file for zz in --train" in result.output


def test_train_langid_with_a_teacher(trained, tmp_path):
    """--teacher distils a model that knows every language trained (its record
    names the teacher); one that lacks a language, or no model at all, is
    refused before any training."""
    root, model = trained
    arguments = ["train", "langid", "--train", str(root / "train"), "--dev", str(root / "dev"),
                 "--memory-budget", "60KB", "--config", str(root / "tiny.toml"), "--epochs", "1"]
    output = tmp_path / "student.snlp"
    result = CliRunner().invoke(main, arguments + ["--output", str(output),
                                                   "--teacher", str(model)])
    assert result.exit_code == 0, result.output
    record = LanguageIdentifier.load(output).metadata_["training"]["teacher"]
    assert record["labels"] == 4 and record["train"]["lines"] == 480
    partial = tmp_path / "partial.snlp"
    assert CliRunner().invoke(main, arguments + ["--output", str(partial), "--languages",
                                                 "aa,cc"]).exit_code == 0
    result = CliRunner().invoke(main, arguments + ["--output", str(tmp_path / "x.snlp"),
                                                   "--teacher", str(partial)])
    assert result.exit_code != 0 and "does not know bb, dd" in result.output
    result = CliRunner().invoke(main, arguments + ["--output", str(tmp_path / "y.snlp"),
                                                   "--teacher", str(tmp_path / "none.snlp")])
    assert result.exit_code == 2 and "--teacher" in result.output
    assert not (tmp_path / "x.snlp").exists() and not (tmp_path / "y.snlp").exists()


SPANS_MIXED = ("Das ist ein kleines Haus und es gefällt mir sehr gut. This is a small house "
               "and I like it.")


def expected_spans(text: str) -> list[dict]:
    """``text``'s spans as --spans writes them."""
    return [{"start": s.start, "end": s.end, "label": s.label,
             "probability": round(s.probability, 6)} for s in LanguageIdentifier.load().spans(text)]


def test_langid_spans_and_shares_in_every_input_format(tmp_path):
    """--spans and --shares give per text its spans and shares: JSON Lines with
    the text's number for lines and arguments, a field of each record for JSON
    Lines; the same with --jobs 2."""
    mixed = SPANS_MIXED
    model = LanguageIdentifier.load()
    expected = expected_spans(mixed)
    assert [s["label"] for s in expected] == ["de", "en"]
    runner = CliRunner()
    result = runner.invoke(main, ["langid", "--spans", "--shares", "2", mixed, "123"])
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.output.splitlines())
    assert first["text_id"] == 1 and first["spans"] == expected
    assert [s["label"] for s in first["shares"]] == [s.label for s in
                                                      model.language_shares(mixed, 2)]
    assert second == {"text_id": 2, "spans": [{"start": 0, "end": 3, "label": "und",
                                               "probability": 0.0}], "shares": []}
    lines = tmp_path / "in.txt"
    lines.write_text(f"{mixed}\nHallo\n{mixed}\n", encoding="utf-8")

    def json_lines(output: str) -> list[dict]:  # progress on stderr is mixed in
        return [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    outputs = [json_lines(runner.invoke(main, ["langid", "--spans", "--input", str(lines),
                                               "--jobs", jobs, "--batch-size", "1"]).output)
               for jobs in ("1", "2")]
    assert outputs[0] == outputs[1]
    assert [answer["text_id"] for answer in outputs[0]] == [1, 2, 3]
    records = tmp_path / "in.jsonl"
    records.write_text(json.dumps({"id": 7, "text": mixed}) + "\n", encoding="utf-8")
    [record] = json_lines(runner.invoke(main, ["langid", "--spans", "--input",
                                               str(records)]).output)
    assert record["id"] == 7 and record["spans"] == expected
    refused = runner.invoke(main, ["langid", "--spans", "--top-k", "2", mixed])
    assert refused.exit_code == 2 and "--top-k" in refused.output


def test_langid_spans_of_parquet_rows(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed "
                             "(pip install smallnlp[parquet])")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": [SPANS_MIXED, None]}), tmp_path / "in.parquet")
    result = CliRunner().invoke(main, [
        "langid", "--spans", "--input", str(tmp_path / "in.parquet"), "--output",
        str(tmp_path / "out.parquet"), "--skip-bad-records"])
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "out.parquet").column("spans").to_pylist() == [
        expected_spans(SPANS_MIXED), None]
