"""Model files: exact round trips, atomic writes, and damaged or hostile files."""

import json
import os

import numpy as np
import pytest

import bplab
from bplab.model_io import FORMAT_VERSION, load_model, save_model


def _trained(layer_sizes=(3, 5, 4), labels=None, **kwargs):
    net = bplab.Network(list(layer_sizes), seed=0, **kwargs)
    X = np.random.default_rng(0).normal(size=(12, layer_sizes[0]))
    if labels is None:
        Y = np.random.default_rng(1).uniform(size=(12, layer_sizes[-1]))
    else:
        Y = np.asarray(labels)[np.arange(12) % len(labels)]
    bplab.train(net, X, Y, epochs=3, seed=0, engine="reference")
    return net, X


def _content(path):
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def _rewrite(path, content, header=None):
    """Write ``content`` back to ``path`` as an npz, replacing the header when given."""
    if header is not None:
        content = dict(content, header=np.array(json.dumps(header)))
    with open(path, "wb") as stream:
        np.savez(stream, **content)


@pytest.fixture
def saved(tmp_path):
    """A small saved model: its path and its loaded parts."""
    net, _ = _trained(labels=np.array(["cat", "dog", "eel", "fox"]), layer_sizes=(3, 5, 4))
    path = tmp_path / "model.npz"
    save_model(path, net)
    return path


# -- Round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, labels", [
    ({}, None),
    ({"bias": False}, None),
    ({"dtype": "float32"}, None),
    ({"activation": "relu", "cost": "cross_entropy"}, np.array([0, 1, 2, 3])),
    ({"activation": "tanh", "output_activation": "sigmoid", "dtype": "float32"}, np.array([10, 20, 30, 40])),
    ({"activation": "leaky_relu", "cost": "cross_entropy"}, np.array(["ant", "bee", "cow", "dog"])),
])
def test_round_trip_is_exact(tmp_path, kwargs, labels):
    """Loading returns the same architecture, bit-identical weights, dtypes, classes and predictions."""
    net, X = _trained(labels=labels, layer_sizes=(3, 5, 4), **kwargs)
    path = tmp_path / "model.npz"
    save_model(path, net)
    loaded, header = load_model(path)
    assert repr(loaded) == repr(net)
    assert loaded.layer_sizes == net.layer_sizes
    assert loaded.dtype == net.dtype
    for w, v in zip(net.parameters(), loaded.parameters()):
        assert v.dtype == w.dtype
        assert v.tobytes() == w.tobytes()
    assert [v is None for v in loaded.b] == [v is None for v in net.b]
    if labels is None:
        assert loaded.classes_ is None
    else:
        assert loaded.classes_.dtype == net.classes_.dtype
        np.testing.assert_array_equal(loaded.classes_, net.classes_)
    assert loaded.predict(X).tobytes() == net.predict(X).tobytes()
    assert loaded.predict_proba(X).tobytes() == net.predict_proba(X).tobytes()
    assert header["format_version"] == FORMAT_VERSION


def test_header_round_trip(tmp_path):
    """Preprocessing, training settings, history and preprocessing arrays come back as saved."""
    net, _ = _trained()
    result = bplab.train(net, np.zeros((4, 3)), np.zeros((4, 4)), epochs=2, seed=0, engine="reference")
    preprocessing = {"scale": "standardize", "columns": [0, 2]}
    mean = np.array([0.5, -1.25, 3.0])
    path = tmp_path / "model.npz"
    save_model(path, net, preprocessing=preprocessing, training=result.settings, history=result.history,
               arrays={"mean": mean})
    _, header = load_model(path)
    assert header["preprocessing"] == preprocessing
    assert header["training"] == json.loads(json.dumps(result.settings))
    assert header["history"] == json.loads(json.dumps(result.history))
    assert header["cost"] == "quadratic"
    np.testing.assert_array_equal(header["preprocessing_arrays"]["mean"], mean)
    assert header["preprocessing_arrays"]["mean"].dtype == mean.dtype


