"""The ``bplab`` command: one module per subcommand, registered below.

Each subcommand module defines ``add_parser(subparsers)``, which adds its parser and sets
``func`` to a function ``run(args) -> int``. Usage errors exit 2 (argparse); runtime failures
print one line to standard error and exit 1, with the traceback only under ``--debug``.
"""

import argparse
import importlib
import os
import sys

from bplab import __version__

# Subcommand modules, in the order ``bplab --help`` lists them.
SUBCOMMANDS = [
    "train",
    "evaluate",
    "predict",
    "gradcheck",
    "descent",
    "trace",
    "exercise",
    "plot",
    "compare",
    "serve",
]


def build_parser():
    """Build the argument parser with every subcommand that imports on this install."""
    parser = argparse.ArgumentParser(
        prog="bplab",
        description="Backpropagation as the lecture writes it: train, check and watch BP.",
    )
    parser.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    parser.add_argument("--version", action="version", version=f"bplab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"bplab.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"bplab.cli.{name}":
                continue
            raise
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the ``bplab`` command and return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("bplab: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of standard output went away (for example `bplab ... | head`); point
        # stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        # 128 + SIGPIPE, the status a shell reports for a program stopped by a closed pipe.
        return 141
    except (ValueError, TypeError, OSError, RuntimeError) as error:
        if args.debug:
            raise
        print(f"bplab {args.command}: error: {error}", file=sys.stderr)
        return 1
