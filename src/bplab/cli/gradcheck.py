"""``bplab gradcheck``: BP's gradients against central finite differences on a small network."""

import numpy as np

from bplab.cli import _common
from bplab.gradcheck import gradcheck
from bplab.network import Network


def add_parser(subparsers):
    """Add the ``gradcheck`` subcommand."""
    parser = subparsers.add_parser(
        "gradcheck", help="check BP's gradients against finite differences",
        description="Build a random small network and random data, compute dJ/dW^l by BP and by "
                    "central differences, and print the largest relative error per layer.",
    )
    _common.add_network_arguments(parser, [4, 5, 3], "sigmoid", "quadratic")
    parser.add_argument("--samples", type=_common.positive_int, default=7,
                        help="random samples in the check (default: 7)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and data (default: 0)")
    parser.add_argument("--eps", type=_common.positive_float, default=1e-5,
                        help="finite-difference step (default: 1e-5)")
    parser.add_argument("--threshold", type=_common.positive_float, default=1e-6,
                        help="largest relative error that passes (default: 1e-6)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on standard output")
    parser.set_defaults(func=run)


def run(args):
    """Run ``bplab gradcheck``; exit status 1 when the error exceeds the threshold."""
    if sum(n for n in args.layers) > 2000:
        raise ValueError(f"--layers {','.join(map(str, args.layers))} is too large for a finite-difference check; "
                         "use a small network such as 4,5,3")
    net = Network(args.layers, args.activation, args.output_activation, args.cost, args.bias, seed=args.seed)
    rng = np.random.default_rng(args.seed + 1)

    # Zero biases let a sample whose ReLU units are all off give z = 0 exactly in the next
    # layer, on ReLU's kink, where BP and finite differences legitimately disagree.
    for l in range(1, net.L):
        if net.b[l] is not None:
            net.b[l] = rng.uniform(-0.5, 0.5, size=net.b[l].shape)

    X = rng.standard_normal((args.samples, args.layers[0]))
    if net.output_activation == "softmax":
        Y = np.eye(args.layers[-1])[rng.integers(args.layers[-1], size=args.samples)]
    else:
        Y = rng.uniform(0, 1, size=(args.samples, args.layers[-1]))
    result = gradcheck(net, X, Y, eps=args.eps)
    passed = result.max_rel_error < args.threshold
    if args.json:
        _common.print_json({"network": repr(net), "layers": result.layers, "near_kinks": result.near_kinks,
                            "max_rel_error": result.max_rel_error, "passed": passed})
    else:
        print(repr(net))
        for record in result.layers:
            kind, index = record["where"]
            # The lecture counts neurons from 1: W^l[j-1, i-1] is w_ji^l and b^l[j-1] is b_j^l.
            if kind == "W":
                where = f"w_ji^{record['layer']} with j = {index[0] + 1}, i = {index[1] + 1}"
            else:
                where = f"b_j^{record['layer']} with j = {index[0] + 1}"
            print(f"layer {record['layer']}: max relative error {record['max_rel_error']:.2e} at {where} "
                  f"(BP {record['bp']:.6e}, numerical {record['numerical']:.6e})")
        print(f"{'PASS' if passed else 'FAIL'}: largest relative error {result.max_rel_error:.2e} "
              f"(threshold {args.threshold:g})")
        if not passed and result.near_kinks:
            print(f"note: {result.near_kinks} relu weighted inputs lie within {10 * args.eps:g} of the "
                  "kink z = 0, where f has no derivative and finite differences are not valid; "
                  "try another --seed")
    return 0 if passed else 1
