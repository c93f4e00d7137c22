"""The fast epoch engines against the reference engines of bplab.online and bplab.batch."""

import os

import numpy as np
import pytest

import bplab
from bplab import batch, fast, online
from bplab.fast import numpy_engine
from bplab.update import new_velocity

ENGINES = sorted(fast.ENGINES)
# Weights after two epochs differ from the reference only by the order of floating-point
# sums (BLAS blocking, vectorised dot products), about 1e-15 per operation.
TOLERANCE_FLOAT64 = 1e-12
TOLERANCE_FLOAT32 = 2e-5


def _data(sizes, m, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((m, sizes[0])).astype(dtype)
    Y = np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], m)]
    return X, Y, rng.permutation(m)


def _train_both(engine, net, X, Y, order, alpha=0.1, batch_size=1, momentum=0.0, l2=0.0,
                batch_gradient="mean", epochs=2):
    """Run the reference and ``engine`` for ``epochs`` from the same start; return both networks."""
    reference = net.copy()
    tested = net.copy()
    reference_velocity = new_velocity(reference) if momentum else None
    tested_velocity = new_velocity(tested) if momentum else None
    reference_epoch = online.run_epoch if batch_size == 1 else batch.run_epoch
    for _ in range(epochs):
        reference_epoch(reference, X, Y, order, alpha, batch_size, momentum, l2,
                        reference_velocity, batch_gradient)
        assert fast.ENGINES[engine](tested, X, Y, order, alpha, batch_size, momentum, l2,
                                    tested_velocity, batch_gradient) is True
    return reference, tested


def _max_relative_difference(reference, tested):
    """Largest |difference| over all W^l and b^l, relative to the largest reference weight."""
    worst = 0.0
    for l in range(1, reference.L):
        pairs = [(reference.W[l], tested.W[l])]
        if reference.b[l] is not None:
            pairs.append((reference.b[l], tested.b[l]))
        for expected, actual in pairs:
            assert np.isfinite(expected).all(), "the reference diverged; choose a smaller alpha"
            scale = max(1.0, float(np.abs(expected).max()))
            worst = max(worst, float(np.abs(actual - expected).max()) / scale)
    return worst


OUTPUTS = [
    ("sigmoid", "quadratic"),
    ("linear", "quadratic"),
    ("softmax", "quadratic"),
    ("tanh", "quadratic"),
    ("relu", "quadratic"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("output, cost", OUTPUTS)
@pytest.mark.parametrize("batch_size", [1, 4, 37])
def test_engine_matches_reference_activations(engine, activation, output, cost, batch_size):
    """Every hidden activation, output and cost gives the reference's weights, online and batch."""
    net = bplab.Network([6, 5, 4, 3], activation=activation, output_activation=output,
                        cost=cost, seed=3)
    X, Y, order = _data(net.layer_sizes, 37, "float64")
    reference, tested = _train_both(engine, net, X, Y, order, batch_size=batch_size)
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("batch_size", [1, 5, 10, 37, 100])
@pytest.mark.parametrize("momentum, l2", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.5, 0.01)])
@pytest.mark.parametrize("batch_gradient", ["mean", "sum"])
@pytest.mark.parametrize("bias", [True, False])
def test_engine_matches_reference_update_rules(engine, batch_size, momentum, l2, batch_gradient, bias):
    """Momentum, weight decay, both gradient scalings, short last batches and no biases."""
    net = bplab.Network([7, 6, 3], activation="tanh", output_activation="sigmoid", bias=bias, seed=5)
    X, Y, order = _data(net.layer_sizes, 37, "float64", seed=1)
    alpha = 0.02 if batch_gradient == "sum" else 0.1
    reference, tested = _train_both(engine, net, X, Y, order, alpha, batch_size, momentum, l2,
                                    batch_gradient, epochs=3)
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_moves_weights(engine):
    """An epoch changes the weights, so agreeing with the reference is not agreement on nothing."""
    net = bplab.Network([6, 5, 3], seed=2)
    X, Y, order = _data(net.layer_sizes, 20, "float64")
    reference, tested = _train_both(engine, net, X, Y, order, alpha=0.5, epochs=1)
    assert np.abs(tested.W[1] - net.W[1]).max() > 1e-3
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("batch_size", [1, 8, 50])
def test_engine_float32_matches_reference(engine, batch_size):
    """float32 weights follow the float32 reference to float32 rounding."""
    net = bplab.Network([10, 8, 4], activation="relu", output_activation="softmax",
                        cost="cross_entropy", dtype="float32", seed=4)
    X, Y, order = _data(net.layer_sizes, 50, "float32")
    reference, tested = _train_both(engine, net, X, Y, order, batch_size=batch_size)
    assert tested.W[1].dtype == np.float32
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT32


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_single_sample(engine):
    """One sample, one epoch: one online step equals one full-batch step."""
    net = bplab.Network([4, 3, 2], seed=6)
    X, Y, order = _data(net.layer_sizes, 1, "float64")
    for batch_size in (1, 1000):
        reference, tested = _train_both(engine, net, X, Y, order, batch_size=batch_size, epochs=1)
        assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@pytest.mark.parametrize("threads", [1, 3])
