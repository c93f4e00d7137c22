"""Per-epoch measurements for training: cost, accuracy, weight change and mean |delta^l|.

Measurements run in chunks of ``CHUNK`` samples with the epoch's final weights, so they cost
about one forward pass over the data, far less than the epoch itself.
"""

import numpy as np

from bplab.costs import get_cost

CHUNK = 8192
# Training rows on which J and the accuracy are measured after each epoch. A larger training
# set is measured on a fixed random subsample of this size, so measuring costs a small share
# of an epoch. Validation data is always measured whole.
MEASURE_SAMPLES = 10000
# Samples whose deltas are averaged for the per-layer mean |delta^l| curve.
DELTA_SAMPLES = 1000


def measure_rows(X, Y, seed):
    """Return the training rows measured after each epoch: all of them, or a fixed subsample."""
    if len(X) <= MEASURE_SAMPLES:
        return X, Y
    # A separate stream, so that with an integer seed the subsample does not shift the epoch
    # shuffles drawn from it.
    rng = np.random.default_rng(np.random.default_rng(seed).integers(2**63) + 1)
    index = np.sort(rng.choice(len(X), MEASURE_SAMPLES, replace=False))
    return X[index], Y[index]


def is_classification(Y):
    """True when every target row is one-hot (or, with one output, every target is 0 or 1)."""
    if Y.shape[1] == 1:
        return bool(np.isin(Y, (0, 1)).all())
    return bool((np.isin(Y, (0, 1)).all(axis=1) & (Y.sum(axis=1) == 1)).all())


def cost_and_accuracy(net, X, Y, classification=None):
    """Return the mean cost J over the rows of X, and the accuracy (None for non-class targets)."""
    if classification is None:
        classification = is_classification(Y)
    cost = get_cost(net.cost_name)
    f_L = net.f[net.L]
    total = 0.0
    correct = 0
    for start in range(0, len(X), CHUNK):
        a, z = net._forward_columns(X[start:start + CHUNK].T)
        y = Y[start:start + CHUNK].T
        total += float(cost.J(z[net.L], a[net.L], y, f_L).sum())
        if classification:
            correct += int(_correct(a[net.L], y, net.output_activation))
    accuracy = correct / len(X) if classification else None
    return total / len(X), accuracy


def _correct(a_L, y, output_activation):
    if a_L.shape[0] == 1:
        # One output is a class only for 0/1 targets, so 0.5 splits them for every activation.
        return ((a_L[0] >= 0.5) == (y[0] >= 0.5)).sum()
    return (a_L.argmax(axis=0) == y.argmax(axis=0)).sum()


def mean_abs_delta(net, X, Y):
    """Return mean |delta^l| for l = 2..L over the first ``DELTA_SAMPLES`` rows of X."""
    _, _, delta = net._gradients_columns(X[:DELTA_SAMPLES].T, Y[:DELTA_SAMPLES].T)
    return [float(np.abs(delta[l]).mean()) for l in range(2, net.L + 1)]


def snapshot(net):
    """Return copies of the weights, to measure change or to roll back to."""
    return [w.copy() for w in net.parameters()]


def restore(net, saved):
    """Copy saved weights back into the network's arrays."""
    for w, value in zip(net.parameters(), saved):
        w[...] = value


def max_change(net, saved):
    """Return the largest |w_new - w_old| over every weight and bias."""
    return max(float(np.abs(w - old).max()) for w, old in zip(net.parameters(), saved))


def is_finite(net, record):
    """True when the cost and every weight are finite."""
    if not np.isfinite(record["J"]):
        return False
    return all(np.isfinite(w).all() for w in net.parameters())


def measure(net, data, epoch, before):
    """Build the record of one epoch from the network's current weights."""
    with np.errstate(over="ignore", invalid="ignore"):
        J, accuracy = cost_and_accuracy(net, data.X_measure, data.Y_measure, data.classification)
        record = {"epoch": epoch, "J": J, "train_accuracy": accuracy, "J_samples": len(data.X_measure),
                  "val_J": None, "val_accuracy": None}
        if data.X_val is not None:
            record["val_J"], record["val_accuracy"] = cost_and_accuracy(net, data.X_val, data.Y_val)
        record["max_weight_change"] = max_change(net, before)
        record["mean_abs_delta"] = mean_abs_delta(net, data.X, data.Y)
    return record


def format_record(record, epochs):
    """Format one epoch as a fixed-width line for verbose output."""
    parts = [f"epoch {record['epoch']:>{len(str(epochs))}}/{epochs}", f"J {record['J']:.6f}"]
    if record["train_accuracy"] is not None:
        parts.append(f"train acc {record['train_accuracy']:.4f}")
    if record["val_accuracy"] is not None:
        parts.append(f"val acc {record['val_accuracy']:.4f}")
    elif record["val_J"] is not None:
        parts.append(f"val J {record['val_J']:.6f}")
    parts.append(f"max|dW| {record['max_weight_change']:.2e}")
    parts.append(f"{record['seconds']:.2f} s")
    return "  ".join(parts)


class Tracker:
    """Keeps the weights of the epoch with the lowest validation cost, when there is validation data."""

    def __init__(self, has_validation):
        self.has_validation = has_validation
        self.best_J = np.inf
        self.best_epoch = None
        self.best_weights = None
        self.epochs_without_improvement = 0

    def update(self, net, record):
        """Note one epoch's record; copy the weights if its validation cost is the best so far."""
        if not self.has_validation:
            return
        if record["val_J"] < self.best_J:
            self.best_J = record["val_J"]
            self.best_epoch = record["epoch"]
            self.best_weights = snapshot(net)
            self.epochs_without_improvement = 0
        else:
            self.epochs_without_improvement += 1

    def finish(self, net):
        """Restore the best validation weights, if any, and return their epoch."""
        if self.best_weights is not None:
            restore(net, self.best_weights)
        return self.best_epoch
