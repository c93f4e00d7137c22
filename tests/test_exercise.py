"""Hand-calculation exercises: round numbers, different per seed, answers equal to the core."""

import re

import numpy as np
import pytest

import bplab
from bplab.cli import main
from bplab.exercise import make_exercise
from bplab.teach.notation import get_notation


def _is_multiple(values, step):
    values = np.asarray(values, dtype=float)
    return np.allclose(values / step, np.round(values / step), rtol=0, atol=1e-12)


def test_exercise_seeds_differ():
    """Two seeds give different weights and different sheets; one seed always the same."""
    first, second = make_exercise(seed=1), make_exercise(seed=2)
    assert first.questions() != second.questions()
    assert any(not np.array_equal(w1, w2) for w1, w2 in zip(first.net.W[1:], second.net.W[1:]))
    assert make_exercise(seed=1).questions() == first.questions()


@pytest.mark.parametrize("seed", range(5))
def test_exercise_sigmoid_numbers_are_round(seed):
    """Sigmoid exercises use weights in steps of 0.1 in [-1, 1], x and y of 0s and 1s, no bias."""
    exercise = make_exercise(layers=(2, 3, 2), seed=seed)
    for W in exercise.net.W[1:]:
        assert _is_multiple(W, 0.1)
        assert np.all(np.abs(W) <= 1)
        assert np.all(W != 0)
    assert set(exercise.x.tolist()) <= {0.0, 1.0}
    assert exercise.x.any()
    assert set(exercise.y.tolist()) <= {0.0, 1.0}
    assert exercise.net.bias is False
    assert exercise.learning_rate == 0.5


@pytest.mark.parametrize("activation", ["relu", "linear"])
def test_exercise_piecewise_linear_numbers(activation):
    """relu and linear exercises use steps of 0.5, small integer inputs and exact answers."""
    exercise = make_exercise(layers=(2, 2, 1), seed=3, activation=activation, bias=True)
    for W in exercise.net.W[1:]:
        assert _is_multiple(W, 0.5)
    assert set(exercise.x.tolist()) <= {0.0, 1.0, 2.0}
    assert exercise.learning_rate == 0.1
    assert exercise.digits == 6
    # Products of halves and tenths: every answer is a short decimal, printed exactly.
    for w in np.ravel(exercise.trace["W_after"][1]):
        assert float(get_notation("text", exercise.digits).number(w)) == pytest.approx(w, abs=1e-12)
    assert "Values you may use" not in exercise.questions()


@pytest.mark.parametrize("kwargs", [
    dict(layers=(2, 2, 1)),
    dict(layers=(3, 2, 2), activation="tanh", bias=True),
    dict(layers=(2, 2, 2), cost="cross_entropy"),
    dict(layers=(2, 3, 2, 1), activation="relu"),
])
def test_exercise_answers_equal_core(kwargs):
    """The answers are Network.gradients and one online training step, to 1e-12."""
    exercise = make_exercise(seed=4, **kwargs)
    net, x, y = exercise.net, exercise.x, exercise.y
    dW, db = net.gradients(x[None, :], y[None, :])
    trained = net.copy()
    bplab.train(trained, x[None, :], y[None, :], algorithm="online", epochs=1, shuffle=False,
                learning_rate=exercise.learning_rate)
    for l in range(1, net.L):
        np.testing.assert_allclose(exercise.trace["dJ_dW"][l], dW[l], rtol=0, atol=1e-12)
        np.testing.assert_allclose(exercise.trace["W_after"][l], trained.W[l], rtol=0, atol=1e-12)
        if net.bias:
            np.testing.assert_allclose(exercise.trace["b_after"][l], trained.b[l], rtol=0, atol=1e-12)


def test_exercise_answers_print_rounded_core_values():
    """Each updated weight and gradient appears in the worked solution as printed."""
    exercise = make_exercise(layers=(2, 2, 1), seed=6)
    answers = exercise.answers("text")
    notation = get_notation("text", exercise.digits)
    for l in range(1, exercise.net.L):
        for j, row in enumerate(exercise.trace["W_after"][l]):
            for i, w in enumerate(row):
                assert f"w_{j + 1}{i + 1}^{l} = " in answers
                assert f"= {notation.number(w)}\n" in answers
                gradient = exercise.trace["dJ_dW"][l][j][i]
                assert f"∂J/∂w_{j + 1}{i + 1}^{l} = " in answers
                assert notation.number(gradient) in answers
    J_line = re.search(r"^  J = .*$", answers, flags=re.MULTILINE).group(0)
    assert J_line.endswith(f" = {notation.number(exercise.trace['J'])}")


def test_exercise_questions_list_sigmoid_values():
    """A sigmoid sheet gives f at each z it needs, and asks for every step."""
    exercise = make_exercise(layers=(2, 2, 1), seed=0)
    questions = exercise.questions("text")
    notation = get_notation("text", exercise.digits)
    for z, a in zip(exercise.trace["z"][2], exercise.trace["a"][2]):
        assert f"f({notation.number(z)}) = {notation.number(a)}" in questions
    for task in ["Forward pass", "The cost J", "The output error δ^3", "The backward pass: δ^2",
                 "∂J/∂W^1, ∂J/∂W^2", "after one online BP step with α = 0.5"]:
        assert task in questions
    assert "Solution" not in questions


def test_exercise_document_formats():
    """Markdown and LaTeX documents hold the questions and, on request, the solution."""
    exercise = make_exercise(seed=8)
    markdown = exercise.document("markdown", answers=True)
    assert markdown.index("## Tasks") < markdown.index("# Solution")
    latex = exercise.document("latex", answers=True)
    assert latex.count("\\begin{document}") == 1
    assert latex.count("\\end{document}") == 1
    assert sorted(re.findall(r"\\begin\{(\w+\*?)\}", latex)) == sorted(re.findall(r"\\end\{(\w+\*?)\}", latex))
    assert latex.count("{") == latex.count("}")
    assert "\\item" in latex
    assert "\\delta^{3}" in latex


@pytest.mark.parametrize("layers,message", [
    ((2, 5, 1), "at most 4 neurons per layer"),
    ((2, 2, 2, 2, 1), "2 to 4 layers"),
])
def test_exercise_rejects_large_networks(layers, message):
    """Networks too large to work by hand raise, naming the sizes."""
    with pytest.raises(ValueError, match=message):
        make_exercise(layers=layers)


def test_exercise_rejects_negative_seed():
    """A negative seed raises, naming it."""
    with pytest.raises(ValueError, match="seed must be a non-negative integer; got -1"):
        make_exercise(seed=-1)


def test_cli_exercise_with_answers(capsys):
    """bplab exercise --answers prints the sheet and its solution."""
    assert main(["exercise", "--seed", "5", "--answers"]) == 0
    out = capsys.readouterr().out
    expected = make_exercise(seed=5).document("markdown", answers=True)
    assert out == expected
    assert "# Solution" in out


def test_cli_exercise_latex_without_answers(capsys):
    """Without --answers the LaTeX sheet has no solution."""
    assert main(["exercise", "--seed", "5", "--format", "latex", "--activation", "relu"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass")
    assert "Solution" not in out


def test_cli_exercise_too_large(capsys):
    """Too many neurons exits 1 with the reason."""
    assert main(["exercise", "--layers", "2,6,1"]) == 1
    assert "at most 4 neurons" in capsys.readouterr().err
