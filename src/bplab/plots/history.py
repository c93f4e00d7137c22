"""Training curves from a history: J, accuracy and mean |delta^l| per epoch, and run comparisons.

A history is the list of per-epoch dicts that ``bplab.train`` returns, with the keys
"epoch", "J", "train_accuracy", "val_J", "val_accuracy" and "mean_abs_delta" (one value per
layer l = 2..L). Accuracies are fractions in [0, 1] and are drawn as percentages.
"""

from matplotlib.ticker import MaxNLocator
import numpy as np

from bplab.plots._figure import check_png_path, new_figure, save_figure


def check_history(history, name="history"):
    """Return history as a list of dicts with a "J" key, or raise ValueError."""
    if not isinstance(history, (list, tuple)) or len(history) == 0:
        raise ValueError(f"{name} must be a non-empty list of per-epoch dicts, got {history!r:.80}")
    for index, record in enumerate(history):
        if not isinstance(record, dict) or "J" not in record:
            raise ValueError(f"{name}[{index}] must be a dict with a 'J' key, got {record!r:.80}")
    return list(history)


def _epochs(history):
    return np.array([record.get("epoch", index + 1) for index, record in enumerate(history)])


def _series(history, key, scale=1.0):
    """Return one value per epoch as floats, NaN where the record has None or no key."""
    values = [record.get(key) for record in history]
    return np.array([np.nan if value is None else scale * float(value) for value in values])


def has_series(history, key):
    """Return True if at least one epoch has a value for key."""
    return any(record.get(key) is not None for record in history)


def plot_cost(history, path, title="Cost J per epoch"):
    """Draw training J (and validation J, if recorded) against the epoch, and save as PNG.

    Parameters
    ----------
    history : list of dict
        Per-epoch records with "J" and optionally "val_J".
    path : str or Path
        The PNG file to write.
    title : str, optional

    Returns
    -------
    Path
        The file written.
    """
    history = check_history(history)
    path = check_png_path(path)
    figure = new_figure()
    ax = figure.add_subplot()
    epochs = _epochs(history)
    ax.plot(epochs, _series(history, "J"), "-o", markersize=3, label="training J")
    if has_series(history, "val_J"):
        ax.plot(epochs, _series(history, "val_J"), "-s", markersize=3, label="validation J")
    _use_log_scale_if_wide(ax, _series(history, "J"))
    return _finish_epoch_plot(figure, ax, "mean cost J", title, path)


def plot_accuracy(history, path, title="Accuracy per epoch"):
    """Draw training (and validation) accuracy in percent against the epoch; save as PNG.

    Raises
    ------
    ValueError
        If no epoch records an accuracy (a regression run).
    """
    history = check_history(history)
    path = check_png_path(path)
    if not (has_series(history, "train_accuracy") or has_series(history, "val_accuracy")):
        raise ValueError("history has no accuracy values; accuracy is only recorded for labels")
    figure = new_figure()
    ax = figure.add_subplot()
    epochs = _epochs(history)
    for key, label, marker in (("train_accuracy", "training", "-o"),
                               ("val_accuracy", "validation", "-s")):
        if has_series(history, key):
            ax.plot(epochs, _series(history, key, scale=100.0), marker, markersize=3, label=label)
    return _finish_epoch_plot(figure, ax, "accuracy (%)", title, path)


def plot_deltas(history, path, title="Mean |\u03b4\u02e1| per layer (log scale)"):
    """Draw the mean |delta^l| of each layer l = 2..L against the epoch on a log scale.

    In sigmoid networks the curves for lower layers sit below the upper ones, because each
    ``bc`` step multiplies by f'(z) <= 1/4: the shrinking gradient is visible here.

    Raises
    ------
    ValueError
        If the history has no "mean_abs_delta" values.
    """
    history = check_history(history)
    path = check_png_path(path)
    rows = [record.get("mean_abs_delta") for record in history]
    if not any(rows):
        raise ValueError("history has no 'mean_abs_delta' values; train with record_deltas=True")
    layers = max(len(row) for row in rows if row)
    deltas = np.full((len(history), layers), np.nan)
    for index, row in enumerate(rows):
        if row:
            deltas[index, :len(row)] = row
    # A log axis cannot show 0, so exact zeros (dead units) are left as gaps.
    deltas[deltas <= 0] = np.nan

    figure = new_figure()
    ax = figure.add_subplot()
    epochs = _epochs(history)
    for column in range(layers):
        ax.plot(epochs, deltas[:, column], "-o", markersize=3, label=f"layer l = {column + 2}")
    ax.set_yscale("log")
    return _finish_epoch_plot(figure, ax, "mean |\u03b4\u02e1| over samples and units", title, path)


def plot_cost_comparison(runs, path, title="Cost J per epoch"):
    """Draw the training J of several runs on one axis, such as online, batch and mini-batch.

    Parameters
    ----------
    runs : list of (str, list of dict)
        A legend label and a history for each run.
    path : str or Path
        The PNG file to write.
    title : str, optional

    Returns
    -------
    Path
        The file written.
    """
    if not isinstance(runs, (list, tuple)) or len(runs) == 0:
        raise ValueError("runs must be a non-empty list of (label, history) pairs")
    path = check_png_path(path)
    figure = new_figure()
    ax = figure.add_subplot()
    all_values = []
    for index, run in enumerate(runs):
        try:
            label, history = run
        except (TypeError, ValueError):
            raise ValueError(f"runs[{index}] must be a (label, history) pair, got {run!r:.80}") from None
        history = check_history(history, name=f"history of run {label!r}")
        values = _series(history, "J")
        all_values.append(values)
        ax.plot(_epochs(history), values, "-o", markersize=3, label=str(label))
    _use_log_scale_if_wide(ax, np.concatenate(all_values))
    return _finish_epoch_plot(figure, ax, "mean cost J (training)", title, path)


def _use_log_scale_if_wide(ax, values, ratio=100.0):
    """Switch to a log y axis when positive J values span more than ``ratio``."""
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite > 0) and finite.max() / finite.min() > ratio:
        ax.set_yscale("log")


def _finish_epoch_plot(figure, ax, ylabel, title, path):
    """Label an epoch-axis plot, add its grid and legend, and save it as PNG."""
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return save_figure(figure, path)
