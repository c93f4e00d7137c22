"""The web API of ``bplab serve``: every endpoint with good input and with bad input."""

import base64
import io
import json
import logging
import re
import time
import warnings
from importlib import resources

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
pytest.importorskip("httpx", reason="the web tests need httpx for fastapi.testclient")

with warnings.catch_warnings():
    # Starlette 1.x warns that its test client will move from httpx to httpx2.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient  # noqa: E402
from PIL import Image  # noqa: E402

import bplab  # noqa: E402
from bplab.data.images import prepare_digit  # noqa: E402
from bplab.model_io import load_model  # noqa: E402
from bplab.network import Network  # noqa: E402
from bplab.web import checks, create_app  # noqa: E402
from bplab.web.models import DrawModel, build_training_network, load_training_digits  # noqa: E402

SMALL_RUN = {"hidden": [8], "epochs": 2, "samples": 300, "algorithm": "minibatch", "batch_size": 20}


@pytest.fixture(scope="module")
def draw_model():
    """A 784-30-10 digit network trained for 3 epochs on 2000 bundled digits (about 1 s)."""
    X, labels, preprocessing = load_training_digits(2000, 0)
    net = build_training_network({"hidden": [30], "activation": "sigmoid",
                                  "output_activation": "softmax", "cost": "cross_entropy",
                                  "seed": 0})
    bplab.train(net, X, labels, algorithm="minibatch", batch_size=10, learning_rate=0.5,
                epochs=3, seed=0)
    return DrawModel(net, preprocessing, "test network")


@pytest.fixture
def client(draw_model):
    app = create_app(draw_model)
    with TestClient(app) as test_client:
        yield test_client
    app.state.training.join(timeout=30)


