"""Activation functions: values, derivatives and numerical safety."""

import warnings

import numpy as np
import pytest

from bplab.activations import ACTIVATIONS, LEAKY_SLOPE, get_activation

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]

# z values for the derivative checks: no point within 1e-3 of the relu kink at 0, so a central
# difference with step 1e-6 never straddles it.
Z = np.array([[-3.0, -1.2, -0.4, 0.3], [0.9, 2.5, -0.05, 0.05], [1.7, -2.2, 4.0, -0.7]])


def test_registry_names():
    """The registry contains exactly the six documented activations."""
    assert set(ACTIVATIONS) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}


def test_only_softmax_is_not_elementwise():
    """Softmax is the one activation that normalises a whole column."""
    assert [name for name, f in ACTIVATIONS.items() if not f.elementwise] == ["softmax"]


def test_unknown_activation_lists_valid_names():
    """An unknown name raises ValueError naming it and every valid name."""
    with pytest.raises(ValueError, match=r"unknown activation 'swish'.*sigmoid, tanh, relu, leaky_relu, linear, softmax"):
        get_activation("swish")


def test_unhashable_name_is_rejected():
    """A name that is not a string raises ValueError, not a bare TypeError."""
    with pytest.raises(ValueError, match=r"unknown activation \['relu'\]"):
        get_activation(["relu"])


def test_known_values():
    """Each f returns its textbook value at a few points (exact or to 1e-15)."""
    z = np.array([[-2.0], [0.0], [3.0]])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].f(z)[:, 0], [1 / (1 + np.exp(2.0)), 0.5, 1 / (1 + np.exp(-3.0))], rtol=1e-15)
    np.testing.assert_allclose(ACTIVATIONS["tanh"].f(z)[:, 0], np.tanh([-2.0, 0.0, 3.0]), rtol=1e-15)
    np.testing.assert_array_equal(ACTIVATIONS["relu"].f(z)[:, 0], [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].f(z)[:, 0], [-2.0 * LEAKY_SLOPE, 0.0, 3.0])
    np.testing.assert_array_equal(ACTIVATIONS["linear"].f(z)[:, 0], [-2.0, 0.0, 3.0])


def test_leaky_slope_is_one_hundredth():
    """Leaky ReLU uses the documented slope 0.01 below zero."""
    assert LEAKY_SLOPE == 0.01


def test_softmax_columns_sum_to_one():
    """Softmax normalises each column (one sample) separately, to 1e-15."""
    a = ACTIVATIONS["softmax"].f(Z)
    np.testing.assert_allclose(a.sum(axis=0), np.ones(Z.shape[1]), rtol=0, atol=1e-15)
    column = np.exp(Z[:, 0]) / np.exp(Z[:, 0]).sum()
    np.testing.assert_allclose(a[:, 0], column, rtol=1e-14)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_f_prime_matches_central_difference(name):
    """f'(z) equals (f(z + h) - f(z - h)) / 2h, h = 1e-6, to 1e-8 (truncation h^2 plus rounding 1e-10)."""
    f = ACTIVATIONS[name]
    h = 1e-6
    numerical = (f.f(Z + h) - f.f(Z - h)) / (2 * h)
    np.testing.assert_allclose(f.f_prime(Z), numerical, rtol=1e-8, atol=1e-8)


def test_softmax_prime_is_jacobian_diagonal():
    """softmax f_prime equals d a_j / d z_j by central differences, to 1e-8."""
    f = ACTIVATIONS["softmax"]
    h = 1e-6
    numerical = np.zeros_like(Z)
    for j in range(Z.shape[0]):
        step = np.zeros_like(Z)
        step[j] = h
        numerical[j] = (f.f(Z + step)[j] - f.f(Z - step)[j]) / (2 * h)
    np.testing.assert_allclose(f.f_prime(Z), numerical, rtol=1e-8, atol=1e-8)


def test_relu_derivative_at_kink_is_zero():
    """relu'(0) is taken as 0 and leaky_relu'(0) as the slope 0.01, as documented."""
    z = np.zeros((2, 1))
    np.testing.assert_array_equal(ACTIVATIONS["relu"].f_prime(z), [[0.0], [0.0]])
    np.testing.assert_array_equal(ACTIVATIONS["leaky_relu"].f_prime(z), [[0.01], [0.01]])


@pytest.mark.parametrize("name", ["sigmoid", "softmax", "tanh"])
def test_extreme_inputs_stay_finite(name):
    """At z = +-1000 the saturating functions return finite limits with no overflow warning."""
    f = ACTIVATIONS[name]
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = f.f(z)
        a_prime = f.f_prime(z)
    assert np.isfinite(a).all()
    assert np.isfinite(a_prime).all()
    if name == "tanh":
        np.testing.assert_array_equal(a, [[1.0, -1.0], [-1.0, 1.0]])
    else:
        # The limits are exactly 1 and 0 in float64.
        np.testing.assert_array_equal(a, [[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(a_prime, np.zeros((2, 2)))


def test_sigmoid_large_negative_keeps_precision():
    """sigmoid(-30) keeps full relative precision (no 1 - tiny cancellation), to 1e-14."""
    value = ACTIVATIONS["sigmoid"].f(np.array([[-30.0]]))[0, 0]
    assert value == pytest.approx(np.exp(-30.0) / (1 + np.exp(-30.0)), rel=1e-14)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_float32_in_float32_out(name):
    """Each f and f_prime keep a float32 input in float32, so float32 networks stay float32."""
    f = ACTIVATIONS[name]
    z = Z.astype(np.float32)
    assert f.f(z).dtype == np.float32
    assert f.f_prime(z).dtype == np.float32


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_shape_is_preserved(name):
    """f and f_prime return arrays of the input's (n_l, m) shape."""
    f = ACTIVATIONS[name]
    assert f.f(Z).shape == Z.shape
    assert f.f_prime(Z).shape == Z.shape
