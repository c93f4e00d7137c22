"""Shared fixtures: the read-only data sets that sit beside the repository."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir():
    configured = os.environ.get("BPLAB_TEST_DATA")
    return Path(configured) if configured else ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data():
    """Return the folder with the real MNIST and Fashion-MNIST IDX files, or skip."""
    folder = _shared_data_dir()
    if not (folder / "mnist").is_dir():
        pytest.skip(f"test data not found at {folder}; set BPLAB_TEST_DATA to its folder")
    return folder
