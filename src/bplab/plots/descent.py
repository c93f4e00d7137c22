"""Contour plot of J(w1, w2) with steepest-descent paths and stationary points."""

from matplotlib.colors import BoundaryNorm
import numpy as np

from bplab.descent import get_function
from bplab.plots._figure import check_png_path, new_figure, save_figure

# Marker and colour per kind of stationary point, chosen to stand out on viridis.
_KIND_STYLES = {
    "minimum": {"marker": "*", "color": "white", "size": 220},
    "weak minimum": {"marker": "*", "color": "white", "size": 220},
    "maximum": {"marker": "^", "color": "red", "size": 120},
    "weak maximum": {"marker": "^", "color": "red", "size": 120},
    "saddle": {"marker": "X", "color": "orange", "size": 130},
    "degenerate": {"marker": "D", "color": "magenta", "size": 90},
}


def plot_descent(function, results, path, stationary=None, region=None, title=None):
    """Draw the contours of J with each descent path, and save the figure as PNG.

    Parameters
    ----------
    function : str, Function2D or callable
        The function descended (a name in ``bplab.descent.FUNCTIONS`` or a Function2D).
    results : DescentResult or list of DescentResult
        The paths, one per learning rate. Each gets its own colour and a legend entry with
        its alpha and why it stopped. Starts are marked by a black square, ends by a circle.
    path : str or Path
        The PNG file to write.
    stationary : list of StationaryPoint, optional
        Points to mark and label by kind. Lines of stationary points are drawn dashed.
    region : ((w1_low, w1_high), (w2_low, w2_high)), optional
        The area shown. Defaults to the function's region, widened to include every start
        and every end that did not diverge. Diverged paths are clipped at its edge.
    title : str, optional
        Defaults to the function's formula.

    Returns
    -------
    Path
        The file written.
    """
    function = get_function(function)
    path = check_png_path(path)
    if not isinstance(results, (list, tuple)):
        results = [results]
    region = _view_region(function, results) if region is None else region
    (low1, high1), (low2, high2) = region

    figure = new_figure(8.0, 8.0)
    ax = figure.add_subplot()
    _draw_contours(figure, ax, function, region)
    for index, result in enumerate(results):
        _draw_path(ax, result, f"C{index}")
    starts = {tuple(np.round(result.start, 12)) for result in results}
    for number, start in enumerate(sorted(starts)):
        ax.scatter(*start, marker="s", s=80, color="black", zorder=5,
                   label="start" if number == 0 else None)
    for point in stationary or []:
        _draw_stationary(ax, point)

    ax.set_xlim(low1, high1)
    ax.set_ylim(low2, high2)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")
    ax.set_title(title or f"{function.name}(w1, w2) = {function.formula}\n"
                 "steepest descent  w(k+1) = w(k) - \u03b1 \u2207J(w(k))")
    figure.legend(loc="outside lower center", ncol=2, fontsize=9)
    return save_figure(figure, path)


def _view_region(function, results, margin=0.1):
    """Return the function's region widened to hold every start and every finite end."""
    (low1, high1), (low2, high2) = function.region
    points = [result.start for result in results]
    points += [result.end for result in results if not result.diverged]
    for w1, w2 in points:
        low1, high1 = min(low1, w1 - margin), max(high1, w1 + margin)
        low2, high2 = min(low2, w2 - margin), max(high2, w2 + margin)
    return (low1, high1), (low2, high2)


def _draw_contours(figure, ax, function, region, resolution=300, levels=25):
    """Fill contours of J at quantile levels, which keeps detail near the minima."""
    (low1, high1), (low2, high2) = region
    w1, w2 = np.meshgrid(np.linspace(low1, high1, resolution),
                         np.linspace(low2, high2, resolution))
    with np.errstate(over="ignore", invalid="ignore"):
        J = function.grid_values(w1, w2)
    finite = J[np.isfinite(J)]
    if finite.size == 0:
        raise ValueError(f"J of {function.name} is not finite anywhere in the region {region}")
    values = np.unique(np.quantile(finite, np.linspace(0.0, 1.0, levels + 1)))
    if values.size < 2:
        values = np.array([finite.min() - 0.5, finite.min() + 0.5])
    # Equal colour steps per level, so the quantile levels spread the colours evenly.
    norm = BoundaryNorm(values, ncolors=256, extend="both")
    filled = ax.contourf(w1, w2, J, levels=values, cmap="viridis", norm=norm, extend="both")
    ax.contour(w1, w2, J, levels=values, colors="black", linewidths=0.4, alpha=0.5)
    colorbar = figure.colorbar(filled, ax=ax, shrink=0.7)
    colorbar.set_label("J(w1, w2)")
    colorbar.ax.yaxis.set_major_formatter("{x:.3g}")


def _draw_path(ax, result, color):
    """Draw one path with its end point and a legend entry naming alpha and the outcome."""
    if result.diverged:
        outcome = f"diverged after {result.steps} steps"
    elif result.stopped_by == "converged":
        outcome = f"converged in {result.steps} steps, J = {result.J_end:.5g}"
    else:
        outcome = f"stopped at step limit {result.steps}, J = {result.J_end:.5g}"
    ax.plot(result.w[:, 0], result.w[:, 1], "-o", color=color, markersize=2.5, linewidth=1.3,
            label=f"\u03b1 = {result.learning_rate:g}: {outcome}", zorder=4)
    if not result.diverged:
        ax.scatter(*result.end, marker="o", s=70, color=color, edgecolors="white", zorder=6)


def _draw_stationary(ax, point):
    """Mark a stationary point, or a dashed line of them, labelled with its kind."""
    style = _KIND_STYLES.get(point.kind, _KIND_STYLES["degenerate"])
    label_at = point.w
    if point.line is not None:
        (a1, a2), (b1, b2) = point.line
        # Crimson rather than the marker colour, because a white line vanishes in the legend.
        ax.plot([a1, b1], [a2, b2], linestyle="--", linewidth=2.5, color="crimson",
                zorder=3, label=f"{point.kind}: {point.equation}, J = {_format_J(point.J)}")
        label_at = (0.25 * a1 + 0.75 * b1, 0.25 * a2 + 0.75 * b2)
    else:
        ax.scatter(*point.w, marker=style["marker"], s=style["size"], color=style["color"],
                   edgecolors="black", linewidths=0.8, zorder=7,
                   label=f"{point.kind} ({point.w[0]:.5g}, {point.w[1]:.5g}), J = {_format_J(point.J)}")
    ax.annotate(point.kind, xy=label_at, xytext=(8, 8), textcoords="offset points", fontsize=9,
                zorder=8, bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "alpha": 0.8})


def _format_J(J):
    """Format J with 5 significant digits, printing round-off below 1e-12 as 0."""
    return f"{0.0 if abs(J) < 1e-12 else J:.5g}"
