"""The lecture's component formulas as plain loops over i and j.

These are slow on purpose: each line is one formula of the lecture, so a reader can check
the vectorised ``bplab.core`` against them. They work on one sample (1-D vectors) and use the
lecture's index names: i runs over the layer being computed, j over the other layer.
"""

import numpy as np


def fc_loops(W, a, f, b=None):
    """Forward one layer as the lecture writes it, one neuron i at a time.

    for i = 1:n_{l+1}:  z_i^{l+1} = sum_j w_ij^l a_j^l,  a_i^{l+1} = f(z_i^{l+1})

    Parameters
    ----------
    W : ndarray of shape (n_{l+1}, n_l)
    a : ndarray of shape (n_l,)
    f : Activation
        Elementwise activations use ``f.f`` per neuron; softmax needs the whole vector z.
    b : ndarray of shape (n_{l+1},), optional

    Returns
    -------
    z_next, a_next : ndarray of shape (n_{l+1},)
    """
    n_next, n = W.shape
    z_next = np.zeros(n_next)
    for i in range(n_next):
        total = 0.0
        for j in range(n):
            total += W[i, j] * a[j]
        if b is not None:
            total += b[i]
        z_next[i] = total
    if not f.elementwise:
        return z_next, f.f(z_next[:, None])[:, 0]
    a_next = np.zeros(n_next)
    for i in range(n_next):
        a_next[i] = f.f(np.array(z_next[i]))
    return z_next, a_next


def bc_loops(W, delta_next, f_prime_z):
    """Back one layer as the lecture writes it, one neuron i at a time.

    for i = 1:n_l:  delta_i^l = f'(z_i^l) sum_j w_ji^l delta_j^{l+1}

    Parameters
    ----------
    W : ndarray of shape (n_{l+1}, n_l)
    delta_next : ndarray of shape (n_{l+1},)
    f_prime_z : ndarray of shape (n_l,)

    Returns
    -------
    delta : ndarray of shape (n_l,)
    """
    n_next, n = W.shape
    delta = np.zeros(n)
    for i in range(n):
        total = 0.0
        for j in range(n_next):
            total += W[j, i] * delta_next[j]
        delta[i] = f_prime_z[i] * total
    return delta


def weight_gradient_loops(delta_next, a):
    """dJ/dw_ji^l = delta_j^{l+1} a_i^l for one sample, entry by entry."""
    n_next, n = len(delta_next), len(a)
    grad = np.zeros((n_next, n))
    for j in range(n_next):
        for i in range(n):
            grad[j, i] = delta_next[j] * a[i]
    return grad
