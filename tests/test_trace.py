"""One online BP step traced value by value: equal to the core, and rendered in every format."""

import json
import re

import numpy as np
import pytest

import bplab
from bplab.cli import main
from bplab.trace import render, sample_for, trace_step

# (layers, network keyword arguments): every output-delta rule, biases on and off, L = 2..4.
CONFIGS = [
    ([2, 2, 1], dict(activation="sigmoid", bias=False)),
    ([3, 4, 2], dict(activation="tanh", bias=True)),
    ([2, 3, 3], dict(activation="relu", cost="cross_entropy", bias=True)),
    ([2, 3, 2], dict(activation="sigmoid", output_activation="softmax", bias=False)),
    ([2, 2, 2], dict(activation="leaky_relu", output_activation="sigmoid", cost="cross_entropy")),
    ([3, 2], dict(activation="linear", bias=True)),
    ([2, 3, 3, 2], dict(activation="sigmoid", bias=True)),
]


def _network(layers, kwargs, seed=3):
    return bplab.Network(layers, seed=seed, **kwargs)


def _array(per_layer, l):
    return np.asarray(per_layer[l])


@pytest.mark.parametrize("layers,kwargs", CONFIGS)
def test_trace_equals_forward_and_gradients(layers, kwargs):
    """z, a, J, dJ/dW and dJ/db equal Network.forward, cost_value and gradients."""
    net = _network(layers, kwargs)
    x, y = sample_for(net, 7)
    trace = trace_step(net, x, y, learning_rate=0.3)
    a, z = net.forward(x)
    dW, db = net.gradients(x[None, :], y[None, :])
    for l in range(1, net.L + 1):
        np.testing.assert_allclose(_array(trace["a"], l), a[l][0], rtol=0, atol=1e-12)
    for l in range(2, net.L + 1):
        np.testing.assert_allclose(_array(trace["z"], l), z[l][0], rtol=0, atol=1e-12)
    for l in range(1, net.L):
        np.testing.assert_allclose(_array(trace["dJ_dW"], l), dW[l], rtol=0, atol=1e-12)
        if net.bias:
            np.testing.assert_allclose(_array(trace["dJ_db"], l), db[l], rtol=0, atol=1e-12)
        else:
            assert trace["dJ_db"][l] is None
    assert trace["J"] == pytest.approx(net.cost_value(x[None, :], y[None, :]), abs=1e-12)


