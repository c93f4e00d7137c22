"""Image figures for classifiers: confusion matrix, first-layer weights, misclassified samples."""

import math

import numpy as np

from bplab.plots._figure import check_png_path, new_figure, save_figure


def plot_confusion_matrix(confusion, path, class_names=None, title=None):
    """Draw a confusion matrix as a heat map with the count in every cell; save as PNG.

    Parameters
    ----------
    confusion : array-like of shape (k, k)
        Counts, rows are true classes and columns predicted classes.
    path : str or Path
        The PNG file to write.
    class_names : list of str, optional
        Tick labels; defaults to 0..k-1.
    title : str, optional
        Defaults to "Confusion matrix (accuracy ...)".

    Returns
    -------
    Path
        The file written.
    """
    confusion = np.asarray(confusion)
    if confusion.ndim != 2 or confusion.shape[0] != confusion.shape[1] or confusion.shape[0] == 0:
        raise ValueError(f"confusion must be a square (k, k) matrix, got shape {confusion.shape}")
    classes = confusion.shape[0]
    names = [str(name) for name in (range(classes) if class_names is None else class_names)]
    if len(names) != classes:
        raise ValueError(f"class_names has {len(names)} names for a {classes}x{classes} matrix")
    path = check_png_path(path)

    size = max(6.0, 0.6 * classes + 2.0)
    figure = new_figure(size + 1.0, size)
    ax = figure.add_subplot()
    image = ax.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=ax, shrink=0.8, label="count")
    # Dark text on light cells and white text on dark ones keeps every count readable.
    threshold = confusion.max() / 2 if confusion.max() > 0 else 0.5
    for i in range(classes):
        for j in range(classes):
            ax.text(j, i, f"{confusion[i, j]:g}", ha="center", va="center", fontsize=8,
                    color="white" if confusion[i, j] > threshold else "black")
    ax.set_xticks(range(classes), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(classes), names)
    ax.set_xlabel("predicted label")
    ax.set_ylabel("true label")
    total = confusion.sum()
    accuracy = np.trace(confusion) / total if total else float("nan")
    ax.set_title(title or f"Confusion matrix (accuracy {100 * accuracy:.2f}% of {total:g})")
    return save_figure(figure, path)


def _image_side(n_inputs, image_shape):
    """Return (height, width) for rows of length n_inputs, a square unless given."""
    if image_shape is not None:
        height, width = image_shape
        if height * width != n_inputs:
            raise ValueError(f"image_shape {image_shape} does not hold {n_inputs} values")
        return height, width
    side = math.isqrt(n_inputs)
    if side * side != n_inputs:
        raise ValueError(f"{n_inputs} inputs are not a square image; pass image_shape=(h, w)")
    return side, side


def plot_first_layer_weights(W1, path, max_images=100, image_shape=None):
    """Draw each hidden unit's incoming weights W^1[j, :] as an image, in one grid; save as PNG.

    Each tile is scaled by its own max |w|, so red is positive and blue negative weight,
    whatever the unit's overall size.

    Parameters
    ----------
    W1 : ndarray of shape (n_2, n_1)
        The first weight matrix, one row per unit of layer 2 (n_1 = 784 for 28x28 images).
    path : str or Path
        The PNG file to write.
    max_images : int, default 100
        The first ``max_images`` units are drawn.
    image_shape : (int, int), optional
        Defaults to a square of side sqrt(n_1).

    Returns
    -------
    Path
        The file written.
    """
    W1 = np.asarray(W1, dtype=float)
    if W1.ndim != 2:
        raise ValueError(f"W1 must be a matrix of shape (n_2, n_1), got shape {W1.shape}")
    height, width = _image_side(W1.shape[1], image_shape)
    path = check_png_path(path)
    drawn = W1[:max_images]
    columns = math.ceil(math.sqrt(len(drawn)))
    rows = math.ceil(len(drawn) / columns)

    # One mosaic image with 1-pixel gaps draws much faster than one axis per unit.
    mosaic = np.full((rows * (height + 1) - 1, columns * (width + 1) - 1), np.nan)
    for index, weights in enumerate(drawn):
        scale = np.max(np.abs(weights)) or 1.0
        top = (index // columns) * (height + 1)
        left = (index % columns) * (width + 1)
        mosaic[top:top + height, left:left + width] = weights.reshape(height, width) / scale

    figure = new_figure(8.0, 8.0 * rows / columns + 0.8)
    ax = figure.add_subplot()
    image = ax.imshow(mosaic, cmap="RdBu_r", vmin=-1, vmax=1, interpolation="nearest")
    figure.colorbar(image, ax=ax, shrink=0.6, label="weight / max |weight| of the unit")
    ax.set_axis_off()
    ax.set_title(f"W\u00b9: incoming weights of {len(drawn)} of {W1.shape[0]} units in layer 2")
    return save_figure(figure, path)


def plot_misclassified(images, true, pred, path, class_names=None, max_images=36,
                       image_shape=None):
    """Draw the first misclassified images with their true and predicted labels; save as PNG.

    Parameters
    ----------
    images : ndarray of shape (m, n_1) or (m, h, w)
        The images, as stored (uint8 or float); dark digits on light ground are drawn.
    true, pred : array-like of shape (m,)
        True and predicted labels (label values, or indices into ``class_names``).
    path : str or Path
        The PNG file to write.
    class_names : list of str or dict, optional
        Names shown instead of the labels: a list is indexed by the integer label, a dict
        maps each label to its name.
    max_images : int, default 36
    image_shape : (int, int), optional
        For flat rows; defaults to a square.

    Returns
    -------
    Path
        The file written. With no misclassified image, the figure contains a note instead.
    """
    images = np.asarray(images)
    true = np.asarray(true).reshape(-1)
    pred = np.asarray(pred).reshape(-1)
    if not (len(images) == len(true) == len(pred)):
        raise ValueError(f"images, true and pred need the same length, "
                         f"got {len(images)}, {len(true)} and {len(pred)}")
    if images.ndim == 2:
        images = images.reshape(len(images), *_image_side(images.shape[1], image_shape))
    path = check_png_path(path)
    wrong = np.flatnonzero(true != pred)[:max_images]

    def name(label):
        if class_names is None:
            return str(label)
        if isinstance(class_names, dict):
            return str(class_names.get(label.item(), label))
        return str(class_names[int(label)])

    if wrong.size == 0:
        figure = new_figure(6.0, 4.0)
        ax = figure.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"No misclassified images among {len(true)}", ha="center",
                va="center", fontsize=14)
        return save_figure(figure, path)

    columns = min(6, wrong.size)
    rows = math.ceil(wrong.size / columns)
    figure = new_figure(1.6 * columns + 0.5, 1.9 * rows + 0.8)
    for position, index in enumerate(wrong):
        ax = figure.add_subplot(rows, columns, position + 1)
        ax.imshow(images[index], cmap="gray_r", interpolation="nearest")
        ax.set_title(f"true {name(true[index])}\npredicted {name(pred[index])}", fontsize=9)
        ax.set_axis_off()
    total = int(np.sum(true != pred))
    figure.suptitle(f"Misclassified: {wrong.size} shown of {total} in {len(true)} images")
    return save_figure(figure, path)
