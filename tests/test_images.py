"""Preparing a person's own digit pictures as MNIST does, on PNGs drawn here with Pillow."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from bplab.data.datasets import load_dataset
from bplab.data.images import load_digit_image, prepare_digit


def _centre_of_mass(digit):
    """Return the (row, column) centre of mass of a 784-pixel digit."""
    field = digit.reshape(28, 28).astype(np.float64)
    indices = np.arange(28)
    total = field.sum()
    return field.sum(axis=1) @ indices / total, field.sum(axis=0) @ indices / total


def _ink_box(digit):
    """Return (height, width) of the smallest box that contains all nonzero pixels."""
    field = digit.reshape(28, 28)
    rows = np.flatnonzero(field.any(axis=1))
    columns = np.flatnonzero(field.any(axis=0))
    return rows[-1] - rows[0] + 1, columns[-1] - columns[0] + 1


def _one_on_white(path, mode="L"):
    """Draw a thick dark vertical stroke, a '1', on white paper, off-centre, and save it."""
    image = Image.new(mode, (200, 300), "white")
    ImageDraw.Draw(image).rectangle([40, 40, 60, 260], fill="black")
    image.save(path)
    return path


def test_dark_one_on_white_is_inverted_and_fitted(tmp_path):
    """A black '1' on white becomes a light stroke on black, 20 pixels tall, centred."""
    digit = load_digit_image(_one_on_white(tmp_path / "one.png"))
    assert digit.shape == (784,)
    assert digit.dtype == np.uint8

    field = digit.reshape(28, 28)
    assert field[0, 0] == 0  # background is black
    assert field[27, 27] == 0
    assert field.max() == 255  # the stroke is full white
    height, width = _ink_box(digit)
    assert height == 20
    assert width <= 4  # 21x221 pixels scaled by 20/221 is about 2 wide, plus resampling edge
    row, column = _centre_of_mass(digit)
    assert abs(row - 14) <= 0.5
    assert abs(column - 14) <= 0.5


def test_off_centre_lopsided_blob_centred_by_mass(tmp_path):
    """A triangle in a corner: the longer side is 20 px and the centre of mass is at (14, 14)."""
    image = Image.new("L", (120, 100), 230)  # grey paper
    ImageDraw.Draw(image).polygon([(5, 5), (45, 5), (5, 65)], fill=40)
    path = tmp_path / "blob.png"
    image.save(path)

    digit = load_digit_image(path)
    height, width = _ink_box(digit)
    assert max(height, width) == 20
    assert height == 20  # the triangle is 61 tall and 41 wide
    row, column = _centre_of_mass(digit)
    assert abs(row - 14) <= 0.5
    assert abs(column - 14) <= 0.5

    # The mass lies near the right angle at the top left, so the box moves down and right.
    field = digit.reshape(28, 28)
    top = np.flatnonzero(field.any(axis=1))[0]
    left = np.flatnonzero(field.any(axis=0))[0]
    assert top > 4
    assert left > 4


def test_light_on_dark_not_inverted():
    """A picture that already is light-on-dark gives the same digit as its negative."""
    dark_on_light = np.full((60, 50), 255, dtype=np.uint8)
    dark_on_light[10:50, 20:28] = 0
    dark_on_light[10:16, 14:28] = 0
    np.testing.assert_array_equal(prepare_digit(255 - dark_on_light), prepare_digit(dark_on_light))


def test_transparent_canvas_composited_on_white():
    """Black strokes on a transparent RGBA canvas equal black strokes on white paper."""
    canvas = np.zeros((280, 280, 4), dtype=np.uint8)  # transparent black, as a web canvas starts
    canvas[60:220, 130:150] = (0, 0, 0, 255)
    paper = np.full((280, 280), 255, dtype=np.uint8)
    paper[60:220, 130:150] = 0
    np.testing.assert_array_equal(prepare_digit(canvas), prepare_digit(paper))


def test_rgb_and_float_inputs_agree():
    """RGB uint8 and grey float 0..1 versions of one picture give the same digit."""
    grey = np.full((40, 40), 255, dtype=np.uint8)
    grey[5:35, 18:23] = 0
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    expected = prepare_digit(grey)
    np.testing.assert_array_equal(prepare_digit(rgb), expected)
    np.testing.assert_array_equal(prepare_digit(grey / 255.0), expected)


def test_mnist_digit_nearly_unchanged():
    """A real MNIST digit, already prepared this way, comes back almost the same."""
    images, _ = load_dataset("digits", split="test")
    differences = []
    for original in images[:50]:
        prepared = prepare_digit(original.reshape(28, 28))
        differences.append(np.abs(prepared.astype(int) - original.astype(int)).mean())
    # Mean absolute change per pixel in grey levels out of 255; faint edge pixels below 10 % of
    # the peak are cleared and the box may be rescaled by a pixel.
    assert np.median(differences) < 1.0


def test_jpeg_photo_like_input(tmp_path):
    """A JPEG of the stroke (with compression noise) still gives a 20-pixel, centred digit."""
    path = _one_on_white(tmp_path / "one.jpg", mode="RGB")
    digit = load_digit_image(path)
    assert _ink_box(digit)[0] == 20
    row, column = _centre_of_mass(digit)
    assert abs(row - 14) <= 0.5
    assert abs(column - 14) <= 0.5


def test_sixteen_bit_png(tmp_path):
    """A large 16-bit grey PNG is shrunk and rescaled, not clipped, so its stroke is found."""
    pixels = np.full((1300, 1100), 50000, dtype=np.uint16)
    pixels[100:1200, 500:600] = 2000
    path = tmp_path / "deep.png"
    Image.fromarray(pixels).save(path)
    digit = load_digit_image(path)
    assert _ink_box(digit)[0] == 20
    assert digit.max() == 255


def test_dim_grey_paper_with_dark_ink():
    """Paper darker than mid-grey (a dim photo) with darker ink still yields the stroke."""
    grey = np.full((40, 40), 110, dtype=np.uint8)
    grey[5:35, 18:22] = 10
    digit = prepare_digit(grey)
    assert _ink_box(digit)[0] == 20
    assert digit.reshape(28, 28)[0, 0] == 0


def test_missing_image(tmp_path):
    """A missing file raises FileNotFoundError naming it."""
    with pytest.raises(FileNotFoundError, match=r"image file not found: .*nothing\.png"):
        load_digit_image(tmp_path / "nothing.png")


def test_empty_image(tmp_path):
    """An all-white picture has no digit, and the error names the file."""
    path = tmp_path / "blank.png"
    Image.new("L", (64, 64), 255).save(path)
    with pytest.raises(ValueError, match=r"blank\.png: no digit found; every pixel is within 32 grey levels"):
        load_digit_image(path)


def test_corrupt_image(tmp_path):
    """Bytes that are not an image raise ValueError naming the file."""
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"not really a png")
    with pytest.raises(ValueError, match=r"broken\.png: cannot read the image"):
        load_digit_image(path)


@pytest.mark.parametrize(
    ("pixels", "message"),
    [
        (np.zeros((4, 4, 5), dtype=np.uint8), r"expected pixels of shape \(h, w\).*got \(4, 4, 5\)"),
        (np.full((4, 4), 2.0), r"float pixel values must lie in 0\.\.1, got 2\.0\.\.2\.0"),
        (np.full((4, 4), 300), r"integer pixel values must lie in 0\.\.255, got 300\.\.300"),
        (np.zeros((0, 5), dtype=np.uint8), r"the image has no pixels"),
    ],
    ids=["five-channels", "float-range", "integer-range", "no-pixels"],
)
def test_prepare_rejects_bad_arrays(pixels, message):
    """Unsupported shapes and value ranges are named in the error."""
    with pytest.raises(ValueError, match=message):
        prepare_digit(pixels, name="canvas")


@pytest.mark.parametrize("ink", [(255, 255, 255, 255), (0, 0, 0, 255), (200, 30, 30, 160)])
def test_ink_on_transparent_canvas(tmp_path, ink):
    """Strokes on a fully transparent canvas are found whether the ink is white, black or coloured."""
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(50, 10), (50, 90)], fill=ink, width=10)
    path = tmp_path / "stroke.png"
    image.save(path)
    pixels = load_digit_image(path).reshape(28, 28)
    assert pixels.max() == 255
    assert pixels[0, 0] == 0
    assert pixels[4:24, 14].min() > 0
