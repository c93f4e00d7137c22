"""Check BP's gradients against central finite differences, weight by weight."""

from dataclasses import dataclass

import numpy as np

from bplab._inputs import check_scalar

# Denominator floor of the relative error. Central differences with eps = 1e-5 are accurate
# to about 1e-11 absolute in float64, so below this floor an entry is judged by its absolute
# error (1e-6 relative to 1e-4 is 1e-10) instead of turning rounding into large ratios.
FLOOR = 1e-4


@dataclass
class GradcheckResult:
    """Largest relative error of BP against finite differences.

    Attributes
    ----------
    layers : list of dict
        One record per layer l = 1..L-1: {"layer": l, "max_rel_error": float,
        "where": ("W" or "b", index tuple), "bp": float, "numerical": float}.
    max_rel_error : float
        The largest over all layers.
    near_kinks : int
        Weighted inputs z of relu or leaky_relu neurons within 10 eps of the kink z = 0. There
        f is not differentiable, and a finite difference that steps across the kink disagrees
        with BP even when BP is right.
    """

    layers: list
    max_rel_error: float
    near_kinks: int = 0


def relative_error(bp, numerical):
    """|bp - numerical| / max(|bp|, |numerical|, FLOOR), elementwise."""
    return np.abs(bp - numerical) / np.maximum(np.maximum(np.abs(bp), np.abs(numerical)), FLOOR)


def gradcheck(net, X, Y, eps=1e-5):
    """Compare dJ/dW^l and dJ/db^l from BP with central differences for every weight.

    The numerical derivative is (J(w + eps) - J(w - eps)) / (2 eps) of the mean cost over
    the samples. The check runs on a float64 copy, so a float32 network is checked at
    float64 precision, and the network passed in is left exactly as it was.

    Parameters
    ----------
    net : Network
    X : array-like of shape (m, n_1)
    Y : array-like of shape (m, n_L) or (m,) labels
    eps : float, default 1e-5

    Returns
    -------
    GradcheckResult
    """
    check_scalar(eps, "eps", low=0, low_open=True)
    copy = net.astype("float64")
    X, Y = copy.prepare(X, Y)
    dW, db = copy.gradients(X, Y)
    a1, y = X.T, Y.T

    def J():
        return copy._J_columns(a1, y).mean()

    layers = []
    for l in range(1, copy.L):
        worst = {"layer": l, "max_rel_error": 0.0, "where": None, "bp": 0.0, "numerical": 0.0}
        for kind, w, g in (("W", copy.W[l], dW[l]), ("b", copy.b[l], db[l])):
            if w is None:
                continue
            numerical = _numerical_gradient(w, J, eps)
            error = relative_error(g, numerical)
            index = np.unravel_index(error.argmax(), error.shape)
            if error[index] >= worst["max_rel_error"]:
                worst.update(max_rel_error=float(error[index]), where=(kind, tuple(int(i) for i in index)),
                             bp=float(g[index]), numerical=float(numerical[index]))
        layers.append(worst)
    return GradcheckResult(layers, max(r["max_rel_error"] for r in layers), _count_near_kinks(copy, a1, eps))


def _count_near_kinks(net, a1, eps):
    _, z = net._forward_columns(a1)
    f = net.f
    return sum(int((np.abs(z[l]) < 10 * eps).sum())
               for l in range(2, net.L + 1) if f[l].name in ("relu", "leaky_relu"))


def _numerical_gradient(w, J, eps):
    grad = np.zeros_like(w)
    flat = w.reshape(-1)
    out = grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + eps
        plus = J()
        flat[k] = saved - eps
        minus = J()
        flat[k] = saved
        out[k] = (plus - minus) / (2 * eps)
    return grad