@pytest.mark.parametrize("layers,kwargs", CONFIGS)
def test_trace_gradient_is_delta_times_a(layers, kwargs):
    """dJ/dw_ji^l = delta_j^{l+1} a_i^l for every layer, from the trace's own deltas."""
    net = _network(layers, kwargs)
    x, y = sample_for(net, 2)
    trace = trace_step(net, x, y)
    for l in range(1, net.L):
        expected = np.outer(trace["delta"][l + 1], trace["a"][l])
        np.testing.assert_allclose(_array(trace["dJ_dW"], l), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("layers,kwargs", CONFIGS)
def test_trace_update_equals_one_online_epoch(layers, kwargs):
    """W_after and b_after equal one epoch of bplab.train on the single sample."""
    net = _network(layers, kwargs)
    x, y = sample_for(net, 5)
    alpha = 0.7
    trace = trace_step(net, x, y, learning_rate=alpha)
    trained = net.copy()
    bplab.train(trained, x[None, :], y[None, :], algorithm="online", epochs=1, shuffle=False,
                learning_rate=alpha)
    for l in range(1, net.L):
        np.testing.assert_allclose(_array(trace["W_after"], l), trained.W[l], rtol=0, atol=1e-12)
        if net.bias:
            np.testing.assert_allclose(_array(trace["b_after"], l), trained.b[l], rtol=0, atol=1e-12)
    assert trace["J_after"] == pytest.approx(trained.cost_value(x[None, :], y[None, :]), abs=1e-12)


def test_trace_leaves_network_unchanged():
    """Without apply the network keeps its weights; with apply it gets W_after."""
    net = bplab.Network([2, 3, 1], bias=True, seed=0)
    before = [w.copy() for w in net.parameters()]
    trace = trace_step(net, [1.0, 0.5], [1.0], learning_rate=0.5)
    for w, saved in zip(net.parameters(), before):
        np.testing.assert_array_equal(w, saved)
    assert trace["applied"] is False

    trace_step(net, [1.0, 0.5], [1.0], learning_rate=0.5, apply=True)
    for l in range(1, net.L):
        np.testing.assert_array_equal(net.W[l], np.asarray(trace["W_after"][l]))
        np.testing.assert_array_equal(net.b[l], np.asarray(trace["b_after"][l]))


def test_trace_hand_worked_linear_step():
    """A 1-1-1 linear network, worked by hand, gives the traced numbers."""
    net = bplab.Network([1, 1, 1], activation="linear", bias=False, seed=0)
    net.W[1][...] = 0.5
    net.W[2][...] = 2.0
    trace = trace_step(net, [1.0], [0.0], learning_rate=0.1)
    # z^2 = 0.5 * 1 = 0.5, a^2 = 0.5; z^3 = 2 * 0.5 = 1 = a^3; J = 1/2 (1 - 0)^2 = 0.5
    assert trace["z"][2] == [0.5]
    assert trace["a"][3] == [1.0]
    assert trace["J"] == 0.5
    # delta^3 = (1 - 0) * 1 = 1; delta^2 = 1 * 2 * 1 = 2
    assert trace["delta"][3] == [1.0]
    assert trace["delta"][2] == [2.0]
    # dJ/dW^2 = delta^3 a^2 = 0.5; dJ/dW^1 = delta^2 a^1 = 2
    assert trace["dJ_dW"][2] == [[0.5]]
    assert trace["dJ_dW"][1] == [[2.0]]
    # W^1 = 0.5 - 0.1 * 2 = 0.3; W^2 = 2 - 0.1 * 0.5 = 1.95
    assert trace["W_after"][1][0][0] == pytest.approx(0.3, abs=1e-15)
    assert trace["W_after"][2][0][0] == pytest.approx(1.95, abs=1e-15)
    assert trace["output_delta"] == "quadratic"


def test_trace_output_delta_rules():
    """The trace names the delta^L formula of each cost and output activation."""
    cases = {
        "quadratic": bplab.Network([2, 2], seed=0),
        "cross_entropy": bplab.Network([2, 2], cost="cross_entropy", seed=0),
        "quadratic_softmax": bplab.Network([2, 2], output_activation="softmax", seed=0),
    }
    for rule, net in cases.items():
        trace = trace_step(net, [1.0, 0.0], [0.0, 1.0])
        assert trace["output_delta"] == rule
    assert trace["f_prime_z"][2] is None


def test_trace_json_round_trip_is_exact():
    """The JSON format reads back to the same trace, every float bit for bit."""
    net = bplab.Network([2, 3, 2], activation="tanh", bias=True, seed=11)
    trace = trace_step(net, [0.123456789012345, -1.5], [0.25, 0.75], learning_rate=0.05)
    assert json.loads(render(trace, "json")) == trace


def test_trace_bad_sample_names_counts():
    """A sample with the wrong number of values raises, naming both counts."""
    net = bplab.Network([2, 2, 1], seed=0)
    with pytest.raises(ValueError, match=r"x has 3 values but the input layer has n_1 = 2"):
        trace_step(net, [1, 2, 3], [1])
    with pytest.raises(ValueError, match=r"y has 2 values but the output layer has n_L = 1"):
        trace_step(net, [1, 2], [1, 0])
    with pytest.raises(ValueError, match="learning_rate"):
        trace_step(net, [1, 2], [1], learning_rate=0)


def _trace_for_rendering():
    net = bplab.Network([2, 2, 1], bias=True, seed=1)
    return trace_step(net, [1.0, 0.0], [1.0], learning_rate=0.5)


def test_render_text_follows_lecture_order():
    """Plain text shows the steps in the lecture's order with rounded numbers."""
    trace = _trace_for_rendering()
    text = render(trace, "text")
    markers = ["z^2 = W^1 a^1 + b^1", "a^2 = f(z^2)", "J = 1/2", "δ^3 = (a^3 - y) ⊙ f'(z^3)",
               "δ^2 = f'(z^2) ⊙ (W^2)ᵀ δ^3", "∂J/∂W^1 = δ^2 (a^1)ᵀ",
               "W^1 ← W^1 - α ∂J/∂W^1"]
    positions = [text.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert f"= {trace['J']:.4g}" in text


def test_render_markdown_has_math_and_table():
    """Markdown contains aligned display math and a per-neuron pipe table."""
    markdown = render(_trace_for_rendering(), "markdown")
    assert markdown.count("$$\n\\begin{aligned}") == markdown.count("\\end{aligned}\n$$") > 5
    assert "|---:|---:|" in markdown
    assert r"\delta^{2} &= f'(z^{2}) \odot (W^{2})^{\mathsf{T}} \delta^{3}" in markdown


def test_render_latex_is_balanced():
    """LaTeX output is a whole document with balanced environments and braces."""
    latex = render(_trace_for_rendering(), "latex", digits=6)
    assert latex.startswith("\\documentclass")
    assert latex.rstrip().endswith("\\end{document}")
    begins = re.findall(r"\\begin\{(\w+\*?)\}", latex)
    ends = re.findall(r"\\end\{(\w+\*?)\}", latex)
    assert sorted(begins) == sorted(ends)
    assert latex.count("{") == latex.count("}")
    assert "\\delta" in latex
    assert "W^{1}" in latex


def test_render_rejects_unknown_format():
    """An unknown format raises, naming it."""
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(_trace_for_rendering(), "pdf")


def test_cli_trace_json_matches_seeded_network(capsys):
    """bplab trace --format json prints the step of the seeded network at full precision."""
    assert main(["trace", "--seed", "4", "--format", "json", "--learning-rate", "0.25"]) == 0
    trace = json.loads(capsys.readouterr().out)
    net = bplab.Network([2, 2, 1], bias=False, seed=4)
    for l in range(1, net.L):
        np.testing.assert_array_equal(np.asarray(trace["W_before"][l]), net.W[l])
    assert trace["learning_rate"] == 0.25
    assert trace == trace_step(net, trace["x"], trace["y"], 0.25)


def test_cli_trace_given_sample(capsys):
    """--input and --target set x and y."""
    argv = ["trace", "--layers", "3,2", "--input", "1,0,-2", "--target", "0.5,1", "--format", "json"]
    assert main(argv) == 0
    trace = json.loads(capsys.readouterr().out)
    assert trace["x"] == [1.0, 0.0, -2.0]
    assert trace["y"] == [0.5, 1.0]


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
def test_cli_trace_formats(capsys, fmt):
    """Every text format prints the output error delta^L."""
    assert main(["trace", "--format", fmt, "--bias"]) == 0
    out = capsys.readouterr().out
    assert ("δ^3" if fmt == "text" else "\\delta^{3}") in out


@pytest.mark.parametrize("layers", ["2,x", "2", "0,1"])
def test_cli_trace_bad_layers(capsys, layers):
    """Invalid --layers exits 2 with a message naming the value."""
    with pytest.raises(SystemExit) as exit_info:
        main(["trace", "--layers", layers])
    assert exit_info.value.code == 2
    assert repr(layers) in capsys.readouterr().err


def test_cli_trace_wrong_input_count(capsys):
    """--input with the wrong count exits 1 naming both counts."""
    assert main(["trace", "--input", "1,2,3"]) == 1
    err = capsys.readouterr().err
    assert "3 values" in err
    assert "n_1 = 2" in err
