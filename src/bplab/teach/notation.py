"""The lecture's symbols, numbers, vectors and matrices written as plain text, Markdown or LaTeX.

A notation turns the parts of a worked step into one output format:

    symbols    a^l, z^l, delta^l, W^l, b^l, w_ji^l, alpha, dJ/dW^l, f'(z^l)
    values     numbers rounded to ``digits`` significant digits, column vectors, matrices
    layout     headings, paragraphs, chains of equations (lhs = rhs_1 = rhs_2 ...) and tables

Plain text uses Unicode symbols and MATLAB-style brackets, [1; 2] for a column and [1, 2; 3, 4]
for a matrix, as the lecture's pseudocode does. Markdown writes its math in LaTeX between $ signs,
which GitHub, Jupyter and pandoc display. LaTeX output is a complete document that needs only
amsmath. Nothing here depends on networks or training.
"""

import math

FORMATS = ("text", "markdown", "latex")


def get_notation(name, digits=4):
    """Return the notation for the format ``name`` ("text", "markdown" or "latex").

    Raises
    ------
    ValueError
        If ``name`` is not one of ``FORMATS`` or ``digits`` is not an integer from 1 to 17.
    """
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise ValueError(f"digits must be an integer from 1 to 17; got {digits!r}")
    classes = {"text": TextNotation, "markdown": MarkdownNotation, "latex": LatexNotation}
    if name not in classes:
        raise ValueError(f"unknown format {name!r}; expected one of: {', '.join(FORMATS)}")
    return classes[name](digits)


def round_significant(value, digits):
    """Return ``value`` rounded to ``digits`` significant digits, as the notations print it."""
    return float(f"{float(value):.{digits}g}")


class TextNotation:
    """Plain text with Unicode symbols, for terminals."""

    name = "text"
    alpha = "α"
    hadamard = "⊙"
    times = "·"
    minus = "-"

    def __init__(self, digits=4):
        self.digits = digits

    # -- Values -------------------------------------------------------------------------------

    def number(self, value):
        """Return ``value`` rounded to ``self.digits`` significant digits."""
        value = float(value)
        if not math.isfinite(value):
            return str(value)
        text = f"{value:.{self.digits}g}"
        return "0" if text in ("0", "-0") else text

    def vector(self, values):
        """Return a column vector."""
        return "[" + "; ".join(self.number(v) for v in values) + "]"

    def row(self, values):
        """Return a row vector."""
        return "[" + ", ".join(self.number(v) for v in values) + "]"

    def matrix(self, rows):
        """Return a matrix given as a list of rows."""
        return "[" + "; ".join(", ".join(self.number(v) for v in row) for row in rows) + "]"

    def signed(self, value):
        """Return a number wrapped in brackets when negative, for use after an operator."""
        text = self.number(value)
        return f"({text})" if text.startswith("-") else text

    # -- Symbols ------------------------------------------------------------------------------

    def sym(self, letter, layer=None, index=None):
        """Return a symbol such as a^2, z_1^2 or w_12^1 (``index`` is an int or a pair)."""
        letter = {"delta": "δ"}.get(letter, letter)
        if index is not None:
            letter += "_" + (f"{index[0]}{index[1]}" if isinstance(index, tuple) else str(index))
        if layer is None:
            return letter
        # A superscript such as l+1 needs brackets in plain text: a^(l+1), not a^l+1.
        return f"{letter}^({layer})" if any(op in str(layer) for op in "+-") else f"{letter}^{layer}"

    def transpose(self, symbol):
        """Return the transpose of ``symbol``."""
        return f"({symbol})ᵀ"

    def f_prime(self, argument):
        """Return f'(argument)."""
        return f"f'({argument})"

    def f(self, argument):
        """Return f(argument)."""
        return f"f({argument})"

    def partial(self, symbol):
        """Return dJ/d(symbol)."""
        return f"∂J/∂{symbol}"

    def sum(self, index, upper, body):
        """Return a sum over ``index`` = 1..``upper`` of ``body``."""
        return f"Σ_{index}=1..{upper} {body}"

    def half(self):
        """Return the factor one half."""
        return "1/2"

    def log(self, argument):
        """Return the natural logarithm of ``argument``."""
        return f"log({argument})"

    def exp(self, argument):
        """Return e to the power ``argument``."""
        return f"exp({argument})"

    def fraction(self, top, bottom):
        """Return top / bottom."""
        return f"{top} / ({bottom})"

    def leftarrow(self):
        """Return the assignment arrow of the update rule."""
        return "←"

    def inline(self, math_text):
        """Return math to be placed inside a sentence."""
        return math_text

    # -- Layout -------------------------------------------------------------------------------

    def heading(self, text, level=2):
        """Return a heading."""
        underline = "=" if level == 1 else "-"
        return f"{text}\n{underline * len(text)}"

    def paragraph(self, text):
        """Return a paragraph of prose."""
        return text

    def equations(self, chains):
        """Return equation chains, each a list [lhs, rhs_1, rhs_2, ...] joined by '='."""
        return "\n".join("  " + " = ".join(chain) for chain in chains)

    def items(self, entries):
        """Return a numbered list of prose entries."""
        return "\n".join(f"{k}. {entry}" for k, entry in enumerate(entries, start=1))

    def table(self, header, rows):
        """Return a table with aligned columns; header cells are math."""
        cells = [list(header)] + [list(row) for row in rows]
        widths = [max(len(row[k]) for row in cells) for k in range(len(header))]
        lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths)) for row in cells]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(lines)

    def document(self, title, blocks):
        """Join a title and blocks into one document."""
        return "\n\n".join([self.heading(title, level=1)] + list(blocks)) + "\n"


