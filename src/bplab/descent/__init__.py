"""Steepest descent on functions of two variables, and their stationary points.

The lecture introduces learning as the search for a minimum point of a cost J(w) by the
iteration w(k+1) = w(k) + alpha_k p_k, and steepest descent takes the search direction
p_k = -g_k, with g_k the gradient of J at w(k). This package runs that iteration on the
lecture's two example functions (``FUNCTIONS``) or on any function of two variables, and
finds the stationary points (grad J = 0) so that a plot can show where each path ends.

The learning rate alpha is constant along a path; line searches and momentum are left out.
"""

from bplab.descent.functions import FUNCTIONS, Function2D, get_function, numerical_gradient
from bplab.descent.iteration import DescentResult, compare_learning_rates, steepest_descent
from bplab.descent.stationary import KINDS, StationaryPoint, stationary_points

__all__ = [
    "FUNCTIONS",
    "KINDS",
    "DescentResult",
    "Function2D",
    "StationaryPoint",
    "compare_learning_rates",
    "get_function",
    "numerical_gradient",
    "stationary_points",
    "steepest_descent",
]
