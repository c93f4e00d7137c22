"""IDX reader and writer: round trips, byte layout and every malformed-file error."""

import gzip
import struct

import numpy as np
import pytest

from bplab.data.idx import read_idx, read_idx_pair, write_idx

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
SHAPES = [(7,), (3, 5), (4, 2, 3)]


def _sample(dtype, shape):
    """Return values that use the sign, the range and the fraction of ``dtype``."""
    rng = np.random.default_rng(0)
    if np.dtype(dtype).kind == "f":
        return (rng.standard_normal(shape) * 1e3).astype(dtype)
    info = np.iinfo(dtype)
    values = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    values.flat[0] = info.min
    values.flat[-1] = info.max
    return values


def _raw_idx(type_code, shape, payload):
    """Return the bytes of an IDX file built by hand."""
    header = bytes([0, 0, type_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
    return header + payload


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
@pytest.mark.parametrize("shape", SHAPES, ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip(tmp_path, dtype, shape, compress):
    """write_idx then read_idx returns the same values, type and shape."""
    original = _sample(dtype, shape)
    path = tmp_path / "data.idx"
    write_idx(path, original, compress=compress)

    loaded = read_idx(path)
    assert loaded.dtype == np.dtype(dtype)
    assert loaded.dtype.isnative
    assert loaded.shape == shape
    np.testing.assert_array_equal(loaded, original)
    assert loaded.flags.writeable
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == compress


def test_writer_byte_layout_is_big_endian(tmp_path):
    """The raw file is the header, then the values big-endian, as the format defines."""
    path = tmp_path / "values.idx"
    write_idx(path, np.array([[1, 258], [-2, 65536]], dtype=np.int32), compress=False)
    expected = bytes([0, 0, 0x0C, 2]) + struct.pack(">2I", 2, 2) + struct.pack(">4i", 1, 258, -2, 65536)
    assert path.read_bytes() == expected


def test_reader_ignores_file_name(tmp_path):
    """Compression is detected from the first bytes, so a file's .gz suffix does not matter."""
    values = np.arange(12, dtype=np.uint8).reshape(3, 4)
    gzip_named_raw = tmp_path / "plain.gz"
    raw_named_plain = tmp_path / "compressed-idx3-ubyte"
    write_idx(gzip_named_raw, values, compress=False)
    write_idx(raw_named_plain, values, compress=True)
    np.testing.assert_array_equal(read_idx(gzip_named_raw), values)
    np.testing.assert_array_equal(read_idx(raw_named_plain), values)


def test_writer_leaves_no_temporary_file(tmp_path):
    """Only the destination remains after a write."""
    write_idx(tmp_path / "a.gz", np.zeros((2, 2), dtype=np.uint8))
    assert [path.name for path in tmp_path.iterdir()] == ["a.gz"]


def test_writer_rejects_int64(tmp_path):
    """IDX has no 64-bit integer code, so the writer names the type and the fix."""
    with pytest.raises(ValueError, match="no type code for int64.*convert"):
        write_idx(tmp_path / "x.gz", np.arange(3, dtype=np.int64))
    assert list(tmp_path.iterdir()) == []


def test_wrong_magic_number(tmp_path):
    """A file that does not start with two zero bytes is rejected with its name."""
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x05")
    with pytest.raises(ValueError, match=r"bad-magic: not an IDX file: wrong magic number 0x01000801"):
        read_idx(path)


def test_bad_type_code(tmp_path):
    """An unknown type code is named in hex."""
    path = tmp_path / "bad-type"
    path.write_bytes(_raw_idx(0x0A, (1,), b"\x00"))
    with pytest.raises(ValueError, match=r"bad-type: invalid IDX type code 0x0A"):
        read_idx(path)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_data_shorter_than_header(tmp_path, compress):
    """A header declaring 2x3 uint8 values over 5 bytes of data is a length mismatch."""
    content = _raw_idx(0x08, (2, 3), bytes(5))
    path = tmp_path / "short.idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(ValueError, match=r"short\.idx: length disagrees with the header"):
        read_idx(path)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_data_longer_than_header(tmp_path, compress):
    """Extra bytes after the declared data are a length mismatch too."""
    content = _raw_idx(0x08, (2, 3), bytes(7))
    path = tmp_path / "long.idx"
    path.write_bytes(gzip.compress(content) if compress else content)
    with pytest.raises(ValueError, match=r"long\.idx: length disagrees with the header"):
        read_idx(path)


def test_truncated_header(tmp_path):
    """A file that ends inside the dimension sizes is reported as a truncated header."""
    path = tmp_path / "cut-header"
    path.write_bytes(bytes([0, 0, 0x08, 3]) + struct.pack(">I", 10))
    with pytest.raises(ValueError, match=r"cut-header: truncated IDX header: 3 dimensions"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    """A gzip file cut in the middle is reported as truncated, not as an IDX length error."""
    compressed = gzip.compress(_raw_idx(0x08, (100, 28, 28), np.random.default_rng(1).bytes(78400)))
    path = tmp_path / "cut.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match=r"cut\.gz: the gzip data is truncated"):
        read_idx(path)


def test_gzip_crc_mismatch(tmp_path):
    """A gzip file whose stored CRC disagrees with its data is reported as corrupt."""
    compressed = bytearray(gzip.compress(_raw_idx(0x08, (50,), bytes(range(50))), mtime=0))
    compressed[-8:-4] = b"\x00\x00\x00\x00"  # the CRC-32 field of the gzip trailer
    path = tmp_path / "crc.gz"
    path.write_bytes(bytes(compressed))
    with pytest.raises(ValueError, match=r"crc\.gz: the gzip data is corrupt \(CRC check failed"):
        read_idx(path)


def test_huge_declared_shape_in_small_gzip(tmp_path):
    """A corrupt header declaring gigabytes is rejected before any allocation."""
    path = tmp_path / "huge.gz"
    path.write_bytes(gzip.compress(_raw_idx(0x0E, (60000, 60000, 28), b"")))
    with pytest.raises(ValueError, match=r"huge\.gz: invalid IDX header: shape \(60000, 60000, 28\)"):
        read_idx(path)


def test_missing_file(tmp_path):
    """A missing file raises FileNotFoundError naming the path."""
    with pytest.raises(FileNotFoundError, match="IDX file not found: .*nothing-here"):
        read_idx(tmp_path / "nothing-here")


def test_pair_count_mismatch_names_both_files(tmp_path):
    """Images and labels of different lengths raise an error that names both files."""
    images, labels = tmp_path / "imgs-idx3.gz", tmp_path / "labs-idx1.gz"
    write_idx(images, np.zeros((5, 2, 2), dtype=np.uint8))
    write_idx(labels, np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"imgs-idx3\.gz contains 5 images but labels file .*labs-idx1\.gz contains 4"):
        read_idx_pair(images, labels)


def test_pair_flattens_images_and_widens_labels(tmp_path):
    """read_idx_pair returns (m, rows*cols) uint8 images and int64 labels."""
    images, labels = tmp_path / "i.gz", tmp_path / "l.gz"
    pixels = np.arange(3 * 2 * 2, dtype=np.uint8).reshape(3, 2, 2)
    write_idx(images, pixels)
    write_idx(labels, np.array([9, 0, 4], dtype=np.uint8))
    flat, targets = read_idx_pair(images, labels)
    assert flat.dtype == np.uint8
    np.testing.assert_array_equal(flat[1], [4, 5, 6, 7])
    assert targets.dtype == np.int64
    np.testing.assert_array_equal(targets, [9, 0, 4])


def test_reads_real_mnist_header(shared_data):
    """The bundled-size MNIST file has 10,000 uint8 images of 28x28 pixels."""
    images = read_idx(shared_data / "mnist" / "train-10k-images-idx3-ubyte.gz")
    assert images.shape == (10000, 28, 28)
    assert images.dtype == np.uint8
    assert images.max() == 255
