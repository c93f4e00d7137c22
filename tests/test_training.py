"""Online, batch and mini-batch BP: worked steps, equivalences, stopping rules and divergence.

Most tests pin ``engine="reference"`` so they check the lecture-shaped code of bplab.online and
bplab.batch. Tests of the default engine, "auto", take it as a parameter or name it.
"""

import json
import re
import warnings

import numpy as np
import pytest

import bplab
import bplab.online
from bplab.training import TrainingInterrupted

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])
REFERENCE = {"engine": "reference"}


def _weights(net):
    return [w.copy() for w in net.parameters()]


def _assert_weights_equal(net, expected, atol=0.0):
    actual = net.parameters()
    assert len(actual) == len(expected)
    for w, v in zip(actual, expected):
        assert w.dtype == v.dtype
        if atol:
            np.testing.assert_allclose(w, v, rtol=0, atol=atol)
        else:
            np.testing.assert_array_equal(w, v)


def _regression_data(seed=0, m=12):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    Y = rng.uniform(size=(m, 2))
    return X, Y


# -- One BP step worked by hand ---------------------------------------------------------------
#
# Network 2-2-1, sigmoid f, quadratic J, no biases, x = (1, 0), y = 1, alpha = 0.5,
#   W^1 = [[0.1, 0.2], [0.3, 0.4]],  W^2 = [[0.5, 0.6]].
# Computed with plain Python math, s(z) = 1 / (1 + exp(-z)):
#   z^2 = W^1 x = (0.1, 0.3)
#   a^2 = (s(0.1), s(0.3)) = (0.524979187479, 0.574442516812)
#   z^3 = 0.5 * 0.524979187479 + 0.6 * 0.574442516812 = 0.262489593740 + 0.344665510087
#       = 0.607155103826
#   a^3 = s(0.607155103826) = 0.647291569995
#   J   = 1/2 (a^3 - y)^2 = 1/2 (-0.352708430005)^2 = 0.062201618298
#   delta^3 = (a^3 - y) a^3 (1 - a^3) = -0.352708430005 * 0.228305193409 = -0.080525166329
#   delta^2 = a^2 (1 - a^2) * (W^2)^T delta^3
#           = (0.249376040193 * 0.5, 0.244458311691 * 0.6) * -0.080525166329
#           = (-0.010040523558, -0.011811027726)
#   dJ/dW^2 = delta^3 (a^2)^T = (-0.080525166329 * 0.524979187479, -0.080525166329 * 0.574442516812)
#           = (-0.042274036391, -0.046257079213)
#   dJ/dW^1 = delta^2 x^T = [[-0.010040523558, 0], [-0.011811027726, 0]]
#   W^2 <- W^2 - 0.5 dJ/dW^2 = (0.5 + 0.021137018196, 0.6 + 0.023128539606)
#                            = (0.521137018196, 0.623128539606)
#   W^1 <- W^1 - 0.5 dJ/dW^1 = [[0.1 + 0.005020261779, 0.2], [0.3 + 0.005905513863, 0.4]]
#                            = [[0.105020261779, 0.2], [0.305905513863, 0.4]]
# The values are written to 12 digits, so they are compared to 1e-11.
HAND = 1e-11


def _hand_network(dtype="float64"):
    net = bplab.Network([2, 2, 1], activation="sigmoid", cost="quadratic", bias=False, dtype=dtype)
    net.W[1][...] = [[0.1, 0.2], [0.3, 0.4]]
    net.W[2][...] = [[0.5, 0.6]]
    return net


def test_hand_step_forward():
    """forward gives the hand-computed z^2, a^2, z^3, a^3, and cost_value the hand J."""
    net = _hand_network()
    a, z = net.forward([1.0, 0.0])
    np.testing.assert_allclose(z[2], [[0.1, 0.3]], rtol=0, atol=HAND)
    np.testing.assert_allclose(a[2], [[0.524979187479, 0.574442516812]], rtol=0, atol=HAND)
    np.testing.assert_allclose(z[3], [[0.607155103826]], rtol=0, atol=HAND)
    np.testing.assert_allclose(a[3], [[0.647291569995]], rtol=0, atol=HAND)
    assert net.cost_value([1.0, 0.0], 1.0) == pytest.approx(0.062201618298, abs=HAND)


