"""End-to-end tests of ``bplab predict`` on digit images drawn with Pillow."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cli_helpers import run_bplab, run_quietly


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """Path of a 784-64-10 model trained for 3 epochs on 3000 digits (0.8835 test accuracy with seed 0)."""
    path = tmp_path_factory.mktemp("predict") / "model.npz"
    code = run_quietly("train", "--layers", "784,64,10", "--limit", "3000", "--epochs", "3",
                       "--no-progress", "--save", path)
    assert code == 0
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """Drawn digit files: a '1' stroke (PNG and JPEG), a '0' ring, a blank page, a corrupt file."""
    folder = tmp_path_factory.mktemp("images")
    one = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(one).line([(100, 30), (100, 170)], fill=0, width=14)
    one.save(folder / "one.png")
    one.convert("RGB").save(folder / "one.jpg", quality=90)
    zero = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(zero).ellipse([55, 30, 145, 170], outline=0, width=14)
    zero.save(folder / "zero.png")
    Image.new("L", (100, 100), 255).save(folder / "white.png")
    (folder / "corrupt.png").write_bytes(np.random.default_rng(0).bytes(500))
    return {path.stem if path.suffix == ".png" else path.name: path for path in folder.iterdir()}


def predict_json(capsys, model, *paths):
    """Run ``bplab predict --json``; return (exit status, parsed JSON, stderr)."""
    code, out, err = run_bplab(capsys, "predict", "--json", model, *paths)
    assert len(out.splitlines()) == 1
    return code, json.loads(out), err


def test_drawn_digits_classified(capsys, model, images):
    """A '1' stroke is predicted 1, also as JPEG, and a '0' ring is predicted 0."""
    code, report, err = predict_json(capsys, model, images["one"], images["one.jpg"], images["zero"])
    assert code == 0, err
    assert err == ""
    predictions = [result["prediction"] for result in report["results"]]
    assert predictions == [1, 1, 0]


def test_json_probabilities(capsys, model, images):
    """Each result lists a probability per class that sums to 1, the largest being the prediction."""
    _, report, _ = predict_json(capsys, model, images["one"], images["zero"])
    assert report["model"] == str(model)
    for result in report["results"]:
        probabilities = result["probabilities"]
        assert list(probabilities) == [str(digit) for digit in range(10)]
        assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-9)
        assert max(probabilities, key=probabilities.get) == str(result["prediction"])


def test_text_output(capsys, model, images):
    """The text output gives 'FILE: DIGIT (p = ...)' and a line of class probabilities."""
    code, out, err = run_bplab(capsys, "predict", model, images["one"])
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{images['one']}: 1 (p = 0.")
    assert lines[1].split()[0].startswith("0:")
    assert lines[1].split()[-1].startswith("9:")


def test_bad_images_reported_others_classified(capsys, model, images, tmp_path):
    """Missing, blank and corrupt files get one error line each; the rest are still classified."""
    missing = tmp_path / "missing.png"
    code, out, err = run_bplab(capsys, "predict", model, images["one"], missing, images["white"],
                               images["corrupt"], images["zero"])
    assert code == 1
    errors = err.splitlines()
    assert len(errors) == 3
    assert errors[0] == f"bplab predict: error: image file not found: {missing}"
    assert errors[1].startswith(f"bplab predict: error: {images['white']}: no digit found")
    assert errors[2].startswith(f"bplab predict: error: {images['corrupt']}: cannot read the image")
    assert "Traceback" not in err
    assert f"{images['one']}: 1 (p = " in out
    assert f"{images['zero']}: 0 (p = " in out
    assert str(missing) not in out


def test_bad_images_in_json(capsys, model, images, tmp_path):
    """--json gives one result per image, with an error entry for each unreadable one."""
    missing = tmp_path / "missing.png"
    code, report, err = predict_json(capsys, model, images["one"], missing, images["corrupt"])
    assert code == 1
    results = report["results"]
    assert [result["image"] for result in results] == [str(images["one"]), str(missing),
                                                        str(images["corrupt"])]
    assert results[0]["prediction"] == 1
    assert "error" not in results[0]
    assert results[1]["error"] == f"image file not found: {missing}"
    assert "cannot read the image" in results[2]["error"]
    assert len(err.splitlines()) == 2


def test_missing_model_one_line(capsys, images, tmp_path):
    """A missing model file exits 1 with a single line naming it."""
    path = tmp_path / "none.npz"
    code, out, err = run_bplab(capsys, "predict", path, images["one"])
    assert code == 1
    assert out == ""
    assert err.startswith(f"bplab predict: error: model file {path} not found")
    assert len(err.splitlines()) == 1


def test_non_image_model_rejected(capsys, images, tmp_path):
    """A model with other than 784 inputs is rejected with the reason."""
    path = tmp_path / "table.npz"
    table = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    np.savez(table, X=rng.random((40, 5)), y=np.arange(40) % 2)
    assert run_quietly("train", "--dataset", table, "--layers", "5,3,2", "--epochs", "1",
                       "--no-progress", "--save", path) == 0
    code, _, err = run_bplab(capsys, "predict", path, images["one"])
    assert code == 1
    assert err == f"bplab predict: error: model {path} takes 5 inputs, not 28x28 = 784 pixel images\n"


def test_console_script_exit_status(model, images):
    """Run as a program, predict exits 1 on a bad image and still prints the good one."""
    result = subprocess.run([sys.executable, "-m", "bplab", "predict", str(model), str(images["zero"]),
                             str(images["corrupt"])], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"{images['zero']}: 0 (p = " in result.stdout
    assert result.stderr.count("bplab predict: error:") == 1
