"""Data sets by name (bundled digits, files from a folder, the system copy), memory, preprocessing."""

import gzip
import json
import tracemalloc
from importlib import resources

import numpy as np
import pytest

from bplab.data import datasets
from bplab.data.datasets import DATASETS, load_dataset
from bplab.data.idx import write_idx
from bplab.data.preprocess import Preprocessing

MNIST_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """Keep every test away from the network, the real cache and the system data folder."""
    monkeypatch.setenv("BPLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", "http://127.0.0.1:9/")
    monkeypatch.setenv("BPLAB_FASHION_MNIST_MIRRORS", "http://127.0.0.1:9/")
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "no-system-copy")


def _write_split(folder, prefix, count, seed, compress=True, labels_count=None):
    """Write a small images/labels IDX pair under the official names and return the arrays."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=labels_count or count, dtype=np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{suffix}", images, compress=compress)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{suffix}", labels, compress=compress)
    return images.reshape(count, 784), labels.astype(np.int64)


def test_digits_splits_and_class_counts():
    """The bundled set splits 8,000/2,000 and has MNIST's first-10,000 class counts."""
    train_images, train_labels = load_dataset("digits", split="train")
    test_images, test_labels = load_dataset("digits", split="test")
    assert train_images.shape == (8000, 784)
    assert test_images.shape == (2000, 784)
    assert train_images.dtype == np.uint8
    assert train_labels.dtype == np.int64
    counts = np.bincount(np.concatenate([train_labels, test_labels]), minlength=10)
    assert counts.tolist() == MNIST_COUNTS


def test_digits_is_default():
    """load_dataset() with no arguments is the digits train split."""
    images, labels = load_dataset()
    assert images.shape == (8000, 784)
    np.testing.assert_array_equal(labels[:10], load_dataset("digits")[1][:10])


def test_bundled_files_equal_shared_copy(shared_data):
    """The package data is byte for byte the 10,000 MNIST digits, and the split is in order."""
    bundled = resources.files("bplab.data").joinpath("bundled")
    for name in datasets.DIGITS_FILES:
        assert bundled.joinpath(name).read_bytes() == (shared_data / "mnist" / name).read_bytes()

    raw_images = gzip.decompress((shared_data / "mnist" / datasets.DIGITS_FILES[0]).read_bytes())
    raw_labels = gzip.decompress((shared_data / "mnist" / datasets.DIGITS_FILES[1]).read_bytes())
    pixels = np.frombuffer(raw_images, dtype=np.uint8, offset=16).reshape(10000, 784)
    labels = np.frombuffer(raw_labels, dtype=np.uint8, offset=8)
    train_images, train_labels = load_dataset("digits", split="train")
    test_images, test_labels = load_dataset("digits", split="test")
    np.testing.assert_array_equal(train_images, pixels[:8000])
    np.testing.assert_array_equal(test_images, pixels[8000:])
    np.testing.assert_array_equal(test_labels, labels[8000:])
    assert train_labels[0] == 5  # the first MNIST training digit is a 5


def test_unknown_name_lists_choices():
    """An unknown name lists the known sets and the file alternative."""
    with pytest.raises(ValueError, match=r"unknown data set 'mnist2'; expected one of digits, mnist, fashion-mnist"):
        load_dataset("mnist2")


def test_invalid_split():
    """Only 'train' and 'test' are splits."""
    with pytest.raises(ValueError, match=r"invalid split 'validation'"):
        load_dataset("digits", split="validation")


def test_digits_rejects_data_dir(tmp_path):
    """data_dir with the bundled set points the user at --dataset mnist."""
    with pytest.raises(ValueError, match=r"--data-dir.*'digits' set is bundled.*--dataset mnist"):
        load_dataset("digits", data_dir=tmp_path)


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "raw"])
def test_mnist_from_data_dir(tmp_path, compress):
    """Files under official names in data_dir load, compressed or not, without any network."""
    images, labels = _write_split(tmp_path, "train", 6, seed=2, compress=compress)
    loaded_images, loaded_labels = load_dataset("mnist", data_dir=tmp_path, split="train")
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)


def test_test_split_needs_only_t10k_files(tmp_path):
    """Evaluating the test split reads the two t10k files; the train files may be absent."""
    images, labels = _write_split(tmp_path, "t10k", 4, seed=3)
    loaded_images, loaded_labels = load_dataset("mnist", data_dir=tmp_path, split="test")
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)


def test_data_dir_missing_files_named(tmp_path):
    """A folder without the split's files gets an error naming the missing files."""
    _write_split(tmp_path, "t10k", 2, seed=4)
    with pytest.raises(FileNotFoundError, match=r"lacks the mnist train files train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz"):
        load_dataset("mnist", data_dir=tmp_path, split="train")


