"""The systems the benchmark times: bplab, a textbook NumPy loop, PyTorch, scikit-learn and FANN.

Each ``time_*`` function trains the 784-100-10 sigmoid network with the quadratic cost from the
given initial weights for ``epochs`` epochs of ``batch_size`` samples per update, and returns
the seconds of each epoch and the final weights (W1, b1, W2, b2) with W^l of shape
(n_{l+1}, n_l). Shuffling happens outside the timed part for every system; gathering a batch's
rows is inside it. Each epoch averages the gradient over its batch ("mean").
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def time_bplab(X, Y, init, batch_size, epochs, alpha, warmup):
    """bplab.fast.run_epoch, the engine bplab.train uses."""
    import bplab
    from bplab import fast

    net = bplab.Network([X.shape[1], init[0].shape[0], Y.shape[1]], dtype=X.dtype.name)
    net.W[1][...], net.b[1][...], net.W[2][...], net.b[2][...] = init
    rng = np.random.default_rng(0)
    # Compiles the Numba kernels (once, then cached) outside the timing.
    scratch = net.copy()
    fast.run_epoch(scratch, X[:warmup], Y[:warmup], np.arange(warmup), alpha, min(batch_size, warmup))
    seconds = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        start = time.perf_counter()
        assert fast.run_epoch(net, X, Y, order, alpha, batch_size)
        seconds.append(time.perf_counter() - start)
    return seconds, (net.W[1], net.b[1], net.W[2], net.b[2]), fast.engine_name()


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def time_numpy(X, Y, init, batch_size, epochs, alpha, warmup):
    """Time the textbook loop: columns are samples, np.outer and matrix products, no buffers."""
    W1, b1, W2, b2 = (w.copy() for w in init)
    rng = np.random.default_rng(0)
    seconds = []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        start = time.perf_counter()
        with np.errstate(over="ignore"):
            if batch_size == 1:
                for k in order:
                    a1, y = X[k], Y[k]
                    a2 = _sigmoid(W1 @ a1 + b1)
                    a3 = _sigmoid(W2 @ a2 + b2)
                    delta3 = (a3 - y) * a3 * (1 - a3)
                    delta2 = (W2.T @ delta3) * a2 * (1 - a2)
                    W2 -= alpha * np.outer(delta3, a2)
                    b2 -= alpha * delta3
                    W1 -= alpha * np.outer(delta2, a1)
                    b1 -= alpha * delta2
            else:
                for begin in range(0, len(X), batch_size):
                    index = order[begin:begin + batch_size]
                    a1, y = X[index].T, Y[index].T
                    a2 = _sigmoid(W1 @ a1 + b1[:, None])
                    a3 = _sigmoid(W2 @ a2 + b2[:, None])
                    delta3 = (a3 - y) * a3 * (1 - a3)
                    delta2 = (W2.T @ delta3) * a2 * (1 - a2)
                    m = a1.shape[1]
                    W2 -= alpha / m * (delta3 @ a2.T)
                    b2 -= alpha / m * delta3.sum(axis=1)
                    W1 -= alpha / m * (delta2 @ a1.T)
                    b1 -= alpha / m * delta2.sum(axis=1)
        seconds.append(time.perf_counter() - start)
    return seconds, (W1, b1, W2, b2), f"numpy {np.__version__}"


def _torch_model(init, dtype):
    import torch

    W1, b1, W2, b2 = (torch.tensor(w, dtype=dtype) for w in init)
    model = torch.nn.Sequential(
        torch.nn.Linear(W1.shape[1], W1.shape[0]), torch.nn.Sigmoid(),
        torch.nn.Linear(W2.shape[1], W2.shape[0]), torch.nn.Sigmoid(),
    ).to(dtype)
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), (W1, b1, W2, b2)):
            parameter.copy_(value)
    return model


def time_torch_autograd(X, Y, init, batch_size, epochs, alpha, warmup):
    """PyTorch as usually written: nn.Sequential, autograd and optim.SGD."""
    import torch

    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    model = _torch_model(init, dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=alpha)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    generator = torch.Generator().manual_seed(0)
    seconds = []
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator)
        start = time.perf_counter()
        for begin in range(0, len(X), batch_size):
            index = order[begin:begin + batch_size]
            output = model(Xt[index])
            # J = 1/2 sum_j (a_j - y_j)^2 per sample, averaged over the batch.
            loss = 0.5 * ((output - Yt[index]) ** 2).sum(dim=1).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    weights = tuple(p.detach().numpy().copy() for p in model.parameters())
    return seconds, weights, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def time_torch_formulas(X, Y, init, batch_size, epochs, alpha, warmup):
    """PyTorch tensors with the lecture's formulas written out and in-place updates, no autograd."""
    import torch

    dtype = torch.float64 if X.dtype == np.float64 else torch.float32
    W1, b1, W2, b2 = (torch.tensor(w, dtype=dtype) for w in init)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    generator = torch.Generator().manual_seed(0)
    seconds = []
    with torch.no_grad():
        for _ in range(epochs):
            order = torch.randperm(len(X), generator=generator)
            start = time.perf_counter()
            for begin in range(0, len(X), batch_size):
                index = order[begin:begin + batch_size]
                a1, y = Xt[index], Yt[index]
                a2 = torch.sigmoid(torch.addmm(b1, a1, W1.T))
                a3 = torch.sigmoid(torch.addmm(b2, a2, W2.T))
                delta3 = (a3 - y) * a3 * (1 - a3)
                delta2 = (delta3 @ W2) * a2 * (1 - a2)
                step = alpha / len(index)
                W2.addmm_(delta3.T, a2, alpha=-step)
                b2.sub_(delta3.sum(dim=0), alpha=step)
                W1.addmm_(delta2.T, a1, alpha=-step)
                b1.sub_(delta2.sum(dim=0), alpha=step)
            seconds.append(time.perf_counter() - start)
    weights = tuple(w.numpy().copy() for w in (W1, b1, W2, b2))
    return seconds, weights, f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def time_sklearn(X, Y, init, batch_size, epochs, alpha, warmup):
    """scikit-learn's MLPClassifier with plain SGD; it always trains softmax + log-loss."""
    import warnings

    import sklearn
    from sklearn.neural_network import MLPClassifier

    labels = Y.argmax(axis=1)
    model = MLPClassifier(
        hidden_layer_sizes=(init[0].shape[0],), activation="logistic", solver="sgd", alpha=0.0,
        batch_size=batch_size, learning_rate="constant", learning_rate_init=alpha, momentum=0.0,
        nesterovs_momentum=False, shuffle=True, random_state=0, max_iter=1,
    )
    model.partial_fit(X[:warmup], labels[:warmup], classes=np.arange(Y.shape[1]))
    W1, b1, W2, b2 = init
    model.coefs_ = [W1.T.astype(X.dtype), W2.T.astype(X.dtype)]
    model.intercepts_ = [b1.astype(X.dtype), b2.astype(X.dtype)]
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(epochs):
            # partial_fit is one epoch; its shuffle of X is part of the library's epoch.
            start = time.perf_counter()
            model.partial_fit(X, labels)
            seconds.append(time.perf_counter() - start)
    weights = (model.coefs_[0].T, model.intercepts_[0], model.coefs_[1].T, model.intercepts_[1])
    return seconds, weights, f"scikit-learn {sklearn.__version__}"


