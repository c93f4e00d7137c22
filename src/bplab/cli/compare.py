"""``bplab compare``: online, mini-batch and batch BP from the same initial weights, side by side."""

import argparse
import sys

from bplab.cli._common import add_data_arguments, add_network_arguments, positive_int, print_json
from bplab.cli.trace import seed_value
from bplab.compare import (DEFAULT_EPOCHS, DEFAULT_LEARNING_RATES, compare_algorithms,
                           format_table, load_comparison_data)

SETTING_KEYS = ("online", "minibatch", "batch")


def per_algorithm(kind):
    """Return an argparse type for "3" or "online=0.5,batch=3,10=2" (a number per run)."""
    convert = float if kind == "number" else int

    def parse(text):
        values = {}
        for part in text.split(","):
            key, _, value = part.rpartition("=")
            key = key.strip()
            try:
                number = convert(value)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"invalid value {value.strip()!r} in {text!r}; expected {'a number' if kind == 'number' else 'an integer'}"
                ) from None
            if not number > 0:
                raise argparse.ArgumentTypeError(f"invalid value {value.strip()!r} in {text!r}; it must be > 0")
            if not key:
                values.update({name: number for name in SETTING_KEYS})
            elif key in SETTING_KEYS:
                values[key] = number
            elif key.isdigit():
                values[int(key)] = number
            else:
                raise argparse.ArgumentTypeError(
                    f"invalid key {key!r} in {text!r}; use online, minibatch, batch or a mini-batch size"
                )
        return values

    return parse


def size_list(text):
    """Parse "10,100" into [10, 100] for argparse."""
    sizes = []
    for part in text.split(","):
        try:
            sizes.append(positive_int(part.strip()))
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(
                f"invalid batch sizes {text!r}: {part.strip()!r} is not an integer >= 1"
            ) from None
    return sizes


def _defaults(values):
    return ",".join(f"{name}={value:g}" for name, value in values.items())


def add_parser(subparsers):
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="train online, mini-batch and batch BP from the same weights and compare them",
        description="Copy one network for every run so that online BP, batch BP and any "
                    "mini-batch sizes start from identical weights W^l, train each on the same "
                    "samples, and print a table of cost and accuracy (optionally a plot of J per "
                    "epoch). Batch BP makes one update per epoch, so it gets a larger learning rate "
                    "and more epochs by default.",
    )
    add_data_arguments(parser)
    parser.add_argument("--samples", type=positive_int, default=2000,
                        help="training samples, the first ones of the train split (default 2000)")
    parser.add_argument("--test-samples", type=positive_int, default=1000,
                        help="test samples for the final accuracy (default 1000)")
    add_network_arguments(parser, [784, 30, 10], "sigmoid", "quadratic")
    parser.add_argument("--epochs", type=per_algorithm("integer"), default={},
                        metavar="E or NAME=E,...",
                        help="epochs, one number for all runs or per run with the keys online, "
                             f"minibatch, batch or a mini-batch size (default {_defaults(DEFAULT_EPOCHS)})")
    parser.add_argument("--learning-rate", type=per_algorithm("number"), default={},
                        metavar="ALPHA or NAME=ALPHA,...",
                        help="learning rate alpha, keyed as --epochs "
                             f"(default {_defaults(DEFAULT_LEARNING_RATES)})")
    parser.add_argument("--batch-sizes", type=size_list, default=[], metavar="B1,B2,...",
                        help="mini-batch sizes to run besides online and batch BP (default: none)")
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed of the initial weights and the sample order (default 0)")
    parser.add_argument("--plot", default=None, metavar="FILE.png",
                        help="write the J curves of all runs to this PNG file")
    parser.add_argument("--json", action="store_true",
                        help="print the settings and runs, with per-epoch histories, as JSON")
    parser.set_defaults(func=run)


def run(args):
    """Load the data, run the comparison and print the table or JSON; return the exit status."""
    if args.plot:
        # Check the file name before minutes of training, not after.
        from bplab.plots._figure import check_png_path

        check_png_path(args.plot)
    X, labels, X_test, labels_test = load_comparison_data(
        args.dataset, args.samples, args.test_samples, args.data_dir)
    runs = compare_algorithms(
        X, labels, layers=args.layers, activation=args.activation,
        output_activation=args.output_activation, cost=args.cost, bias=args.bias,
        batch_sizes=args.batch_sizes, learning_rates=args.learning_rate, epochs=args.epochs,
        seed=args.seed, X_test=X_test, Y_test=labels_test,
    )
    if args.plot:
        plot_runs(runs, args.plot)
    if args.json:
        settings = {
            "dataset": str(args.dataset), "samples": len(X), "test_samples": len(X_test),
            "layers": args.layers, "activation": args.activation,
            "output_activation": args.output_activation, "cost": args.cost, "bias": args.bias,
            "seed": args.seed, "plot": args.plot,
        }
        print_json({"settings": settings, "runs": [run.to_dict() for run in runs]})
    else:
        print(format_table(runs))
        if args.plot:
            print(f"J curves written to {args.plot}")
    for item in runs:
        if item.status != "ok":
            print(f"bplab compare: warning: {item.label}: {item.message}", file=sys.stderr)
    return 0


def plot_runs(runs, path):
    """Draw the J curves of all runs on one plot."""
    from bplab.plots.history import plot_cost_comparison

    labels = [f"{run.label} (α = {run.learning_rate:g})" for run in runs]
    return plot_cost_comparison(list(zip(labels, [run.history for run in runs])), path,
                                title="Cost J per epoch, from the same initial weights")
