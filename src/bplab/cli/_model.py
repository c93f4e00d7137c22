"""Loading a model file with the preprocessing it was trained with."""

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