def test_data_dir_count_mismatch(tmp_path):
    """Images and labels of different lengths in data_dir name both files."""
    _write_split(tmp_path, "t10k", 3, seed=5, labels_count=2)
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte\.gz contains 3 images but labels file .*t10k-labels-idx1-ubyte\.gz contains 2"):
        load_dataset("mnist", data_dir=tmp_path, split="test")


def test_dotted_file_names_accepted(tmp_path):
    """The common variant name train-images.idx3-ubyte (uncompressed) is found too."""
    images = np.full((2, 28, 28), 7, dtype=np.uint8)
    write_idx(tmp_path / "t10k-images.idx3-ubyte", images, compress=False)
    write_idx(tmp_path / "t10k-labels.idx1-ubyte", np.array([3, 1], dtype=np.uint8), compress=False)
    loaded_images, loaded_labels = load_dataset("mnist", data_dir=tmp_path, split="test")
    assert loaded_images.shape == (2, 784)
    assert loaded_labels.tolist() == [3, 1]


def test_no_download_names_files_and_folder(tmp_path):
    """With downloads off and no files, the error names the files, the cache and --data-dir."""
    with pytest.raises(FileNotFoundError) as caught:
        load_dataset("mnist", split="test", download=False)
    message = str(caught.value)
    assert "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path / "cache" / "mnist") in message
    assert "--data-dir FOLDER" in message
    assert message.endswith("The train split uses train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz")


def test_fashion_from_system_folder(shared_data, monkeypatch):
    """Fashion-MNIST is read from the system folder (Debian's location) when present."""
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", shared_data / "fashion-mnist")
    images, labels = load_dataset("fashion-mnist", split="test")
    assert images.shape == (10000, 784)
    assert images.dtype == np.uint8
    # The Fashion-MNIST test set has exactly 1,000 images of each of its 10 classes.
    assert np.bincount(labels).tolist() == [1000] * 10
    assert DATASETS["fashion-mnist"].class_names[9] == "Ankle boot"


def test_datasets_have_descriptions_and_licences():
    """Every named set documents its licence and its split sizes."""
    assert set(DATASETS) == {"digits", "mnist", "fashion-mnist"}
    assert DATASETS["digits"].licence.startswith("CC BY-SA 3.0")
    assert DATASETS["fashion-mnist"].licence.startswith("MIT")
    assert (DATASETS["mnist"].train_size, DATASETS["mnist"].test_size) == (60000, 10000)


def test_damaged_cache_explains_fix(tmp_path):
    """A damaged file in the cache names the folder to delete so the files download again."""
    folder = tmp_path / "cache" / "mnist"
    folder.mkdir(parents=True)
    _write_split(folder, "t10k", 3, seed=6)
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(b"\x00\x00\x08\x01")
    with pytest.raises(ValueError, match=r"The cached copy is damaged: delete .*cache/mnist to download"):
        load_dataset("mnist", split="test", progress=False)


def test_file_name_rejects_data_dir(tmp_path):
    """data_dir with a CSV file is a mistake that the error explains."""
    with pytest.raises(ValueError, match=r"not to the file .*x\.csv; give the file's full path"):
        load_dataset(str(tmp_path / "x.csv"), data_dir=tmp_path)


def test_csv_path_as_name(tmp_path):
    """A .csv path given as the name loads the whole file for either split."""
    path = tmp_path / "tiny.csv"
    path.write_text("label,p1,p2\n1,0,255\n0,3,4\n")
    for split in ("train", "test"):
        features, labels = load_dataset(str(path), split=split)
        assert features.tolist() == [[0, 255], [3, 4]]
        assert labels.tolist() == [1, 0]


@pytest.mark.slow
def test_sixty_thousand_images_hold_one_float_copy(shared_data):
    """Loading 60,000 images keeps them uint8, and preprocessing adds exactly one float copy."""
    folder = shared_data / "fashion-mnist"
    tracemalloc.start()
    try:
        images, labels = load_dataset("fashion-mnist", data_dir=folder, split="train")
        _, load_peak = tracemalloc.get_traced_memory()
        uint8_bytes = 60000 * 784
        assert images.dtype == np.uint8
        assert load_peak < 1.1 * uint8_bytes + 8 * 60000 + 4_000_000

        preprocessing = Preprocessing(standardize=True).fit(images)
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        inputs = preprocessing.transform(images)
        _, transform_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    float_bytes = 60000 * 784 * 8
    assert inputs.nbytes == float_bytes
    assert transform_peak - before >= float_bytes  # NumPy allocations are traced
    # One float copy plus the per-feature mean/std temporaries, nothing near a second copy.
    assert transform_peak - before < float_bytes + 1_000_000
    assert abs(inputs.mean()) < 1e-9


