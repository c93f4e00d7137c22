"""Worked BP steps written out for reading: the notation and the step-by-step writer.

``bplab.trace`` computes one online BP step and ``bplab.exercise`` builds hand-calculation
exercises; both print through :mod:`bplab.teach.notation` (plain text, Markdown or LaTeX) and
:mod:`bplab.teach.steps` (the lecture's steps in order). Nothing here computes BP itself.
"""