def test_full_batch_chunks_match_reference(monkeypatch, threads):
    """A full batch split into chunks and threads sums to the reference's one-shot gradient."""
    monkeypatch.setattr(numpy_engine, "CHUNK", 16)
    monkeypatch.setattr(numpy_engine, "cpu_count", lambda: threads)
    net = bplab.Network([6, 5, 3], seed=7)
    X, Y, order = _data(net.layer_sizes, 70, "float64")
    reference, tested = _train_both("numpy", net, X, Y, order, alpha=0.5, batch_size=70)
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("batch_size", [64, 100])
@pytest.mark.parametrize("threads", [1, 3])
def test_large_minibatch_matches_reference(monkeypatch, engine, batch_size, threads):
    """Mini-batches split among threads, with a short last batch."""
    monkeypatch.setattr(numpy_engine, "cpu_count", lambda: threads)
    if engine == "numba":
        from bplab.fast import numba_engine

        monkeypatch.setattr(numba_engine, "thread_count", lambda: threads)
    net = bplab.Network([6, 5, 3], seed=7)
    X, Y, order = _data(net.layer_sizes, 150, "float64")
    reference, tested = _train_both(engine, net, X, Y, order, alpha=0.5, batch_size=batch_size)
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


needs_numba = pytest.mark.skipif("numba" not in fast.ENGINES, reason="numba is not installed")


@needs_numba
@pytest.mark.parametrize("threads", [1, 2, 3, 7])
@pytest.mark.parametrize("batch_size, m", [(2, 9), (5, 23), (6, 6 * 4 + 1), (33, 100)])
@pytest.mark.parametrize("momentum, l2", [(0.0, 0.0), (0.9, 0.0), (0.0, 0.01), (0.5, 0.01)])
def test_parallel_kernel_splits_match_reference(monkeypatch, threads, batch_size, m, momentum, l2):
    """Every way of sharing batches among threads, including parts with no rows or neurons.

    With 7 threads, a batch of 2 leaves five parts without samples, and the 2 output neurons
    leave five parts without weights. A last batch of one sample leaves all parts but one
    without samples.
    """
    from bplab.fast import numba_engine

    monkeypatch.setattr(numba_engine, "thread_count", lambda: threads)
    net = bplab.Network([9, 6, 4, 2], activation="sigmoid", seed=8)
    X, Y, order = _data(net.layer_sizes, m, "float64", seed=2)
    reference, tested = _train_both("numba", net, X, Y, order, alpha=0.3, batch_size=batch_size,
                                    momentum=momentum, l2=l2)
    assert np.abs(tested.W[1] - net.W[1]).max() > 1e-3
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@needs_numba
@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("output, cost", [("softmax", "cross_entropy"), ("softmax", "quadratic"),
                                          ("sigmoid", "quadratic")])
def test_parallel_kernel_without_hidden_layer(monkeypatch, threads, output, cost):
    """With no hidden layer, step 1 computes the outputs' z and softmax still gets whole rows."""
    from bplab.fast import numba_engine

    monkeypatch.setattr(numba_engine, "thread_count", lambda: threads)
    net = bplab.Network([8, 5], output_activation=output, cost=cost, seed=11)
    X, Y, order = _data(net.layer_sizes, 47, "float64", seed=3)
    reference, tested = _train_both("numba", net, X, Y, order, alpha=0.5, batch_size=6)
    assert np.abs(tested.W[1] - net.W[1]).max() > 1e-3
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


@needs_numba
@pytest.mark.parametrize("batch_size", [1, 4, 10])
def test_numba_segments_match_reference(monkeypatch, batch_size):
    """An epoch cut into compiled calls of a few batches each gives the reference's weights."""
    from bplab.fast import numba_engine

    # 9 samples of the network's 45 weights per segment.
    monkeypatch.setattr(numba_engine, "SEGMENT_WORK", 9 * 45)
    net = bplab.Network([6, 5, 3], seed=13)
    X, Y, order = _data(net.layer_sizes, 53, "float64")
    reference, tested = _train_both("numba", net, X, Y, order, alpha=0.3, batch_size=batch_size,
                                    momentum=0.5)
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64


