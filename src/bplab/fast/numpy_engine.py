"""NumPy epoch engine: the reference's arithmetic with preallocated buffers and in-place updates.

The engine runs where Numba is not installed, and the Numba engine hands it full batches and
mini-batches too large for its own parallel kernel. It avoids the reference's per-step
temporaries: every product writes into a buffer made once per epoch (``out=``), and W^l is
updated in place. BLAS runs on one thread. Instead, a full batch, or a mini-batch of
THREADED_BATCH samples or more, is split into parts that one Python thread per CPU processes
side by side. That keeps the elementwise work (exp, f') parallel too. The parts' gradients
are summed before the update.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from bplab.fast._spec import (
    CROSS_ENTROPY, LEAKY_RELU, LINEAR, RELU, SIGMOID, SOFTMAX, TANH, epoch_spec,
)

LEAKY_SLOPE = 0.01
# Samples per block in full-batch BP; bounds the work memory whatever m is.
CHUNK = 1024
# Mini-batches of at least this many samples are split among threads, one part each. BLAS
# always runs on one thread: multithreaded OpenBLAS on products this small is about 1.2x
# faster on an idle 2-core machine, but up to 10x slower when other processes share the cores.
THREADED_BATCH = 64


def _activate(z, code, work):
    """Replace z by f(z) in place; rows of a 2-D z are samples. ``work`` matches z's shape."""
    if code == SIGMOID:
        # 1 / (1 + exp(-z)); exp overflows to inf for z < -709 and the result is then 0.
        with np.errstate(over="ignore"):
            np.negative(z, out=z)
            np.exp(z, out=z)
        z += 1.0
        np.reciprocal(z, out=z)
    elif code == TANH:
        np.tanh(z, out=z)
    elif code == RELU:
        np.maximum(z, 0.0, out=z)
    elif code == LEAKY_RELU:
        np.multiply(z, LEAKY_SLOPE, out=work)
        np.maximum(z, work, out=z)
    elif code == SOFTMAX:
        z -= z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=-1, keepdims=True)


def _times_f_prime(delta, a, code, work):
    """delta *= f'(z), with f'(z) written through a = f(z)."""
    if code == SIGMOID:
        np.subtract(1.0, a, out=work)
        work *= a
        delta *= work
    elif code == TANH:
        np.multiply(a, a, out=work)
        np.subtract(1.0, work, out=work)
        delta *= work
    elif code == RELU:
        np.greater(a, 0.0, out=work)
        delta *= work
    elif code == LEAKY_RELU:
        np.greater(a, 0.0, out=work)
        work *= 1.0 - LEAKY_SLOPE
        work += LEAKY_SLOPE
        delta *= work


def _output_delta(a, y, delta, output, cost, work):
    """delta^L = dJ/dz^L for the rows (samples) of a."""
    np.subtract(a, y, out=delta)
    if cost == CROSS_ENTROPY or output == LINEAR:
        return
    if output == SOFTMAX:
        # delta_i = a_i (e_i - sum_j e_j a_j)
        np.multiply(delta, a, out=work)
        delta -= work.sum(axis=-1, keepdims=True)
        delta *= a
        return
    _times_f_prime(delta, a, output, work)


def _apply_update(w, g, v, alpha, mu, lam):
    """w <- w - alpha (g + lambda w), or with momentum v <- mu v - alpha (g + lambda w); w <- w + v.

    Overwrites g.
    """
    if lam:
        g += lam * w
    if v is None:
        g *= alpha
        w -= g
        return
    v *= mu
    g *= alpha
    v -= g
    w += v


class _Buffers:
    """Per-layer work arrays for blocks of ``rows`` samples (rows = 0 gives vectors)."""

    def __init__(self, net, rows):
        shape = (lambda n: (rows, n)) if rows else (lambda n: (n,))
        layers = range(1, net.L)
        self.a = [np.empty(shape(net.W[l].shape[0]), net.dtype) for l in layers]
        self.delta = [np.empty_like(a) for a in self.a]
        self.work = [np.empty_like(a) for a in self.a]
        self.G = [np.empty_like(net.W[l]) for l in layers]
        self.Gb = [np.empty(net.W[l].shape[0], net.dtype) for l in layers]
        self.G_chunk = [np.empty_like(G) for G in self.G]
        if rows:
            self.block = np.empty((rows, net.layer_sizes[0]), net.dtype)
            self.targets = np.empty((rows, net.layer_sizes[-1]), net.dtype)


