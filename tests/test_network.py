"""Network: construction, weight initialisation, labels, prediction and input checks."""

import numpy as np
import pytest

import bplab

X4 = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _weights(net):
    return [w.copy() for w in net.parameters()]


def _assert_same_weights(net, before):
    after = net.parameters()
    assert len(after) == len(before)
    for w, old in zip(after, before):
        assert w.dtype == old.dtype
        np.testing.assert_array_equal(w, old)


# -- Construction ----------------------------------------------------------------------------


def test_repr_shows_sizes_and_functions():
    """repr names the layer sizes, both activations, the cost, the bias and the dtype."""
    net = bplab.Network([4, 6, 3], activation="tanh", cost="cross_entropy", bias=False, dtype="float32")
    assert repr(net) == (
        "Network(4-6-3, activation='tanh', output_activation='softmax', cost='cross_entropy', "
        "bias=False, dtype='float32')"
    )


def test_attributes():
    """The lecture's layout: W[l] of shape (n_{l+1}, n_l) for l = 1..L-1, index 0 unused."""
    net = bplab.Network([3, 5, 4, 2], seed=0)
    assert net.layer_sizes == [3, 5, 4, 2]
    assert net.L == 4
    assert net.W[0] is None
    assert net.b[0] is None
    assert [w.shape for w in net.W[1:]] == [(5, 3), (4, 5), (2, 4)]
    assert [v.shape for v in net.b[1:]] == [(5,), (4,), (2,)]
    assert net.classes_ is None


def test_no_bias_means_no_b_arrays():
    """bias=False stores None for every b^l, the lecture's z^{l+1} = W^l a^l."""
    net = bplab.Network([3, 5, 2], bias=False, seed=0)
    assert net.b == [None, None, None]
    assert len(net.parameters()) == 2


def test_default_output_activation():
    """The output activation defaults to the hidden one for the quadratic cost, softmax for cross-entropy."""
    assert bplab.Network([2, 3, 2], activation="tanh").output_activation == "tanh"
    assert bplab.Network([2, 3, 2], activation="tanh", cost="cross_entropy").output_activation == "softmax"


def test_cross_entropy_one_output_defaults_to_sigmoid():
    """Cross-entropy on one output neuron defaults to sigmoid, since softmax over one neuron is always 1."""
    net = bplab.Network([2, 3, 1], cost="cross_entropy", seed=0)
    assert net.output_activation == "sigmoid"
    dW, _ = net.gradients(X4, [0.0, 1.0, 1.0, 0.0])
    assert np.abs(dW[2]).max() > 0


def test_softmax_on_one_output_rejected():
    """An explicit softmax on a single output neuron is rejected with the reason and the fix."""
    with pytest.raises(ValueError, match=r"'softmax' on a single output neuron always gives a\^L = 1.*use 'sigmoid'"):
        bplab.Network([2, 3, 1], output_activation="softmax")


@pytest.mark.parametrize("kwargs, error, message", [
    ({"activation": "swish"}, ValueError,
     r"unknown activation 'swish'; expected one of: sigmoid, tanh, relu, leaky_relu, linear, softmax"),
    ({"output_activation": "step"}, ValueError, r"unknown activation 'step'; expected one of: sigmoid"),
    ({"cost": "hinge"}, ValueError, r"unknown cost 'hinge'; expected one of: quadratic, cross_entropy"),
    ({"activation": "softmax"}, ValueError, r"activation 'softmax' .* allowed only as output_activation"),
    ({"cost": "cross_entropy", "output_activation": "relu"}, ValueError,
     r"cross_entropy.*output_activation 'relu' leaves that range; use 'softmax' or 'sigmoid'"),
    ({"cost": "cross_entropy", "output_activation": "linear"}, ValueError, r"output_activation 'linear' leaves"),
    ({"cost": "cross_entropy", "output_activation": "tanh"}, ValueError, r"output_activation 'tanh' leaves"),
    ({"cost": "cross_entropy", "output_activation": "leaky_relu"}, ValueError, r"output_activation 'leaky_relu' leaves"),
    ({"dtype": "float16"}, ValueError, r"dtype must be one of float64, float32; got 'float16'"),
    ({"bias": 1}, TypeError, r"bias must be True or False; got 1"),
])
def test_invalid_settings(kwargs, error, message):
    """Each invalid setting raises the documented error naming the setting and the value."""
    with pytest.raises(error, match=message):
        bplab.Network([2, 3, 2], **kwargs)


