"""End-to-end tests of ``bplab train`` on small slices of the bundled digits."""

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bplab.cli import main
from bplab.data.datasets import load_dataset
from bplab.model_io import load_model

from cli_helpers import run_bplab

BPLAB = Path(sys.executable).with_name("bplab")
SMALL = ["--layers", "784,8,10", "--limit", "200", "--epochs", "1", "--no-progress"]


def run_json(capsys, *argv):
    """Run ``bplab train --json ARGV`` and return the parsed JSON object."""
    code, out, err = run_bplab(capsys, "train", "--json", *SMALL, *argv)
    assert code == 0, err
    return json.loads(out)


def console_script():
    """Return the command that starts the installed ``bplab`` console script."""
    if BPLAB.is_file():
        return [str(BPLAB)]
    return [sys.executable, "-m", "bplab"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train 784-16-10 for 3 epochs on 2000 digits with --save and --plot-dir, with progress on."""
    folder = tmp_path_factory.mktemp("train")
    model = folder / "model.npz"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--layers", "784,16,10", "--limit", "2000", "--epochs", "3", "--json",
                     "--save", str(model), "--plot-dir", str(folder / "figures")])
    return {"code": code, "out": out.getvalue(), "err": err.getvalue(), "model": model,
            "figures": folder / "figures"}


def test_json_is_one_object_on_stdout(trained):
    """--json prints exactly one JSON object and nothing else on standard output."""
    assert trained["code"] == 0, trained["err"]
    lines = trained["out"].splitlines()
    assert len(lines) == 1
    assert isinstance(json.loads(lines[0]), dict)


def test_progress_bar_on_stderr_only(trained):
    """The progress bar with the epoch count and J goes to standard error."""
    assert "training" in trained["err"]
    assert "3/3" in trained["err"]
    assert "J=" in trained["err"]
    assert "J=" not in trained["out"]


def test_json_accuracy_and_stopping(trained):
    """Accuracy lies in (0.75, 1] (0.854 measured with seed 0); epochs and stop rule are named."""
    summary = json.loads(trained["out"])
    assert isinstance(summary["test_accuracy"], float)
    assert 0.75 < summary["test_accuracy"] <= 1.0
    assert summary["epochs"] == 3
    assert summary["stopped_by"] == "epochs"
    assert summary["seconds"] > 0
    assert len(summary["history"]) == 3
    assert summary["test_samples"] == 2000


def test_json_confusion_matrix_rows(trained):
    """The confusion matrix is 10x10 with rows of true classes summing to the class counts."""
    summary = json.loads(trained["out"])
    matrix = np.array(summary["confusion_matrix"])
    _, labels = load_dataset("digits", split="test")
    assert matrix.shape == (10, 10)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(labels[:2000], minlength=10))
    assert np.trace(matrix) / matrix.sum() == pytest.approx(summary["test_accuracy"], abs=1e-12)


def test_saved_model_evaluates_to_same_accuracy(trained, capsys):
    """bplab evaluate on the saved model reproduces train's test accuracy."""
    summary = json.loads(trained["out"])
    code, out, err = run_bplab(capsys, "evaluate", trained["model"], "--json")
    assert code == 0, err
    assert json.loads(out)["accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-12)
    assert summary["model"] == str(trained["model"])


def test_plot_dir_gets_png_files(trained):
    """--plot-dir writes real PNG files and lists them in the JSON."""
    summary = json.loads(trained["out"])
    figures = sorted(trained["figures"].glob("*.png"))
    assert len(figures) >= 3
    assert sorted(summary["figures"]) == sorted(str(path) for path in figures)
    for path in figures:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_text_names_results(capsys):
    """Without --json the summary names test accuracy, epochs, the stop rule and seconds."""
    code, out, err = run_bplab(capsys, "train", *SMALL)
    assert code == 0, err
    assert "test accuracy  0." in out
    assert "on 200 held-out samples" in out
    assert "epochs         1 (stopped by: epochs)" in out
    assert "seconds" in out
    assert "Network(784-8-10" in out
    assert err == ""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--algorithm", "online"], {"algorithm": "online", "batch_size": 1}),
        (["--algorithm", "batch"], {"algorithm": "batch", "batch_size": 200}),
        (["--algorithm", "minibatch", "--batch-size", "7"], {"algorithm": "minibatch", "batch_size": 7}),
        (["--learning-rate", "0.125", "--epochs", "2"], {"learning_rate": 0.125, "epochs": 2}),
        (["--momentum", "0.5", "--l2", "0.001"], {"momentum": 0.5, "l2": 0.001}),
        (["--learning-rate-decay", "0"], {"learning_rate_decay": 0.0}),
        (["--batch-gradient", "sum", "--no-shuffle"], {"batch_gradient": "sum", "shuffle": False}),
        (["--tol", "1e-3", "--cost-tol", "1e-4"], {"tol": 1e-3, "cost_tol": 1e-4}),
        (["--patience", "2", "--validation-split", "0.25"], {"patience": 2, "validation_split": 0.25}),
    ],
)
def test_training_options_reach_core(capsys, options, expected):
    """Each training option arrives in the settings that bplab.train reports."""
    settings = run_json(capsys, *options)["settings"]
    for name, value in expected.items():
        assert settings[name] == value, name


