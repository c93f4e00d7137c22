"""End-to-end tests of ``bplab evaluate`` on a model trained on a slice of the bundled digits."""

import json
import os
import re

import numpy as np
import pytest

from bplab.data.datasets import load_dataset
from bplab.data.idx import write_idx

from cli_helpers import run_bplab, run_quietly


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Path of a 784-16-10 model trained for 3 epochs on 1000 digits."""
    path = tmp_path_factory.mktemp("evaluate") / "model.npz"
    code = run_quietly("train", "--layers", "784,16,10", "--limit", "1000", "--epochs", "3",
                       "--no-progress", "--save", path)
    assert code == 0
    return path


@pytest.fixture(scope="module")
def test_labels():
    """Labels of the bundled digits' test split."""
    return load_dataset("digits", split="test")[1]


@pytest.fixture(scope="module")
def t10k_folder(tmp_path_factory):
    """A folder with only the two MNIST test files, holding the bundled test digits."""
    folder = tmp_path_factory.mktemp("t10k")
    images, labels = load_dataset("digits", split="test")
    write_idx(folder / "t10k-images-idx3-ubyte.gz", images.reshape(-1, 28, 28))
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", labels.astype(np.uint8))
    return folder


def evaluate_json(capsys, *argv):
    """Run ``bplab evaluate --json ARGV`` and return the parsed JSON object."""
    code, out, err = run_bplab(capsys, "evaluate", "--json", *argv)
    assert code == 0, err
    assert len(out.splitlines()) == 1
    return json.loads(out)


def test_json_report_fields(capsys, model, test_labels):
    """--json reports accuracy, per-class precision and recall and a confusion matrix."""
    report = evaluate_json(capsys, model)
    matrix = np.array(report["confusion_matrix"])
    assert matrix.shape == (10, 10)
    np.testing.assert_array_equal(matrix.sum(axis=1), np.bincount(test_labels, minlength=10))
    assert report["samples"] == 2000
    assert report["accuracy"] == pytest.approx(np.trace(matrix) / 2000, abs=1e-12)
    assert 0.7 < report["accuracy"] <= 1.0
    assert report["classes"] == list(range(10))
    np.testing.assert_allclose(report["precision"], np.diag(matrix) / matrix.sum(axis=0), atol=1e-12)
    np.testing.assert_allclose(report["recall"], np.diag(matrix) / matrix.sum(axis=1), atol=1e-12)
    assert report["dataset"] == "digits"
    assert report["split"] == "test"
    assert report["model"] == str(model)


def test_text_report_matches_json(capsys, model):
    """The text report shows the same accuracy, a precision/recall table and the matrix."""
    report = evaluate_json(capsys, model)
    code, out, err = run_bplab(capsys, "evaluate", model)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"model {model} on digits (test split)"
    assert lines[1] == f"accuracy {report['accuracy']:.4f} on 2,000 samples"
    assert "class  precision  recall" in out
    assert "confusion matrix (rows: true class, columns: predicted class)" in out
    for digit in range(10):
        row = f"{digit:>5}  {report['precision'][digit]:9.4f}  {report['recall'][digit]:6.4f}"
        assert row in lines
    matrix_rows = lines[-10:]
    for digit, line in enumerate(matrix_rows):
        assert [int(value) for value in line.split()] == [digit] + report["confusion_matrix"][digit]


def test_train_split(capsys, model):
    """--split train evaluates on the 8000 training digits."""
    report = evaluate_json(capsys, model, "--split", "train")
    assert report["samples"] == 8000
    assert report["split"] == "train"


def test_mnist_folder_with_only_test_files(capsys, model, t10k_folder):
    """--dataset mnist --split test needs only the two t10k files in --data-dir."""
    from_folder = evaluate_json(capsys, model, "--dataset", "mnist", "--data-dir", t10k_folder,
                                "--split", "test")
    bundled = evaluate_json(capsys, model)
    assert from_folder["samples"] == 2000
    assert from_folder["accuracy"] == bundled["accuracy"]
    assert from_folder["confusion_matrix"] == bundled["confusion_matrix"]


def test_mnist_folder_lacks_train_files(capsys, model, t10k_folder):
    """--split train on a folder with only the test files names the missing train files."""
    code, out, err = run_bplab(capsys, "evaluate", model, "--dataset", "mnist", "--data-dir",
                               t10k_folder, "--split", "train")
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "lacks the mnist train files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz" in err