@pytest.mark.parametrize("sizes, error, message", [
    ([3], ValueError, r"at least an input and an output size; got \[3\]"),
    ([3, 0, 2], ValueError, r"positive integers; got \[3, 0, 2\]"),
    ([3, -1, 2], ValueError, r"positive integers; got \[3, -1, 2\]"),
    ([3, 2.5, 2], ValueError, r"positive integers; got \[3, 2.5, 2\]"),
    ([3, True, 2], ValueError, r"positive integers; got \[3, True, 2\]"),
    (5, TypeError, r"sequence of integers n_1..n_L; got 5"),
])
def test_invalid_layer_sizes(sizes, error, message):
    """Layer sizes must be at least two positive integers; the message shows what was given."""
    with pytest.raises(error, match=message):
        bplab.Network(sizes)


# -- Weight initialisation -------------------------------------------------------------------


def test_same_seed_same_weights():
    """Two networks built with the same seed have bit-identical weights."""
    first = bplab.Network([3, 5, 2], seed=42)
    second = bplab.Network([3, 5, 2], seed=42)
    for w, v in zip(first.parameters(), second.parameters()):
        np.testing.assert_array_equal(w, v)


def test_seed_accepts_generator():
    """A numpy Generator works as the seed and draws the same weights as its integer seed."""
    first = bplab.Network([3, 5, 2], seed=np.random.default_rng(7))
    second = bplab.Network([3, 5, 2], seed=7)
    np.testing.assert_array_equal(first.W[1], second.W[1])


def test_different_seeds_differ_and_weights_not_equal():
    """Different seeds give different weights, and no layer starts with all weights equal."""
    first = bplab.Network([3, 5, 2], seed=1)
    second = bplab.Network([3, 5, 2], seed=2)
    assert not np.array_equal(first.W[1], second.W[1])
    for w in first.W[1:]:
        assert np.unique(w).size == w.size


def test_biases_start_at_zero():
    """Biases start at zero, as the Network docstring states."""
    net = bplab.Network([3, 5, 2], seed=0)
    for v in net.b[1:]:
        np.testing.assert_array_equal(v, 0.0)


@pytest.mark.parametrize("activation, gain", [("sigmoid", 1.0), ("tanh", 1.0), ("linear", 1.0),
                                              ("relu", 2.0), ("leaky_relu", 2.0)])
def test_init_scaled_to_fan_in(activation, gain):
    """W^1 of a 1000-500 layer has sample std sqrt(gain / n_1) within 1% (the estimate's own error is 0.1%)."""
    net = bplab.Network([1000, 500, 3], activation=activation, seed=0)
    expected_std = np.sqrt(gain / 1000)
    assert net.W[1].std() == pytest.approx(expected_std, rel=0.01)
    # The sample mean of 500 000 weights has standard error 0.0014 std, so 0.05 std is far out.
    assert abs(net.W[1].mean()) < 0.05 * expected_std


def test_init_gain_follows_the_next_layer():
    """W^l takes its gain from the activation of layer l+1: a softmax output layer after relu uses 1 / n_l."""
    net = bplab.Network([400, 900, 10], activation="relu", cost="cross_entropy", seed=0)
    assert net.W[1].std() == pytest.approx(np.sqrt(2 / 400), rel=0.01)
    assert net.W[2].std() == pytest.approx(np.sqrt(1 / 900), rel=0.02)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weights_have_requested_dtype(dtype):
    """Weights, biases and forward outputs use the network's dtype."""
    net = bplab.Network([2, 3, 1], dtype=dtype, seed=0)
    assert net.dtype == np.dtype(dtype)
    assert all(w.dtype == np.dtype(dtype) for w in net.parameters())
    a, z = net.forward(X4)
    assert a[3].dtype == np.dtype(dtype)
    assert z[2].dtype == np.dtype(dtype)