class LatexNotation(TextNotation):
    """A complete LaTeX document using amsmath."""

    name = "latex"
    alpha = r"\alpha"
    hadamard = r"\odot"
    times = r"\cdot"
    minus = "-"

    def number(self, value):
        """Return ``value`` rounded, with exponents written as \\times 10^{k}."""
        text = super().number(value)
        if "e" in text and math.isfinite(float(value)):
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \times 10^{{{int(exponent)}}}"
        return text

    def vector(self, values):
        return r"\begin{bmatrix}" + r" \\ ".join(self.number(v) for v in values) + r"\end{bmatrix}"

    def row(self, values):
        return r"\begin{bmatrix}" + " & ".join(self.number(v) for v in values) + r"\end{bmatrix}"

    def matrix(self, rows):
        body = r" \\ ".join(" & ".join(self.number(v) for v in row) for row in rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"

    def sym(self, letter, layer=None, index=None):
        letter = {"delta": r"\delta"}.get(letter, letter)
        if index is not None:
            letter += "_{" + (f"{index[0]}{index[1]}" if isinstance(index, tuple) else str(index)) + "}"
        return letter if layer is None else f"{letter}^{{{layer}}}"

    def transpose(self, symbol):
        return rf"({symbol})^{{\mathsf{{T}}}}"

    def partial(self, symbol):
        return rf"\frac{{\partial J}}{{\partial {symbol}}}"

    def sum(self, index, upper, body):
        return rf"\sum_{{{index}=1}}^{{{upper}}} {body}"

    def half(self):
        return r"\frac{1}{2}"

    def log(self, argument):
        return rf"\log\left({argument}\right)"

    def exp(self, argument):
        return rf"e^{{{argument}}}"

    def fraction(self, top, bottom):
        return rf"\frac{{{top}}}{{{bottom}}}"

    def leftarrow(self):
        return r"\leftarrow"

    def inline(self, math_text):
        return f"${math_text}$"

    def heading(self, text, level=2):
        command = {1: "section*", 2: "subsection*"}.get(level, "paragraph")
        return rf"\{command}{{{_escape_latex(text)}}}"

    def paragraph(self, text):
        return text

    def equations(self, chains):
        lines = [chain[0] + " &= " + " = ".join(chain[1:]) for chain in chains]
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def items(self, entries):
        body = "\n".join(rf"  \item {entry}" for entry in entries)
        return "\\begin{enumerate}\n" + body + "\n\\end{enumerate}"

    def table(self, header, rows):
        columns = "r" * len(header)
        lines = [rf"\begin{{tabular}}{{{columns}}}", r"\hline"]
        lines.append(" & ".join(_math_cells(header)) + r" \\ \hline")
        lines += [" & ".join(_math_cells(row)) + r" \\" for row in rows]
        lines += [r"\hline", r"\end{tabular}"]
        return "\\begin{center}\n" + "\n".join(lines) + "\n\\end{center}"

    def document(self, title, blocks):
        preamble = [
            r"\documentclass{article}",
            r"\usepackage{amsmath}",
            r"\usepackage[margin=2cm]{geometry}",
            r"\setcounter{MaxMatrixCols}{20}",
            r"\begin{document}",
            rf"\section*{{{_escape_latex(title)}}}",
        ]
        return "\n".join(preamble) + "\n\n" + "\n\n".join(blocks) + "\n\n\\end{document}\n"


class MarkdownNotation(LatexNotation):
    """Markdown prose with LaTeX math between $ signs and pipe tables."""

    name = "markdown"
    items = TextNotation.items

    def heading(self, text, level=2):
        return "#" * level + " " + text

    def equations(self, chains):
        lines = [chain[0] + " &= " + " = ".join(chain[1:]) for chain in chains]
        return "$$\n\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}\n$$"

    def table(self, header, rows):
        lines = ["| " + " | ".join(_math_cells(header)) + " |"]
        lines.append("|" + "|".join("---:" for _ in header) + "|")
        lines += ["| " + " | ".join(_math_cells(row)) + " |" for row in rows]
        return "\n".join(lines)

    def document(self, title, blocks):
        return "\n\n".join([self.heading(title, level=1)] + list(blocks)) + "\n"


def _math_cells(cells):
    """Wrap each non-empty table cell in $ signs; an empty cell stays empty."""
    return [f"${cell}$" if cell else "" for cell in cells]


def _escape_latex(text):
    """Escape the characters that LaTeX treats specially in running text."""
    for char in "&%$#_{}":
        text = text.replace(char, "\\" + char)
    return text
