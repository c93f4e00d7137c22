"""Prepare a person's own digit photo or drawing the way MNIST prepared its digits.

MNIST digits are light ink on a black background. Each was fitted into a 20x20 box with its
aspect ratio kept (anti-aliased), then placed in a 28x28 field with the centre of mass of the
ink at pixel (14, 14), counting rows and columns from 0. :func:`prepare_digit` repeats these steps
on any grey, RGB or RGBA array (for example the pixels of a web canvas), and
:func:`load_digit_image` does the same for a PNG or JPEG file.

The background level is taken from the image border, so a photo of a digit on paper should show
paper all around the digit. Uneven lighting, shadows or several marks are not removed.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

SIZE = 28
BOX = 20
CENTRE = 14.0
# Ink below this fraction of the darkest stroke is treated as background (paper grain, JPEG
# noise, faint anti-aliasing).
NOISE_FRACTION = 0.1
# The ink must differ from the background by at least this many grey levels out of 255.
MIN_CONTRAST = 32
# Photos are shrunk to this many pixels on the longer side before processing.
MAX_SIDE = 1024


def load_digit_image(path):
    """Read a PNG or JPEG image of one digit and prepare it as an MNIST digit.

    Parameters
    ----------
    path : str or os.PathLike
        Image file in any format Pillow reads. Transparent pixels count as white paper.

    Returns
    -------
    ndarray of shape (784,), uint8
        28x28 pixels in row order, light ink on black, as in MNIST.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the file is not a readable image or shows no ink; the message names the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"image file not found: {path}")
    try:
        with Image.open(path) as image:
            image = _supported_mode(ImageOps.exif_transpose(image))
            # Area averaging cannot overshoot the 0..1 range of 16-bit images, unlike Lanczos.
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BOX)
            pixels = np.asarray(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError) as error:
        raise ValueError(f"{path}: cannot read the image ({error}); expected a PNG or JPEG") from None
    return prepare_digit(pixels, name=str(path))


def _supported_mode(image):
    """Convert a Pillow image to grey "L", "RGBA", or "F" scaled to 0..1 for 16-bit grey."""
    if image.mode.startswith("I"):
        # convert("L") would clip 16-bit values above 255 instead of rescaling them.
        levels = np.asarray(image.convert("I"), dtype=np.float32) / np.float32(65535)
        return Image.fromarray(np.clip(levels, 0.0, 1.0))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "L")


def prepare_digit(image, name="image"):
    """Convert a picture of one digit to an MNIST-style 28x28 image.

    The steps are: grey scale (alpha composited on white), inversion if the background is light,
    removal of the background level, and a crop to the ink. The crop is then resized into 20x20
    (anti-aliased, aspect ratio kept) and shifted so that its centre of mass is at pixel (14, 14).

    Parameters
    ----------
    image : array_like of shape (h, w), (h, w, 1), (h, w, 2), (h, w, 3) or (h, w, 4)
        Grey, grey+alpha, RGB or RGBA pixels. Integer values are 0..255; float values 0..1.
    name : str, default "image"
        How error messages refer to the picture (a file name, for example).

    Returns
    -------
    ndarray of shape (784,), uint8

    Raises
    ------
    ValueError
        If the array has an unsupported shape or range, or shows no ink.
    """
    grey = _to_grey(np.asarray(image), name)
    ink = _ink(grey, name)
    box = _crop_to_ink(ink)
    patch = _fit_box(box)
    return _centre(patch).reshape(-1)


