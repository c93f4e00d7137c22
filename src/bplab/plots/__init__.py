"""PNG figures for descent paths and training runs, drawn with matplotlib's Agg canvas.

Every function writes one PNG file (through a temporary name, then a rename) and returns its
path. No window is opened and pyplot is not used, so the functions are safe in scripts,
tests and servers whatever ``MPLBACKEND`` is set to.
"""

from pathlib import Path

import numpy as np

from bplab.plots.descent import plot_descent
from bplab.plots.history import (
    has_series,
    plot_accuracy,
    plot_cost,
    plot_cost_comparison,
    plot_deltas,
)
from bplab.metrics import confusion_matrix
from bplab.plots.images import (
    plot_confusion_matrix,
    plot_first_layer_weights,
    plot_misclassified,
)

__all__ = [
    "plot_accuracy",
    "plot_confusion_matrix",
    "plot_cost",
    "plot_cost_comparison",
    "plot_deltas",
    "plot_descent",
    "plot_first_layer_weights",
    "plot_misclassified",
    "write_training_figures",
]


def write_training_figures(out_dir, history, W1=None, confusion=None, class_names=None,
                           images=None, true=None, pred=None, labels=None):
    """Write every training figure that the given data allows into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder for the PNG files; created if missing. Existing files are replaced.
    history : list of dict or None
        Per-epoch records. Gives cost.png, plus accuracy.png and deltas.png when the
        records have accuracies and mean |delta^l| values.
    W1 : ndarray of shape (n_2, n_1), optional
        Gives weights.png when the n_1 inputs form a square image of at least 8 x 8 pixels
        (such as 784 = 28 x 28).
    confusion : ndarray of shape (k, k), optional
        Gives confusion.png. Computed from ``true`` and ``pred`` when they are given instead.
    class_names : list of str, optional
        Names of the k classes, in the order of ``labels``.
    images : ndarray of shape (m, n_1) or (m, h, w), optional
        With ``true`` and ``pred``, gives misclassified.png when the rows are square images
        of at least 8 x 8 pixels.
    true, pred : array-like of shape (m,), optional
        True and predicted labels of ``images``.
    labels : array-like of shape (k,), optional
        The label value of each class, the rows of ``confusion``. Defaults to 0..k-1 when
        ``class_names`` is given, else to the sorted labels seen in ``true`` and ``pred``.

    Returns
    -------
    list of Path
        The files written, in the order above.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if history:
        written.append(plot_cost(history, out_dir / "cost.png"))
        if has_series(history, "train_accuracy") or has_series(history, "val_accuracy"):
            written.append(plot_accuracy(history, out_dir / "accuracy.png"))
        if any(record.get("mean_abs_delta") for record in history):
            written.append(plot_deltas(history, out_dir / "deltas.png"))
    if W1 is not None and _is_image_width(np.shape(W1)[-1]):
        written.append(plot_first_layer_weights(W1, out_dir / "weights.png"))

    if labels is None and class_names is not None:
        labels = np.arange(len(class_names))
    if labels is None and true is not None and pred is not None:
        labels = np.union1d(true, pred)
    if confusion is None and true is not None and pred is not None:
        unknown = np.setdiff1d(np.union1d(true, pred), labels)
        if unknown.size:
            raise ValueError(f"labels {unknown.tolist()} are not among the classes {list(labels)}")
        confusion = confusion_matrix(true, pred, labels)
    names = None
    if labels is not None:
        names = list(class_names) if class_names is not None else [str(label) for label in labels]
    if confusion is not None:
        written.append(plot_confusion_matrix(confusion, out_dir / "confusion.png", names))
    images_drawable = images is not None and (np.ndim(images) == 3 or
                                              _is_image_width(np.shape(images)[-1]))
    if images_drawable and true is not None and pred is not None:
        label_names = None if names is None else dict(zip(np.asarray(labels).tolist(), names))
        written.append(plot_misclassified(images, true, pred, out_dir / "misclassified.png",
                                          class_names=label_names))
    return written


def _is_image_width(n_inputs):
    """Return True if n_inputs pixels form a square image of at least 8 x 8."""
    side = round(n_inputs**0.5)
    return side >= 8 and side * side == n_inputs
