"""Cost functions J and the output error delta^L = dJ/dz^L."""

import math
import warnings

import numpy as np
import pytest

import bplab
from bplab.activations import ACTIVATIONS
from bplab.costs import COSTS, CROSS_ENTROPY_OUTPUTS, get_cost

OUTPUTS = ["sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"]
PAIRS = [("quadratic", name) for name in OUTPUTS] + [("cross_entropy", name) for name in CROSS_ENTROPY_OUTPUTS]

# Three outputs, four samples; no z within 1e-2 of the relu kink.
Z = np.array([[0.4, -1.3, 2.1, -0.2], [-0.7, 0.8, 0.3, 1.5], [1.1, 0.25, -0.6, -2.0]])
Y = np.array([[1.0, 0.0, 0.0, 0.2], [0.0, 1.0, 0.0, 0.5], [0.0, 0.0, 1.0, 0.3]])


def test_registry_names():
    """The registry contains the two documented costs."""
    assert set(COSTS) == {"quadratic", "cross_entropy"}


def test_unknown_cost_lists_valid_names():
    """An unknown cost name raises ValueError naming it and the valid names."""
    with pytest.raises(ValueError, match=r"unknown cost 'hinge'; expected one of: quadratic, cross_entropy"):
        get_cost("hinge")


def test_quadratic_value():
    """J = 1/2 sum_j (a_j - y_j)^2: a = (0.2, 0.7), y = (0, 1) gives 0.5 (0.04 + 0.09) = 0.065."""
    a = np.array([[0.2], [0.7]])
    y = np.array([[0.0], [1.0]])
    J = COSTS["quadratic"].J(a, a, y, ACTIVATIONS["linear"])
    assert J.shape == (1,)
    assert J[0] == pytest.approx(0.065, rel=1e-15)


def test_cross_entropy_softmax_value():
    """Softmax cross-entropy is -log a_k of the target class k, to 1e-14 per sample."""
    f = ACTIVATIONS["softmax"]
    y = Y[:, :3]
    z = Z[:, :3]
    J = COSTS["cross_entropy"].J(z, f.f(z), y, f)
    expected = [-math.log(math.exp(z[k, k]) / sum(math.exp(v) for v in z[:, k])) for k in range(3)]
    np.testing.assert_allclose(J, expected, rtol=1e-14)


def test_cross_entropy_sigmoid_value():
    """Sigmoid cross-entropy is -sum_j [y_j log a_j + (1 - y_j) log(1 - a_j)], to 1e-14."""
    f = ACTIVATIONS["sigmoid"]
    J = COSTS["cross_entropy"].J(Z, f.f(Z), Y, f)
    expected = []
    for k in range(Z.shape[1]):
        total = 0.0
        for j in range(Z.shape[0]):
            a = 1 / (1 + math.exp(-Z[j, k]))
            total -= Y[j, k] * math.log(a) + (1 - Y[j, k]) * math.log(1 - a)
        expected.append(total)
    np.testing.assert_allclose(J, expected, rtol=1e-14)


@pytest.mark.parametrize("cost, output", PAIRS)
def test_delta_matches_central_difference(cost, output):
    """delta^L equals dJ/dz^L by central differences (h = 1e-6), to 1e-7 relative or 1e-8 absolute."""
    f = ACTIVATIONS[output]
    J = COSTS[cost].J
    delta = COSTS[cost].delta(Z, f.f(Z), Y, f)
    h = 1e-6
    numerical = np.zeros_like(Z)
    for j in range(Z.shape[0]):
        step = np.zeros_like(Z)
        step[j] = h
        numerical[j] = (J(Z + step, f.f(Z + step), Y, f) - J(Z - step, f.f(Z - step), Y, f)) / (2 * h)
    np.testing.assert_allclose(delta, numerical, rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("output", CROSS_ENTROPY_OUTPUTS)
def test_cross_entropy_delta_is_error(output):
    """For sigmoid and softmax outputs the cross-entropy delta^L is exactly a^L - y."""
    f = ACTIVATIONS[output]
    a = f.f(Z)
    np.testing.assert_array_equal(COSTS["cross_entropy"].delta(Z, a, Y, f), a - Y)


def test_cross_entropy_finite_at_saturated_sigmoid():
    """Predictions of exactly 1.0 and 0.0 give a finite J: z = 1000 against y = 0 costs 1000."""
    f = ACTIVATIONS["sigmoid"]
    z = np.array([[1000.0, -1000.0, 1000.0]])
    y = np.array([[0.0, 1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = f.f(z)
        J = COSTS["cross_entropy"].J(z, a, y, f)
    np.testing.assert_array_equal(a, [[1.0, 0.0, 1.0]])
    # -log(1 - s(1000)) = log(1 + e^1000) = 1000 to double precision, and the correct prediction costs 0.
    np.testing.assert_allclose(J, [1000.0, 1000.0, 0.0], rtol=1e-15, atol=0)


def test_cross_entropy_finite_at_saturated_softmax():
    """Softmax outputs of exactly 0 and 1 give a finite J: the target's z trails by 2000."""
    f = ACTIVATIONS["softmax"]
    z = np.array([[1000.0], [-1000.0]])
    y = np.array([[0.0], [1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = f.f(z)
        J = COSTS["cross_entropy"].J(z, a, y, f)
    np.testing.assert_array_equal(a, [[1.0], [0.0]])
    assert J[0] == pytest.approx(2000.0, rel=1e-15)


def test_network_cost_finite_when_output_is_exactly_one():
    """A network whose sigmoid output rounds to 1.0 still reports the finite cross-entropy J."""
    net = bplab.Network([1, 1], activation="sigmoid", output_activation="sigmoid", cost="cross_entropy", bias=False)
    net.W[1][...] = 800.0
    assert net.output([[1.0]])[0, 0] == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = net.cost_value([[1.0]], [[0.0]])
    assert J == pytest.approx(800.0, rel=1e-15)


def test_quadratic_is_mean_over_samples():
    """Network.cost_value is the mean of the per-sample J (lecture's J = (1/m) sum J(x, y)), to 1e-15."""
    net = bplab.Network([2, 3], activation="linear", bias=False, seed=0)
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    Y_rows = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 2.0]])
    per_sample = [0.5 * np.sum((net.W[1] @ x - y) ** 2) for x, y in zip(X, Y_rows)]
    assert net.cost_value(X, Y_rows) == pytest.approx(np.mean(per_sample), rel=1e-15)
