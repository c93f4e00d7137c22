"""The lecture's two per-layer functions: fc (forward) and bc (backward).

Layout, used throughout the core:
    W^l      W, shape (n_{l+1}, n_l), so that z^{l+1} = W^l a^l
    b^l      b, shape (n_{l+1},), added to z^{l+1} when the network has biases
    a^l      a, shape (n_l, m), one column per sample
    z^l      z, shape (n_l, m)
    delta^l  delta, shape (n_l, m), delta^l = dJ/dz^l

The functions work on a batch of m columns at once. Their loop-by-loop twins, written
exactly as the lecture's component formulas, are in ``bplab.reference``; the tests show the
two agree. This module does not depend on training, data or files.
"""

import numpy as np


def fc(W, a, f, b=None):
    """Forward one layer: z^{l+1} = W^l a^l (+ b^l) and a^{l+1} = f(z^{l+1}).

    Parameters
    ----------
    W : ndarray of shape (n_{l+1}, n_l)
        W^l.
    a : ndarray of shape (n_l, m) or (n_l,)
        a^l, one column per sample.
    f : callable or Activation
        The activation of layer l+1.
    b : ndarray of shape (n_{l+1},), optional
        b^l. The lecture's networks have none.

    Returns
    -------
    z_next, a_next : ndarray of shape (n_{l+1}, m) or (n_{l+1},)
        z^{l+1} and a^{l+1}.
    """
    f = getattr(f, "f", f)
    z_next = W @ a
    if b is not None:
        z_next += b[:, None] if z_next.ndim == 2 else b
    return z_next, f(z_next)


def bc(W, delta_next, f_prime_z):
    """Back one layer: delta^l = f'(z^l) * (W^l)^T delta^{l+1}.

    Component form: delta_i^l = f'(z_i^l) sum_j w_ji^l delta_j^{l+1}.

    Parameters
    ----------
    W : ndarray of shape (n_{l+1}, n_l)
        W^l.
    delta_next : ndarray of shape (n_{l+1}, m) or (n_{l+1},)
        delta^{l+1}.
    f_prime_z : ndarray of shape (n_l, m) or (n_l,)
        f'(z^l), the derivative of layer l's activation at its weighted input.

    Returns
    -------
    delta : ndarray of shape (n_l, m) or (n_l,)
        delta^l.
    """
    return f_prime_z * (W.T @ delta_next)


def weight_gradient(delta_next, a):
    """Sum over samples of dJ/dw_ji^l = delta_j^{l+1} a_i^l, as one matrix product.

    Parameters
    ----------
    delta_next : ndarray of shape (n_{l+1}, m)
        delta^{l+1}.
    a : ndarray of shape (n_l, m)
        a^l.

    Returns
    -------
    ndarray of shape (n_{l+1}, n_l)
        sum over the m columns of delta^{l+1} (a^l)^T.
    """
    return delta_next @ a.T