class _Layers:
    """The network's per-layer arrays, indexed from 0 for W^1, and the epoch's settings."""

    def __init__(self, net, spec, velocity):
        n_layers = net.L - 1
        self.W = net.W[1:]
        self.b = net.b[1:]
        self.f = [spec.hidden] * (n_layers - 1) + [spec.output]
        self.vW = velocity[0][1:] if velocity is not None else [None] * n_layers
        self.vb = velocity[1][1:] if velocity is not None else [None] * n_layers
        self.spec = spec


def _online(net, X, Y, order, spec, velocity):
    layers = _Layers(net, spec, velocity)
    W, b, f = layers.W, layers.b, layers.f
    n_layers = len(W)
    buffers = _Buffers(net, 0)
    a, delta, work, G = buffers.a, buffers.delta, buffers.work, buffers.G

    for sample in order:
        a_in = [X[sample]] + a[:-1]
        for k in range(n_layers):
            np.dot(W[k], a_in[k], out=a[k])
            if b[k] is not None:
                a[k] += b[k]
            _activate(a[k], f[k], work[k])

        _output_delta(a[-1], Y[sample], delta[-1], spec.output, spec.cost, work[-1])
        for k in range(n_layers - 1, 0, -1):
            np.dot(W[k].T, delta[k], out=delta[k - 1])
            _times_f_prime(delta[k - 1], a[k - 1], spec.hidden, work[k - 1])

        for k in range(n_layers):
            np.outer(delta[k], a_in[k], out=G[k])
            _apply_update(W[k], G[k], layers.vW[k], spec.alpha, spec.momentum, spec.l2)
            if b[k] is not None:
                _apply_update(b[k], delta[k].copy(), layers.vb[k], spec.alpha, spec.momentum, 0.0)


def _accumulate(layers, buffers, a1, y, scale, first):
    """Add the summed gradient of the rows a1 (targets y), times ``scale``, to buffers.G and Gb.

    ``first`` overwrites G and Gb instead of adding to them.
    """
    W, b, f, spec = layers.W, layers.b, layers.f, layers.spec
    n = len(a1)
    a = [x[:n] for x in buffers.a]
    delta = [x[:n] for x in buffers.delta]
    work = [x[:n] for x in buffers.work]
    a_in = [a1] + a[:-1]

    # Forward pass on rows: Z^{l+1} = A^l (W^l)^T.
    for k in range(len(W)):
        np.matmul(a_in[k], W[k].T, out=a[k])
        if b[k] is not None:
            a[k] += b[k]
        _activate(a[k], f[k], work[k])

    _output_delta(a[-1], y, delta[-1], spec.output, spec.cost, work[-1])
    delta[-1] *= scale
    for k in range(len(W) - 1, 0, -1):
        np.matmul(delta[k], W[k], out=delta[k - 1])
        _times_f_prime(delta[k - 1], a[k - 1], spec.hidden, work[k - 1])

    # dJ/dW^l summed over the samples: D^T A.
    for k in range(len(W)):
        np.matmul(delta[k].T, a_in[k], out=buffers.G[k] if first else buffers.G_chunk[k])
        if not first:
            buffers.G[k] += buffers.G_chunk[k]
        if b[k] is not None:
            total = delta[k].sum(axis=0)
            if first:
                buffers.Gb[k][:] = total
            else:
                buffers.Gb[k] += total


def _update(layers, G, Gb):
    spec = layers.spec
    for k in range(len(layers.W)):
        _apply_update(layers.W[k], G[k], layers.vW[k], spec.alpha, spec.momentum, spec.l2)
        if layers.b[k] is not None:
            _apply_update(layers.b[k], Gb[k], layers.vb[k], spec.alpha, spec.momentum, 0.0)


