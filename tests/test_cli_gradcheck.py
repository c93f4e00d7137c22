"""End-to-end tests of ``bplab gradcheck``."""

import json
import re

import pytest

from bplab.cli import main

from cli_helpers import run_bplab


@pytest.mark.parametrize(
    "options",
    [
        [],
        ["--activation", "tanh", "--cost", "cross_entropy"],
        ["--activation", "relu", "--cost", "cross_entropy", "--output-activation", "sigmoid"],
        ["--activation", "relu", "--layers", "4,5,5,3"],
        ["--activation", "relu", "--layers", "4,5,5,3", "--output-activation", "softmax",
         "--cost", "cross_entropy"],
        ["--activation", "leaky_relu", "--output-activation", "linear"],
        ["--activation", "sigmoid", "--no-bias", "--layers", "3,6,4,2"],
    ],
)
def test_passes_for_combinations(capsys, options):
    """BP agrees with finite differences below 1e-6 for several activation and cost choices."""
    code, out, err = run_bplab(capsys, "gradcheck", *options)
    assert code == 0, out + err
    last = out.splitlines()[-1]
    assert last.startswith("PASS: largest relative error ")
    assert float(re.search(r"error (\S+)", last).group(1)) < 1e-6


@pytest.mark.parametrize("seed", range(4))
def test_relu_passes_for_seeds(capsys, seed):
    """ReLU networks pass for several seeds, so no sample lands on the kink at z = 0."""
    code, out, _ = run_bplab(capsys, "gradcheck", "--activation", "relu", "--layers", "4,5,5,3",
                             "--seed", seed)
    assert code == 0, out


def test_text_lists_each_layer(capsys):
    """The text output names the network and gives one line per layer l = 1..L-1."""
    code, out, _ = run_bplab(capsys, "gradcheck", "--layers", "4,5,6,3")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("Network(4-5-6-3, activation='sigmoid'")
    assert [line.split(":")[0] for line in lines[1:4]] == ["layer 1", "layer 2", "layer 3"]
    assert len(lines) == 5


def test_impossible_threshold_fails(capsys):
    """A threshold no floating-point check can meet gives FAIL and exit status 1."""
    code, out, _ = run_bplab(capsys, "gradcheck", "--threshold", "1e-30")
    assert code == 1
    assert out.splitlines()[-1].startswith("FAIL: largest relative error ")
    assert out.splitlines()[-1].endswith("(threshold 1e-30)")


def test_json_output(capsys):
    """--json prints one object with per-layer records and the verdict."""
    code, out, _ = run_bplab(capsys, "gradcheck", "--json", "--layers", "4,5,5,3")
    assert code == 0
    assert len(out.splitlines()) == 1
    report = json.loads(out)
    assert report["passed"] is True
    assert [record["layer"] for record in report["layers"]] == [1, 2, 3]
    assert report["max_rel_error"] == max(record["max_rel_error"] for record in report["layers"])
    assert report["max_rel_error"] < 1e-6
    assert report["layers"][0]["where"][0] in ("W", "b")


def test_json_failure(capsys):
    """--json with an impossible threshold reports passed false and exits 1."""
    code, out, _ = run_bplab(capsys, "gradcheck", "--json", "--threshold", "1e-30")
    assert code == 1
    assert json.loads(out)["passed"] is False


def test_seed_reproducible(capsys):
    """The same --seed gives the same errors."""
    _, first, _ = run_bplab(capsys, "gradcheck", "--json", "--seed", "5")
    _, second, _ = run_bplab(capsys, "gradcheck", "--json", "--seed", "5")
    assert json.loads(first) == json.loads(second)


def test_too_large_network_rejected(capsys):
    """A network too large for finite differences is rejected with a hint."""
    code, out, err = run_bplab(capsys, "gradcheck", "--layers", "1000,1000,10")
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("bplab gradcheck: error: --layers ")
    assert "too large for a finite-difference check; use a small network such as 4,5,3" in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--threshold", "0"], "argument --threshold: expected a positive finite number; got '0'"),
        (["--eps=-1e-5"], "argument --eps: expected a positive finite number; got '-1e-5'"),
        (["--samples", "0"], "argument --samples: expected an integer >= 1; got '0'"),
        (["--activation", "softmax"], "argument --activation: invalid choice: 'softmax'"),
    ],
)
def test_usage_errors_exit_2(capsys, options, message):
    """Malformed options exit 2 with argparse's message."""
    with pytest.raises(SystemExit) as stop:
        main(["gradcheck", *options])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err
