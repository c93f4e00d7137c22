"""End-to-end tests of the ``bplab serve`` page in headless Chromium, driven by Playwright.

They start the real server with uvicorn on 127.0.0.1 and an ephemeral port, and use Debian's
``/usr/bin/chromium`` (Playwright's own browser downloads are not used). With
BPLAB_SCREENSHOTS=1 they also save docs/screenshots/draw.png, train.png and step.png.
"""

import json
import os
import socket
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
uvicorn = pytest.importorskip("uvicorn", reason="the web extra (uvicorn) is not installed")
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed; run: pip install playwright"
)

import bplab  # noqa: E402
from bplab.network import Network  # noqa: E402
from bplab.web import create_app  # noqa: E402
from bplab.web.models import DrawModel, build_training_network, load_training_digits  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
VIEWPORT = {"width": 1500, "height": 900}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason=f"{CHROMIUM} not found; install Debian's chromium package "
                              "(bash .ci/browser-setup)"),
    pytest.mark.filterwarnings("ignore::bplab.training.TrainingInterrupted"),
]


@pytest.fixture(scope="module")
def server_url():
    """Serve a quickly trained 784-30-10 digit network with uvicorn in a thread."""
    X, labels, preprocessing = load_training_digits(2000, 0)
    net = build_training_network({"hidden": [30], "activation": "sigmoid",
                                  "output_activation": "softmax", "cost": "cross_entropy",
                                  "seed": 0})
    bplab.train(net, X, labels, algorithm="minibatch", batch_size=10, learning_rate=0.5,
                epochs=3, seed=0)
    model = DrawModel(net, preprocessing, "784-30-10 network trained on 2000 bundled digits")
    app = create_app(model)

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during start-up"
        assert time.monotonic() < deadline, "uvicorn did not start within 20 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    app.state.training.join(timeout=30)
    thread.join(timeout=10)
    listener.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, server_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def open_view(page, server_url, view):
    page.goto(f"{server_url}#{view}")
    page.wait_for_selector("body[data-ready=true]")


def save_screenshot(page, name):
    if os.environ.get("BPLAB_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def stroke(page, points, steps=8):
    """Draw one stroke through ``points`` (pad pixels) with mouse moves."""
    box = page.locator("#pad").bounding_box()
    x0, y0 = box["x"], box["y"]
    page.mouse.move(x0 + points[0][0], y0 + points[0][1])
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(x0 + x, y0 + y, steps=steps)
    page.mouse.up()


def post_json(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_draw_one_is_predicted_one(page, server_url):
    """A '1' drawn in two strokes is shown as the 28 x 28 input and classified as 1."""
    open_view(page, server_url, "draw")
    stroke(page, [(132, 64), (150, 45)])
    page.wait_for_function("Number(document.body.dataset.predictions || 0) >= 1")
    stroke(page, [(150, 45), (150, 150), (150, 240)])
    page.wait_for_function("Number(document.body.dataset.predictions || 0) >= 2")

    assert page.inner_text("#prediction") == "1"
    shares = [float(value) for value in
              page.locator(".bar-value").evaluate_all("cells => cells.map(c => c.dataset.probability)")]
    assert len(shares) == 10
    assert sum(shares) == pytest.approx(1.0, abs=1e-9)
    assert max(shares) == shares[1]
    assert shares[1] > 0.5

    # The input canvas shows what the server computed for this very drawing.
    drawing = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
    expected = post_json(server_url + "api/predict", {"image": drawing})["input"]
    shown = page.evaluate("""() => {
        const data = document.getElementById('seen').getContext('2d').getImageData(0, 0, 168, 168).data;
        const pixels = [];
        for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) pixels.push(data[4 * ((6 * r + 3) * 168 + 6 * c + 3)]);
        return pixels;
    }""")
    assert shown == expected
    hidden_squares = page.evaluate("document.getElementById('hidden').height")
    assert hidden_squares == 18 * 1  # 30 neurons fit in one row of 18-pixel squares
    save_screenshot(page, "draw.png")

    page.click("#clear")
    assert page.inner_text("#prediction") == "–"


def test_training_streams_epochs(page, server_url):
    """Starting a short run from the form shows its epochs arriving one by one."""
    open_view(page, server_url, "train")
    page.fill("input[name=hidden]", "16")
    page.fill("input[name=epochs]", "4")
    page.fill("input[name=samples]", "1500")
    page.click("#train-start")
    page.wait_for_function(
        "Number(document.getElementById('train-form').dataset.epochs || 0) >= 2", timeout=60_000
    )
    status = page.inner_text("#train-status")
    assert status.startswith("Run 1: ")
    assert "J = " in status

    page.wait_for_selector("#train-form[data-state=finished]", timeout=60_000)
    assert page.inner_text("#train-status").startswith("Run 1: finished, epoch 4/4")
    page.wait_for_function("document.getElementById('weights').complete"
                           " && document.getElementById('weights').naturalWidth > 0")
    width = page.evaluate("document.getElementById('weights').naturalWidth")
    assert width == 4 * 29 + 1  # 16 rows of W^1 as a 4 x 4 grid of 28-pixel tiles
    save_screenshot(page, "train.png")

    page.click("#train-use")
    page.wait_for_selector("#view-draw.active")
    assert page.input_value("#draw-model") == "trained"


def test_step_shows_delta_of_one_bp_step(page, server_url):
    """Pressing Step shows delta_1^2 equal to dJ/db^1 of Network.gradients on the same weights."""
    open_view(page, server_url, "step")
    page.wait_for_selector("#graph rect")
    page.click("#step-run")
    page.wait_for_selector("#step-form[data-steps='1']")

    label = page.locator("#graph text[data-symbol=delta][data-layer='2'][data-index='1']")
    value = float(label.get_attribute("data-value"))
    # The page's default network: 2-2-1, sigmoid, quadratic J, seed 0, x = (1, 0), y = 1.
    # With zero biases the weights match, and dJ/db^1 = delta^2 for one sample.
    reference = Network([2, 2, 1], bias=True, seed=0)
    _, db = reference.gradients(np.array([[1.0, 0.0]]), np.array([[1.0]]))
    assert value == pytest.approx(db[1][0], rel=1e-12)
    assert label.text_content() == f"δ12 = {db[1][0]:.4g}"
    assert page.inner_text("#step-status").startswith("Step 1: J = ")

    gradient = page.locator("#graph text[data-symbol=dW][data-layer='2'][data-index='12']")
    dW, _ = reference.gradients(np.array([[1.0, 0.0]]), np.array([[1.0]]))
    assert float(gradient.get_attribute("data-value")) == pytest.approx(dW[2][0][1], rel=1e-12)
    save_screenshot(page, "step.png")


def test_page_numbers_use_trace_format(page, server_url):
    """The page prints numbers as `bplab trace` does, with Python's "%.4g"."""
    open_view(page, server_url, "step")
    values = [0.0, -0.0, 1.0, 0.5, -0.007748, 0.012053252, 12345.678, 9.99996, 0.00012345,
              0.000012345, -3.5e-9, 2.0e10, 0.1 + 0.2, -99999.5, 1e-4, 9.9995e-5,
              # Exact ties: Python rounds these to even, JavaScript's toPrecision away from 0.
              1234.5, 1235.5, -0.03125, 1.0625, 2.5e-7]
    shown = page.evaluate(
        "async (values) => { const common = await import('/static/common.js');"
        " return values.map((value) => common.fmt(value)); }",
        values,
    )
    assert shown == [("0" if f"{v:.4g}" == "-0" else f"{v:.4g}") for v in values]
