"""The shared training loop: mini-batch Adam with weight decay, learning-rate
decay and early stopping on dev accuracy. Seeded and single-threaded in its
own randomness, so the same seed and data give the same model."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import numpy as np

from .features import SparseGroup
from .network import FeedForwardNetwork, RowGradient, output_layer, softmax
from .records import option


@dataclass(frozen=True)
class TrainOptions:
    """``[training]``: the optimiser's settings."""

    epochs: int = option(10, minimum=1)
    batch_size: int = option(256, minimum=1)
    learning_rate: float = option(0.003, minimum=0)
    lr_decay: float = option(0.8, minimum=0, maximum=1)  # multiplies the rate after each epoch
    weight_decay: float = option(1e-5, minimum=0)  # decoupled (AdamW) decay of dense weights
    patience: int = option(2, minimum=1)  # epochs without dev improvement before stopping
    per_class_cap: int | None = option(None, minimum=1)  # examples per label in each epoch
    dropout: float = option(0.0, minimum=0, below=1)  # input units zeroed in each step


@dataclass
class Progress:
    """What a progress display needs after each step."""

    epoch: int
    step: int
    steps_in_epoch: int
    loss: float
    dev_accuracy: float | None
    epoch_end: bool = False  # the epoch's summary: mean loss and new dev accuracy
    member: int = 1  # which of a model's members is training (of ``members``)
    members: int = 1
    # A phase before training (e.g. "counting features"): ``step`` of
    # ``steps_in_epoch`` items done; the other fields are unused.
    stage: str = ""


@dataclass
class TrainResult:
    best_epoch: int
    best_dev_accuracy: float | None
    history: list[dict] = field(default_factory=list)

    def record(self, dev_accuracies: tuple[float, float] | None, **counts: int) -> dict:
        """What a model file's ``training`` entry gains from this run: the best
        epoch, each epoch's record, the examples counted, and the dev accuracy
        of the float and the 8-bit network (when there was dev data)."""
        record = {"best_epoch": self.best_epoch, "best_dev_accuracy": self.best_dev_accuracy,
                  "history": self.history, **counts}
        if dev_accuracies is not None:
            record.update(zip(("dev_accuracy_float32", "dev_accuracy_8bit"), dev_accuracies))
        return record

    @classmethod
    def filled(cls, epochs: int, integer: int, real: float) -> TrainResult:
        """A run of ``epochs`` whose every number is ``integer`` or ``real``:
        the planner's widest run (``fileformat.metadata_bytes``)."""
        return cls(integer, real, [epoch_record(integer, real, real, real)] * epochs)


def epoch_record(epoch: int, loss: float, learning_rate: float,
                 dev_accuracy: float | None = None) -> dict:
    record = {"epoch": epoch, "loss": loss, "learning_rate": learning_rate}
    if dev_accuracy is not None:
        record["dev_accuracy"] = dev_accuracy
    return record


class Adam:
    """Adam with decoupled weight decay on the named parameters."""

    def __init__(self, params: dict[str, np.ndarray], decayed: Sequence[str],
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.params = params
        self.decayed = set(decayed)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray | RowGradient], lr: float,
             weight_decay: float) -> None:
        """One update; a ``RowGradient`` updates just its rows and their moments
        (lazy Adam: rows a batch does not touch keep their values)."""
        self.t += 1
        correction = np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        for name, grad in grads.items():
            if isinstance(grad, RowGradient):
                self._step_rows(name, grad, lr * correction)
                continue
            param, m, v = self.params[name], self.m[name], self.v[name]
            m *= self.beta1
            m += (1 - self.beta1) * grad
            v *= self.beta2
            v += (1 - self.beta2) * grad * grad
            if name in self.decayed and weight_decay:
                param *= 1 - lr * weight_decay
            param -= (lr * correction) * m / (np.sqrt(v) + self.eps)

    def _step_rows(self, name: str, grad: RowGradient, rate: float) -> None:
        """The dense update's arithmetic, in place on the gathered rows."""
        rows, values = grad.rows, grad.values
        m = self.m[name][rows]
        m *= self.beta1
        m += (1 - self.beta1) * values
        v = self.v[name][rows]
        v *= self.beta2
        squares = (1 - self.beta2) * values
        squares *= values
        v += squares
        self.m[name][rows], self.v[name][rows] = m, v
        step = np.float32(rate) * m  # float32 throughout: a float64 rate would widen it
        root = np.sqrt(v)
        root += self.eps
        step /= root
        self.params[name][rows] -= step


