"""Data sets by name: the bundled digits, full MNIST, Fashion-MNIST, and the user's own files.

``load_dataset`` returns images as uint8 rows of 784 pixels and labels as int64, so that
scaling happens once, in :class:`bplab.data.preprocess.Preprocessing`.

Where the files come from:

- ``digits`` is bundled with the package (no network, no files needed).
- ``mnist`` and ``fashion-mnist`` are read from ``data_dir`` when it is given. Otherwise they
  come from the system copy (Debian's ``dataset-fashion-mnist`` package, Fashion-MNIST only),
  then from the user cache, and are downloaded into the cache on first use. Only the two files
  of the requested split are needed.
- A path ending in ``.csv`` or ``.npz`` is read by :mod:`bplab.data.tabular`.

Downloaded files are checked against their published checksums once, when they arrive. Files
given by ``data_dir`` or found in the system folder are trusted and only checked for a valid IDX
structure.
"""

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from bplab.data.download import DownloadError, RemoteFile, cache_dir, mirrors_from_env
from bplab.data.download import download as download_file
from bplab.data.idx import read_idx_pair
from bplab.data.tabular import TABLE_SUFFIXES, load_table

SPLITS = ("train", "test")

# The bundled digits are the first 10,000 images of the official MNIST training set.
DIGITS_FILES = ("train-10k-images-idx3-ubyte.gz", "train-10k-labels-idx1-ubyte.gz")
DIGITS_TRAIN_SIZE = 8000

# Base URLs tried in order; BPLAB_MNIST_MIRRORS (comma-separated) replaces this list.
MNIST_MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
]
FASHION_MNIST_MIRRORS = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")

MNIST_FILES = {
    "train": (
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            sha256=("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",),
            size=9912422,
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            sha256=("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",),
            size=28881,
        ),
    ),
    "test": (
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            sha256=("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",),
            size=1648877,
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            sha256=("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",),
            size=4542,
        ),
    ),
}

# Zalando publishes MD5 sums of the .gz files only (Fashion-MNIST README), so those are checked.
# The SHA-256 sums are of the copies in Debian's dataset-fashion-mnist package. Debian compressed
# the files again, so the .gz bytes differ, but the decompressed files are identical (their MD5
# sums, e.g. f4a8712d7a061bf5bd6d2ca38dc4d50a for the train images, are the published raw ones).
# Either copy is accepted.
FASHION_MNIST_FILES = {
    "train": (
        RemoteFile(
            "train-images-idx3-ubyte.gz",
            sha256=("b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",),
            md5=("8d4fb7e6c68d591d4c3dfef9ec88bf0d",),
        ),
        RemoteFile(
            "train-labels-idx1-ubyte.gz",
            sha256=("0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",),
            md5=("25c81989df183df01b3e8a0aad5dffbe",),
        ),
    ),
    "test": (
        RemoteFile(
            "t10k-images-idx3-ubyte.gz",
            sha256=("cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",),
            md5=("bef4ecab320f06d8554ea6380940ec79",),
        ),
        RemoteFile(
            "t10k-labels-idx1-ubyte.gz",
            sha256=("8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",),
            md5=("bb300cfdad3c16e7a12a480ee83cd310",),
        ),
    ),
}


@dataclass(frozen=True)
class DatasetInfo:
    """Description of a named data set."""

    name: str
    description: str
    licence: str
    homepage: str
    train_size: int
    test_size: int
    class_names: tuple


_MNIST_LICENCE = "CC BY-SA 3.0, by Yann LeCun, Corinna Cortes and Christopher J. C. Burges"

DATASETS = {
    "digits": DatasetInfo(
        name="digits",
        description=(
            "10,000 handwritten MNIST digits bundled with bplab (the first 10,000 of the official "
            "training set): the first 8,000 are the train split, the last 2,000 the test split"
        ),
        licence=_MNIST_LICENCE,
        homepage="http://yann.lecun.com/exdb/mnist/",
        train_size=8000,
        test_size=2000,
        class_names=tuple(str(digit) for digit in range(10)),
    ),
    "mnist": DatasetInfo(
        name="mnist",
        description="the full MNIST handwritten digits, 60,000 train and 10,000 test images, "
        "downloaded on first use (about 11 MB)",
        licence=_MNIST_LICENCE,
        homepage="http://yann.lecun.com/exdb/mnist/",
        train_size=60000,
        test_size=10000,
        class_names=tuple(str(digit) for digit in range(10)),
    ),
    "fashion-mnist": DatasetInfo(
        name="fashion-mnist",
        description="Zalando's Fashion-MNIST clothing images, 60,000 train and 10,000 test, "
        "read from Debian's dataset-fashion-mnist package or downloaded on first use (about 30 MB)",
        licence="MIT, by Zalando Research",
        homepage="https://github.com/zalandoresearch/fashion-mnist",
        train_size=60000,
        test_size=10000,
        class_names=(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
        ),
    ),
}


