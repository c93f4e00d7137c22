"""Steepest descent on J1 and J2: paths, stopping reasons, stationary points and the CLI."""

import json

import numpy as np
import pytest

from bplab.cli import main
from bplab.descent import (
    FUNCTIONS,
    Function2D,
    compare_learning_rates,
    numerical_gradient,
    stationary_points,
    steepest_descent,
)

# Stationary points of J1 = (w2 - w1)^4 + 8 w1 w2 - w1 + w2 + 3, all on the line w2 = -w1.
J1_GLOBAL_MINIMUM = (0.55358, -0.55358, 0.94383)
J1_LOCAL_MINIMUM = (-0.41878, 0.41878, 2.92666)
J1_SADDLE = (-0.13480, 0.13480)


def test_first_step_matches_hand_computation():
    """One J1 step from (1, -1) with alpha = 0.01 moves to (0.77, -0.77)."""
    # u = w2 - w1 = -2, so 4 u^3 = -32; dJ/dw1 = 32 + 8 * (-1) - 1 = 23 and
    # dJ/dw2 = -32 + 8 * 1 + 1 = -23; J(1, -1) = 16 - 8 - 1 - 1 + 3 = 9.
    result = steepest_descent("J1", (1.0, -1.0), 0.01, steps=1)
    assert result.J[0] == pytest.approx(9.0, abs=1e-12)
    assert result.gradient_norm[0] == pytest.approx(23 * np.sqrt(2), abs=1e-12)
    np.testing.assert_allclose(result.w[1], [0.77, -0.77], atol=1e-12)
    assert result.steps == 1
    assert result.stopped_by == "step_limit"


def test_converging_rate_reaches_nearest_minimum():
    """From (-1.5, 0.5), alpha = 0.01 ends in the nearer, local minimum of J1."""
    result = steepest_descent("J1", (-1.5, 0.5), 0.01, steps=1000, tol=1e-6)
    assert result.stopped_by == "converged"
    assert result.gradient_norm[-1] < 1e-6
    np.testing.assert_allclose(result.end, J1_LOCAL_MINIMUM[:2], atol=1e-4)
    assert result.J_end == pytest.approx(J1_LOCAL_MINIMUM[2], abs=1e-4)
    assert len(result.w) == len(result.J) == len(result.gradient_norm) == result.steps + 1


def test_larger_rate_jumps_to_global_minimum():
    """From the same start, alpha = 0.05 overshoots the saddle into the global minimum."""
    result = steepest_descent("J1", (-1.5, 0.5), 0.05)
    assert result.stopped_by == "converged"
    np.testing.assert_allclose(result.end, J1_GLOBAL_MINIMUM[:2], atol=1e-4)
    assert result.J_end == pytest.approx(J1_GLOBAL_MINIMUM[2], abs=1e-4)


def test_diverging_rate_reported_as_diverged():
    """alpha = 1.0 on J1 from (1, -1) blows up and is reported as diverged, with no end point."""
    result = steepest_descent("J1", (1.0, -1.0), 1.0, steps=1000)
    assert result.stopped_by == "diverged"
    assert result.diverged
    assert result.steps < 10
    assert np.all(np.isfinite(result.w))
    record = result.to_dict()
    assert record["end"] is None
    assert record["J_end"] is None
    json.dumps(record, allow_nan=False)


def test_oscillating_rate_stops_at_step_limit():
    """alpha = 0.1 from (0, 0) neither converges nor diverges within 50 steps."""
    result = steepest_descent("J1", (0.0, 0.0), 0.1, steps=50)
    assert result.stopped_by == "step_limit"
    assert result.steps == 50
    assert len(result.w) == 51


def test_compare_learning_rates_one_path_each():
    """Each learning rate gets its own path, in order."""
    results = compare_learning_rates("J1", (-1.5, 0.5), [0.01, 0.05, 0.1])
    assert [result.learning_rate for result in results] == [0.01, 0.05, 0.1]
    assert [result.stopped_by for result in results] == ["converged", "converged", "diverged"]


