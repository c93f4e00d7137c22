"""Read a user's own data from CSV or NPZ files.

CSV layout: one sample per row, the label in the first column, then the feature (or pixel)
columns. An optional header row is recognised because it contains a cell that is not a number.
Cells are separated by commas, semicolons or tabs (whichever the first row uses most).

NPZ layout: an array ``X`` of shape (m, ...) with one sample per row and an array ``y`` of shape
(m,) or (m, k). Files are opened with ``allow_pickle=False``, so object arrays are rejected.

CSV features that look like 8-bit pixels (all whole numbers from 0 to 255, some above 1) come
back as uint8 like MNIST images, so the usual 1/255 scaling applies. Other features come back as
float64. Labels that are whole numbers come back as int64 class labels, others as float64
targets.
"""

import csv
import math
import warnings
import zipfile
from pathlib import Path

import numpy as np

TABLE_SUFFIXES = (".csv", ".npz")


def load_table(path):
    """Load a CSV or NPZ file, chosen by the file name's suffix.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv`` or ``.npz`` file.

    Returns
    -------
    features : ndarray of shape (m, n)
    labels : ndarray of shape (m,) or (m, k)

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the suffix is neither .csv nor .npz, or the content is invalid (see
        :func:`load_csv` and :func:`load_npz`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return load_csv(path)
    if suffix == ".npz":
        return load_npz(path)
    raise ValueError(f"{path}: unsupported file type {suffix!r}; expected .csv or .npz")


def load_csv(path, pixels=None):
    """Load a CSV file with the label in the first column and features after it.

    Parameters
    ----------
    path : str or os.PathLike
    pixels : bool or None, default None
        Return the features as uint8 pixels (True) or float64 (False). None decides from the
        values: uint8 when all are whole numbers from 0 to 255 and some exceed 1.

    Returns
    -------
    features : ndarray of shape (m, n), uint8 or float64
    labels : ndarray of shape (m,), int64 or float64
        int64 when every label is a whole number.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is empty, has fewer than two columns, or has a row with a different number
        of cells, a missing label or value, a cell that is not a number, or a value that is not
        finite. The message names the file, the row (line number) and the column. Also if
        ``pixels`` is True but a feature is not a whole number from 0 to 255.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CSV file not found: {path}")
    try:
        table = _read_table(path)
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not a UTF-8 text file ({error.reason} at byte {error.start})") from None
    labels, features = table[:, 0], table[:, 1:]
    return _narrow_features(path, features, pixels), _narrow_labels(labels)


def _read_table(path):
    """Return all label and feature values of a CSV file as one float64 array."""
    first = next(_iter_rows(path), None)
    if first is None:
        raise ValueError(f"{path}: the file is empty; expected a label column and feature columns")
    header = None if all(_is_number(cell) for cell in first[1]) else first[1]
    width = len(first[1])
    if width < 2:
        raise ValueError(
            f"{path}: found {width} column; expected a label column followed by at least one "
            "feature column"
        )

    table = _fast_table(path, first[0] + (header is not None) - 1, width)
    if table is None:
        table = _checked_table(path, header, width)
    return table


def _fast_table(path, skip_lines, width):
    """Parse a well-formed file with NumPy's C reader; return None on any problem."""
    with open(path, newline="", encoding="utf-8-sig") as stream, warnings.catch_warnings():
        # An empty data section only warns here; the checked parser reports it properly.
        warnings.simplefilter("ignore", UserWarning)
        delimiter = max(",;\t", key=stream.readline().count)
        stream.seek(0)
        try:
            table = np.loadtxt(
                stream, delimiter=delimiter, skiprows=skip_lines, ndmin=2, comments=None,
                quotechar='"', dtype=np.float64,
            )
        except ValueError:
            return None
    if table.shape[0] == 0 or table.shape[1] != width or not np.isfinite(table).all():
        return None
    return table


def _checked_table(path, header, width):
    """Parse the file row by row, raising an error that names the first bad cell."""
    # Counting the rows first lets the values go straight into one preallocated array.
    count = sum(1 for _ in _iter_rows(path)) - (header is not None)
    if count == 0:
        raise ValueError(f"{path}: the file has a header row but no data rows")
    table = np.empty((count, width), dtype=np.float64)
    rows = _iter_rows(path)
    if header is not None:
        next(rows)
    for index, (line, cells) in enumerate(rows):
        table[index] = _parse_row(path, line, cells, width, header)
    return table


