"""The step view's small network: building it from a request and one online BP step on it.

The step itself is ``bplab.trace.trace_step``, the code behind ``bplab trace``, so the page
shows the same numbers as that command: the forward pass z^{l+1} = W^l a^l (+ b^l),
a^{l+1} = f(z^{l+1}); delta^L = dJ/dz^L; delta^l = f'(z^l) * (W^l)^T delta^{l+1};
dJ/dw_ji^l = delta_j^{l+1} a_i^l; and the update w_ji^l <- w_ji^l - alpha dJ/dw_ji^l.
"""

import numpy as np

from bplab.network import Network
from bplab.trace import trace_step

# The step view's first network: the lecture's 2-2-1 sigmoid network without biases.
STEP_DEFAULTS = {
    "layers": [2, 2, 1],
    "activation": "sigmoid",
    "output_activation": None,
    "cost": "quadratic",
    "bias": False,
    "seed": 0,
}


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
        "cost": net.cost_name,
        "bias": net.bias,
        "W": [None] + [net.W[l].tolist() for l in range(1, net.L)],
        "b": [None] + [None if net.b[l] is None else net.b[l].tolist() for l in range(1, net.L)],
    }


def bp_step(net, x, y, learning_rate):
    """Run one online BP step on the sample (x, y), update ``net`` and return every value.

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
        The trace of ``bplab.trace.trace_step`` (``z``, ``a``, ``delta``, ``dJ_dW``, ``dJ_db``,
        ``J``, ``J_after``, ... indexed by the lecture's layer l), plus ``before`` and
        ``after``, the network as ``describe_network`` gives it before and after the update.
    """
    before = describe_network(net)
    trace = trace_step(net, x, y, learning_rate=learning_rate, apply=True)
    trace["before"] = before
    trace["after"] = describe_network(net)
    return trace