# Preprocessing, fitted on the training split and stored with the model.


def test_preprocessing_scale_only():
    """The default maps 0..255 to 0..1 and needs no fit."""
    X = np.array([[0, 51, 255]], dtype=np.uint8)
    result = Preprocessing().transform(X)
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, [[0.0, 0.2, 1.0]], rtol=0, atol=1e-15)


def test_preprocessing_standardize_matches_reference():
    """Standardised values equal (x/255 - mean) / std computed directly by NumPy."""
    rng = np.random.default_rng(3)
    train = rng.integers(0, 256, size=(9000, 5), dtype=np.uint8)  # more rows than one block
    test = rng.integers(0, 256, size=(4, 5), dtype=np.uint8)
    preprocessing = Preprocessing(scale=1 / 255, standardize=True).fit(train)

    scaled = train / 255.0
    np.testing.assert_allclose(preprocessing.mean, scaled.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(preprocessing.std, scaled.std(axis=0), rtol=1e-12)
    expected = (test / 255.0 - scaled.mean(axis=0)) / scaled.std(axis=0)
    np.testing.assert_allclose(preprocessing.transform(test), expected, rtol=1e-12)


def test_preprocessing_zero_variance_column():
    """A constant training column gets std 1, so it maps to 0 instead of NaN."""
    train = np.array([[0, 10], [0, 20], [0, 30]], dtype=np.uint8)
    preprocessing = Preprocessing(scale=None, standardize=True).fit(train)
    assert preprocessing.std[0] == 1.0
    result = preprocessing.transform(np.array([[0, 20], [5, 20]]))
    np.testing.assert_array_equal(result[:, 0], [0.0, 5.0])
    np.testing.assert_array_equal(result[:, 1], [0.0, 0.0])


def test_preprocessing_round_trip_through_json():
    """to_dict is JSON-serialisable; with to_arrays it rebuilds the same transformation."""
    train = np.random.default_rng(4).integers(0, 256, size=(50, 6), dtype=np.uint8)
    original = Preprocessing(standardize=True).fit(train)
    settings = json.loads(json.dumps(original.to_dict()))
    assert settings == {"scale": 1 / 255, "standardize": True, "n_features": 6}
    arrays = original.to_arrays()
    assert sorted(arrays) == ["mean", "std"]

    rebuilt = Preprocessing.from_dict(settings, arrays)
    np.testing.assert_array_equal(rebuilt.transform(train), original.transform(train))
    assert Preprocessing.from_dict({"scale": None, "standardize": False}).to_arrays() == {}


def test_preprocessing_from_dict_without_statistics():
    """Standardisation without its mean and std cannot be rebuilt."""
    with pytest.raises(ValueError, match=r"standardize=True but no 'mean' and 'std' arrays"):
        Preprocessing.from_dict({"scale": None, "standardize": True})


def test_preprocessing_feature_count_checked():
    """Transforming data with another number of features names both counts."""
    preprocessing = Preprocessing().fit(np.zeros((2, 784), dtype=np.uint8))
    with pytest.raises(ValueError, match=r"X has 783 features but the preprocessing was fitted on 784"):
        preprocessing.transform(np.zeros((1, 783), dtype=np.uint8))


def test_preprocessing_needs_fit_to_standardize():
    """transform before fit is an error when standardising."""
    with pytest.raises(ValueError, match=r"standardize=True needs fit\(X_train\) before transform"):
        Preprocessing(standardize=True).transform(np.zeros((1, 3)))


def test_preprocessing_single_sample_and_float32():
    """One 1-D sample keeps its shape; dtype picks the float type; the input is not modified."""
    sample = np.array([0.0, 127.5, 255.0])
    result = Preprocessing().transform(sample, dtype="float32")
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, [0.0, 0.5, 1.0], rtol=1e-7)
    result[0] = 9
    assert sample[0] == 0.0


def test_preprocessing_default_for_pixels_and_floats():
    """uint8 data get 1/255 scaling by default; float data are left unscaled."""
    assert Preprocessing.default_for(np.zeros((1, 2), dtype=np.uint8)).scale == 1 / 255
    assert Preprocessing.default_for(np.zeros((1, 2))).scale is None
    assert Preprocessing.default_for(np.zeros((1, 2)), standardize=True).standardize is True


def test_preprocessing_rejects_invalid_settings():
    """A non-positive scale and an integer output type are named."""
    with pytest.raises(ValueError, match=r"invalid scale -1\.0"):
        Preprocessing(scale=-1)
    with pytest.raises(ValueError, match=r"invalid dtype int32"):
        Preprocessing().transform(np.zeros((1, 2)), dtype="int32")
