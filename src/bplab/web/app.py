"""The ``bplab serve`` web application: a drawing pad, live training and a single BP step.

``create_app`` returns a FastAPI application that serves the static page from
``bplab/web/static`` and a small JSON API under ``/api``. Every API error gets the response
``{"error": message}`` with a 4xx status (5xx only for a bug) and one log line.
The server keeps no per-user state: the step view sends its network with every request, and
the one training run is shared by everyone who opens the page.
"""

import logging
import os
import tempfile
from contextlib import asynccontextmanager
from importlib import resources
from json import JSONDecodeError, loads

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from bplab.web import checks, stepper
from bplab.web.checks import RequestError
from bplab.web.imaging import decode_png_data_url, pixels_to_array
from bplab.web.models import (
    ALGORITHMS, COST_NAMES, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, TRAIN_DEFAULTS, DrawModel,
    build_training_network, load_training_digits,
)
from bplab.web.training_run import TrainingRun

logger = logging.getLogger("bplab.web")

STATIC_DIR = resources.files("bplab.web") / "static"


def create_app(draw_model, load_digits=load_training_digits):
    """Create the web application.

    Parameters
    ----------
    draw_model : DrawModel
        The draw view's default network: from a model file or trained at start-up.
    load_digits : callable, default ``load_training_digits``
        ``load_digits(samples, seed) -> (X, labels, preprocessing)`` for training runs.

    Returns
    -------
    fastapi.FastAPI
        ``app.state.training`` is the server's ``TrainingRun``.
    """
    training = TrainingRun(load_digits)

    @asynccontextmanager
    async def lifespan(app):
        yield
        # A run stops after its current epoch. The thread is a daemon, so a longer epoch
        # cannot keep the process alive after this wait.
        training.join(timeout=10)

    app = FastAPI(title="bplab", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)
    app.state.training = training
    app.state.draw_model = draw_model
    _add_error_handlers(app)

    @app.get("/", include_in_schema=False)
    async def index():
        return FileResponse(str(STATIC_DIR / "index.html"))

    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    @app.get("/api/info")
    async def info():
        return {
            "model": draw_model.describe(),
            "choices": {
                "activation": HIDDEN_ACTIVATIONS,
                "output_activation": OUTPUT_ACTIVATIONS,
                "cost": COST_NAMES,
                "algorithm": ALGORITHMS,
            },
            "train_defaults": TRAIN_DEFAULTS,
            "step_defaults": stepper.STEP_DEFAULTS,
            "limits": {
                "max_hidden_layers": checks.MAX_HIDDEN_LAYERS,
                "max_hidden_size": checks.MAX_HIDDEN_SIZE,
                "max_epochs": checks.MAX_EPOCHS,
                "max_learning_rate": checks.MAX_LEARNING_RATE,
                "max_step_layers": checks.MAX_STEP_LAYERS,
                "max_step_neurons": checks.MAX_STEP_NEURONS,
            },
        }

    @app.post("/api/predict")
    async def predict(request: Request):
        body = await _read_json(request)
        checks.reject_unknown(body, ("image", "pixels", "model"))
        source = checks.choice(body, "model", "default", ("default", "trained"))
        model = draw_model if source == "default" else _trained_draw_model(training)
        if ("image" in body) == ("pixels" in body):
            raise RequestError("give exactly one of image (a PNG data URL) or pixels (a 2-D list)")
        if "image" in body:
            grey = decode_png_data_url(body["image"])
        else:
            grey = pixels_to_array(body["pixels"])
        try:
            return model.predict(grey)
        except ValueError as error:
            raise RequestError(str(error), status=422) from None

    @app.post("/api/train/start", status_code=202)
    async def train_start(request: Request):
        body = await _read_json(request)
        settings = checks.training_settings(body)
        try:
            build_training_network(settings)
        except ValueError as error:
            raise RequestError(str(error)) from None
        run_id = training.start(settings, lambda: build_training_network(settings))
        return {"run": run_id, "state": "running", "settings": settings}

    @app.post("/api/train/stop")
    async def train_stop():
        if not training.stop():
            raise RequestError("no training run is active; start one first", status=409)
        return {"run": training.run_id, "state": "stopping"}

    @app.get("/api/train/status")
    async def train_status(since: str = "0"):
        try:
            start = int(since)
        except ValueError:
            raise RequestError(f"since must be a whole number of epochs; got {since!r}") from None
        if start < 0:
            raise RequestError(f"since must be >= 0; got {start}")
        return training.status(start)

    @app.get("/api/train/weights.png")
    async def train_weights():
        picture = training.weights_png
        if picture is None:
            raise RequestError("no first-layer weights yet: train for at least one epoch", 409)
        return Response(picture, media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/api/train/model")
    async def train_model():
        snapshot = training.snapshot()
        if snapshot is None:
            raise RequestError("no trained network yet: train for at least one epoch", 409)
        net, preprocessing, settings, history = snapshot
        data = _model_file_bytes(net, preprocessing, settings, history)
        sizes = "-".join(str(n) for n in net.layer_sizes)
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"Content-Disposition": f'attachment; filename="digits-{sizes}.npz"'},
        )

    @app.post("/api/step/init")
    async def step_init(request: Request):
        body = await _read_json(request)
        checks.reject_unknown(body, tuple(stepper.STEP_DEFAULTS))
        settings = checks.step_settings(body)
        return {"network": stepper.describe_network(_build_step_network(settings))}

    @app.post("/api/step")
    async def step(request: Request):
        body = await _read_json(request)
        checks.reject_unknown(body, ("network", "x", "y", "learning_rate"))
        network = body.get("network")
        if not isinstance(network, dict):
            raise RequestError("network must be an object as returned by /api/step/init")
        checks.reject_unknown(network, tuple(stepper.STEP_DEFAULTS) + ("W", "b"))
        settings = checks.step_settings(network)
        n = settings["layers"]
        W = [None] + [
            checks.matrix(_layer_entry(network, "W", l), f"W^{l}", n[l], n[l - 1])
            for l in range(1, len(n))
        ]
        b = None
        if settings["bias"]:
            b = [None] + [
                checks.vector(_layer_entry(network, "b", l), f"b^{l}", n[l])
                for l in range(1, len(n))
            ]
        x = checks.vector(body.get("x"), "x", n[0])
        y = checks.vector(body.get("y"), "y", n[-1])
        learning_rate = checks.number(body, "learning_rate", 0.5, 0.0, checks.MAX_LEARNING_RATE,
                                      low_open=True)
        net = _build_step_network(settings, W, b)
        try:
            return stepper.bp_step(net, np.array(x), np.array(y), learning_rate)
        except ValueError as error:
            raise RequestError(str(error)) from None

    return app


