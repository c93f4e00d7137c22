"""Hand-calculation exercises: one online BP step on a tiny network with round numbers.

``make_exercise`` draws a network whose weights are multiples of 0.1 (sigmoid, tanh) or 0.5
(relu, leaky ReLU, linear) between -1 and 1, an input of 0s and 1s (or small integers), and a
target, all from a seed. The questions ask for the forward pass, J, the deltas, the gradients and
the updated weights. The worked solution is ``bplab.trace.trace_step`` on that network, so it
shows what the training code computes. Exercises are limited to networks small enough to work
by hand: at most 4 layers of at most 4 neurons.
"""

from dataclasses import dataclass, field

import numpy as np

from bplab.network import Network
from bplab.teach.notation import get_notation
from bplab.teach.steps import activation_formulas, describe_network, write_steps
from bplab.trace import trace_step

MAX_LAYERS = 4
MAX_NEURONS = 4
# Activations whose values a student looks up rather than works out by hand.
LOOKUP_ACTIVATIONS = ("sigmoid", "tanh", "softmax")
# Draws tried before giving up on an exercise where every weight gets a gradient.
MAX_DRAWS = 1000


@dataclass
class Exercise:
    """One exercise: the network, the sample, and the trace of its online BP step.

    Attributes
    ----------
    net : Network
        The network with the exercise's weights (not updated).
    x, y : ndarray
        The sample and its target.
    learning_rate : float
        alpha of the update.
    seed : int
        The seed the exercise was drawn from.
    trace : dict
        ``bplab.trace.trace_step(net, x, y, learning_rate)``: every answer at full precision.
    digits : int
        Significant digits of the printed answers.
    """

    net: Network
    x: np.ndarray
    y: np.ndarray
    learning_rate: float
    seed: int
    trace: dict = field(repr=False)
    digits: int = 4

    def questions(self, format="markdown"):
        """Return the exercise sheet as a document in ``format`` ("markdown", "latex", "text")."""
        notation = get_notation(format, self.digits)
        return notation.document(self._title(), self._question_blocks(notation))

    def answers(self, format="markdown"):
        """Return the worked solution as a document in ``format``."""
        notation = get_notation(format, self.digits)
        return notation.document(self._title() + ": solution", self._answer_blocks(notation))

    def document(self, format="markdown", answers=False):
        """Return the questions, followed by the worked solution when ``answers`` is True."""
        notation = get_notation(format, self.digits)
        blocks = self._question_blocks(notation)
        if answers:
            blocks += [notation.heading("Solution", level=1)]
            blocks += self._answer_blocks(notation)
        return notation.document(self._title(), blocks)

    def _title(self):
        sizes = "-".join(str(n) for n in self.net.layer_sizes)
        return f"Backpropagation exercise {self.seed}: one online BP step on a {sizes} network"

    def _question_blocks(self, n):
        trace = self.trace
        L = self.net.L
        given = [[n.sym("x"), n.vector(trace["x"])], ["y", n.vector(trace["y"])]]
        for l in range(1, L):
            given.append([n.sym("W", l), n.matrix(trace["W_before"][l])])
            if trace["b_before"][l] is not None:
                given.append([n.sym("b", l), n.vector(trace["b_before"][l])])
        a, z, d = (lambda l, letter=letter: n.inline(n.sym(letter, l)) for letter in ("a", "z", "delta"))
        tasks = [
            f"Forward pass: with {n.inline(n.sym('a', 1) + ' = x')}, compute "
            f"{z(2)}, {a(2)}" + (f" up to {z(L)}, {a(L)}." if L > 2 else "."),
            "The cost J of the sample.",
            f"The output error {d(L)}.",
        ]
        if L > 2:
            tasks.append(f"The backward pass: {d(L - 1)}" + (f" down to {d(2)}." if L > 3 else "."))
        tasks += [
            "The gradients " + ", ".join(n.inline(n.partial(n.sym("W", l))) for l in range(1, L))
            + (" and of the biases." if self.net.bias else "."),
            f"The weights after one online BP step with {n.inline(n.alpha + ' = ' + n.number(self.learning_rate))}.",
            "The cost of the same sample with the new weights. Did it decrease?",
        ]
        blocks = [n.heading("Network"), describe_network(trace, n), activation_formulas(trace, n),
                  n.heading("Given"), n.equations(given), n.heading("Tasks"), n.items(tasks),
                  n.paragraph(f"Give every result to {self.digits} significant digits.")]
        blocks += self._lookup_blocks(n)
        return blocks

    def _lookup_blocks(self, n):
        """Return the values of f at the z's that arise, when f is not worked out by hand."""
        trace = self.trace
        f = self.net.f
        rows = []
        for l in range(2, self.net.L + 1):
            if f[l].name not in LOOKUP_ACTIVATIONS:
                continue
            for z_i, a_i in zip(trace["z"][l], trace["a"][l]):
                if f[l].name == "softmax":
                    rows.append((l, z_i, n.exp(n.number(z_i)), float(np.exp(z_i))))
                else:
                    rows.append((l, z_i, n.f(n.number(z_i)), a_i))
        if not rows:
            return []
        rows.sort(key=lambda row: row[:2])
        chains = []
        for _, _, text, value in rows:
            if [text, n.number(value)] not in chains:
                chains.append([text, n.number(value)])
        return [n.heading("Values you may use"), n.equations(chains)]

    def _answer_blocks(self, n):
        return write_steps(self.trace, n, components=True)