def test_thread_chooser_backs_off_when_probes_lose():
    """Each probe of all threads that loses doubles the wait before the next one."""
    from bplab.fast.numba_engine import _ThreadChooser

    chooser = _ThreadChooser()
    for threads, seconds in [(2, 9.0), (2, 5.0), (1, 9.0), (1, 1.0)]:
        assert chooser.choose(2) == threads
        chooser.record(threads, seconds)
    gaps = []
    for _ in range(3):
        segments = 0
        while chooser.choose(2) == 1:
            chooser.record(1, 1.0)
            segments += 1
        gaps.append(segments)
        # The probe: its first segment is not measured, the second loses to one thread.
        chooser.record(2, 5.0)
        assert chooser.choose(2) == 2
        chooser.record(2, 5.0)
    assert gaps[1] > gaps[0]
    assert gaps[2] > gaps[1]


@needs_numba
def test_parallel_kernel_same_on_one_thread(monkeypatch):
    """Running the parts on one thread, as under load, gives bitwise the same weights."""
    from bplab.fast import numba_engine

    # 20 samples of the network's 104 weights per segment.
    monkeypatch.setattr(numba_engine, "SEGMENT_WORK", 20 * 104)
    net = bplab.Network([9, 8, 4], seed=14)
    X, Y, order = _data(net.layer_sizes, 90, "float64")
    results = []
    for threads in (None, 1):
        monkeypatch.setattr(numba_engine._ThreadChooser, "choose",
                            lambda self, all_threads, fixed=threads: fixed or all_threads)
        tested = net.copy()
        assert numba_engine.run_epoch(tested, X, Y, order, 0.3, 10) is True
        results.append(tested)
    assert np.abs(results[0].W[1] - net.W[1]).max() > 1e-3
    assert np.array_equal(results[0].W[1], results[1].W[1])
    assert np.array_equal(results[0].b[2], results[1].b[2])


def test_thread_chooser_follows_the_faster_way():
    """The chooser measures both ways, keeps the faster, and measures again after a slowdown."""
    from bplab.fast.numba_engine import _ThreadChooser

    chooser = _ThreadChooser()

    def run(expected, seconds):
        assert chooser.choose(2) == expected
        chooser.record(expected, seconds)

    # The first segment after each switch is not measured.
    run(2, 9.0)
    run(2, 1.0)
    run(1, 9.0)
    run(1, 1.7)
    run(2, 1.0)
    run(2, 1.1)
    # Another program takes a core: all threads slow down by more than half, still below one
    # thread's last time, so one thread is measured again and turns out faster.
    run(2, 1.6)
    run(1, 9.0)
    run(1, 1.2)
    run(1, 1.2)
    # On one thread, all threads are measured again every PROBE_EVERY segments.
    choices = []
    while 2 not in choices:
        choices.append(chooser.choose(2))
        chooser.record(choices[-1], 9.0 if choices[-1] == 2 else 1.2)
    assert len(choices) <= _ThreadChooser.PROBE_EVERY
    # The other program has stopped: all threads are faster again and stay chosen.
    run(2, 1.0)
    run(2, 1.0)
    run(2, 1.0)


@needs_numba
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_parallel_kernel_in_forked_child():
    """A child forked after a parallel epoch still trains mini-batches, to the reference's weights."""
    net = bplab.Network([8, 7, 3], seed=12)
    X, Y, order = _data(net.layer_sizes, 60, "float64")
    assert fast.ENGINES["numba"](net.copy(), X, Y, order, 0.2, 10) is True
    pid = os.fork()
    if pid == 0:
        # The child reports through its exit status and never returns into pytest.
        status = 3
        try:
            reference, tested = _train_both("numba", net, X, Y, order, alpha=0.2, batch_size=10)
            status = 0 if _max_relative_difference(reference, tested) < TOLERANCE_FLOAT64 else 1
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), f"the child was killed by signal {os.WTERMSIG(status)}"
    assert os.WEXITSTATUS(status) == 0


@needs_numba
def test_parallel_kernel_float32_matches_reference():
    """The parallel kernel calls sgemm for float32 networks and stays in float32."""
    net = bplab.Network([12, 10, 5], activation="tanh", output_activation="softmax",
                        cost="cross_entropy", dtype="float32", seed=9)
    X, Y, order = _data(net.layer_sizes, 90, "float32")
    reference, tested = _train_both("numba", net, X, Y, order, alpha=0.2, batch_size=20, momentum=0.9)
    assert tested.W[1].dtype == np.float32
    assert tested.b[2].dtype == np.float32
    assert _max_relative_difference(reference, tested) < TOLERANCE_FLOAT32


