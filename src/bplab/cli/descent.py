"""``bplab descent``: steepest descent on the lecture's J1 or J2, one path per learning rate."""

import argparse
import json
import math

from bplab.descent import FUNCTIONS, compare_learning_rates, stationary_points

DEFAULT_FUNCTION = "J1"
# From (-1.5, 0.5) on J1, alpha = 0.01 walks to the nearer, local minimum, while
# alpha = 0.05 overshoots the saddle into the global minimum, and alpha = 0.1 diverges.
DEFAULT_START = (-1.5, 0.5)
DEFAULT_LEARNING_RATES = [0.01, 0.05]
DEFAULT_STEPS = 1000
DEFAULT_TOL = 1e-6


def parse_point(text):
    """Parse "w1,w2" into two finite floats for argparse."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(
            f"expected two numbers w1,w2 separated by a comma, got {text!r}"
        )
    try:
        point = tuple(float(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number in {text!r}, expected two numbers such as 0.5,-1") from None
    if not all(math.isfinite(value) for value in point):
        raise argparse.ArgumentTypeError(f"w1,w2 must be finite numbers, got {text!r}")
    return point


def positive_float(text):
    """Parse a finite number > 0 for argparse."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def positive_int(text):
    """Parse an integer >= 1 for argparse."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid integer {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text!r}")
    return value


def add_parser(subparsers):
    """Add the ``descent`` subcommand."""
    formulas = "; ".join(f"{name} = {function.formula}" for name, function in FUNCTIONS.items())
    parser = subparsers.add_parser(
        "descent",
        help="steepest descent w(k+1) = w(k) - alpha grad J on a function of two variables",
        description=(
            "Run steepest descent w(k+1) = w(k) - alpha grad J(w(k)) from one start with each "
            "learning rate, and find the stationary points of J. " + formulas + "."
        ),
    )
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default=DEFAULT_FUNCTION,
                        help=f"the function J to minimise (default {DEFAULT_FUNCTION})")
    parser.add_argument(
        "--start", type=parse_point, default=DEFAULT_START, metavar="W1,W2",
        help="starting point w(0) (default -1.5,0.5). Write --start=-1,1 when w1 is negative",
    )
    parser.add_argument(
        "--learning-rate", type=positive_float, nargs="+", action="extend", metavar="ALPHA",
        help="one or more learning rates alpha > 0, one path each; the option may be repeated "
             "(default 0.01 0.05: the local, then the global minimum of J1)",
    )
    parser.add_argument("--steps", type=positive_int, default=DEFAULT_STEPS,
                        help=f"maximum number of updates per path (default {DEFAULT_STEPS})")
    parser.add_argument("--tol", type=positive_float, default=DEFAULT_TOL,
                        help=f"stop when the gradient norm |g| < TOL (default {DEFAULT_TOL:g})")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="write a contour plot of J with every path and stationary point")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object with the whole paths instead of a table")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Run the paths, print them and the stationary points, and write the plot if asked."""
    function = FUNCTIONS[args.function]
    if args.plot:
        # matplotlib is imported only when a plot is wanted; the path is checked before work.
        from bplab.plots import plot_descent
        from bplab.plots._figure import check_png_path

        check_png_path(args.plot)
    learning_rates = args.learning_rate or DEFAULT_LEARNING_RATES
    results = compare_learning_rates(function, args.start, learning_rates,
                                     steps=args.steps, tol=args.tol)
    points = stationary_points(function)
    plot_path = None
    if args.plot:
        plot_path = plot_descent(function, results, args.plot, stationary=points)

    if args.json:
        print(json.dumps({
            "function": {"name": function.name, "formula": function.formula,
                         "region": [list(bounds) for bounds in function.region]},
            "start": list(args.start),
            "steps": args.steps,
            "tol": args.tol,
            "paths": [result.to_dict() for result in results],
            "stationary_points": [point.to_dict() for point in points],
            "plot": None if plot_path is None else str(plot_path),
        }))
        return 0
    _print_report(function, args, results, points)
    if plot_path is not None:
        print(f"wrote {plot_path}")
    return 0


def _format_point(w):
    return "(" + ", ".join(f"{value + 0.0:.5g}" for value in w) + ")"


def _print_report(function, args, results, points):
    print(f"{function.name}(w1, w2) = {function.formula}")
    print(f"steepest descent from w(0) = {_format_point(args.start)}, "
          f"stop when |g| < {args.tol:g} or after {args.steps} steps")
    print()
    print(f"{'alpha':<10} {'end point':<24} {'J(end)':<12} {'steps':>6}  stopped by")
    for result in results:
        if result.diverged:
            # A diverged path has no end point worth reporting, only where it blew up.
            end, J = "-", "-"
            reason = f"diverged (|w| > {result.max_norm:g} or not finite)"
        else:
            end, J = _format_point(result.end), f"{result.J_end:.8g}"
            reason = "converged" if result.stopped_by == "converged" else "step limit"
        print(f"{result.learning_rate:<10g} {end:<24} {J:<12} {result.steps:>6}  {reason}")
    print()
    (low1, high1), (low2, high2) = function.region
    print(f"stationary points in [{low1:g}, {high1:g}] x [{low2:g}, {high2:g}]:")
    for point in points:
        J = 0.0 if abs(point.J) < 1e-12 else point.J
        print(f"  {point.describe()}, J = {J:.5g}")
