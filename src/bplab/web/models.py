"""Networks for the web server: the draw model and the networks of training runs.

The draw view needs a digit classifier with 784 inputs. It comes from a model file, from a
training run, or, when ``bplab serve`` is given no model, from a short training run on the
bundled digits at start-up (``train_startup_model``).
"""

import logging
import time

import numpy as np

logger = logging.getLogger(__name__)

HIDDEN_ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OUTPUT_ACTIVATIONS = ["sigmoid", "softmax", "tanh", "relu", "leaky_relu", "linear"]
COST_NAMES = ["quadratic", "cross_entropy"]
ALGORITHMS = ["minibatch", "online", "batch"]

# The form's defaults: a 784-30-10 sigmoid network, trained by mini-batch BP on the quadratic
# cost, the classic first digit network.
TRAIN_DEFAULTS = {
    "hidden": [30],
    "activation": "sigmoid",
    "output_activation": "sigmoid",
    "cost": "quadratic",
    "algorithm": "minibatch",
    "batch_size": 10,
    "learning_rate": 3.0,
    "epochs": 10,
    "samples": 8000,
    "seed": 0,
    "validation_split": 0.1,
}

# The start-up network when no model file is given. On the 8000 bundled training digits this
# recipe reached 95.1 % on the 2000 held-out digits after 10 epochs (seed 0), in about 1.5 s on
# a 2-core machine with the fast engine. More epochs added little with so few training images.
STARTUP_RECIPE = {
    "hidden": [100],
    "activation": "relu",
    "output_activation": "softmax",
    "cost": "cross_entropy",
    "algorithm": "minibatch",
    "batch_size": 16,
    "learning_rate": 0.2,
    "epochs": 10,
    "seed": 0,
}


class DrawModel:
    """A digit network with the preprocessing that turns 784 uint8 pixels into its input.

    Parameters
    ----------
    net : Network
        A network with n_1 = 784 inputs.
    preprocessing : Preprocessing or None
        Its ``transform(X)`` maps uint8 rows to the network's input; None divides by 255.
    source : str
        Where the network comes from, shown on the page.
    """

    def __init__(self, net, preprocessing, source):
        if net.layer_sizes[0] != 784:
            raise ValueError(
                f"the draw view needs a digit network with n_1 = 784 inputs (28 x 28 pixels); "
                f"{source} has n_1 = {net.layer_sizes[0]}"
            )
        self.net = net
        self.preprocessing = preprocessing
        self.source = source

    def describe(self):
        """Return the network's layer sizes, functions and source as a JSON-ready dict."""
        net = self.net
        return {
            "source": self.source,
            "layer_sizes": list(net.layer_sizes),
            "activation": net.activation,
            "output_activation": net.output_activation,
            "cost": net.cost_name,
        }

    def predict(self, grey):
        """Centre a drawn digit like MNIST and return what the network makes of it.

        Parameters
        ----------
        grey : ndarray of shape (height, width), uint8
            The drawing, a light digit on a dark background.

        Returns
        -------
        dict
            ``input`` (the 784 pixels given to the network), ``probabilities`` (n_L values summing
            to 1), ``prediction`` (a class label), ``classes`` and ``hidden``, a list of
            ``{"layer": l, "a": [...]}`` for every hidden layer l = 2..L-1.
        """
        from bplab.data.images import prepare_digit

        pixels = prepare_digit(grey)
        X = _transform(self.preprocessing, pixels[None, :], dtype=self.net.dtype.name)
        a, _ = self.net.forward(X)
        probabilities = self.net.predict_proba(X)[0]
        prediction = self.net.predict(X)[0]
        classes = self.net.classes_
        return {
            "model": self.describe(),
            "input": pixels.astype(int).tolist(),
            "probabilities": probabilities.tolist(),
            "prediction": _plain(prediction),
            "classes": list(range(len(probabilities))) if classes is None else
            [_plain(c) for c in classes],
            "hidden": [{"layer": l, "a": a[l][0].tolist()} for l in range(2, self.net.L)],
        }


def load_draw_model(path):
    """Load a model file and its preprocessing for the draw view, as ``bplab predict`` does."""
    from bplab.cli._model import load_with_preprocessing

    net, preprocessing, _ = load_with_preprocessing(path)
    return DrawModel(net, preprocessing, f"model file {path}")


def load_training_digits(samples, seed):
    """Return the first ``samples`` bundled training digits, preprocessed, and the preprocessing.

    Returns
    -------
    X : ndarray of shape (samples, 784)
    labels : ndarray of shape (samples,)
    preprocessing : Preprocessing
    """
    from bplab.data.datasets import load_dataset

    images, labels = load_dataset("digits", split="train")
    images, labels = images[:samples], labels[:samples]
    preprocessing = _digits_preprocessing(images)
    return _transform(preprocessing, images), labels, preprocessing


def build_training_network(settings):
    """Build the network of a training run from validated settings (784 inputs, 10 outputs)."""
    from bplab.network import Network

    return Network(
        [784, *settings["hidden"], 10],
        activation=settings["activation"],
        output_activation=settings["output_activation"],
        cost=settings["cost"],
        seed=settings["seed"],
    )


def train_startup_model(recipe=STARTUP_RECIPE, samples=8000):
    """Train the draw view's network on the bundled digits when no model file is given.

    Returns
    -------
    DrawModel
    """
    import bplab
    from bplab.data.datasets import load_dataset

    start = time.perf_counter()
    X, labels, preprocessing = load_training_digits(samples, recipe["seed"])
    net = build_training_network(recipe)
    bplab.train(net, X, labels, algorithm=recipe["algorithm"], batch_size=recipe["batch_size"],
                learning_rate=recipe["learning_rate"], epochs=recipe["epochs"], seed=recipe["seed"])
    test_images, test_labels = load_dataset("digits", split="test")
    accuracy = float(np.mean(net.predict(_transform(preprocessing, test_images)) == test_labels))
    sizes = "-".join(str(n) for n in net.layer_sizes)
    source = (f"{sizes} network trained at start-up on {samples} bundled digits "
              f"(test accuracy {accuracy:.1%})")
    logger.info("%s in %.1f s", source, time.perf_counter() - start)
    return DrawModel(net, preprocessing, source)


def _digits_preprocessing(images):
    """Return the preprocessing for digit pixels: scaling 0..255 to 0..1."""
    from bplab.data.preprocess import Preprocessing

    return Preprocessing().fit(images)


def _transform(preprocessing, images, dtype="float64"):
    """Apply ``preprocessing`` to uint8 rows; None divides by 255."""
    if preprocessing is None:
        return images.astype(dtype) / 255.0
    return preprocessing.transform(images, dtype=dtype)


def _plain(value):
    """Return a NumPy scalar as a plain Python value."""
    return value.item() if isinstance(value, np.generic) else value
