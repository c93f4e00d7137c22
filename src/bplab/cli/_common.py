"""Argument types and helpers shared by the subcommands."""

import argparse
import json
import signal
import sys
from contextlib import contextmanager

import numpy as np

from bplab.activations import ACTIVATIONS
from bplab.costs import COSTS
from bplab.data.datasets import DATASETS


def layer_sizes(text):
    """Parse '784,100,10' into [784, 100, 10] (argparse type)."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid layer sizes {text!r}; expected comma-separated integers such as 784,100,10"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"invalid layer sizes {text!r}; expected at least two positive integers n_1,...,n_L"
        )
    return sizes


def positive_float(text):
    """Parse a number > 0 (argparse type)."""
    value = _number(text, float)
    if not value > 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a positive finite number; got {text!r}")
    return value


def nonnegative_float(text):
    """Parse a number >= 0 (argparse type)."""
    value = _number(text, float)
    if not value >= 0 or not np.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0; got {text!r}")
    return value


def fraction(text):
    """Parse a number in [0, 1) (argparse type)."""
    value = _number(text, float)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1); got {text!r}")
    return value


def nonnegative_int(text):
    """Parse an integer >= 0 (argparse type), such as a seed."""
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0; got {text!r}")
    return value


def positive_int(text):
    """Parse an integer >= 1 (argparse type)."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1; got {text!r}")
    return value


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        expected = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}") from None


def add_network_arguments(parser, layers, activation, cost):
    """Add --layers, --activation, --output-activation, --cost and --no-bias."""
    parser.add_argument("--layers", type=layer_sizes, default=layers, metavar="N1,...,NL",
                        help=f"layer sizes n_1..n_L, input first (default: {','.join(map(str, layers))})")
    parser.add_argument("--activation", choices=[n for n, f in ACTIVATIONS.items() if f.elementwise],
                        default=activation, help=f"hidden-layer activation f (default: {activation})")
    parser.add_argument("--output-activation", choices=list(ACTIVATIONS), default=None,
                        help="output activation (default: the hidden one for the quadratic cost, "
                             "softmax for cross_entropy)")
    parser.add_argument("--cost", choices=list(COSTS), default=cost, help=f"cost J (default: {cost})")
    parser.add_argument("--no-bias", dest="bias", action="store_false",
                        help="no biases: exactly the lecture's z^{l+1} = W^l a^l")


def add_data_arguments(parser, split=None):
    """Add --dataset and --data-dir (and --split when ``split`` is a default)."""
    parser.add_argument("--dataset", default="digits", metavar="NAME",
                        help=f"data set: {', '.join(DATASETS)}, or a .csv/.npz file with the label "
                             "first (train holds out a random 20 %% of a file for testing; "
                             "default: digits)")
    parser.add_argument("--data-dir", default=None, metavar="DIR",
                        help="folder with the data set's IDX files under their official names "
                             "(mnist, fashion-mnist); nothing is downloaded")
    if split is not None:
        parser.add_argument("--split", choices=["train", "test"], default=split,
                            help=f"which part of the data set (default: {split})")


def print_json(value):
    """Print one JSON object on standard output."""
    json.dump(value, sys.stdout, default=_json_default)
    sys.stdout.write("\n")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write a value of type {type(value).__name__} as JSON")


class GracefulInterrupt:
    """Turns the first Ctrl-C into a request to stop after the current epoch.

    A second Ctrl-C raises KeyboardInterrupt at once; training then rolls back to the last
    complete epoch.
    """

    def __init__(self):
        self.requested = False

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nbplab: stopping after this epoch (press Ctrl-C again to stop now)", file=sys.stderr)

    @contextmanager
    def installed(self):
        """Install the handler for the duration of the block."""
        try:
            previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:
            # Not the main thread: leave Ctrl-C handling as it is.
            yield self
            return
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)
