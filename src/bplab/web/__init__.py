"""The ``bplab serve`` web page: draw a digit, watch BP train, step through one BP step.

The server is a FastAPI application (``create_app``) served by uvicorn. The page is static
HTML, CSS and JavaScript in ``static/``, with no build step and nothing loaded from other sites.
Both need the ``web`` extra: ``pip install 'bplab[web]'``.
"""

from bplab.web.app import create_app

__all__ = ["create_app"]
