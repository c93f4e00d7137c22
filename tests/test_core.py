"""The vectorised fc and bc equal the lecture's component loops."""

import numpy as np
import pytest

import bplab
from bplab.activations import ACTIVATIONS
from bplab.core import bc, fc, weight_gradient
from bplab.costs import COSTS
from bplab.reference import bc_loops, fc_loops, weight_gradient_loops

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
OUTPUTS = HIDDEN + ["softmax"]
# Layer sizes all different and a batch size equal to none of them, so a swapped index or a
# misplaced transpose changes a shape and cannot go unnoticed.
SIZES = [3, 5, 4, 6, 2]
M = 7


def _data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(M, SIZES[0]))
    Y = rng.uniform(size=(M, SIZES[-1]))
    return X, Y


def test_fc_hand_values():
    """fc computes z = W a + b and a = f(z): W = [[1, 2], [3, 4], [5, 6]], a = (1, -1), b = (0.5, 0, -1)."""
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    a = np.array([[1.0], [-1.0]])
    b = np.array([0.5, 0.0, -1.0])
    z_next, a_next = fc(W, a, ACTIVATIONS["relu"], b)
    # z = (1 - 2 + 0.5, 3 - 4 + 0, 5 - 6 - 1) = (-0.5, -1, -2), all cut to 0 by relu.
    np.testing.assert_array_equal(z_next, [[-0.5], [-1.0], [-2.0]])
    np.testing.assert_array_equal(a_next, np.zeros((3, 1)))


def test_bc_hand_values():
    """bc computes delta = f'(z) * W^T delta_next: (0.5, 2) * (1 - 5, 2 - 6) = (-2, -8)."""
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    delta_next = np.array([[1.0], [0.0], [-1.0]])
    f_prime_z = np.array([[0.5], [2.0]])
    np.testing.assert_array_equal(bc(W, delta_next, f_prime_z), [[-2.0], [-8.0]])
    np.testing.assert_array_equal(bc_loops(W, delta_next[:, 0], f_prime_z[:, 0]), [-2.0, -8.0])


def test_weight_gradient_hand_values():
    """dJ/dw_ji = delta_j a_i summed over samples: delta = (1, 2), a = (3, 4, 5) for one sample."""
    delta_next = np.array([[1.0], [2.0]])
    a = np.array([[3.0], [4.0], [5.0]])
    expected = [[3.0, 4.0, 5.0], [6.0, 8.0, 10.0]]
    np.testing.assert_array_equal(weight_gradient(delta_next, a), expected)
    np.testing.assert_array_equal(weight_gradient_loops(delta_next[:, 0], a[:, 0]), expected)


