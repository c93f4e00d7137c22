"""Steepest descent on the weights: W^l <- W^l - alpha dJ/dW^l, with optional momentum and L2.

With momentum mu and weight decay lambda (both 0 by default, the lecture's plain rule):
    v^l <- mu v^l - alpha (dJ/dW^l + lambda W^l)
    W^l <- W^l + v^l
Weight decay applies to W^l only, not to the biases b^l.
"""

import numpy as np


def new_velocity(net):
    """Return zeroed momentum buffers (vW, vb) shaped like net.W and net.b."""
    vW = [None] + [np.zeros_like(w) for w in net.W[1:]]
    vb = [None] + [None if v is None else np.zeros_like(v) for v in net.b[1:]]
    return vW, vb


def steepest_descent(net, dW, db, alpha, momentum=0.0, l2=0.0, velocity=None):
    """Update net.W and net.b in place from the gradients dW[l], db[l], l = 1..L-1."""
    for l in range(1, net.L):
        g = dW[l] + l2 * net.W[l] if l2 else dW[l]
        _apply(net.W[l], g, alpha, momentum, velocity[0][l] if momentum else None)
        if net.b[l] is not None:
            _apply(net.b[l], db[l], alpha, momentum, velocity[1][l] if momentum else None)


def _apply(w, g, alpha, momentum, v):
    if v is None:
        w -= alpha * g
        return
    v *= momentum
    v -= alpha * g
    w += v
