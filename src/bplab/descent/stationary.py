"""Stationary points of a function of two variables: found by Newton's method, then classified.

Newton's method on grad J = 0 starts from a grid over the region. The points it reaches are
deduplicated and classified by the eigenvalues of the Hessian. Where the Hessian is singular
(so the second-order test is inconclusive), J is sampled on a small circle around the point. A run
of such points on one straight line, such as J2's line w1 = 0, is reported once as a line.
"""

from dataclasses import dataclass

import numpy as np

from bplab.descent.functions import check_region, get_function

KINDS = ("minimum", "maximum", "saddle", "weak minimum", "weak maximum", "degenerate")


@dataclass
class StationaryPoint:
    """A point where grad J = 0, or a line segment of such points.

    Attributes
    ----------
    w : ndarray of shape (2,)
        The point; for a line, the middle of the segment found.
    J : float
        J at ``w``.
    kind : str
        One of ``KINDS``. "weak" means no point nearby has a lower (for a maximum, higher) J,
        but some have the same J.
    eigenvalues : ndarray of shape (2,)
        Eigenvalues of the Hessian at ``w``, ascending.
    line : tuple of two ndarrays of shape (2,), or None
        For a line of stationary points, its two ends within the region.
    equation : str or None
        For a line, its equation, such as ``"w1 = 0"``.
    """

    w: np.ndarray
    J: float
    kind: str
    eigenvalues: np.ndarray
    line: tuple = None
    equation: str = None

    def describe(self):
        """Return a one-line description such as ``minimum at (0.55358, -0.55358)``."""
        if self.line is not None:
            start, end = (_format_point(point) for point in self.line)
            return f"{self.kind} on the line {self.equation}, from {start} to {end}"
        return f"{self.kind} at {_format_point(self.w)}"

    def to_dict(self):
        """Return a JSON-serialisable dict."""
        record = {
            "kind": self.kind,
            "w": [float(value) for value in self.w],
            "J": float(self.J),
            "eigenvalues": [float(value) for value in self.eigenvalues],
        }
        if self.line is not None:
            record["line"] = [[float(value) for value in point] for point in self.line]
            record["equation"] = self.equation
        return record


def _format_point(w):
    return "(" + ", ".join(_format_number(value) for value in w) + ")"


def stationary_points(function, region=None, grid=15, iterations=100, gtol=1e-8):
    """Find and classify the stationary points of J in a rectangle.

    Parameters
    ----------
    function : str, Function2D or callable
        As for ``steepest_descent``.
    region : ((w1_low, w1_high), (w2_low, w2_high)), optional
        Where to search. Defaults to the function's plot region.
    grid : int, default 15
        Newton's method starts from a grid x grid lattice over the region.
    iterations : int, default 100
        Maximum Newton steps per start. Points with a singular Hessian converge only
        linearly, which is why the default is generous.
    gtol : float, default 1e-8
        A point counts as stationary when |grad J| < gtol.

    Returns
    -------
    list of StationaryPoint
        Sorted by J, then w1, then w2.

    Raises
    ------
    ValueError
        If the region is malformed or ``grid`` < 2.
    """
    function = get_function(function)
    region = check_region(function.region if region is None else region)
    if isinstance(grid, bool) or not isinstance(grid, (int, np.integer)) or grid < 2:
        raise ValueError(f"grid must be an integer >= 2, got {grid!r}")
    (low1, high1), (low2, high2) = region
    scale = float(np.hypot(high1 - low1, high2 - low2))

    found = []
    for w1 in np.linspace(low1, high1, grid):
        for w2 in np.linspace(low2, high2, grid):
            w = _newton(function, np.array([w1, w2]), iterations, scale)
            if w is not None and _inside(w, region, 1e-9 * scale):
                if np.linalg.norm(function.gradient(w)) < gtol:
                    found.append(w)
    # Points with a singular Hessian converge slowly, so clusters are a little spread out.
    points = _deduplicate(found, 1e-4 * scale)

    results = [_classify(function, w, scale) for w in points]
    results = _merge_lines(function, results, region, scale)
    return sorted(results, key=lambda point: (point.J, point.w[0], point.w[1]))


def _newton(function, w, iterations, scale):
    """Solve grad J = 0 from w by Newton steps, or return None if the iteration runs away."""
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(iterations):
            g = function.gradient(w)
            H = function.hessian_matrix(w)
            if not (np.all(np.isfinite(g)) and np.all(np.isfinite(H))):
                return None
            # A least-squares step still moves towards a line of stationary points, where H
            # is singular and a plain solve would fail.
            step = np.linalg.lstsq(H, -g, rcond=1e-12)[0]
            w = w + step
            if not np.all(np.isfinite(w)) or np.linalg.norm(w) > 1e3 * scale:
                return None
            if np.linalg.norm(step) <= 1e-14 * max(1.0, np.linalg.norm(w)):
                break
    return w


