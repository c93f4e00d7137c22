"""Numba epoch engine: online BP as one compiled loop, batch BP with BLAS products.

Online BP spends its time streaming W^l through the core twice per sample, once for the
forward product and once for the update. The online kernel fuses the two: sample t's update
of W^l, delta^{l+1} (a^l)^T, is applied row by row while the same rows compute sample t + 1's
weighted input z^{l+1}. Every weight is still updated before sample t + 1 reads it, so the
result is the lecture's online algorithm, with W^l read and written once per sample.

Mini-batches smaller than ``numpy_engine.THREADED_BATCH`` are gathered into a preallocated
block and multiplied by single-threaded BLAS through np.dot (Numba's np.dot needs SciPy), with
the whole epoch in one compiled call. Larger batches and full batches run in the NumPy engine,
which splits them among threads.

The kernels compile on first use for each dtype (5 to 15 seconds each on a 2-core machine)
and are cached on disk afterwards.
"""

import importlib.util

import numpy as np
from numba import njit
from numba.typed import List
from threadpoolctl import threadpool_limits

from bplab.fast import numpy_engine
from bplab.fast._kernels import activate, f_prime, output_delta
from bplab.fast._spec import epoch_spec

# Reassociation lets LLVM vectorise the dot products; it changes only the order of the sums.
FASTMATH = {"reassoc", "contract"}
# Numba compiles np.dot to a BLAS call through SciPy; without SciPy, batch BP runs in NumPy.
HAVE_SCIPY = importlib.util.find_spec("scipy") is not None
if HAVE_SCIPY:
    # Load SciPy's BLAS now, so that threadpool_limits finds it and can limit its threads.
    import scipy.linalg.cython_blas  # noqa: F401
# Samples per block when a batch is larger than this: big enough for BLAS to run near its
# peak rate, small enough to keep the work arrays in a few megabytes.
CHUNK = 1024


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


@njit(cache=True)
def _activate_rows(A, rows, b, code, use_bias):
    """Add the bias to the first ``rows`` rows of A and apply f to each row."""
    for r in range(rows):
        row = A[r]
        if use_bias:
            for i in range(row.shape[0]):
                row[i] += b[i]
        activate(row, code)


@njit(cache=True)
def _apply_update(W, G, V, alpha, mu, lam, mode):
    """W <- W - alpha (G + lambda W), or the momentum rule, for a weight matrix or a bias."""
    Wf = W.reshape(-1)
    Gf = G.reshape(-1)
    Vf = V.reshape(-1)
    if mode == 0:
        for j in range(Wf.shape[0]):
            Wf[j] -= alpha * Gf[j]
    elif mode == 1:
        for j in range(Wf.shape[0]):
            Wf[j] -= alpha * (Gf[j] + lam * Wf[j])
    else:
        for j in range(Wf.shape[0]):
            v = mu * Vf[j] - alpha * (Gf[j] + lam * Wf[j])
            Vf[j] = v
            Wf[j] += v


@njit(cache=True)
def batch_epoch(X, Y, order, Ws, bs, vWs, vbs, hidden, output, cost, alpha, mu, lam,
                use_bias, use_momentum, batch_size, mean, chunk):
    """Run batch BP over X[order] in batches of ``batch_size``.

    A batch of all m samples is taken in the stored order, because its summed gradient does
    not depend on the order.
    """
    m = order.shape[0]
    n_layers = len(Ws)
    mode = _update_mode(use_momentum, lam)
    rows = min(batch_size, chunk)
    full = batch_size >= m
    block = np.empty((rows, X.shape[1]), X.dtype)
    A = [np.empty((rows, Ws[k].shape[0]), X.dtype) for k in range(n_layers)]
    D = [np.empty((rows, Ws[k].shape[0]), X.dtype) for k in range(n_layers)]
    G = [np.empty_like(W) for W in Ws]
    work = [np.empty_like(W) for W in Ws]
    Gb = [np.empty(W.shape[0], X.dtype) for W in Ws]

    for start in range(0, m, batch_size):
        stop = min(start + batch_size, m)
        # The mean gradient divides by this batch's own size, so a short last batch counts fully.
        scale = 1.0 / (stop - start) if mean else 1.0
        for c0 in range(start, stop, rows):
            c1 = min(c0 + rows, stop)
            n = c1 - c0
            if full:
                a1 = X[c0:c1]
            else:
                for r in range(n):
                    block[r] = X[order[c0 + r]]
                a1 = block[:n]

            # Forward pass: rows of Z^{l+1} = A^l (W^l)^T, shape (n, n_{l+1}).
            for k in range(n_layers):
                a_in = a1 if k == 0 else A[k - 1][:n]
                np.dot(a_in, Ws[k].T, A[k][:n])
                _activate_rows(A[k], n, bs[k], output if k == n_layers - 1 else hidden, use_bias)

            # Output deltas, scaled by 1/batch size for the mean gradient, then bc. List
            # lookups stay outside the element loops: each costs a reference count update.
            top = n_layers - 1
            A_top = A[top]
            D_top = D[top]
            for r in range(n):
                y = Y[c0 + r] if full else Y[order[c0 + r]]
                output_delta(A_top[r], y, D_top[r], output, cost)
                for i in range(D_top.shape[1]):
                    D_top[r, i] *= scale
            for k in range(top, 0, -1):
                D_below = D[k - 1]
                A_below = A[k - 1]
                np.dot(D[k][:n], Ws[k], D_below[:n])
                for r in range(n):
                    for j in range(D_below.shape[1]):
                        D_below[r, j] *= f_prime(A_below[r, j], hidden)

            # dJ/dW^l = sum over the samples of delta^{l+1} (a^l)^T = D^T A, accumulated per chunk.
            for k in range(n_layers):
                a_in = a1 if k == 0 else A[k - 1][:n]
                target = G[k] if c0 == start else work[k]
                np.dot(D[k][:n].T, a_in, target)
                if c0 != start:
                    G[k] += work[k]
                if use_bias:
                    gradient = Gb[k]
                    deltas = D[k]
                    if c0 == start:
                        gradient[:] = 0.0
                    for r in range(n):
                        for i in range(gradient.shape[0]):
                            gradient[i] += deltas[r, i]

        for k in range(n_layers):
            _apply_update(Ws[k], G[k], vWs[k], alpha, mu, lam, mode)
            if use_bias:
                _apply_update(bs[k], Gb[k], vbs[k], alpha, mu, lam - lam, mode)


def _typed(arrays):
    typed = List()
    for array in arrays:
        typed.append(array)
    return typed


def run_epoch(net, X, Y, order, learning_rate, batch_size, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Run one epoch with the Numba kernels; same parameters and result as ``bplab.fast.run_epoch``."""
    spec = epoch_spec(net, X, Y, order, learning_rate, batch_size, momentum, l2, velocity, batch_gradient)
    if spec is None:
        return False
    if spec.batch_size > 1 and (spec.batch_size >= numpy_engine.THREADED_BATCH or not HAVE_SCIPY):
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
    common = (X, Y, order, Ws, bs, vWs, vbs, spec.hidden, spec.output, spec.cost,
              spec.alpha, spec.momentum, spec.l2, use_bias, use_momentum)
    if spec.batch_size == 1:
        online_epoch(*common)
    else:
        with threadpool_limits(limits=1, user_api="blas"):
            batch_epoch(*common, spec.batch_size, spec.mean, CHUNK)
    return True
