"""Functions of two variables for steepest descent: the lecture's J1 and J2, or your own.

``Function2D`` bundles J(w1, w2) with its gradient and Hessian. Either derivative may be
omitted, and central differences then replace it, so a new example needs only J.
"""

from dataclasses import dataclass, field
import math

import numpy as np

# Relative step for central differences: the error is about h^2 |J'''| + eps |J| / h,
# which is near its minimum for h around 1e-5 in float64.
_GRADIENT_STEP = 1e-5
_HESSIAN_STEP = 1e-4


@dataclass
class Function2D:
    """A function J(w1, w2) to minimise, with its derivatives and a region to plot.

    Parameters
    ----------
    name : str
        Short name, such as ``"J1"``.
    formula : str
        The formula as text, for printing and plot titles.
    J : callable
        ``J(w1, w2) -> float``. It should also accept NumPy arrays and work element-wise,
        because the contour plot evaluates it on a grid (scalar-only functions are looped).
    grad : callable, optional
        ``grad(w1, w2) -> (dJ/dw1, dJ/dw2)``. When omitted, a central-difference
        gradient of ``J`` is used and ``numerical_gradient`` is True.
    hessian : callable, optional
        ``hessian(w1, w2) -> 2x2 array``. When omitted, central differences of ``grad``.
    region : tuple of two (low, high) pairs, default ((-2, 2), (-2, 2))
        The (w1, w2) rectangle that plots show and where stationary points are searched.
    """

    name: str
    formula: str
    J: object
    grad: object = None
    hessian: object = None
    region: tuple = ((-2.0, 2.0), (-2.0, 2.0))
    numerical_gradient: bool = field(default=False, init=False)

    def __post_init__(self):
        if not callable(self.J):
            raise TypeError(f"J must be a callable J(w1, w2), got {type(self.J).__name__}")
        self.region = check_region(self.region)
        if self.grad is None:
            self.grad = _central_difference_gradient(self.J)
            self.numerical_gradient = True
        if self.hessian is None:
            self.hessian = _central_difference_hessian(self.grad)

    def value(self, w):
        """Return J at the point w = (w1, w2) as a float."""
        return float(self.J(float(w[0]), float(w[1])))

    def gradient(self, w):
        """Return the gradient g = (dJ/dw1, dJ/dw2) at w as an ndarray of shape (2,)."""
        return np.asarray(self.grad(float(w[0]), float(w[1])), dtype=float).reshape(2)

    def hessian_matrix(self, w):
        """Return the Hessian of J at w as an ndarray of shape (2, 2)."""
        return np.asarray(self.hessian(float(w[0]), float(w[1])), dtype=float).reshape(2, 2)

    def grid_values(self, w1, w2):
        """Evaluate J on arrays of equal shape, looping only when J rejects arrays."""
        w1 = np.asarray(w1, dtype=float)
        w2 = np.asarray(w2, dtype=float)
        try:
            values = np.asarray(self.J(w1, w2), dtype=float)
            if values.shape == w1.shape:
                return values
        except (TypeError, ValueError):
            pass
        return np.vectorize(lambda x, y: float(self.J(x, y)))(w1, w2)


def _central_difference_gradient(J):
    """Build grad(w1, w2) from J by central differences with a relative step."""

    def grad(w1, w2):
        h1 = _GRADIENT_STEP * max(1.0, abs(w1))
        h2 = _GRADIENT_STEP * max(1.0, abs(w2))
        dJ_dw1 = (J(w1 + h1, w2) - J(w1 - h1, w2)) / (2 * h1)
        dJ_dw2 = (J(w1, w2 + h2) - J(w1, w2 - h2)) / (2 * h2)
        return np.array([dJ_dw1, dJ_dw2], dtype=float)

    return grad


def _central_difference_hessian(grad):
    """Build hessian(w1, w2) from grad by central differences, symmetrised."""

    def hessian(w1, w2):
        h1 = _HESSIAN_STEP * max(1.0, abs(w1))
        h2 = _HESSIAN_STEP * max(1.0, abs(w2))
        column1 = (np.asarray(grad(w1 + h1, w2)) - np.asarray(grad(w1 - h1, w2))) / (2 * h1)
        column2 = (np.asarray(grad(w1, w2 + h2)) - np.asarray(grad(w1, w2 - h2))) / (2 * h2)
        H = np.column_stack([column1, column2]).astype(float)
        return (H + H.T) / 2

    return hessian


