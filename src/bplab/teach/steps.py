"""The lecture's online BP step written out from a trace, in any notation.

Order and symbols follow the lecture: the forward pass with fc (z^{l+1} = W^l a^l,
a^{l+1} = f(z^{l+1})), the cost J, the output error delta^L, the backward pass with bc
(delta^l = f'(z^l) * (W^l)^T delta^{l+1}, l = L-1 .. 2), the gradients
dJ/dw_ji^l = delta_j^{l+1} a_i^l and the update w_ji^l <- w_ji^l - alpha dJ/dw_ji^l. Every number
comes from the trace; nothing is computed here except the printed expansions of sums.
"""

# f and f' of each activation, as plain text and as LaTeX (Markdown uses the LaTeX form).
ACTIVATION_FORMULAS = {
    "sigmoid": ("f(z) = 1 / (1 + exp(-z)),  f'(z) = f(z) (1 - f(z))",
                r"f(z) = \frac{1}{1 + e^{-z}}, \quad f'(z) = f(z)\,(1 - f(z))"),
    "tanh": ("f(z) = tanh(z),  f'(z) = 1 - tanh²(z)",
             r"f(z) = \tanh z, \quad f'(z) = 1 - \tanh^2 z"),
    "relu": ("f(z) = max(0, z),  f'(z) = 1 for z > 0, else 0",
             r"f(z) = \max(0, z), \quad f'(z) = 1 \text{ for } z > 0 \text{, else } 0"),
    "leaky_relu": ("f(z) = z for z > 0, else 0.01 z,  f'(z) = 1 for z > 0, else 0.01",
                   r"f(z) = z \text{ for } z > 0 \text{, else } 0.01 z, \quad "
                   r"f'(z) = 1 \text{ for } z > 0 \text{, else } 0.01"),
    "linear": ("f(z) = z,  f'(z) = 1", r"f(z) = z, \quad f'(z) = 1"),
    "softmax": ("f(z)_j = exp(z_j) / Σ_k exp(z_k)",
                r"f(z)_j = \frac{e^{z_j}}{\sum_k e^{z_k}}"),
}

COST_NAMES = {"quadratic": "quadratic", "cross_entropy": "cross-entropy"}


def write_steps(trace, notation, components=False):
    """Return the blocks (str) of the worked step, ready for ``notation.document``.

    Parameters
    ----------
    trace : dict
        As returned by ``bplab.trace.trace_step``.
    notation : TextNotation
        A notation from ``bplab.teach.notation.get_notation``.
    components : bool, default False
        Also expand each neuron's sum, as the lecture's component formulas write it.
    """
    blocks = write_setup(trace, notation)
    blocks += write_forward(trace, notation, components)
    blocks += write_cost(trace, notation, components)
    blocks += write_output_delta(trace, notation, components)
    blocks += write_backward(trace, notation, components)
    blocks += write_gradients(trace, notation, components)
    blocks += write_update(trace, notation, components)
    blocks += write_summary(trace, notation)
    return blocks


def describe_network(trace, notation):
    """Return one paragraph naming the layer sizes, activations, cost, biases and alpha."""
    net = trace["network"]
    n = notation
    sizes = ", ".join(n.inline(f"{n.sym('n', index=l)} = {size}")
                      for l, size in enumerate(net["layers"], start=1))
    hidden = net["activation"] if net["L"] > 2 else None
    parts = [f"Layers {sizes}, so {n.inline('L = ' + str(net['L']))}."]
    if hidden is not None and hidden != net["output_activation"]:
        parts.append(f"Hidden layers use f = {hidden}, the output layer f = {net['output_activation']}.")
    else:
        parts.append(f"Every layer uses f = {net['output_activation']}.")
    parts.append(f"Cost: {COST_NAMES[net['cost']]}.")
    parts.append("Biases b^l are added to z^{l+1}." if net["bias"] else
                 "No biases, as in the lecture: z^{l+1} = W^l a^l.")
    if n.name != "text":
        parts[-1] = (f"Biases {n.inline(n.sym('b', 'l'))} are added to {n.inline(n.sym('z', 'l+1'))}."
                     if net["bias"] else
                     f"No biases, as in the lecture: {n.inline('z^{l+1} = W^{l} a^{l}')}.")
    parts.append(f"Learning rate {n.inline(n.alpha + ' = ' + n.number(trace['learning_rate']))}.")
    return n.paragraph(" ".join(parts))


