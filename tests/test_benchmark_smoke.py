"""A small run of benchmarks/run.py, so the benchmark keeps working; the full run is separate."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"


@pytest.fixture(scope="module")
def smoke_results(shared_data, tmp_path_factory):
    """Run bplab and the textbook NumPy loop on 2,000 images, one epoch, online and mini-batch 100."""
    data_dir = shared_data / "fashion-mnist"
    if not data_dir.is_dir():
        pytest.skip(f"Fashion-MNIST not found in {data_dir}")
    folder = tmp_path_factory.mktemp("benchmark")
    command = [
        sys.executable, str(BENCHMARKS / "run.py"), "--data-dir", str(data_dir),
        "--samples", "2000", "--epochs", "1", "--modes", "online", "mb100",
        "--systems", "bplab", "numpy", "--out", str(folder / "results.md"),
        "--json", str(folder / "results.json"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads((folder / "results.json").read_text()), (folder / "results.md").read_text()


@pytest.mark.slow
def test_smoke_runs_every_system(smoke_results):
    """Each requested system, mode and dtype ran one epoch and learned something."""
    results, _ = smoke_results
    runs = {(run["mode"], run["system"], run["dtype"]): run for run in results["runs"]}
    assert set(runs) == {
        (mode, system, dtype)
        for mode in ("online", "mb100")
        for system, dtype in (("bplab", "float64"), ("bplab", "float32"), ("numpy", "float64"))
    }
    for key, run in runs.items():
        assert "error" not in run, (key, run.get("error"))
        assert len(run["seconds"]) == 1
        assert run["median"] > 0
        assert run["peak_mb"] > 0
    # 2,000 online updates from the same start lift test accuracy well above chance (0.1).
    assert runs[("online", "bplab", "float64")]["accuracy"] > 0.5


@pytest.mark.slow
def test_smoke_bplab_equals_textbook_loop(smoke_results):
    """bplab and the textbook loop start from the same weights and visit the same samples."""
    results, _ = smoke_results
    for mode in ("online", "mb100"):
        ours, textbook = (next(run for run in results["runs"]
                               if run["mode"] == mode and run["system"] == system and run["dtype"] == "float64")
                          for system in ("bplab", "numpy"))
        assert ours["accuracy"] == pytest.approx(textbook["accuracy"], abs=1e-3)


@pytest.mark.slow
def test_smoke_markdown_has_table(smoke_results):
    """The Markdown report has the table, the bounds and the target summary."""
    _, text = smoke_results
    assert "| system | median epoch (s) | × bplab float64 | × lower bound |" in text
    assert "| **online (batch 1)** |" in text
    assert "| plain NumPy (textbook loop) |" in text
    assert "Lower bounds (float64 / float32): GEMM rate" in text
    assert "| mini-batch 100 |" in text


def test_report_marks_skipped_system():
    """A system that failed appears as skipped with its reason, and the others still print."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import report
    finally:
        sys.path.remove(str(BENCHMARKS))
    bound = {"gemm_gflops": 100.0, "copy_gbytes": 200.0, "batch_bound": 0.2, "online_bound": 0.4}
    ok = {"median": 0.5, "seconds": [0.5], "accuracy": 0.8, "peak_mb": 200.0, "data_mb": 180.0}
    results = {
        "settings": {"samples": 60000, "epochs": 3, "modes": ["mb10"]},
        "machine": {"cpu": "test CPU", "cores": 2, "python": "3.11", "versions": {"numpy": "2"},
                    "openblas_env": {"OPENBLAS_CORETYPE": "unset"}},
        "bounds": {"float64": bound, "float32": bound, "blas": []},
        "runs": [
            dict(ok, mode="mb10", system="bplab", dtype="float64"),
            dict(ok, mode="mb10", system="bplab", dtype="float32", median=0.25),
            {"mode": "mb10", "system": "fann", "dtype": "float64",
             "error": "cannot build against FANN (apt-get install libfann-dev)"},
        ],
    }
    text = report.markdown(results)
    assert "| FANN 2.2 (C) | skipped: cannot build against FANN (apt-get install libfann-dev) |" in text
    assert "| bplab float64 | 0.500 | 1.00 | 2.50 | 0.800 | 200 |" in text
    # 0.5 s over a 0.2 s bound is 2.5, inside mini-batch 10's target of 2.6; float32 is 2x faster.
    assert "| mini-batch 10 | 2.50 (2.6) met | 2.00 met | none ran | 200 MB vs 330 MB: met |" in text
