"""``bplab evaluate``: accuracy, per-class precision and recall, and the confusion matrix of a model."""

from bplab import metrics
from bplab.cli import _common
from bplab.cli._data import class_names, load_model_split, warn_if_scaled_twice
from bplab.cli._model import class_list, load_with_preprocessing


def add_parser(subparsers):
    """Add the ``evaluate`` subcommand."""
    parser = subparsers.add_parser(
        "evaluate", help="measure a saved model on a data set",
        description="Report a saved model's accuracy, per-class precision and recall and confusion "
                    "matrix on a data set split.",
    )
    parser.add_argument("model", metavar="MODEL", help="model file written by 'bplab train --save'")
    _common.add_data_arguments(parser, split="test")
    parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
    parser.set_defaults(func=run)


def run(args):
    """Run ``bplab evaluate``."""
    net, preprocessing, header = load_with_preprocessing(args.model)
    images, labels = load_model_split(args.dataset, args.data_dir, args.split, header)
    if images.shape[1] != net.layer_sizes[0]:
        raise ValueError(
            f"the model expects {net.layer_sizes[0]} input values per sample, but data set "
            f"{args.dataset!r} has {images.shape[1]}"
        )
    warn_if_scaled_twice(preprocessing, images, "evaluate")
    X = preprocessing.transform(images, dtype=net.dtype.name)
    classes = class_list(net)
    unknown = set(labels.tolist()) - set(classes.tolist())
    if unknown:
        raise ValueError(f"data set {args.dataset!r} has labels the model does not know: {sorted(unknown)}")
    report = metrics.report(labels, net.predict(X), classes)
    if args.json:
        _common.print_json({**report, "dataset": str(args.dataset), "split": args.split, "model": args.model})
    else:
        print(f"model {args.model} on {args.dataset} ({args.split} split)")
        print(metrics.format_report(report, class_names(args.dataset, classes)))
    return 0
