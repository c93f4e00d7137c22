"""The lecture's fully-connected network: layers 1..L, z^{l+1} = W^l a^l, a^{l+1} = f(z^{l+1}).

Per-layer lists are indexed as in the lecture: ``W[l]`` is W^l for l = 1..L-1, ``a[l]`` is
a^l with ``a[1]`` the input, and index 0 is unused (None). Inside the network a batch is a
matrix with one column per sample. The public methods take and return one row per sample and
transpose once, where data enters.
"""

import numpy as np

from bplab import _inputs
from bplab.activations import get_activation
from bplab.core import bc, fc, weight_gradient
from bplab.costs import CROSS_ENTROPY_OUTPUTS, get_cost

DTYPES = ("float64", "float32")
# Rows evaluated at once by the prediction and cost methods, to bound temporary memory.
CHUNK = 8192


class Network:
    """A fully-connected network trained by backpropagation.

    Parameters
    ----------
    layer_sizes : sequence of int
        n_1, ..., n_L: the input size, the hidden layer sizes and the output size.
    activation : str, default "sigmoid"
        f of the hidden layers: "sigmoid", "tanh", "relu", "leaky_relu" or "linear".
    output_activation : str, optional
        f of layer L. Defaults to ``activation`` for the quadratic cost (the lecture uses one f
        throughout) and to "softmax" for cross-entropy ("sigmoid" when n_L = 1).
    cost : {"quadratic", "cross_entropy"}, default "quadratic"
        J of one sample; a set of samples costs the mean of these. The name is kept as
        ``cost_name``, and ``net.cost(X, Y)`` computes the mean cost.
    bias : bool, default True
        Add b^l to z^{l+1}. ``bias=False`` is exactly the lecture's z^{l+1} = W^l a^l.
    dtype : {"float64", "float32"}, default "float64"
        Floating type of weights and computations.
    seed : int or numpy.random.Generator, optional
        Seed of the weight initialisation.

    Notes
    -----
    W^l is drawn from a normal distribution with standard deviation sqrt(1 / n_l) (LeCun) for
    sigmoid, tanh and linear layers and sqrt(2 / n_l) (He) for relu and leaky_relu layers. So a
    neuron's weighted input keeps roughly unit scale whatever the fan-in n_l. Random weights
    break the symmetry between neurons, which would otherwise all learn the same thing.
    Biases start at zero.
    """

    def __init__(self, layer_sizes, activation="sigmoid", output_activation=None,
                 cost="quadratic", bias=True, dtype="float64", seed=None):
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        hidden = get_activation(activation)
        if not hidden.elementwise:
            raise ValueError(
                f"activation {hidden.name!r} normalises a whole layer and is allowed only as "
                "output_activation; choose sigmoid, tanh, relu, leaky_relu or linear for hidden layers"
            )
        self.cost_name = get_cost(cost).name
        if output_activation is None:
            output_activation = hidden.name
            if self.cost_name == "cross_entropy":
                output_activation = "softmax" if self.layer_sizes[-1] > 1 else "sigmoid"
        self.activation = hidden.name
        self.output_activation = get_activation(output_activation).name
        if self.output_activation == "softmax" and self.layer_sizes[-1] == 1:
            raise ValueError(
                "output_activation 'softmax' on a single output neuron always gives a^L = 1 and cannot "
                "learn; use 'sigmoid' for one output, or n_L = 2 outputs for two classes"
            )
        if self.cost_name == "cross_entropy" and self.output_activation not in CROSS_ENTROPY_OUTPUTS:
            raise ValueError(
                f"cost 'cross_entropy' needs outputs inside (0, 1), but output_activation "
                f"{self.output_activation!r} leaves that range; use 'softmax' or 'sigmoid'"
            )
        self.dtype = _check_dtype(dtype)
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(f"bias must be True or False; got {bias!r}")
        self.bias = bool(bias)
        self.classes_ = None
        self._init_weights(np.random.default_rng(seed))

    def _init_weights(self, rng):
        n = self.layer_sizes
        self.W = [None]
        self.b = [None]
        for l in range(1, self.L):
            gain = 2.0 if self.f[l + 1].name in ("relu", "leaky_relu") else 1.0
            scale = np.sqrt(gain / n[l - 1])
            self.W.append((rng.standard_normal((n[l], n[l - 1])) * scale).astype(self.dtype))
            self.b.append(np.zeros(n[l], dtype=self.dtype) if self.bias else None)

    @property
    def L(self):
        """The number of layers, input and output included."""
        return len(self.layer_sizes)

    @property
    def f(self):
        """Activations indexed by layer: f[l] for l = 2..L (f[0] and f[1] are None)."""
        hidden = get_activation(self.activation)
        return [None, None] + [hidden] * (self.L - 2) + [get_activation(self.output_activation)]

    def __repr__(self):
        sizes = "-".join(str(n) for n in self.layer_sizes)
        return (
            f"Network({sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}, cost={self.cost_name!r}, "
            f"bias={self.bias}, dtype={self.dtype.name!r})"
        )

    # -- The lecture's algorithm on column matrices ---------------------------------------

    def _forward_columns(self, a1):
        """Forward pass: a[l], z[l] for l = 1..L from a^1 of shape (n_1, m)."""
        a = [None, a1]
        z = [None, None]
        f = self.f
        for l in range(1, self.L):
            z_next, a_next = fc(self.W[l], a[l], f[l + 1], self.b[l])
            z.append(z_next)
            a.append(a_next)
        return a, z

    def _backward_columns(self, a, z, y):
        """Backward pass: delta[l] for l = 2..L, from the forward lists and targets (n_L, m)."""
        f = self.f
        L = self.L
        delta = [None] * (L + 1)
        delta[L] = get_cost(self.cost_name).delta(z[L], a[L], y, f[L])
        for l in range(L - 1, 1, -1):
            delta[l] = bc(self.W[l], delta[l + 1], f[l].f_prime(z[l]))
        return delta

    def _gradients_columns(self, a1, y):
        """Sum over the m columns of dJ/dW^l and dJ/db^l, plus the deltas."""
        a, z = self._forward_columns(a1)
        delta = self._backward_columns(a, z, y)
        dW = [None] + [weight_gradient(delta[l + 1], a[l]) for l in range(1, self.L)]
        db = [None] + [delta[l + 1].sum(axis=1) if self.bias else None for l in range(1, self.L)]
        return dW, db, delta

    def _J_columns(self, a1, y):
        """Cost of each sample, shape (m,)."""
        a, z = self._forward_columns(a1)
        return get_cost(self.cost_name).J(z[self.L], a[self.L], y, self.f[self.L])

    # -- Public methods: one row per sample -----------------------------------------------

    def prepare(self, X, Y=None):
        """Check X (and Y) and return them as float arrays of shape (m, n_1) and (m, n_L).

        Class labels in Y are one-hot encoded; the first labelled call fixes ``classes_``.
        """
        rows = _inputs.as_samples(X, self.layer_sizes[0], self.dtype)
        if Y is None:
            return rows
        # After as_samples, so that a ragged X gets its message rather than NumPy's.
        single = np.ndim(X) == 1
        X = rows
        classes_before = self.classes_
        try:
            Y = self.encode_targets(Y, single_sample=single)
            if len(Y) != len(X):
                raise ValueError(f"X has {len(X)} samples but Y has {len(Y)}; give one target per sample")
            if self.cost_name == "cross_entropy" and (Y.min() < 0 or Y.max() > 1):
                bad = Y.min() if Y.min() < 0 else Y.max()
                raise ValueError(f"cross-entropy needs targets in [0, 1]; Y contains {bad}")
            if self.cost_name == "cross_entropy" and self.output_activation == "softmax":
                _check_distributions(Y)
        except (ValueError, TypeError):
            # A rejected call must not fix the class list from labels that were never used.
            self.classes_ = classes_before
            raise
        return X, Y

    def encode_targets(self, Y, single_sample=False):
        """Return targets of shape (m, n_L): labels are one-hot encoded, target rows pass through."""
        n_L = self.layer_sizes[-1]
        f_L = self.f[self.L]
        if not _inputs.looks_like_labels(Y, n_L, single_sample, (f_L.low, f_L.high)):
            return _inputs.as_targets(Y, n_L, self.dtype)
        labels = np.atleast_1d(np.asarray(Y))
        if labels.size == 0:
            raise ValueError("Y is empty (0 labels); give one label per sample")
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            raise ValueError("Y contains a NaN or infinite label; every sample needs a class label")
        if self.classes_ is None:
            self.classes_ = _inputs.infer_classes(labels, n_L)
        return _inputs.one_hot(labels, self.classes_, self.dtype, n_outputs=n_L)

    def forward(self, X):
        """Run the forward pass and return every layer's a^l and z^l.

        Returns
        -------
        a, z : list of ndarray
            a[l] of shape (m, n_l) for l = 1..L and z[l] of shape (m, n_l) for l = 2..L; index 0
            (and z[1]) is None.
        """
        X = self.prepare(X)
        a, z = self._forward_columns(X.T)
        return [None] + [v.T for v in a[1:]], [None, None] + [v.T for v in z[2:]]

    def gradients(self, X, Y):
        """Compute dJ/dW^l = mean over samples of delta^{l+1} (a^l)^T, and dJ/db^l, by BP.

        Returns
        -------
        dW, db : list of ndarray
            dW[l] of shape (n_{l+1}, n_l) and db[l] of shape (n_{l+1},) (None without biases),
            for l = 1..L-1, gradients of the mean cost J = (1/m) sum J(x, y).
        """
        X, Y = self.prepare(X, Y)
        dW, db, _ = self._gradients_columns(X.T, Y.T)
        m = len(X)
        return [None] + [g / m for g in dW[1:]], [None] + [None if g is None else g / m for g in db[1:]]

    def cost(self, X, Y):
        """Return the mean cost J = (1/m) sum J(x, y) over the samples.

        The name of the cost function is ``cost_name``.
        """
        X, Y = self.prepare(X, Y)
        total = 0.0
        for start in range(0, len(X), CHUNK):
            total += float(self._J_columns(X[start:start + CHUNK].T, Y[start:start + CHUNK].T).sum())
        return total / len(X)

    cost_value = cost
    J = cost

    def output(self, X):
        """Return a^L for each sample, shape (m, n_L)."""
        X = self.prepare(X)
        return self._output_rows(X)

    def _output_rows(self, X):
        out = np.empty((len(X), self.layer_sizes[-1]), dtype=self.dtype)
        for start in range(0, len(X), CHUNK):
            a, _ = self._forward_columns(X[start:start + CHUNK].T)
            out[start:start + CHUNK] = a[self.L].T
        return out

    def predict_proba(self, X):
        """Return class probabilities, each row summing to 1.

        Softmax outputs are returned as they are, shape (m, n_L). Other outputs are clipped at 0
        and divided by their row sum (a uniform row if all are 0), so a sigmoid network's scores
        read as shares. A network with one output returns shape (m, 2): the columns are
        1 - p and p for classes 0 and 1, with p = a^L clipped to [0, 1].
        """
        out = self.output(X)
        if out.shape[1] == 1:
            p = np.clip(out, 0.0, 1.0)
            return np.hstack([1.0 - p, p])
        if self.output_activation == "softmax":
            return out
        out = np.maximum(out, 0)
        total = out.sum(axis=1, keepdims=True)
        uniform = np.full_like(out, 1.0 / out.shape[1])
        return np.divide(out, total, out=uniform, where=total > 0)

    def predict(self, X):
        """Return the predicted class of each sample: the largest output, as an original label.

        With one output neuron, the class is 1 (the second of two labels) where a^L >= 0.5 and 0
        (the first label) elsewhere. 0.5 is the midpoint of the 0/1 targets such a network is
        trained on, whatever its output activation.

        NOTE: the network does not record whether it was trained on classes or on real-valued
        targets. For regression, read a^L with ``output`` instead of ``predict``.
        """
        out = self.output(X)
        if out.shape[1] == 1:
            index = (out[:, 0] >= 0.5).astype(np.int64)
        else:
            index = out.argmax(axis=1)
        return self.classes_[index] if self.classes_ is not None else index

    def copy(self):
        """Return an independent copy with equal weights."""
        other = object.__new__(Network)
        other.__dict__.update(self.__dict__)
        other.W = [None] + [w.copy() for w in self.W[1:]]
        other.b = [None] + [None if v is None else v.copy() for v in self.b[1:]]
        other.classes_ = None if self.classes_ is None else self.classes_.copy()
        return other

    def astype(self, dtype):
        """Return a copy whose weights and computations use ``dtype``."""
        other = self.copy()
        other.dtype = _check_dtype(dtype)
        other.W = [None] + [w.astype(other.dtype) for w in self.W[1:]]
        other.b = [None] + [None if v is None else v.astype(other.dtype) for v in self.b[1:]]
        return other

    def parameters(self):
        """Return the weight arrays in a fixed order: W^1, b^1, W^2, b^2, ... (biases if any)."""
        out = []
        for l in range(1, self.L):
            out.append(self.W[l])
            if self.b[l] is not None:
                out.append(self.b[l])
        return out


def _check_distributions(Y):
    """Reject softmax cross-entropy targets whose rows do not sum to 1, where delta^L = a^L - y is wrong."""
    # NOTE: 1e-6 absorbs float32 rounding of rows with a few dozen entries.
    off = np.abs(Y.sum(axis=1, dtype=np.float64) - 1.0) > 1e-6
    if off.any():
        row = int(np.argmax(off))
        raise ValueError(
            f"cross-entropy with a softmax output needs each target row to sum to 1; row {row} of Y "
            f"sums to {float(Y[row].sum(dtype=np.float64)):g}. Give class labels, one-hot rows or "
            "probability rows, or use output_activation='sigmoid' for independent 0/1 targets"
        )


def _check_dtype(dtype):
    """Return np.dtype for "float64"/"float32" (or np.float64, np.float32); reject anything else."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")
    return np.dtype(name)


def _check_layer_sizes(layer_sizes):
    try:
        sizes = list(layer_sizes)
    except TypeError:
        raise TypeError(f"layer_sizes must be a sequence of integers n_1..n_L; got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"layer_sizes needs at least an input and an output size; got {sizes}")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"layer_sizes must be positive integers; got {sizes}")
    return [int(n) for n in sizes]
