"""Checks and conversions for data at the public edges, where samples are rows."""

import numbers

import numpy as np


def as_samples(X, n, dtype, name="X"):
    """Return X as a finite float array of shape (m, n), accepting one 1-D sample.

    Raises
    ------
    TypeError
        If X is not numeric.
    ValueError
        If X is empty, has the wrong number of columns, or contains NaN or infinite values.
    """
    try:
        X = np.asarray(X)
    except ValueError as error:
        raise ValueError(f"{name} must be a rectangular array of numbers; got ragged rows ({error})") from None
    if X.dtype == object or not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise TypeError(f"{name} must hold numbers; got an array of dtype {X.dtype}")
    if X.ndim == 1:
        X = X[None, :]
    if X.ndim != 2:
        raise ValueError(f"{name} must have shape (m, {n}) with one row per sample; got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples); give at least one row")
    if X.shape[1] != n:
        raise ValueError(
            f"{name} has {X.shape[1]} columns but the network's input layer has n_1 = {n} neurons; "
            f"give one row of {n} values per sample"
        )
    X = np.asarray(X, dtype=dtype)
    _check_finite(X, name)
    return X


def _check_finite(X, name):
    if not np.isfinite(X).all():
        row, col = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(
            f"{name} contains a non-finite value ({X[row, col]}) at row {row}, column {col}; "
            "remove or impute NaN and infinite values"
        )


def looks_like_labels(Y, n_L, single_sample, output_range=(-np.inf, np.inf)):
    """Tell class labels (one per sample) from target vectors (n_L values per sample)."""
    Y = np.asarray(Y)
    if n_L == 1:
        # One output neuron: numbers its activation can reach are targets. Strings, or two
        # values out of its range (3/7 for a sigmoid), name the two classes of a binary problem.
        return is_binary_labels(Y, output_range)
    if Y.ndim == 0:
        return True
    if Y.ndim == 2:
        return False
    if single_sample:
        # One sample: a vector of n_L numbers is its target; anything else is a label list.
        return not (len(Y) == n_L and np.issubdtype(Y.dtype, np.number))
    # Many samples and several outputs: a 1-D Y has one class label per sample.
    return True


def is_binary_labels(Y, output_range):
    """True for a 1-D Y of non-numeric labels, or of two numbers outside ``output_range``."""
    if Y.ndim > 1 and not (Y.ndim == 2 and Y.shape[1] == 1):
        return False
    if Y.dtype == bool:
        return False
    if not np.issubdtype(Y.dtype, np.number):
        return True
    values = np.unique(Y)
    low, high = output_range
    return len(values) == 2 and not ((values >= low) & (values <= high)).all()


def infer_classes(labels, n_L):
    """Return the sorted class list for ``labels``: 0..n_L-1 for small integers, else the labels seen."""
    labels = np.asarray(labels).ravel()
    if n_L > 1 and np.issubdtype(labels.dtype, np.integer) and labels.min() >= 0 and labels.max() < n_L:
        return np.arange(n_L, dtype=labels.dtype)
    classes = np.unique(labels)
    if n_L == 1:
        if len(classes) != 2:
            raise ValueError(
                f"Y has {len(classes)} distinct labels but a network with one output neuron separates "
                "exactly two classes; use n_L = number of classes, or 0/1 targets"
            )
        return classes
    if len(classes) != n_L:
        raise ValueError(
            f"Y has {len(classes)} distinct labels but the output layer has n_L = {n_L} neurons; "
            f"use a network with n_L = {len(classes)} outputs or labels 0..{n_L - 1}"
        )
    return classes


def one_hot(labels, classes, dtype, n_outputs=None):
    """Encode labels as rows of a one-hot matrix of shape (m, len(classes)), or (m, 1) for one output."""
    labels = np.asarray(labels).ravel()
    index = np.searchsorted(classes, labels)
    index = np.clip(index, 0, len(classes) - 1)
    unknown = classes[index] != labels
    if unknown.any():
        bad = labels[unknown][0].item()
        raise ValueError(
            f"Y contains the label {bad!r}, which is not one of the network's classes "
            f"{list(classes.tolist())}"
        )
    if n_outputs == 1:
        # Binary labels on one output neuron: the target is 1 for the second class, else 0.
        return (index == 1).astype(dtype)[:, None]
    Y = np.zeros((len(labels), len(classes)), dtype=dtype)
    Y[np.arange(len(labels)), index] = 1
    return Y


def as_targets(Y, n_L, dtype, name="Y"):
    """Return numeric targets as a finite float array of shape (m, n_L)."""
    Y = np.asarray(Y)
    if Y.dtype == object or not (np.issubdtype(Y.dtype, np.number) or Y.dtype == bool):
        raise TypeError(f"{name} targets must be numbers; got an array of dtype {Y.dtype}")
    if Y.ndim <= 1:
        Y = Y.reshape(-1, n_L) if Y.size % n_L == 0 and Y.size else Y.reshape(1, -1)
    if Y.ndim != 2 or Y.shape[1] != n_L:
        raise ValueError(
            f"{name} has {Y.shape[-1]} columns but the output layer has n_L = {n_L} neurons; "
            f"give {n_L} target values per sample, or one class label per sample"
        )
    if Y.shape[0] == 0:
        raise ValueError(f"{name} is empty (0 samples); give at least one target")
    Y = np.asarray(Y, dtype=dtype)
    _check_finite(Y, name)
    return Y


def check_scalar(value, name, low=None, high=None, integer=False, low_open=False, high_open=False):
    """Check one numeric setting and return it; the message names the setting and its range."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        expected = "an integer" if integer else "a number"
        raise TypeError(f"{name} must be {expected}; got {value!r} of type {type(value).__name__}")
    if not integer and not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{'-inf' if low is None else low}, {'inf' if high is None else high}{right}"
        raise ValueError(f"{name} must be in {interval}; got {value!r}")
    return value