def test_validation_split_gives_val_records(capsys):
    """--validation-split holds out samples, so each epoch records a validation cost."""
    summary = run_json(capsys, "--validation-split", "0.25", "--epochs", "2")
    assert all(record["val_J"] is not None for record in summary["history"])
    assert summary["best_epoch"] in (1, 2)


def test_patience_stops_on_validation_cost(capsys):
    """--patience 1 stops once the validation cost rises and keeps the best epoch's weights."""
    summary = run_json(capsys, "--validation-split", "0.3", "--patience", "1", "--epochs", "15",
                       "--learning-rate", "1")
    history = summary["history"]
    assert summary["stopped_by"] == "patience"
    assert summary["epochs"] < 15
    assert summary["best_epoch"] == summary["epochs"] - 1
    assert history[-1]["val_J"] >= history[-2]["val_J"]


def test_tol_stops_on_weights(capsys):
    """A huge --tol stops after the first epoch with stopped_by weights_converged."""
    summary = run_json(capsys, "--tol", "1e9", "--epochs", "5")
    assert summary["epochs"] == 1
    assert summary["stopped_by"] == "weights_converged"


def test_cost_tol_stops_on_cost(capsys):
    """A huge --cost-tol stops after the second epoch with stopped_by cost_converged."""
    summary = run_json(capsys, "--cost-tol", "1e9", "--epochs", "5")
    assert summary["epochs"] == 2
    assert summary["stopped_by"] == "cost_converged"


@pytest.mark.parametrize(
    ("options", "network"),
    [
        (["--no-bias"], "bias=False"),
        (["--activation", "tanh"], "activation='tanh'"),
        (["--cost", "quadratic", "--output-activation", "sigmoid"],
         "output_activation='sigmoid', cost='quadratic'"),
        (["--dtype", "float32"], "dtype='float32'"),
    ],
)
def test_network_options_reach_network(capsys, tmp_path, options, network):
    """Network options shape the trained and saved network."""
    model = tmp_path / "model.npz"
    summary = run_json(capsys, *options, "--save", model)
    assert network in summary["network"]
    net, _ = load_model(model)
    assert network in repr(net)


def test_float32_model_round_trip(capsys, tmp_path):
    """--dtype float32 saves float32 weights that evaluate reads back to the same accuracy."""
    model = tmp_path / "model.npz"
    summary = run_json(capsys, "--dtype", "float32", "--no-bias", "--limit", "2000", "--save", model)
    net, _ = load_model(model)
    assert net.W[1].dtype == np.float32
    assert net.W[2].dtype == np.float32
    code, out, err = run_bplab(capsys, "evaluate", model, "--json")
    assert code == 0, err
    assert json.loads(out)["accuracy"] == summary["test_accuracy"]


