"""BP gradients against central finite differences, and the gradcheck tool itself."""

import numpy as np
import pytest

import bplab
import bplab.network
from bplab.costs import COSTS, Cost
from bplab.gradcheck import relative_error

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
PAIRS = [("quadratic", out) for out in HIDDEN + ["softmax"]] + [
    ("cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]
# n_1, the hidden sizes in order, and n_L: all different, and M equals none of them, so a
# misplaced transpose cannot keep the shapes consistent.
N_IN, HIDDEN_SIZES, N_OUT = 3, [5, 4, 6, 7], 2
M = 8
# Central differences with eps = 1e-5 resolve a derivative of J to about 1e-16 |J| / eps, some
# 1e-11 for these costs. Entries below FLOOR are therefore compared in absolute terms, with
# tolerance TOLERANCE * FLOOR = 1e-10; larger entries must agree to TOLERANCE relative error.
# Truncation adds about eps^2 = 1e-10 relative.
EPS = 1e-5
FLOOR = 1e-4
TOLERANCE = 1e-6


def _data(cost, output, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(M, N_IN))
    if cost == "cross_entropy" and output == "softmax":
        Y = rng.dirichlet(np.ones(N_OUT), size=M)
    else:
        Y = rng.uniform(size=(M, N_OUT))
    return X, Y


def _smooth_network(sizes, hidden, output, cost, bias, X):
    """Return a network whose relu-type neurons all sit at least 1e-3 from their kink at z = 0.

    A central difference across the kink measures a one-sided slope, not f'(z), so the check
    is only meaningful where f is differentiable. Biases are drawn nonzero, so their
    gradients are checked at a point where they matter and z is rarely exactly 0.
    """
    for seed in range(20):
        net = bplab.Network(sizes, activation=hidden, output_activation=output, cost=cost, bias=bias, seed=seed)
        if bias:
            rng = np.random.default_rng(seed)
            for l in range(1, net.L):
                net.b[l][...] = rng.uniform(-0.5, 0.5, size=net.b[l].shape)
        _, z = net.forward(X)
        kinked = [f.name in ("relu", "leaky_relu") for f in net.f[2:]]
        if all(np.abs(z_l).min() > 1e-3 for z_l, k in zip(z[2:], kinked) if k):
            return net
    raise AssertionError(f"no seed in 0..19 keeps {hidden}/{output} neurons away from z = 0")


def _central_differences(net, X, Y, w):
    """(J(w + eps) - J(w - eps)) / (2 eps) for every entry of the array w, J the mean cost."""
    # The mean cost of the checked samples, without re-validating X and Y for every entry.
    X, Y = net.prepare(X, Y)

    def J():
        return net._J_columns(X.T, Y.T).mean()

    numerical = np.zeros_like(w)
    for index in np.ndindex(w.shape):
        saved = w[index]
        w[index] = saved + EPS
        plus = J()
        w[index] = saved - EPS
        minus = J()
        w[index] = saved
        numerical[index] = (plus - minus) / (2 * EPS)
    return numerical


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cost, output", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_bp_matches_finite_differences(hidden, cost, output, bias, depth):
    """Every allowed activation and cost, with and without bias, 1 to 4 hidden layers, in float64."""
    sizes = [N_IN] + HIDDEN_SIZES[:depth] + [N_OUT]
    X, Y = _data(cost, output, seed=depth)
    net = _smooth_network(sizes, hidden, output, cost, bias, X)
    dW, db = net.gradients(X, Y)
    for l in range(1, net.L):
        for name, w, g in (("W", net.W[l], dW[l]), ("b", net.b[l], db[l])):
            if w is None:
                assert g is None
                continue
            assert g.shape == w.shape
            numerical = _central_differences(net, X, Y, w)
            error = np.abs(g - numerical) / np.maximum(np.maximum(np.abs(g), np.abs(numerical)), FLOOR)
            assert error.max() < TOLERANCE, f"dJ/d{name}^{l}: {error.max():.2e} at {np.unravel_index(error.argmax(), error.shape)}"


@pytest.mark.parametrize("cost, output", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradcheck_passes_correct_bp(hidden, cost, output):
    """bplab.gradcheck reports below 1e-6 on a correct one-hidden-layer network of each kind."""
    X, Y = _data(cost, output, seed=9)
    net = _smooth_network([N_IN, 5, N_OUT], hidden, output, cost, True, X)
    result = bplab.gradcheck(net, X, Y)
    assert len(result.layers) == 2
    assert result.max_rel_error < TOLERANCE, result.layers


def test_float32_network_is_checked_in_float64():
    """A float32 network passes the float64 check and keeps its float32 arrays bit for bit."""
    net = bplab.Network([3, 5, 2], activation="tanh", dtype="float32", seed=1)
    X, Y = _data("quadratic", "tanh", seed=1)
    before = [w.copy() for w in net.parameters()]
    result = bplab.gradcheck(net, X, Y)
    # float32 finite differences could not reach 1e-6; passing shows the copy is float64.
    assert result.max_rel_error < TOLERANCE
    for w, old in zip(net.parameters(), before):
        assert w.dtype == np.float32
        np.testing.assert_array_equal(w, old)


def test_network_left_bit_identical():
    """gradcheck restores nothing by arithmetic: every weight keeps its exact bits and its array."""
    net = bplab.Network([3, 5, 4, 2], activation="sigmoid", seed=2)
    X, Y = _data("quadratic", "sigmoid", seed=2)
    arrays = list(net.parameters())
    before = [w.tobytes() for w in arrays]
    bplab.gradcheck(net, X, Y)
    for w, array, old in zip(net.parameters(), arrays, before):
        assert w is array
        assert w.dtype == np.float64
        assert w.tobytes() == old


def test_labels_do_not_fix_network_classes():
    """Checking with class labels leaves net.classes_ unset on the network passed in."""
    net = bplab.Network([3, 4, 3], cost="cross_entropy", seed=3)
    X = np.random.default_rng(3).normal(size=(5, 3))
    result = bplab.gradcheck(net, X, [0, 2, 1, 2, 0])
    assert result.max_rel_error < TOLERANCE
    assert net.classes_ is None


def test_layer_records():
    """Each layer record names its layer, its largest error, and where it occurred."""
    net = bplab.Network([3, 5, 4, 2], activation="tanh", seed=4)
    X, Y = _data("quadratic", "tanh", seed=4)
    result = bplab.gradcheck(net, X, Y)
    assert [record["layer"] for record in result.layers] == [1, 2, 3]
    assert result.max_rel_error == max(record["max_rel_error"] for record in result.layers)
    for record, shape in zip(result.layers, [(5, 3), (4, 5), (2, 4)]):
        kind, index = record["where"]
        assert kind in ("W", "b")
        assert len(index) == (2 if kind == "W" else 1)
        assert all(0 <= i < n for i, n in zip(index, shape))


def test_detects_scaled_output_delta(monkeypatch):
    """A delta^L off by a factor 1.5 gives relative error 1/3 in every layer, so the check fails."""
    quadratic = COSTS["quadratic"]
    wrong = Cost("quadratic", quadratic.J, lambda z, a, y, f: 1.5 * quadratic.delta(z, a, y, f), quadratic.formula)
    monkeypatch.setitem(COSTS, "quadratic", wrong)
    net = bplab.Network([3, 5, 4, 2], activation="sigmoid", seed=5)
    X, Y = _data("quadratic", "sigmoid", seed=5)
    result = bplab.gradcheck(net, X, Y)
    # |1.5 g - g| / |1.5 g| = 1/3 wherever g is well above the 1e-4 floor.
    for record in result.layers:
        assert record["max_rel_error"] == pytest.approx(1 / 3, rel=1e-4)
    assert result.max_rel_error > 0.3


def test_locates_one_wrong_weight(monkeypatch):
    """An error planted in dJ/dW^2 at (2, 3) is reported in layer 2 at ("W", (2, 3)) only."""
    original = bplab.network.weight_gradient

    def planted(delta_next, a):
        grad = original(delta_next, a)
        if grad.shape == (4, 5):  # only W^2 of the 3-5-4-2 network has this shape
            grad = grad.copy()
            grad[2, 3] += 1.0
        return grad

    monkeypatch.setattr(bplab.network, "weight_gradient", planted)
    net = bplab.Network([3, 5, 4, 2], activation="tanh", seed=6)
    X, Y = _data("quadratic", "tanh", seed=6)
    result = bplab.gradcheck(net, X, Y)
    first, second, third = result.layers
    assert second["where"] == ("W", (2, 3))
    assert second["max_rel_error"] > 0.5
    # The planted 1.0 is summed over M samples, then divided by M: BP is 1/M too high there.
    assert second["bp"] - second["numerical"] == pytest.approx(1.0 / M, rel=1e-6)
    assert first["max_rel_error"] < TOLERANCE
    assert third["max_rel_error"] < TOLERANCE


def test_detects_wrong_bias_gradient(monkeypatch):
    """A bias gradient off by one is reported with kind "b"."""
    original = bplab.network.Network._gradients_columns

    def planted(self, a1, y):
        dW, db, delta = original(self, a1, y)
        db[1] = db[1] + 1.0
        return dW, db, delta

    monkeypatch.setattr(bplab.network.Network, "_gradients_columns", planted)
    net = bplab.Network([3, 5, 2], activation="sigmoid", seed=7)
    X, Y = _data("quadratic", "sigmoid", seed=7)
    result = bplab.gradcheck(net, X, Y)
    assert result.layers[0]["where"][0] == "b"
    assert result.layers[0]["max_rel_error"] > 0.5
    assert result.layers[1]["max_rel_error"] < TOLERANCE


def test_relative_error_formula():
    """relative_error is |bp - num| / max(|bp|, |num|, 1e-4): 2 vs 1 gives 0.5; tiny values use the floor."""
    np.testing.assert_allclose(relative_error(np.array([2.0, 1e-9]), np.array([1.0, 3e-9])), [0.5, 2e-9 / 1e-4])


@pytest.mark.parametrize("eps, error, message", [
    (0.0, ValueError, r"eps must be in \(0, .*got 0.0"),
    (-1e-5, ValueError, r"eps must be in \(0, .*got -1e-05"),
    ("1e-5", TypeError, r"eps must be a number; got '1e-5'"),
])
def test_invalid_step(eps, error, message):
    """A step eps that is not a positive number is rejected before any difference is taken."""
    net = bplab.Network([3, 5, 2], seed=8)
    X, Y = _data("quadratic", "sigmoid", seed=8)
    with pytest.raises(error, match=message):
        bplab.gradcheck(net, X, Y, eps=eps)


def test_near_kinks_counted():
    """Relu inputs sitting exactly on the kink z = 0 are counted, so a failure can be explained."""
    net = bplab.Network([2, 3, 2], activation="relu", cost="cross_entropy", bias=False, seed=0)
    X = np.zeros((4, 2))  # every z^2 is exactly 0; the softmax output has no kink
    Y = np.eye(2)[[0, 1, 0, 1]]
    result = bplab.gradcheck(net, X, Y)
    assert result.near_kinks == 4 * 3
