"""The settings an epoch engine needs, reduced to numbers that compiled code can branch on.

An engine supports a network when every layer's activation has a code here and the
data arrive as C-contiguous rows in the network's dtype. Anything else makes ``epoch_spec``
return None, and the caller falls back to the reference engine.
"""

from dataclasses import dataclass

import numpy as np

SIGMOID, TANH, RELU, LEAKY_RELU, LINEAR, SOFTMAX = range(6)
QUADRATIC, CROSS_ENTROPY = range(2)

ACTIVATION_CODES = {
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "linear": LINEAR,
    "softmax": SOFTMAX,
}
COST_CODES = {"quadratic": QUADRATIC, "cross_entropy": CROSS_ENTROPY}
DTYPES = (np.dtype("float64"), np.dtype("float32"))


@dataclass(frozen=True)
class EpochSpec:
    """One epoch's settings as the engines use them.

    Attributes
    ----------
    hidden, output : int
        Activation codes of the hidden layers and of layer L.
    cost : int
        Cost code.
    alpha, momentum, l2 : numpy scalar
        Learning rate, momentum mu and weight decay lambda, in the network's dtype so that
        compiled loops over float32 weights stay in float32.
    batch_size : int
        Samples per update, clipped to m; 1 is online BP and m is full-batch BP.
    mean : bool
        True when the accumulated gradient is divided by the number of samples in the batch.
    """

    hidden: int
    output: int
    cost: int
    alpha: np.floating
    momentum: np.floating
    l2: np.floating
    batch_size: int
    mean: bool


def epoch_spec(net, X, Y, order, learning_rate, batch_size, momentum, l2, velocity, batch_gradient):
    """Return the EpochSpec for these settings, or None when the fast engines do not support them."""
    dtype = np.dtype(net.dtype)
    if dtype not in DTYPES:
        return None
    if net.activation not in ACTIVATION_CODES or net.activation == "softmax":
        return None
    if net.output_activation not in ACTIVATION_CODES or net.cost_name not in COST_CODES:
        return None
    if net.cost_name == "cross_entropy" and net.output_activation not in ("sigmoid", "softmax"):
        return None
    if batch_gradient not in ("mean", "sum"):
        return None
    if momentum and velocity is None:
        return None
    for array, rows in ((X, len(X)), (Y, len(X))):
        if not isinstance(array, np.ndarray) or array.dtype != dtype or array.ndim != 2:
            return None
        if not array.flags.c_contiguous or array.shape[0] != rows:
            return None
    if X.shape[1] != net.layer_sizes[0] or Y.shape[1] != net.layer_sizes[-1] or len(order) == 0:
        return None
    # The compiled kernels index X[order[t]] without bounds checks.
    order = np.asarray(order)
    if order.dtype.kind not in "iu" or order.min() < 0 or order.max() >= len(X):
        return None
    for l in range(1, net.L):
        if net.W[l].dtype != dtype or not net.W[l].flags.c_contiguous:
            return None
        if net.b[l] is not None and (net.b[l].dtype != dtype or not net.b[l].flags.c_contiguous):
            return None
    return EpochSpec(
        hidden=ACTIVATION_CODES[net.activation],
        output=ACTIVATION_CODES[net.output_activation],
        cost=COST_CODES[net.cost_name],
        alpha=dtype.type(learning_rate),
        momentum=dtype.type(momentum),
        l2=dtype.type(l2),
        batch_size=int(min(max(int(batch_size), 1), len(order))),
        mean=batch_gradient == "mean",
    )