def numerical_gradient(J, w):
    """Return the central-difference gradient of J(w1, w2) at w.

    Parameters
    ----------
    J : callable
        ``J(w1, w2) -> float``.
    w : sequence of two floats
        The point (w1, w2).

    Returns
    -------
    ndarray of shape (2,)
        (dJ/dw1, dJ/dw2), with step 1e-5 * max(1, |w_i|) in each coordinate.
    """
    w1, w2 = check_point(w, "w")
    return _central_difference_gradient(J)(w1, w2)


def check_point(w, name):
    """Return w as two finite floats, or raise ValueError naming the value."""
    try:
        values = np.asarray(w, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be two numbers (w1, w2), got {w!r}") from None
    if values.size != 2 or not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must be two finite numbers (w1, w2), got {w!r}")
    return float(values[0]), float(values[1])


def check_region(region):
    """Return region as ((low1, high1), (low2, high2)) floats with low < high."""
    try:
        (low1, high1), (low2, high2) = region
        bounds = [float(value) for value in (low1, high1, low2, high2)]
    except (TypeError, ValueError):
        raise ValueError(
            f"region must be ((w1_low, w1_high), (w2_low, w2_high)), got {region!r}"
        ) from None
    low1, high1, low2, high2 = bounds
    if not (np.all(np.isfinite(bounds)) and low1 < high1 and low2 < high2):
        raise ValueError(f"region needs finite bounds with low < high, got {region!r}")
    return ((low1, high1), (low2, high2))


def check_learning_rate(learning_rate):
    """Return alpha as a float, or raise ValueError unless it is finite and positive."""
    try:
        alpha = float(learning_rate)
    except (TypeError, ValueError):
        raise ValueError(f"learning rate must be a number, got {learning_rate!r}") from None
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"learning rate must be a positive number, got {learning_rate!r}")
    return alpha


def _J1(w1, w2):
    return (w2 - w1) ** 4 + 8 * w1 * w2 - w1 + w2 + 3


def _J1_grad(w1, w2):
    cube = 4 * (w2 - w1) ** 3
    return np.array([-cube + 8 * w2 - 1, cube + 8 * w1 + 1])


def _J1_hessian(w1, w2):
    square = 12 * (w2 - w1) ** 2
    return np.array([[square, 8 - square], [8 - square, square]])


def _J2(w1, w2):
    return (w1**2 - 1.5 * w1 * w2 + 2 * w2**2) * w1**2


def _J2_grad(w1, w2):
    return np.array([
        4 * w1**3 - 4.5 * w1**2 * w2 + 4 * w1 * w2**2,
        -1.5 * w1**3 + 4 * w1**2 * w2,
    ])


def _J2_hessian(w1, w2):
    mixed = -4.5 * w1**2 + 8 * w1 * w2
    return np.array([[12 * w1**2 - 9 * w1 * w2 + 4 * w2**2, mixed], [mixed, 4 * w1**2]])


# The lecture's two examples, with analytic gradients and Hessians.
FUNCTIONS = {
    "J1": Function2D("J1", "(w2 - w1)^4 + 8 w1 w2 - w1 + w2 + 3", _J1, _J1_grad, _J1_hessian),
    "J2": Function2D("J2", "(w1^2 - 1.5 w1 w2 + 2 w2^2) w1^2", _J2, _J2_grad, _J2_hessian),
}


def get_function(function):
    """Return a Function2D for a registry name, a Function2D, or a bare callable J(w1, w2).

    A bare callable gets a central-difference gradient and the default region.

    Raises
    ------
    ValueError
        If a name is not in ``FUNCTIONS``.
    TypeError
        If ``function`` is not a str, a Function2D or a callable.
    """
    if isinstance(function, Function2D):
        return function
    if isinstance(function, str):
        if function not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ValueError(f"unknown function {function!r}, expected one of {known}")
        return FUNCTIONS[function]
    if callable(function):
        name = getattr(function, "__name__", "J")
        return Function2D(name, f"{name}(w1, w2)", function)
    raise TypeError(
        f"function must be a name, a Function2D or a callable J(w1, w2), "
        f"got {type(function).__name__}"
    )