def _iter_rows(path):
    """Yield (line number, stripped cells) for each non-blank row of a CSV file."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        first_line = stream.readline()
        stream.seek(0)
        delimiter = max(",;\t", key=first_line.count)
        reader = csv.reader(stream, delimiter=delimiter)
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            if any(cells):
                yield reader.line_num, cells


def _parse_row(path, line, cells, width, header):
    """Convert one row of text cells to floats, or raise naming the bad cell."""
    if len(cells) != width:
        raise ValueError(
            f"{path}, row {line}: expected {width} columns (as in the first row), "
            f"got {len(cells)}"
        )
    try:
        values = np.array(cells, dtype=np.float64)
    except ValueError:
        values = None
    if values is not None and np.isfinite(values).all():
        return values

    # The fast conversion failed: find the first bad cell and name it.
    for column, cell in enumerate(cells, start=1):
        where = f"{path}, row {line}, column {column}"
        if header is not None:
            where += f" ({header[column - 1]!r})"
        if not cell:
            missing = "label" if column == 1 else "value"
            raise ValueError(f"{where}: missing {missing}; every row needs a label and all features")
        if not _is_number(cell):
            raise ValueError(f"{where}: {cell!r} is not a number")
        if not math.isfinite(float(cell)):
            raise ValueError(f"{where}: {cell!r} is not a finite number")
    raise ValueError(f"{path}, row {line}: cannot convert the cells to numbers")


def _is_number(cell):
    """Return True when a CSV cell parses as a float."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _narrow_features(path, features, pixels):
    """Return the features as uint8 when they are (or are declared to be) 8-bit pixels."""
    whole_bytes = bool(
        features.size
        and features.min() >= 0
        and features.max() <= 255
        and np.array_equal(features, np.floor(features))
    )
    if pixels is None:
        # Values of only 0 and 1 are binary features, not pixels: 1/255 scaling would crush them.
        pixels = whole_bytes and features.max() > 1
    if pixels and not whole_bytes:
        raise ValueError(
            f"{path}: pixels=True needs whole-number features from 0 to 255, got values from "
            f"{features.min()} to {features.max()}"
        )
    if pixels:
        return features.astype(np.uint8)
    return np.ascontiguousarray(features)


def _narrow_labels(labels):
    """Return int64 labels when all are whole numbers, else float64 targets."""
    if np.array_equal(labels, np.floor(labels)):
        return labels.astype(np.int64)
    return labels.copy()


def load_npz(path):
    """Load arrays ``X`` (samples in rows) and ``y`` from an NPZ file.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    features : ndarray of shape (m, n)
        ``X`` with any trailing dimensions flattened (images of shape (m, 28, 28) become
        (m, 784)); its type is kept, except bool, which becomes uint8.
    labels : ndarray of shape (m,) or (m, k)
        ``y``; whole-number labels become int64.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a valid NPZ archive, contains object arrays, lacks ``X`` or ``y``, or
        the arrays are not numeric, not finite or of different lengths.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NPZ file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            missing = [name for name in ("X", "y") if name not in archive.files]
            if missing:
                raise ValueError(
                    f"{path}: missing array {' and '.join(missing)}; expected arrays 'X' "
                    f"(samples in rows) and 'y' (labels), found {archive.files or 'none'}"
                )
            features, labels = archive["X"], archive["y"]
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ValueError(f"{path}: not a valid NPZ file ({error})") from None
    except ValueError as error:
        if "allow_pickle" in str(error):
            raise ValueError(
                f"{path}: contains object arrays, which are not loaded for safety; save X and y "
                "as numeric arrays"
            ) from None
        raise
    return _check_npz_arrays(path, features, labels)


def _check_npz_arrays(path, features, labels):
    """Validate and reshape the ``X`` and ``y`` arrays of an NPZ file."""
    for name, array in (("X", features), ("y", labels)):
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{path}: array {name!r} has type {array.dtype}; expected numbers")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"{path}: array {name!r} contains NaN or infinite values")
    if features.ndim < 2:
        raise ValueError(
            f"{path}: array 'X' has shape {features.shape}; expected one sample per row, "
            "shape (m, n)"
        )
    if labels.ndim not in (1, 2):
        raise ValueError(f"{path}: array 'y' has shape {labels.shape}; expected (m,) or (m, k)")
    if len(features) != len(labels):
        raise ValueError(
            f"{path}: 'X' has {len(features)} samples but 'y' has {len(labels)} labels"
        )
    if len(features) == 0:
        raise ValueError(f"{path}: the arrays are empty")

    features = features.reshape(len(features), -1)
    if features.dtype == np.bool_:
        features = features.astype(np.uint8)
    if labels.dtype.kind in "biu" or (labels.ndim == 1 and np.array_equal(labels, np.floor(labels))):
        labels = labels.astype(np.int64)
    return features, labels