def test_hand_step_deltas_and_gradients():
    """BP gives the hand-computed delta^3, delta^2, dJ/dW^2 and dJ/dW^1."""
    net = _hand_network()
    _, _, delta = net._gradients_columns(np.array([[1.0], [0.0]]), np.array([[1.0]]))
    np.testing.assert_allclose(delta[3], [[-0.080525166329]], rtol=0, atol=HAND)
    np.testing.assert_allclose(delta[2], [[-0.010040523558], [-0.011811027726]], rtol=0, atol=HAND)
    dW, db = net.gradients([1.0, 0.0], [1.0])
    assert db == [None, None, None]
    np.testing.assert_allclose(dW[2], [[-0.042274036391, -0.046257079213]], rtol=0, atol=HAND)
    np.testing.assert_allclose(dW[1], [[-0.010040523558, 0.0], [-0.011811027726, 0.0]], rtol=0, atol=HAND)


@pytest.mark.parametrize("algorithm", ["online", "batch", "minibatch"])
def test_hand_step_update(algorithm):
    """One epoch on the one sample applies w <- w - 0.5 dJ/dw: the hand-computed W^1 and W^2."""
    net = _hand_network()
    result = bplab.train(net, [[1.0, 0.0]], [1.0], algorithm=algorithm, learning_rate=0.5, epochs=1,
                         shuffle=False, **REFERENCE)
    np.testing.assert_allclose(net.W[2], [[0.521137018196, 0.623128539606]], rtol=0, atol=HAND)
    np.testing.assert_allclose(net.W[1], [[0.105020261779, 0.2], [0.305905513863, 0.4]], rtol=0, atol=HAND)
    # The largest change is that of w^2_12: 0.5 * 0.046257079213 = 0.023128539606.
    assert result.history[0]["max_weight_change"] == pytest.approx(0.023128539606, abs=HAND)


def test_hand_step_default_engine():
    """The default engine takes the same hand-computed online step (to 1e-11)."""
    net = _hand_network()
    bplab.train(net, [[1.0, 0.0]], [1.0], learning_rate=0.5, epochs=1)
    np.testing.assert_allclose(net.W[2], [[0.521137018196, 0.623128539606]], rtol=0, atol=HAND)
    np.testing.assert_allclose(net.W[1], [[0.105020261779, 0.2], [0.305905513863, 0.4]], rtol=0, atol=HAND)


# -- Equivalences ----------------------------------------------------------------------------


