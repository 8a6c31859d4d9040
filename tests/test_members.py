"""Taggers of several members: networks of the same features whose tag
probabilities are averaged, planned within one budget and stored in one file."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import datasets, modelfile
from smallnlp.backends import open_c_model
from smallnlp.budget import MAX_PLANNED_MEMBERS, MEMBER_BYTES, members_for
from smallnlp.cli import main
from smallnlp.errors import BudgetError, ModelFileError
from smallnlp.langid import LanguageIdentifier
from smallnlp.pos import PosTagger

from .conftest import (
    REFERENCE_SENTENCES,
    TINY_POS_CONFIG,
    TWO_PASS_CONFIG,
    config_toml,
    reference_tags,
)


def _train(treebank, **arguments) -> PosTagger:
    train = datasets.read_conllu(treebank / "train.conllu")
    dev = datasets.read_conllu(treebank / "dev.conllu")
    return PosTagger(**{"config": TWO_PASS_CONFIG, "epochs": 2, **arguments}).fit(
        [s.forms for s in train], [s.tags for s in train],
        [s.forms for s in dev], [s.tags for s in dev])


@pytest.fixture(scope="module")
def three(treebank):
    return _train(treebank, memory_budget="300KB", members=3)


def test_the_planner_gives_one_member_per_member_budget():
    assert [members_for(b) for b in (100_000, MEMBER_BYTES - 1, MEMBER_BYTES,
                                     2 * MEMBER_BYTES, 3 * MEMBER_BYTES + 5)] == [1, 1, 1, 2, 3]
    assert members_for(100 * MEMBER_BYTES) == MAX_PLANNED_MEMBERS


def test_members_train_apart_and_decode_by_averaged_probabilities(three, tmp_path):
    assert len(three.networks_) == 3 and three.metadata_["members"] == 3
    first, *others = three.networks_
    assert all(not np.array_equal(first.hidden_weights, n.hidden_weights) for n in others)
    training = three.metadata_["training"]
    assert [m["member"] for m in training["members"]] == [1, 2]
    assert all(0 < m["dev_accuracy_8bit"] <= 1 for m in training["members"])
    assert 0 < training["ensemble_dev_accuracy"] <= 1
    # Against the token-by-token reference decoder of several taggers.
    members = [SimpleNamespace(network_=net, featurizer_=three.featurizer_,
                               labels=three.labels) for net in three.networks_]
    expected = [reference_tags(members, s) for s in REFERENCE_SENTENCES]
    assert three.tag_batch(REFERENCE_SENTENCES) == expected
    path = tmp_path / "three.snlp"
    size = three.save(path)
    assert size <= 300_000
    arrays = modelfile.load(path).arrays
    assert {"member1.hidden_weights", "member2.embedding_0.codes"} <= set(arrays)
    assert "member3.hidden_weights" not in arrays
    for backend in ("numpy", "auto"):
        loaded = PosTagger.load(path, backend=backend)
        assert len(loaded.networks_) == 3
        assert loaded.tag_batch(REFERENCE_SENTENCES) == expected
        assert [loaded.tag(s) for s in REFERENCE_SENTENCES] == expected
        copy = pickle.loads(pickle.dumps(loaded))  # what a Ray or Dask worker gets
        assert len(copy.networks_) == 3 and copy.tag_batch(REFERENCE_SENTENCES) == expected
    assert pickle.loads(pickle.dumps(three)).tag_batch(REFERENCE_SENTENCES) == expected


def test_one_member_files_do_not_change(treebank, tmp_path):
    one = _train(treebank, memory_budget="300KB", members=1)
    assert "members" not in one.metadata_ and "members" not in one.metadata_["training"]
    one.save(tmp_path / "one.snlp")
    assert not any(name.startswith("member") for name in
                   modelfile.load(tmp_path / "one.snlp").arrays)


def test_a_budget_too_small_for_the_members_states_the_minimum_that_fits(treebank):
    with pytest.raises(BudgetError, match="3 networks averaged") as refused:
        _train(treebank, memory_budget="60KB", members=3)
    minimum = int(str(refused.value).split("minimum is ")[1].split(" bytes")[0].replace(",", ""))
    with pytest.raises(BudgetError):
        _train(treebank, memory_budget=minimum - 1, members=3)
    tagger = _train(treebank, memory_budget=minimum, members=3)
    assert len(tagger.networks_) == 3


def _rewritten(path, tmp_path, change) -> str:
    """A copy of the model file at ``path`` with ``change`` applied to its
    metadata and arrays (checksum recomputed): a hostile file."""
    contents = modelfile.load(path)
    metadata, arrays = dict(contents.metadata), dict(contents.arrays)
    change(metadata, arrays)
    out = tmp_path / "changed.snlp"
    modelfile.save(out, metadata, arrays)
    return str(out)


def test_files_whose_members_do_not_match_their_arrays_are_refused(three, tmp_path):
    path = tmp_path / "three.snlp"
    three.save(path)

    def claim_four(metadata, arrays):
        metadata["members"] = 4

    def drop_one(metadata, arrays):
        del arrays["member2.output_bias"]

    def claim_seventeen(metadata, arrays):
        metadata["members"] = 17

    for change, reason in ((claim_four, "member3.embedding_0.codes' is missing"),
                           (drop_one, "member2.output_bias' is missing"),
                           (claim_seventeen, "members")):
        bad = _rewritten(path, tmp_path, change)
        with pytest.raises(ModelFileError, match=reason):
            PosTagger.load(bad, backend="numpy")
        c_model, message = open_c_model(Path(bad).read_bytes())
        if not message.startswith("the C extension is not built"):
            assert c_model is None and "member" in message, message


def test_a_language_identifier_has_no_members(tiny_model, tmp_path):
    path = tmp_path / "langid.snlp"
    tiny_model.save(path)
    bad = _rewritten(path, tmp_path, lambda metadata, arrays: metadata.update(members=1))
    with pytest.raises(ModelFileError, match="members"):
        LanguageIdentifier.load(bad)
    c_model, message = open_c_model(Path(bad).read_bytes())
    if not message.startswith("the C extension is not built"):
        assert c_model is None and "only a pos model has members" in message


def test_the_command_line_trains_members_and_shows_them(treebank, tmp_path):
    (tmp_path / "config.toml").write_text(config_toml(TINY_POS_CONFIG), encoding="utf-8")
    out = tmp_path / "two.snlp"
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(treebank / "train.conllu"), "--dev",
        str(treebank / "dev.conllu"), "--memory-budget", "200KB", "--members", "2",
        "--epochs", "2", "--config", str(tmp_path / "config.toml"), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 members averaged: dev accuracy" in result.output
    assert json.loads(json.dumps(modelfile.load(out).metadata))["members"] == 2
    shown = CliRunner().invoke(main, ["info", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "members: 2 networks" in shown.output
    assert "member1.hidden_weights" in shown.output
    assert "members averaged: dev accuracy" in shown.output
    refused = CliRunner().invoke(main, [
        "train", "pos", "--train", str(treebank / "train.conllu"), "--members", "17",
        "--output", str(tmp_path / "x.snlp")])
    assert refused.exit_code == 2 and "17" in refused.output
