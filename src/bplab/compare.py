"""Online, mini-batch and batch BP side by side: same data, same initial weights.

``compare_algorithms`` copies one network for every run (``Network.copy``), so each algorithm
starts from identical weights W^l and trains on the same samples. Every run is measured the same
way: J and accuracy before training (epoch 0) and after every epoch, the final test accuracy
and the wall time. The lecture's online BP updates after every sample and batch BP once per pass
over all m samples, so batch BP needs a larger learning rate and more epochs to get as far. The
defaults in ``DEFAULT_LEARNING_RATES`` and ``DEFAULT_EPOCHS`` reflect that.
"""

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from bplab import evaluation
from bplab.data.datasets import load_dataset
from bplab.data.preprocess import Preprocessing
from bplab.network import Network
from bplab.training import DivergenceError, train

# Learning rates that make each algorithm learn on 2,000 bundled digits with a 784-30-10 sigmoid
# network, quadratic cost and the mean batch gradient. With seed 0, batch BP at alpha = 10
# overshoots into saturated sigmoids and at alpha = 30 stops learning. Other settings may need
# other rates.
DEFAULT_LEARNING_RATES = {"online": 0.5, "minibatch": 3.0, "batch": 3.0}
DEFAULT_EPOCHS = {"online": 5, "minibatch": 10, "batch": 100}


@dataclass
class ComparisonRun:
    """One training run of a comparison.

    Attributes
    ----------
    label : str
        "online", "mini-batch 10", "batch" and so on.
    algorithm : {"online", "minibatch", "batch"}
    batch_size : int
        1 for online BP, m for batch BP.
    learning_rate : float
    epochs : int
        Epochs completed.
    seconds : float
        Wall time of the whole run, per-epoch measurements included.
    train_seconds : float
        Time spent in the BP epochs alone, the fair figure for comparing algorithms.
    initial_J, final_J : float
        Mean training cost before the first and after the last epoch.
    final_train_accuracy, test_accuracy : float or None
        Fractions in [0, 1]; None without class labels or test data.
    history : list of dict
        An epoch-0 record (J and train_accuracy of the initial weights) followed by the
        per-epoch records of ``bplab.train``.
    status : {"ok", "diverged"}
    message : str or None
        Why the run stopped early, when it did.
    """

    label: str
    algorithm: str
    batch_size: int
    learning_rate: float
    epochs: int
    seconds: float
    train_seconds: float
    initial_J: float
    final_J: float
    final_train_accuracy: float = None
    test_accuracy: float = None
    history: list = field(default_factory=list, repr=False)
    status: str = "ok"
    message: str = None

    def to_dict(self):
        """Return the run as a JSON-serialisable dict."""
        return asdict(self)


def compare_algorithms(X, Y, layers=(784, 30, 10), activation="sigmoid", output_activation=None,
                       cost="quadratic", bias=True, batch_sizes=(), learning_rates=None,
                       epochs=None, seed=0, X_test=None, Y_test=None, include=("online", "batch"),
                       engine="auto"):
    """Train copies of one network by online, mini-batch and batch BP and measure each.

    Parameters
    ----------
    X : array-like of shape (m, n_1)
        Training samples, already scaled.
    Y : array-like of shape (m,) or (m, n_L)
        Class labels or target rows.
    layers, activation, output_activation, cost, bias
        The network, as for ``Network``.
    batch_sizes : sequence of int, default ()
        Mini-batch sizes to run besides online and batch BP.
    learning_rates : dict, optional
        alpha per run, keyed by "online", "batch", "minibatch" (every mini-batch size) or a
        mini-batch size (int). Missing keys take ``DEFAULT_LEARNING_RATES``.
    epochs : dict or int, optional
        Epochs per run, keyed as ``learning_rates``, or one number for all. Missing keys take
        ``DEFAULT_EPOCHS``.
    seed : int, default 0
        Seed of the initial weights and of the sample order (the same order for every run).
    X_test, Y_test : array-like, optional
        Test data for the final accuracy.
    include : sequence of {"online", "batch"}, default ("online", "batch")
        Which of the lecture's two algorithms to run.
    engine : {"auto", "reference", "fast"}, default "auto"
        Passed to ``bplab.train``.

    Returns
    -------
    list of ComparisonRun
        Online first, then the mini-batch sizes in increasing order, then batch.

    Raises
    ------
    ValueError
        For an unknown name in ``include``, an invalid batch size, only one of X_test and
        Y_test, or invalid data or settings.
    """
    if (X_test is None) != (Y_test is None):
        raise ValueError("give X_test and Y_test together, or neither")
    net = Network(layers, activation=activation, output_activation=output_activation, cost=cost,
                  bias=bias, seed=seed)
    X, Y = net.prepare(X, Y)
    test = net.prepare(X_test, Y_test) if X_test is not None else None
    plan = _plan_runs(len(X), include, batch_sizes, learning_rates, epochs)

    J_0, accuracy_0 = evaluation.cost_and_accuracy(net, X, Y)
    runs = []
    for label, algorithm, batch_size, alpha, run_epochs in plan:
        copy = net.copy()
        initial = {"epoch": 0, "J": J_0, "train_accuracy": accuracy_0}
        start = time.perf_counter()
        status, message = "ok", None
        try:
            result = train(copy, X, Y, algorithm=algorithm,
                           batch_size=batch_size if algorithm == "minibatch" else None,
                           learning_rate=alpha, epochs=run_epochs, seed=seed, engine=engine)
        except DivergenceError as error:
            result, status, message = error.result, "diverged", str(error)
        seconds = time.perf_counter() - start
        history = [initial] + result.history
        runs.append(ComparisonRun(
            label=label, algorithm=algorithm, batch_size=batch_size, learning_rate=alpha,
            epochs=result.epochs, seconds=seconds,
            train_seconds=sum(record["train_seconds"] for record in result.history), initial_J=J_0, final_J=history[-1]["J"],
            final_train_accuracy=history[-1]["train_accuracy"],
            test_accuracy=evaluation.cost_and_accuracy(copy, *test)[1] if test else None,
            history=history, status=status, message=message,
        ))
    return runs


