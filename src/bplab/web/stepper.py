"""One online BP step on a small network, with every intermediate value the step view shows.

The step is the lecture's online algorithm for one sample (x, y):

    forward   z^{l+1} = W^l a^l (+ b^l),  a^{l+1} = f(z^{l+1}),  a^1 = x
    output    delta^L = dJ/dz^L
    backward  delta^l = f'(z^l) * (W^l)^T delta^{l+1},  l = L-1 .. 2
    gradient  dJ/dw_ji^l = delta_j^{l+1} a_i^l
    update    w_ji^l <- w_ji^l - alpha dJ/dw_ji^l

Forward values and gradients come from ``Network.forward`` and ``Network.gradients``; the deltas
are recomputed with the core's ``bc`` and the cost's delta^L, because the network does not
return them. Per-layer lists keep the lecture's indices, with unused entries set to None.
"""

import numpy as np

from bplab.core import bc
from bplab.costs import get_cost
from bplab.network import Network


def build_network(settings, W=None, b=None):
    """Build a Network from step settings, with given weights or seeded random ones.

    Parameters
    ----------
    settings : dict
        ``layers``, ``activation``, ``output_activation`` (or None), ``cost``, ``bias`` and
        ``seed``.
    W, b : list, optional
        Lists indexed like ``Network.W`` and ``Network.b`` (entry 0 unused). When given, they
        replace the random initial weights.

    Raises
    ------
    ValueError
        If the network settings are inconsistent (for example cross-entropy with tanh outputs).
    """
    net = Network(
        settings["layers"],
        activation=settings["activation"],
        output_activation=settings["output_activation"],
        cost=settings["cost"],
        bias=settings["bias"],
        seed=settings["seed"],
    )
    if W is not None:
        net.W = [None] + [np.array(W[l], dtype=np.float64) for l in range(1, net.L)]
    if b is not None and net.bias:
        net.b = [None] + [np.array(b[l], dtype=np.float64) for l in range(1, net.L)]
    return net


def describe_network(net):
    """Return the network's settings and weights as JSON-ready lists (entry 0 unused)."""
    return {
        "layers": list(net.layer_sizes),
        "activation": net.activation,
        "output_activation": net.output_activation,
        "cost": net.cost,
        "bias": net.bias,
        "W": [None] + [net.W[l].tolist() for l in range(1, net.L)],
        "b": [None] + [None if net.b[l] is None else net.b[l].tolist() for l in range(1, net.L)],
    }


def bp_step(net, x, y, learning_rate):
    """Run one online BP step on the sample (x, y) and return every value it computes.

    Parameters
    ----------
    net : Network
        Updated in place.
    x : ndarray of shape (n_1,)
        The input a^1.
    y : ndarray of shape (n_L,)
        The target y^L.
    learning_rate : float
        alpha.

    Returns
    -------
    dict
        ``a``, ``z`` and ``delta`` indexed by layer l = 1..L; ``dW`` and ``db`` indexed by
        l = 1..L-1; ``J`` before and ``J_after`` the update; ``before`` and ``after``, the
        network described by ``describe_network``.
    """
    before = describe_network(net)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    L = net.L

    # Forward pass (row layout from the public API, one sample).
    a_rows, z_rows = net.forward(x[None, :])
    a = [None] + [a_rows[l][0] for l in range(1, L + 1)]
    z = [None, None] + [z_rows[l][0] for l in range(2, L + 1)]

    # Output delta, then the backward pass delta^l = f'(z^l) * (W^l)^T delta^{l+1}.
    f = net.f
    delta = [None] * (L + 1)
    delta[L] = get_cost(net.cost).delta(z[L][:, None], a[L][:, None], y[:, None], f[L])[:, 0]
    for l in range(L - 1, 1, -1):
        delta[l] = bc(net.W[l], delta[l + 1], f[l].f_prime(z[l]))

    # dJ/dw_ji^l = delta_j^{l+1} a_i^l; Network.gradients computes the same by its own pass.
    J = net.cost_value(x[None, :], y[None, :])
    dW, db = net.gradients(x[None, :], y[None, :])

    # Steepest-descent update of one online step.
    for l in range(1, L):
        net.W[l] = net.W[l] - learning_rate * dW[l]
        if net.bias:
            net.b[l] = net.b[l] - learning_rate * db[l]

    return {
        "x": x.tolist(),
        "y": y.tolist(),
        "learning_rate": learning_rate,
        "a": _lists(a),
        "z": _lists(z),
        "delta": _lists(delta),
        "dW": _lists(dW),
        "db": _lists(db),
        "J": J,
        "J_after": net.cost_value(x[None, :], y[None, :]),
        "before": before,
        "after": describe_network(net),
    }


def _lists(arrays):
    """Convert a per-layer list of arrays to nested lists, keeping None entries."""
    return [None if v is None else np.asarray(v).tolist() for v in arrays]
