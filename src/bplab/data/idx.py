"""Read and write IDX files, the format of the MNIST distribution.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian unsigned 32-bit size per dimension, then the values in C order, big-endian.
The distributed files are gzip-compressed. The reader detects gzip by the magic bytes 1f 8b at
the start of the file, never by the file name, so raw and compressed files may have any name.

The reader streams the values straight into one preallocated array, so a 60,000-image file costs
one uint8 copy (47 MB) and no float conversion. Scaling to floats is left to
:class:`bplab.data.preprocess.Preprocessing`.
"""

import gzip
import math
import os
import tempfile
import zlib
from pathlib import Path

import numpy as np

# IDX type code -> big-endian NumPy dtype.
TYPE_CODES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODE_FOR_KIND = {(dtype.kind, dtype.itemsize): code for code, dtype in TYPE_CODES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
# Deflate cannot compress better than about 1032:1, so a gzip file that declares more data than
# this many times its own size has a corrupt header. Checked before allocating the array.
_MAX_DEFLATE_RATIO = 1100
_CHUNK = 1 << 20


def is_gzip(path):
    """Return True when the file at ``path`` starts with the gzip magic bytes."""
    with open(path, "rb") as stream:
        return stream.read(2) == _GZIP_MAGIC


def read_idx(path):
    """Read an IDX file (gzip-compressed or raw) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file. Compression is detected from its first two bytes.

    Returns
    -------
    ndarray
        Array with the shape and type the header declares, in native byte order and writeable.
        Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the magic number, the type code or the dimensions are invalid, if the data length
        disagrees with the header, or if the gzip stream is truncated or corrupt. The message
        names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    compressed = is_gzip(path)
    file_size = path.stat().st_size
    try:
        opener = gzip.open if compressed else open
        with opener(path, "rb") as stream:
            return _read_stream(stream, path, compressed, file_size)
    except EOFError as error:
        raise ValueError(
            f"{path}: the gzip data is truncated ({error}); download or copy the file again"
        ) from None
    except (gzip.BadGzipFile, zlib.error) as error:
        raise ValueError(f"{path}: the gzip data is corrupt ({error})") from None


def _read_stream(stream, path, compressed, file_size):
    """Parse the header from ``stream`` and read the values into a new array."""
    magic = stream.read(4)
    if len(magic) < 4:
        raise ValueError(f"{path}: not an IDX file: {len(magic)} bytes, shorter than the header")
    if magic[0] != 0 or magic[1] != 0:
        raise ValueError(
            f"{path}: not an IDX file: wrong magic number 0x{magic.hex()} "
            "(an IDX file starts with two zero bytes, a type code and the number of dimensions)"
        )
    type_code, ndim = magic[2], magic[3]
    if type_code not in TYPE_CODES:
        known = ", ".join(f"0x{code:02X}" for code in TYPE_CODES)
        raise ValueError(f"{path}: invalid IDX type code 0x{type_code:02X}; expected one of {known}")
    if ndim == 0:
        raise ValueError(f"{path}: invalid IDX header: 0 dimensions")
    dtype = TYPE_CODES[type_code]

    raw_shape = stream.read(4 * ndim)
    if len(raw_shape) < 4 * ndim:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions declared but the file ends "
            f"after {4 + len(raw_shape)} bytes"
        )
    shape = tuple(int(size) for size in np.frombuffer(raw_shape, dtype=">u4"))
    header_bytes = 4 + 4 * ndim
    data_bytes = math.prod(shape) * dtype.itemsize
    _check_declared_size(path, shape, data_bytes, header_bytes, compressed, file_size)

    array = np.empty(shape, dtype=dtype)
    received = _read_into(stream, memoryview(array).cast("B"))
    if received < data_bytes:
        raise ValueError(
            f"{path}: length disagrees with the header: shape {shape} needs {data_bytes} bytes "
            f"of data but only {received} follow the {header_bytes}-byte header"
        )
    extra = len(stream.read(_CHUNK))
    if extra:
        raise ValueError(
            f"{path}: length disagrees with the header: shape {shape} needs {data_bytes} bytes "
            f"of data but the file has more after them"
        )

    if dtype.itemsize > 1:
        # Swap to native order in place, so a multi-byte file also costs one copy only.
        array.byteswap(inplace=True)
    return array.view(dtype.newbyteorder("="))


def _check_declared_size(path, shape, data_bytes, header_bytes, compressed, file_size):
    """Reject a header that declares more data than the file can hold, before allocating."""
    if not compressed and header_bytes + data_bytes != file_size:
        raise ValueError(
            f"{path}: length disagrees with the header: shape {shape} needs "
            f"{header_bytes + data_bytes} bytes in all but the file has {file_size}"
        )
    if compressed and data_bytes > _MAX_DEFLATE_RATIO * file_size + _CHUNK:
        raise ValueError(
            f"{path}: invalid IDX header: shape {shape} declares {data_bytes} bytes of data, "
            f"more than a {file_size}-byte gzip file can contain"
        )


def _read_into(stream, buffer):
    """Fill ``buffer`` from ``stream`` and return the number of bytes read."""
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:filled + _CHUNK])
        if not count:
            break
        filled += count
    return filled


def write_idx(path, array, compress=True):
    """Write an array as an IDX file, through a temporary file that is then renamed.

    Parameters
    ----------
    path : str or os.PathLike
        Destination. Its name does not choose the compression: ``compress`` does.
    array : array_like
        Values of type uint8, int8, int16, int32, float32 or float64, with 1 to 255 dimensions.
    compress : bool, default True
        Write gzip-compressed data (as the MNIST distribution does) or raw IDX.

    Raises
    ------
    ValueError
        If the type has no IDX code (for example int64 or bool) or the shape cannot be stored.
    """
    array = np.asarray(array)
    code = _CODE_FOR_KIND.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(
            f"IDX has no type code for {array.dtype}; convert the array to uint8, int8, int16, "
            "int32, float32 or float64 first"
        )
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, got an array with {array.ndim}")
    if any(size >= 2**32 for size in array.shape):
        raise ValueError(f"IDX dimension sizes must be below 2**32, got shape {array.shape}")

    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    data = np.ascontiguousarray(array, dtype=TYPE_CODES[code])
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as raw:
            if compress:
                # mtime=0 makes the output depend on the data only.
                with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw, mtime=0) as stream:
                    _write_data(stream, header, data)
            else:
                _write_data(raw, header, data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_data(stream, header, data):
    """Write the header and then the array bytes in chunks."""
    stream.write(header)
    flat = memoryview(data.reshape(-1)).cast("B")
    for start in range(0, len(flat), _CHUNK):
        stream.write(flat[start:start + _CHUNK])


def read_idx_pair(images_path, labels_path):
    """Read an images file and its labels file and check that they match.

    Parameters
    ----------
    images_path, labels_path : str or os.PathLike
        IDX files: images of shape (m, rows, cols) and labels of shape (m,).

    Returns
    -------
    images : ndarray of shape (m, rows * cols)
        The pixels, one flattened image per row, in the file's type (uint8 for MNIST).
    labels : ndarray of shape (m,), int64

    Raises
    ------
    ValueError
        If either file is malformed, the images are not 3-D, the labels are not 1-D or not
        integers, or the two files contain different numbers of items (the message names both).
    """
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(
            f"{images_path}: expected images of shape (count, rows, columns), got shape "
            f"{images.shape}"
        )
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(
            f"{labels_path}: expected integer labels of shape (count,), got {labels.dtype} "
            f"of shape {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"images file {images_path} contains {len(images)} images but labels file "
            f"{labels_path} contains {len(labels)} labels; the two files must come from the same set"
        )
    return images.reshape(len(images), -1), labels.astype(np.int64)
