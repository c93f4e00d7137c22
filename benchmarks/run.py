"""Time one epoch of BP on Fashion-MNIST in bplab and in other libraries, and print a table.

The workload: a 784-100-10 network, sigmoid hidden and output layers, quadratic cost
J = 1/2 sum_j (a_j^L - y_j)^2, biases, alpha = 0.5, pixels scaled to [0, 1], trained online,
in mini-batches of 10 and 100, and in full batches over the 60,000 training images. Every
system starts from the same initial weights (scikit-learn alone trains softmax + log-loss).

Each system and mode runs in a fresh subprocess, so thread pools and peak memory do not
carry over. The table gives the median epoch time over ``--epochs`` epochs and its ratios to
bplab float64 and to a lower bound measured in the same run. It also gives the test accuracy
after those epochs and the peak resident memory above the process's memory after its imports.

Lower bounds: batch modes need 2 (2 sum_l n_l n_{l+1} + sum_{l>=2} n_l n_{l+1}) floating-point
operations per sample (forward product, weight gradient, and the backward product above layer 2),
timed at the best GEMM rate this machine reaches on the full-batch product. Online BP must also
read and write every weight once per sample on one core. So its bound is the larger of the FLOP
bound and that traffic timed at the machine's single-core in-cache copy bandwidth.

Run from the repository root (OpenBLAS reads OPENBLAS_CORETYPE at start, so unset it in the
command itself if it forces an older kernel):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/run.py --data-dir DIR --out results.md
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
MODES = {"online": 1, "mb10": 10, "mb100": 100, "full": None}
SYSTEMS = ["bplab", "numpy", "torch-autograd", "torch-formulas", "sklearn", "fann"]
LAYERS = (784, 100, 10)
ALPHA = 0.5
WARMUP = 500


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder with the Fashion-MNIST IDX files; default: bplab's data set lookup")
    parser.add_argument("--samples", type=int, default=60000, help="training images to use (default: all 60,000)")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per system and mode (default: 3)")
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES), help="modes to run")
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=SYSTEMS, help="systems to run")
    parser.add_argument("--dtypes", nargs="+", choices=["float64", "float32"], default=["float64", "float32"],
                        help="bplab's floating types; the other systems run in float64")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed per system and mode")
    parser.add_argument("--out", help="also write the results as Markdown to this file")
    parser.add_argument("--json", help="also write the raw results as JSON to this file")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.samples < WARMUP or args.epochs < 1:
        parser.error(f"--samples must be at least {WARMUP} and --epochs at least 1")
    return args


def load(data_dir, split, samples, dtype):
    """Return images scaled to [0, 1] in ``dtype``, one-hot targets and labels."""
    from bplab.data.datasets import load_dataset

    images, labels = load_dataset("fashion-mnist", data_dir=data_dir, split=split, progress=False)
    images, labels = images[:samples], labels[:samples]
    X = images.reshape(len(images), -1).astype(dtype)
    X /= 255.0  # in place, so loading needs no second float copy
    Y = np.zeros((len(labels), 10), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1.0
    return X, Y, labels


def initial_weights():
    """W1, b1, W2, b2 of bplab's default initialisation with seed 0, float64."""
    import bplab

    net = bplab.Network(list(LAYERS), seed=0)
    return net.W[1], net.b[1], net.W[2], net.b[2]


def warm_up_bplab(dtype):
    """Compile bplab's kernels for ``dtype`` on random data, before memory is measured."""
    import bplab
    from bplab import fast

    rng = np.random.default_rng(0)
    net = bplab.Network(list(LAYERS), dtype=dtype, seed=0)
    X = rng.random((20, LAYERS[0])).astype(dtype)
    Y = rng.random((20, LAYERS[-1])).astype(dtype)
    for batch_size in (1, 10):
        fast.run_epoch(net, X, Y, np.arange(20), ALPHA, batch_size)


