"""One online BP step with every intermediate value, for reading and checking by hand.

``trace_step`` runs the lecture's Steps 3 and 4 for one sample (x, y) through the same code that
trains networks: ``Network._forward_columns`` (fc for each layer), ``Network._gradients_columns``
(delta^L, bc for each layer, dJ/dw_ji^l = delta_j^{l+1} a_i^l) and ``bplab.online.online_step``
(w_ji^l <- w_ji^l - alpha dJ/dw_ji^l), so the printed numbers are the computed ones.
``render`` writes the trace as plain text, Markdown, LaTeX or JSON.

Traces are meant for small networks that a reader can follow; nothing limits the size, but
every weight is printed.
"""

import json

import numpy as np

from bplab import _inputs
from bplab.costs import get_cost
from bplab.online import online_step
from bplab.teach.notation import FORMATS as NOTATION_FORMATS
from bplab.teach.notation import get_notation
from bplab.teach.steps import write_steps

FORMATS = NOTATION_FORMATS + ("json",)
TRACE_VERSION = 1


def trace_step(net, x, y, learning_rate=0.5, apply=False):
    """Run one online BP step on the sample (x, y) and return every value it computes.

    Parameters
    ----------
    net : Network
        The network; it is left unchanged unless ``apply`` is True.
    x : array-like of shape (n_1,)
        The sample, a^1 = x.
    y : array-like of shape (n_L,)
        Its target vector (one-hot encode class labels first). With n_L = 1 a scalar is accepted.
    learning_rate : float, default 0.5
        alpha in w_ji^l <- w_ji^l - alpha dJ/dw_ji^l; must be > 0.
    apply : bool, default False
        Also update ``net`` with the step, as online BP does.

    Returns
    -------
    dict
        JSON-serialisable (``json.dumps`` works on it), with full-precision floats. Per-layer
        lists use the lecture's layer index l: entry l belongs to layer l, and entries that do
        not exist (index 0, z^1, delta^1, W^L) are None. Keys:

        ``version`` : int, the format version (1).
        ``network`` : dict with ``layers`` [n_1, ..., n_L], ``L``, ``activation`` (hidden f),
            ``output_activation``, ``cost``, ``bias`` (bool), ``dtype``.
        ``learning_rate`` : alpha.
        ``x``, ``y`` : lists of n_1 and n_L floats.
        ``W_before`` : list, entry l = 1..L-1 is W^l as rows, shape (n_{l+1}, n_l).
        ``b_before`` : list, entry l = 1..L-1 is b^l (n_{l+1} floats), or None without biases.
        ``z`` : list, entry l = 2..L is z^l = W^{l-1} a^{l-1} (+ b^{l-1}).
        ``a`` : list, entry l = 1..L is a^l; a^1 = x and a^l = f(z^l).
        ``f_prime_z`` : list, entry l = 2..L is f'(z^l); None for a softmax output layer,
            whose delta^L uses the full Jacobian.
        ``J`` : the cost J(x, y) of this sample before the update.
        ``output_delta`` : how delta^L was formed: "quadratic" ((a^L - y) * f'(z^L)),
            "quadratic_softmax" (the softmax Jacobian applied to a^L - y) or "cross_entropy"
            (a^L - y).
        ``delta`` : list, entry l = 2..L is delta^l = dJ/dz^l; delta^1 is not needed.
        ``dJ_dW`` : list, entry l = 1..L-1 is dJ/dW^l = delta^{l+1} (a^l)^T, element (j, i)
            being dJ/dw_ji^l = delta_j^{l+1} a_i^l.
        ``dJ_db`` : list, entry l = 1..L-1 is dJ/db^l = delta^{l+1}, or None without biases.
        ``W_after``, ``b_after`` : the weights after W^l <- W^l - alpha dJ/dW^l.
        ``J_after`` : the cost of the same sample with the updated weights.
        ``applied`` : whether ``net`` was updated.

    Raises
    ------
    ValueError
        If x or y has the wrong number of values, contains a non-finite value, or the learning
        rate is not positive. The message names both counts.
    """
    _inputs.check_scalar(learning_rate, "learning_rate", low=0, low_open=True)
    X = _one_sample(x, net.layer_sizes[0], "x", "input layer has n_1")
    Y = _one_sample(y, net.layer_sizes[-1], "y", "output layer has n_L")
    X, Y = net.prepare(X, Y)
    a1, y_column = X.T, Y.T
    L = net.L

    # Step 3: forward with fc, then delta^L and bc backwards, as in training.
    a, z = net._forward_columns(a1)
    dW, db, delta = net._gradients_columns(a1, y_column)
    f = net.f
    cost = get_cost(net.cost_name)
    J = float(cost.J(z[L], a[L], y_column, f[L])[0])

    # Step 4 on a copy, through the online training code itself.
    updated = net.copy()
    online_step(updated, X[0], Y[0], float(learning_rate))
    a_after, z_after = updated._forward_columns(a1)
    J_after = float(cost.J(z_after[L], a_after[L], y_column, f[L])[0])

    trace = {
        "version": TRACE_VERSION,
        "network": {
            "layers": list(net.layer_sizes), "L": L, "activation": net.activation,
            "output_activation": net.output_activation, "cost": net.cost_name, "bias": net.bias,
            "dtype": net.dtype.name,
        },
        "learning_rate": float(learning_rate),
        "x": X[0].tolist(),
        "y": Y[0].tolist(),
        "W_before": _per_layer(net.W),
        "b_before": _per_layer(net.b),
        "z": [None, None] + [z[l][:, 0].tolist() for l in range(2, L + 1)],
        "a": [None] + [a[l][:, 0].tolist() for l in range(1, L + 1)],
        "f_prime_z": [None, None] + [_f_prime(f[l], z[l]) for l in range(2, L + 1)],
        "J": J,
        "output_delta": _output_delta_rule(net),
        "delta": [None, None] + [delta[l][:, 0].tolist() for l in range(2, L + 1)],
        "dJ_dW": _per_layer(dW),
        "dJ_db": _per_layer(db),
        "W_after": _per_layer(updated.W),
        "b_after": _per_layer(updated.b),
        "J_after": J_after,
        "applied": bool(apply),
    }
    if apply:
        for l in range(1, L):
            net.W[l][...] = updated.W[l]
            if net.b[l] is not None:
                net.b[l][...] = updated.b[l]
    return trace