def activation_formulas(trace, notation):
    """Return equation chains giving f and f' of the activations the network uses."""
    net = trace["network"]
    names = [net["activation"]] if net["L"] > 2 else []
    if net["output_activation"] not in names:
        names.append(net["output_activation"])
    column = 0 if notation.name == "text" else 1
    chains = []
    for name in names:
        formula = ACTIVATION_FORMULAS[name][column]
        left, right = formula.split(" = ", 1)
        chains.append([left, right])
    return notation.equations(chains)


def write_setup(trace, notation):
    """Write the network, the sample and the weights before the step."""
    n = notation
    L = trace["network"]["L"]
    chains = [[n.sym("a", 1), "x", n.vector(trace["x"])], ["y", n.vector(trace["y"])]]
    for l in range(1, L):
        chains.append([n.sym("W", l), n.matrix(trace["W_before"][l])])
        if trace["b_before"][l] is not None:
            chains.append([n.sym("b", l), n.vector(trace["b_before"][l])])
    return [n.heading("Network and sample"), describe_network(trace, n),
            activation_formulas(trace, n), n.equations(chains)]


def write_forward(trace, notation, components):
    """Write Step 3's forward pass: z^{l+1} = W^l a^l (+ b^l), a^{l+1} = f(z^{l+1})."""
    n = notation
    L = trace["network"]["L"]
    blocks = [n.heading("Step 3: forward pass with fc"),
              n.paragraph(f"Set {n.inline(n.sym('a', 1) + ' = x')} and compute each layer "
                          f"from the one before it.")]
    for l in range(1, L):
        W, b, a_l = trace["W_before"][l], trace["b_before"][l], trace["a"][l]
        product = f"{n.sym('W', l)} {n.sym('a', l)}"
        numbers = f"{n.matrix(W)} {n.vector(a_l)}"
        if b is not None:
            product += f" + {n.sym('b', l)}"
            numbers += f" + {n.vector(b)}"
        chains = [[n.sym("z", l + 1), product, numbers, n.vector(trace["z"][l + 1])]]
        if components:
            chains += _forward_components(trace, n, l)
        chains.append([n.sym("a", l + 1), n.f(n.sym("z", l + 1)), n.vector(trace["a"][l + 1])])
        blocks.append(n.equations(chains))
    return blocks


def _forward_components(trace, n, l):
    """Return z_j^{l+1} = sum_i w_ji^l a_i^l (+ b_j^l) for each neuron j, with the numbers."""
    W, b, a_l = trace["W_before"][l], trace["b_before"][l], trace["a"][l]
    chains = []
    for j, row in enumerate(W):
        terms = [f"{n.signed(w)} {n.times} {n.signed(a)}" for w, a in zip(row, a_l)]
        if b is not None:
            terms.append(n.signed(b[j]))
        symbol = n.sym("z", l + 1, j + 1)
        chains.append([symbol, " + ".join(terms), n.number(trace["z"][l + 1][j])])
    return chains


def write_cost(trace, notation, components):
    """Write the cost J of the sample."""
    n = notation
    net = trace["network"]
    L = net["L"]
    a_L, y = trace["a"][L], trace["y"]
    aj, yj = n.sym("a", L, "j"), n.sym("y", index="j")
    if net["cost"] == "quadratic":
        formula = f"{n.half()} {n.sum('j', n.sym('n', index='L'), f'({aj} {n.minus} {yj})^2')}"
        numbers = " + ".join(f"({n.number(a)} {n.minus} {n.signed(t)})^2" for a, t in zip(a_L, y))
        chain = ["J", formula, f"{n.half()} [{numbers}]", n.number(trace["J"])]
        if not components:
            del chain[2]
    elif net["output_activation"] == "softmax":
        chain = ["J", f"{n.minus}{n.sum('j', n.sym('n', index='L'), f'{yj} {n.log(aj)}')}",
                 n.number(trace["J"])]
    else:
        body = f"[{yj} {n.log(aj)} + (1 {n.minus} {yj}) {n.log(f'1 {n.minus} {aj}')}]"
        chain = ["J", f"{n.minus}{n.sum('j', n.sym('n', index='L'), body)}", n.number(trace["J"])]
    return [n.heading("Cost of the sample"), n.equations([chain])]


