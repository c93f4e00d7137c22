"""bplab.train: repeat online, mini-batch or batch BP epochs until a stopping rule holds.

The lecture's Step 5 reads "return to Step 3 until each W^l converges". Here that is made
concrete by four rules, checked after every epoch in this order: the largest weight change in
the epoch fell below ``tol``; J improved by less than ``cost_tol`` (relative); the validation
cost has not improved for ``patience`` epochs; ``epochs`` were run.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from bplab import batch, evaluation, online
from bplab._inputs import check_scalar
from bplab.update import new_velocity

ALGORITHMS = ("online", "batch", "minibatch")
STOP_RULES = ("weights_converged", "cost_converged", "patience", "epochs", "interrupted")


class StopTraining(Exception):
    """Raise from a training callback to stop after the current epoch."""


class DivergenceError(RuntimeError):
    """Training produced a NaN or infinite cost or weight.

    The network keeps the weights of the last finite epoch, and ``result`` contains the
    history up to it.
    """

    def __init__(self, message, result):
        super().__init__(message)
        self.result = result


class TrainingInterrupted(UserWarning):
    """Training stopped early on Ctrl-C or a callback's request."""


@dataclass
class TrainResult:
    """Result of one call of ``train``: the history and why training stopped.

    Attributes
    ----------
    history : list of dict
        One record per epoch: epoch, J, train_accuracy, J_samples, val_J, val_accuracy,
        max_weight_change, seconds, train_seconds, mean_abs_delta (one value per layer
        l = 2..L). J and train_accuracy are measured on J_samples training rows: all of them,
        or a fixed random 10,000 of a larger set.
    stopped_by : str
        The rule that stopped training, one of ``STOP_RULES``.
    epochs : int
        Epochs completed.
    seconds : float
        Wall time of the whole call.
    best_epoch : int or None
        With validation data, the epoch whose weights the network ends with.
    settings : dict
        The settings used, JSON-serialisable.
    """

    history: list = field(default_factory=list)
    stopped_by: str = "epochs"
    epochs: int = 0
    seconds: float = 0.0
    best_epoch: int = None
    settings: dict = field(default_factory=dict)


def train(net, X, Y, algorithm="online", batch_size=None, learning_rate=0.5, epochs=30,
          momentum=0.0, l2=0.0, tol=None, cost_tol=None, patience=None, validation_data=None,
          validation_split=0.0, shuffle=True, seed=None, batch_gradient="mean", callback=None,
          verbose=False, engine="auto", learning_rate_decay=0.0):
    """Train ``net`` by backpropagation and steepest descent, continuing from its weights.

    Parameters
    ----------
    net : Network
    X : array-like of shape (m, n_1)
        Training samples, one per row.
    Y : array-like of shape (m, n_L) or (m,)
        Targets, or class labels (one-hot encoded for you).
    algorithm : {"online", "batch", "minibatch"}, default "online"
        Online BP updates after every sample, batch BP once per epoch over all m samples,
        mini-batch BP once per ``batch_size`` samples.
    batch_size : int, optional
        Mini-batch size, 1 <= batch_size <= m (default 32). Online implies 1 and batch m.
    learning_rate : float, default 0.5
        alpha in w <- w - alpha dJ/dw; must be > 0.
    epochs : int, default 30
        Maximum number of epochs to run.
    momentum : float, default 0.0
        mu in [0, 1), see ``bplab.update``.
    l2 : float, default 0.0
        Weight decay lambda >= 0 on W^l (not on biases).
    tol : float, optional
        Stop when the largest |change| of any weight over an epoch is below ``tol``.
    cost_tol : float, optional
        Stop when (J_prev - J) / J_prev < ``cost_tol``, J being the training cost.
    patience : int, optional
        Stop when the validation cost has not improved for this many epochs. Needs validation
        data.
    validation_data : tuple (X_val, Y_val), optional
    validation_split : float, default 0.0
        Fraction of the training samples (chosen by ``seed``) held out for validation when
        ``validation_data`` is not given.
    shuffle : bool, default True
        Visit samples in a new order each epoch, drawn from ``seed``.
    seed : int or numpy.random.Generator, optional
    batch_gradient : {"mean", "sum"}, default "mean"
        Step along the mean of the accumulated per-sample gradients (the gradient of
        J = (1/m) sum J(x, y)) or along their plain sum, as the lecture's batch Step 3 writes.
    callback : callable, optional
        Called with each epoch's record after it is added to the history. It may raise
        ``StopTraining`` (or KeyboardInterrupt) to stop after that epoch.
    verbose : bool, default False
        Print one line per epoch.
    learning_rate_decay : float, default 0.0
        Epoch k (from 1) uses alpha_k = learning_rate / (1 + learning_rate_decay (k - 1)), so
        late epochs take smaller steps; 0 keeps alpha fixed as in the lecture.
    engine : {"auto", "reference", "fast"}, default "auto"
        "reference" runs the lecture-shaped NumPy code of ``bplab.online`` and ``bplab.batch``;
        "fast" the optimised engine of ``bplab.fast``, which computes the same updates; "auto"
        uses the fast engine where it supports the settings.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError, TypeError
        On invalid data or settings; the network is left untouched.
    DivergenceError
        When J or a weight becomes NaN or infinite; the network keeps the last finite weights.
    """
    settings = _check_settings(algorithm, learning_rate, epochs, momentum, l2, tol, cost_tol,
                               patience, validation_split, batch_gradient, engine, shuffle,
                               learning_rate_decay)
    classes_before = net.classes_
    try:
        data = _prepare_data(net, X, Y, validation_data, validation_split, seed, settings)
        settings["batch_size"] = _resolve_batch_size(algorithm, batch_size, len(data.X))
    except (ValueError, TypeError):
        net.classes_ = classes_before
        raise
    return _run(net, data, settings, np.random.default_rng(seed), callback, verbose)


