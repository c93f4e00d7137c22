"""Model files: one ``.npz`` with the weights as plain arrays and a JSON header.

Arrays: ``W1``..``W{L-1}`` (W^l), ``b1``.. (b^l, when the network has biases), any arrays of
the preprocessing under ``preprocessing/NAME``, and ``header``, a string holding JSON with the
architecture, activations, cost, classes, preprocessing settings, training settings and
history, and the format version. Files are read with ``allow_pickle=False``, so loading never
runs code, and written to a temporary file that replaces the target only when complete.
"""

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from bplab.costs import get_cost
from bplab.network import Network

FORMAT = "bplab-model"
# The process umask, read once: os.umask can only be read by setting it, which is not thread-safe.
_UMASK = os.umask(0)
os.umask(_UMASK)
FORMAT_VERSION = 1


def save_model(path, net, preprocessing=None, training=None, history=None, arrays=None):
    """Write ``net`` and what describes it to ``path`` atomically.

    Parameters
    ----------
    path : str or Path
        Target file; ``.npz`` is the usual suffix.
    net : Network
    preprocessing : dict, optional
        JSON-serialisable description of the input preprocessing.
    training : dict, optional
        Training settings and summary (JSON-serialisable).
    history : list of dict, optional
        Per-epoch training records.
    arrays : dict of str to ndarray, optional
        Extra arrays of the preprocessing (for example a mean and a standard deviation),
        stored as ``preprocessing/NAME``.
    """
    path = Path(path)
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "layer_sizes": net.layer_sizes,
        "activation": net.activation,
        "output_activation": net.output_activation,
        "cost": net.cost_name,
        "cost_formula": get_cost(net.cost_name).formula,
        "cost_scale": "mean over samples",
        "bias": net.bias,
        "dtype": net.dtype.name,
        "classes": None if net.classes_ is None else net.classes_.tolist(),
        "preprocessing": preprocessing,
        "training": training,
        "history": history or [],
    }
    content = {"header": np.array(json.dumps(header, default=_json_default))}
    for l in range(1, net.L):
        content[f"W{l}"] = net.W[l]
        if net.b[l] is not None:
            content[f"b{l}"] = net.b[l]
    for name, value in (arrays or {}).items():
        content[f"preprocessing/{name}"] = np.asarray(value)

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot save the model to {path}: folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            np.savez(stream, **content)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates the file readable by its owner only; give it the usual umask mode.
        os.chmod(temporary, 0o666 & ~_UMASK)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OSError(f"could not save the model to {path}: {error.strerror or error}; "
                      "the previous file, if any, is unchanged") from error
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a value of type {type(value).__name__} in a model header")


def load_model(path):
    """Read a model file written by ``save_model``.

    Returns
    -------
    net : Network
        With the saved weights, bit for bit, and classes.
    header : dict
        The JSON header, with the preprocessing arrays added under
        ``header["preprocessing_arrays"]``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is truncated, not a bplab model, of an unknown format version, or its
        arrays disagree with its header.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"model file {path} is a folder; give the .npz file written by 'bplab train --save'")
    if not path.is_file():
        raise FileNotFoundError(f"model file {path} not found; train one with 'bplab train --save {path}'")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"model file {path} is truncated or not a bplab model (not a .npz archive)")
    try:
        with np.load(path, allow_pickle=False) as archive:
            content = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as error:
        # NumPy's message for object arrays suggests allow_pickle=True, which must never be
        # followed for a model file, so only the kind of failure is passed on.
        reason = "it contains pickled objects" if "allow_pickle" in str(error) else str(error)
        raise ValueError(f"model file {path} is truncated or not a bplab model ({reason})") from None
    header = _read_header(path, content)
    net = _build_network(path, header, content)
    header["preprocessing_arrays"] = {
        name.split("/", 1)[1]: value for name, value in content.items() if name.startswith("preprocessing/")
    }
    return net, header


def _read_header(path, content):
    if "header" not in content:
        raise ValueError(f"model file {path} has no header; it was not written by bplab")
    try:
        header = json.loads(str(content["header"]))
    except (json.JSONDecodeError, TypeError) as error:
        raise ValueError(f"model file {path} has a damaged header ({error})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError(f"model file {path} is not a bplab model")
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"model file {path} has format version {header.get('format_version')!r}; this bplab reads "
            f"version {FORMAT_VERSION}. Retrain the model or use the bplab version that wrote it"
        )
    return header


def _build_network(path, header, content):
    _check_shapes(path, header, content)
    try:
        net = Network(header["layer_sizes"], header["activation"], header["output_activation"],
                      header["cost"], header["bias"], header["dtype"], seed=0)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"model file {path} has an invalid header ({error})") from None
    for l in range(1, net.L):
        net.W[l] = _array(path, content, f"W{l}", net.W[l].shape, net.dtype)
        if net.bias:
            net.b[l] = _array(path, content, f"b{l}", net.b[l].shape, net.dtype)
    if header.get("classes") is not None:
        classes = np.asarray(header["classes"])
        if len(classes) != net.layer_sizes[-1] and net.layer_sizes[-1] > 1:
            raise ValueError(f"model file {path} lists {len(classes)} classes for {net.layer_sizes[-1]} outputs")
        net.classes_ = classes
    return net


def _check_shapes(path, header, content):
    """Compare the header's layer sizes with the stored arrays before allocating anything."""
    sizes = header.get("layer_sizes")
    if not isinstance(sizes, list) or len(sizes) < 2 or not all(isinstance(n, int) and n >= 1 for n in sizes):
        raise ValueError(f"model file {path} has invalid layer_sizes {sizes!r} in its header")
    for l in range(1, len(sizes)):
        name = f"W{l}"
        expected = (sizes[l], sizes[l - 1])
        if name not in content:
            raise ValueError(f"model file {path} is missing the array {name}")
        if content[name].shape != expected:
            raise ValueError(
                f"model file {path}: array {name} has shape {content[name].shape}, but the header's "
                f"layer sizes {sizes} expect {expected}"
            )


def _array(path, content, name, shape, dtype):
    if name not in content:
        raise ValueError(f"model file {path} is missing the array {name}")
    value = content[name]
    if value.shape != shape or value.dtype != dtype:
        raise ValueError(
            f"model file {path}: array {name} has shape {value.shape} and dtype {value.dtype}, "
            f"but the header expects {shape} and {dtype}"
        )
    if not np.isfinite(value).all():
        raise ValueError(f"model file {path}: array {name} contains NaN or infinite values")
    return value
