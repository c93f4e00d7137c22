"""Cost functions J and the output error delta^L = dJ/dz^L.

Symbols, with one column per sample (m samples):
    z    z^L, shape (n_L, m), the output layer's weighted input
    a    a^L = f(z^L), shape (n_L, m), the network's prediction
    y    the target, shape (n_L, m)
    J    the cost of each sample, shape (m,); a data set's cost is the mean of these,
         the lecture's batch cost J = (1/m) sum_(x, y) J(x, y)

Cross-entropy is computed from z rather than from a, so it stays finite when a prediction
rounds to exactly 0 or 1.
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Cost:
    """A named cost with J per sample and delta^L.

    Attributes
    ----------
    name : str
        Registry name.
    J : callable
        J(z, a, y, f) -> ndarray of shape (m,), the cost of each sample.
    delta : callable
        delta(z, a, y, f) -> ndarray of shape (n_L, m), delta^L = dJ/dz^L.
    formula : str
        The cost of one sample, for model files and printed summaries.
    """

    name: str
    J: Callable
    delta: Callable
    formula: str

    def __repr__(self):
        return self.name


def quadratic_J(z, a, y, f):
    """J = 1/2 sum_j (a_j^L - y_j)^2 for each sample."""
    e = a - y
    return 0.5 * np.einsum("jm,jm->m", e, e)


def quadratic_delta(z, a, y, f):
    """delta^L = (a^L - y) * f'(z^L), or the softmax Jacobian applied to (a^L - y)."""
    e = a - y
    if f.elementwise:
        return e * f.f_prime(z)
    # softmax: delta_i = sum_j e_j da_j/dz_i = a_i (e_i - sum_j e_j a_j)
    return a * (e - np.einsum("jm,jm->m", e, a))


def _log_softmax(z):
    shifted = z - z.max(axis=0, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))


def cross_entropy_J(z, a, y, f):
    """J = -sum_j y_j log a_j (softmax), or -sum_j [y_j log a_j + (1 - y_j) log(1 - a_j)] (sigmoid)."""
    if f.name == "softmax":
        return -np.einsum("jm,jm->m", y, _log_softmax(z))
    # -[y log s(z) + (1 - y) log(1 - s(z))] = log(1 + exp(z)) - y z
    return (np.logaddexp(0.0, z) - y * z).sum(axis=0)


def cross_entropy_delta(z, a, y, f):
    """delta^L = a^L - y, for softmax and for sigmoid outputs alike."""
    return a - y


COSTS = {
    "quadratic": Cost("quadratic", quadratic_J, quadratic_delta, "J = 1/2 sum_j (a_j^L - y_j)^2"),
    "cross_entropy": Cost(
        "cross_entropy",
        cross_entropy_J,
        cross_entropy_delta,
        "J = -sum_j y_j log a_j^L (softmax) or -sum_j [y_j log a_j^L + (1 - y_j) log(1 - a_j^L)]",
    ),
}

# Output activations that cross-entropy is defined for: their values stay inside (0, 1).
CROSS_ENTROPY_OUTPUTS = ("sigmoid", "softmax")


def get_cost(name):
    """Return the registered cost called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not registered; the message lists the valid names.
    """
    if isinstance(name, Cost):
        return name
    try:
        return COSTS[name]
    except (KeyError, TypeError):
        valid = ", ".join(COSTS)
        raise ValueError(f"unknown cost {name!r}; expected one of: {valid}") from None
