"""A tagger's XPOS layer (``[tagging] xpos_weight``): an output layer trained
beside the tags' from the same hidden layer, then dropped."""

import numpy as np
import pytest
from click.testing import CliRunner

from smallnlp import datasets
from smallnlp.cli import main
from smallnlp.errors import DataError
from smallnlp.network import softmax
from smallnlp.pos import PosTagger
from smallnlp.train import Auxiliary, AuxiliaryLayer

from .conftest import TINY_POS_CONFIG, config_toml, model_contents, synthetic_treebank

XPOS_CONFIG = {**TINY_POS_CONFIG, "tagging": {"xpos_weight": 1.0}}


def with_xpos(text: str) -> str:
    """CoNLL-U text whose words have an XPOS of two morphemes: the tag's first
    two letters and the word's last letter (``NO+g``)."""
    lines = []
    for line in text.split("\n"):
        columns = line.split("\t")
        if len(columns) == 10 and columns[0].isdigit():
            columns[4] = f"{columns[3][:2]}+{columns[1][-1]}"
        lines.append("\t".join(columns))
    return "\n".join(lines)


@pytest.fixture(scope="module")
def xpos_treebank(tmp_path_factory):
    root = tmp_path_factory.mktemp("xpos")
    (root / "train.conllu").write_text(with_xpos(synthetic_treebank(200)), encoding="utf-8")
    (root / "dev.conllu").write_text(with_xpos(synthetic_treebank(30, seed=1)),
                                     encoding="utf-8")
    return root


def fitted(treebank, config, xpos=True) -> PosTagger:
    train = datasets.read_conllu(treebank / "train.conllu")
    return PosTagger("80KB", config=config, seed=3).fit(
        [s.forms for s in train], [s.tags for s in train],
        xpos=[s.xpos for s in train] if xpos else None)


def test_the_layer_trains_the_network_and_is_not_kept(xpos_treebank, tmp_path):
    plain, taught = fitted(xpos_treebank, TINY_POS_CONFIG), fitted(xpos_treebank, XPOS_CONFIG)
    # The same draws from the generator, with a gradient a trillion times smaller.
    faint = fitted(xpos_treebank, {**TINY_POS_CONFIG, "tagging": {"xpos_weight": 1e-12}})
    plain_arrays, taught_arrays, faint_arrays = (
        model_contents(m, tmp_path / name)[1]
        for m, name in ((plain, "plain"), (taught, "taught"), (faint, "faint")))
    assert plain_arrays.keys() == taught_arrays.keys()  # no array of the layer's
    assert taught_arrays["hidden_weights"].shape == faint_arrays["hidden_weights"].shape
    assert not np.array_equal(taught_arrays["hidden_weights"], faint_arrays["hidden_weights"])
    assert taught.metadata_["training"]["tagging"]["xpos_weight"] == 1.0
    assert "xpos_weight" not in plain.metadata_["training"]["tagging"]  # as files made before
    sentence = datasets.read_conllu(xpos_treebank / "dev.conllu")[0]
    assert taught.tag(sentence.forms) == sentence.tags


def test_the_layer_needs_xpos(xpos_treebank, treebank):
    with pytest.raises(DataError, match="needs the XPOS of every labelled training token"):
        fitted(xpos_treebank, XPOS_CONFIG, xpos=False)
    with pytest.raises(DataError, match=r"the training data has no XPOS \(all '_'\)"):
        fitted(treebank, XPOS_CONFIG)  # the plain synthetic treebank's XPOS are all "_"


def test_the_layers_gradient_is_that_of_its_weighted_loss():
    rng = np.random.default_rng(0)
    layer = AuxiliaryLayer(Auxiliary(labels=5, weight=0.7), hidden=6, rng=rng)
    hidden = rng.random((4, 6)).astype(np.float32)
    labels = np.array([2, -1, 0, 4])  # -1: a row without a label counts for nothing
    weights, bias = (layer.params[k].astype(np.float64) for k in ("weights", "bias"))

    def loss(h):
        probs = softmax(h @ weights + bias)
        rows = np.flatnonzero(labels >= 0)
        return -0.7 * np.log(probs[rows, labels[rows]]).sum() / len(labels)

    numeric = np.zeros_like(hidden, dtype=np.float64)
    for index in np.ndindex(hidden.shape):
        step = np.zeros_like(numeric)
        step[index] = 1e-5
        base = hidden.astype(np.float64)
        numeric[index] = (loss(base + step) - loss(base - step)) / 2e-5
    analytic = layer.step(hidden, labels, lr=0.0, weight_decay=0.0)
    np.testing.assert_allclose(analytic, numeric, atol=1e-5)
    assert not analytic[1].any()


def test_cli_trains_with_the_layer(xpos_treebank, tmp_path):
    config = tmp_path / "xpos.toml"
    config.write_text(config_toml(XPOS_CONFIG))
    output = tmp_path / "m.snlp"
    result = CliRunner().invoke(main, [
        "train", "pos", "--train", str(xpos_treebank / "train.conllu"), "--dev",
        str(xpos_treebank / "dev.conllu"), "--config", str(config), "--licence", "x",
        "--memory-budget", "80KB", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert PosTagger.load(output).metadata_["training"]["tagging"]["xpos_weight"] == 1.0
