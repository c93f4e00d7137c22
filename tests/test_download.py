"""Downloads from a loopback HTTP server: good, corrupt, interrupted, and no network at all."""

import gzip
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from bplab.data import datasets
from bplab.data.datasets import load_dataset
from bplab.data.download import (
    ChecksumError,
    DownloadError,
    RemoteFile,
    cache_dir,
    mirrors_from_env,
    verify_file,
)
from bplab.data.idx import write_idx


class _FileHandler(BaseHTTPRequestHandler):
    """Serve ``server.files``: path -> (body, cut), where cut sends half and hangs up."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path not in self.server.files:
            self.send_error(404)
            return
        body, cut = self.server.files[self.path]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    """Start a threaded HTTP server on an ephemeral loopback port; stop it afterwards."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _FileHandler)
    httpd.files = {}
    httpd.requests = []
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def closed_port_url():
    """Return a loopback URL on which nothing listens (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch, closed_port_url):
    """Redirect the cache to tmp_path and every mirror to a refused loopback port."""
    monkeypatch.setenv("BPLAB_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", closed_port_url)
    monkeypatch.setenv("BPLAB_FASHION_MNIST_MIRRORS", closed_port_url)
    monkeypatch.setattr(datasets, "FASHION_MNIST_SYSTEM_DIR", tmp_path / "no-system-copy")


@pytest.fixture
def small_mnist(tmp_path, monkeypatch):
    """Build a 5-image t10k pair and declare it the official MNIST test files."""
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    labels = np.array([7, 2, 1, 0, 4], dtype=np.uint8)
    source = tmp_path / "source"
    source.mkdir()
    write_idx(source / "t10k-images-idx3-ubyte.gz", images)
    write_idx(source / "t10k-labels-idx1-ubyte.gz", labels)
    bodies = {path.name: path.read_bytes() for path in source.iterdir()}
    remotes = tuple(
        RemoteFile(name, sha256=(hashlib.sha256(bodies[name]).hexdigest(),), size=len(bodies[name]))
        for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
    )
    monkeypatch.setitem(datasets.MNIST_FILES, "test", remotes)
    return images.reshape(5, 784), labels.astype(np.int64), bodies


def _cached_files(tmp_path):
    """Return the names of all files under the test cache folder."""
    return sorted(path.name for path in (tmp_path / "cache").rglob("*") if path.is_file())


def _serve(server, bodies, prefix="/mnist/", cut=()):
    """Publish ``bodies`` under ``prefix``; names in ``cut`` are sent half and cut off."""
    for name, body in bodies.items():
        server.files[prefix + name] = (body, name in cut)


def test_download_checked_and_reused(tmp_path, monkeypatch, server, small_mnist, closed_port_url):
    """A good file is downloaded once, into the cache, and reused without network."""
    images, labels, bodies = small_mnist
    _serve(server, bodies)
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", server.base + "mnist/")

    loaded_images, loaded_labels = load_dataset("mnist", split="test", progress=False)
    np.testing.assert_array_equal(loaded_images, images)
    np.testing.assert_array_equal(loaded_labels, labels)
    assert sorted(server.requests) == ["/mnist/t10k-images-idx3-ubyte.gz", "/mnist/t10k-labels-idx1-ubyte.gz"]
    assert _cached_files(tmp_path) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert (tmp_path / "cache" / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes() == bodies["t10k-labels-idx1-ubyte.gz"]

    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", closed_port_url)
    again_images, again_labels = load_dataset("mnist", split="test", progress=False)
    np.testing.assert_array_equal(again_images, images)
    np.testing.assert_array_equal(again_labels, labels)
    assert len(server.requests) == 2


def test_second_mirror_used_when_first_fails(monkeypatch, server, small_mnist):
    """A 404 on the first mirror falls through to the second."""
    images, _, bodies = small_mnist
    _serve(server, bodies, prefix="/good/")
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", f"{server.base}missing/, {server.base}good/")
    loaded_images, _ = load_dataset("mnist", split="test", progress=False)
    np.testing.assert_array_equal(loaded_images, images)
    assert "/missing/t10k-images-idx3-ubyte.gz" in server.requests


def test_progress_bar_on_stderr(monkeypatch, server, small_mnist, capsys):
    """progress=True draws a bar naming the file on standard error, nothing on stdout."""
    _serve(server, small_mnist[2])
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", server.base + "mnist/")
    load_dataset("mnist", split="test", progress=True)
    captured = capsys.readouterr()
    assert "t10k-images-idx3-ubyte.gz" in captured.err
    assert captured.out == ""


def test_corrupt_download_deleted(tmp_path, monkeypatch, server, small_mnist):
    """A file with the wrong checksum raises ChecksumError and leaves nothing in the cache."""
    bodies = dict(small_mnist[2])
    damaged = bytearray(bodies["t10k-images-idx3-ubyte.gz"])
    damaged[100] ^= 0xFF
    bodies["t10k-images-idx3-ubyte.gz"] = bytes(damaged)
    _serve(server, bodies)
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", server.base + "mnist/")

    with pytest.raises(ChecksumError, match=r"t10k-images-idx3-ubyte\.gz: SHA-256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64} \(the downloaded file was deleted\)"):
        load_dataset("mnist", split="test", progress=False)
    assert _cached_files(tmp_path) == []


def test_interrupted_download_deleted(tmp_path, monkeypatch, server, small_mnist):
    """A connection closed mid-file raises DownloadError and leaves nothing in the cache."""
    _, _, bodies = small_mnist
    _serve(server, bodies, cut={"t10k-images-idx3-ubyte.gz"})
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", server.base + "mnist/")
    size = len(bodies["t10k-images-idx3-ubyte.gz"])

    with pytest.raises(DownloadError, match=rf"connection closed after {size // 2} of {size} bytes"):
        load_dataset("mnist", split="test", progress=False)
    assert _cached_files(tmp_path) == []


def test_no_network_names_files_and_folder(tmp_path):
    """With every mirror unreachable, the error names the files and the folder."""
    with pytest.raises(DownloadError) as caught:
        load_dataset("mnist", split="train", progress=False)
    message = str(caught.value)
    assert "cannot connect" in message
    assert "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in message
    assert f"into {tmp_path / 'cache' / 'mnist'}" in message
    assert "--data-dir FOLDER" in message
    assert _cached_files(tmp_path) == []


def test_fashion_no_network_mentions_debian_package():
    """The Fashion-MNIST offline hint also names Debian's package."""
    with pytest.raises(DownloadError, match=r"t10k-images-idx3-ubyte\.gz.*dataset-fashion-mnist"):
        load_dataset("fashion-mnist", split="test", progress=False)