# -- Forward pass and predictions ------------------------------------------------------------


def test_forward_shapes_and_values():
    """forward returns rows: a[l] of shape (m, n_l), z[1] None, and a[l+1] = f(a[l] W^T + b)."""
    net = bplab.Network([3, 5, 4, 2], activation="tanh", output_activation="linear", seed=0)
    for v in net.b[1:]:
        v[...] = np.arange(v.size) * 0.1
    X = np.random.default_rng(0).normal(size=(7, 3))
    a, z = net.forward(X)
    assert a[0] is None
    assert z[0] is None
    assert z[1] is None
    assert [v.shape for v in a[1:]] == [(7, 3), (7, 5), (7, 4), (7, 2)]
    np.testing.assert_array_equal(a[1], X)
    np.testing.assert_allclose(z[2], X @ net.W[1].T + net.b[1], rtol=1e-14)
    np.testing.assert_allclose(a[3], np.tanh(np.tanh(z[2]) @ net.W[2].T + net.b[2]), rtol=1e-14)
    np.testing.assert_allclose(a[4], z[4], rtol=0)


def test_output_is_last_activation():
    """output(X) equals a^L from forward."""
    net = bplab.Network([3, 5, 2], seed=1)
    X = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_array_equal(net.output(X), net.forward(X)[0][3])


@pytest.mark.parametrize("output_activation", ["softmax", "sigmoid", "relu", "tanh"])
def test_predict_proba_rows_sum_to_one(output_activation):
    """predict_proba gives nonnegative rows that sum to 1 (to 1e-12) for every output activation."""
    net = bplab.Network([3, 5, 4], activation="tanh", output_activation=output_activation, seed=2)
    X = np.random.default_rng(2).normal(size=(9, 3))
    proba = net.predict_proba(X)
    assert proba.shape == (9, 4)
    assert (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(axis=1), np.ones(9), rtol=0, atol=1e-12)


def test_predict_proba_softmax_is_output():
    """For a softmax output the probabilities are a^L itself."""
    net = bplab.Network([3, 5, 4], cost="cross_entropy", seed=3)
    X = np.random.default_rng(3).normal(size=(5, 3))
    np.testing.assert_array_equal(net.predict_proba(X), net.output(X))


def test_predict_without_labels_returns_argmax():
    """Before any labelled call, predict returns the index of the largest output."""
    net = bplab.Network([3, 5, 4], seed=4)
    X = np.random.default_rng(4).normal(size=(8, 3))
    np.testing.assert_array_equal(net.predict(X), net.output(X).argmax(axis=1))


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
def test_predict_one_output_threshold(activation):
    """With one output neuron the class is 1 where a^L >= 0.5, the midpoint of 0/1 targets."""
    net = bplab.Network([1, 1], activation=activation, bias=False)
    net.W[1][...] = 1.0
    X = np.array([[-2.0], [0.3], [0.49], [0.6], [3.0]])
    # s(z) >= 0.5 for every z >= 0. The other f keep 0.3 and 0.49 below 0.5 (tanh(0.6) = 0.537).
    expected = [0, 1, 1, 1, 1] if activation == "sigmoid" else [0, 0, 0, 1, 1]
    np.testing.assert_array_equal(net.predict(X), expected)


def test_one_output_accuracy_matches_predict():
    """A linear output fitted to XOR's 0/1 targets predicts [0, 1, 1, 0], and its training accuracy is 1."""
    net = bplab.Network([2, 8, 1], activation="tanh", output_activation="linear", seed=1)
    result = bplab.train(net, X4, [0.0, 1.0, 1.0, 0.0], algorithm="batch", learning_rate=0.1, epochs=2000,
                         engine="reference")
    np.testing.assert_allclose(net.output(X4)[:, 0], [0, 1, 1, 0], atol=0.1)
    np.testing.assert_array_equal(net.predict(X4), [0, 1, 1, 0])
    assert result.history[-1]["train_accuracy"] == 1.0