def one_image(size=280):
    """A drawn '1': a light vertical bar on a black background."""
    image = np.zeros((size, size), dtype=np.uint8)
    image[size // 7 : size - size // 7, size // 2 - size // 28 : size // 2 + size // 28] = 255
    return image


def png_data_url(array, mode=None):
    buffer = io.BytesIO()
    Image.fromarray(array).convert(mode or "L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def wait_for_run(client, states=("finished", "stopped", "failed"), timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get("/api/train/status").json()
        if status["state"] in states:
            return status
        time.sleep(0.05)
    raise AssertionError(f"training run did not reach {states} within {timeout} s: {status}")


# --- Page and info -----------------------------------------------------------------------

def test_index_page_served(client):
    """The page and its scripts are served from the package."""
    page = client.get("/")
    assert page.status_code == 200
    assert "<canvas id=\"pad\"" in page.text
    for name in ("main.js", "draw.js", "train.js", "step.js", "chart.js", "common.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200, name


def test_static_files_load_nothing_from_other_sites():
    """No script, style, image or request in the page points to another host."""
    folder = resources.files("bplab.web") / "static"
    remote = re.compile(r"""(src|href)\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|"""
                        r"""from\s+["']https?:|fetch\(\s*["'`]https?:""")
    for entry in folder.iterdir():
        text = entry.read_text(encoding="utf-8")
        assert not remote.search(text), entry.name


def test_info_describes_model_and_choices(client):
    """/api/info returns the draw network and the settings the forms offer."""
    info = client.get("/api/info").json()
    assert info["model"]["layer_sizes"] == [784, 30, 10]
    assert info["model"]["source"] == "test network"
    assert "softmax" not in info["choices"]["activation"]
    assert info["choices"]["algorithm"] == ["minibatch", "online", "batch"]
    assert info["limits"]["max_step_neurons"] == checks.MAX_STEP_NEURONS


def test_unknown_path_is_json_404(client):
    """Unknown paths get 404 with an error object."""
    answer = client.get("/api/nothing")
    assert answer.status_code == 404
    assert answer.json() == {"error": "Not Found"}


def test_wrong_method_is_json_405(client):
    """A GET on a POST endpoint gets 405 with an error object."""
    answer = client.get("/api/predict")
    assert answer.status_code == 405
    assert "error" in answer.json()


# --- Draw --------------------------------------------------------------------------------

def test_predict_png_one(client, draw_model):
    """A drawn '1' as a PNG data URL is centred, classified as 1 and the shares sum to 1."""
    answer = client.post("/api/predict", json={"image": png_data_url(one_image())})
    assert answer.status_code == 200
    result = answer.json()
    assert result["prediction"] == 1
    assert sum(result["probabilities"]) == pytest.approx(1.0, abs=1e-9)
    assert len(result["probabilities"]) == 10
    assert result["input"] == prepare_digit(one_image()).tolist()
    assert [layer["layer"] for layer in result["hidden"]] == [2]
    assert len(result["hidden"][0]["a"]) == 30


def test_predict_hidden_equals_forward(client, draw_model):
    """The hidden activations are a[2] of net.forward on the preprocessed input."""
    result = client.post("/api/predict", json={"pixels": one_image(56).tolist()}).json()
    X = draw_model.preprocessing.transform(np.array(result["input"], dtype=np.uint8)[None, :])
    a, _ = draw_model.net.forward(X)
    np.testing.assert_allclose(result["hidden"][0]["a"], a[2][0], rtol=1e-12)
    np.testing.assert_allclose(result["probabilities"], draw_model.net.predict_proba(X)[0], rtol=1e-12)


def test_predict_rgba_png_with_transparency(client):
    """A transparent canvas background counts as black, so the drawing keeps its shape."""
    grey = one_image()
    rgba = np.zeros(grey.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = 255
    rgba[..., 3] = grey
    answer = client.post("/api/predict", json={"image": png_data_url(rgba, "RGBA")})
    assert answer.status_code == 200
    assert answer.json()["input"] == prepare_digit(grey).tolist()


def big_png():
    return png_data_url(np.zeros((10, checks.MAX_IMAGE_SIDE + 1), dtype=np.uint8))


def jpeg_in_png_url():
    buffer = io.BytesIO()
    Image.fromarray(one_image()).save(buffer, format="JPEG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize("body, status, message", [
    ({}, 400, "exactly one of image"),
    ({"image": "x", "pixels": [[0]]}, 400, "exactly one of image"),
    ({"image": 5}, 400, "must be a string starting with"),
    ({"image": "data:image/jpeg;base64,AAAA"}, 400, "must be a string starting with"),
    ({"image": "data:image/png;base64,@@@"}, 400, "not valid base64"),
    ({"image": "data:image/png;base64," + base64.b64encode(b"not an image").decode()}, 400,
     "could not be decoded"),
    ({"image": jpeg_in_png_url()}, 400, "must be a PNG; got JPEG"),
    ({"image": big_png()}, 400, r"image width must be in \[8, 1024\] pixels; got 1025"),
    ({"pixels": [[0] * 4] * 4}, 400, r"image width must be in \[8, 1024\] pixels; got 4"),
    ({"pixels": [[0] * 10] * 9 + [[0] * 9]}, 400, "every row needs 10 values"),
    ({"pixels": [[300] * 10] * 10}, 400, r"values must be numbers in \[0, 255\]; got 300"),
    ({"pixels": [["a"] * 10] * 10}, 400, r"values must be numbers in \[0, 255\]; got 'a'"),
    ({"pixels": "many"}, 400, "pixels must be a non-empty 2-D list"),
    ({"pixels": [[0] * 10] * 10}, 422, "no digit found"),
    ({"pixels": [[0] * 10] * 10, "colour": 1}, 400, r"unknown field\(s\) colour"),
    ({"pixels": [[0] * 10] * 10, "model": "best"}, 400, "model must be one of default, trained"),
    ({"pixels": [[0] * 10] * 10, "model": "trained"}, 409, "no trained network yet"),
])
def test_predict_rejects_bad_input(client, body, status, message):
    """Bad drawings get a 4xx response whose error names the problem."""
    answer = client.post("/api/predict", json=body)
    assert answer.status_code == status
    assert re.search(message, answer.json()["error"]), answer.json()


@pytest.mark.parametrize("content, message", [
    (b"{bad", "not valid JSON"),
    (b"[1, 2]", "must be a JSON object; got list"),
    (b"\xff\xfe", "not valid JSON"),
])
def test_predict_rejects_malformed_json(client, content, message):
    """A body that is not a JSON object gets 400."""
    answer = client.post("/api/predict", content=content,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert message in answer.json()["error"]


def test_predict_rejects_oversized_body(client):
    """A body over MAX_BODY_BYTES gets 413 before it is decoded."""
    payload = b'{"image": "' + b"A" * (checks.MAX_BODY_BYTES + 10) + b'"}'
    answer = client.post("/api/predict", content=payload,
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 413
    assert str(checks.MAX_BODY_BYTES) in answer.json()["error"]


def test_errors_logged_one_line_each(client, caplog):
    """Each rejected request is logged as one line with its path, status and message."""
    with caplog.at_level(logging.WARNING, logger="bplab.web"):
        client.post("/api/predict", json={})
        client.post("/api/train/stop")
    lines = [record.getMessage() for record in caplog.records if record.name == "bplab.web"]
    assert lines == [
        "POST /api/predict -> 400: give exactly one of image (a PNG data URL) or pixels (a 2-D list)",
        "POST /api/train/stop -> 409: no training run is active; start one first",
    ]


def test_internal_error_is_json_500(client, draw_model, monkeypatch, caplog):
    """A bug inside a handler gives 500 with an error object, and the server keeps running."""
    def broken(grey):
        raise ZeroDivisionError("broken on purpose")

    monkeypatch.setattr(draw_model, "predict", broken)
    with caplog.at_level(logging.ERROR, logger="bplab.web"):
        answer = client.post("/api/predict", json={"pixels": one_image(20).tolist()})
    assert answer.status_code == 500
    assert answer.json() == {"error": "internal error: ZeroDivisionError: broken on purpose"}
    assert "POST /api/predict -> 500: ZeroDivisionError: broken on purpose" in caplog.text
    assert client.get("/api/info").status_code == 200


# --- Train -------------------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    ({"hidden": [0]}, r"each entry of hidden must be an integer in \[1, 1000\]; got 0"),
    ({"hidden": [1001]}, r"got 1001"),
    ({"hidden": [10] * 5}, r"hidden must be a list of 0 to 4 integers"),
    ({"hidden": "100"}, r"hidden must be a list"),
    ({"activation": "softmax"}, r"activation must be one of sigmoid, tanh, relu, leaky_relu, linear"),
    ({"output_activation": "step"}, r"output_activation must be one of"),
    ({"cost": "hinge"}, r"cost must be one of quadratic, cross_entropy; got 'hinge'"),
    ({"algorithm": "adam"}, r"algorithm must be one of minibatch, online, batch"),
    ({"learning_rate": 0}, r"learning_rate must be in \(0.0, 100.0\]; got 0"),
    ({"learning_rate": -1}, r"got -1"),
    ({"learning_rate": 1e9}, r"got 1000000000.0"),
    ({"learning_rate": "fast"}, r"learning_rate must be a finite number"),
    ({"epochs": 0}, r"epochs must be in \[1, 500\]; got 0"),
    ({"epochs": 501}, r"got 501"),
    ({"epochs": 2.5}, r"epochs must be an integer"),
    ({"epochs": True}, r"epochs must be an integer"),
    ({"samples": 50}, r"samples must be in \[100, 8000\]; got 50"),
    ({"batch_size": 0}, r"batch_size must be in \[1, 300\]; got 0"),
    ({"batch_size": 301}, r"got 301"),
    ({"seed": -1}, r"seed must be in \[0, 4294967295\]; got -1"),
    ({"validation_split": 0.9}, r"validation_split must be in \[0.0, 0.5\]"),
    ({"output_activation": "tanh", "cost": "cross_entropy"}, r"cost 'cross_entropy' needs outputs"),
    ({"speed": 3}, r"unknown field\(s\) speed"),
])
def test_train_start_rejects_bad_settings(client, change, message):
    """Out-of-range or unknown training settings get 400 and no run starts."""
    answer = client.post("/api/train/start", json={**SMALL_RUN, **change})
    assert answer.status_code == 400
    assert re.search(message, answer.json()["error"]), answer.json()
    assert client.get("/api/train/status").json()["state"] == "idle"


def test_train_run_streams_epochs(client):
    """A run starts with 202, records each epoch and ends finished."""
    answer = client.post("/api/train/start", json=SMALL_RUN)
    assert answer.status_code == 202
    assert answer.json()["run"] == 1
    assert answer.json()["settings"]["batch_size"] == 20

    status = wait_for_run(client)
    assert status["state"] == "finished"
    assert status["stopped_by"] == "epochs"
    assert [record["epoch"] for record in status["history"]] == [1, 2]
    for record in status["history"]:
        assert record["J"] > 0
        assert 0 <= record["train_accuracy"] <= 1
        assert record["val_accuracy"] is not None
        assert len(record["mean_abs_delta"]) == 2
    later = client.get("/api/train/status", params={"since": 1}).json()
    assert [record["epoch"] for record in later["history"]] == [2]


@pytest.mark.filterwarnings("ignore::bplab.training.TrainingInterrupted")
def test_second_start_while_running_is_409(client):
    """Only one run at a time: a second start gets 409 naming the running run."""
    first = client.post("/api/train/start", json={**SMALL_RUN, "epochs": 500})
    assert first.status_code == 202
    second = client.post("/api/train/start", json=SMALL_RUN)
    assert second.status_code == 409
    assert second.json()["error"].startswith("training run 1 is still running")
    assert client.post("/api/train/stop").status_code == 200
    status = wait_for_run(client)
    assert status["state"] == "stopped"
    assert status["stopped_by"] == "interrupted"
    assert 1 <= status["epochs_done"] < 500


def test_stop_without_run_is_409(client):
    """Stopping when no run is active gets 409."""
    answer = client.post("/api/train/stop")
    assert answer.status_code == 409
    assert answer.json()["error"] == "no training run is active; start one first"


@pytest.mark.parametrize("since, message", [
    ("-1", "since must be >= 0; got -1"),
    ("two", "since must be a whole number of epochs; got 'two'"),
])
def test_status_rejects_bad_since(client, since, message):
    """The status cursor must be a whole number >= 0."""
    answer = client.get("/api/train/status", params={"since": since})
    assert answer.status_code == 400
    assert answer.json()["error"] == message


@pytest.mark.parametrize("path", ["/api/train/model", "/api/train/weights.png"])
def test_results_before_training_are_409(client, path):
    """The model and the weight picture exist only after one epoch."""
    answer = client.get(path)
    assert answer.status_code == 409
    assert "train for at least one epoch" in answer.json()["error"]


def test_trained_network_download_and_draw(client, tmp_path):
    """After a run, the model file loads with load_model and the draw view can use the network."""
    client.post("/api/train/start", json={**SMALL_RUN, "hidden": [12]})
    wait_for_run(client)

    picture = client.get("/api/train/weights.png")
    assert picture.headers["content-type"] == "image/png"
    # 12 tiles of 28 x 28 in a 4 x 3 grid with 1-pixel gaps.
    assert Image.open(io.BytesIO(picture.content)).size == (4 * 29 + 1, 3 * 29 + 1)

    download = client.get("/api/train/model")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="digits-784-12-10.npz"'
    path = tmp_path / "model.npz"
    path.write_bytes(download.content)
    net, header = load_model(path)
    assert net.layer_sizes == [784, 12, 10]
    assert header["preprocessing"]["scale"] == pytest.approx(1 / 255)
    assert [record["epoch"] for record in header["history"]] == [1, 2]

    result = client.post("/api/predict", json={"pixels": one_image().tolist(), "model": "trained"})
    assert result.status_code == 200
    assert result.json()["model"]["layer_sizes"] == [784, 12, 10]
    X = np.asarray(result.json()["input"], dtype=np.float64)[None, :] / 255
    np.testing.assert_allclose(result.json()["probabilities"], net.predict_proba(X)[0], rtol=1e-12)


def test_failed_run_reports_error(draw_model):
    """A run whose data cannot load ends failed, and the server keeps running."""
    def no_digits(samples, seed):
        raise OSError("digits file is missing")

    app = create_app(draw_model, load_digits=no_digits)
    with TestClient(app) as test_client:
        assert test_client.post("/api/train/start", json=SMALL_RUN).status_code == 202
        status = wait_for_run(test_client)
        assert status["state"] == "failed"
        assert status["error"] == "digits file is missing"
        assert test_client.post("/api/train/start", json=SMALL_RUN).status_code == 202
        wait_for_run(test_client)


# --- Step --------------------------------------------------------------------------------

def test_step_init_defaults(client):
    """The default step network is the lecture's 2-2-1 without biases, seeded W."""
    network = client.post("/api/step/init", json={}).json()["network"]
    expected = Network([2, 2, 1], bias=False, seed=0)
    assert network["layers"] == [2, 2, 1]
    assert network["bias"] is False
    assert network["b"] == [None, None, None]
    np.testing.assert_array_equal(network["W"][1], expected.W[1])
    np.testing.assert_array_equal(network["W"][2], expected.W[2])


@pytest.mark.parametrize("body, message", [
    ({"layers": [2]}, r"layers must be a list of 2 to 5 integers"),
    ({"layers": [2, 2, 2, 2, 2, 1]}, r"layers must be a list of 2 to 5 integers"),
    ({"layers": [2, 5, 1]}, r"each entry of layers must be an integer in \[1, 4\]; got 5"),
    ({"layers": [2, 0, 1]}, r"got 0"),
    ({"activation": "softmax"}, r"activation must be one of"),
    ({"cost": "cross_entropy", "output_activation": "linear"}, r"cost 'cross_entropy' needs"),
    ({"bias": "yes"}, r"bias must be true or false; got 'yes'"),
    ({"seed": 1.5}, r"seed must be an integer"),
    ({"sizes": [2, 1]}, r"unknown field\(s\) sizes"),
])
def test_step_init_rejects_bad_settings(client, body, message):
    """Step networks stay small and consistent."""
    answer = client.post("/api/step/init", json=body)
    assert answer.status_code == 400
    assert re.search(message, answer.json()["error"]), answer.json()


def test_step_matches_hand_computation(client):
    """One step on 2-2-1 sigmoid/quadratic equals the lecture's formulas computed by hand."""
    network = client.post("/api/step/init", json={}).json()["network"]
    x, y, alpha = np.array([1.0, 0.0]), np.array([1.0]), 0.5
    result = client.post("/api/step", json={"network": network, "x": x.tolist(), "y": y.tolist(),
                                            "learning_rate": alpha}).json()
    W1, W2 = np.array(network["W"][1]), np.array(network["W"][2])

    def f(z):
        return 1 / (1 + np.exp(-z))

    z2 = W1 @ x
    a2 = f(z2)
    z3 = W2 @ a2
    a3 = f(z3)
    delta3 = (a3 - y) * a3 * (1 - a3)       # delta^L = (a^L - y) f'(z^L)
    delta2 = a2 * (1 - a2) * (W2.T @ delta3)  # delta^l = f'(z^l) sum_j w_ji^l delta_j^{l+1}
    np.testing.assert_allclose(result["z"][2], z2, rtol=1e-12)
    np.testing.assert_allclose(result["a"][3], a3, rtol=1e-12)
    np.testing.assert_allclose(result["delta"][3], delta3, rtol=1e-12)
    np.testing.assert_allclose(result["delta"][2], delta2, rtol=1e-12)
    np.testing.assert_allclose(result["dJ_dW"][1], np.outer(delta2, x), rtol=1e-12)
    np.testing.assert_allclose(result["dJ_dW"][2], np.outer(delta3, a2), rtol=1e-12)
    np.testing.assert_allclose(result["after"]["W"][1], W1 - alpha * np.outer(delta2, x), rtol=1e-12)
    assert result["J"] == pytest.approx(0.5 * float(((a3 - y) ** 2).sum()), rel=1e-12)
    assert result["J_after"] < result["J"]
    assert result["before"]["W"] == network["W"]


def test_step_with_biases_matches_gradients(client):
    """With biases, dJ/db^l = delta^{l+1} and every gradient equals Network.gradients."""
    settings = {"layers": [3, 4, 2], "activation": "tanh", "output_activation": "softmax",
                "cost": "cross_entropy", "bias": True, "seed": 3}
    network = client.post("/api/step/init", json=settings).json()["network"]
    network["b"] = [None, [0.1, -0.2, 0.3, 0.0], [0.05, -0.05]]
    x, y = [0.5, -1.0, 2.0], [0.0, 1.0]
    result = client.post("/api/step", json={"network": network, "x": x, "y": y,
                                            "learning_rate": 0.1}).json()
    net = Network([3, 4, 2], activation="tanh", output_activation="softmax",
                  cost="cross_entropy", bias=True, seed=3)
    net.b = [None, np.array(network["b"][1]), np.array(network["b"][2])]
    dW, db = net.gradients(np.array([x]), np.array([y]))
    for l in (1, 2):
        np.testing.assert_allclose(result["dJ_dW"][l], dW[l], rtol=1e-12)
        np.testing.assert_allclose(result["dJ_db"][l], db[l], rtol=1e-12)
        np.testing.assert_allclose(result["delta"][l + 1], db[l], rtol=1e-12)
        np.testing.assert_allclose(result["after"]["b"][l], net.b[l] - 0.1 * db[l], rtol=1e-12)


def test_step_equals_trace_step(client):
    """The step view's numbers are those of bplab.trace.trace_step on the same network."""
    from bplab.trace import trace_step

    settings = {"layers": [2, 3, 2], "activation": "relu", "cost": "quadratic", "bias": True,
                "seed": 7}
    network = client.post("/api/step/init", json=settings).json()["network"]
    result = client.post("/api/step", json={"network": network, "x": [0.3, 0.9], "y": [1, 0],
                                            "learning_rate": 0.2}).json()
    net = Network([2, 3, 2], activation="relu", cost="quadratic", bias=True, seed=7)
    trace = trace_step(net, [0.3, 0.9], [1, 0], learning_rate=0.2)
    for key in ("z", "a", "delta", "dJ_dW", "dJ_db", "W_after", "J", "J_after"):
        assert result[key] == trace[key], key


def test_step_network_round_trips(client):
    """Sending the response's network back continues from the updated weights."""
    network = client.post("/api/step/init", json={}).json()["network"]
    body = {"network": network, "x": [1, 0], "y": [1], "learning_rate": 0.5}
    first = client.post("/api/step", json=body).json()
    second = client.post("/api/step", json={**body, "network": first["after"]}).json()
    assert second["before"]["W"] == first["after"]["W"]
    assert second["J"] == pytest.approx(first["J_after"], rel=1e-12)


def step_body(**changes):
    network = {"layers": [2, 2, 1], "activation": "sigmoid", "cost": "quadratic", "bias": False,
               "W": [None, [[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]], "b": [None, None, None]}
    body = {"network": network, "x": [1, 0], "y": [1], "learning_rate": 0.5}
    for key, value in changes.items():
        if key.startswith("network_"):
            network[key[len("network_"):]] = value
        else:
            body[key] = value
    return body


@pytest.mark.parametrize("body, message", [
    (step_body(x=[1]), r"x must be a list of 2 numbers; got \[1\]"),
    (step_body(x=[1, "a"]), r"each entry of x must be a finite number"),
    (step_body(x=[1, 1e6]), r"in \[-1000, 1000\]; got 1000000"),
    (step_body(y=[1, 0]), r"y must be a list of 1 numbers"),
    (step_body(learning_rate=0), r"learning_rate must be in \(0.0, 100.0\]; got 0"),
    (step_body(learning_rate=None), r"learning_rate must be a finite number"),
    (step_body(network="2-2-1"), r"network must be an object"),
    (step_body(network_W=[None, [[0.1, 0.2]], [[0.5, 0.6]]]), r"W\^1 must be a list of 2 rows"),
    (step_body(network_W=[None, [[0.1, 0.2], [0.3]], [[0.5, 0.6]]]), r"W\^1 row 2 must be a list of 2"),
    (step_body(network_W=None), r"W\^1 must be a list of 2 rows"),
    (step_body(network_bias=True), r"b\^1 must be a list of 2 numbers; got None"),
    (step_body(network_layers=[2, 9, 1]), r"got 9"),
    (step_body(network_momentum=0.9), r"unknown field\(s\) momentum"),
    (step_body(alpha=0.5), r"unknown field\(s\) alpha"),
])
def test_step_rejects_bad_input(client, body, message):
    """Bad step requests get 400 naming the field."""
    answer = client.post("/api/step", json=body)
    assert answer.status_code == 400
    assert re.search(message, answer.json()["error"]), answer.json()


def test_step_rejects_non_finite_weight(client):
    """NaN in W (which Python's JSON reader accepts) is rejected, not propagated."""
    text = json.dumps(step_body()).replace("0.4", "NaN")
    answer = client.post("/api/step", content=text.encode(),
                         headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        "each entry of W^1 row 2 must be a finite number in [-1000, 1000]; got nan"
    )


# --- The bplab serve command -------------------------------------------------------------

def save_draw_model(path, model):
    from bplab.model_io import save_model

    save_model(path, model.net, preprocessing=model.preprocessing.to_dict(),
               arrays=model.preprocessing.to_arrays())


def test_model_file_draw_model_matches(tmp_path, draw_model):
    """A saved and reloaded draw network gives the same probabilities for the same drawing."""
    from bplab.web.models import load_draw_model

    path = tmp_path / "digits.npz"
    save_draw_model(path, draw_model)
    loaded = load_draw_model(path)
    assert loaded.source == f"model file {path}"
    expected = draw_model.predict(one_image())
    result = loaded.predict(one_image())
    assert result["probabilities"] == expected["probabilities"]
    assert result["prediction"] == 1


def test_serve_command_serves_model_file(tmp_path, draw_model):
    """`bplab serve --model FILE --port 0` prints its address, serves there, stops on Ctrl-C."""
    import signal
    import subprocess
    import sys
    import urllib.request

    path = tmp_path / "digits.npz"
    save_draw_model(path, draw_model)
    process = subprocess.Popen(
        [sys.executable, "-m", "bplab", "serve", "--model", str(path), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(2)]
        assert lines[0] == f"draw network: model file {path}\n"
        match = re.fullmatch(r"bplab serve: (http://127\.0\.0\.1:\d+/) \(press Ctrl-C to stop\)\n",
                             lines[1])
        assert match, lines
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(match.group(1) + "api/info", timeout=5) as answer:
                    info = json.load(answer)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer within 20 s"
                time.sleep(0.1)
        assert info["model"]["layer_sizes"] == [784, 30, 10]
        assert info["model"]["source"] == f"model file {path}"
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert out == "bplab serve: stopped\n"


def test_serve_command_rejects_non_digit_model(tmp_path, capsys):
    """A model without 784 inputs is rejected before the server starts."""
    from bplab.cli import main
    from bplab.model_io import save_model

    path = tmp_path / "xor.npz"
    save_model(path, Network([2, 2, 1], seed=0))
    assert main(["serve", "--model", str(path), "--port", "0"]) == 1
    assert capsys.readouterr().err == (
        "bplab serve: error: the draw view needs a digit network with n_1 = 784 inputs "
        f"(28 x 28 pixels); model file {path} has n_1 = 2\n"
    )


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_serve_command_rejects_bad_port(port, capsys):
    """Ports outside 0..65535 are a usage error."""
    from bplab.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", port])
    assert exit_info.value.code == 2
    assert f"expected a port number 0..65535; got '{port}'" in capsys.readouterr().err