def _gather_part(layers, buffers, X, Y, index, scale):
    """Accumulate the gradient of the samples X[index] into buffers, chunk by chunk."""
    rows = len(buffers.block)
    for c0 in range(0, len(index), rows):
        part = index[c0:c0 + rows]
        n = len(part)
        np.take(X, part, axis=0, out=buffers.block[:n])
        np.take(Y, part, axis=0, out=buffers.targets[:n])
        _accumulate(layers, buffers, buffers.block[:n], buffers.targets[:n], scale, c0 == 0)


def _sum_into_first(layers, buffers):
    for other in buffers[1:]:
        for k in range(len(layers.W)):
            buffers[0].G[k] += other.G[k]
            if layers.b[k] is not None:
                buffers[0].Gb[k] += other.Gb[k]


def _minibatch(net, X, Y, order, spec, velocity, threads):
    """Mini-batch BP; each batch is split among ``threads`` threads, which sum their gradients."""
    layers = _Layers(net, spec, velocity)
    threads = max(1, min(threads, spec.batch_size))
    part_size = -(-spec.batch_size // threads)
    buffers = [_Buffers(net, min(part_size, CHUNK)) for _ in range(threads)]
    pool = ThreadPoolExecutor(threads - 1) if threads > 1 else None
    try:
        for start in range(0, len(order), spec.batch_size):
            index = order[start:start + spec.batch_size]
            scale = 1.0 / len(index) if spec.mean else 1.0
            parts = [index[i:i + part_size] for i in range(0, len(index), part_size)]
            # The main thread takes the first part and the pool the others.
            futures = [pool.submit(_gather_part, layers, buffers[i], X, Y, parts[i], scale)
                       for i in range(1, len(parts))]
            _gather_part(layers, buffers[0], X, Y, parts[0], scale)
            for future in futures:
                future.result()
            _sum_into_first(layers, buffers[:len(parts)])
            _update(layers, buffers[0].G, buffers[0].Gb)
    finally:
        if pool is not None:
            pool.shutdown()


def _full_batch(net, X, Y, spec, velocity, threads):
    """Take one step over all m rows in stored order, sharing the chunks among ``threads`` threads."""
    layers = _Layers(net, spec, velocity)
    m = len(X)
    scale = 1.0 / m if spec.mean else 1.0
    starts = list(range(0, m, CHUNK))
    threads = max(1, min(threads, len(starts)))
    shares = [starts[i::threads] for i in range(threads)]
    buffers = [_Buffers(net, min(CHUNK, m)) for _ in shares]

    def work(index):
        for count, c0 in enumerate(shares[index]):
            c1 = min(c0 + CHUNK, m)
            _accumulate(layers, buffers[index], X[c0:c1], Y[c0:c1], scale, count == 0)

    if threads == 1:
        work(0)
    else:
        # NumPy releases the GIL inside matmul and ufuncs, so the threads run in parallel.
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))
    _sum_into_first(layers, buffers)
    _update(layers, buffers[0].G, buffers[0].Gb)


def cpu_count():
    """Return the number of CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_epoch(net, X, Y, order, learning_rate, batch_size, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Run one epoch with NumPy; same parameters and result as ``bplab.fast.run_epoch``."""
    spec = epoch_spec(net, X, Y, order, learning_rate, batch_size, momentum, l2, velocity, batch_gradient)
    if spec is None:
        return False
    velocity = velocity if momentum else None
    # Each product runs on one BLAS thread, and the engine uses threads where they pay.
    with threadpool_limits(limits=1, user_api="blas"):
        if spec.batch_size == 1:
            _online(net, X, Y, order, spec, velocity)
        elif spec.batch_size >= len(order):
            _full_batch(net, X, Y, spec, velocity, cpu_count())
        else:
            threads = cpu_count() if spec.batch_size >= THREADED_BATCH else 1
            _minibatch(net, X, Y, order, spec, velocity, threads)
    return True