@dataclass
class _Data:
    X: np.ndarray
    Y: np.ndarray
    X_val: np.ndarray = None
    Y_val: np.ndarray = None
    classification: bool = False
    X_measure: np.ndarray = None
    Y_measure: np.ndarray = None


def _check_settings(algorithm, learning_rate, epochs, momentum, l2, tol, cost_tol, patience,
                    validation_split, batch_gradient, engine, shuffle, learning_rate_decay):
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; expected one of: {', '.join(ALGORITHMS)}")
    if batch_gradient not in batch.BATCH_GRADIENTS:
        raise ValueError(f"batch_gradient must be 'mean' or 'sum'; got {batch_gradient!r}")
    if engine not in ("auto", "reference", "fast"):
        raise ValueError(f"engine must be 'auto', 'reference' or 'fast'; got {engine!r}")
    check_scalar(learning_rate, "learning_rate", low=0, low_open=True)
    check_scalar(epochs, "epochs", low=1, integer=True)
    check_scalar(momentum, "momentum", low=0, high=1, high_open=True)
    check_scalar(l2, "l2", low=0)
    check_scalar(learning_rate_decay, "learning_rate_decay", low=0)
    check_scalar(validation_split, "validation_split", low=0, high=1, high_open=True)
    for name, value in (("tol", tol), ("cost_tol", cost_tol)):
        if value is not None:
            check_scalar(value, name, low=0, low_open=True)
    if patience is not None:
        check_scalar(patience, "patience", low=1, integer=True)
    return {
        "algorithm": algorithm, "learning_rate": float(learning_rate), "epochs": int(epochs),
        "momentum": float(momentum), "l2": float(l2), "tol": tol, "cost_tol": cost_tol,
        "patience": patience, "validation_split": float(validation_split),
        "batch_gradient": batch_gradient, "engine": engine, "shuffle": bool(shuffle),
        "learning_rate_decay": float(learning_rate_decay),
    }


def _prepare_data(net, X, Y, validation_data, validation_split, seed, settings):
    X, Y = net.prepare(X, Y)
    X_val = Y_val = None
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise TypeError("validation_data must be a pair (X_val, Y_val)")
        X_val, Y_val = net.prepare(*validation_data)
    elif validation_split > 0:
        m_val = int(round(validation_split * len(X)))
        if m_val < 1 or m_val >= len(X):
            raise ValueError(
                f"validation_split={validation_split} of {len(X)} samples leaves "
                f"{m_val} for validation and {len(X) - m_val} for training; each needs at least one"
            )
        # A separate stream, so that with an integer seed the split does not shift the epoch
        # shuffles drawn from it.
        index = np.random.default_rng(np.random.default_rng(seed).integers(2**63)).permutation(len(X))
        X_val, Y_val = X[index[-m_val:]], Y[index[-m_val:]]
        X, Y = X[index[:-m_val]], Y[index[:-m_val]]
    if settings["patience"] is not None and X_val is None:
        raise ValueError("patience needs validation data; give validation_data or validation_split > 0")
    X_measure, Y_measure = evaluation.measure_rows(X, Y, seed)
    return _Data(X, Y, X_val, Y_val, evaluation.is_classification(Y), X_measure, Y_measure)


