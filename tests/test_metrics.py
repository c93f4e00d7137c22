"""Tests of the classification metrics on a hand-made example with known values."""

import numpy as np
import pytest

from bplab import metrics

# Eight samples of classes 0, 1, 2 and 3. Class 2 is never predicted and class 3 never occurs.
TRUE = [0, 0, 0, 1, 1, 2, 2, 1]
PREDICTED = [0, 0, 1, 1, 1, 0, 1, 3]
CLASSES = [0, 1, 2, 3]
# Rows: true class, columns: predicted class.
MATRIX = [
    [2, 1, 0, 0],
    [0, 2, 0, 1],
    [1, 1, 0, 0],
    [0, 0, 0, 0],
]


def test_confusion_matrix_counts():
    """Entry [i, j] counts samples of class i predicted as j."""
    matrix = metrics.confusion_matrix(TRUE, PREDICTED, CLASSES)
    np.testing.assert_array_equal(matrix, MATRIX)
    assert matrix.dtype == np.int64


def test_confusion_matrix_original_labels():
    """Class labels need not be 0..k-1: rows and columns follow the order of ``classes``."""
    matrix = metrics.confusion_matrix(["b", "a", "a"], ["a", "a", "b"], ["a", "b"])
    np.testing.assert_array_equal(matrix, [[1, 1], [1, 0]])


def test_confusion_matrix_unknown_label():
    """A label outside ``classes`` is an error, not a silent miscount."""
    with pytest.raises(KeyError):
        metrics.confusion_matrix([0, 5], [0, 0], [0, 1])


def test_precision_recall_values():
    """Precision = hits / predicted count, recall = hits / true count, 0 where undefined."""
    precision, recall = metrics.precision_recall(MATRIX)
    # Class 0: 2 hits of 3 predicted (samples 0, 1, 5) and of 3 true.
    # Class 1: 2 hits of 4 predicted and of 3 true.
    # Class 2: never predicted, so precision 0; 0 of 2 true.
    # Class 3: 0 hits of 1 predicted; no true samples, so recall 0.
    np.testing.assert_allclose(precision, [2 / 3, 2 / 4, 0.0, 0.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(recall, [2 / 3, 2 / 3, 0.0, 0.0], rtol=0, atol=1e-15)


def test_report_values():
    """report returns accuracy, sample count and the per-class numbers as plain Python data."""
    result = metrics.report(np.array(TRUE), np.array(PREDICTED), np.array(CLASSES))
    assert result["accuracy"] == 4 / 8
    assert result["samples"] == 8
    assert result["classes"] == CLASSES
    assert result["confusion_matrix"] == MATRIX
    assert result["precision"] == pytest.approx([2 / 3, 0.5, 0.0, 0.0], abs=1e-15)
    assert result["recall"] == pytest.approx([2 / 3, 2 / 3, 0.0, 0.0], abs=1e-15)
    assert type(result["confusion_matrix"][0][0]) is int
    assert type(result["precision"][0]) is float


def test_report_empty():
    """With no samples the accuracy is 0, not a division by zero."""
    result = metrics.report([], [], [0, 1])
    assert result["accuracy"] == 0.0
    assert result["samples"] == 0
    assert result["confusion_matrix"] == [[0, 0], [0, 0]]


def test_format_report_table():
    """format_report prints the accuracy, one precision/recall row per class and the matrix."""
    text = metrics.format_report(metrics.report(TRUE, PREDICTED, CLASSES))
    lines = text.splitlines()
    assert lines[0] == "accuracy 0.5000 on 8 samples"
    assert lines[2] == "class  precision  recall"
    assert lines[3] == "    0     0.6667  0.6667"
    assert lines[5] == "    2     0.0000  0.0000"
    assert lines[-5] == "        0   1   2   3"
    assert lines[-4] == "    0   2   1   0   0"
    assert lines[-1] == "    3   0   0   0   0"


def test_format_report_class_names():
    """Class names replace the labels and widen the first column."""
    text = metrics.format_report(metrics.report(TRUE, PREDICTED, CLASSES),
                                 ["T-shirt/top", "Trouser", "Pullover", "Dress"])
    lines = text.splitlines()
    assert lines[3] == "T-shirt/top     0.6667  0.6667"
    assert lines[-1].startswith("      Dress")
