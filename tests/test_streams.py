"""Corpus files on the command line: JSON Lines records in and out (gzip by
name), every record kept in order with its fields, bad lines an error naming
file and line or a counted skip, and no output file unless the run finished."""

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from smallnlp import LanguageIdentifier
from smallnlp.cli import main

from .conftest import separate_streams

REPO = Path(__file__).resolve().parents[1]
RUNTIME_GOLDEN = REPO / "runtime" / "c" / "tests" / "golden"
TINY = RUNTIME_GOLDEN / "tiny-langid.snlp"
TEXTS = ["kakiko tonaru", "", "123", "Привет", "ka ki ko", "\ufffd broken", "tonaru kakiko"]


def _records() -> list[dict]:
    return [{"id": i, "text": text, "meta": {"n": [i, None]}} for i, text in
            enumerate(TEXTS * 20)]


def _write(path: Path, lines: list[str]) -> Path:
    data = "".join(line + "\n" for line in lines).encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)
    return path


def _read(path: Path) -> list[dict]:
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return [json.loads(line) for line in data.decode().splitlines()]


def _run(arguments: list[str]):
    return CliRunner().invoke(main, ["langid", "--model", str(TINY)] + arguments)


@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz"])
def test_records_come_back_in_order_with_their_fields_and_a_label(tmp_path, name):
    records = _records()
    source = _write(tmp_path / name, [json.dumps(r, ensure_ascii=False) for r in records])
    out = tmp_path / "out.jsonl.gz"
    result = _run(["--input", str(source), "--output", str(out), "--top-k", "2", "--jobs", "2",
                   "--batch-size", "9"])
    assert result.exit_code == 0, result.output
    labelled = _read(out)
    expected = LanguageIdentifier.load(TINY).top_k_batch([r["text"] for r in records], 2)
    assert [{k: v for k, v in r.items() if not k.startswith("language")} for r in labelled] \
        == records
    assert [r["language"] for r in labelled] == [p[0].label for p in expected]
    assert [r["language_probability"] for r in labelled] == \
        [round(p[0].probability, 6) for p in expected]
    assert all(len(r["language_top_k"]) == 2 for r in labelled if r["language"] != "und")


def test_field_names_and_stdin(tmp_path):
    lines = "".join(json.dumps({"body": t}) + "\n" for t in TEXTS)
    result = CliRunner().invoke(main, ["langid", "--model", str(TINY), "--input-format",
                                       "jsonl", "--field", "body", "--label-field", "lang",
                                       "--probability-field", "p"], input=lines)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [sorted(r) for r in rows] == [["body", "lang", "p"]] * len(TEXTS)