def load_comparison_data(dataset="digits", samples=2000, test_samples=1000, data_dir=None):
    """Load the first ``samples`` training and ``test_samples`` test rows of a data set.

    Images (uint8) are scaled to [0, 1] by 1/255; a CSV or NPZ file's features are used as
    they are.

    Returns
    -------
    X, labels, X_test, labels_test : ndarray
        X of shape (samples, n_1) and X_test of shape (test_samples, n_1), float64.

    Raises
    ------
    ValueError
        If ``samples`` or ``test_samples`` is not a positive integer.
    """
    for name, value in (("samples", samples), ("test_samples", test_samples)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")
    X, labels = load_dataset(dataset, data_dir=data_dir, split="train")
    X_test, labels_test = load_dataset(dataset, data_dir=data_dir, split="test")
    return (_scaled(X[:samples]), labels[:samples], _scaled(X_test[:test_samples]),
            labels_test[:test_samples])


def _scaled(images):
    """Return images as float64, scaled to [0, 1] as training does when they are uint8 pixels."""
    if images.dtype == np.uint8:
        return Preprocessing().transform(images)
    return np.asarray(images, dtype=np.float64)


def _plan_runs(m, include, batch_sizes, learning_rates, epochs):
    """Return (label, algorithm, batch size, learning rate, epochs) for each run, in order."""
    unknown = [name for name in include if name not in ("online", "batch")]
    if unknown:
        raise ValueError(f"unknown algorithm {unknown[0]!r} in include; expected 'online' or 'batch'")
    sizes = sorted(set(int(size) for size in batch_sizes))
    for size in sizes:
        if not 1 < size < m:
            raise ValueError(
                f"mini-batch size {size} must be between 2 and m - 1 = {m - 1} for m = {m} "
                "samples; online BP is size 1 and batch BP size m"
            )
    learning_rates = dict(learning_rates or {})
    epochs = {"online": epochs, "minibatch": epochs, "batch": epochs} if isinstance(epochs, int) else dict(epochs or {})
    plan = []
    if "online" in include:
        plan.append(("online", "online", 1))
    plan += [(f"mini-batch {size}", "minibatch", size) for size in sizes]
    if "batch" in include:
        plan.append(("batch", "batch", m))
    return [(label, algorithm, size,
             float(_setting(learning_rates, algorithm, size, DEFAULT_LEARNING_RATES)),
             int(_setting(epochs, algorithm, size, DEFAULT_EPOCHS)))
            for label, algorithm, size in plan]


def _setting(values, algorithm, size, defaults):
    """Return the value for one run: by its batch size, then its algorithm, then the default."""
    if algorithm == "minibatch" and size in values:
        return values[size]
    return values.get(algorithm, defaults[algorithm])


def format_table(runs):
    """Return the runs as a fixed-width text table, one line per run."""
    header = ["algorithm", "batch size", "alpha", "epochs", "BP seconds", "initial J", "final J",
              "train acc", "test acc"]
    rows = [[run.label, str(run.batch_size), f"{run.learning_rate:g}", str(run.epochs),
             f"{run.train_seconds:.2f}", f"{run.initial_J:.4f}", f"{run.final_J:.4f}",
             _percent(run.final_train_accuracy), _percent(run.test_accuracy)]
            + (["diverged"] if run.status != "ok" else [])
            for run in runs]
    widths = [max(len(row[k]) for row in [header] + rows) for k in range(len(header))]
    lines = ["  ".join(cell.rjust(width) if k else cell.ljust(width)
                       for k, (cell, width) in enumerate(zip(row, widths))) for row in [header] + rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def _percent(value):
    return "-" if value is None else f"{100 * value:.1f}%"