def run_worker(spec):
    """Time one system in one mode in this process; return a JSON-ready dict."""
    import systems

    if spec["system"] == "bplab":
        warm_up_bplab(spec["dtype"])
    elif spec["system"].startswith("torch"):
        import torch  # noqa: F401 (imported before the memory baseline)
    elif spec["system"] == "sklearn":
        import sklearn.neural_network  # noqa: F401
    baseline = systems.current_rss_bytes()
    X, Y, _ = load(spec["data_dir"], "train", spec["samples"], spec["dtype"])
    batch_size = spec["batch_size"] or len(X)
    systems.reset_peak_rss()
    seconds, weights, version = systems.SYSTEMS[spec["system"]](
        X, Y, initial_weights(), batch_size, spec["epochs"], ALPHA, WARMUP)
    peak = systems.peak_rss_bytes() - baseline
    X_test, _, labels_test = load(spec["data_dir"], "test", 10000, "float64")
    return {
        "seconds": seconds,
        "median": statistics.median(seconds),
        "accuracy": systems.test_accuracy(weights, X_test, labels_test),
        "peak_mb": peak / 2**20,
        "data_mb": (X.nbytes + Y.nbytes) / 2**20,
        "version": version,
    }


def measure_bounds(samples, repeats=10):
    """Measure the GEMM rate and the in-cache copy bandwidth the lower bounds use."""
    from threadpoolctl import threadpool_info, threadpool_limits

    rng = np.random.default_rng(0)
    weights = sum(n * n_next for n, n_next in zip(LAYERS, LAYERS[1:]))
    upper = sum(n * n_next for n, n_next in zip(LAYERS[1:], LAYERS[2:]))
    flops = 2.0 * (2 * weights + upper) * samples
    result = {"flops_per_epoch": flops, "blas": threadpool_info()}
    for dtype in ("float64", "float32"):
        X = rng.random((samples, LAYERS[0])).astype(dtype)
        W = rng.random((LAYERS[1], LAYERS[0])).astype(dtype)
        Z = np.empty((samples, LAYERS[1]), dtype)
        # The best of many runs: a bound must use the machine's best rate, not a busy moment.
        best = min(_timed(lambda: np.matmul(X, W.T, out=Z)) for _ in range(repeats))
        rate = 2.0 * X.shape[0] * X.shape[1] * W.shape[0] / best
        source = np.ones(weights, dtype)
        target = np.empty_like(source)
        with threadpool_limits(1):
            copy = min(_timed(lambda: np.copyto(target, source)) for _ in range(20 * repeats))
        bandwidth = 2.0 * source.nbytes / copy
        traffic = 2.0 * source.nbytes * samples / bandwidth
        result[dtype] = {
            "gemm_gflops": rate / 1e9,
            "copy_gbytes": bandwidth / 1e9,
            "batch_bound": flops / rate,
            "online_bound": max(flops / rate, traffic),
        }
        del X, Z
    return result


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def spawn(spec, timeout):
    """Run one worker in a fresh interpreter; return its result or {"error": reason}."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=HERE)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    if done.returncode != 0:
        lines = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()
        return {"error": lines[-1][:200]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_all(args):
    """Measure the bounds, then every system in every mode; return the results as a dict."""
    common = {"data_dir": args.data_dir, "samples": args.samples, "epochs": args.epochs}
    print(f"measuring the GEMM rate and copy bandwidth on {args.samples} samples", flush=True)
    results = {"bounds": measure_bounds(args.samples), "runs": [], "settings": vars(args),
               "load_average": [os.getloadavg()]}
    for mode in args.modes:
        for system in args.systems:
            dtypes = args.dtypes if system == "bplab" else ["float64"]
            for dtype in dtypes:
                spec = dict(common, system=system, dtype=dtype, mode=mode, batch_size=MODES[mode])
                outcome = spawn(spec, args.timeout)
                results["runs"].append(dict(spec, **outcome))
                summary = outcome.get("error") or f"{outcome['median']:.3f} s, accuracy {outcome['accuracy']:.3f}"
                print(f"{mode:>6} {system:>15} {dtype}: {summary}", flush=True)
    # Measure again at the end and keep the faster rates, in case the machine was busy at first.
    print("measuring the GEMM rate and copy bandwidth again", flush=True)
    again = measure_bounds(args.samples)
    for dtype in ("float64", "float32"):
        if again[dtype]["batch_bound"] < results["bounds"][dtype]["batch_bound"]:
            results["bounds"][dtype] = again[dtype]
    results["load_average"].append(os.getloadavg())
    return results


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(json.loads(args.worker))))
        return 0
    import report

    results = run_all(args)
    results["machine"] = report.machine_info()
    text = report.markdown(results)
    print(text)
    if args.out:
        report.write_text(args.out, text)
    if args.json:
        report.write_text(args.json, json.dumps(results, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
