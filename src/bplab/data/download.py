"""Download data files into the user's cache, checked against published checksums.

A file is streamed to a temporary name beside its destination, its size and checksum are
checked, and only then is it renamed into place, so an interrupted or corrupt download leaves
nothing behind. Each mirror is tried in turn. The files and mirrors of each data set are listed
in :mod:`bplab.data.datasets`, not here.
"""

import hashlib
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

import platformdirs
from tqdm import tqdm

CACHE_ENV = "BPLAB_CACHE_DIR"
TIMEOUT_SECONDS = 30
_CHUNK = 1 << 16


class DownloadError(OSError):
    """No mirror delivered a file (no network, HTTP error, connection closed mid-file)."""


class ChecksumError(ValueError):
    """A downloaded file does not match its published checksum; the file was deleted."""


@dataclass(frozen=True)
class RemoteFile:
    """A file published on mirrors, with the digests that identify a correct copy.

    A download is accepted when its SHA-256 is one of ``sha256`` or, for publishers that give
    only MD5 sums, its MD5 is one of ``md5``. ``size`` in bytes is checked first when known.
    """

    name: str
    sha256: tuple = ()
    md5: tuple = ()
    size: int = None


def cache_dir():
    """Return the cache folder: ``$BPLAB_CACHE_DIR`` if set, else the platform's user cache."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured) if configured else Path(platformdirs.user_cache_dir("bplab"))


def mirrors_from_env(variable, default):
    """Return the comma-separated base URLs in environment ``variable``, else ``default``."""
    configured = os.environ.get(variable, "").strip()
    if not configured:
        return list(default)
    return [url.strip() for url in configured.split(",") if url.strip()]


def file_digests(path):
    """Return the (SHA-256, MD5) hex digests of a file."""
    sha256 = hashlib.sha256()
    md5 = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha256.update(block)
            md5.update(block)
    return sha256.hexdigest(), md5.hexdigest()


def verify_file(path, remote):
    """Check a file against ``remote``'s size and digests.

    Raises
    ------
    ChecksumError
        Naming the file, the expected and the actual SHA-256.
    """
    path = Path(path)
    size = path.stat().st_size
    if remote.size is not None and size != remote.size:
        raise ChecksumError(f"{remote.name}: wrong size: expected {remote.size} bytes, got {size}")
    if not remote.sha256 and not remote.md5:
        return
    sha256, md5 = file_digests(path)
    if sha256 in remote.sha256 or md5 in remote.md5:
        return
    expected = " or ".join(remote.sha256) or f"MD5 {' or '.join(remote.md5)}"
    raise ChecksumError(f"{remote.name}: SHA-256 mismatch: expected {expected}, got {sha256}")


def download(remote, destination, mirrors, progress=True):
    """Download ``remote`` from the first mirror that delivers a correct copy.

    Parameters
    ----------
    remote : RemoteFile
        The file name on the mirrors and its checksums.
    destination : str or os.PathLike
        Where the checked file is placed; its folder is created if needed.
    mirrors : sequence of str
        Base URLs (http or https); the file name is appended to each.
    progress : bool, default True
        Show a progress bar on standard error.

    Returns
    -------
    pathlib.Path
        ``destination``.

    Raises
    ------
    ChecksumError
        If a mirror delivered a file with the wrong checksum and no mirror delivered a good
        one. The bad file is deleted.
    DownloadError
        If no mirror could be reached or every transfer failed.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    checksum_failed = False
    for base in mirrors:
        url = _join_url(base, remote.name)
        try:
            _fetch(url, remote, destination, progress)
            return destination
        except ChecksumError as error:
            checksum_failed = True
            failures.append(f"{url}: {error} (the downloaded file was deleted)")
        except (OSError, HTTPException) as error:
            failures.append(f"{url}: {_describe(error)}")
    if not mirrors:
        failures.append("no mirror URLs configured")
    summary = "; ".join(failures)
    if checksum_failed:
        raise ChecksumError(f"could not download a correct copy of {remote.name}: {summary}")
    raise DownloadError(f"could not download {remote.name}: {summary}")


def _join_url(base, name):
    """Append a file name to a mirror base URL, which must be http or https."""
    scheme = urllib.parse.urlsplit(base).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"invalid mirror URL {base!r}: expected an http:// or https:// URL")
    return base.rstrip("/") + "/" + name


def _describe(error):
    """Return a short reason for a failed transfer."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"cannot connect ({error.reason})"
    return str(error) or type(error).__name__


def _fetch(url, remote, destination, progress):
    """Stream ``url`` to a temporary file, check it and rename it to ``destination``."""
    descriptor, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    try:
        with os.fdopen(descriptor, "wb") as output:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                declared = response.headers.get("Content-Length")
                total = int(declared) if declared else remote.size
                received = _copy_with_progress(response, output, total, remote.name, progress)
        if declared and received != int(declared):
            raise DownloadError(
                f"connection closed after {received} of {declared} bytes; try again"
            )
        verify_file(temporary, remote)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _copy_with_progress(response, output, total, name, progress):
    """Copy the response body to ``output`` and return the number of bytes copied."""
    received = 0
    with tqdm(
        total=total, unit="B", unit_scale=True, unit_divisor=1024, desc=name,
        file=sys.stderr, disable=not progress, leave=False,
    ) as bar:
        while True:
            block = response.read(_CHUNK)
            if not block:
                return received
            output.write(block)
            received += len(block)
            bar.update(len(block))
