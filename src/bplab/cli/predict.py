"""``bplab predict``: classify a person's own digit photos or drawings with a saved model."""

import sys

import numpy as np

from bplab.cli import _common
from bplab.cli._model import class_list, load_with_preprocessing
from bplab.data.images import load_digit_image


def add_parser(subparsers):
    """Add the ``predict`` subcommand."""
    parser = subparsers.add_parser(
        "predict", help="classify digit images (PNG/JPEG) with a saved model",
        description="Prepare each image as MNIST prepared its digits (grey, light ink on dark, "
                    "cropped, fitted into 20x20 and centred by centre of mass in 28x28) and print "
                    "the predicted digit with the probabilities of every class.",
    )
    parser.add_argument("model", metavar="MODEL", help="model file written by 'bplab train --save'")
    parser.add_argument("images", metavar="IMAGE", nargs="+", help="PNG or JPEG files")
    parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
    parser.set_defaults(func=run)


def run(args):
    """Run ``bplab predict``; exit status 1 when any image could not be read."""
    net, preprocessing, _ = load_with_preprocessing(args.model)
    if net.layer_sizes[0] != 784:
        raise ValueError(f"model {args.model} takes {net.layer_sizes[0]} inputs, not 28x28 = 784 pixel images")
    results = []
    failed = 0
    for path in args.images:
        try:
            pixels = load_digit_image(path)
        except (OSError, ValueError) as error:
            failed += 1
            print(f"bplab predict: error: {error}", file=sys.stderr)
            results.append({"image": path, "error": str(error)})
            continue
        X = preprocessing.transform(pixels[None, :], dtype=net.dtype.name)
        probabilities = net.predict_proba(X)[0]
        label = net.predict(X)[0]
        results.append({"image": path, "prediction": _plain(label),
                         "probabilities": dict(zip(map(str, _classes(net)), probabilities.tolist()))})
    if args.json:
        _common.print_json({"model": args.model, "results": results})
    else:
        for result in results:
            if "error" not in result:
                print(_format(result))
    return 1 if failed else 0


def _classes(net):
    return class_list(net).tolist()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _format(result):
    shares = "  ".join(f"{label}:{p:.3f}" for label, p in result["probabilities"].items())
    best = max(result["probabilities"].values())
    return f"{result['image']}: {result['prediction']} (p = {best:.3f})\n    {shares}"
