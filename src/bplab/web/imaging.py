"""Images in and out of the web API: decoding a drawn digit and drawing first-layer weights.

A drawing arrives either as a PNG data URL (what ``canvas.toDataURL()`` gives) or as a 2-D
array of grey values in [0, 255]. Both become a 2-D uint8 array for
``bplab.data.images.prepare_digit``. Only PNG is accepted, because that is what a canvas
produces and it keeps the decoder surface small.
"""

import base64
import binascii
import io
import math
import numbers

import numpy as np
from PIL import Image

from bplab.web.checks import MAX_IMAGE_SIDE, MIN_IMAGE_SIDE, RequestError

PNG_PREFIX = "data:image/png;base64,"
MAX_WEIGHT_TILES = 100


def decode_png_data_url(text):
    """Decode a PNG data URL into a 2-D uint8 grey array (transparent pixels count as black)."""
    if not isinstance(text, str) or not text.startswith(PNG_PREFIX):
        raise RequestError(f"image must be a string starting with {PNG_PREFIX!r}; got {_start(text)}")
    try:
        data = base64.b64decode(text[len(PNG_PREFIX):], validate=True)
    except (binascii.Error, ValueError) as error:
        raise RequestError(f"image is not valid base64: {error}") from None
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG":
            raise RequestError(f"image must be a PNG; got {image.format}")
        # Checking the declared size before decoding keeps a tiny file from expanding into a
        # huge pixel buffer.
        _check_side_lengths(image.width, image.height)
        image.load()
    except RequestError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise RequestError(f"image could not be decoded as a PNG: {error}") from None

    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return np.asarray(image.convert("L"), dtype=np.uint8)


def pixels_to_array(pixels):
    """Check a JSON 2-D list of grey values in [0, 255] and return it as a uint8 array."""
    if not isinstance(pixels, list) or not pixels or not isinstance(pixels[0], list):
        raise RequestError("pixels must be a non-empty 2-D list of grey values (rows of numbers)")
    height, width = len(pixels), len(pixels[0])
    _check_side_lengths(width, height)
    for row in pixels:
        if not isinstance(row, list) or len(row) != width:
            raise RequestError(f"pixels must be rectangular: every row needs {width} values")
        for value in row:
            is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not is_number or not math.isfinite(value) or not 0 <= value <= 255:
                raise RequestError(f"pixels values must be numbers in [0, 255]; got {value!r}")
    return np.rint(np.asarray(pixels, dtype=np.float64)).astype(np.uint8)


def weights_mosaic_png(W1, side=28, max_tiles=MAX_WEIGHT_TILES):
    """Draw the first rows of W^1 as side x side tiles in one grey PNG and return its bytes.

    Row j of W^1 contains the weights w_ji^1 from every input pixel i into hidden neuron j, so
    it reshapes to an image. Each tile is scaled by its own max |w|: mid-grey is 0, white is
    the largest positive weight, black the most negative.
    """
    rows = W1[:max_tiles]
    count = rows.shape[0]
    columns = math.ceil(math.sqrt(count))
    tile_rows = math.ceil(count / columns)
    gap = 1
    canvas = np.full(
        (tile_rows * (side + gap) + gap, columns * (side + gap) + gap), 40, dtype=np.uint8
    )
    for j, weights in enumerate(rows):
        scale = float(np.max(np.abs(weights))) or 1.0
        tile = np.clip(127.5 + 127.5 * weights / scale, 0, 255).astype(np.uint8)
        top = gap + (j // columns) * (side + gap)
        left = gap + (j % columns) * (side + gap)
        canvas[top : top + side, left : left + side] = tile.reshape(side, side)
    buffer = io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def _check_side_lengths(width, height):
    """Reject images whose sides are outside [MIN_IMAGE_SIDE, MAX_IMAGE_SIDE]."""
    for name, value in (("width", width), ("height", height)):
        if not MIN_IMAGE_SIDE <= value <= MAX_IMAGE_SIDE:
            raise RequestError(
                f"image {name} must be in [{MIN_IMAGE_SIDE}, {MAX_IMAGE_SIDE}] pixels; got {value}"
            )


def _start(value, limit=40):
    """Return the start of ``value`` for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
