"""BP gradients against PyTorch autograd on the same weights and data, in float64."""

import numpy as np
import pytest

import bplab

torch = pytest.importorskip("torch")
F = torch.nn.functional

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
PAIRS = [("quadratic", output) for output in HIDDEN + ["softmax"]] + [
    ("cross_entropy", "sigmoid"),
    ("cross_entropy", "softmax"),
]
SIZES = [3, 5, 4, 2]
M = 7
# Both sides compute the same sums in a different order, so they differ by rounding only.
RTOL, ATOL = 1e-10, 1e-14

TORCH_ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=0.01),
    "linear": lambda z: z,
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def _torch_cost(cost, output, z_L, a_L, y):
    """Mean over samples of J, each written in PyTorch's own functions."""
    if cost == "quadratic":
        return 0.5 * ((a_L - y) ** 2).sum(dim=1).mean()
    if output == "softmax":
        return -(y * F.log_softmax(z_L, dim=1)).sum(dim=1).mean()
    return F.binary_cross_entropy_with_logits(z_L, y, reduction="none").sum(dim=1).mean()


def _torch_gradients(net, X, Y):
    """Forward the rows of X through torch copies of net's weights and return J and the grads."""
    W = [None] + [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in net.W[1:]]
    b = [None] + [None if v is None else torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in net.b[1:]]
    a = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    for l in range(1, net.L):
        z = a @ W[l].T
        if b[l] is not None:
            z = z + b[l]
        name = net.output_activation if l == net.L - 1 else net.activation
        a = TORCH_ACTIVATIONS[name](z)
    J = _torch_cost(net.cost_name, net.output_activation, z, a, y)
    J.backward()
    dW = [None] + [w.grad.numpy() for w in W[1:]]
    db = [None] + [None if v is None else v.grad.numpy() for v in b[1:]]
    return J.item(), a.detach().numpy(), dW, db


def _data(cost, output, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(M, SIZES[0]))
    if cost == "cross_entropy" and output == "softmax":
        Y = rng.dirichlet(np.ones(SIZES[-1]), size=M)
    else:
        Y = rng.uniform(size=(M, SIZES[-1]))
    return X, Y


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("cost, output", PAIRS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_match_autograd(hidden, cost, output, bias):
    """Output, J, dJ/dW^l and dJ/db^l equal PyTorch autograd's to 1e-10 relative."""
    net = bplab.Network(SIZES, activation=hidden, output_activation=output, cost=cost, bias=bias, seed=11)
    if bias:
        rng = np.random.default_rng(12)
        for v in net.b[1:]:
            v[...] = rng.uniform(-0.5, 0.5, size=v.shape)
    X, Y = _data(cost, output, seed=13)
    J, a_L, dW_torch, db_torch = _torch_gradients(net, X, Y)
    np.testing.assert_allclose(net.output(X), a_L, rtol=RTOL, atol=ATOL)
    assert net.cost_value(X, Y) == pytest.approx(J, rel=RTOL)
    dW, db = net.gradients(X, Y)
    for l in range(1, net.L):
        np.testing.assert_allclose(dW[l], dW_torch[l], rtol=RTOL, atol=ATOL, err_msg=f"dJ/dW^{l}")
        if bias:
            np.testing.assert_allclose(db[l], db_torch[l], rtol=RTOL, atol=ATOL, err_msg=f"dJ/db^{l}")
        else:
            assert db[l] is None


def test_class_labels_match_one_hot_autograd():
    """Integer labels give the gradients of the one-hot targets in PyTorch's cross_entropy."""
    net = bplab.Network([3, 6, 4], activation="tanh", cost="cross_entropy", seed=14)
    X = np.random.default_rng(15).normal(size=(M, 3))
    labels = np.array([0, 3, 1, 1, 2, 3, 0])
    W1 = torch.tensor(net.W[1], requires_grad=True)
    b1 = torch.tensor(net.b[1], requires_grad=True)
    W2 = torch.tensor(net.W[2], requires_grad=True)
    b2 = torch.tensor(net.b[2], requires_grad=True)
    z_L = torch.tanh(torch.tensor(X) @ W1.T + b1) @ W2.T + b2
    # F.cross_entropy takes logits and averages over samples, the same J as bplab's.
    F.cross_entropy(z_L, torch.tensor(labels)).backward()
    dW, db = net.gradients(X, labels)
    np.testing.assert_allclose(dW[1], W1.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(db[1], b1.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dW[2], W2.grad.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(db[2], b2.grad.numpy(), rtol=RTOL, atol=ATOL)
