"""User data from CSV and NPZ files: layouts, types and errors that name file, row and column."""

import numpy as np
import pytest

from bplab.data.tabular import load_csv, load_npz, load_table


def _csv(tmp_path, text, name="data.csv"):
    """Write ``text`` to a CSV file and return its path."""
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_without_header(tmp_path):
    """Label first, features after; pixel-like values come back as uint8, labels as int64."""
    features, labels = load_csv(_csv(tmp_path, "3,0,128,255\n7,1,2,3\n"))
    assert features.dtype == np.uint8
    assert features.tolist() == [[0, 128, 255], [1, 2, 3]]
    assert labels.dtype == np.int64
    assert labels.tolist() == [3, 7]


def test_csv_header_detected(tmp_path):
    """A first row with a non-numeric cell is a header and is skipped."""
    features, labels = load_csv(_csv(tmp_path, "label,x1,x2\n1,0.5,-2\n0,1.25,3\n"))
    assert features.dtype == np.float64
    np.testing.assert_array_equal(features, [[0.5, -2.0], [1.25, 3.0]])
    assert labels.tolist() == [1, 0]


def test_csv_semicolons_blank_lines_and_float_labels(tmp_path):
    """Semicolon separators and blank lines are accepted; fractional labels stay float64."""
    features, labels = load_csv(_csv(tmp_path, "0.5;1;2\n\n-1.5;3;4\n"))
    assert features.tolist() == [[1, 2], [3, 4]]
    assert labels.dtype == np.float64
    assert labels.tolist() == [0.5, -1.5]


def test_csv_ragged_row(tmp_path):
    """A row with a different number of cells is named by its line number."""
    path = _csv(tmp_path, "1,2,3\n4,5\n", name="ragged.csv")
    with pytest.raises(ValueError, match=r"ragged\.csv, row 2: expected 3 columns \(as in the first row\), got 2"):
        load_csv(path)


def test_csv_non_numeric_cell_with_header_name(tmp_path):
    """A cell that is not a number is named by row, column and header."""
    path = _csv(tmp_path, "label,a,b\n1,2,3\n0,4,five\n", name="words.csv")
    with pytest.raises(ValueError, match=r"words\.csv, row 3, column 3 \('b'\): 'five' is not a number"):
        load_csv(path)


def test_csv_missing_label(tmp_path):
    """An empty first cell is reported as a missing label."""
    path = _csv(tmp_path, "1,2,3\n,5,6\n", name="nolabel.csv")
    with pytest.raises(ValueError, match=r"nolabel\.csv, row 2, column 1: missing label"):
        load_csv(path)


def test_csv_missing_value(tmp_path):
    """An empty feature cell is reported as a missing value."""
    path = _csv(tmp_path, "1,2,3\n0,,6\n", name="hole.csv")
    with pytest.raises(ValueError, match=r"hole\.csv, row 2, column 2: missing value"):
        load_csv(path)