@pytest.mark.parametrize("hidden, cost", [("sigmoid", "quadratic"), ("relu", "cross_entropy"), ("tanh", "quadratic")])
def test_online_equals_batch_on_one_sample(hidden, cost):
    """On a one-sample set one online epoch and one batch epoch give the same weights, to 1e-12."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3))
    y = np.array([[0.2, 0.7, 0.1]])
    online_net = bplab.Network([3, 5, 4, 3], activation=hidden, cost=cost, seed=1)
    batch_net = online_net.copy()
    bplab.train(online_net, x, y, algorithm="online", learning_rate=0.3, epochs=1, **REFERENCE)
    bplab.train(batch_net, x, y, algorithm="batch", learning_rate=0.3, epochs=1, **REFERENCE)
    _assert_weights_equal(online_net, _weights(batch_net), atol=1e-12)
    assert not np.array_equal(online_net.W[1], bplab.Network([3, 5, 4, 3], activation=hidden, cost=cost, seed=1).W[1])


def test_online_epoch_is_sequence_of_steps():
    """An online epoch without shuffling equals one gradient step per sample, in order (1e-12)."""
    X, Y = _regression_data(1, m=4)
    net = bplab.Network([3, 4, 2], activation="tanh", seed=2)
    expected = net.copy()
    for x, y in zip(X, Y):
        dW, db = expected.gradients(x, y)
        for l in range(1, expected.L):
            expected.W[l] -= 0.2 * dW[l]
            expected.b[l] -= 0.2 * db[l]
    bplab.train(net, X, Y, algorithm="online", learning_rate=0.2, epochs=1, shuffle=False, **REFERENCE)
    _assert_weights_equal(net, _weights(expected), atol=1e-12)


def test_batch_epoch_is_one_mean_gradient_step():
    """A batch epoch is one step along the mean gradient over all samples (1e-12)."""
    X, Y = _regression_data(2)
    net = bplab.Network([3, 4, 2], activation="sigmoid", seed=3)
    dW, db = net.gradients(X, Y)
    expected = [w - 0.7 * g for w, g in zip(net.parameters(), [dW[1], db[1], dW[2], db[2]])]
    bplab.train(net, X, Y, algorithm="batch", learning_rate=0.7, epochs=1, **REFERENCE)
    _assert_weights_equal(net, expected, atol=1e-12)


def test_minibatch_of_m_equals_batch():
    """Mini-batch BP with batch_size = m is batch BP, bit for bit over several epochs."""
    X, Y = _regression_data(3)
    first = bplab.Network([3, 4, 2], seed=4)
    second = first.copy()
    bplab.train(first, X, Y, algorithm="minibatch", batch_size=len(X), learning_rate=0.5, epochs=5, seed=0, **REFERENCE)
    bplab.train(second, X, Y, algorithm="batch", learning_rate=0.5, epochs=5, seed=0, **REFERENCE)
    _assert_weights_equal(first, _weights(second))


def test_minibatch_slices_in_order():
    """Without shuffling, batch_size 2 on 4 samples is two mean-gradient steps on rows 0-1, then 2-3."""
    X, Y = _regression_data(4, m=4)
    net = bplab.Network([3, 4, 2], activation="tanh", seed=5)
    expected = net.copy()
    for rows in (slice(0, 2), slice(2, 4)):
        dW, db = expected.gradients(X[rows], Y[rows])
        for l in range(1, expected.L):
            expected.W[l] -= 0.4 * dW[l]
            expected.b[l] -= 0.4 * db[l]
    bplab.train(net, X, Y, algorithm="minibatch", batch_size=2, learning_rate=0.4, epochs=1, shuffle=False, **REFERENCE)
    _assert_weights_equal(net, _weights(expected), atol=1e-12)


def test_minibatch_last_slice_may_be_short():
    """batch_size 3 on 4 samples updates on rows 0-2, then on row 3 alone (1e-12)."""
    X, Y = _regression_data(5, m=4)
    net = bplab.Network([3, 4, 2], seed=6)
    expected = net.copy()
    for rows in (slice(0, 3), slice(3, 4)):
        dW, db = expected.gradients(X[rows], Y[rows])
        for l in range(1, expected.L):
            expected.W[l] -= 0.4 * dW[l]
            expected.b[l] -= 0.4 * db[l]
    bplab.train(net, X, Y, algorithm="minibatch", batch_size=3, learning_rate=0.4, epochs=1, shuffle=False, **REFERENCE)
    _assert_weights_equal(net, _weights(expected), atol=1e-12)


def test_sum_gradient_equals_mean_with_scaled_rate():
    """One full-batch step: batch_gradient="sum" with alpha equals "mean" with alpha * m (1e-12)."""
    X, Y = _regression_data(6)
    summed = bplab.Network([3, 4, 2], seed=7)
    averaged = summed.copy()
    bplab.train(summed, X, Y, algorithm="batch", learning_rate=0.05, batch_gradient="sum", epochs=1, **REFERENCE)
    bplab.train(averaged, X, Y, algorithm="batch", learning_rate=0.05 * len(X), epochs=1, **REFERENCE)
    _assert_weights_equal(summed, _weights(averaged), atol=1e-12)


# -- Momentum and weight decay ---------------------------------------------------------------


def test_l2_step_by_hand():
    """With weight decay lambda: W <- W - alpha (dJ/dW + lambda W), and b <- b - alpha dJ/db (1e-12)."""
    X, Y = _regression_data(7)
    net = bplab.Network([3, 4, 2], seed=8)
    for v in net.b[1:]:
        v[...] = 0.3
    alpha, lam = 0.5, 0.1
    dW, db = net.gradients(X, Y)
    expected = []
    for l in (1, 2):
        expected.append(net.W[l] - alpha * (dW[l] + lam * net.W[l]))
        expected.append(net.b[l] - alpha * db[l])
    bplab.train(net, X, Y, algorithm="batch", learning_rate=alpha, l2=lam, epochs=1, **REFERENCE)
    _assert_weights_equal(net, expected, atol=1e-12)


def test_momentum_two_steps_by_hand():
    """v <- mu v - alpha (dJ/dW + lambda W), W <- W + v, checked over two batch steps (1e-12)."""
    X, Y = _regression_data(8)
    net = bplab.Network([3, 4, 2], activation="tanh", seed=9)
    alpha, mu, lam = 0.3, 0.9, 0.05
    expected = net.copy()
    velocity_W = [None, 0.0, 0.0]
    velocity_b = [None, 0.0, 0.0]
    for _ in range(2):
        dW, db = expected.gradients(X, Y)
        for l in (1, 2):
            velocity_W[l] = mu * velocity_W[l] - alpha * (dW[l] + lam * expected.W[l])
            velocity_b[l] = mu * velocity_b[l] - alpha * db[l]
            expected.W[l] = expected.W[l] + velocity_W[l]
            expected.b[l] = expected.b[l] + velocity_b[l]
    bplab.train(net, X, Y, algorithm="batch", learning_rate=alpha, momentum=mu, l2=lam, epochs=2, **REFERENCE)
    _assert_weights_equal(net, _weights(expected), atol=1e-12)


def test_learning_rate_decay_by_hand():
    """With decay d, epoch k steps with alpha / (1 + d (k - 1)): two batch epochs at 0.6, then 0.3 (1e-12)."""
    X, Y = _regression_data(20)
    net = bplab.Network([3, 4, 2], activation="tanh", seed=10)
    expected = net.copy()
    for alpha in (0.6, 0.3):
        dW, db = expected.gradients(X, Y)
        for l in (1, 2):
            expected.W[l] -= alpha * dW[l]
            expected.b[l] -= alpha * db[l]
    result = bplab.train(net, X, Y, algorithm="batch", learning_rate=0.6, learning_rate_decay=1.0, epochs=2,
                         **REFERENCE)
    _assert_weights_equal(net, _weights(expected), atol=1e-12)
    assert result.settings["learning_rate_decay"] == 1.0


# -- Learning XOR ----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm, learning_rate", [("online", 2.0), ("batch", 5.0)])
@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_learns_xor(algorithm, learning_rate, engine):
    """A 2-3-1 sigmoid network learns XOR from seed 0 in 1000 epochs: predictions are [0, 1, 1, 0]."""
    net = bplab.Network([2, 3, 1], activation="sigmoid", seed=0)
    result = bplab.train(net, XOR_X, XOR_Y, algorithm=algorithm, learning_rate=learning_rate, epochs=1000,
                         seed=0, engine=engine)
    np.testing.assert_array_equal(net.predict(XOR_X), [0, 1, 1, 0])
    assert result.history[-1]["train_accuracy"] == 1.0
    assert result.history[-1]["J"] < 0.01
    assert result.history[-1]["J"] < result.history[0]["J"] / 10


# -- Stopping rules and the history -----------------------------------------------------------


def test_epochs_rule():
    """Without other rules training runs exactly ``epochs`` epochs, numbered from 1."""
    X, Y = _regression_data(9)
    result = bplab.train(bplab.Network([3, 4, 2], seed=0), X, Y, epochs=4, **REFERENCE)
    assert result.stopped_by == "epochs"
    assert result.epochs == 4
    assert [record["epoch"] for record in result.history] == [1, 2, 3, 4]


def test_weights_converged_rule():
    """tol stops at the first epoch whose largest weight change is below tol."""
    X, Y = _regression_data(10)
    trial = bplab.train(bplab.Network([3, 4, 2], seed=1), X, Y, algorithm="batch", epochs=1, **REFERENCE)
    tol = trial.history[0]["max_weight_change"] / 2
    result = bplab.train(bplab.Network([3, 4, 2], seed=1), X, Y, algorithm="batch", epochs=500, tol=tol, **REFERENCE)
    assert result.stopped_by == "weights_converged"
    assert 1 < result.epochs < 500
    assert result.history[-1]["max_weight_change"] < tol
    assert all(record["max_weight_change"] >= tol for record in result.history[:-1])


def test_cost_converged_rule():
    """cost_tol stops at the first epoch whose relative drop of J is below cost_tol."""
    X, Y = _regression_data(11)
    cost_tol = 1e-3
    result = bplab.train(bplab.Network([3, 4, 2], seed=2), X, Y, algorithm="batch", epochs=2000,
                         cost_tol=cost_tol, **REFERENCE)
    assert result.stopped_by == "cost_converged"
    J = [record["J"] for record in result.history]
    assert 2 < len(J) < 2000
    assert (J[-2] - J[-1]) / J[-2] < cost_tol
    assert all((J[k - 1] - J[k]) / J[k - 1] >= cost_tol for k in range(1, len(J) - 1))


def test_patience_restores_best_weights():
    """patience stops after that many epochs without a better val_J and restores the best epoch's weights."""
    X, Y = _regression_data(12)
    net = bplab.Network([3, 4, 2], seed=0)
    saved = {}
    result = bplab.train(net, X, Y, algorithm="batch", learning_rate=1.0, epochs=200, patience=3,
                         validation_data=(X, 1 - Y), callback=lambda record: saved.update({record["epoch"]: _weights(net)}),
                         **REFERENCE)
    val_J = [record["val_J"] for record in result.history]
    best = int(np.argmin(val_J)) + 1
    assert result.stopped_by == "patience"
    assert result.best_epoch == best
    assert result.epochs == best + 3
    assert best < result.epochs
    _assert_weights_equal(net, saved[best])


