"""Activation functions f and their derivatives f'(z), the lecture's local neuron functions.

Every function takes z as a column matrix of shape (n_l, m), one column per sample, and
returns an array of the same shape. Softmax is the one activation that is not elementwise: it
normalises each column, so it may only be used on the output layer, where the cost computes
delta^L through its Jacobian. Leaky ReLU uses a fixed slope of 0.01 for z < 0.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class Activation:
    """A named activation f with its derivative f'(z) and the range of its values.

    Attributes
    ----------
    name : str
        Registry name, as used by ``Network`` and the command line.
    f : callable
        a = f(z), applied to a column matrix of shape (n_l, m).
    f_prime : callable
        f'(z) of the same shape. For softmax it is the Jacobian's diagonal a (1 - a); the costs
        use the full Jacobian instead.
    low, high : float
        The open range of f, which decides whether cross-entropy is defined on it.
    elementwise : bool
        False only for softmax, whose outputs depend on the whole column.
    """

    name: str
    f: Callable[[np.ndarray], np.ndarray]
    f_prime: Callable[[np.ndarray], np.ndarray]
    low: float
    high: float
    elementwise: bool = True

    def __repr__(self):
        return self.name


def sigmoid(z):
    """f(z) = 1 / (1 + exp(-z)), written so that no exp() argument is positive."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_prime(z):
    """f'(z) = f(z) (1 - f(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_prime(z):
    """f'(z) = 1 - tanh(z)^2."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    """f(z) = max(0, z)."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """f'(z) = 1 for z > 0, else 0 (0 is taken at the kink z = 0)."""
    return (z > 0).astype(z.dtype)


def leaky_relu(z):
    """f(z) = z for z > 0, else 0.01 z."""
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_prime(z):
    """f'(z) = 1 for z > 0, else 0.01."""
    return np.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype)


def linear(z):
    """f(z) = z."""
    return z


def linear_prime(z):
    """f'(z) = 1."""
    return np.ones_like(z)


def softmax(z):
    """f(z)_j = exp(z_j) / sum_k exp(z_k) over each column, shifted by the column maximum."""
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_prime(z):
    """Diagonal of the softmax Jacobian, a_j (1 - a_j)."""
    a = softmax(z)
    return a * (1.0 - a)


ACTIVATIONS = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime, 0.0, 1.0),
    "tanh": Activation("tanh", np.tanh, tanh_prime, -1.0, 1.0),
    "relu": Activation("relu", relu, relu_prime, 0.0, np.inf),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime, -np.inf, np.inf),
    "linear": Activation("linear", linear, linear_prime, -np.inf, np.inf),
    "softmax": Activation("softmax", softmax, softmax_prime, 0.0, 1.0, elementwise=False),
}


def get_activation(name):
    """Return the registered activation called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.
    """
    if isinstance(name, Activation):
        return name
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; expected one of: {valid}") from None