def write_output_delta(trace, notation, components):
    """Write delta^L = dJ/dz^L in the form the cost and output activation give."""
    n = notation
    L = trace["network"]["L"]
    a_L, y, z_L = trace["a"][L], trace["y"], trace["z"][L]
    delta_L = trace["delta"][L]
    d, aL, zL = n.sym("delta", L), n.sym("a", L), n.sym("z", L)
    rule = trace["output_delta"]
    error = f"({n.vector(a_L)} {n.minus} {n.vector(y)})"
    if rule == "quadratic":
        f_prime = trace["f_prime_z"][L]
        chains = [[n.f_prime(zL), n.vector(f_prime)],
                  [d, f"({aL} {n.minus} y) {n.hadamard} {n.f_prime(zL)}",
                   f"{error} {n.hadamard} {n.vector(f_prime)}", n.vector(delta_L)]]
        if components:
            for i, (a, t, fp) in enumerate(zip(a_L, y, f_prime), start=1):
                chains.append([n.sym("delta", L, i),
                               f"({n.number(a)} {n.minus} {n.signed(t)}) {n.times} {n.signed(fp)}",
                               n.number(delta_L[i - 1])])
    elif rule == "cross_entropy":
        chains = [[d, f"{aL} {n.minus} y", error[1:-1], n.vector(delta_L)]]
    else:
        e = [a - t for a, t in zip(a_L, y)]
        inner = sum(ei * a for ei, a in zip(e, a_L))
        chains = [["e", f"{aL} {n.minus} y", n.vector(e)],
                  [d, f"{aL} {n.hadamard} (e {n.minus} {n.transpose(aL)} e)",
                   f"{n.vector(a_L)} {n.hadamard} ({n.vector(e)} {n.minus} {n.signed(inner)})",
                   n.vector(delta_L)]]

    explanation = {
        "quadratic": "For the quadratic cost the output error is",
        "cross_entropy": f"For cross-entropy with a {trace['network']['output_activation']} "
                         "output layer, the output error simplifies to",
        "quadratic_softmax": "Softmax outputs depend on every z^L_i, so the quadratic cost's "
                             "error goes through the softmax Jacobian:",
    }[rule]
    if n.name != "text":
        explanation = explanation.replace("z^L_i", n.inline(n.sym("z", "L", "i")))
    return [n.heading("Step 3: output error"), n.paragraph(explanation), n.equations(chains)]


def write_backward(trace, notation, components):
    """Write Step 3's backward pass: delta^l = f'(z^l) * (W^l)^T delta^{l+1}, l = L-1 .. 2."""
    n = notation
    L = trace["network"]["L"]
    blocks = [n.heading("Step 3: backward pass with bc")]
    if L == 2:
        blocks.append(n.paragraph("With L = 2 there is no hidden layer, so no error is passed "
                                  "back. The input layer's error is never needed."))
        return blocks
    blocks.append(n.paragraph(f"From {n.inline(n.sym('delta', L))} down to "
                              f"{n.inline(n.sym('delta', 2))}. The input layer's error "
                              f"{n.inline(n.sym('delta', 1))} is never needed."))
    for l in range(L - 1, 1, -1):
        f_prime, W = trace["f_prime_z"][l], trace["W_before"][l]
        delta_next = trace["delta"][l + 1]
        W_T = [list(column) for column in zip(*W)]
        chains = [[n.f_prime(n.sym("z", l)), n.vector(f_prime)],
                  [n.sym("delta", l),
                   f"{n.f_prime(n.sym('z', l))} {n.hadamard} {n.transpose(n.sym('W', l))} "
                   f"{n.sym('delta', l + 1)}",
                   f"{n.vector(f_prime)} {n.hadamard} {n.matrix(W_T)} {n.vector(delta_next)}",
                   n.vector(trace["delta"][l])]]
        if components:
            for i in range(len(f_prime)):
                terms = " + ".join(f"{n.signed(W[j][i])} {n.times} {n.signed(delta_next[j])}"
                                   for j in range(len(delta_next)))
                chains.append([n.sym("delta", l, i + 1),
                               f"{n.signed(f_prime[i])} {n.times} ({terms})",
                               n.number(trace["delta"][l][i])])
        blocks.append(n.equations(chains))
    return blocks


