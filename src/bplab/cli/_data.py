"""Loading a data set split for the subcommands, with one clear error when it cannot be had."""

import sys

import numpy as np

from bplab.data.datasets import DATASETS, load_dataset


# Share of a user's .csv/.npz file that ``bplab train`` holds out for testing.
FILE_TEST_FRACTION = 0.2


def load_split(dataset, data_dir, split, progress=True):
    """Return (images, labels) of one split of a named data set or a .csv/.npz file."""
    return load_dataset(dataset, data_dir=data_dir, split=split, progress=progress)


def is_file(dataset):
    """True when ``dataset`` names a user's .csv or .npz file rather than a built-in set."""
    return str(dataset).lower().endswith((".csv", ".npz"))


def load_train_test(dataset, data_dir, progress, seed):
    """Return (train images, train labels, test images, test labels).

    A built-in set has its own two splits. A user's file has one, so a random 20 % of its rows
    (drawn from ``seed``) is held out as the test split.
    """
    images, labels = load_split(dataset, data_dir, "train", progress)
    if not is_file(dataset):
        return (images, labels) + load_split(dataset, data_dir, "test", progress)
    m_test = int(round(FILE_TEST_FRACTION * len(labels)))
    if m_test < 1 or m_test >= len(labels):
        raise ValueError(f"data file {dataset} has {len(labels)} samples; it needs at least 3 "
                         "so that a fifth can be held out for testing")
    order = np.random.default_rng(seed).permutation(len(labels))
    train, test = order[:-m_test], order[-m_test:]
    return images[train], labels[train], images[test], labels[test]


def load_model_split(dataset, data_dir, split, header, progress=True):
    """Return (images, labels) of the split a saved model is measured on.

    For a user's file this is the same random 20 % (or the other 80 %) that ``bplab train``
    held out, drawn again from the seed stored in the model's header.
    """
    if not is_file(dataset):
        return load_split(dataset, data_dir, split, progress)
    seed = (header.get("training") or {}).get("seed", 0)
    parts = load_train_test(dataset, data_dir, progress, seed)
    return parts[:2] if split == "train" else parts[2:]


def warn_if_scaled_twice(preprocessing, images, command):
    """Warn when data that looks already scaled to [0, 1] is about to be divided by 255 again."""
    if getattr(preprocessing, "scale", None) and images.dtype != np.uint8 and images.size and images.max() <= 1.0:
        print(f"bplab {command}: warning: the data's values are already in [0, 1], but the model "
              f"divides inputs by {1 / preprocessing.scale:g}; give raw 0..255 pixels",
              file=sys.stderr)


def class_names(dataset, classes):
    """Return readable names for the classes (Fashion-MNIST's garment names, else the labels)."""
    info = DATASETS.get(str(dataset).lower())
    if info is not None and len(info.class_names) == len(classes):
        return list(info.class_names)
    return [str(c) for c in np.asarray(classes).tolist()]
