"""Numba epoch engine: online BP as one compiled loop, mini-batch BP on all cores.

Online BP spends its time streaming W^l through the core twice per sample, once for the
forward product and once for the update. The online kernel fuses the two: sample t's update
of W^l, delta^{l+1} (a^l)^T, is applied row by row while the same rows compute sample t + 1's
weighted input z^{l+1}. Every weight is still updated before sample t + 1 reads it, so the
result is the lecture's online algorithm, with W^l read and written once per sample.

Mini-batches of up to ``MAX_PARALLEL_BATCH`` samples run in ``numba_parallel``, which shares
each batch among Numba's threads and calls SciPy's BLAS directly. Full batches and larger
mini-batches run in the NumPy engine, which splits them into chunks; so does all batch BP when
SciPy is missing. Both kernels run an epoch as compiled calls over segments of about
SEGMENT_WORK weight updates, so that Python can act on a Ctrl-C between segments.

The kernels compile on first use for each dtype (5 to 15 seconds each on a 2-core machine)
and are cached on disk afterwards.
"""

import importlib.util
import os
import threading
import time

import numba
import numpy as np
from numba import njit
from numba.typed import List
from threadpoolctl import threadpool_limits

from bplab.fast import numpy_engine
from bplab.fast._kernels import activate, f_prime, output_delta
from bplab.fast._spec import epoch_spec

# Reassociation lets LLVM vectorise the dot products; it changes only the order of the sums.
FASTMATH = {"reassoc", "contract"}
# The parallel kernel calls SciPy's BLAS; without SciPy, batch BP runs in NumPy.
HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
if HAVE_SCIPY:
    # Importing it loads SciPy's BLAS, so that threadpool_limits finds it and limits its threads.
    from bplab.fast import _blas, numba_parallel
# The parallel kernel's work arrays hold a whole batch, and one copy of its inputs per thread:
# about 13 MB for 1,024 rows of a 784-input network on two threads. Larger batches go to the
# NumPy engine, which works through them in chunks.
MAX_PARALLEL_BATCH = 1024
# Python handles a Ctrl-C only between compiled calls, so an epoch runs as calls over segments
# of whole batches with about this many samples x weights: 6,300 samples of 784-100-10 (about
# 0.1 s of online BP on the machine in docs/benchmarks.md), fewer samples of larger networks.
SEGMENT_WORK = 5e8
# Numba's workqueue threading layer aborts the process when two threads launch parallel
# kernels at once, so callers in different threads take turns.
_PARALLEL_LOCK = threading.Lock()
# GNU OpenMP, behind Numba's "omp" threading layer, cannot run parallel code in a process forked
# after it started its threads: Numba terminates such a child. So a forked child trains its
# mini-batches in the NumPy engine. This is the id of the process that started the threads.
_parallel_pid = None


@njit(cache=True, fastmath=FASTMATH)
def _forward_row(W, i, a_in):
    """Return sum_j W[i, j] a_in[j]."""
    row = W[i]
    acc = row[0] * a_in[0]
    for j in range(1, row.shape[0]):
        acc += row[j] * a_in[j]
    return acc


@njit(cache=True, fastmath=FASTMATH)
def _update_row(W, V, i, c, a_old, a_in, alpha, mu, lam, mode):
    """Apply one sample's update to row i of W and return the row's product with a_in.

    NOTE: Each call has a fixed cost of up to about 70 ns (6.9 us per sample for 100 rows of
    8 weights on a Zen 5 core), so layers with short rows stay far from the bandwidth bound.

    c is delta_i of the previous sample and a_old its a^l. ``mode`` selects the rule:
    0 plain w <- w - alpha c a_old, 1 with weight decay lambda, 2 with momentum mu.
    """
    acc = alpha - alpha
    n = W.shape[1]
    if mode == 0:
        step = alpha * c
        for j in range(n):
            w = W[i, j] - step * a_old[j]
            W[i, j] = w
            acc += w * a_in[j]
    elif mode == 1:
        for j in range(n):
            w = W[i, j]
            w = w - alpha * (c * a_old[j] + lam * w)
            W[i, j] = w
            acc += w * a_in[j]
    else:
        for j in range(n):
            w = W[i, j]
            v = mu * V[i, j] - alpha * (c * a_old[j] + lam * w)
            V[i, j] = v
            w = w + v
            W[i, j] = w
            acc += w * a_in[j]
    return acc


