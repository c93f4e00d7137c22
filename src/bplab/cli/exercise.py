"""``bplab exercise``: a hand-calculation exercise of one online BP step, with its solution."""

import argparse

from bplab.cli._common import positive_float
from bplab.cli.trace import add_network_options, seed_value
from bplab.exercise import MAX_LAYERS, MAX_NEURONS, make_exercise


def add_parser(subparsers):
    """Add the ``exercise`` subcommand."""
    parser = subparsers.add_parser(
        "exercise",
        help="print a BP exercise to work by hand (and its worked solution)",
        description="Draw a small network with round weights and a sample from --seed, and ask "
                    "for the forward pass, J, the deltas, the gradients and the updated weights "
                    "after one online BP step. --answers appends the worked solution, computed by "
                    f"the training code. At most {MAX_LAYERS} layers of {MAX_NEURONS} neurons.",
    )
    add_network_options(parser)
    parser.add_argument("--seed", type=seed_value, default=0,
                        help="exercise number; each seed gives a different exercise (default 0)")
    parser.add_argument("--learning-rate", type=positive_float, default=None,
                        help="learning rate alpha (default 0.5 for sigmoid and tanh, else 0.1)")
    parser.add_argument("--answers", action="store_true", help="append the worked solution")
    parser.add_argument("--format", choices=["markdown", "latex", "text"], default="markdown",
                        help="output format; latex is a complete document (default markdown)")
    parser.add_argument("--digits", type=int, default=None,
                        help="significant digits of the answers (default 4 with sigmoid, tanh "
                             "or softmax, else 6)")
    parser.set_defaults(func=run)


def run(args):
    """Draw the exercise and print it; return the exit status."""
    exercise = make_exercise(args.layers, seed=args.seed, activation=args.activation,
                             output_activation=args.output_activation, cost=args.cost,
                             bias=args.bias, learning_rate=args.learning_rate, digits=args.digits)
    print(exercise.document(args.format, answers=args.answers), end="")
    return 0