def _to_grey(pixels, name):
    """Return grey levels 0..255 (0 = black) as float64 of shape (h, w)."""
    if pixels.ndim == 3 and pixels.shape[2] in (1, 2, 3, 4):
        channels = pixels.shape[2]
    elif pixels.ndim == 2:
        channels = 0
    else:
        raise ValueError(
            f"{name}: expected pixels of shape (h, w) or (h, w, channels) with 1 to 4 channels, "
            f"got {pixels.shape}"
        )
    if pixels.size == 0:
        raise ValueError(f"{name}: the image has no pixels (shape {pixels.shape})")
    values = _to_levels(pixels, name)
    if channels == 0:
        return values

    alpha = None
    if channels in (2, 4):
        alpha = values[..., -1] / 255.0
        values = values[..., :-1]
    if values.shape[2] == 3:
        # ITU-R 601-2 luma, the weights Pillow's convert("L") uses.
        grey = values @ np.array([0.299, 0.587, 0.114])
    else:
        grey = values[..., 0]
    if alpha is not None:
        # Composite on a background that contrasts with the ink: white for dark strokes, black
        # for light strokes (white ink on a transparent canvas would vanish on white).
        weight = alpha.sum()
        ink_level = (grey * alpha).sum() / weight if weight > 0 else 0.0
        background = 0.0 if ink_level > 127.5 else 255.0
        grey = grey * alpha + background * (1.0 - alpha)
    return grey


def _to_levels(pixels, name):
    """Return the pixel values as float64 on the 0..255 scale."""
    if pixels.dtype == np.bool_:
        return pixels.astype(np.float64) * 255.0
    if pixels.dtype.kind in "iu":
        if pixels.min() < 0 or pixels.max() > 255:
            raise ValueError(
                f"{name}: integer pixel values must lie in 0..255, got {pixels.min()}..{pixels.max()}"
            )
        return pixels.astype(np.float64)
    if pixels.dtype.kind == "f":
        if not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 1:
            raise ValueError(
                f"{name}: float pixel values must lie in 0..1, got {pixels.min()}..{pixels.max()}"
            )
        return pixels.astype(np.float64) * 255.0
    raise ValueError(f"{name}: unsupported pixel type {pixels.dtype}; expected integers or floats")


def _ink(grey, name):
    """Return ink strength 0..255 on a zero background, inverting dark-on-light pictures."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    background = np.median(border)
    dark_ink = background - grey
    light_ink = grey - background
    ink = dark_ink if background > 127.5 else light_ink
    if ink.max() < MIN_CONTRAST:
        # Mid-grey paper in dim light can be darker than 127.5 and still carry dark ink.
        ink = light_ink if ink is dark_ink else dark_ink
    np.clip(ink, 0.0, None, out=ink)

    peak = ink.max()
    if peak < MIN_CONTRAST:
        raise ValueError(
            f"{name}: no digit found; every pixel is within {MIN_CONTRAST} grey levels of the "
            f"background ({background:.0f}). Draw or photograph the digit with more contrast"
        )
    ink *= 255.0 / peak
    ink[ink < NOISE_FRACTION * 255.0] = 0.0
    return ink


def _crop_to_ink(ink):
    """Return the smallest rectangle that contains all ink."""
    rows = np.flatnonzero(ink.any(axis=1))
    columns = np.flatnonzero(ink.any(axis=0))
    return ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]


def _fit_box(box):
    """Resize the ink so its longer side is 20 pixels, keeping the aspect ratio."""
    height, width = box.shape
    factor = BOX / max(height, width)
    new_height = max(1, round(height * factor))
    new_width = max(1, round(width * factor))
    image = Image.fromarray(box.astype(np.float32))
    # Area averaging when shrinking is the anti-aliasing, and unlike Lanczos it adds no ringing
    # beside sharp strokes. Bilinear interpolation when enlarging a tiny drawing.
    shrinking = factor < 1
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    resized = image.resize((new_width, new_height), method)
    return np.clip(np.asarray(resized, dtype=np.float64), 0.0, 255.0)


def _centre(patch):
    """Place the patch in a 28x28 field with its centre of mass at (14, 14), as uint8."""
    height, width = patch.shape
    total = patch.sum()
    row_centre = (patch.sum(axis=1) @ np.arange(height)) / total
    column_centre = (patch.sum(axis=0) @ np.arange(width)) / total

    # Whole-pixel shifts keep strokes sharp. The clamp keeps all ink inside the field, so for
    # very lopsided shapes the centre of mass can end up more than half a pixel from (14, 14).
    top = min(max(round(CENTRE - row_centre), 0), SIZE - height)
    left = min(max(round(CENTRE - column_centre), 0), SIZE - width)
    field = np.zeros((SIZE, SIZE))
    field[top:top + height, left:left + width] = patch
    return np.rint(field).astype(np.uint8)