def sample_for(net, seed=None):
    """Draw a readable sample (x, y) for ``net`` from ``seed``.

    x has values 0.0, 0.1, ..., 1.0. y is a one-hot vector for softmax outputs and 0/1 values
    otherwise, which every output activation can approach.

    Returns
    -------
    x : ndarray of shape (n_1,)
    y : ndarray of shape (n_L,)
    """
    rng = np.random.default_rng(seed)
    n_1, n_L = net.layer_sizes[0], net.layer_sizes[-1]
    x = rng.integers(0, 11, size=n_1) / 10
    if net.output_activation == "softmax":
        y = np.zeros(n_L)
        y[rng.integers(n_L)] = 1.0
    else:
        y = rng.integers(0, 2, size=n_L).astype(float)
    return x, y


def render(trace, format="text", digits=4, components=None):
    """Write a trace from ``trace_step`` in the lecture's order and symbols.

    Parameters
    ----------
    trace : dict
        As returned by ``trace_step``.
    format : {"text", "markdown", "latex", "json"}, default "text"
        "latex" is a complete document (amsmath); "json" is the trace itself at full
        precision, every float written so that it reads back to the same value.
    digits : int, default 4
        Significant digits of the printed numbers (not used by "json").
    components : bool, optional
        Also write each neuron's sum, z_j^{l+1} = sum_i w_ji^l a_i^l and so on. By default
        only when no layer has more than 4 neurons.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown format or an invalid ``digits``.
    """
    if format == "json":
        return json.dumps(trace, indent=2, allow_nan=False) + "\n"
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected one of: {', '.join(FORMATS)}")
    notation = get_notation(format, digits)
    if components is None:
        components = max(trace["network"]["layers"]) <= 4
    layers = "-".join(str(n) for n in trace["network"]["layers"])
    title = f"One online BP step on a {layers} network"
    return notation.document(title, write_steps(trace, notation, components))


def _one_sample(values, n, name, layer):
    """Return one sample as a (1, n) float array, or raise naming both counts."""
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of numbers; got {values!r}") from None
    values = values.reshape(-1)
    if values.size != n:
        raise ValueError(
            f"{name} has {values.size} value{'s' if values.size != 1 else ''} but the {layer} = {n} "
            f"neurons; give {n} values"
        )
    return values[None, :]


def _per_layer(arrays):
    """Return per-layer arrays as nested lists, keeping None entries and index 0."""
    return [None if v is None else v.tolist() for v in arrays]


def _f_prime(activation, z_l):
    """Return f'(z^l) as a list, or None for softmax, whose delta uses the Jacobian."""
    if not activation.elementwise:
        return None
    return activation.f_prime(z_l)[:, 0].tolist()


def _output_delta_rule(net):
    """Name the formula of delta^L that the network's cost and output activation give."""
    if net.cost_name == "cross_entropy":
        return "cross_entropy"
    return "quadratic_softmax" if net.output_activation == "softmax" else "quadratic"