@pytest.mark.parametrize("name", ["J1", "J2"])
@pytest.mark.parametrize("point", [(1.0, -1.0), (-0.3, 0.7), (1.7, 1.2), (0.0, 0.0)])
def test_numerical_gradient_equals_analytic(name, point):
    """Central differences agree with the analytic gradient to 1e-6."""
    function = FUNCTIONS[name]
    expected = function.gradient(point)
    np.testing.assert_allclose(numerical_gradient(function.J, point), expected, atol=1e-6)


def test_function_without_gradient_uses_numerical_one():
    """A teacher's function given by J alone descends to its minimum."""
    bowl = Function2D("bowl", "(w1 - 1)^2 + 2 (w2 + 0.5)^2",
                      lambda w1, w2: (w1 - 1) ** 2 + 2 * (w2 + 0.5) ** 2)
    assert bowl.numerical_gradient
    result = steepest_descent(bowl, (0.0, 0.0), 0.1, tol=1e-6)
    assert result.stopped_by == "converged"
    np.testing.assert_allclose(result.end, [1.0, -0.5], atol=1e-6)


def test_bare_callable_accepted():
    """A plain callable J(w1, w2) is wrapped with a numerical gradient."""
    result = steepest_descent(lambda w1, w2: w1**2 + w2**2, (1.0, 1.0), 0.25)
    np.testing.assert_allclose(result.end, [0.0, 0.0], atol=1e-6)


def test_j1_stationary_points_found_and_classified():
    """J1 has a global minimum, a local minimum and a saddle point in [-2, 2]^2."""
    points = stationary_points("J1")
    assert [point.kind for point in points] == ["minimum", "minimum", "saddle"]
    global_minimum, local_minimum, saddle = points
    np.testing.assert_allclose(global_minimum.w, J1_GLOBAL_MINIMUM[:2], atol=1e-4)
    assert global_minimum.J == pytest.approx(J1_GLOBAL_MINIMUM[2], abs=1e-4)
    np.testing.assert_allclose(local_minimum.w, J1_LOCAL_MINIMUM[:2], atol=1e-4)
    assert local_minimum.J == pytest.approx(J1_LOCAL_MINIMUM[2], abs=1e-4)
    np.testing.assert_allclose(saddle.w, J1_SADDLE, atol=1e-4)
    assert saddle.eigenvalues[0] < 0 < saddle.eigenvalues[1]
    assert all(point.line is None for point in points)


def test_j2_line_reported_as_weak_minimum():
    """Every point with w1 = 0 is a weak minimum of J2 with J = 0, reported as one line."""
    points = stationary_points("J2")
    assert len(points) == 1
    line = points[0]
    assert line.kind == "weak minimum"
    assert line.equation == "w1 = 0"
    assert line.J == pytest.approx(0.0, abs=1e-12)
    (start, end) = line.line
    assert abs(start[0]) < 1e-6
    assert abs(end[0]) < 1e-6
    assert sorted([start[1], end[1]]) == pytest.approx([-2.0, 2.0], abs=0.3)
    assert line.to_dict()["line"] is not None


def test_numerical_hessian_classifies_saddle():
    """Without a Hessian, w1^2 - w2^2 still has one saddle at the origin."""
    saddle = Function2D("saddle", "w1^2 - w2^2", lambda w1, w2: w1**2 - w2**2)
    points = stationary_points(saddle)
    assert [point.kind for point in points] == ["saddle"]
    np.testing.assert_allclose(points[0].w, [0.0, 0.0], atol=1e-6)


def test_flat_quartic_minimum_is_strict():
    """w1^4 + w2^4 has a singular Hessian at 0 but a strict minimum, found by sampling."""
    quartic = Function2D("quartic", "w1^4 + w2^4", lambda w1, w2: w1**4 + w2**4,
                         grad=lambda w1, w2: (4 * w1**3, 4 * w2**3))
    points = stationary_points(quartic)
    assert [point.kind for point in points] == ["minimum"]
    np.testing.assert_allclose(points[0].w, [0.0, 0.0], atol=1e-3)