# -- Labels ----------------------------------------------------------------------------------


def test_string_labels_round_trip():
    """String labels are one-hot encoded in sorted order and predict returns them."""
    net = bplab.Network([2, 3, 3], seed=0)
    labels = np.array(["dog", "cat", "bird", "cat"])
    Y = net.encode_targets(labels)
    np.testing.assert_array_equal(net.classes_, ["bird", "cat", "dog"])
    np.testing.assert_array_equal(Y, [[0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 1, 0]])
    X = np.random.default_rng(0).normal(size=(5, 2))
    predicted = net.predict(X)
    np.testing.assert_array_equal(predicted, net.classes_[net.output(X).argmax(axis=1)])
    assert set(predicted) <= {"bird", "cat", "dog"}


def test_integer_labels_outside_range_are_classes():
    """Integer labels 5, 7, 9 on three outputs become the sorted classes [5, 7, 9]."""
    net = bplab.Network([2, 3, 3], seed=0)
    Y = net.encode_targets([9, 5, 7, 5])
    np.testing.assert_array_equal(net.classes_, [5, 7, 9])
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [1, 0, 0]])
    X = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_array_equal(net.predict(X), np.array([5, 7, 9])[net.output(X).argmax(axis=1)])


def test_small_integer_labels_are_indices():
    """Labels 0..n_L-1 are output indices even when some class is missing from Y."""
    net = bplab.Network([2, 3, 4], seed=0)
    Y = net.encode_targets([3, 0, 3])
    np.testing.assert_array_equal(net.classes_, [0, 1, 2, 3])
    np.testing.assert_array_equal(Y, [[0, 0, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]])


def test_label_count_disagrees_with_outputs():
    """Two distinct string labels for three outputs is an error naming both numbers."""
    net = bplab.Network([2, 3, 3], seed=0)
    with pytest.raises(ValueError, match=r"Y has 2 distinct labels but the output layer has n_L = 3 neurons"):
        net.gradients(X4[:3], ["a", "b", "a"])
    assert net.classes_ is None


def test_more_labels_than_outputs():
    """Four distinct labels for three outputs is an error naming 4 and 3."""
    net = bplab.Network([2, 3, 3], seed=0)
    with pytest.raises(ValueError, match=r"Y has 4 distinct labels but the output layer has n_L = 3 neurons"):
        net.cost_value(X4, [0, 1, 2, 3])


def test_unknown_label_after_classes_fixed():
    """Once classes_ is set, a new label is rejected by name."""
    net = bplab.Network([2, 3, 2], seed=0)
    net.encode_targets(["no", "yes"])
    with pytest.raises(ValueError, match=r"label 'maybe', which is not one of the network's classes \['no', 'yes'\]"):
        net.encode_targets(["yes", "maybe"])