def test_no_bias_model_has_no_biases(capsys, tmp_path):
    """--no-bias saves a network without bias vectors."""
    model = tmp_path / "model.npz"
    run_json(capsys, "--no-bias", "--save", model)
    net, _ = load_model(model)
    assert net.b[1] is None
    assert net.b[2] is None


def test_seed_reproduces_run(capsys):
    """The same --seed gives identical accuracy and final J; another seed gives another J."""
    first = run_json(capsys, "--seed", "3", "--epochs", "2")
    second = run_json(capsys, "--seed", "3", "--epochs", "2")
    other = run_json(capsys, "--seed", "4", "--epochs", "2")
    assert first["test_accuracy"] == second["test_accuracy"]
    assert first["final_J"] == second["final_J"]
    assert first["confusion_matrix"] == second["confusion_matrix"]
    assert other["final_J"] != first["final_J"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--layers", "784,x,10"], r"argument --layers: invalid layer sizes '784,x,10'"),
        (["--layers", "784"], r"argument --layers: invalid layer sizes '784'"),
        (["--layers", "784,0,10"], r"argument --layers: invalid layer sizes '784,0,10'"),
        (["--algorithm", "adam"], r"argument --algorithm: invalid choice: 'adam'"),
        (["--learning-rate", "-1"], r"argument --learning-rate: expected a positive finite number; got '-1'"),
        (["--learning-rate", "nan"], r"argument --learning-rate: expected a positive finite number; got 'nan'"),
        (["--epochs", "0"], r"argument --epochs: expected an integer >= 1; got '0'"),
        (["--epochs", "2.5"], r"argument --epochs: expected an integer; got '2.5'"),
        (["--batch-size", "0"], r"argument --batch-size: expected an integer >= 1; got '0'"),
        (["--dtype", "float16"], r"argument --dtype: invalid choice: 'float16'"),
        (["--validation-split", "1.5"], r"argument --validation-split: expected a number in \[0, 1\); got '1.5'"),
        (["--momentum", "1"], r"argument --momentum: expected a number in \[0, 1\); got '1'"),
    ],
)
def test_usage_errors_exit_2(capsys, options, message):
    """Malformed options stop argparse with exit status 2 and a message naming the option."""
    with pytest.raises(SystemExit) as stop:
        main(["train", *SMALL, *options])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("bplab train: error: ")
    assert re.search(message, err)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--layers", "100,10"], "n_1 = 100, but the data has 784 input values per sample; use --layers 784"),
        (["--layers", "784,8,5"], "n_L = 5, but the data has 10 classes; use --layers 784,8,10"),
        (["--dataset", "nosuch"], "unknown data set 'nosuch'; expected one of digits, mnist"),
        (["--patience", "2"], "--patience 2 needs validation data; add --validation-split"),
        (["--batch-size", "500"], "batch_size must be between 1 and the number of samples m = 200; got 500"),
        (["--algorithm", "online", "--batch-size", "4"], "batch_size must be 1; got 4"),
        (["--data-dir", "somewhere"], "the 'digits' set is bundled with bplab"),
        (["--save", "no/such/folder/model.npz"], "folder no/such/folder does not exist"),
        (["--dataset", "missing.csv"], "missing.csv"),
    ],
)
def test_runtime_errors_one_line(capsys, options, message):
    """Runtime failures exit 1 with one 'bplab train: error:' line and no traceback."""
    code, out, err = run_bplab(capsys, "train", *SMALL, *options)
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("bplab train: error: ")
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_plot_dir_that_is_a_file(capsys, tmp_path):
    """--plot-dir naming a file is rejected before training."""
    path = tmp_path / "figure.png"
    path.write_bytes(b"x")
    code, out, err = run_bplab(capsys, "train", *SMALL, "--plot-dir", path)
    assert code == 1
    assert out == ""
    assert err == f"bplab train: error: --plot-dir {path} is a file, not a folder; choose a folder name\n"


