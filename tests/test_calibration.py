import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smallnlp import LanguageIdentifier
from smallnlp.augment import distilled_targets, gibberish
from smallnlp.calibration import expected_calibration_error, fit_temperature
from smallnlp.network import softmax
from smallnlp.train import _cross_entropy_gradient

from .conftest import TINY_CONFIG, synthetic_corpus


def _sampled(temperature: float, n: int = 20_000, seed: int = 0):
    """Logits whose labels are drawn from softmax(logits / temperature): the
    model is calibrated exactly at that temperature."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 3, size=(n, 5))
    probs = softmax(logits / temperature)
    gold = np.array([rng.choice(5, p=p) for p in probs])
    return logits, gold


def test_fit_temperature_recovers_the_true_temperature():
    for true in (0.5, 1.0, 2.5):
        logits, gold = _sampled(true)
        assert abs(fit_temperature(logits, gold) / true - 1) < 0.08


def test_ece_is_small_when_calibrated_and_large_when_not():
    logits, gold = _sampled(2.0)

    def ece(probs):
        return expected_calibration_error(probs.max(1), probs.argmax(1) == gold)
    assert ece(softmax(logits / 2.0)) < 0.02
    assert ece(softmax(logits)) > 0.1
    assert expected_calibration_error(np.zeros(0), np.zeros(0, dtype=bool)) == 0.0
    # one bin, 0.75 confident and right half the time: off by 0.25
    assert abs(expected_calibration_error(np.full(4, 0.75), np.array([1, 0, 1, 0]))
               - 0.25) < 1e-12


def test_uniform_target_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4, 6))
    target = np.array([2, -1, 0, -1])

    def loss(values):
        return _cross_entropy_gradient(softmax(values.copy()), target)

    grad = softmax(logits.copy())
    _cross_entropy_gradient(grad, target)
    step = 1e-6
    for i, j in [(0, 2), (1, 3), (3, 0), (2, 5)]:
        bumped = logits.copy()
        bumped[i, j] += step
        assert abs((loss(bumped) - loss(logits)) / step - grad[i, j]) < 1e-4


def test_soft_target_gradient_matches_finite_differences():
    """Distillation's targets (a distribution per row, gibberish rows still
    uniform): the gradient is that of their cross-entropy, and a one-hot
    target gives what its label gives."""
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 6))
    target = np.array([2, -1, 0, 5])
    soft = distilled_targets(target, softmax(rng.normal(size=(4, 6))), 0.4)

    def loss(values):
        return _cross_entropy_gradient(softmax(values.copy()), target, soft)

    grad = softmax(logits.copy())
    _cross_entropy_gradient(grad, target, soft)
    step = 1e-6
    for i, j in [(0, 2), (1, 3), (3, 0), (2, 5), (3, 5)]:
        bumped = logits.copy()
        bumped[i, j] += step
        assert abs((loss(bumped) - loss(logits)) / step - grad[i, j]) < 1e-4
    hard, one_hot = softmax(logits.copy()), softmax(logits.copy())
    assert _cross_entropy_gradient(hard, target) == pytest.approx(
        _cross_entropy_gradient(one_hot, target, distilled_targets(target, np.zeros((4, 6)), 0.4)))
    np.testing.assert_allclose(hard, one_hot, atol=1e-7)


def test_distilled_targets_mix_label_and_teacher():
    teacher = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.0], [0.1, 0.1, 0.8]], dtype=np.float32)
    targets = distilled_targets(np.array([0, 1, 2]), teacher, 0.5)
    np.testing.assert_allclose(targets, [[0.75, 0.25, 0.0], [0.0, 1.0, 0.0],
                                         [0.05, 0.05, 0.9]])


def test_gibberish_keeps_each_line_alphabet():
    rng = np.random.default_rng(0)
    lines = ["abc abc", "где это", "123"]
    made = gibberish(lines, rng, 50)
    assert 0 < len(made) <= 50
    for text in made:
        letters = set(text.replace(" ", ""))
        assert letters <= set("abc") or letters <= set("гдеэто")


@given(st.floats(min_value=0.05, max_value=20))
@settings(max_examples=20, deadline=None)
def test_temperature_never_changes_the_ranking(temperature):
    logits = np.random.default_rng(1).normal(size=(50, 7))
    assert (softmax(logits / temperature).argmax(1) == logits.argmax(1)).all()


def test_training_calibrates_and_records_held_out_ece(tmp_path):
    texts, labels = synthetic_corpus(60)
    dev_texts, dev_labels = synthetic_corpus(40, seed=1)
    config = {**TINY_CONFIG, "augment": {**TINY_CONFIG["augment"], "gibberish_lines": 100}}
    model = LanguageIdentifier("60KB", config=config, epochs=2, seed=0).fit(
        texts, labels, dev_texts, dev_labels)
    record = model.metadata_["calibration"]
    assert record["temperature"] == model.temperature_ > 0
    assert record["held_out_lines"]["examples"] == len(dev_texts) // 2
    for key in ("ece_before", "ece_after", "nll_before", "nll_after"):
        assert 0 <= record["held_out_word_pairs"][key]
    # predict_proba divides the logits by the fitted temperature
    groups = model.featurizer_.transform(dev_texts[:5], merge_repeats=False)
    expected = softmax(model.network_.logits(groups) / model.temperature_)
    np.testing.assert_allclose(model.predict_proba(dev_texts[:5]), expected, atol=1e-6)
    model.save(tmp_path / "m.snlp")
    assert LanguageIdentifier.load(tmp_path / "m.snlp").temperature_ == model.temperature_
