"""Markdown for the benchmark results: the machine, the table and the targets."""

import os
import platform
import subprocess
from importlib import metadata

# bplab float64 time over the lower bound, per mode; float32 must beat float64 by FLOAT32_SPEEDUP.
TARGET_RATIOS = {"online": 5.5, "mb10": 2.6, "mb100": 1.5, "full": 1.3}
FLOAT32_SPEEDUP = 1.4
# Peak memory above the imports may exceed the float32 data by this much.
MEMORY_MARGIN_MB = 150
MODE_TITLES = {"online": "online (batch 1)", "mb10": "mini-batch 10", "mb100": "mini-batch 100",
               "full": "full batch"}
SYSTEM_TITLES = {
    "bplab": "bplab",
    "numpy": "plain NumPy (textbook loop)",
    "torch-autograd": "PyTorch autograd + optim.SGD",
    "torch-formulas": "PyTorch, formulas by hand",
    "sklearn": "scikit-learn MLPClassifier (softmax + log-loss)",
    "fann": "FANN 2.2 (C)",
}


def machine_info():
    """CPU model, cores and the versions of the libraries involved."""
    model = "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        model = next(line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        pass
    versions = {}
    for package in ("bplab", "numpy", "numba", "scipy", "torch", "scikit-learn", "threadpoolctl"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "versions": versions,
        "openblas_env": {name: os.environ.get(name, "unset") for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }


def _row(run, reference, bound):
    title = SYSTEM_TITLES[run["system"]] + (f" {run['dtype']}" if run["system"] == "bplab" else "")
    if "error" in run:
        return f"| {title} | skipped: {run['error']} | | | | |"
    ratio = run["median"] / reference if reference else float("nan")
    return (f"| {title} | {run['median']:.3f} | {ratio:.2f} | {run['median'] / bound:.2f} | "
            f"{run['accuracy']:.3f} | {run['peak_mb']:.0f} |")


def _find(runs, mode, system, dtype="float64"):
    for run in runs:
        if run["mode"] == mode and run["system"] == system and run["dtype"] == dtype and "error" not in run:
            return run
    return None


def markdown(results):
    """Return the results as Markdown: settings, machine, one table per mode, targets."""
    bounds, runs, machine = results["bounds"], results["runs"], results["machine"]
    settings = results["settings"]
    lines = [
        f"Samples: {settings['samples']}, timed epochs per system and mode: {settings['epochs']} "
        "(median shown), alpha = 0.5, 784-100-10 sigmoid, quadratic cost, biases.",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; Python {machine['python']}; "
        + ", ".join(f"{name} {version}" for name, version in machine["versions"].items()) + ".",
        "OpenBLAS variables: " + ", ".join(f"{k}={v}" for k, v in machine["openblas_env"].items()) + ".",
        "Load average (1, 5, 15 min) at the start and end: " + "; ".join(
            ", ".join(f"{value:.1f}" for value in sample) for sample in results.get("load_average", [])) + ".",
        "BLAS libraries (threadpoolctl): " + "; ".join(
            f"{info.get('prefix')} {info.get('version')} {info.get('architecture')} kernel, "
            f"{info.get('num_threads')} threads" for info in bounds["blas"]) + ".",
        "",
        "Lower bounds (float64 / float32): GEMM rate "
        f"{bounds['float64']['gemm_gflops']:.0f} / {bounds['float32']['gemm_gflops']:.0f} GFLOP/s, "
        f"single-core copy bandwidth {bounds['float64']['copy_gbytes']:.0f} / "
        f"{bounds['float32']['copy_gbytes']:.0f} GB/s; batch modes "
        f"{bounds['float64']['batch_bound']:.3f} / {bounds['float32']['batch_bound']:.3f} s, online "
        f"{bounds['float64']['online_bound']:.3f} / {bounds['float32']['online_bound']:.3f} s.",
        "",
        "| system | median epoch (s) | × bplab float64 | × lower bound | test accuracy | peak memory above imports (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for mode in settings["modes"]:
        reference = _find(runs, mode, "bplab")
        lines.append(f"| **{MODE_TITLES[mode]}** | | | | | |")
        for run in (r for r in runs if r["mode"] == mode):
            key = "online_bound" if mode == "online" else "batch_bound"
            lines.append(_row(run, reference and reference["median"], bounds[run["dtype"]][key]))
    lines += ["", *targets(results)]
    return "\n".join(lines) + "\n"


def targets(results):
    """Return the Markdown lines of the target table: per mode, whether bplab met each target."""
    bounds, runs = results["bounds"], results["runs"]
    lines = ["| mode | bplab float64 / bound (target) | float32 speed-up (target 1.4) | fastest other system | "
             f"float32 peak memory vs data + {MEMORY_MARGIN_MB} MB |",
             "| --- | --- | --- | --- | --- |"]
    for mode in results["settings"]["modes"]:
        run64 = _find(runs, mode, "bplab")
        run32 = _find(runs, mode, "bplab", "float32")
        if run64 is None:
            continue
        bound = bounds["float64"]["online_bound" if mode == "online" else "batch_bound"]
        ratio = run64["median"] / bound
        cells = [MODE_TITLES[mode],
                 f"{ratio:.2f} ({TARGET_RATIOS[mode]}) {'met' if ratio <= TARGET_RATIOS[mode] else 'missed'}"]
        if run32:
            speedup = run64["median"] / run32["median"]
            cells.append(f"{speedup:.2f} {'met' if speedup >= FLOAT32_SPEEDUP else 'missed'}")
        else:
            cells.append("not run")
        others = [r for r in runs if r["mode"] == mode and r["system"] != "bplab" and "error" not in r]
        if others:
            best = min(others, key=lambda r: r["median"])
            verdict = "bplab faster" if run64["median"] < best["median"] else "bplab slower"
            cells.append(f"{SYSTEM_TITLES[best['system']]} {best['median']:.3f} s: {verdict}")
        else:
            cells.append("none ran")
        if run32:
            limit = run32["data_mb"] + MEMORY_MARGIN_MB
            cells.append(f"{run32['peak_mb']:.0f} MB vs {limit:.0f} MB: "
                         f"{'met' if run32['peak_mb'] <= limit else 'missed'}")
        else:
            cells.append("not run")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def write_text(path, text):
    """Write ``text`` to ``path`` through a temporary file, so a failed write leaves no half file."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as stream:
        stream.write(text)
    os.replace(temporary, path)
