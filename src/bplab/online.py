"""Online BP: one steepest-descent update after every sample (the lecture's online algorithm).

Step 3 forwards one sample x with fc and backs delta through the layers with bc; Step 4
updates every w_ji^l by -alpha delta_j^{l+1} a_i^l. The epoch loop repeats this for each
sample in the given order; ``bplab.training`` repeats epochs until the weights converge.
"""

from bplab.update import steepest_descent


def online_step(net, x, y, alpha, momentum=0.0, l2=0.0, velocity=None):
    """Run Steps 3 and 4 of online BP for one sample.

    Parameters
    ----------
    net : Network
    x : ndarray of shape (n_1,)
        The sample, a^1 = x.
    y : ndarray of shape (n_L,)
        Its target.
    alpha : float
        The learning rate.
    """
    dW, db, _ = net._gradients_columns(x[:, None], y[:, None])
    steepest_descent(net, dW, db, alpha, momentum, l2, velocity)


def run_epoch(net, X, Y, order, learning_rate, batch_size=1, momentum=0.0, l2=0.0,
              velocity=None, batch_gradient="mean"):
    """Update the network once per sample, visiting X[order] (rows) in turn. Returns True."""
    for k in order:
        online_step(net, X[k], Y[k], learning_rate, momentum, l2, velocity)
    return True