def fann_program(build_dir):
    """Compile fann_bench.c against libdoublefann; return its path, or None with the reason."""
    program = Path(build_dir) / "fann_bench"
    command = ["cc", "-O2", "-o", str(program), str(HERE / "fann_bench.c"), "-ldoublefann", "-lm"]
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        return None, "no C compiler (cc) found"
    except subprocess.CalledProcessError as error:
        return None, f"cannot build against FANN (apt-get install libfann-dev): {error.stderr.strip()[:200]}"
    return program, ""


def time_fann(X, Y, init, batch_size, epochs, alpha, warmup):
    """FANN 2.2 through a small C program; see fann_bench.c."""
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    with tempfile.TemporaryDirectory() as folder:
        program, reason = fann_program(folder)
        if program is None:
            raise RuntimeError(reason)
        data = Path(folder) / "data.bin"
        with open(data, "wb") as stream:
            np.array([len(X), X.shape[1], init[0].shape[0], Y.shape[1]], dtype=np.int32).tofile(stream)
            for array in (X, Y) + tuple(init):
                np.ascontiguousarray(array, dtype=np.float64).tofile(stream)
        weights_file = Path(folder) / "weights.bin"
        run = subprocess.run(
            [str(program), str(data), str(batch_size), str(epochs), repr(alpha), str(weights_file)],
            check=True, capture_output=True, text=True,
        )
        lines = run.stdout.split()
        output0 = float(lines[1])
        seconds = [float(value) for key, value in zip(lines[2::2], lines[3::2]) if key == "epoch"]
        flat = np.fromfile(weights_file, dtype=np.float64)
    W1, b1, W2, b2 = init
    expected0 = _sigmoid(W2 @ _sigmoid(W1 @ X[0] + b1) + b2)[0]
    if not np.isclose(output0, expected0, rtol=1e-9):
        raise RuntimeError(f"FANN computes a^L_1 = {output0} for the first sample, expected {expected0}")
    sizes = np.cumsum([0, W1.size, b1.size, W2.size, b2.size])
    parts = [flat[sizes[i]:sizes[i + 1]].reshape(shape)
             for i, shape in enumerate((W1.shape, b1.shape, W2.shape, b2.shape))]
    return seconds, tuple(parts), "FANN 2.2 (libdoublefann)"


SYSTEMS = {
    "bplab": time_bplab,
    "numpy": time_numpy,
    "torch-autograd": time_torch_autograd,
    "torch-formulas": time_torch_formulas,
    "sklearn": time_sklearn,
    "fann": time_fann,
}


def test_accuracy(weights, X_test, labels_test):
    """Fraction of test images whose largest output is the true class."""
    W1, b1, W2, b2 = (np.asarray(w, dtype=np.float64) for w in weights)
    with np.errstate(over="ignore"):
        scores = W2 @ _sigmoid(W1 @ X_test.T.astype(np.float64) + b1[:, None]) + b2[:, None]
    return float((scores.argmax(axis=0) == labels_test).mean())


def peak_rss_bytes():
    """Peak resident memory of this process since start or since the last reset_peak_rss()."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmHWM not found in /proc/self/status")


def current_rss_bytes():
    """Resident memory of this process now."""
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise OSError("VmRSS not found in /proc/self/status")


def reset_peak_rss():
    """Make the kernel restart the peak (VmHWM) from the current resident memory."""
    with open(f"/proc/{os.getpid()}/clear_refs", "w") as clear:
        clear.write("5")
