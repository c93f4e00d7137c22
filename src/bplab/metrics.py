"""Classification metrics from predicted and true labels: accuracy, confusion matrix, precision, recall."""

import numpy as np


def confusion_matrix(true, predicted, classes):
    """Count samples by (true class, predicted class).

    Returns
    -------
    ndarray of shape (k, k), int64
        Entry [i, j] counts samples of class ``classes[i]`` predicted as ``classes[j]``.
    """
    classes = np.asarray(classes)
    index = {label: k for k, label in enumerate(classes.tolist())}
    matrix = np.zeros((len(classes), len(classes)), dtype=np.int64)
    for t, p in zip(np.asarray(true).tolist(), np.asarray(predicted).tolist()):
        matrix[index[t], index[p]] += 1
    return matrix


def precision_recall(matrix):
    """Return per-class precision and recall from a confusion matrix (0 where undefined)."""
    matrix = np.asarray(matrix, dtype=float)
    hits = np.diag(matrix)
    predicted = matrix.sum(axis=0)
    actual = matrix.sum(axis=1)
    precision = np.divide(hits, predicted, out=np.zeros_like(hits), where=predicted > 0)
    recall = np.divide(hits, actual, out=np.zeros_like(hits), where=actual > 0)
    return precision, recall


def report(true, predicted, classes):
    """Return accuracy, confusion matrix and per-class precision and recall as plain Python data."""
    matrix = confusion_matrix(true, predicted, classes)
    precision, recall = precision_recall(matrix)
    return {
        "accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
        "samples": int(matrix.sum()),
        "classes": np.asarray(classes).tolist(),
        "confusion_matrix": matrix.tolist(),
        "precision": precision.tolist(),
        "recall": recall.tolist(),
    }


def format_report(result, class_names=None):
    """Format a ``report`` result as a text table for the terminal."""
    names = [str(c) for c in (class_names or result["classes"])]
    width = max(5, max(len(n) for n in names))
    lines = [f"accuracy {result['accuracy']:.4f} on {result['samples']:,} samples", ""]
    lines.append(f"{'class':>{width}}  precision  recall")
    for name, p, r in zip(names, result["precision"], result["recall"]):
        lines.append(f"{name:>{width}}  {p:9.4f}  {r:6.4f}")
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    cell = max(4, len(str(max(max(row) for row in result["confusion_matrix"]))) + 1)
    lines.append(" " * width + "".join(f"{n[:cell - 1]:>{cell}}" for n in names))
    for name, row in zip(names, result["confusion_matrix"]):
        lines.append(f"{name:>{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)
