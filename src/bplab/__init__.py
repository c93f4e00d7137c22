"""bplab: the backpropagation algorithm as the lecture writes it.

A fully-connected network of layers 1..L computes z^{l+1} = W^l a^l and a^{l+1} = f(z^{l+1})
(``fc``); backpropagation computes delta^l = f'(z^l) * (W^l)^T delta^{l+1} (``bc``) and the
gradient dJ/dw_ji^l = delta_j^{l+1} a_i^l; steepest descent updates w <- w - alpha dJ/dw, after
every sample (online BP) or after a whole batch (batch BP).
"""

from bplab.activations import ACTIVATIONS, get_activation
from bplab.core import bc, fc
from bplab.costs import COSTS, get_cost
from bplab.gradcheck import GradcheckResult, gradcheck
from bplab.network import Network
from bplab.training import DivergenceError, StopTraining, TrainResult, train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS", "COSTS", "DivergenceError", "GradcheckResult", "Network", "StopTraining",
    "TrainResult", "bc", "fc", "get_activation", "get_cost", "gradcheck", "train",
]