def make_exercise(layers=(2, 2, 1), seed=0, activation="sigmoid", output_activation=None,
                  cost="quadratic", bias=False, learning_rate=None, digits=None):
    """Draw a hand-calculation exercise of one online BP step.

    Parameters
    ----------
    layers : sequence of int, default (2, 2, 1)
        n_1, ..., n_L; at most 4 layers of at most 4 neurons.
    seed : int, default 0
        Different seeds give different exercises.
    activation : str, default "sigmoid"
        f of the hidden layers. Sigmoid and tanh exercises list the values of f needed;
        relu, leaky_relu and linear ones can be done with pencil and paper alone.
    output_activation : str, optional
        f of the output layer, defaulting as in ``Network``.
    cost : {"quadratic", "cross_entropy"}, default "quadratic"
    bias : bool, default False
        Add biases; off by default, as in the lecture.
    learning_rate : float, optional
        alpha; 0.5 for sigmoid and tanh networks, 0.1 otherwise.
    digits : int, optional
        Significant digits of the printed answers: 4 when f has to be looked up (sigmoid,
        tanh, softmax), 6 otherwise, enough to print the decimals of those exercises exactly.

    Returns
    -------
    Exercise

    Raises
    ------
    ValueError
        If the network is too large for hand calculation or the settings are invalid.
    """
    layers = _check_small(layers)
    net = Network(layers, activation=activation, output_activation=output_activation, cost=cost,
                  bias=bias, seed=0)
    round_outputs = all(f.name in ("relu", "leaky_relu", "linear") for f in net.f[2:])
    if learning_rate is None:
        learning_rate = 0.1 if round_outputs else 0.5
    if digits is None:
        digits = 6 if all(f.name not in LOOKUP_ACTIVATIONS for f in net.f[2:]) else 4
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    rng = np.random.default_rng(seed)

    for _ in range(MAX_DRAWS):
        x, y = _draw_values(net, rng, round_outputs)
        trace = trace_step(net, x, y, learning_rate)
        if _is_workable(net, trace):
            return Exercise(net, x, y, float(learning_rate), int(seed), trace, digits)
    raise ValueError(
        f"found no exercise in {MAX_DRAWS} draws for layers {layers} with {activation}; "
        "try another seed or activation"
    )


def _check_small(layers):
    """Return the layer sizes as a list, or raise if they are too large to work by hand."""
    layers = list(layers)
    if not 2 <= len(layers) <= MAX_LAYERS:
        raise ValueError(
            f"an exercise needs 2 to {MAX_LAYERS} layers to be worked by hand; got {len(layers)} "
            f"({','.join(map(str, layers))})"
        )
    if max(layers) > MAX_NEURONS:
        raise ValueError(
            f"an exercise needs at most {MAX_NEURONS} neurons per layer to be worked by hand; "
            f"got layers {','.join(map(str, layers))}"
        )
    return layers


def _draw_values(net, rng, round_outputs):
    """Set round weights (and biases) in ``net`` and return a round sample (x, y)."""
    if net.activation in ("relu", "leaky_relu", "linear"):
        steps = np.array([-1.0, -0.5, 0.5, 1.0])
        x = rng.integers(0, 3, size=net.layer_sizes[0]).astype(float)
    else:
        steps = np.array([k / 10 for k in range(-10, 11) if k != 0])
        x = rng.integers(0, 2, size=net.layer_sizes[0]).astype(float)
    for l in range(1, net.L):
        net.W[l][...] = rng.choice(steps, size=net.W[l].shape)
        if net.b[l] is not None:
            net.b[l][...] = rng.choice(steps, size=net.b[l].shape)
    n_L = net.layer_sizes[-1]
    if net.output_activation == "softmax":
        y = np.zeros(n_L)
        y[rng.integers(n_L)] = 1.0
    elif round_outputs:
        y = rng.integers(0, 3, size=n_L).astype(float)
    else:
        y = rng.integers(0, 2, size=n_L).astype(float)
    return x, y


def _is_workable(net, trace):
    """True when x is not all zero, no two neurons share weights, no relu sits at its kink,
    and every W^l gets a nonzero gradient."""
    if not any(trace["x"]):
        return False
    for l in range(1, net.L):
        if len(np.unique(net.W[l], axis=0)) < len(net.W[l]):
            return False
    for l in range(2, net.L + 1):
        if net.f[l].name in ("relu", "leaky_relu") and any(z == 0 for z in trace["z"][l]):
            return False
    return all(np.any(np.asarray(trace["dJ_dW"][l]) != 0) for l in range(1, net.L))
