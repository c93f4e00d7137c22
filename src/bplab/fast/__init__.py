"""Fast epoch engines: the same updates as ``bplab.online`` and ``bplab.batch``, computed faster.

``run_epoch`` picks the best engine available: the Numba engine when Numba is installed (the
``fast`` extra), else the NumPy engine. Both compute exactly the reference's updates, in a
different order of floating-point operations, so float64 weights after an epoch agree with the
reference to about 1e-12. The training loop calls ``run_epoch`` and falls back to the reference
when it returns False.

The engines support:

- hidden layers: sigmoid, tanh, relu, leaky_relu and linear;
- outputs: sigmoid, tanh, relu, leaky_relu, linear and softmax;
- the quadratic and cross-entropy costs, with biases on or off;
- momentum and L2 weight decay, in float64 and float32.
"""

import os

from bplab.fast import numpy_engine

try:
    from bplab.fast import numba_engine
except ImportError:  # Numba is an optional extra
    numba_engine = None

ENGINES = {"numpy": numpy_engine.run_epoch}
if numba_engine is not None:
    ENGINES["numba"] = numba_engine.run_epoch
# Set BPLAB_FAST_ENGINE to "numpy" or "numba" to force one engine, for comparisons.
ENGINE_VARIABLE = "BPLAB_FAST_ENGINE"


def engine_name():
    """Return the name of the engine ``run_epoch`` uses: "numba" or "numpy".

    Raises
    ------
    ValueError
        If the BPLAB_FAST_ENGINE environment variable names an engine that is not available.
    """
    chosen = os.environ.get(ENGINE_VARIABLE, "")
    if chosen:
        if chosen not in ENGINES:
            hint = "" if "numba" in ENGINES else " (numba needs the fast extra: pip install 'bplab[fast]')"
            raise ValueError(
                f"{ENGINE_VARIABLE}={chosen!r} is not an available engine; expected one of: "
                f"{', '.join(ENGINES)}{hint}, or unset it to choose automatically"
            )
        return chosen
    return "numba" if "numba" in ENGINES else "numpy"


def run_epoch(net, X, Y, order, learning_rate, batch_size, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Run one epoch of BP, updating ``net.W`` and ``net.b`` in place.

    Parameters
    ----------
    net : Network
    X : ndarray of shape (m, n_1)
        C-contiguous samples as rows, in ``net.dtype``.
    Y : ndarray of shape (m, n_L)
        C-contiguous targets as rows, in ``net.dtype``.
    order : ndarray of int
        The order in which to visit the samples.
    learning_rate : float
        alpha.
    batch_size : int
        Samples per update: 1 is online BP, m (or more) is batch BP over the whole set, which
        is taken in the stored order because its summed gradient does not depend on it.
    momentum : float, default 0.0
        mu in v <- mu v - alpha (g + lambda W); W <- W + v.
    l2 : float, default 0.0
        lambda, the weight decay; it does not apply to biases.
    velocity : tuple of (list, list), optional
        Momentum buffers (vW, vb) shaped like ``net.W`` and ``net.b``; needed when momentum > 0.
    batch_gradient : {"mean", "sum"}, default "mean"
        Divide each batch's accumulated gradient by its number of samples, or use the sum.

    Returns
    -------
    bool
        True after the epoch ran; False, with the network untouched, when the engines do not
        support these settings or arrays (then the reference engine should run).
    """
    engine = ENGINES[engine_name()]
    return engine(net, X, Y, order, learning_rate, batch_size, momentum, l2, velocity, batch_gradient)