def load_dataset(name="digits", data_dir=None, split="train", progress=True, download=True):
    """Load a data set by name, or a user's CSV or NPZ file by path.

    Parameters
    ----------
    name : str or os.PathLike, default "digits"
        One of :data:`DATASETS` ("digits", "mnist", "fashion-mnist"), or a path ending in
        ``.csv`` or ``.npz`` (see :func:`bplab.data.tabular.load_table`). A file is returned
        whole for either split, so hold out test data in a separate file.
    data_dir : str or os.PathLike, optional
        Folder with the IDX files of "mnist" or "fashion-mnist" under their official names
        (``train-images-idx3-ubyte.gz`` and so on, compressed or not). When given, nothing is
        downloaded.
    split : {"train", "test"}, default "train"
        Which part to load. Only the two files of this split are read or downloaded.
    progress : bool, default True
        Show a progress bar on standard error while downloading.
    download : bool, default True
        Allow downloading files that are not on disk.

    Returns
    -------
    images : ndarray of shape (m, 784), uint8
        One image per row, 28x28 pixels in row order, 0 = background. A CSV or NPZ file returns
        its own feature columns and type instead.
    labels : ndarray of shape (m,), int64

    Raises
    ------
    ValueError
        For an unknown name or split, a malformed file, or ``data_dir`` with "digits".
    FileNotFoundError
        If ``data_dir`` lacks a needed file, or a file is missing and ``download`` is False.
    DownloadError
        If a file must be downloaded and no mirror can deliver it; the message names the files
        and the folder to put them in.
    ChecksumError
        If a downloaded file has the wrong checksum (the file is deleted).
    """
    if split not in SPLITS:
        raise ValueError(f"invalid split {split!r}; expected 'train' or 'test'")
    if str(name).lower().endswith(TABLE_SUFFIXES):
        if data_dir is not None:
            raise ValueError(
                f"data_dir (--data-dir) applies to 'mnist' and 'fashion-mnist', not to the file "
                f"{name}; give the file's full path as the data set instead"
            )
        return load_table(name)
    key = str(name).lower()
    if key not in DATASETS:
        known = ", ".join(DATASETS)
        raise ValueError(
            f"unknown data set {name!r}; expected one of {known}, or a path to a .csv or .npz file"
        )
    if key == "digits":
        if data_dir is not None:
            raise ValueError(
                "data_dir (--data-dir) applies to 'mnist' and 'fashion-mnist'; the 'digits' set "
                "is bundled with bplab. Choose --dataset mnist to read MNIST files from a folder"
            )
        return _load_digits(split)

    images_path, labels_path = dataset_paths(key, split, data_dir, progress, download)
    try:
        images, labels = read_idx_pair(images_path, labels_path)
    except ValueError as error:
        if data_dir is None and dataset_cache_dir(key) in images_path.parents:
            raise ValueError(
                f"{error}. The cached copy is damaged: delete {images_path.parent} to download "
                "the files again"
            ) from None
        raise
    if images.shape[1] != 784 or images.dtype != np.uint8:
        raise ValueError(
            f"{images_path}: expected 28x28 uint8 images, got {images.dtype} images of "
            f"{images.shape[1]} pixels"
        )
    return images, labels


def _load_digits(split):
    """Read the bundled 10,000 digits and return the requested split."""
    package = resources.files("bplab.data").joinpath("bundled")
    images_file, labels_file = (package.joinpath(name) for name in DIGITS_FILES)
    with resources.as_file(images_file) as images_path, resources.as_file(labels_file) as labels_path:
        images, labels = read_idx_pair(images_path, labels_path)
    if split == "train":
        return images[:DIGITS_TRAIN_SIZE], labels[:DIGITS_TRAIN_SIZE]
    return images[DIGITS_TRAIN_SIZE:], labels[DIGITS_TRAIN_SIZE:]


