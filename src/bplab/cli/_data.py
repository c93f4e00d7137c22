"""Loading a data set split for the subcommands, with one clear error when it cannot be had."""

import numpy as np

from bplab.data.datasets import DATASETS, load_dataset


def load_split(dataset, data_dir, split, progress=True):
    """Return (images, labels) of one split of a named data set or a .csv/.npz file."""
    return load_dataset(dataset, data_dir=data_dir, split=split, progress=progress)


def class_names(dataset, classes):
    """Return readable names for the classes (Fashion-MNIST's garment names, else the labels)."""
    info = DATASETS.get(str(dataset).lower())
    if info is not None and len(info.class_names) == len(classes):
        return list(info.class_names)
    return [str(c) for c in np.asarray(classes).tolist()]