def test_mnist_empty_folder_names_files(capsys, tmp_path):
    """--dataset mnist with an empty --data-dir names the missing IDX files."""
    code, _, err = run_bplab(capsys, "train", *SMALL, "--dataset", "mnist", "--data-dir", tmp_path)
    assert code == 1
    assert len(err.splitlines()) == 1
    assert f"data folder {tmp_path} lacks the mnist train files" in err
    assert "train-images-idx3-ubyte.gz" in err
    assert "train-labels-idx1-ubyte.gz" in err


@pytest.mark.parametrize("targets", ["columns", "floats"])
def test_regression_targets_rejected(capsys, tmp_path, targets):
    """Float targets from a data file are rejected with one line, not a crash in the class count."""
    rng = np.random.default_rng(0)
    X = rng.random((60, 3))
    Y = np.c_[X.sum(axis=1), X[:, 0]] if targets == "columns" else X.sum(axis=1) + 0.001
    path = tmp_path / "table.npz"
    np.savez(path, X=X, y=Y)
    code, _, err = run_bplab(capsys, "train", "--dataset", path, "--layers", "3,4,2", "--no-progress")
    assert code == 1
    assert len(err.splitlines()) == 1
    # A data file keeps 80 % of its 60 rows for training; the check runs on those 48.
    held_shape = (48,) + Y.shape[1:]
    assert f"labels are float64 of shape {held_shape}, but training here needs integer class labels" in err


def test_debug_shows_traceback(capsys):
    """With --debug the runtime error propagates with its traceback."""
    with pytest.raises(ValueError, match="n_1 = 100, but the data has 784"):
        main(["--debug", "train", *SMALL, "--layers", "100,10"])


def test_debug_traceback_in_subprocess():
    """The console script prints a traceback under --debug and one line without it."""
    command = console_script()
    plain = subprocess.run([*command, "train", *SMALL, "--layers", "100,10"],
                           capture_output=True, text=True, timeout=60)
    debug = subprocess.run([*command, "--debug", "train", *SMALL, "--layers", "100,10"],
                           capture_output=True, text=True, timeout=60)
    assert plain.returncode == 1
    assert plain.stderr.startswith("bplab train: error: --layers starts with n_1 = 100")
    assert "Traceback" not in plain.stderr
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "ValueError: --layers starts with n_1 = 100" in debug.stderr


def test_failed_save_keeps_old_model(capsys, tmp_path, monkeypatch):
    """A save that fails leaves the earlier model file byte for byte and no temporary file."""
    model = tmp_path / "model.npz"
    run_json(capsys, "--save", model, "--seed", "1")
    old_bytes = model.read_bytes()

    def failing_savez(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(np, "savez", failing_savez)
    code, out, err = run_bplab(capsys, "train", *SMALL, "--seed", "2", "--save", model)
    assert code == 1
    assert err.startswith("bplab train: error: could not save the model to ")
    assert "No space left on device; the previous file, if any, is unchanged" in err
    assert model.read_bytes() == old_bytes
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_failed_rename_keeps_old_model(capsys, tmp_path, monkeypatch):
    """A failing rename of the finished temporary file also leaves no trace."""
    import bplab.model_io

    model = tmp_path / "model.npz"
    run_json(capsys, "--save", model, "--seed", "1")
    old_bytes = model.read_bytes()

    def failing_replace(source, target):
        raise PermissionError(f"permission denied: {target}")

    monkeypatch.setattr(bplab.model_io.os, "replace", failing_replace)
    code, _, err = run_bplab(capsys, "train", *SMALL, "--seed", "2", "--save", model)
    assert code == 1
    assert "permission denied" in err
    assert model.read_bytes() == old_bytes
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]