def _inside(w, region, margin):
    (low1, high1), (low2, high2) = region
    return low1 - margin <= w[0] <= high1 + margin and low2 - margin <= w[1] <= high2 + margin


def _deduplicate(points, distance):
    """Keep one point of each cluster closer than ``distance``."""
    distinct = []
    for w in points:
        if all(np.linalg.norm(w - other) > distance for other in distinct):
            distinct.append(w)
    return distinct


def _classify(function, w, scale):
    """Classify w by the Hessian eigenvalues, or by sampling J when the Hessian is singular."""
    eigenvalues = np.linalg.eigvalsh(function.hessian_matrix(w))
    J = function.value(w)
    zero = 1e-6 * max(1.0, float(np.max(np.abs(eigenvalues))))
    if np.all(eigenvalues > zero):
        kind = "minimum"
    elif np.all(eigenvalues < -zero):
        kind = "maximum"
    elif eigenvalues[0] < -zero and eigenvalues[1] > zero:
        kind = "saddle"
    else:
        kind = _classify_by_sampling(function, w, J, 0.01 * scale)
    return StationaryPoint(w=w, J=J, kind=kind, eigenvalues=eigenvalues)


def _classify_by_sampling(function, w, J, radius, directions=72):
    """Classify a point with a singular Hessian from J on a circle around it."""
    angles = np.linspace(0.0, 2 * np.pi, directions, endpoint=False)
    circle = w[:, None] + radius * np.vstack([np.cos(angles), np.sin(angles)])
    differences = function.grid_values(circle[0], circle[1]) - J
    # NOTE: a difference this small counts as equal J. A strict minimum whose J grows slower
    # than about 1e-9 over the radius would be reported as weak.
    zero = 1e-9 * max(1.0, abs(J))
    higher = np.sum(differences > zero)
    lower = np.sum(differences < -zero)
    level = directions - higher - lower
    if lower == 0 and higher > 0:
        return "weak minimum" if level else "minimum"
    if higher == 0 and lower > 0:
        return "weak maximum" if level else "maximum"
    if higher and lower:
        return "saddle"
    return "degenerate"


def _merge_lines(function, points, region, scale, minimum_points=3):
    """Replace points with a singular Hessian that lie on one line by a single line entry."""
    singular = [point for point in points if np.min(np.abs(point.eigenvalues)) <=
                1e-6 * max(1.0, float(np.max(np.abs(point.eigenvalues))))]
    if len(singular) < minimum_points:
        return points

    merged = [point for point in points if not any(point is other for other in singular)]
    for kind in sorted({point.kind for point in singular}):
        group = [point for point in singular if point.kind == kind]
        line = _fit_line([point.w for point in group], 1e-4 * scale)
        if len(group) < minimum_points or line is None:
            merged.extend(group)
            continue
        middle, direction = line
        offsets = [float(np.dot(point.w - middle, direction)) for point in group]
        if max(offsets) - min(offsets) < 0.05 * scale:
            merged.extend(group)
            continue
        ends = (middle + min(offsets) * direction, middle + max(offsets) * direction)
        center = (ends[0] + ends[1]) / 2
        merged.append(StationaryPoint(
            w=center,
            J=function.value(center),
            kind=kind,
            eigenvalues=np.linalg.eigvalsh(function.hessian_matrix(center)),
            line=ends,
            equation=_line_equation(center, direction),
        ))
    return merged


def _fit_line(points, tolerance):
    """Return (mean point, unit direction) if all points lie within tolerance of one line."""
    points = np.array(points)
    middle = points.mean(axis=0)
    _, singular_values, vectors = np.linalg.svd(points - middle, full_matrices=False)
    direction = vectors[0]
    residuals = np.abs((points - middle) @ np.array([-direction[1], direction[0]]))
    if singular_values[0] == 0 or np.max(residuals) > tolerance:
        return None
    return middle, direction


def _line_equation(point, direction, tolerance=1e-6):
    """Return the equation of the line through point along direction, as text."""
    if abs(direction[0]) < tolerance:
        return f"w1 = {_format_number(point[0])}"
    slope = direction[1] / direction[0]
    intercept = point[1] - slope * point[0]
    if abs(slope) < tolerance:
        return f"w2 = {_format_number(point[1])}"
    if abs(slope - 1) < tolerance:
        text = "w2 = w1"
    elif abs(slope + 1) < tolerance:
        text = "w2 = -w1"
    else:
        text = f"w2 = {_format_number(slope)} w1"
    if abs(intercept) >= tolerance:
        text += f" {'+' if intercept > 0 else '-'} {_format_number(abs(intercept))}"
    return text


def _format_number(value, tolerance=1e-6):
    """Format a coordinate with 5 significant digits, printing |value| < tolerance as 0."""
    return f"{0.0 if abs(value) < tolerance else value:.5g}"
