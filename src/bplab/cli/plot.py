"""``bplab plot``: training figures of a saved model, and its errors on a test set."""

from pathlib import Path

import numpy as np

DEFAULT_DATASET = "digits"
IMAGE_INPUTS = 784


def add_parser(subparsers):
    """Add the ``plot`` subcommand."""
    parser = subparsers.add_parser(
        "plot",
        help="write PNG figures of a saved model: curves, weights, confusion matrix, errors",
        description=(
            "Write the figures of a model saved by 'bplab train --save': J, accuracy and mean "
            "|delta^l| per epoch, and the first layer's weights as images. With a data set, also "
            "the confusion matrix and the misclassified images of its test split."
        ),
    )
    parser.add_argument("model", metavar="MODEL", help="model file written by 'bplab train --save'")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the PNG files, created if missing (default MODEL "
                             "without its suffix, plus '-figures')")
    parser.add_argument(
        "--dataset", metavar="NAME",
        help="data set whose test split is classified: digits, mnist, fashion-mnist, or a .csv "
             f"or .npz file (default {DEFAULT_DATASET} for models with {IMAGE_INPUTS} inputs, "
             "none otherwise)",
    )
    parser.add_argument("--data-dir", metavar="DIR",
                        help="folder with the IDX files of mnist or fashion-mnist")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Load the model, classify the test split if there is one, and write the figures."""
    from bplab.model_io import load_model
    from bplab.plots import write_training_figures

    net, header = load_model(args.model)
    out_dir = Path(args.out) if args.out else _default_out_dir(args.model)
    dataset = args.dataset
    if dataset is None and net.layer_sizes[0] == IMAGE_INPUTS:
        dataset = DEFAULT_DATASET

    evaluation = {}
    if dataset is not None:
        evaluation = _classify_test_split(net, header, dataset, args.data_dir)
    paths = write_training_figures(out_dir, header.get("history"), W1=net.W[1], **evaluation)

    if evaluation:
        accuracy = np.mean(evaluation["true"] == evaluation["pred"])
        print(f"test accuracy on {dataset}: {100 * accuracy:.2f}% of {len(evaluation['true'])}")
    for path in paths:
        print(f"wrote {path}")
    if not paths:
        print("nothing to plot: the model has no history, no image-shaped W^1 and no data set")
    return 0


def _default_out_dir(model):
    model = Path(model)
    return model.with_name(model.stem + "-figures")


def _classify_test_split(net, header, dataset, data_dir):
    """Return the keyword arguments of write_training_figures for the test split of dataset."""
    from bplab.cli._data import load_model_split
    from bplab.data.datasets import DATASETS

    images, true = load_model_split(dataset, data_dir, "test", header)
    X = _preprocess(header, images)
    if X.shape[1] != net.layer_sizes[0]:
        raise ValueError(
            f"the model takes {net.layer_sizes[0]} inputs but data set {dataset!r} has "
            f"{X.shape[1]} features; choose the data set it was trained on with --dataset"
        )
    pred = net.predict(X)

    labels = net.classes_ if net.classes_ is not None else np.arange(net.layer_sizes[-1])
    labels = np.union1d(labels, np.union1d(true, pred))
    info = DATASETS.get(str(dataset).lower())
    names = [_class_name(info, label) for label in labels]
    return {"class_names": names, "labels": labels, "images": images, "true": true, "pred": pred}


def _class_name(info, label):
    """Return the data set's name for an integer label, or the label itself as text."""
    if info is not None and float(label).is_integer() and 0 <= int(label) < len(info.class_names):
        return info.class_names[int(label)]
    return str(label)


def _preprocess(header, images):
    """Apply the model's saved preprocessing to the raw test rows."""
    from bplab.data.preprocess import Preprocessing

    settings = header.get("preprocessing")
    if settings is None:
        # NOTE: a model saved without preprocessing is assumed to take pixels scaled to
        # 0..1, as the web interface assumes; other raw inputs pass through unchanged.
        if images.dtype == np.uint8:
            return images.astype(np.float64) / 255.0
        return images.astype(np.float64)
    preprocessing = Preprocessing.from_dict(settings, header.get("preprocessing_arrays") or None)
    return preprocessing.transform(images)