def test_numpy_values_in_header(tmp_path):
    """NumPy scalars and arrays in the header settings are stored as plain JSON values."""
    net, _ = _trained()
    path = tmp_path / "model.npz"
    save_model(path, net, training={"rate": np.float32(0.5), "sizes": np.array([1, 2])})
    assert load_model(path)[1]["training"] == {"rate": 0.5, "sizes": [1, 2]}


def test_unstorable_header_value(tmp_path):
    """A header value JSON cannot hold raises TypeError naming its type, and writes nothing."""
    net, _ = _trained()
    with pytest.raises(TypeError, match=r"cannot store a value of type object in a model header"):
        save_model(tmp_path / "model.npz", net, training={"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_save_replaces_existing_file(tmp_path):
    """Saving over an existing model replaces it and leaves no other file."""
    path = tmp_path / "model.npz"
    first, _ = _trained()
    save_model(path, first)
    second = bplab.Network([3, 5, 4], seed=99)
    save_model(path, second)
    loaded, _ = load_model(path)
    np.testing.assert_array_equal(loaded.W[1], second.W[1])
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


# -- Failed writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_failed_save_keeps_old_file(tmp_path, monkeypatch, failure):
    """A write that fails halfway leaves the old model intact and no temporary file behind."""
    path = tmp_path / "model.npz"
    net, _ = _trained()
    save_model(path, net)
    old_bytes = path.read_bytes()

    def broken_savez(stream, **content):
        stream.write(b"PK\x03\x04 partial archive")
        raise failure

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(type(failure)):
        save_model(path, bplab.Network([3, 5, 4], seed=5))
    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_save_to_missing_folder(tmp_path):
    """Saving into a folder that does not exist raises FileNotFoundError naming the folder."""
    net, _ = _trained()
    with pytest.raises(FileNotFoundError, match=r"folder .*missing does not exist"):
        save_model(tmp_path / "missing" / "model.npz", net)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores folder permissions")
def test_save_to_read_only_folder(tmp_path):
    """Saving into a read-only folder raises PermissionError and leaves the old file intact."""
    path = tmp_path / "model.npz"
    net, _ = _trained()
    save_model(path, net)
    old_bytes = path.read_bytes()
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(PermissionError):
            save_model(path, bplab.Network([3, 5, 4], seed=5))
    finally:
        tmp_path.chmod(0o700)
    assert path.read_bytes() == old_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_failed_rename_leaves_no_temporary_file(tmp_path):
    """When the final rename fails (the target is a folder) the error is raised and no temporary file remains."""
    target = tmp_path / "model.npz"
    target.mkdir()
    net, _ = _trained()
    with pytest.raises(OSError):
        save_model(target, net)
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    assert list(target.iterdir()) == []


# -- Damaged and hostile files ---------------------------------------------------------------


def test_missing_file(tmp_path):
    """Loading a path that does not exist raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match=r"model file .*nowhere.npz not found"):
        load_model(tmp_path / "nowhere.npz")


def test_truncated_file(saved):
    """A file cut to half its bytes raises ValueError saying it is truncated."""
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"model file .*model.npz is truncated or not a bplab model"):
        load_model(saved)


def test_not_an_archive(tmp_path):
    """A text file with the model's name raises ValueError, not a zipfile error."""
    path = tmp_path / "model.npz"
    path.write_text("W1 = [[1, 2]]\n")
    with pytest.raises(ValueError, match=r"truncated or not a bplab model"):
        load_model(path)


def test_junk_json_header(saved):
    """A header that is not JSON raises ValueError saying the header is damaged."""
    content = _content(saved)
    content["header"] = np.array("{layer_sizes: [3, 5, 4],,,")
    _rewrite(saved, content)
    with pytest.raises(ValueError, match=r"model file .* has a damaged header"):
        load_model(saved)


@pytest.mark.parametrize("header", [[1, 2, 3], {"format": "keras"}, "bplab-model"])
def test_foreign_header(saved, header):
    """Valid JSON that is not a bplab header raises ValueError saying so."""
    _rewrite(saved, _content(saved), header)
    with pytest.raises(ValueError, match=r"is not a bplab model"):
        load_model(saved)


def test_missing_header(saved):
    """An archive without a header raises ValueError saying it was not written by bplab."""
    content = _content(saved)
    del content["header"]
    _rewrite(saved, content)
    with pytest.raises(ValueError, match=r"has no header; it was not written by bplab"):
        load_model(saved)


def test_unknown_format_version(saved):
    """A newer format version raises ValueError naming both versions."""
    content = _content(saved)
    header = json.loads(str(content["header"]))
    header["format_version"] = FORMAT_VERSION + 1
    _rewrite(saved, content, header)
    with pytest.raises(ValueError, match=rf"format version {FORMAT_VERSION + 1}; this bplab reads version {FORMAT_VERSION}"):
        load_model(saved)


@pytest.mark.parametrize("field, value, message", [
    ("activation", "swish", r"invalid header \(unknown activation 'swish'"),
    ("layer_sizes", [3, -5, 4], r"invalid layer_sizes \[3, -5, 4\] in its header"),
    ("dtype", "int8", r"invalid header \(dtype must be one of"),
    ("bias", "yes", r"invalid header \(bias must be True or False"),
    ("classes", ["a", "b"], r"lists 2 classes for 4 outputs"),
])
def test_invalid_header_field(saved, field, value, message):
    """A header field with an impossible value raises ValueError naming the problem."""
    content = _content(saved)
    header = json.loads(str(content["header"]))
    header[field] = value
    _rewrite(saved, content, header)
    with pytest.raises(ValueError, match=message):
        load_model(saved)


def test_header_with_huge_layer_sizes(saved):
    """A header claiming layers far larger than the stored arrays raises ValueError without allocating them."""
    content = _content(saved)
    header = json.loads(str(content["header"]))
    header["layer_sizes"] = [3, 10**12, 4]
    header["classes"] = None
    _rewrite(saved, content, header)
    with pytest.raises(ValueError, match=r"W1"):
        load_model(saved)


@pytest.mark.parametrize("name, replacement, message", [
    ("W1", np.zeros((3, 5)), r"array W1 has shape \(3, 5\), but the header's layer sizes \[3, 5, 4\] expect \(5, 3\)"),
    ("W2", np.zeros((4, 5), dtype=np.float32), r"array W2 has shape \(4, 5\) and dtype float32, but .* float64"),
    ("b1", np.full(5, np.nan), r"array b1 contains NaN or infinite values"),
    ("W2", None, r"is missing the array W2"),
])
def test_tampered_weight_array(saved, name, replacement, message):
    """A weight array of the wrong shape or dtype, non-finite, or missing raises ValueError naming it."""
    content = _content(saved)
    if replacement is None:
        del content[name]
    else:
        content[name] = replacement
    _rewrite(saved, content)
    with pytest.raises(ValueError, match=message):
        load_model(saved)


class _Trap:
    """Unpickling this object creates the file at ``path``: proof that loading ran code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_array_is_not_unpickled(saved, tmp_path):
    """An object array in the file raises ValueError, and the pickled object is never built."""
    marker = tmp_path / "unpickled"
    content = _content(saved)
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap(marker)
    content["W1"] = trap
    with open(saved, "wb") as stream:
        np.savez(stream, allow_pickle=True, **content)
    with pytest.raises(ValueError, match=r"truncated or not a bplab model \(it contains pickled objects\)"):
        load_model(saved)
    assert not marker.exists()


def test_saved_file_mode_follows_umask(tmp_path):
    """A saved model gets the process umask's mode, not the owner-only mode of a temporary file."""
    old = os.umask(0o022)
    try:
        path = tmp_path / "model.npz"
        save_model(path, bplab.Network([2, 3, 2], seed=0))
    finally:
        os.umask(old)
    assert (path.stat().st_mode & 0o777) == 0o644


def test_folder_as_model_path(tmp_path):
    """Loading a folder reports a folder, not a missing model."""
    with pytest.raises(IsADirectoryError, match=r"is a folder; give the .npz file"):
        load_model(tmp_path)
