"""Confidence calibration: temperature scaling and expected calibration error.

A network trained to convergence tends to be over-confident. Dividing its
logits by one temperature fitted on held-out data (Guo et al., 2017) fixes most
of that without changing any prediction, since the ranking of labels stays.
"""

from __future__ import annotations

import numpy as np

from .network import softmax

ECE_BINS = 15
# log-temperature search interval: temperatures from 1/20 to 20
_LOG_T_RANGE = (-3.0, 3.0)


def negative_log_likelihood(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    scaled = logits.astype(np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(scaled).sum(axis=1))
    return float(np.mean(log_norm - scaled[np.arange(len(gold)), gold]))


def fit_temperature(logits: np.ndarray, gold: np.ndarray, steps: int = 60) -> float:
    """The temperature minimising the mean negative log-likelihood of ``gold``
    (golden-section search over log T; the NLL is convex in 1/T)."""
    if len(gold) == 0:
        return 1.0
    low, high = _LOG_T_RANGE
    ratio = (np.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa = negative_log_likelihood(logits, gold, np.exp(a))
    fb = negative_log_likelihood(logits, gold, np.exp(b))
    for _ in range(steps):
        if fa < fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = negative_log_likelihood(logits, gold, np.exp(a))
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = negative_log_likelihood(logits, gold, np.exp(b))
    return float(np.exp((low + high) / 2))


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray,
                               bins: int = ECE_BINS) -> float:
    """ECE: the gap between confidence (the probability given to the answer)
    and accuracy, averaged over equal-width confidence bins weighted by how
    many answers fall in each."""
    if len(confidence) == 0:
        return 0.0
    confidence = np.asarray(confidence, dtype=np.float64)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    gap = np.abs(np.bincount(which, weights=np.asarray(correct, dtype=np.float64),
                             minlength=bins)
                 - np.bincount(which, weights=confidence, minlength=bins))
    return float(gap.sum() / len(confidence))


def _ece_of(probabilities: np.ndarray, gold: np.ndarray) -> float:
    return expected_calibration_error(probabilities.max(axis=1),
                                      probabilities.argmax(axis=1) == gold)


RECORD_KEYS = ("ece_before", "ece_after", "nll_before", "nll_after")


def calibration_record(logits: np.ndarray, gold: np.ndarray, temperature: float) -> dict:
    """ECE and NLL before and after scaling, for a model's metadata."""
    values = (_ece_of(softmax(logits), gold), _ece_of(softmax(logits / temperature), gold),
              negative_log_likelihood(logits, gold, 1.0),
              negative_log_likelihood(logits, gold, temperature))
    return {"examples": int(len(gold)), **{k: round(v, 5) for k, v in zip(RECORD_KEYS, values)}}


def filled_calibration_record(integer: int, real: float) -> dict:
    """A ``calibration_record`` whose every number is ``integer`` or ``real``:
    the planner's widest (``fileformat.metadata_bytes``)."""
    return {"examples": integer, **dict.fromkeys(RECORD_KEYS, real)}
