"""Loading a model file with the preprocessing it was trained with."""

import numpy as np

from bplab.data.preprocess import Preprocessing
from bplab.model_io import load_model


def load_with_preprocessing(path):
    """Return (net, preprocessing, header) for a model file."""
    net, header = load_model(path)
    settings = header.get("preprocessing") or {}
    try:
        preprocessing = Preprocessing.from_dict(settings, header.get("preprocessing_arrays"))
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"model file {path} has invalid preprocessing settings ({error})") from None
    return net, preprocessing, header


def class_list(net):
    """Return the labels ``net.predict`` can return: its classes, or 0 and 1 for one 0/1 output."""
    if net.classes_ is not None:
        return net.classes_
    return np.arange(max(net.layer_sizes[-1], 2))
