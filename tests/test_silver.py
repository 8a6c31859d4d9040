"""Uptraining: unlabeled lines tagged by a teacher, without held-out sentences."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from smallnlp import datasets, modelfile
from smallnlp.cli import main
from smallnlp.errors import DataError
from smallnlp.silver import held_out_keys, sentence_key, tag_unlabeled

from .conftest import TINY_POS_CONFIG, config_toml


def test_sentences_match_whatever_their_spacing():
    assert sentence_key(" The cat ,  sat .\t") == sentence_key("The cat, sat.") == "Thecat,sat."
    sentences = datasets.parse_conllu(iter([
        "# text =Thanh bắt .", "1\tThanh\t_\tX\t_\t_\t_\t_\t_\t_", "2\tbắt\t_\tX\t_\t_\t_\t_\t_\t_",
        "3\t.\t_\tX\t_\t_\t_\t_\t_\t_", "",
        "1\t失業\t_\tX\t_\t_\t_\t_\t_\t_", "2\t率\t_\tX\t_\t_\t_\t_\t_\t_", ""]), "x.conllu")
    assert held_out_keys(sentences) == {"Thanhbắt.", "失業率"}


def test_held_out_training_and_repeated_lines_are_left_out(tagger, tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("the cat sees a dog .\n"       # kept
                    "the  cat sees a dog.\n"        # the same sentence again
                    "a dog finds the tree .\n"      # held out (a test sentence)
                    "the tree eats a house .\n"     # a training sentence
                    "   \n\n"                       # nothing
                    "a house near the cat !\n", encoding="utf-8")
    silver = tag_unlabeled(tagger, [text], held_out={sentence_key("a dog finds the tree.")},
                           training={sentence_key("the tree eats a house .")})
    assert silver.sentences == [["the", "cat", "sees", "a", "dog", "."],
                                ["a", "house", "near", "the", "cat", "!"]]
    assert silver.tags == tagger.tag_batch(silver.sentences)
    assert silver.record["left_out"] == {"held_out": 1, "training": 1, "repeated": 1,
                                         "no_tokens": 2}
    assert silver.record["files"][0]["lines"] == 7 and silver.record["tokens"] == 12


def test_unreadable_or_empty_unlabeled_text_is_refused(tagger, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"the cat .\nthe \xff dog .\n")
    with pytest.raises(DataError, match="bad.txt:2"):
        tag_unlabeled(tagger, [bad], set())
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(DataError, match="no unlabeled sentences"):
        tag_unlabeled(tagger, [empty], set())


def test_the_command_line_uptrains_and_records_it(tagger, treebank, tmp_path):
    teacher = tmp_path / "teacher.snlp"
    tagger.save(teacher)
    (tmp_path / "config.toml").write_text(config_toml(TINY_POS_CONFIG), encoding="utf-8")
    test = tmp_path / "test.conllu"
    test.write_text("# text = A tree near the cat.\n" + "".join(
        f"{i}\t{w}\t_\tX\t_\t_\t_\t_\t_\t_\n" for i, w in enumerate(
            ["A", "tree", "near", "the", "cat", "."], start=1)) + "\n", encoding="utf-8")
    text = tmp_path / "text.txt"
    text.write_text("A tree near the cat .\nthe cat sees a zorblax .\nzorblax finds a tree .\n",
                    encoding="utf-8")
    out = tmp_path / "student.snlp"
    arguments = ["train", "pos", "--train", str(treebank / "train.conllu"),
                 "--dev", str(treebank / "dev.conllu"), "--memory-budget", "80KB", "--epochs",
                 "2", "--config", str(tmp_path / "config.toml"), "--output", str(out)]
    result = CliRunner().invoke(main, arguments + [
        "--unlabeled", str(text), "--teacher", str(teacher), "--unlabeled-licence", "CC0",
        "--held-out", str(test)])
    assert result.exit_code == 0, result.output
    assert "2 silver sentences" in result.output and "1 held-out" in result.output
    metadata = modelfile.load(out).metadata
    silver = metadata["training"]["silver"]
    assert silver["sentences"] == 2 and silver["left_out"]["held_out"] == 1
    assert silver["teacher"]["file"] == "teacher.snlp" and len(silver["teacher"]["sha256"]) == 64
    assert metadata["data_licences"]["unlabeled text, tagged by the teacher"] == "CC0"
    assert metadata["training"]["tokens"] == sum(
        len(s.forms) for s in datasets.read_conllu(treebank / "train.conllu")) + 6 + 5
    alone = CliRunner().invoke(main, arguments + ["--unlabeled", str(text)])
    assert alone.exit_code == 2 and "--unlabeled and --teacher go together" in alone.output