class Batch(NamedTuple):
    groups: list[SparseGroup]
    labels: np.ndarray
    # A target distribution per row, where a teacher gave one (distillation);
    # None: each label's own.
    targets: np.ndarray | None = None
    # Each row's label for the auxiliary output layer (-1: none), if any.
    auxiliary: np.ndarray | None = None


class Examples(Protocol):
    """Where the training loop's batches come from, epoch by epoch."""

    def epoch(self, batch_size: int, per_class_cap: int | None, rng: np.random.Generator
              ) -> tuple[int, Iterator[Batch]]:
        """The epoch's number of steps, and its batches."""


class ArrayExamples:
    """Featurized examples held in memory (``groups`` row ``i`` has label
    ``labels[i]``); each epoch shuffles them, ``epoch_order`` capping each
    label. ``groups`` is read at each step: a caller may replace its items
    between epochs (``fit``'s ``before_epoch``)."""

    def __init__(self, groups: list[SparseGroup], labels: np.ndarray,
                 auxiliary: np.ndarray | None = None):
        self.groups = groups
        self.labels = labels
        self.auxiliary = auxiliary  # each row's label for an auxiliary layer (-1: none)

    def epoch(self, batch_size: int, per_class_cap: int | None, rng: np.random.Generator
              ) -> tuple[int, Iterator[Batch]]:
        order = epoch_order(self.labels, per_class_cap, rng)
        steps = -(-len(order) // batch_size)

        def batches() -> Iterator[Batch]:
            for step in range(steps):
                rows = order[step * batch_size:(step + 1) * batch_size]
                yield Batch(take_rows(self.groups, rows), self.labels[rows],
                            auxiliary=None if self.auxiliary is None else self.auxiliary[rows])
        return steps, batches()


def take_rows(groups: Sequence[SparseGroup], rows: np.ndarray) -> list[SparseGroup]:
    return [g.take(rows) for g in groups]


def epoch_order(labels: np.ndarray, cap: int | None, rng: np.random.Generator) -> np.ndarray:
    """A shuffled epoch; with ``cap``, at most ``cap`` random examples per label,
    so frequent labels do not drown rare ones and each epoch sees fresh ones."""
    if cap is None:
        return rng.permutation(len(labels))
    chosen = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        if len(members) > cap:
            members = rng.choice(members, cap, replace=False)
        chosen.append(members)
    return rng.permutation(np.concatenate(chosen))


def accuracy(network: FeedForwardNetwork, groups: Sequence[SparseGroup], labels: np.ndarray,
             batch_size: int = 4096) -> float:
    correct = 0
    for start in range(0, len(labels), batch_size):
        rows = np.arange(start, min(start + batch_size, len(labels)))
        logits = network.logits(take_rows(groups, rows))
        correct += int((logits.argmax(axis=1) == labels[rows]).sum())
    return correct / max(len(labels), 1)


def _cross_entropy_gradient(probs: np.ndarray, target: np.ndarray,
                            soft: np.ndarray | None = None) -> float:
    """Mean cross-entropy of a batch; turns ``probs`` into dLoss/dlogits in place.

    A negative target means "none of the labels" (e.g. gibberish): its target
    distribution is uniform, which teaches the network to stay unsure there.
    ``soft``: the other rows' target distributions (a teacher's mixed with
    the labels, ``augment.distilled_targets``) instead of their labels.
    """
    rows = np.arange(len(target))
    none = target < 0
    log_probs = np.log(np.maximum(probs, 1e-12))
    if soft is None:
        own = -log_probs[rows, np.maximum(target, 0)]
        probs[rows[~none], target[~none]] -= 1.0
    else:
        own = -(soft * log_probs).sum(axis=1)
        probs[~none] -= soft[~none]
    losses = np.where(none, -log_probs.mean(axis=1), own)
    probs[none] -= 1.0 / probs.shape[1]
    probs /= len(target)
    return float(losses.mean())


@dataclass(frozen=True)
class Auxiliary:
    """A second output layer, trained from the network's hidden layer beside
    its own and then dropped: labels the model never predicts (a tagger's
    XPOS) that still teach its hidden layer. ``weight``: its loss's share."""

    labels: int
    weight: float


class AuxiliaryLayer:
    """An ``Auxiliary`` layer's weights, their Adam, and its step."""

    def __init__(self, auxiliary: Auxiliary, hidden: int, rng: np.random.Generator):
        self.weight = auxiliary.weight
        self.params = dict(zip(("weights", "bias"), output_layer(hidden, auxiliary.labels, rng)))
        self.optimiser = Adam(self.params, decayed=("weights",))

    def step(self, hidden: np.ndarray, labels: np.ndarray, lr: float,
             weight_decay: float) -> np.ndarray:
        """Update the layer on a batch's hidden activations and labels (rows
        labelled -1 count for nothing); return its dLoss/dhidden, weighted."""
        probs = softmax(hidden @ self.params["weights"] + self.params["bias"])
        rows = np.flatnonzero(labels >= 0)
        probs[rows, labels[rows]] -= 1.0
        probs[labels < 0] = 0.0
        probs *= np.float32(self.weight / len(labels))
        d_hidden = probs @ self.params["weights"].T
        self.optimiser.step({"weights": hidden.T @ probs, "bias": probs.sum(axis=0)}, lr,
                            weight_decay)
        return d_hidden


def fit(network: FeedForwardNetwork, examples: Examples, options: TrainOptions,
        rng: np.random.Generator,
        dev: Callable[[FeedForwardNetwork], float] | None = None,
        progress: Callable[[Progress], None] | None = None,
        before_epoch: Callable[[int, FeedForwardNetwork], None] | None = None,
        lazy_embeddings: bool = False, auxiliary: Auxiliary | None = None) -> TrainResult:
    """Train ``network`` in place on ``examples``; with ``dev`` (network -> dev
    accuracy), keep the best epoch's weights and stop after ``patience``
    epochs without gain. ``before_epoch(epoch, network)`` may update the
    examples in place (a tagger swaps in its own predicted previous tags for
    scheduled sampling). ``lazy_embeddings``: each step updates only the
    embedding rows its batch touches (lazy Adam), which is several times
    faster on big tables than updating all of them. ``auxiliary``: a second
    output layer trained beside the network's on the batches' ``auxiliary``
    labels (``Auxiliary``).

    BLAS runs on one thread: these matrices are small enough that threads only
    add overhead, and one thread keeps results bit-for-bit reproducible.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(network, examples, options, rng, dev, progress, before_epoch,
                    lazy_embeddings, auxiliary)


def _fit(network: FeedForwardNetwork, examples: Examples, options: TrainOptions,
         rng: np.random.Generator, dev: Callable[[FeedForwardNetwork], float] | None,
         progress: Callable[[Progress], None] | None,
         before_epoch: Callable[[int, FeedForwardNetwork], None] | None,
         lazy_embeddings: bool, auxiliary: Auxiliary | None) -> TrainResult:
    params = network.parameters()
    optimiser = Adam(params, decayed=("hidden_weights", "output_weights"))
    auxiliary_layer = (None if auxiliary is None
                       else AuxiliaryLayer(auxiliary, network.hidden_size, rng))
    best = {k: v.copy() for k, v in params.items()}
    result = TrainResult(best_epoch=0, best_dev_accuracy=None)
    lr = options.learning_rate
    stale = 0
    for epoch in range(1, options.epochs + 1):
        if before_epoch:
            before_epoch(epoch, network)
        steps, batches = examples.epoch(options.batch_size, options.per_class_cap, rng)
        dev_acc = result.best_dev_accuracy
        total_loss = 0.0
        for step, batch in enumerate(batches):
            logits, cache = network.forward(batch.groups, options.dropout, rng)
            probs = softmax(logits)
            loss = _cross_entropy_gradient(probs, batch.labels, batch.targets)
            total_loss += loss
            d_hidden = None
            if auxiliary_layer is not None and batch.auxiliary is not None:
                d_hidden = auxiliary_layer.step(cache.hidden, batch.auxiliary, lr,
                                                options.weight_decay)
            optimiser.step(network.backward(cache, probs, lazy_embeddings, d_hidden), lr,
                           options.weight_decay)
            if progress:
                progress(Progress(epoch, step + 1, steps, loss, dev_acc))
        dev_acc = None if dev is None else dev(network)
        record = epoch_record(epoch, total_loss / max(steps, 1), lr, dev_acc)
        lr *= options.lr_decay
        if dev is None:
            best = {k: v.copy() for k, v in params.items()}
            result.best_epoch = epoch
        else:
            if result.best_dev_accuracy is None or dev_acc > result.best_dev_accuracy:
                result.best_dev_accuracy, result.best_epoch = dev_acc, epoch
                best = {k: v.copy() for k, v in params.items()}
                stale = 0
            else:
                stale += 1
        if progress:
            progress(Progress(epoch, steps, steps, record["loss"], dev_acc, epoch_end=True))
        result.history.append(record)
        if stale >= options.patience:
            break
    for name, value in best.items():
        params[name][...] = value
    return result
