"""Figure creation and atomic PNG saving, with no pyplot and no display.

Figures are built from ``matplotlib.figure.Figure`` with an Agg canvas attached, so the
plotting code works under any ``MPLBACKEND``, never opens a window, and leaves pyplot's
global figure list alone (nothing needs closing, and threads do not share state).
"""

import os
from pathlib import Path
import uuid

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100


def new_figure(width=8.0, height=6.0):
    """Return a new Figure of width x height inches at ``DPI``, drawn by Agg."""
    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def check_png_path(path):
    """Return path as a Path after checking that it names a .png file in an existing folder.

    Raises
    ------
    ValueError
        If the name does not end in ``.png``.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"plot file must end in .png, got {str(path)!r}")
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"folder {str(path.parent)!r} for plot {path.name!r} does not exist; create it first"
        )
    return path


def save_figure(figure, path):
    """Write figure to path as PNG through a temporary file in the same folder.

    Raises as ``check_png_path`` does.
    """
    path = check_png_path(path)
    folder = path.parent
    # A unique hidden name in the same folder, so os.replace is atomic and the file gets the
    # usual umask permissions (mkstemp would make it owner-only).
    temporary = folder / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temporary, "xb") as stream:
            figure.savefig(stream, format="png", dpi=DPI)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    finally:
        figure.clear()
    return path