def test_lone_surrogates_in_json_strings_go_back_out_as_escapes(tmp_path):
    source = _write(tmp_path / "in.jsonl", ['{"text": "ka \\ud800 ki", "id": 1}'])
    out = tmp_path / "out.jsonl"
    result = _run(["--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "\\ud800" in out.read_text(encoding="utf-8")
    assert _read(out)[0]["text"] == "ka \ud800 ki"


def test_a_bad_line_is_an_error_naming_file_and_line_or_a_counted_skip(tmp_path):
    lines = [json.dumps(r) for r in _records()[:30]]
    lines[4], lines[7], lines[9], lines[12] = ('{"id": 4, "text": 5}', "not json", '{"id": 9}',
                                               "[1, 2]")
    source = _write(tmp_path / "bad.jsonl", lines)
    out = tmp_path / "out.jsonl"
    result = _run(["--input", str(source), "--output", str(out), "--batch-size", "4"])
    assert result.exit_code == 1
    assert f"{source}:5:" in result.output and "not a string" in result.output
    assert not out.exists()  # no output that looks complete
    assert not list(tmp_path.glob(".smallnlp-*"))  # nor a leftover temporary file
    result = _run(["--input", str(source), "--output", str(out), "--skip-bad-records",
                   "--jobs", "2", "--batch-size", "4"])
    assert result.exit_code == 0, result.output
    assert "skipped 4 bad line(s)" in result.output
    kept = [r["id"] for r in _read(out)]
    assert kept == [i for i in range(30) if i not in (4, 7, 9, 12)]


def test_truncated_gzip_and_empty_input(tmp_path):
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in _records()).encode())
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(whole[:len(whole) // 2])
    out = tmp_path / "out.jsonl"
    result = _run(["--input", str(truncated), "--output", str(out)])
    assert result.exit_code == 1 and "cut.jsonl.gz: truncated or corrupt gzip" in result.output
    assert not out.exists()
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = _run(["--input", str(empty), "--output", str(out)])
    assert result.exit_code == 0 and out.read_bytes() == b""


def test_plain_text_lines_to_a_gzip_file(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "out.tsv.gz"
    result = _run(["--input", str(source), "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = gzip.decompress(out.read_bytes()).decode().splitlines()
    assert [row.split("\t")[-1] for row in rows] == TEXTS


def test_parquet_rows_come_back_in_order_with_labels(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed "
                             "(pip install smallnlp[parquet])")
    import pyarrow.parquet as pq

    records = _records()
    table = pa.table({"id": [r["id"] for r in records], "text": [r["text"] for r in records]})
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=17)
    out = tmp_path / "out.parquet"
    result = _run(["--input", str(tmp_path / "in.parquet"), "--output", str(out), "--jobs", "2",
                   "--batch-size", "10", "--top-k", "2"])
    assert result.exit_code == 0, result.output
    labelled = pq.read_table(out).to_pylist()
    expected = LanguageIdentifier.load(TINY).top_k_batch([r["text"] for r in records], 2)
    assert [(r["id"], r["text"]) for r in labelled] == [(r["id"], r["text"]) for r in records]
    assert [r["language"] for r in labelled] == [p[0].label for p in expected]
    assert [len(r["language_top_k"]) for r in labelled] == [len(p) for p in expected]
    nulls = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"text": ["ka", None, "ko"]}), nulls)
    result = _run(["--input", str(nulls), "--output", str(out)])
    assert result.exit_code == 1 and "nulls.parquet: row 2:" in result.output
    result = _run(["--input", str(nulls), "--output", str(out), "--skip-bad-records"])
    assert result.exit_code == 0 and "left 1 row(s) unanswered" in result.output
    assert [r["language"] is None for r in pq.read_table(out).to_pylist()] == [False, True, False]
    pq.write_table(table.slice(0, 0), tmp_path / "empty.parquet")
    result = _run(["--input", str(tmp_path / "empty.parquet"), "--output", str(out)])
    assert result.exit_code == 0 and pq.read_table(out).num_rows == 0
    result = _run(["--input", str(tmp_path / "in.parquet"), "--field", "body",
                   "--output", str(out)])
    assert result.exit_code == 1 and "no column 'body'" in result.output


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_tagger_takes_json_lines_and_gives_the_records_back_tagged(tmp_path, jobs):
    from smallnlp import PosTagger
    from smallnlp.pos import tokenize

    tagger = RUNTIME_GOLDEN / "tiny-pos.snlp"
    records = [{"id": i, "text": text} for i, text in
               enumerate(["the cat sees a dog .", "", "on the mat"] * 7)]
    source = _write(tmp_path / "in.jsonl", [json.dumps(r) for r in records]
                    + ['{"text": 5}', "not json"])
    out = tmp_path / "out.jsonl"
    arguments = ["pos", "--model", str(tagger), "--input", str(source), "--output", str(out),
                 "--tags-field", "upos", "--jobs", jobs, "--batch-size", "4"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1 and "in.jsonl:22" in result.output  # {"text": 5}
    assert not out.exists()
    result = separate_streams().invoke(main, arguments + ["--skip-bad-records"])
    assert result.exit_code == 0, result.output
    assert "skipped 2 bad line(s)" in result.stderr
    tagged = _read(out)
    tokens = [tokenize(r["text"]) for r in records]
    assert [{"id": r["id"], "text": r["text"]} for r in tagged] == [
        {k: r[k] for k in ("id", "text")} for r in records]
    assert [r["tokens"] for r in tagged] == tokens
    assert [r["upos"] for r in tagged] == PosTagger.load(tagger).tag_batch(tokens)


def test_the_tagger_takes_parquet_and_gives_every_row_back_tagged(tmp_path):
    pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed "
                             "(pip install smallnlp[parquet])")
    import pyarrow.parquet as pq

    from smallnlp import PosTagger, tokenize

    tagger = RUNTIME_GOLDEN / "tiny-pos.snlp"
    texts = ["the cat sees a dog .", None, "", "on the mat"] * 9
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}),
                   tmp_path / "in.parquet", row_group_size=7)
    out = tmp_path / "out.parquet"
    arguments = ["pos", "--model", str(tagger), "--input", str(tmp_path / "in.parquet"),
                 "--output", str(out), "--jobs", "2", "--batch-size", "5"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 1 and "in.parquet: row 2:" in result.output
    assert not out.exists()
    result = CliRunner().invoke(main, arguments + ["--skip-bad-records"])
    assert result.exit_code == 0 and "left 9 row(s) unanswered" in result.output
    rows = pq.read_table(out).to_pylist()
    assert [r["id"] for r in rows] == list(range(len(texts)))
    answered = [t for t in texts if t is not None]
    expected = PosTagger.load(tagger).tag_batch([tokenize(t) for t in answered])
    assert [r["tags"] for r in rows if r["text"] is not None] == expected
    assert all(r["tokens"] is None and r["tags"] is None for r in rows if r["text"] is None)


def test_the_language_identifier_calls_its_plain_format_text_as_the_tagger_does():
    text, tsv = _run(["--format", "text", "ka ki ko"]), _run(["--format", "tsv", "ka ki ko"])
    assert text.exit_code == 0 and text.output == tsv.output == _run(["ka ki ko"]).output
