"""Mini-batch BP on all cores: one compiled call per epoch, three parallel steps per batch.

Each thread owns some neurons of every layer, that is some rows of every W^l, and only the
owner writes them. At these sizes, copying freshly updated weights between cores costs more
than the arithmetic on them: a mini-batch of 10 reads all of W^1 only once. So the owner also
does all the work on its rows of W^1, by far the largest matrix. Per batch:

1. by neurons of layer 2: each thread gathers the whole batch into its own block and computes
   its columns of Z^2 = A^1 (W^1)^T + b^1 from its own rows of W^1;
2. by samples: each thread applies f to its rows of Z^2 and runs the rest of fc and all of
   bc on them, so every row of each A^l and D^l comes from one thread;
3. by neurons: each thread updates its rows of every W^l in place with one BLAS call,
   W^l <- W^l - alpha (D^{l+1})^T A^l, where A^1 is its own gathered block.

Each step starts after every thread has finished the one before, except that a thread goes
on from step 3 to the next batch's step 1 at once, since that needs only its own rows of W^1.
So every delta is computed with the weights from before the update, as the lecture's batch
algorithm requires. No
thread keeps a gradient of its own, so there are no gradients to add up, and the update
costs no pass over W beyond the product itself (two with momentum).

BLAS runs on one thread inside each of Numba's threads; the caller limits it.
"""

from numba import njit, prange

from bplab.fast._blas import gemm
from bplab.fast._kernels import activate_row, f_prime, output_delta_row


@njit(cache=True)
def _share(part, parts, total):
    """Return the range [start, stop) of part ``part`` when ``total`` items split into ``parts``."""
    return part * total // parts, (part + 1) * total // parts


@njit(cache=True)
def _share_lines(part, parts, total, line):
    """Return part ``part`` of ``total`` neurons, split only at multiples of ``line``."""
    units = (total + line - 1) // line
    u0, u1 = _share(part, parts, units)
    return min(u0 * line, total), min(u1 * line, total)

@njit(cache=True)
def _first_layer_step(part, parts, n, start, X, order, blocks, A, Ws, bs, use_bias, line, fn):
    """Gather the batch into this part's block and compute its columns of A^1 (W^1)^T + b^1."""
    W = Ws[0]
    n_out, n_in = W.shape
    i0, i1 = _share_lines(part, parts, n_out, line)
    if i1 == i0:
        return
    block = blocks[part]
    for r in range(n):
        sample = order[start + r]
        for j in range(n_in):
            block[r, j] = X[sample, j]
    z = A[0]
    gemm(fn, False, True, n, i1 - i0, n_in, 1.0, block, 0, n_in, W, i0 * n_in, n_in,
         0.0, z, i0, z.shape[1])
    if use_bias:
        b = bs[0]
        for r in range(n):
            for i in range(i0, i1):
                z[r, i] += b[i]


@njit(cache=True)
def _rows_step(part, parts, n, start, Y, order, A, D, Ws, bs, hidden, output, cost,
               use_bias, scale, fn):
    """Run the rest of fc, and bc, on this part's rows of the batch that starts at order[start]."""
    r0, r1 = _share(part, parts, n)
    rows = r1 - r0
    if rows == 0:
        return
    top = len(Ws) - 1
    # Layer 2's z already contains its bias, and softmax needs whole rows, so f applies here.
    a_first = A[0]
    n_first = Ws[0].shape[0]
    for r in range(r0, r1):
        activate_row(a_first, r, n_first, output if top == 0 else hidden)
    for k in range(1, top + 1):
        W = Ws[k]
        n_out, n_in = W.shape
        a_in = A[k - 1]
        a_out = A[k]
        # Z^{l+1} = A^l (W^l)^T on this part's rows.
        gemm(fn, False, True, rows, n_out, n_in, 1.0, a_in, r0 * a_in.shape[1], a_in.shape[1],
             W, 0, n_in, 0.0, a_out, r0 * a_out.shape[1], a_out.shape[1])
        code = output if k == top else hidden
        b = bs[k]
        for r in range(r0, r1):
            if use_bias:
                for i in range(n_out):
                    a_out[r, i] += b[i]
            activate_row(a_out, r, n_out, code)

    # delta^L of each sample, scaled by 1/n for the mean gradient, then bc down to layer 2.
    a_top = A[top]
    d_top = D[top]
    n_top = Ws[top].shape[0]
    for r in range(r0, r1):
        output_delta_row(a_top, r, n_top, Y, order[start + r], d_top, output, cost, scale)
    for k in range(top, 0, -1):
        W = Ws[k]
        n_out, n_in = W.shape
        d_below = D[k - 1]
        a_below = A[k - 1]
        d = D[k]
        gemm(fn, False, False, rows, n_in, n_out, 1.0, d, r0 * d.shape[1], d.shape[1], W, 0, n_in,
             0.0, d_below, r0 * d_below.shape[1], d_below.shape[1])
        for r in range(r0, r1):
            for j in range(n_in):
                d_below[r, j] *= f_prime(a_below[r, j], hidden)