def _resolve_batch_size(algorithm, batch_size, m):
    if algorithm == "online":
        if batch_size not in (None, 1):
            raise ValueError(f"online BP updates after every sample, so batch_size must be 1; got {batch_size}")
        return 1
    if algorithm == "batch":
        if batch_size not in (None, m):
            raise ValueError(f"batch BP uses all m = {m} samples, so batch_size must be {m}; got {batch_size}")
        return m
    if batch_size is None:
        batch_size = min(32, m)
    check_scalar(batch_size, "batch_size", integer=True)
    if not 1 <= batch_size <= m:
        raise ValueError(f"batch_size must be between 1 and the number of samples m = {m}; got {batch_size}")
    return int(batch_size)


def _epoch_engine(name):
    """Return run_epoch functions to try in turn: the fast engine (if allowed), then the reference."""
    if name == "reference":
        return []
    try:
        from bplab import fast
    except ImportError:
        if name == "fast":
            raise
        return []
    return [fast.run_epoch]


def _run(net, data, settings, rng, callback, verbose):
    result = TrainResult(settings=settings)
    start = time.perf_counter()
    fast_engines = _epoch_engine(settings["engine"])
    reference = online.run_epoch if settings["batch_size"] == 1 else batch.run_epoch
    velocity = new_velocity(net) if settings["momentum"] else None
    tracker = evaluation.Tracker(data.X_val is not None)
    m = len(data.X)

    for epoch in range(1, settings["epochs"] + 1):
        t0 = time.perf_counter()
        order = rng.permutation(m) if settings["shuffle"] else np.arange(m)
        before = evaluation.snapshot(net)
        alpha = settings["learning_rate"] / (1.0 + settings["learning_rate_decay"] * (epoch - 1))
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                _run_epoch(fast_engines, reference, net, data, order, settings, velocity, alpha)
            train_seconds = time.perf_counter() - t0
            record = evaluation.measure(net, data, epoch, before)
        except KeyboardInterrupt:
            evaluation.restore(net, before)
            _stop(result, "interrupted", "training interrupted during an epoch; kept the weights from before it")
            break
        record["train_seconds"] = train_seconds
        record["seconds"] = time.perf_counter() - t0
        if not evaluation.is_finite(net, record):
            evaluation.restore(net, before)
            result.seconds = time.perf_counter() - start
            raise DivergenceError(
                f"training diverged in epoch {epoch}: J = {record['J']} with learning rate "
                f"{alpha:g}; the network keeps the weights of epoch {epoch - 1}. "
                f"Try a smaller learning rate, such as {settings['learning_rate'] / 10:g}",
                result,
            )
        result.history.append(record)
        result.epochs = epoch
        tracker.update(net, record)
        if verbose:
            print(evaluation.format_record(record, settings["epochs"]), flush=True)
        rule = _stopping_rule(result.history, settings, tracker)
        try:
            if callback is not None:
                callback(record)
        except (StopTraining, KeyboardInterrupt):
            _stop(result, "interrupted", f"training stopped on request after epoch {epoch}")
            break
        if rule:
            result.stopped_by = rule
            break

    result.best_epoch = tracker.finish(net)
    result.seconds = time.perf_counter() - start
    return result


def _run_epoch(fast_engines, reference, net, data, order, settings, velocity, alpha):
    args = (net, data.X, data.Y, order, alpha, settings["batch_size"],
            settings["momentum"], settings["l2"], velocity, settings["batch_gradient"])
    for run_epoch in fast_engines:
        if run_epoch(*args):
            return
    reference(*args)


def _stopping_rule(history, settings, tracker):
    record = history[-1]
    if settings["tol"] is not None and record["max_weight_change"] < settings["tol"]:
        return "weights_converged"
    if settings["cost_tol"] is not None and len(history) > 1:
        previous = history[-2]["J"]
        if (previous - record["J"]) / max(abs(previous), 1e-300) < settings["cost_tol"]:
            return "cost_converged"
    if settings["patience"] is not None and tracker.epochs_without_improvement >= settings["patience"]:
        return "patience"
    return None


def _stop(result, rule, message):
    result.stopped_by = rule
    # Level 4 is the caller of train(): _stop <- _run <- train <- caller.
    warnings.warn(message, TrainingInterrupted, stacklevel=4)