def test_validation_split_holds_out_samples():
    """validation_split 0.25 of 12 samples validates on 3 of them; the records carry val_J."""
    X, Y = _regression_data(13)
    result = bplab.train(bplab.Network([3, 4, 2], seed=0), X, Y, validation_split=0.25, epochs=2, seed=0, **REFERENCE)
    assert all(record["val_J"] is not None and np.isfinite(record["val_J"]) for record in result.history)
    assert result.best_epoch in (1, 2)


@pytest.mark.parametrize("stop", [bplab.StopTraining, KeyboardInterrupt])
def test_callback_stops_after_epoch(stop):
    """A callback raising StopTraining or KeyboardInterrupt in epoch 3 ends training after epoch 3."""
    X, Y = _regression_data(14)
    net = bplab.Network([3, 4, 2], seed=0)
    seen = []

    def callback(record):
        seen.append(record["epoch"])
        if record["epoch"] == 3:
            raise stop()

    with pytest.warns(TrainingInterrupted, match=r"stopped on request after epoch 3"):
        result = bplab.train(net, X, Y, epochs=10, callback=callback, **REFERENCE)
    assert result.stopped_by == "interrupted"
    assert result.epochs == 3
    assert len(result.history) == 3
    assert seen == [1, 2, 3]


def test_interrupt_during_epoch_rolls_back(monkeypatch):
    """Ctrl-C inside epoch 3 restores the weights from before it and ends with the two finished epochs."""
    X, Y = _regression_data(21)
    net = bplab.Network([3, 4, 2], seed=0)
    saved = {}
    original = bplab.online.run_epoch

    def interrupted_epoch(net_, *args):
        if len(saved) == 2:
            net_.W[1] += 1.0  # a half-done update that must not survive
            raise KeyboardInterrupt
        return original(net_, *args)

    monkeypatch.setattr(bplab.online, "run_epoch", interrupted_epoch)
    with pytest.warns(TrainingInterrupted, match=r"interrupted during an epoch; kept the weights from before it"):
        result = bplab.train(net, X, Y, epochs=10, callback=lambda record: saved.update({record["epoch"]: _weights(net)}),
                             **REFERENCE)
    assert result.stopped_by == "interrupted"
    assert result.epochs == 2
    _assert_weights_equal(net, saved[2])