@njit(cache=True)
def _update_step(part, parts, n, blocks, A, first, D, Ws, bs, vWs, vbs, alpha, mu, lam, use_bias,
                 use_momentum, line, fn):
    """Update this part's rows of every W^l and b^l with the batch's summed gradient.

    The batch's activations of layer 2 are A[first], those of layer l > 2 are A[l - 2].
    """
    for k in range(len(Ws)):
        W = Ws[k]
        n_out, n_in = W.shape
        i0, i1 = _share_lines(part, parts, n_out, line)
        if i1 == i0:
            continue
        # W^1's rows split as in step 1, so this part gathered the block it reads.
        if k == 0:
            a_in = blocks[part]
        elif k == 1:
            a_in = A[first]
        else:
            a_in = A[k - 1]
        lda = a_in.shape[1]
        d = D[k]
        ldd = d.shape[1]
        # Rows i0..i1 of the gradient are (D[:, i0:i1])^T A^l, a product over the n samples.
        if use_momentum:
            # v <- mu v - alpha (G + lambda w); w <- w + v
            V = vWs[k]
            gemm(fn, True, False, i1 - i0, n_in, n, -alpha, d, i0, ldd, a_in, 0, lda,
                 mu, V, i0 * n_in, n_in)
            for i in range(i0, i1):
                for j in range(n_in):
                    v = V[i, j] - alpha * lam * W[i, j]
                    V[i, j] = v
                    W[i, j] += v
        else:
            # w <- w - alpha (G + lambda w) = (1 - alpha lambda) w - alpha G
            gemm(fn, True, False, i1 - i0, n_in, n, -alpha, d, i0, ldd, a_in, 0, lda,
                 1.0 - alpha * lam, W, i0 * n_in, n_in)
        if use_bias:
            b = bs[k]
            vb = vbs[k]
            for i in range(i0, i1):
                g = d[0, i]
                for r in range(1, n):
                    g += d[r, i]
                if use_momentum:
                    vb[i] = mu * vb[i] - alpha * g
                    b[i] += vb[i]
                else:
                    b[i] -= alpha * g


@njit(cache=True, parallel=True)
def parallel_batch_epoch(X, Y, order, Ws, bs, vWs, vbs, blocks, A, D, hidden, output, cost,
                         alpha, mu, lam, use_bias, use_momentum, batch_size, mean, parts, line,
                         fn):
    """Run mini-batch BP over X[order] in batches of ``batch_size`` on ``parts`` threads.

    blocks (parts x batch_size x n_1) contains each part's copy of the gathered batch. A and D
    (lists of batch_size x n_{l+1} arrays, or wider) contain the activations and deltas of
    layers 2 to L, and A has one more array shaped like A[0]. Threads split neurons only at
    multiples of ``line`` entries, so with rows that start on cache lines of ``line`` entries
    no two threads write to one cache line.
    ``fn`` is the gemm function pointer for X's dtype.
    """
    m = order.shape[0]
    # Step 3 of a batch and step 1 of the next share one parallel loop: a thread's step 1 reads
    # only its own rows of W^1, which its own step 3 has just updated. Step 3 still reads the
    # previous batch's layer-2 activations while step 1 writes the next ones, so A[0] and
    # A[spare] take turns.
    spare = len(Ws)
    previous = 0
    for start in range(0, m, batch_size):
        n = min(batch_size, m - start)
        # The mean gradient divides by this batch's own size, so a short last batch counts fully.
        scale = 1.0 / n if mean else 1.0
        if previous:
            A[0], A[spare] = A[spare], A[0]
        for part in prange(parts):
            if previous:
                _update_step(part, parts, previous, blocks, A, spare, D, Ws, bs, vWs, vbs, alpha,
                             mu, lam, use_bias, use_momentum, line, fn)
            _first_layer_step(part, parts, n, start, X, order, blocks, A, Ws, bs, use_bias, line,
                              fn)
        for part in prange(parts):
            _rows_step(part, parts, n, start, Y, order, A, D, Ws, bs, hidden, output, cost,
                       use_bias, scale, fn)
        previous = n
    for part in prange(parts):
        _update_step(part, parts, previous, blocks, A, 0, D, Ws, bs, vWs, vbs, alpha, mu, lam,
                     use_bias, use_momentum, line, fn)