def test_console_script_json_stdout():
    """The installed console script prints only JSON on stdout and the progress bar on stderr."""
    result = subprocess.run([*console_script(), "train", "--json", "--layers", "784,8,10", "--limit", "300",
                             "--epochs", "2"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["epochs"] == 2
    assert len(result.stdout.strip().splitlines()) == 1
    assert "2/2" in result.stderr


def test_module_entry_point_help():
    """python -m bplab lists the core subcommands."""
    result = subprocess.run([sys.executable, "-m", "bplab", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0
    for name in ("train", "evaluate", "predict", "gradcheck"):
        assert name in result.stdout


def test_ctrl_c_stops_at_epoch_boundary(tmp_path):
    """SIGINT after the first epoch stops cleanly: exit 0, stopped_by interrupted, model saved."""
    model = tmp_path / "model.npz"
    process = subprocess.Popen(
        [*console_script(), "train", "--json", "--layers", "784,32,10", "--limit", "2000",
         "--epochs", "2000", "--save", str(model)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    stderr = bytearray()

    def read_stderr():
        for chunk in iter(lambda: process.stderr.read1(4096), b""):
            stderr.extend(chunk)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60
        # The progress bar shows J= once the first epoch has finished.
        while b"J=" not in stderr and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"J=" in stderr, "no epoch finished within 60 s"
        process.send_signal(signal.SIGINT)
        stdout = process.stdout.read()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)

    assert process.returncode == 0, stderr.decode(errors="replace")
    summary = json.loads(stdout)
    assert summary["stopped_by"] == "interrupted"
    assert 1 <= summary["epochs"] < 2000
    assert len(summary["history"]) == summary["epochs"]
    text = stderr.decode(errors="replace")
    assert "bplab: stopping after this epoch" in text
    assert f"bplab train: warning: training stopped on request after epoch {summary['epochs']}\n" in text
    assert "training.py" not in text
    net, header = load_model(model)
    assert header["training"]["stopped_by"] == "interrupted"
    images, labels = load_dataset("digits", split="test")
    accuracy = np.mean(net.predict(images[:500] / 255.0) == labels[:500])
    assert accuracy > 0.7


def test_version_option(capsys):
    """bplab --version prints the package version and exits 0."""
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"bplab {bplab_version()}"


def bplab_version():
    from bplab import __version__
    return __version__


def test_extra_output_neuron_rejected(capsys):
    """n_L larger than the number of classes would invent a class; the message gives the right size."""
    code, _, err = run_bplab(capsys, "train", "--limit", "200", "--layers", "784,16,11", "--no-progress")
    assert code == 1
    assert "--layers ends with n_L = 11, but the data has 10 classes; use --layers 784,16,10" in err


def test_save_to_folder_rejected(capsys, tmp_path):
    """--save naming a folder is rejected before training."""
    code, out, err = run_bplab(capsys, "train", *SMALL, "--save", tmp_path, "--no-progress")
    assert code == 1
    assert out == ""
    assert f"--save '{tmp_path}' is not a file name" in err


def test_negative_seed_usage_error(capsys):
    """A negative --seed is a usage error naming the option."""
    with pytest.raises(SystemExit) as stop:
        main(["train", "--seed", "-1"])
    assert stop.value.code == 2
    assert "argument --seed: expected an integer >= 0; got '-1'" in capsys.readouterr().err


def test_single_class_split_rejected(capsys, tmp_path):
    """Training rows of a single class are rejected instead of suggesting n_L = 1."""
    data = tmp_path / "one-class.csv"
    data.write_text("".join(f"0,0.{k},0.5,0.5\n" for k in range(1, 6)))
    code, _, err = run_bplab(capsys, "train", "--dataset", data, "--layers", "3,4,2", "--no-progress")
    assert code == 1
    assert "the training split has 4 samples of a single class" in err


def test_final_cost_format_switches_to_scientific():
    """A diverging but finite J prints in scientific notation, not as hundreds of digits."""
    from bplab.cli.train import _format_cost

    assert _format_cost(0.153384) == "0.153384"
    assert _format_cost(1.0443389e230) == "1.044339e+230"
    assert _format_cost(-2.5e7) == "-2.500000e+07"
