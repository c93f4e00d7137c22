"""``bplab trace``: print one online BP step on a small network, value by value.

Also home of the options shared by ``bplab exercise`` and ``bplab compare`` that the common
ones lack: number lists, seeds, and the network options with biases off by default.
"""

import argparse

import numpy as np

from bplab.activations import ACTIVATIONS
from bplab.cli._common import layer_sizes, positive_float
from bplab.costs import COSTS
from bplab.network import Network
from bplab.trace import FORMATS, render, sample_for, trace_step

HIDDEN_ACTIVATIONS = [name for name, activation in ACTIVATIONS.items() if activation.elementwise]


def number_list(text):
    """Parse "0.5,1,-2" into a list of floats for argparse."""
    values = []
    for part in text.split(","):
        try:
            value = float(part)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"invalid number list {text!r}: {part.strip()!r} is not a number; "
                "give comma-separated numbers such as 0.5,1"
            ) from None
        if not np.isfinite(value):
            raise argparse.ArgumentTypeError(f"invalid number list {text!r}: {part.strip()!r} is not finite")
        values.append(value)
    return values


def seed_value(text):
    """Parse a non-negative integer seed for argparse."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"invalid seed {text!r}; give a non-negative integer")
    return int(text)


def add_network_options(parser, layers="2,2,1", bias=False):
    """Add --layers, --activation, --output-activation, --cost and --bias/--no-bias."""
    parser.add_argument("--layers", type=layer_sizes, default=layer_sizes(layers), metavar="N1,...,NL",
                        help=f"layer sizes n_1,...,n_L (default {layers})")
    parser.add_argument("--activation", choices=HIDDEN_ACTIVATIONS, default="sigmoid",
                        help="f of the hidden layers (default sigmoid)")
    parser.add_argument("--output-activation", choices=list(ACTIVATIONS), default=None,
                        help="f of the output layer (default: --activation for the quadratic "
                             "cost, softmax for cross-entropy)")
    parser.add_argument("--cost", choices=list(COSTS), default="quadratic",
                        help="cost J of one sample (default quadratic)")
    parser.add_argument("--bias", action=argparse.BooleanOptionalAction, default=bias,
                        help="add biases b^l to z^{l+1} (default: "
                             + ("on" if bias else "off, as in the lecture") + ")")


def add_parser(subparsers):
    """Add the ``trace`` subcommand."""
    parser = subparsers.add_parser(
        "trace",
        help="print one online BP step with every intermediate value",
        description="Run one online BP step (the lecture's Steps 3 and 4) on a small network "
                    "and print z, a, J, delta, dJ/dW and the updated weights in the lecture's "
                    "order and symbols. Weights come from --seed; so do x and y unless given.",
    )
    add_network_options(parser)
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="seed of the initial weights and of x, y when not given (default 0)")
    parser.add_argument("--learning-rate", type=positive_float, default=0.5,
                        help="learning rate alpha (default 0.5)")
    parser.add_argument("--input", type=number_list, default=None, metavar="X1,X2,...",
                        help="the sample x, n_1 comma-separated numbers (default: drawn from --seed)")
    parser.add_argument("--target", type=number_list, default=None, metavar="Y1,...",
                        help="the target y, n_L comma-separated numbers (default: drawn from --seed)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format; json carries full precision (default text)")
    parser.add_argument("--digits", type=int, default=4,
                        help="significant digits of printed numbers, 1 to 17 (default 4)")
    parser.add_argument("--components", action=argparse.BooleanOptionalAction, default=None,
                        help="also expand each neuron's sum (default: when every layer has at "
                             "most 4 neurons)")
    parser.set_defaults(func=run)


def run(args):
    """Build the network, trace one step and print it; return the exit status."""
    net = Network(args.layers, activation=args.activation,
                  output_activation=args.output_activation, cost=args.cost, bias=args.bias,
                  seed=args.seed)
    # A separate stream from the weights' one, so x and y do not repeat the first weights.
    x, y = sample_for(net, np.random.default_rng([args.seed, 1]))
    if args.input is not None:
        x = args.input
    if args.target is not None:
        y = args.target
    trace = trace_step(net, x, y, learning_rate=args.learning_rate)
    print(render(trace, args.format, digits=args.digits, components=args.components), end="")
    return 0