@pytest.mark.parametrize("start, match", [
    ((1.0,), "two finite numbers"),
    ((1.0, float("nan")), "two finite numbers"),
    ("ab", "two numbers"),
])
def test_bad_start_rejected(start, match):
    """A start that is not two finite numbers raises ValueError naming it."""
    with pytest.raises(ValueError, match=match):
        steepest_descent("J1", start, 0.01)


@pytest.mark.parametrize("alpha", [0.0, -0.1, float("inf")])
def test_bad_learning_rate_rejected(alpha):
    """alpha must be a positive finite number."""
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        steepest_descent("J1", (1.0, -1.0), alpha)


def test_unknown_function_rejected():
    """An unknown name lists the known ones."""
    with pytest.raises(ValueError, match="unknown function 'J3', expected one of J1, J2"):
        steepest_descent("J3", (0.0, 0.0), 0.01)


def test_empty_learning_rates_rejected():
    """compare_learning_rates needs at least one alpha."""
    with pytest.raises(ValueError, match="learning_rates is empty"):
        compare_learning_rates("J1", (0.0, 0.0), [])


def test_cli_prints_end_points(capsys):
    """The default run prints both J1 minima as end points and the stationary points."""
    assert main(["descent"]) == 0
    output = capsys.readouterr().out
    lines = output.splitlines()
    path_lines = [line for line in lines if line.startswith(("0.01 ", "0.05 "))]
    assert len(path_lines) == 2
    assert "(-0.41878, 0.41878)" in path_lines[0]
    assert "converged" in path_lines[0]
    assert "(0.55358, -0.55358)" in path_lines[1]
    assert "saddle at (-0.1348, 0.1348), J = 3.1295" in output


def test_cli_repeated_learning_rates_and_divergence(capsys):
    """--learning-rate may be repeated; a diverging alpha prints no end point."""
    assert main(["descent", "--start=1,-1", "--learning-rate", "0.01",
                 "--learning-rate", "1.0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    diverged = [line for line in lines if line.startswith("1 ")]
    assert len(diverged) == 1
    alpha, end, J, steps, reason = diverged[0].split(maxsplit=4)
    assert (end, J) == ("-", "-")
    assert reason.startswith("diverged")


def test_cli_json_parses(capsys):
    """--json prints one JSON object with the whole paths and the stationary points."""
    assert main(["descent", "--function", "J1", "--start=-1.5,0.5",
                 "--learning-rate", "0.01", "0.05", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert [path["learning_rate"] for path in record["paths"]] == [0.01, 0.05]
    first = record["paths"][0]
    assert first["stopped_by"] == "converged"
    assert first["end"] == pytest.approx(J1_LOCAL_MINIMUM[:2], abs=1e-4)
    assert len(first["path"]) == first["steps"] + 1
    # At (-1.5, 0.5): u = 2, J = 16 - 6 + 1.5 + 0.5 + 3 = 15 and g = (-32 + 4 - 1, 32 - 12 + 1).
    assert first["path"][0] == {"k": 0, "w": [-1.5, 0.5], "J": pytest.approx(15.0),
                                "gradient_norm": pytest.approx(np.hypot(29, 21))}
    kinds = [point["kind"] for point in record["stationary_points"]]
    assert kinds == ["minimum", "minimum", "saddle"]


def test_cli_j2_reports_line(capsys):
    """For J2 the CLI names the line of weak minima."""
    assert main(["descent", "--function", "J2", "--start", "1.5,1"]) == 0
    assert "weak minimum on the line w1 = 0" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--start", "1"], "expected two numbers w1,w2 separated by a comma, got '1'"),
    (["--start", "a,b"], "invalid number in 'a,b'"),
    (["--learning-rate", "0"], "must be a positive number, got '0'"),
    (["--learning-rate", "-0.5"], "must be a positive number, got '-0.5'"),
    (["--steps", "0"], "must be at least 1, got '0'"),
    (["--function", "J3"], "invalid choice: 'J3'"),
])
def test_cli_bad_input_exits_2(capsys, argv, message):
    """Malformed values are argparse errors: exit status 2 and a message naming the value."""
    with pytest.raises(SystemExit) as exit_info:
        main(["descent", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
