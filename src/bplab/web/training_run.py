"""The web server's one background training run on the bundled digits.

``TrainingRun`` starts ``bplab.train`` in a daemon thread and keeps what the page polls for:
each epoch's record, a copy of the network after the latest epoch (for drawing and download)
and a PNG of its first-layer weights. A second start while a run is active is rejected, so a
server trains at most one network at a time.
"""

import logging
import threading
import time

import numpy as np

from bplab.web.checks import RequestError
from bplab.web.imaging import weights_mosaic_png

logger = logging.getLogger(__name__)

class TrainingRun:
    """The state of the server's training run, shared between request handlers and the thread.

    ``state`` is "idle" before the first run, then "running", "stopping" (after a stop request),
    and finally "finished", "stopped" or "failed".

    Parameters
    ----------
    load_digits : callable
        Returns ``(X, labels, preprocessing)``: the training images after preprocessing, their
        labels and the preprocessing object to store with a saved model.
    """

    def __init__(self, load_digits):
        self._load_digits = load_digits
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.run_id = 0
        self.state = "idle"
        self.settings = None
        self.history = []
        self.error = None
        self.stopped_by = None
        self.network = None
        self.preprocessing = None
        self.weights_png = None
        self.started_at = None

    def start(self, settings, build_network):
        """Start a run with validated ``settings``; ``build_network()`` returns a fresh Network.

        Raises
        ------
        RequestError
            With status 409 while another run is still active.
        """
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise RequestError(
                    f"training run {self.run_id} is still {self.state}; stop it or wait until "
                    "it ends before starting another",
                    status=409,
                )
            self.run_id += 1
            self.state = "running"
            self.settings = settings
            self.history = []
            self.error = None
            self.stopped_by = None
            self.network = None
            self.weights_png = None
            self.started_at = time.time()
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run,
                args=(self.run_id, settings, build_network),
                name=f"bplab-training-{self.run_id}",
                daemon=True,
            )
            self._thread.start()
            return self.run_id

    def stop(self):
        """Ask the active run to stop after its current epoch; return False when none is active."""
        with self._lock:
            if self.state != "running":
                return False
            self.state = "stopping"
            self._stop.set()
            return True

    def join(self, timeout=None):
        """Stop the active run, if any, and wait up to ``timeout`` seconds for its thread."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def status(self, since=0):
        """Return the run's state and the epoch records from index ``since`` on."""
        with self._lock:
            return {
                "run": self.run_id,
                "state": self.state,
                "settings": self.settings,
                "epochs_done": len(self.history),
                "history": self.history[since:],
                "error": self.error,
                "stopped_by": self.stopped_by,
                "has_network": self.network is not None,
                "seconds": None if self.started_at is None else time.time() - self.started_at,
            }

    def snapshot(self):
        """Return (network copy, preprocessing, settings, history) of the latest epoch, or None."""
        with self._lock:
            if self.network is None:
                return None
            return self.network, self.preprocessing, self.settings, list(self.history)

    def _run(self, run_id, settings, build_network):
        """Train in the background thread and record each epoch."""
        import bplab

        logger.info("training run %d started: %s", run_id, settings)
        try:
            X, labels, preprocessing = self._load_digits(settings["samples"], settings["seed"])
            net = build_network()
            with self._lock:
                self.preprocessing = preprocessing

            def on_epoch(record):
                self._record_epoch(net, record)
                if self._stop.is_set():
                    raise bplab.StopTraining()

            result = bplab.train(
                net,
                X,
                labels,
                algorithm=settings["algorithm"],
                batch_size=settings["batch_size"],
                learning_rate=settings["learning_rate"],
                epochs=settings["epochs"],
                validation_split=settings["validation_split"],
                seed=settings["seed"],
                callback=on_epoch,
            )
        except Exception as error:  # noqa: BLE001 - the thread must report every failure
            logger.error("training run %d failed: %s", run_id, error)
            with self._lock:
                self.state = "failed"
                self.error = str(error) or type(error).__name__
            return

        with self._lock:
            self.stopped_by = result.stopped_by
            self.state = "stopped" if result.stopped_by == "interrupted" else "finished"
        logger.info(
            "training run %d %s after %d epochs (%s)",
            run_id, self.state, result.epochs, result.stopped_by,
        )

    def _record_epoch(self, net, record):
        """Store one epoch's record, a copy of the network and its first-layer weights."""
        copy = net.copy()
        picture = weights_mosaic_png(copy.W[1]) if copy.layer_sizes[0] == 784 else None
        clean = {key: _json_value(value) for key, value in record.items()}
        with self._lock:
            self.history.append(clean)
            self.network = copy
            self.weights_png = picture


def _json_value(value):
    """Turn NumPy scalars and lists of them into plain JSON values; NaN and inf become None."""
    if isinstance(value, (list, tuple)):
        return [_json_value(item) for item in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
