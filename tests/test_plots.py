"""Every figure is a real PNG: right signature, readable by Pillow, large enough, not blank."""

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from bplab.cli import main
from bplab.descent import compare_learning_rates, stationary_points
from bplab.plots import (
    plot_cost_comparison,
    plot_deltas,
    plot_descent,
    plot_first_layer_weights,
    plot_misclassified,
    write_training_figures,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_valid_png(path, min_width=400, min_height=300):
    """Check the signature, decode with Pillow, and require a size and some contrast."""
    with open(path, "rb") as stream:
        assert stream.read(8) == PNG_SIGNATURE, f"{path} is not a PNG"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        pixels = np.asarray(image.convert("L"), dtype=float)
    assert width >= min_width, f"{path} is only {width} px wide"
    assert height >= min_height, f"{path} is only {height} px high"
    # A blank or single-colour figure has a standard deviation near 0; any drawn figure
    # with text, axes and data on white has well over 10 grey levels.
    assert pixels.std() > 10, f"{path} looks blank (grey-level std {pixels.std():.2f})"


def synthetic_history(epochs=6, layers=3):
    """Return a history like bplab.train's, with J falling and deltas shrinking per layer."""
    return [
        {
            "epoch": epoch,
            "J": 1.0 / epoch,
            "train_accuracy": 1.0 - 0.5 / epoch,
            "val_J": 1.2 / epoch,
            "val_accuracy": 1.0 - 0.6 / epoch,
            "max_weight_change": 0.1,
            "seconds": 0.01,
            "mean_abs_delta": [10.0 ** -(layers - l) / epoch for l in range(layers)],
        }
        for epoch in range(1, epochs + 1)
    ]


def test_descent_plot_j1(tmp_path):
    """The J1 contour plot with three paths and the stationary points is a valid PNG."""
    results = compare_learning_rates("J1", (-1.5, 0.5), [0.01, 0.05, 0.1])
    path = plot_descent("J1", results, tmp_path / "j1.png",
                        stationary=stationary_points("J1"))
    assert path == tmp_path / "j1.png"
    assert_valid_png(path)
    assert sorted(os.listdir(tmp_path)) == ["j1.png"]


def test_descent_plot_j2_line(tmp_path):
    """The J2 plot draws the line of weak minima."""
    results = compare_learning_rates("J2", (1.5, 1.0), [0.05])
    path = plot_descent("J2", results, tmp_path / "j2.png", stationary=stationary_points("J2"))
    assert_valid_png(path)


def test_descent_plot_rejects_other_suffix(tmp_path):
    """Only .png files are written."""
    results = compare_learning_rates("J1", (1.0, -1.0), [0.01])
    with pytest.raises(ValueError, match="plot file must end in .png, got '.*out.jpg'"):
        plot_descent("J1", results, tmp_path / "out.jpg")


def test_descent_plot_missing_folder(tmp_path):
    """A missing folder is named in the error."""
    results = compare_learning_rates("J1", (1.0, -1.0), [0.01])
    with pytest.raises(FileNotFoundError, match="missing.*does not exist"):
        plot_descent("J1", results, tmp_path / "missing" / "out.png")


def test_write_training_figures_all(tmp_path):
    """History, W^1, labels and images give all six figures."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    true = rng.integers(0, 10, size=40)
    pred = np.where(rng.random(40) < 0.7, true, (true + 1) % 10)
    paths = write_training_figures(
        tmp_path / "figures", synthetic_history(), W1=rng.normal(size=(25, 784)),
        class_names=[str(digit) for digit in range(10)], images=images, true=true, pred=pred,
    )
    names = [path.name for path in paths]
    assert names == ["cost.png", "accuracy.png", "deltas.png", "weights.png", "confusion.png",
                     "misclassified.png"]
    for path in paths:
        assert_valid_png(path)
    assert sorted(os.listdir(tmp_path / "figures")) == sorted(names)


def test_write_training_figures_history_only(tmp_path):
    """A regression history without accuracies gives only the J and delta figures."""
    history = [dict(record, train_accuracy=None, val_accuracy=None)
               for record in synthetic_history()]
    paths = write_training_figures(tmp_path, history, W1=np.ones((3, 4)))
    assert [path.name for path in paths] == ["cost.png", "deltas.png"]


def test_deltas_plot_skips_zero(tmp_path):
    """Exact zeros cannot sit on a log axis, and are left out without an error."""
    history = synthetic_history()
    history[2]["mean_abs_delta"][0] = 0.0
    assert_valid_png(plot_deltas(history, tmp_path / "deltas.png"))


def test_deltas_plot_needs_values(tmp_path):
    """A history without mean |delta| values is rejected with the reason."""
    history = [dict(record, mean_abs_delta=[]) for record in synthetic_history()]
    with pytest.raises(ValueError, match="no 'mean_abs_delta' values"):
        plot_deltas(history, tmp_path / "deltas.png")


def test_cost_comparison(tmp_path):
    """Several runs share one axis."""
    online = synthetic_history(10)
    batch = [dict(record, J=2 * record["J"]) for record in synthetic_history(5)]
    path = plot_cost_comparison([("online", online), ("batch", batch)], tmp_path / "cmp.png")
    assert_valid_png(path)


def test_cost_comparison_rejects_bad_run(tmp_path):
    """Each run must be a (label, history) pair."""
    with pytest.raises(ValueError, match=r"runs\[0\] must be a \(label, history\) pair"):
        plot_cost_comparison([synthetic_history()], tmp_path / "cmp.png")


def test_misclassified_none_wrong(tmp_path):
    """With every prediction right, a figure with a note is written."""
    images = np.zeros((5, 784), dtype=np.uint8)
    labels = np.arange(5)
    path = plot_misclassified(images, labels, labels, tmp_path / "wrong.png")
    assert_valid_png(path, min_width=400, min_height=300)


def test_weights_need_square_inputs(tmp_path):
    """W^1 rows that are no square image need an explicit image_shape."""
    with pytest.raises(ValueError, match="13 inputs are not a square image"):
        plot_first_layer_weights(np.ones((4, 13)), tmp_path / "w.png")


def test_cli_descent_plot(tmp_path, capsys):
    """bplab descent --plot writes the contour plot and names it."""
    target = tmp_path / "descent.png"
    assert main(["descent", "--learning-rate", "0.01", "0.05", "0.1",
                 "--plot", str(target)]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    assert_valid_png(target)


def test_cli_descent_plot_bad_folder(tmp_path, capsys):
    """A plot in a missing folder is a runtime error with exit status 1."""
    assert main(["descent", "--plot", str(tmp_path / "missing" / "x.png")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_agg_used_whatever_mplbackend(tmp_path):
    """Plotting works with MPLBACKEND naming an interactive backend and no display."""
    target = tmp_path / "j1.png"
    code = (
        "from bplab.descent import compare_learning_rates\n"
        "from bplab.plots import plot_descent\n"
        f"plot_descent('J1', compare_learning_rates('J1', (1, -1), [0.01]), {str(target)!r})\n"
    )
    environment = dict(os.environ, MPLBACKEND="TkAgg")
    environment.pop("DISPLAY", None)
    completed = subprocess.run([sys.executable, "-c", code], env=environment,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert_valid_png(target)


def test_cli_plot_model(tmp_path, capsys):
    """bplab plot writes the history, weight, confusion and misclassified figures."""
    import bplab
    from bplab.data.datasets import load_dataset
    from bplab.data.preprocess import Preprocessing
    from bplab.model_io import save_model

    images, labels = load_dataset("digits", split="train")
    preprocessing = Preprocessing()
    X = preprocessing.fit_transform(images[:500])
    net = bplab.Network([784, 16, 10], seed=0)
    result = bplab.train(net, X, labels[:500], algorithm="minibatch", batch_size=10,
                         learning_rate=3.0, epochs=2, seed=0)
    model = tmp_path / "model.npz"
    save_model(model, net, preprocessing=preprocessing.to_dict(), history=result.history,
               arrays=preprocessing.to_arrays())

    assert main(["plot", str(model)]) == 0
    output = capsys.readouterr().out
    assert "test accuracy on digits:" in output
    folder = tmp_path / "model-figures"
    expected = ["accuracy.png", "confusion.png", "cost.png", "deltas.png", "misclassified.png",
                "weights.png"]
    assert sorted(os.listdir(folder)) == expected
    for name in expected:
        assert f"wrote {folder / name}" in output
        assert_valid_png(folder / name)


def test_cli_plot_missing_model(tmp_path, capsys):
    """A missing model file is a runtime error naming the file."""
    assert main(["plot", str(tmp_path / "none.npz")]) == 1
    assert "none.npz" in capsys.readouterr().err