def test_fashion_real_files_match_checksums(tmp_path, monkeypatch, server, shared_data):
    """The real Fashion-MNIST test files pass the checksums written in the code."""
    folder = shared_data / "fashion-mnist"
    bodies = {name: (folder / name).read_bytes() for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
    _serve(server, bodies, prefix="/fashion/")
    monkeypatch.setenv("BPLAB_FASHION_MNIST_MIRRORS", server.base + "fashion/")

    images, labels = load_dataset("fashion-mnist", split="test", progress=False)
    assert images.shape == (10000, 784)
    assert np.bincount(labels).tolist() == [1000] * 10
    assert _cached_files(tmp_path) == sorted(bodies)


def test_mnist_checksums_match_documented_values():
    """The in-code MNIST sums and sizes are the published ones for all four files."""
    published = {
        "train-images-idx3-ubyte.gz": (9912422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        "train-labels-idx1-ubyte.gz": (28881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        "t10k-images-idx3-ubyte.gz": (1648877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "t10k-labels-idx1-ubyte.gz": (4542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    }
    in_code = {remote.name: (remote.size, remote.sha256[0]) for pair in datasets.MNIST_FILES.values() for remote in pair}
    assert in_code == published


def test_verify_accepts_published_md5(tmp_path):
    """A file matching only the published MD5 (Zalando publishes no SHA-256) is accepted."""
    path = tmp_path / "file.gz"
    path.write_bytes(gzip.compress(b"fashion"))
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    verify_file(path, RemoteFile("file.gz", sha256=("0" * 64,), md5=(md5,)))
    with pytest.raises(ChecksumError, match=r"file\.gz: SHA-256 mismatch"):
        verify_file(path, RemoteFile("file.gz", sha256=("0" * 64,), md5=("1" * 32,)))


def test_verify_checks_size_first(tmp_path):
    """A file of the wrong size is named with both sizes."""
    path = tmp_path / "short.gz"
    path.write_bytes(b"abc")
    with pytest.raises(ChecksumError, match=r"short\.gz: wrong size: expected 4 bytes, got 3"):
        verify_file(path, RemoteFile("short.gz", size=4))


def test_mirror_list_from_environment(monkeypatch):
    """BPLAB_MNIST_MIRRORS is split on commas; unset falls back to the module list."""
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", " http://a.example/x/ ,http://b.example/ ,")
    assert mirrors_from_env("BPLAB_MNIST_MIRRORS", ["unused"]) == ["http://a.example/x/", "http://b.example/"]
    monkeypatch.delenv("BPLAB_MNIST_MIRRORS")
    assert mirrors_from_env("BPLAB_MNIST_MIRRORS", datasets.MNIST_MIRRORS) == datasets.MNIST_MIRRORS
    assert datasets.MNIST_MIRRORS[0] == "https://storage.googleapis.com/cvdf-datasets/mnist/"


def test_module_mirror_list_overridable(tmp_path, monkeypatch, server, small_mnist):
    """Assigning datasets.MNIST_MIRRORS redirects downloads when the variable is unset."""
    _serve(server, small_mnist[2])
    monkeypatch.delenv("BPLAB_MNIST_MIRRORS")
    monkeypatch.setattr(datasets, "MNIST_MIRRORS", [server.base + "mnist/"])
    images, _ = load_dataset("mnist", split="test", progress=False)
    np.testing.assert_array_equal(images, small_mnist[0])


def test_non_http_mirror_rejected(monkeypatch, small_mnist):
    """A mirror that is not http or https is a configuration error naming the URL."""
    monkeypatch.setenv("BPLAB_MNIST_MIRRORS", "ftp://127.0.0.1/mnist/")
    with pytest.raises(ValueError, match=r"invalid mirror URL 'ftp://127\.0\.0\.1/mnist/'"):
        load_dataset("mnist", split="test", progress=False)


def test_cache_dir_from_environment(tmp_path):
    """BPLAB_CACHE_DIR sets the cache folder (the autouse fixture points it at tmp_path)."""
    assert cache_dir() == tmp_path / "cache"
