"""Data for bplab: IDX files, named data sets, the user's own files, preprocessing, digit photos.

The public functions are re-exported here; see each module for details.
"""

from bplab.data.datasets import DATASETS, SPLITS, dataset_cache_dir, dataset_paths, load_dataset
from bplab.data.download import ChecksumError, DownloadError, cache_dir
from bplab.data.idx import read_idx, read_idx_pair, write_idx
from bplab.data.images import load_digit_image, prepare_digit
from bplab.data.preprocess import PIXEL_SCALE, Preprocessing
from bplab.data.tabular import load_csv, load_npz, load_table

__all__ = [
    "DATASETS",
    "SPLITS",
    "ChecksumError",
    "DownloadError",
    "PIXEL_SCALE",
    "Preprocessing",
    "cache_dir",
    "dataset_cache_dir",
    "dataset_paths",
    "load_csv",
    "load_dataset",
    "load_digit_image",
    "load_npz",
    "load_table",
    "prepare_digit",
    "read_idx",
    "read_idx_pair",
    "write_idx",
]