def test_csv_not_finite(tmp_path):
    """NaN and infinity are rejected with their cell."""
    path = _csv(tmp_path, "1,2,nan\n", name="nan.csv")
    with pytest.raises(ValueError, match=r"nan\.csv, row 1, column 3: 'nan' is not a finite number"):
        load_csv(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"], ids=["zero-bytes", "blank-lines"])
def test_csv_empty(tmp_path, text):
    """An empty file is named as empty."""
    path = _csv(tmp_path, text, name="empty.csv")
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        load_csv(path)


def test_csv_header_only(tmp_path):
    """A header without data rows is an error."""
    path = _csv(tmp_path, "label,x\n", name="head.csv")
    with pytest.raises(ValueError, match=r"head\.csv: the file has a header row but no data rows"):
        load_csv(path)


def test_csv_single_column(tmp_path):
    """A label column alone has no features."""
    path = _csv(tmp_path, "1\n2\n", name="one.csv")
    with pytest.raises(ValueError, match=r"one\.csv: found 1 column; expected a label column followed"):
        load_csv(path)


def test_csv_missing_file(tmp_path):
    """A missing CSV file raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match=r"CSV file not found: .*absent\.csv"):
        load_csv(tmp_path / "absent.csv")


def test_npz_images_flattened(tmp_path):
    """X of shape (m, 28, 28) becomes (m, 784); y keeps its values as int64."""
    path = tmp_path / "set.npz"
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    np.savez(path, X=images, y=np.array([4, 9], dtype=np.uint8))
    features, labels = load_npz(path)
    assert features.shape == (2, 784)
    assert features.dtype == np.uint8
    assert features[1, 0] == images[1, 0, 0]
    assert labels.dtype == np.int64
    assert labels.tolist() == [4, 9]


def test_npz_float_targets_kept(tmp_path):
    """Two-column float targets pass through unchanged."""
    path = tmp_path / "regression.npz"
    targets = np.array([[0.1, 0.9], [0.7, 0.3]])
    np.savez(path, X=np.eye(2), y=targets)
    _, labels = load_npz(path)
    np.testing.assert_array_equal(labels, targets)


def test_npz_missing_array(tmp_path):
    """An archive without y lists what it does contain."""
    path = tmp_path / "noy.npz"
    np.savez(path, X=np.eye(2), labels=np.arange(2))
    with pytest.raises(ValueError, match=r"noy\.npz: missing array y; expected arrays 'X'.*found \['X', 'labels'\]"):
        load_npz(path)


def test_npz_object_array_rejected(tmp_path):
    """Object arrays need pickle, which is never allowed."""
    path = tmp_path / "objects.npz"
    np.savez(path, X=np.array([[1], [2]], dtype=object), y=np.arange(2))
    with pytest.raises(ValueError, match=r"objects\.npz: contains object arrays"):
        load_npz(path)


def test_npz_length_mismatch(tmp_path):
    """X and y of different lengths are reported with both counts."""
    path = tmp_path / "uneven.npz"
    np.savez(path, X=np.zeros((3, 2)), y=np.arange(2))
    with pytest.raises(ValueError, match=r"uneven\.npz: 'X' has 3 samples but 'y' has 2 labels"):
        load_npz(path)


def test_npz_one_dimensional_x(tmp_path):
    """A 1-D X is rejected: samples must be rows."""
    path = tmp_path / "flat.npz"
    np.savez(path, X=np.arange(3.0), y=np.arange(3))
    with pytest.raises(ValueError, match=r"flat\.npz: array 'X' has shape \(3,\); expected one sample per row"):
        load_npz(path)


def test_npz_not_finite(tmp_path):
    """NaN in X is rejected."""
    path = tmp_path / "nan.npz"
    np.savez(path, X=np.array([[np.nan, 1.0]]), y=np.array([0]))
    with pytest.raises(ValueError, match=r"nan\.npz: array 'X' contains NaN or infinite values"):
        load_npz(path)


def test_npz_corrupt_file(tmp_path):
    """A file that is not a zip archive is reported as an invalid NPZ file."""
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive")
    with pytest.raises(ValueError, match=r"broken\.npz: not a valid NPZ file"):
        load_npz(path)


def test_table_unknown_suffix(tmp_path):
    """load_table accepts only .csv and .npz."""
    with pytest.raises(ValueError, match=r"unsupported file type '\.txt'; expected \.csv or \.npz"):
        load_table(tmp_path / "data.txt")


def test_csv_binary_features_stay_float(tmp_path):
    """Features of only 0 and 1 are not pixels, so 1/255 scaling will not crush them."""
    features, labels = load_csv(_csv(tmp_path, "0,0,0\n1,0,1\n1,1,0\n0,1,1\n", name="xor.csv"))
    assert features.dtype == np.float64
    assert features.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert labels.tolist() == [0, 1, 1, 0]


def test_csv_pixels_flag(tmp_path):
    """pixels=True forces uint8 and rejects values that are not 8-bit; pixels=False keeps floats."""
    path = _csv(tmp_path, "1,0,1\n", name="bits.csv")
    assert load_csv(path, pixels=True)[0].dtype == np.uint8
    assert load_csv(_csv(tmp_path, "1,0,200\n", name="grey.csv"), pixels=False)[0].dtype == np.float64
    with pytest.raises(ValueError, match=r"fraction\.csv: pixels=True needs whole-number features from 0 to 255, got values from 0\.5 to 3\.0"):
        load_csv(_csv(tmp_path, "1,0.5,3\n", name="fraction.csv"), pixels=True)


def test_csv_not_utf8(tmp_path):
    """A binary or non-UTF-8 file is named as not being UTF-8 text."""
    path = tmp_path / "binary.csv"
    path.write_bytes(b"1,2\n\xff\xfe,3\n")
    with pytest.raises(ValueError, match=r"binary\.csv: not a UTF-8 text file"):
        load_csv(path)


def test_csv_kaggle_mnist_layout(tmp_path):
    """The common MNIST CSV layout (header label,1x1,...) gives uint8 pixels and int64 labels."""
    header = "label," + ",".join(f"{row}x{column}" for row in range(1, 29) for column in range(1, 29))
    rows = ["5," + ",".join(["0"] * 783 + ["255"]), "0," + ",".join(["17"] * 784)]
    features, labels = load_csv(_csv(tmp_path, "\n".join([header, *rows]) + "\n", name="mnist_train.csv"))
    assert features.shape == (2, 784)
    assert features.dtype == np.uint8
    assert features[0, 783] == 255
    assert labels.tolist() == [5, 0]