def _sources(name):
    """Return (files by split, mirrors, system folder or None) for a downloadable set."""
    if name == "mnist":
        return MNIST_FILES, mirrors_from_env("BPLAB_MNIST_MIRRORS", MNIST_MIRRORS), None
    mirrors = mirrors_from_env("BPLAB_FASHION_MNIST_MIRRORS", FASHION_MNIST_MIRRORS)
    return FASHION_MNIST_FILES, mirrors, FASHION_MNIST_SYSTEM_DIR


def dataset_cache_dir(name):
    """Return the folder where the files of data set ``name`` are cached."""
    return cache_dir() / name


def dataset_paths(name, split="train", data_dir=None, progress=True, download=True):
    """Return the (images, labels) file paths of a split, downloading them if needed.

    Parameters are those of :func:`load_dataset`; ``name`` is "mnist" or "fashion-mnist".
    Raises FileNotFoundError, DownloadError or ChecksumError as described there.
    """
    if name not in ("mnist", "fashion-mnist"):
        raise ValueError(f"invalid data set {name!r} for dataset_paths; expected 'mnist' or 'fashion-mnist'")
    if split not in SPLITS:
        raise ValueError(f"invalid split {split!r}; expected 'train' or 'test'")
    files, mirrors, system_dir = _sources(name)
    remotes = files[split]
    if data_dir is not None:
        return _paths_in_folder(Path(data_dir), remotes, name, split)

    folders = [folder for folder in (system_dir, dataset_cache_dir(name)) if folder is not None]
    found = [_find_local(folders, remote.name) for remote in remotes]
    missing = [remote for remote, path in zip(remotes, found) if path is None]
    if not missing:
        return tuple(found)
    if not download:
        raise FileNotFoundError(_missing_message(name, split, missing, "downloads are turned off"))

    target = dataset_cache_dir(name)
    for remote in missing:
        try:
            download_file(remote, target / remote.name, mirrors, progress)
        except DownloadError as error:
            raise DownloadError(_missing_message(name, split, missing, str(error))) from None
    return tuple(_find_local(folders, remote.name) for remote in remotes)


def _candidate_names(official):
    """Return the accepted file names for an official name, compressed or not."""
    stem = official.removesuffix(".gz")
    # Some copies name the files with a dot before idx, e.g. train-images.idx3-ubyte.
    dotted = stem.replace("-idx", ".idx")
    return [official, stem, dotted + ".gz", dotted]


def _find_local(folders, official):
    """Return the first existing file for ``official`` in ``folders``, else None."""
    for folder in folders:
        for candidate in _candidate_names(official):
            path = folder / candidate
            if path.is_file():
                return path
    return None


def _paths_in_folder(folder, remotes, name, split):
    """Return the split's files in a user-given folder, or raise naming the missing ones."""
    if not folder.is_dir():
        raise FileNotFoundError(f"data folder not found: {folder} (given as data_dir/--data-dir)")
    found = [_find_local([folder], remote.name) for remote in remotes]
    missing = [remote.name for remote, path in zip(remotes, found) if path is None]
    if missing:
        raise FileNotFoundError(
            f"data folder {folder} lacks the {name} {split} files {', '.join(missing)} "
            "(compressed .gz or uncompressed, under these official names)"
        )
    return tuple(found)


def _missing_message(name, split, missing, reason):
    """Explain which files to put where when they cannot be downloaded."""
    names = ", ".join(remote.name for remote in missing)
    other_split = "test" if split == "train" else "train"
    other_names = ", ".join(remote.name for remote in _sources(name)[0][other_split])
    message = (
        f"the {name} {split} files are not on disk and could not be fetched: {reason}. "
        f"To work offline, copy {names} (compressed .gz or uncompressed) into "
        f"{dataset_cache_dir(name)}, or into a folder of your choice and pass "
        "--data-dir FOLDER (data_dir=FOLDER in Python)"
    )
    if name == "fashion-mnist":
        message += f", or install Debian's dataset-fashion-mnist package ({FASHION_MNIST_SYSTEM_DIR})"
    return message + f". The {other_split} split uses {other_names}"