def test_history_records():
    """Each record contains the documented values, measured on the epoch's final weights."""
    net = bplab.Network([2, 3, 4, 2], activation="tanh", cost="cross_entropy", seed=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    labels = np.array(["a", "b"])[(X[:, 0] > 0).astype(int)]
    saved = [_weights(net)]
    result = bplab.train(net, X, labels, epochs=3, seed=0, callback=lambda record: saved.append(_weights(net)),
                         **REFERENCE)

    json.dumps(result.history)
    json.dumps(result.settings)
    assert result.settings["learning_rate"] == 0.5
    assert result.seconds >= sum(record["seconds"] for record in result.history)

    for k, record in enumerate(result.history):
        assert {"epoch", "J", "train_accuracy", "val_J", "val_accuracy", "max_weight_change", "seconds",
                "mean_abs_delta"} <= set(record)
        assert record["val_J"] is None
        assert record["val_accuracy"] is None
        assert record["seconds"] >= 0
        assert len(record["mean_abs_delta"]) == net.L - 1
        # saved[k] contains the weights before epoch k + 1 and saved[k + 1] those after it.
        change = max(float(np.abs(w - v).max()) for w, v in zip(saved[k + 1], saved[k]))
        assert record["max_weight_change"] == pytest.approx(change, rel=1e-12)

    # The last record describes the weights the network ends with.
    last = result.history[-1]
    assert last["J"] == pytest.approx(net.cost_value(X, labels), rel=1e-12)
    assert last["train_accuracy"] == pytest.approx(np.mean(net.predict(X) == labels), abs=1e-15)
    X_rows, Y_rows = net.prepare(X, labels)
    _, _, delta = net._gradients_columns(X_rows.T, Y_rows.T)
    np.testing.assert_allclose(last["mean_abs_delta"], [np.abs(delta[l]).mean() for l in (2, 3, 4)], rtol=1e-12)
    np.testing.assert_array_equal(net.classes_, ["a", "b"])


def test_regression_targets_have_no_accuracy():
    """For real-valued targets the records carry J and no accuracy."""
    X, Y = _regression_data(15)
    result = bplab.train(bplab.Network([3, 4, 2], seed=0), X, Y, epochs=2, **REFERENCE)
    assert [record["train_accuracy"] for record in result.history] == [None, None]


def test_verbose_prints_one_line_per_epoch(capsys):
    """verbose prints one line per epoch with the epoch count and J, and nothing else."""
    bplab.train(bplab.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, epochs=3, verbose=True, **REFERENCE)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for k, line in enumerate(lines, start=1):
        assert re.match(rf"epoch {k}/3  J \d+\.\d{{6}}  train acc \d\.\d{{4}}  max\|dW\| ", line), line


def test_quiet_by_default(capsys):
    """Without verbose, training prints nothing."""
    bplab.train(bplab.Network([2, 3, 1], seed=0), XOR_X, XOR_Y, epochs=2, **REFERENCE)
    assert capsys.readouterr().out == ""


def test_train_again_continues():
    """A second call continues from the current weights: 5 + 5 batch epochs equal 10, bit for bit."""
    X, Y = _regression_data(16)
    split = bplab.Network([3, 4, 2], seed=3)
    whole = split.copy()
    first = bplab.train(split, X, Y, algorithm="batch", epochs=5, **REFERENCE)
    second = bplab.train(split, X, Y, algorithm="batch", epochs=5, **REFERENCE)
    bplab.train(whole, X, Y, algorithm="batch", epochs=10, **REFERENCE)
    _assert_weights_equal(split, _weights(whole))
    assert second.history[0]["J"] < first.history[-1]["J"]
    assert second.history[0]["epoch"] == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_same_seed_same_weights(dtype, engine):
    """Network seed and training seed fix the result: two runs give bit-identical weights."""
    X, Y = _regression_data(17)
    runs = []
    for _ in range(2):
        net = bplab.Network([3, 4, 2], dtype=dtype, seed=5)
        bplab.train(net, X, Y, algorithm="minibatch", batch_size=5, epochs=4, seed=11, momentum=0.5, engine=engine)
        runs.append([w.tobytes() for w in net.parameters()])
    assert runs[0] == runs[1]
    other = bplab.Network([3, 4, 2], dtype=dtype, seed=5)
    bplab.train(other, X, Y, algorithm="minibatch", batch_size=5, epochs=4, seed=12, momentum=0.5, engine=engine)
    assert [w.tobytes() for w in other.parameters()] != runs[0]


@pytest.mark.parametrize("algorithm", ["online", "batch", "minibatch"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_both_dtypes_train(dtype, algorithm):
    """float32 and float64 networks both lower J, and their weights keep their dtype."""
    X, Y = _regression_data(18)
    net = bplab.Network([3, 4, 2], activation="tanh", output_activation="sigmoid", dtype=dtype, seed=0)
    result = bplab.train(net, X, Y, algorithm=algorithm, batch_size=4 if algorithm == "minibatch" else None,
                         learning_rate=0.5, epochs=20, momentum=0.5, l2=1e-4, seed=0, **REFERENCE)
    assert result.history[-1]["J"] < result.history[0]["J"]
    assert all(w.dtype == np.dtype(dtype) for w in net.parameters())
    assert net.output(X).dtype == np.dtype(dtype)


# -- Divergence ------------------------------------------------------------------------------


def _divergent_problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3)) * 3
    Y = X @ rng.normal(size=(3, 2))
    return X, Y


@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_divergence_raises_and_keeps_last_finite_weights(engine):
    """Batch BP at learning rate 0.3 on a linear network overflows after some epochs: DivergenceError,
    a message naming epoch and rate and suggesting 0.03, the last finite epoch's weights, no warning."""
    X, Y = _divergent_problem()
    net = bplab.Network([3, 4, 2], activation="linear", seed=1)
    saved = {0: _weights(net)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(bplab.DivergenceError) as caught:
            bplab.train(net, X, Y, algorithm="batch", learning_rate=0.3, epochs=200,
                        callback=lambda record: saved.update({record["epoch"]: _weights(net)}), engine=engine)
    finished = caught.value.result.epochs
    assert finished >= 1, "the rate should allow at least one finite epoch, to test the roll back"
    assert len(caught.value.result.history) == finished
    message = str(caught.value)
    assert f"diverged in epoch {finished + 1}" in message
    assert "learning rate 0.3" in message
    assert re.search(r"smaller learning rate, such as 0\.03\b", message)
    assert isinstance(caught.value, RuntimeError)
    assert all(np.isfinite(w).all() for w in net.parameters())
    _assert_weights_equal(net, saved[finished])


def test_divergence_in_first_epoch_keeps_initial_weights():
    """When the first online epoch already overflows, the network keeps its initial weights."""
    X, Y = _divergent_problem()
    net = bplab.Network([3, 4, 2], activation="linear", seed=1)
    initial = _weights(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(bplab.DivergenceError, match=r"diverged in epoch 1: .*learning rate 1000;"):
            bplab.train(net, X, Y, algorithm="online", learning_rate=1000.0, epochs=5, **REFERENCE)
    _assert_weights_equal(net, initial)


# -- Invalid settings ------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, error, message", [
    ({"learning_rate": 0}, ValueError, r"learning_rate must be in \(0, .*got 0"),
    ({"learning_rate": -0.5}, ValueError, r"learning_rate must be in \(0, .*got -0.5"),
    ({"learning_rate": np.nan}, ValueError, r"learning_rate must be finite; got nan"),
    ({"learning_rate": "0.1"}, TypeError, r"learning_rate must be a number; got '0.1'"),
    ({"algorithm": "minibatch", "batch_size": 0}, ValueError,
     r"batch_size must be between 1 and the number of samples m = 12; got 0"),
    ({"algorithm": "minibatch", "batch_size": 13}, ValueError,
     r"batch_size must be between 1 and the number of samples m = 12; got 13"),
    ({"algorithm": "minibatch", "batch_size": 2.5}, TypeError, r"batch_size must be an integer; got 2.5"),
    ({"algorithm": "online", "batch_size": 4}, ValueError, r"batch_size must be 1; got 4"),
    ({"algorithm": "batch", "batch_size": 4}, ValueError, r"batch_size must be 12; got 4"),
    ({"algorithm": "sgd"}, ValueError, r"unknown algorithm 'sgd'; expected one of: online, batch, minibatch"),
    ({"epochs": 0}, ValueError, r"epochs must be in \[1, .*got 0"),
    ({"momentum": 1.0}, ValueError, r"momentum must be in \[0, 1\); got 1.0"),
    ({"l2": -1.0}, ValueError, r"l2 must be in \[0, .*got -1.0"),
    ({"learning_rate_decay": -0.5}, ValueError, r"learning_rate_decay must be in \[0, .*got -0.5"),
    ({"tol": 0}, ValueError, r"tol must be in \(0, .*got 0"),
    ({"batch_gradient": "avg"}, ValueError, r"batch_gradient must be 'mean' or 'sum'; got 'avg'"),
    ({"engine": "gpu"}, ValueError, r"engine must be 'auto', 'reference' or 'fast'; got 'gpu'"),
    ({"patience": 2}, ValueError, r"patience needs validation data"),
    ({"validation_split": 0.01}, ValueError,
     r"validation_split=0.01 of 12 samples leaves 0 for validation and 12 for training"),
    ({"validation_split": 0.99}, ValueError,
     r"validation_split=0.99 of 12 samples leaves 12 for validation and 0 for training"),
    ({"validation_split": 1.0}, ValueError, r"validation_split must be in \[0, 1\); got 1.0"),
    ({"validation_data": ([[0.0, 0.0, 0.0]],)}, TypeError, r"validation_data must be a pair"),
    ({"validation_data": ([[0.0, 0.0]], [[0.0, 0.0]])}, ValueError, r"X has 2 columns but .* n_1 = 3"),
])
def test_invalid_settings_leave_network_untouched(kwargs, error, message):
    """Each invalid setting raises an error naming it and its value; weights and classes stay as they were."""
    X, _ = _regression_data(19)
    labels = np.array(["x", "y"])[np.arange(12) % 2]
    net = bplab.Network([3, 4, 2], seed=0)
    before = _weights(net)
    with pytest.raises(error, match=message):
        bplab.train(net, X, labels, **kwargs)
    _assert_weights_equal(net, before)
    assert net.classes_ is None


@pytest.mark.parametrize("X, Y, message", [
    (np.zeros((4, 2)), np.zeros((4, 2)), r"X has 2 columns but the network's input layer has n_1 = 3"),
    (np.zeros((4, 3)), np.zeros((4, 3)), r"Y has 3 columns but the output layer has n_L = 2"),
    (np.zeros((4, 3)), np.zeros((5, 2)), r"X has 4 samples but Y has 5"),
    (np.zeros((0, 3)), np.zeros((0, 2)), r"X is empty"),
    (np.full((4, 3), np.nan), np.zeros((4, 2)), r"X contains a non-finite value \(nan\) at row 0, column 0"),
    (np.zeros((4, 3)), np.array(["a", "b", "c", "a"]), r"Y has 3 distinct labels but the output layer has n_L = 2"),
])
def test_invalid_data_leaves_network_untouched(X, Y, message):
    """train rejects bad data with a message naming it, before any weight changes."""
    net = bplab.Network([3, 4, 2], seed=0)
    before = _weights(net)
    with pytest.raises(ValueError, match=message):
        bplab.train(net, X, Y, epochs=1)
    _assert_weights_equal(net, before)
    assert net.classes_ is None
