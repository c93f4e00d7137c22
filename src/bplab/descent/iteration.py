"""The steepest-descent iteration w(k+1) = w(k) - alpha g_k, one path per learning rate."""

from dataclasses import dataclass
import math

import numpy as np

from bplab.descent.functions import check_learning_rate, check_point, get_function


@dataclass
class DescentResult:
    """One steepest-descent path w(0), w(1), ... with the reason it stopped.

    Attributes
    ----------
    function : str
        Name of the function descended.
    learning_rate : float
        The constant alpha.
    w : ndarray of shape (k + 1, 2)
        The iterates w(0) .. w(k). A diverged path keeps only its finite iterates.
    J : ndarray of shape (k + 1,)
        J(w(k)) for each iterate.
    gradient_norm : ndarray of shape (k + 1,)
        |g_k| = |grad J(w(k))| for each iterate.
    steps : int
        Number of updates made, k.
    stopped_by : str
        ``"converged"`` (|g| < tol), ``"step_limit"`` or ``"diverged"`` (a non-finite value,
        or |w| beyond ``max_norm``).
    tol, max_norm : float
        The stopping thresholds used.
    """

    function: str
    learning_rate: float
    w: np.ndarray
    J: np.ndarray
    gradient_norm: np.ndarray
    steps: int
    stopped_by: str
    tol: float
    max_norm: float

    @property
    def start(self):
        """The starting point w(0), ndarray of shape (2,)."""
        return self.w[0]

    @property
    def end(self):
        """The last finite iterate, ndarray of shape (2,). It is no minimum if diverged."""
        return self.w[-1]

    @property
    def J_end(self):
        """J at the last finite iterate."""
        return float(self.J[-1])

    @property
    def diverged(self):
        """True when the iterates blew up, so the path has no end point to report."""
        return self.stopped_by == "diverged"

    def to_dict(self):
        """Return a JSON-serialisable dict with the whole path, one record per iterate."""
        path = [
            {"k": k, "w": [float(w1), float(w2)], "J": float(J), "gradient_norm": float(norm)}
            for k, ((w1, w2), J, norm) in enumerate(zip(self.w, self.J, self.gradient_norm))
        ]
        return {
            "function": self.function,
            "learning_rate": self.learning_rate,
            "start": [float(value) for value in self.start],
            "end": None if self.diverged else [float(value) for value in self.end],
            "J_end": None if self.diverged else self.J_end,
            "steps": self.steps,
            "stopped_by": self.stopped_by,
            "tol": self.tol,
            "max_norm": self.max_norm,
            "path": path,
        }


def steepest_descent(function, start, learning_rate, steps=1000, tol=1e-6, max_norm=1e6):
    """Run steepest descent w(k+1) = w(k) - alpha g_k from ``start``.

    Parameters
    ----------
    function : str, Function2D or callable
        A name in ``FUNCTIONS``, a Function2D, or a callable J(w1, w2) (then the gradient
        is computed by central differences).
    start : sequence of two floats
        The starting point w(0) = (w1, w2).
    learning_rate : float
        The constant step size alpha > 0.
    steps : int, default 1000
        Maximum number of updates.
    tol : float, default 1e-6
        The path has converged when |g_k| < tol.
    max_norm : float, default 1e6
        The path has diverged when |w(k)| > max_norm or any value is not finite.

    Returns
    -------
    DescentResult

    Raises
    ------
    ValueError
        If ``start`` is not two finite numbers, or alpha, steps, tol or max_norm is out
        of range.
    """
    function = get_function(function)
    w = np.array(check_point(start, "start"))
    alpha = check_learning_rate(learning_rate)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number, got {tol!r}")
    if not max_norm > 0:
        raise ValueError(f"max_norm must be positive, got {max_norm!r}")

    points, values, norms = [], [], []
    stopped_by = "step_limit"
    # A diverging path overflows on purpose; the finiteness check below reports it.
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps + 1):
            J = function.value(w)
            g = function.gradient(w)
            norm = float(np.linalg.norm(g))
            if not (np.all(np.isfinite(w)) and math.isfinite(J) and math.isfinite(norm)):
                stopped_by = "diverged"
                break
            points.append(w)
            values.append(J)
            norms.append(norm)
            if np.linalg.norm(w) > max_norm:
                stopped_by = "diverged"
                break
            if norm < tol:
                stopped_by = "converged"
                break
            if k == steps:
                break

            # Steepest descent: p_k = -g_k, w(k+1) = w(k) + alpha p_k.
            w = w - alpha * g

    return DescentResult(
        function=function.name,
        learning_rate=alpha,
        w=np.array(points).reshape(-1, 2),
        J=np.array(values),
        gradient_norm=np.array(norms),
        steps=max(len(points) - 1, 0),
        stopped_by=stopped_by,
        tol=float(tol),
        max_norm=float(max_norm),
    )


def compare_learning_rates(function, start, learning_rates, **options):
    """Run one steepest-descent path per learning rate from the same start.

    Parameters
    ----------
    function : str, Function2D or callable
        As for ``steepest_descent``.
    start : sequence of two floats
        The common starting point.
    learning_rates : float or sequence of float
        One alpha per path, each > 0.
    **options
        ``steps``, ``tol`` and ``max_norm``, passed to ``steepest_descent``.

    Returns
    -------
    list of DescentResult
        In the order of ``learning_rates``.

    Raises
    ------
    ValueError
        If ``learning_rates`` is empty, or as for ``steepest_descent``.
    """
    if np.ndim(learning_rates) == 0:
        learning_rates = [learning_rates]
    if len(learning_rates) == 0:
        raise ValueError("learning_rates is empty; give at least one learning rate")
    function = get_function(function)
    return [steepest_descent(function, start, alpha, **options) for alpha in learning_rates]