def test_fc_accepts_one_sample_vector():
    """fc on a 1-D a^l returns 1-D z^{l+1} and a^{l+1} equal to the one-column result."""
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 3))
    b = rng.normal(size=4)
    a = rng.normal(size=3)
    z_vector, a_vector = fc(W, a, ACTIVATIONS["tanh"], b)
    z_column, a_column = fc(W, a[:, None], ACTIVATIONS["tanh"], b)
    assert z_vector.shape == (4,)
    np.testing.assert_array_equal(z_vector, z_column[:, 0])
    np.testing.assert_array_equal(a_vector, a_column[:, 0])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_fc_equals_loops_per_layer(hidden, output, bias):
    """Each layer's fc output equals fc_loops on every sample column, to 1e-12."""
    net = bplab.Network(SIZES, activation=hidden, output_activation=output, bias=bias, seed=3)
    X, _ = _data()
    a, z = net._forward_columns(X.T)
    for l in range(1, net.L):
        for k in range(M):
            z_loop, a_loop = fc_loops(net.W[l], a[l][:, k], net.f[l + 1], net.b[l])
            np.testing.assert_allclose(z[l + 1][:, k], z_loop, rtol=0, atol=1e-12)
            np.testing.assert_allclose(a[l + 1][:, k], a_loop, rtol=0, atol=1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_bc_equals_loops_per_layer(hidden):
    """Each layer's bc output equals bc_loops on every sample column, to 1e-12."""
    net = bplab.Network(SIZES, activation=hidden, output_activation="sigmoid", seed=4)
    X, Y = _data(1)
    a, z = net._forward_columns(X.T)
    delta = net._backward_columns(a, z, Y.T)
    for l in range(net.L - 1, 1, -1):
        f_prime_z = net.f[l].f_prime(z[l])
        vectorised = bc(net.W[l], delta[l + 1], f_prime_z)
        np.testing.assert_array_equal(vectorised, delta[l])
        for k in range(M):
            loop = bc_loops(net.W[l], delta[l + 1][:, k], f_prime_z[:, k])
            np.testing.assert_allclose(vectorised[:, k], loop, rtol=0, atol=1e-12)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_weight_gradient_equals_sum_of_loops(hidden):
    """weight_gradient of a batch equals the sum over samples of weight_gradient_loops, to 1e-12."""
    net = bplab.Network(SIZES, activation=hidden, output_activation="linear", seed=5)
    X, Y = _data(2)
    a, z = net._forward_columns(X.T)
    delta = net._backward_columns(a, z, Y.T)
    for l in range(1, net.L):
        total = sum(weight_gradient_loops(delta[l + 1][:, k], a[l][:, k]) for k in range(M))
        np.testing.assert_allclose(weight_gradient(delta[l + 1], a[l]), total, rtol=0, atol=1e-12)


def _loop_gradients(net, X, Y):
    """Mean gradients by the lecture's online Step 3, one sample and one neuron at a time."""
    cost = COSTS[net.cost_name]
    f = net.f
    dW = [None] + [np.zeros_like(w) for w in net.W[1:]]
    db = [None] + [None if v is None else np.zeros_like(v) for v in net.b[1:]]
    for x, y in zip(X, Y):
        a = [None, x]
        z = [None, None]
        for l in range(1, net.L):
            z_next, a_next = fc_loops(net.W[l], a[l], f[l + 1], net.b[l])
            z.append(z_next)
            a.append(a_next)
        delta = [None] * (net.L + 1)
        delta[net.L] = cost.delta(z[net.L][:, None], a[net.L][:, None], y[:, None], f[net.L])[:, 0]
        for l in range(net.L - 1, 1, -1):
            f_prime_z = np.array([f[l].f_prime(np.array(v)) for v in z[l]])
            delta[l] = bc_loops(net.W[l], delta[l + 1], f_prime_z)
        for l in range(1, net.L):
            dW[l] += weight_gradient_loops(delta[l + 1], a[l]) / len(X)
            if db[l] is not None:
                db[l] += delta[l + 1] / len(X)
    return dW, db


@pytest.mark.parametrize("cost, output", [("quadratic", "tanh"), ("quadratic", "softmax"),
                                          ("cross_entropy", "sigmoid"), ("cross_entropy", "softmax")])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_equal_component_form(hidden, output, cost):
    """Network.gradients equals the per-sample, per-neuron loops of the lecture, to 1e-12 per layer."""
    net = bplab.Network(SIZES, activation=hidden, output_activation=output, cost=cost, seed=6)
    X, Y = _data(3)
    if output == "softmax":
        Y = Y / Y.sum(axis=1, keepdims=True)  # a distribution per sample, as softmax targets must be
    dW, db = net.gradients(X, Y)
    dW_loop, db_loop = _loop_gradients(net, X, Y)
    for l in range(1, net.L):
        assert dW[l].shape == (SIZES[l], SIZES[l - 1])
        np.testing.assert_allclose(dW[l], dW_loop[l], rtol=0, atol=1e-12, err_msg=f"dJ/dW^{l}")
        np.testing.assert_allclose(db[l], db_loop[l], rtol=0, atol=1e-12, err_msg=f"dJ/db^{l}")
