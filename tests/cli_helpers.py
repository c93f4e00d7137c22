"""Helpers for the tests that run the ``bplab`` command in this process."""

import contextlib
import io

from bplab.cli import main


def run_bplab(capsys, *argv):
    """Run ``bplab ARGV`` in this process; return (exit status, stdout, stderr)."""
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_quietly(*argv):
    """Run ``bplab ARGV`` with its output discarded (for fixtures) and return the exit status."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main([str(arg) for arg in argv])
