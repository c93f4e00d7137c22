"""Online, mini-batch and batch BP compared from the same initial weights on the bundled digits."""

import json

import numpy as np
import pytest

import bplab
from bplab.cli import main
from bplab.compare import (DEFAULT_LEARNING_RATES, _plan_runs, compare_algorithms, format_table,
                           load_comparison_data)

LAYERS = (784, 16, 10)


@pytest.fixture(scope="module")
def digits():
    """300 training and 100 test digits, scaled to [0, 1]."""
    return load_comparison_data("digits", samples=300, test_samples=100)


@pytest.fixture(scope="module")
def runs(digits):
    X, labels, X_test, labels_test = digits
    return compare_algorithms(X, labels, layers=LAYERS, batch_sizes=(10,), epochs=2, seed=1,
                              X_test=X_test, Y_test=labels_test)


def test_load_comparison_data_scales_pixels(digits):
    """The slice has the requested sizes and pixels in [0, 1]."""
    X, labels, X_test, labels_test = digits
    assert X.shape == (300, 784)
    assert X_test.shape == (100, 784)
    assert labels.shape == (300,)
    assert labels_test.shape == (100,)
    assert X.dtype == np.float64
    assert X.min() == 0.0
    assert X.max() == 1.0


def test_compare_runs_in_order(runs):
    """Online first, then the mini-batch sizes, then batch, with their batch sizes."""
    assert [run.label for run in runs] == ["online", "mini-batch 10", "batch"]
    assert [run.batch_size for run in runs] == [1, 10, 300]
    assert [run.learning_rate for run in runs] == [
        DEFAULT_LEARNING_RATES["online"], DEFAULT_LEARNING_RATES["minibatch"], DEFAULT_LEARNING_RATES["batch"]]
    assert all(run.epochs == 2 and len(run.history) == 3 for run in runs)


def test_compare_runs_start_from_same_weights(runs, digits):
    """Every run's epoch-0 J is the seeded network's J on the training slice."""
    X, labels, _, _ = digits
    expected = bplab.Network(LAYERS, seed=1).cost_value(X, labels)
    for run in runs:
        assert run.history[0]["epoch"] == 0
        assert run.initial_J == run.history[0]["J"] == pytest.approx(expected, rel=1e-12)


def test_compare_batch_run_equals_plain_training(runs, digits):
    """The batch run's J curve is that of bplab.train on a fresh network with the same seed."""
    X, labels, _, _ = digits
    net = bplab.Network(LAYERS, seed=1)
    result = bplab.train(net, X, labels, algorithm="batch", learning_rate=runs[-1].learning_rate,
                         epochs=2, seed=1)
    assert [record["J"] for record in runs[-1].history[1:]] == pytest.approx(
        [record["J"] for record in result.history], rel=1e-12)


def test_compare_every_run_learns(runs):
    """Each algorithm lowers J and classifies test digits better than chance."""
    for run in runs:
        assert run.status == "ok"
        assert run.final_J < run.initial_J
        assert 0.1 < run.test_accuracy <= 1.0
        assert run.train_seconds <= run.seconds


def test_compare_table_and_dict_fields(runs):
    """The table has a row per run; the dict contains the documented fields and is JSON."""
    table = format_table(runs)
    lines = table.splitlines()
    assert lines[0].split()[:2] == ["algorithm", "batch"]
    assert "final J" in lines[0]
    assert "test acc" in lines[0]
    assert [line.split()[0] for line in lines[2:]] == ["online", "mini-batch", "batch"]
    record = json.loads(json.dumps(runs[0].to_dict()))
    for key in ("label", "algorithm", "batch_size", "learning_rate", "epochs", "seconds",
                "train_seconds", "initial_J", "final_J", "test_accuracy", "history", "status"):
        assert key in record


def test_plan_runs_settings_by_key():
    """Learning rates and epochs are picked by batch size, then algorithm, then default."""
    plan = _plan_runs(1000, ("online", "batch"), (100, 10), {"online": 0.2, 10: 1.5},
                      {"batch": 7, "minibatch": 3})
    assert plan == [
        ("online", "online", 1, 0.2, 5),
        ("mini-batch 10", "minibatch", 10, 1.5, 3),
        ("mini-batch 100", "minibatch", 100, DEFAULT_LEARNING_RATES["minibatch"], 3),
        ("batch", "batch", 1000, DEFAULT_LEARNING_RATES["batch"], 7),
    ]
    assert [row[4] for row in _plan_runs(50, ("online",), (), None, 4)] == [4]


@pytest.mark.parametrize("sizes,message", [((1,), "mini-batch size 1"), ((300,), "mini-batch size 300")])
def test_plan_runs_rejects_bad_batch_size(sizes, message):
    """Mini-batch sizes must lie strictly between online (1) and batch (m)."""
    with pytest.raises(ValueError, match=message):
        _plan_runs(300, ("online", "batch"), sizes, None, None)


def test_plan_runs_rejects_unknown_algorithm():
    """An unknown algorithm name raises, naming it."""
    with pytest.raises(ValueError, match="unknown algorithm 'sgd'"):
        _plan_runs(300, ("online", "sgd"), (), None, None)


def test_cli_compare_json_and_plot(capsys, tmp_path):
    """bplab compare --json prints every run; --plot writes a non-blank PNG."""
    plot = tmp_path / "compare.png"
    argv = ["compare", "--samples", "200", "--test-samples", "50", "--layers", "784,8,10",
            "--epochs", "online=1,batch=3", "--learning-rate", "batch=2", "--json",
            "--plot", str(plot)]
    assert main(argv) == 0
    output = json.loads(capsys.readouterr().out)
    assert output["settings"]["samples"] == 200
    assert [run["label"] for run in output["runs"]] == ["online", "batch"]
    assert [run["epochs"] for run in output["runs"]] == [1, 3]
    assert output["runs"][1]["learning_rate"] == 2.0
    assert output["runs"][0]["history"][0]["J"] == output["runs"][1]["history"][0]["J"]

    from PIL import Image

    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = np.asarray(Image.open(plot).convert("L"), dtype=float)
    assert pixels.std() > 5


def test_cli_compare_table(capsys):
    """Without --json the command prints the table."""
    argv = ["compare", "--samples", "100", "--test-samples", "20", "--layers", "784,4,10",
            "--epochs", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("algorithm")
    assert len(out.splitlines()) == 4


@pytest.mark.parametrize("option,value,bad", [
    ("--learning-rate", "fast=1", "'fast'"),
    ("--epochs", "online=x", "'x'"),
    ("--epochs", "batch=0", "'0'"),
    ("--batch-sizes", "10,y", "'y'"),
])
def test_cli_compare_bad_option(capsys, option, value, bad):
    """Invalid per-run settings exit 2, naming the bad part."""
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", option, value])
    assert exit_info.value.code == 2
    assert bad in capsys.readouterr().err


def test_compare_needs_both_test_arrays(digits):
    """Test samples without test labels raise."""
    X, labels, X_test, _ = digits
    with pytest.raises(ValueError, match="X_test and Y_test together"):
        compare_algorithms(X, labels, layers=LAYERS, X_test=X_test)