def _add_error_handlers(app):
    """Turn every error into a JSON response {"error": ...} and log it as one line."""

    @app.exception_handler(RequestError)
    async def request_error(request, error):
        logger.warning("%s %s -> %d: %s", request.method, request.url.path, error.status, error.message)
        return JSONResponse({"error": error.message}, status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request, error):
        logger.warning("%s %s -> %d: %s", request.method, request.url.path, error.status_code, error.detail)
        return JSONResponse({"error": str(error.detail)}, status_code=error.status_code)

    @app.middleware("http")
    async def internal_error(request, call_next):
        # The server must keep serving after a bug, so an unexpected exception becomes a 500
        # with one log line (and the traceback at debug level).
        try:
            return await call_next(request)
        except Exception as error:  # noqa: BLE001
            logger.error("%s %s -> 500: %s: %s", request.method, request.url.path,
                         type(error).__name__, error)
            logger.debug("traceback", exc_info=True)
            return JSONResponse({"error": f"internal error: {type(error).__name__}: {error}"},
                                status_code=500)


async def _read_json(request):
    """Read a JSON object body of at most MAX_BODY_BYTES."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > checks.MAX_BODY_BYTES:
        raise RequestError(
            f"request body of {declared} bytes is larger than the limit of "
            f"{checks.MAX_BODY_BYTES} bytes", status=413,
        )
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > checks.MAX_BODY_BYTES:
            raise RequestError(
                f"request body is larger than the limit of {checks.MAX_BODY_BYTES} bytes", status=413
            )
    try:
        body = loads(data)
    except (JSONDecodeError, UnicodeDecodeError) as error:
        raise RequestError(f"the request body is not valid JSON: {error}") from None
    return checks.require_object(body)


def _build_step_network(settings, W=None, b=None):
    """Build the step network, turning inconsistent settings into a 400 error."""
    try:
        return stepper.build_network(settings, W, b)
    except ValueError as error:
        raise RequestError(str(error)) from None


def _layer_entry(network, key, l):
    """Return network[key][l], or None when the list or its entry for layer l is missing."""
    value = network.get(key)
    return value[l] if isinstance(value, list) and len(value) > l else None


def _trained_draw_model(training):
    """Return the latest network of the training run as a DrawModel, or raise a 409 error."""
    snapshot = training.snapshot()
    if snapshot is None:
        raise RequestError("no trained network yet: train for at least one epoch", status=409)
    net, preprocessing, settings, history = snapshot
    return DrawModel(net, preprocessing, f"training run {training.run_id}, epoch {len(history)}")


def _model_file_bytes(net, preprocessing, settings, history):
    """Save the network with ``bplab.model_io.save_model`` to a temporary file and return its bytes."""
    from bplab.model_io import save_model

    folder = tempfile.mkdtemp(prefix="bplab-web-")
    path = os.path.join(folder, "model.npz")
    try:
        save_model(
            path,
            net,
            preprocessing=None if preprocessing is None else preprocessing.to_dict(),
            arrays=None if preprocessing is None else preprocessing.to_arrays(),
            training=settings,
            history=history,
        )
        with open(path, "rb") as file:
            return file.read()
    finally:
        for name in os.listdir(folder):
            os.remove(os.path.join(folder, name))
        os.rmdir(folder)
