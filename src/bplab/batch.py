"""Batch and mini-batch BP: accumulate dJ/dw over a set of samples, then update once.

The lecture's batch algorithm accumulates dJ/dw_ji^l <- dJ/dw_ji^l + delta_j^{l+1} a_i^l over
the whole data set and then takes one steepest-descent step. Mini-batch BP does the same over
consecutive slices of ``batch_size`` samples. The accumulated gradient is either the plain
sum, as the lecture's Step 3 writes it, or the mean, the gradient of J = (1/m) sum J(x, y).
"""

from bplab.update import steepest_descent

BATCH_GRADIENTS = ("mean", "sum")


def batch_step(net, a1, y, alpha, momentum=0.0, l2=0.0, velocity=None, batch_gradient="mean"):
    """Accumulate the gradient over the columns of a1 and update the weights once.

    Parameters
    ----------
    net : Network
    a1 : ndarray of shape (n_1, m)
        The samples as columns, a^1.
    y : ndarray of shape (n_L, m)
        Their targets.
    alpha : float
        The learning rate.
    batch_gradient : {"mean", "sum"}
        Divide the accumulated gradient by m, or use the plain sum.
    """
    # dW[l] = sum over columns of delta^{l+1} (a^l)^T, the lecture's accumulation in one product.
    dW, db, _ = net._gradients_columns(a1, y)
    if batch_gradient == "mean":
        m = a1.shape[1]
        dW = [None] + [g / m for g in dW[1:]]
        db = [None] + [None if g is None else g / m for g in db[1:]]
    steepest_descent(net, dW, db, alpha, momentum, l2, velocity)


def run_epoch(net, X, Y, order, learning_rate, batch_size, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Update once per slice of ``batch_size`` samples of X[order] (rows). Returns True."""
    if batch_size >= len(order):
        # The whole set in one step: the sum does not depend on the order, and skipping
        # X[order] avoids a second copy of the data.
        batch_step(net, X.T, Y.T, learning_rate, momentum, l2, velocity, batch_gradient)
        return True
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        batch_step(net, X[index].T, Y[index].T, learning_rate, momentum, l2, velocity, batch_gradient)
    return True