def write_gradients(trace, notation, components):
    """Write Step 4's gradients dJ/dw_ji^l = delta_j^{l+1} a_i^l, as delta^{l+1} (a^l)^T."""
    n = notation
    L = trace["network"]["L"]
    w = n.sym("w", "l", ("j", "i"))
    rule = f"{n.partial(w)} = {n.sym('delta', 'l+1', 'j')} {n.sym('a', 'l', 'i')}"
    matrix_rule = f"{n.partial(n.sym('W', 'l'))} = {n.sym('delta', 'l+1')} {n.transpose(n.sym('a', 'l'))}"
    blocks = [n.heading("Step 4: gradients"),
              n.paragraph(f"Each weight's gradient is {n.inline(rule)}, so for a whole layer "
                          f"{n.inline(matrix_rule)}.")]
    for l in range(1, L):
        delta_next, a_l = trace["delta"][l + 1], trace["a"][l]
        chains = [[n.partial(n.sym("W", l)),
                   f"{n.sym('delta', l + 1)} {n.transpose(n.sym('a', l))}",
                   f"{n.vector(delta_next)} {n.row(a_l)}", n.matrix(trace["dJ_dW"][l])]]
        if components:
            for j, d in enumerate(delta_next):
                for i, a in enumerate(a_l):
                    chains.append([n.partial(n.sym("w", l, (j + 1, i + 1))),
                                   f"{n.signed(d)} {n.times} {n.signed(a)}",
                                   n.number(trace["dJ_dW"][l][j][i])])
        if trace["dJ_db"][l] is not None:
            chains.append([n.partial(n.sym("b", l)), n.sym("delta", l + 1),
                           n.vector(trace["dJ_db"][l])])
        blocks.append(n.equations(chains))
    return blocks


def write_update(trace, notation, components):
    """Write Step 4's update W^l <- W^l - alpha dJ/dW^l (and b^l)."""
    n = notation
    L = trace["network"]["L"]
    alpha = n.number(trace["learning_rate"])
    blocks = [n.heading("Step 4: update")]
    for l in range(1, L):
        W = n.sym("W", l)
        chains = [[f"{W} {n.leftarrow()} {W} {n.minus} {n.alpha} {n.partial(W)}",
                   f"{n.matrix(trace['W_before'][l])} {n.minus} {alpha} {n.matrix(trace['dJ_dW'][l])}",
                   n.matrix(trace["W_after"][l])]]
        if components:
            for j, row in enumerate(trace["W_before"][l]):
                for i, w in enumerate(row):
                    chains.append([n.sym("w", l, (j + 1, i + 1)),
                                   f"{n.number(w)} {n.minus} {alpha} {n.times} "
                                   f"{n.signed(trace['dJ_dW'][l][j][i])}",
                                   n.number(trace["W_after"][l][j][i])])
        if trace["b_before"][l] is not None:
            b = n.sym("b", l)
            chains.append([f"{b} {n.leftarrow()} {b} {n.minus} {n.alpha} {n.partial(b)}",
                           f"{n.vector(trace['b_before'][l])} {n.minus} {alpha} "
                           f"{n.vector(trace['dJ_db'][l])}",
                           n.vector(trace["b_after"][l])])
        blocks.append(n.equations(chains))
    before, after = n.number(trace["J"]), n.number(trace["J_after"])
    blocks.append(n.paragraph(f"With the new weights the same sample costs "
                              f"{n.inline('J = ' + after)} (before the step: {n.inline(before)})."))
    return blocks


def write_summary(trace, notation):
    """Write a table of z_i^l, a_i^l, f'(z_i^l) and delta_i^l for every neuron."""
    n = notation
    L = trace["network"]["L"]
    header = ["l", "i", n.sym("z", "l", "i"), n.sym("a", "l", "i"),
              n.f_prime(n.sym("z", "l", "i")), n.sym("delta", "l", "i")]
    rows = []
    for l in range(1, L + 1):
        for i in range(trace["network"]["layers"][l - 1]):
            rows.append([str(l), str(i + 1),
                         _cell(n, trace["z"][l], i), _cell(n, trace["a"][l], i),
                         _cell(n, trace["f_prime_z"][l], i), _cell(n, trace["delta"][l], i)])
    return [n.heading("Summary per neuron"), n.table(header, rows)]


def _cell(notation, values, i):
    """Return values[i] formatted, or an empty cell when the layer has no such value."""
    return "" if values is None else notation.number(values[i])