@njit(cache=True)
def _update_mode(use_momentum, lam):
    """Return the code of the update rule: 0 plain, 1 with weight decay, 2 with momentum."""
    if use_momentum:
        return 2
    if lam != 0:
        return 1
    return 0


@njit(cache=True)
def _update_bias(b, vb, delta, alpha, mu, use_momentum):
    """b <- b - alpha delta, or the momentum rule; weight decay never applies to biases."""
    for i in range(b.shape[0]):
        if use_momentum:
            vb[i] = mu * vb[i] - alpha * delta[i]
            b[i] = b[i] + vb[i]
        else:
            b[i] = b[i] - alpha * delta[i]


@njit(cache=True, fastmath=FASTMATH)
def _backward(W, delta_next, a, code, delta, work):
    """delta^l = f'(z^l) * (W^l)^T delta^{l+1}, summed row by row so the loop runs over memory."""
    n_in = W.shape[1]
    for j in range(n_in):
        work[j] = 0.0
    for i in range(W.shape[0]):
        d = delta_next[i]
        row = W[i]
        for j in range(n_in):
            work[j] += row[j] * d
    for j in range(n_in):
        delta[j] = work[j] * f_prime(a[j], code)


@njit(cache=True)
def online_epoch(X, Y, order, Ws, bs, vWs, vbs, hidden, output, cost, alpha, mu, lam,
                 use_bias, use_momentum):
    """Run online BP over X[order]; Ws, bs, vWs, vbs are typed lists indexed from 0 for W^1."""
    n_layers = len(Ws)
    mode = _update_mode(use_momentum, lam)
    # Activations of two consecutive samples: the update of sample t needs its a^l while the
    # forward pass of sample t + 1 writes the next ones.
    current = [np.empty(Ws[k].shape[0], X.dtype) for k in range(n_layers)]
    previous = [np.empty(Ws[k].shape[0], X.dtype) for k in range(n_layers)]
    delta = [np.empty(Ws[k].shape[0], X.dtype) for k in range(n_layers)]
    work = np.empty(X.shape[1] + max([W.shape[0] for W in Ws]), X.dtype)
    last = -1

    for t in range(order.shape[0]):
        sample = order[t]

        # Forward pass (Step 3), fused with the previous sample's update (Step 4).
        for k in range(n_layers):
            W = Ws[k]
            a_in = X[sample] if k == 0 else current[k - 1]
            a_out = current[k]
            if last >= 0:
                a_old = X[last] if k == 0 else previous[k - 1]
                # List lookups stay outside the row loop: each costs a reference count update.
                V = vWs[k]
                delta_k = delta[k]
                for i in range(W.shape[0]):
                    a_out[i] = _update_row(W, V, i, delta_k[i], a_old, a_in, alpha, mu, lam, mode)
                if use_bias:
                    _update_bias(bs[k], vbs[k], delta[k], alpha, mu, use_momentum)
            else:
                for i in range(W.shape[0]):
                    a_out[i] = _forward_row(W, i, a_in)
            if use_bias:
                b = bs[k]
                for i in range(W.shape[0]):
                    a_out[i] += b[i]
            activate(a_out, output if k == n_layers - 1 else hidden)

        # Output delta, then bc from layer L - 1 down to layer 2.
        output_delta(current[n_layers - 1], Y[sample], delta[n_layers - 1], output, cost)
        for k in range(n_layers - 1, 0, -1):
            _backward(Ws[k], delta[k], current[k - 1], hidden, delta[k - 1], work)

        current, previous = previous, current
        last = sample

    # The last sample's update has no forward pass left to ride along with.
    for k in range(n_layers):
        W = Ws[k]
        a_old = X[last] if k == 0 else previous[k - 1]
        V = vWs[k]
        delta_k = delta[k]
        for i in range(W.shape[0]):
            _update_row(W, V, i, delta_k[i], a_old, a_old, alpha, mu, lam, mode)
        if use_bias:
            _update_bias(bs[k], vbs[k], delta[k], alpha, mu, use_momentum)