def test_nan_label():
    """A NaN class label is rejected."""
    net = bplab.Network([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"Y contains a NaN or infinite label"):
        net.gradients(X4[:2], np.array([0.0, np.nan]))


def test_failed_call_keeps_classes_unset():
    """A call rejected for its lengths does not fix classes_ from its labels."""
    net = bplab.Network([2, 3, 3], seed=0)
    with pytest.raises(ValueError, match=r"X has 3 samples but Y has 4"):
        net.gradients(X4[:3], ["a", "b", "c", "a"])
    assert net.classes_ is None


# -- One sample as a 1-D vector --------------------------------------------------------------


def test_single_sample_vector_everywhere():
    """A 1-D x works in forward, output, predict, predict_proba, gradients and cost_value."""
    net = bplab.Network([3, 4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    x = np.array([0.3, -1.0, 2.0])
    y = np.array([1.0, 0.0])
    a, _ = net.forward(x)
    np.testing.assert_array_equal(a[3], net.forward(x[None, :])[0][3])
    assert net.output(x).shape == (1, 2)
    np.testing.assert_array_equal(net.predict(x), net.predict(x[None, :]))
    np.testing.assert_array_equal(net.predict_proba(x), net.predict_proba(x[None, :]))
    dW, db = net.gradients(x, y)
    dW_row, db_row = net.gradients(x[None, :], y[None, :])
    for l in (1, 2):
        np.testing.assert_array_equal(dW[l], dW_row[l])
        np.testing.assert_array_equal(db[l], db_row[l])
    assert net.cost_value(x, y) == net.cost_value(x[None, :], y[None, :])


def test_single_sample_with_label():
    """A 1-D x with one class label is one-hot encoded like a one-row batch."""
    net = bplab.Network([3, 4, 3], cost="cross_entropy", seed=6)
    x = np.array([0.3, -1.0, 2.0])
    assert net.cost_value(x, 2) == pytest.approx(-np.log(net.output(x)[0, 2]), rel=1e-14)
    np.testing.assert_array_equal(net.classes_, [0, 1, 2])


@pytest.mark.parametrize("target", [0.0, 0, [0.0], 0.3])
def test_single_output_targets_are_values(target):
    """With one output neuron a sample's y is its target value, never a label to one-hot encode."""
    net = bplab.Network([2, 2, 1], activation="sigmoid", bias=False, seed=0)
    a_L = net.output([1.0, 0.0])[0, 0]
    expected = float(np.ravel(target)[0])
    # J = 1/2 (a^L - y)^2 for the one sample.
    assert net.cost_value([1.0, 0.0], target) == pytest.approx(0.5 * (a_L - expected) ** 2, rel=1e-14)
    assert net.classes_ is None


# -- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("X, Y, error, message", [
    (np.zeros((4, 3)), np.zeros((4, 2)), ValueError,
     r"X has 3 columns but the network's input layer has n_1 = 2 neurons"),
    (np.zeros((4, 2)), np.zeros((4, 3)), ValueError,
     r"Y has 3 columns but the output layer has n_L = 2 neurons"),
    (np.zeros((4, 2)), np.zeros((3, 2)), ValueError, r"X has 4 samples but Y has 3"),
    (np.zeros((0, 2)), np.zeros((0, 2)), ValueError, r"X is empty \(0 samples\)"),
    (np.zeros((2, 2)), np.zeros((0, 2)), ValueError, r"Y is empty \(0 samples\)"),
    (np.zeros((2, 2)), [], ValueError, r"Y is empty \(0 labels\)"),
    ([[0.0, 1.0], [np.nan, 0.0]], np.zeros((2, 2)), ValueError,
     r"X contains a non-finite value \(nan\) at row 1, column 0"),
    ([[0.0, np.inf], [1.0, 0.0]], np.zeros((2, 2)), ValueError,
     r"X contains a non-finite value \(inf\) at row 0, column 1"),
    (np.zeros((2, 2)), [[0.0, 1.0], [0.0, -np.inf]], ValueError,
     r"Y contains a non-finite value \(-inf\) at row 1, column 1"),
    ([["a", "b"]], [[0.0, 1.0]], TypeError, r"X must hold numbers; got an array of dtype <U1"),
    ([[0.0, 1.0], [1.0]], np.zeros((2, 2)), ValueError, r"X must be a rectangular array"),
    (np.zeros((2, 2, 2)), np.zeros((2, 2)), ValueError, r"X must have shape \(m, 2\).*got shape \(2, 2, 2\)"),
])
def test_bad_data_rejected_and_weights_kept(X, Y, error, message):
    """Each bad X or Y raises an error naming the problem; gradients leaves the weights as they were."""
    net = bplab.Network([2, 3, 2], seed=0)
    before = _weights(net)
    with pytest.raises(error, match=message):
        net.gradients(X, Y)
    _assert_same_weights(net, before)
    assert net.classes_ is None


def test_cross_entropy_targets_outside_unit_interval():
    """Cross-entropy rejects a target outside [0, 1], naming it."""
    net = bplab.Network([2, 3, 2], cost="cross_entropy", output_activation="sigmoid", seed=0)
    with pytest.raises(ValueError, match=r"cross-entropy needs targets in \[0, 1\]; Y contains 1.5"):
        net.gradients(X4[:2], [[0.0, 1.5], [1.0, 0.0]])
    with pytest.raises(ValueError, match=r"cross-entropy needs targets in \[0, 1\]; Y contains -0.25"):
        net.cost_value(X4[:2], [[0.0, 1.0], [-0.25, 0.0]])


def test_softmax_cross_entropy_needs_distributions():
    """Softmax cross-entropy rejects target rows that do not sum to 1, where delta^L = a^L - y is wrong."""
    net = bplab.Network([2, 3, 2], cost="cross_entropy", seed=0)
    with pytest.raises(ValueError, match=r"each target row to sum to 1; row 1 of Y sums to 1.5"):
        net.gradients(X4[:2], [[0.0, 1.0], [0.5, 1.0]])


def test_sigmoid_cross_entropy_accepts_independent_targets():
    """Sigmoid cross-entropy accepts 0/1 targets that do not sum to 1 (independent outputs)."""
    net = bplab.Network([2, 3, 2], cost="cross_entropy", output_activation="sigmoid", seed=0)
    assert np.isfinite(net.cost_value(X4[:2], [[1.0, 1.0], [0.0, 0.0]]))


# -- Copies ----------------------------------------------------------------------------------


def test_copy_is_independent():
    """Changing a copy's weights or classes leaves the original unchanged."""
    net = bplab.Network([2, 3, 2], seed=0)
    net.encode_targets(["a", "b"])
    before = _weights(net)
    other = net.copy()
    for w in other.parameters():
        w += 1.0
    other.classes_[0] = "z"
    _assert_same_weights(net, before)
    np.testing.assert_array_equal(net.classes_, ["a", "b"])


def test_astype_converts_weights():
    """astype returns a float32 copy whose weights round the originals."""
    net = bplab.Network([2, 3, 2], seed=0)
    other = net.astype("float32")
    assert other.dtype == np.float32
    for w, v in zip(net.parameters(), other.parameters()):
        assert v.dtype == np.float32
        np.testing.assert_array_equal(v, w.astype(np.float32))
    assert net.dtype == np.float64


@pytest.mark.parametrize("labels, classes", [
    ([3, 7, 7, 3], [3, 7]),
    ([-1, 1, 1, -1], [-1, 1]),
    (["no", "yes", "yes", "no"], ["no", "yes"]),
])
def test_one_output_binary_labels(labels, classes):
    """A one-output sigmoid network learns two labels outside (0, 1) as classes and predicts them."""
    net = bplab.Network([2, 3, 1], seed=0)
    bplab.train(net, X4, labels, learning_rate=2.0, epochs=3000, seed=0)
    assert net.classes_.tolist() == classes
    assert net.predict(X4).tolist() == labels
    proba = net.predict_proba(X4)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_one_output_three_labels_rejected():
    """Three string labels cannot be separated by one output neuron, and the message states it."""
    net = bplab.Network([2, 3, 1], seed=0)
    with pytest.raises(ValueError, match=r"Y has 3 distinct labels but a network with one output neuron"):
        net.prepare(X4, ["a", "b", "c", "a"])
    assert net.classes_ is None


def test_one_output_linear_keeps_targets():
    """With a linear output, two numbers such as 3 and 7 are regression targets, not classes."""
    net = bplab.Network([2, 3, 1], activation="linear", seed=0)
    _, Y = net.prepare(X4, [3.0, 7.0, 7.0, 3.0])
    assert Y[:, 0].tolist() == [3.0, 7.0, 7.0, 3.0]
    assert net.classes_ is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "float32", np.dtype("float64")])
def test_dtype_accepts_numpy_types(dtype):
    """NumPy scalar types and dtype objects name the same two floating types as strings."""
    net = bplab.Network([2, 3, 1], dtype=dtype, seed=0)
    assert net.dtype == np.dtype(dtype)
    assert net.W[1].dtype == np.dtype(dtype)