@needs_numba
def test_parallel_kernel_runs_in_several_threads_at_once():
    """Two Python threads training at once each get the result of training alone."""
    import threading

    net = bplab.Network([8, 7, 3], seed=10)
    X, Y, order = _data(net.layer_sizes, 400, "float64")
    expected = net.copy()
    fast.ENGINES["numba"](expected, X, Y, order, 0.2, 10)
    copies = [net.copy() for _ in range(4)]
    workers = [threading.Thread(target=fast.ENGINES["numba"], args=(copy, X, Y, order, 0.2, 10))
               for copy in copies]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for copy in copies:
        assert np.array_equal(copy.W[1], expected.W[1])
        assert np.array_equal(copy.b[2], expected.b[2])


def _unsupported_inputs():
    net = bplab.Network([4, 3, 2], seed=0)
    X, Y, order = _data(net.layer_sizes, 6, "float64")
    return [
        ("float32 X for a float64 network", net, X.astype(np.float32), Y, None, 0.0),
        ("X not C-contiguous", net, np.asfortranarray(X), Y, None, 0.0),
        ("Y with the wrong width", net, X, Y[:, :1].copy(), None, 0.0),
        ("momentum without velocity", net, X, Y, None, 0.9),
        ("order past the last row", net, X, Y, None, 0.0),
    ]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", range(5))
def test_engine_declines_unsupported(engine, case):
    """Unsupported arrays or settings return False and leave the weights untouched."""
    name, net, X, Y, velocity, momentum = _unsupported_inputs()[case]
    before = net.copy()
    order = np.arange(len(X)) + (1 if name == "order past the last row" else 0)
    assert fast.ENGINES[engine](net, X, Y, order, 0.5, 1, momentum, 0.0, velocity, "mean") is False, name
    assert np.array_equal(net.W[1], before.W[1])
    assert np.array_equal(net.b[1], before.b[1])


def test_engine_variable_rejects_unknown(monkeypatch):
    """BPLAB_FAST_ENGINE must name an installed engine."""
    monkeypatch.setenv(fast.ENGINE_VARIABLE, "fortran")
    with pytest.raises(ValueError, match="'fortran' is not an available engine"):
        fast.engine_name()


def test_engine_variable_hint_only_without_numba(monkeypatch):
    """The install hint appears only when Numba is missing."""
    monkeypatch.setenv(fast.ENGINE_VARIABLE, "fortran")
    monkeypatch.setattr(fast, "ENGINES", {"numpy": fast.ENGINES["numpy"]})
    with pytest.raises(ValueError, match=r"pip install 'bplab\[fast\]'"):
        fast.engine_name()
    monkeypatch.setattr(fast, "ENGINES", {"numpy": None, "numba": None})
    with pytest.raises(ValueError) as error:
        fast.engine_name()
    assert "pip install" not in str(error.value)
    assert "unset it to choose automatically" in str(error.value)


def test_engine_variable_selects_numpy(monkeypatch):
    """BPLAB_FAST_ENGINE=numpy forces the NumPy engine."""
    monkeypatch.setenv(fast.ENGINE_VARIABLE, "numpy")
    assert fast.engine_name() == "numpy"


def test_default_engine_is_best_available(monkeypatch):
    """Without the variable, Numba is used when it is installed."""
    monkeypatch.delenv(fast.ENGINE_VARIABLE, raising=False)
    assert fast.engine_name() == ("numba" if "numba" in fast.ENGINES else "numpy")


@pytest.mark.parametrize("algorithm, batch_size", [("online", None), ("minibatch", 8), ("batch", None)])
def test_train_fast_matches_reference(algorithm, batch_size):
    """bplab.train gives the same history and weights with engine="fast" and "reference"."""
    X, Y, _ = _data([5, 4, 3], 40, "float64", seed=9)
    results = {}
    for engine in ("fast", "reference"):
        net = bplab.Network([5, 4, 3], seed=8)
        result = bplab.train(net, X, Y, algorithm=algorithm, batch_size=batch_size,
                             learning_rate=0.3, epochs=3, momentum=0.5, seed=1, engine=engine)
        results[engine] = (net, [record["J"] for record in result.history])
    (fast_net, fast_J), (reference_net, reference_J) = results["fast"], results["reference"]
    assert np.allclose(fast_J, reference_J, rtol=1e-12, atol=0)
    assert _max_relative_difference(reference_net, fast_net) < TOLERANCE_FLOAT64