def test_missing_model_one_line(capsys, tmp_path):
    """A missing model file exits 1 with one line naming it and how to make one."""
    path = tmp_path / "none.npz"
    code, out, err = run_bplab(capsys, "evaluate", path)
    assert code == 1
    assert out == ""
    assert err == f"bplab evaluate: error: model file {path} not found; train one with " \
                  f"'bplab train --save {path}'\n"


@pytest.mark.parametrize("damage", ["random", "truncated", "empty"])
def test_corrupt_model_one_line(capsys, model, tmp_path, damage):
    """Random bytes, a truncated file and an empty file exit 1 with one line naming the file."""
    path = tmp_path / "broken.npz"
    if damage == "random":
        path.write_bytes(np.random.default_rng(0).bytes(4000))
    elif damage == "truncated":
        path.write_bytes(model.read_bytes()[:3000])
    else:
        path.write_bytes(b"")
    code, out, err = run_bplab(capsys, "evaluate", path)
    assert code == 1
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith(f"bplab evaluate: error: model file {path} is truncated or not a bplab model")
    assert "Traceback" not in err


def test_corrupt_model_message_no_pickle_advice(capsys, tmp_path):
    """The message for a random-bytes model file does not advise loading it unsafely."""
    path = tmp_path / "broken.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4000))
    _, _, err = run_bplab(capsys, "evaluate", path)
    assert "allow_pickle" not in err


def test_npz_with_other_feature_count(capsys, model, tmp_path):
    """A data file with a different number of features is rejected naming both counts."""
    path = tmp_path / "table.npz"
    np.savez(path, X=np.zeros((20, 10)), y=np.arange(20) % 10)
    code, _, err = run_bplab(capsys, "evaluate", model, "--dataset", path)
    assert code == 1
    assert err == (f"bplab evaluate: error: the model expects 784 input values per sample, but data "
                   f"set '{path}' has 10\n")


def test_unknown_labels_rejected(capsys, model, tmp_path):
    """Labels the model was not trained on are listed in the error."""
    images, labels = load_dataset("digits", split="test")
    path = tmp_path / "table.npz"
    np.savez(path, X=images[:30], y=labels[:30] + 20)
    code, _, err = run_bplab(capsys, "evaluate", model, "--dataset", path)
    assert code == 1
    assert re.search(r"labels the model does not know: \[2\d, ", err)


def test_model_file_left_untouched(capsys, model):
    """Evaluating does not rewrite the model file."""
    before = model.read_bytes()
    run_bplab(capsys, "evaluate", model)
    assert model.read_bytes() == before
    assert not [name for name in os.listdir(model.parent) if name.endswith(".tmp")]


def _binary_csv(path):
    rng = np.random.default_rng(0)
    X = rng.random((100, 3))
    y = (X[:, 0] + X[:, 1] > 1).astype(int)
    np.savetxt(path, np.column_stack([y, X]), delimiter=",", fmt=["%d", "%.4f", "%.4f", "%.4f"])


@pytest.mark.parametrize("outputs", ["1", "2"])
def test_file_holdout_matches_train(capsys, tmp_path, outputs):
    """evaluate scores the same 20 % of a data file that train held out, for one or two outputs."""
    data = tmp_path / "num.csv"
    _binary_csv(data)
    model = tmp_path / "m.npz"
    code, out, err = run_bplab(capsys, "train", "--dataset", data, "--layers", f"3,8,{outputs}",
                               "--epochs", "20", "--no-progress", "--json", "--save", model)
    assert code == 0, err
    trained = json.loads(out)
    assert trained["test_samples"] == 20
    code, out, err = run_bplab(capsys, "evaluate", model, "--dataset", data, "--json")
    assert code == 0, err
    evaluated = json.loads(out)
    assert evaluated["samples"] == 20
    assert evaluated["accuracy"] == trained["test_accuracy"]
    code, out, _ = run_bplab(capsys, "evaluate", model, "--dataset", data, "--split", "train", "--json")
    assert json.loads(out)["samples"] == 80


def test_plot_scores_file_holdout(capsys, tmp_path):
    """bplab plot measures a data file's held-out 20 %, as train and evaluate do."""
    data = tmp_path / "num.csv"
    _binary_csv(data)
    model = tmp_path / "m.npz"
    code, _, err = run_bplab(capsys, "train", "--dataset", data, "--layers", "3,8,2",
                             "--epochs", "5", "--no-progress", "--save", model)
    assert code == 0, err
    code, out, err = run_bplab(capsys, "plot", model, "--dataset", data, "--out", tmp_path / "figs")
    assert code == 0, err
    assert "% of 20" in out
