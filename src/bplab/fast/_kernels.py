"""Scalar pieces shared by the Numba kernels: f, f' and delta^L for one neuron or one sample.

f'(z) is computed from a = f(z) for every elementwise activation, which gives the reference's
values: sigmoid a (1 - a), tanh 1 - a^2, and for relu and leaky_relu the sign of a is the
sign of z.
"""

import numpy as np
from numba import njit

from bplab.fast._spec import CROSS_ENTROPY, LEAKY_RELU, LINEAR, RELU, SIGMOID, SOFTMAX, TANH

LEAKY_SLOPE = 0.01


@njit(cache=True)
def f(z, code):
    """a = f(z) for one elementwise activation; sigmoid never takes exp() of a positive number."""
    if code == SIGMOID:
        if z >= 0:
            return 1.0 / (1.0 + np.exp(-z))
        e = np.exp(z)
        return e / (1.0 + e)
    if code == TANH:
        return np.tanh(z)
    if code == RELU:
        return z if z > 0 else 0.0
    if code == LEAKY_RELU:
        return z if z > 0 else LEAKY_SLOPE * z
    return z


@njit(cache=True)
def f_prime(a, code):
    """f'(z) expressed through a = f(z)."""
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if a > 0 else 0.0
    if code == LEAKY_RELU:
        return 1.0 if a > 0 else LEAKY_SLOPE
    return 1.0


@njit(cache=True)
def activate_row(A, r, n, code):
    """Replace the weighted inputs z in A[r, :n] by f(z), in place; softmax normalises the row.

    Kernels that share A among threads index it like this instead of taking a row view,
    because each view writes to the reference count of the shared array.
    """
    if code == SOFTMAX:
        top = A[r, 0]
        for i in range(1, n):
            if A[r, i] > top:
                top = A[r, i]
        total = 0.0
        for i in range(n):
            e = np.exp(A[r, i] - top)
            A[r, i] = e
            total += e
        for i in range(n):
            A[r, i] = A[r, i] / total
    elif code != LINEAR:
        for i in range(n):
            A[r, i] = f(A[r, i], code)


@njit(cache=True)
def output_delta_row(A, r, n, Y, sample, D, output, cost, scale):
    """Write delta^L = dJ/dz^L of row r of A, times ``scale``, into row r of D.

    The row has n outputs and its target is Y[sample].
    """
    if cost == CROSS_ENTROPY:
        # Cross-entropy with sigmoid or softmax outputs: delta^L = a^L - y.
        for i in range(n):
            D[r, i] = (A[r, i] - Y[sample, i]) * scale
    elif output == SOFTMAX:
        # Quadratic cost through the softmax Jacobian: delta_i = a_i (e_i - sum_j e_j a_j).
        s = 0.0
        for j in range(n):
            s += (A[r, j] - Y[sample, j]) * A[r, j]
        for i in range(n):
            D[r, i] = A[r, i] * ((A[r, i] - Y[sample, i]) - s) * scale
    else:
        # Quadratic cost: delta^L = (a^L - y) f'(z^L).
        for i in range(n):
            D[r, i] = (A[r, i] - Y[sample, i]) * f_prime(A[r, i], output) * scale


@njit(cache=True)
def activate(a, code):
    """Replace the weighted inputs z in the vector ``a`` by f(z), in place."""
    n = a.shape[0]
    activate_row(a.reshape(1, n), 0, n, code)


@njit(cache=True)
def output_delta(a, y, delta, output, cost):
    """Write delta^L = dJ/dz^L of one sample into the vector ``delta``."""
    n = a.shape[0]
    output_delta_row(a.reshape(1, n), 0, n, y.reshape(1, n), 0, delta.reshape(1, n), output, cost,
                     1.0)