def _typed(arrays):
    typed = List()
    for array in arrays:
        typed.append(array)
    return typed


# Bytes per cache line on x86-64 and most ARM cores; a larger line only brings back some false
# sharing, never a wrong result.
CACHE_LINE = 64


def _aligned_rows(rows, width, dtype):
    """Return an uninitialised (rows, w) array, w >= width, whose rows all start on a cache line."""
    itemsize = np.dtype(dtype).itemsize
    line = CACHE_LINE // itemsize
    padded = -(-width // line) * line
    raw = np.empty(rows * padded + line, dtype)
    offset = (-raw.ctypes.data % CACHE_LINE) // itemsize
    return raw[offset:offset + rows * padded].reshape(rows, padded)


def thread_count():
    """Return the number of parts the parallel kernel shares a batch among."""
    return numba.get_num_threads()


class _ThreadChooser:
    """Choose, segment by segment, whether the parallel kernel's parts run on all threads or one.

    The parts stay the same, so the result does not depend on the choice. The threads wait for
    each other twice per batch, so when another program keeps a core busy, one thread running
    all parts in turn can be faster. The chooser times segments (seconds per sample) both ways
    and keeps the faster. It measures the other way again when the chosen one slows down by
    half, and while on one thread every ``probe_every`` segments. That interval starts at
    PROBE_EVERY and doubles, up to MAX_PROBE_EVERY, each time all threads lose again, because
    on a crowded machine each such measurement costs far more than it can win.
    """

    PROBE_EVERY = 8
    MAX_PROBE_EVERY = 256
    SLOWDOWN = 1.5

    def __init__(self):
        self.last = {}
        self.best = {}
        self.previous = None
        self.target = None
        self.since_probe = 0
        self.probe_every = self.PROBE_EVERY

    def choose(self, threads):
        for way in (threads, 1):
            if way not in self.last:
                return way
        if self.target is not None:
            return self.target
        current = min(self.last, key=self.last.get)
        self.since_probe += 1
        slowed = self.last[current] > self.SLOWDOWN * self.best[current]
        if slowed or (current == 1 and self.since_probe >= self.probe_every):
            self.since_probe = 0
            # The slowed time becomes the reference, so one slowdown triggers one probe.
            self.best[current] = self.last[current]
            self.target = 1 if current == threads else threads
            return self.target
        return current

    def record(self, threads, seconds_per_sample):
        switched = threads != self.previous
        self.previous = threads
        if switched:
            # The first segment after a switch also pays for waking threads and filling caches
            # (and, in a new process, for loading the compiled kernel), so it does not count.
            return
        self.last[threads] = seconds_per_sample
        self.best[threads] = min(self.best.get(threads, seconds_per_sample), seconds_per_sample)
        if threads == self.target:
            self.target = None
            if threads > 1 and self.last[1] <= seconds_per_sample:
                self.probe_every = min(2 * self.probe_every, self.MAX_PROBE_EVERY)
            elif threads > 1:
                self.probe_every = self.PROBE_EVERY


# One chooser per network shape, batch size and dtype, kept across epochs.
_CHOOSERS = {}


def _forked_after_parallel():
    """Return True in a process forked after its parent ran the parallel kernel on OpenMP."""
    if _parallel_pid is None or _parallel_pid == os.getpid():
        return False
    return numba.threading_layer() == "omp"


def _segments(order, batch_size, Ws):
    """Yield consecutive parts of ``order`` of about SEGMENT_WORK samples x weights.

    Each part ends between batches, so the batches are those of the whole epoch.
    """
    weights = sum(W.size for W in Ws)
    step = max(1, int(SEGMENT_WORK / weights) // batch_size) * batch_size
    for start in range(0, len(order), step):
        yield order[start:start + step]


def _parallel_batch(X, Y, order, Ws, bs, vWs, vbs, spec, use_bias, use_momentum):
    global _parallel_pid
    rows = spec.batch_size
    parts = thread_count()
    blocks = np.empty((parts, rows, X.shape[1]), X.dtype)
    # Threads write to neighbouring columns of A^2 and neighbouring rows of every A and D, so
    # rows start on cache lines and the split falls between lines (see numba_parallel).
    A = _typed(_aligned_rows(rows, W.shape[0], X.dtype) for W in [*Ws, Ws[0]])
    D = _typed(_aligned_rows(rows, W.shape[0], X.dtype) for W in Ws)
    with _PARALLEL_LOCK, threadpool_limits(limits=1, user_api="blas"):
        _parallel_pid = os.getpid()
        key = (tuple(W.shape for W in Ws), rows, X.dtype.str)
        chooser = _CHOOSERS.setdefault(key, _ThreadChooser())
        all_threads = numba.get_num_threads()
        try:
            for segment in _segments(order, rows, Ws):
                threads = chooser.choose(all_threads) if parts > 1 else all_threads
                numba.set_num_threads(threads)
                start = time.perf_counter()
                numba_parallel.parallel_batch_epoch(
                    X, Y, segment, Ws, bs, vWs, vbs, blocks, A, D, spec.hidden, spec.output,
                    spec.cost, spec.alpha, spec.momentum, spec.l2, use_bias, use_momentum, rows,
                    spec.mean, parts, CACHE_LINE // X.dtype.itemsize, _blas.gemm_function(X.dtype))
                chooser.record(threads, (time.perf_counter() - start) / len(segment))
        finally:
            numba.set_num_threads(all_threads)


def run_epoch(net, X, Y, order, learning_rate, batch_size, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Run one epoch with the Numba kernels; same parameters and result as ``bplab.fast.run_epoch``."""
    spec = epoch_spec(net, X, Y, order, learning_rate, batch_size, momentum, l2, velocity, batch_gradient)
    if spec is None:
        return False
    full_batch = spec.batch_size >= len(order)
    too_large = full_batch or spec.batch_size > MAX_PARALLEL_BATCH
    if spec.batch_size > 1 and (too_large or not HAVE_SCIPY or _forked_after_parallel()):
        return numpy_engine.run_epoch(net, X, Y, order, learning_rate, batch_size, momentum, l2,
                                      velocity, batch_gradient)
    layers = range(1, net.L)
    use_bias = net.b[1] is not None
    use_momentum = bool(momentum)
    Ws = _typed(net.W[l] for l in layers)
    empty = np.empty(0, net.dtype)
    bs = _typed(net.b[l] if use_bias else empty for l in layers)
    vWs = _typed(velocity[0][l] for l in layers) if use_momentum else Ws
    vbs = _typed(velocity[1][l] for l in layers) if use_momentum and use_bias else bs
    order = np.ascontiguousarray(order, dtype=np.int64)
    if spec.batch_size == 1:
        for segment in _segments(order, 1, Ws):
            online_epoch(X, Y, segment, Ws, bs, vWs, vbs, spec.hidden, spec.output, spec.cost,
                         spec.alpha, spec.momentum, spec.l2, use_bias, use_momentum)
    else:
        _parallel_batch(X, Y, order, Ws, bs, vWs, vbs, spec, use_bias, use_momentum)
    return True
