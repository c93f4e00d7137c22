"""Validation of the web API's JSON requests: types, sizes and numeric ranges.

Every check raises ``RequestError`` with an HTTP status and a message that names the field, the
value received and what is allowed, so that the server can respond with ``{"error": message}``
and keep running. The limits keep one request cheap. They are round numbers, not measured on
any particular hardware.
"""

import math
import numbers

from bplab.web.models import (
    ALGORITHMS, COST_NAMES, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS, TRAIN_DEFAULTS,
)
from bplab.web.stepper import STEP_DEFAULTS

# Request bodies and images.
MAX_BODY_BYTES = 4 * 1024 * 1024
MIN_IMAGE_SIDE = 8
MAX_IMAGE_SIDE = 1024

# Training on the bundled digits.
MAX_HIDDEN_LAYERS = 4
MAX_HIDDEN_SIZE = 1000
MAX_EPOCHS = 500
MAX_LEARNING_RATE = 100.0
MIN_SAMPLES = 100
MAX_SEED = 2**32 - 1

# The step view's small network, which must stay readable as a graph.
MIN_STEP_LAYERS = 2
MAX_STEP_LAYERS = 5
MAX_STEP_NEURONS = 4
MAX_STEP_VALUE = 1000.0


class RequestError(Exception):
    """A request that the server rejects, with the HTTP status of the response."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def require_object(body):
    """Check that the decoded JSON body is an object and return it."""
    if not isinstance(body, dict):
        raise RequestError(f"the request body must be a JSON object; got {type(body).__name__}")
    return body


def reject_unknown(body, allowed):
    """Reject fields that the endpoint does not know, so that typos do not pass silently."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise RequestError(
            f"unknown field(s) {', '.join(unknown)}; allowed fields: {', '.join(sorted(allowed))}"
        )


def integer(body, name, default, low, high):
    """Return ``body[name]`` as an int in [low, high], or ``default`` when it is missing."""
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise RequestError(f"{name} must be an integer in [{low}, {high}]; got {value!r}")
    if not low <= value <= high:
        raise RequestError(f"{name} must be in [{low}, {high}]; got {value}")
    return int(value)


def number(body, name, default, low, high, low_open=False):
    """Return ``body[name]`` as a finite float in [low, high] (or (low, high])."""
    value = body.get(name, default)
    interval = f"{'(' if low_open else '['}{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise RequestError(f"{name} must be a finite number in {interval}; got {value!r}")
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        raise RequestError(f"{name} must be in {interval}; got {value}")
    return float(value)


def choice(body, name, default, choices):
    """Return ``body[name]`` if it is one of ``choices``."""
    value = body.get(name, default)
    if value not in choices:
        raise RequestError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def boolean(body, name, default):
    """Return ``body[name]`` if it is a JSON true or false."""
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise RequestError(f"{name} must be true or false; got {value!r}")
    return value


def integer_list(body, name, default, min_length, max_length, low, high):
    """Return ``body[name]`` as a list of ints, each in [low, high]."""
    value = body.get(name, default)
    if not isinstance(value, list) or not min_length <= len(value) <= max_length:
        raise RequestError(
            f"{name} must be a list of {min_length} to {max_length} integers; got {value!r}"
        )
    for item in value:
        if isinstance(item, bool) or not isinstance(item, numbers.Integral) or not low <= item <= high:
            raise RequestError(
                f"each entry of {name} must be an integer in [{low}, {high}]; got {item!r}"
            )
    return [int(item) for item in value]


def vector(value, name, length, bound=MAX_STEP_VALUE):
    """Return ``value`` as a list of ``length`` finite floats with absolute value <= bound."""
    if not isinstance(value, list) or len(value) != length:
        raise RequestError(f"{name} must be a list of {length} numbers; got {value!r}")
    for item in value:
        is_number = isinstance(item, numbers.Real) and not isinstance(item, bool)
        if not is_number or not math.isfinite(item) or abs(item) > bound:
            raise RequestError(
                f"each entry of {name} must be a finite number in [-{bound:g}, {bound:g}]; "
                f"got {item!r}"
            )
    return [float(item) for item in value]


def matrix(value, name, rows, columns, bound=MAX_STEP_VALUE):
    """Return ``value`` as a rows x columns list of lists of bounded finite floats."""
    if not isinstance(value, list) or len(value) != rows:
        raise RequestError(
            f"{name} must be a list of {rows} rows of {columns} numbers; got {_short(value)}"
        )
    return [vector(row, f"{name} row {i + 1}", columns, bound) for i, row in enumerate(value)]


def training_settings(body):
    """Validate a training start request and return its settings, defaults filled in.

    The defaults come from ``TRAIN_DEFAULTS``. The batch size is 1 for online BP and None (all
    samples) for batch BP, whatever batch_size the request contains.
    """
    reject_unknown(body, tuple(TRAIN_DEFAULTS))
    defaults = TRAIN_DEFAULTS
    settings = {
        "hidden": integer_list(body, "hidden", defaults["hidden"], 0, MAX_HIDDEN_LAYERS,
                               1, MAX_HIDDEN_SIZE),
        "activation": choice(body, "activation", defaults["activation"], HIDDEN_ACTIVATIONS),
        "output_activation": choice(body, "output_activation", defaults["output_activation"],
                                    OUTPUT_ACTIVATIONS),
        "cost": choice(body, "cost", defaults["cost"], COST_NAMES),
        "algorithm": choice(body, "algorithm", defaults["algorithm"], ALGORITHMS),
        "learning_rate": number(body, "learning_rate", defaults["learning_rate"], 0.0,
                                MAX_LEARNING_RATE, low_open=True),
        "epochs": integer(body, "epochs", defaults["epochs"], 1, MAX_EPOCHS),
        "samples": integer(body, "samples", defaults["samples"], MIN_SAMPLES,
                           defaults["samples"]),
        "seed": integer(body, "seed", defaults["seed"], 0, MAX_SEED),
        "validation_split": number(body, "validation_split", defaults["validation_split"],
                                   0.0, 0.5),
    }
    batch_size = integer(body, "batch_size", defaults["batch_size"], 1, settings["samples"])
    settings["batch_size"] = {"online": 1, "batch": None}.get(settings["algorithm"], batch_size)
    return settings


def step_settings(body):
    """Validate the step view's network settings and return them, defaults filled in."""
    output = body.get("output_activation", STEP_DEFAULTS["output_activation"])
    return {
        "layers": integer_list(body, "layers", STEP_DEFAULTS["layers"], MIN_STEP_LAYERS,
                               MAX_STEP_LAYERS, 1, MAX_STEP_NEURONS),
        "activation": choice(body, "activation", STEP_DEFAULTS["activation"],
                             HIDDEN_ACTIVATIONS),
        "output_activation": None if output is None else choice(
            body, "output_activation", None, OUTPUT_ACTIVATIONS),
        "cost": choice(body, "cost", STEP_DEFAULTS["cost"], COST_NAMES),
        "bias": boolean(body, "bias", STEP_DEFAULTS["bias"]),
        "seed": integer(body, "seed", STEP_DEFAULTS["seed"], 0, MAX_SEED),
    }


def _short(value, limit=80):
    """Return repr(value) cut to ``limit`` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
