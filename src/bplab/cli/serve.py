"""``bplab serve``: the browser page to draw digits, watch BP learn and step through BP.

The web server needs the ``web`` extra (FastAPI and uvicorn). They are imported only when the
command runs, so the other subcommands work without them.
"""

import ipaddress
import logging
import socket
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def add_parser(subparsers):
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="start a local web page to draw digits, train and step through BP",
        description=(
            "Start a web server with three views: Draw (a digit drawn with the mouse, the "
            "28 x 28 input a^1, the hidden activations and the output probabilities), Train "
            "(BP on the bundled digits with live J, accuracy, W^1 and mean |delta^l|) and Step "
            "(one online BP step on a small network with z, a, delta and dJ/dw on its graph). "
            "Without --model, a digit network is trained on the bundled digits at start-up."
        ),
    )
    parser.add_argument("--model", metavar="FILE.npz",
                        help="model file for the draw view (784 inputs), as written by "
                             "'bplab train --save' (default: train one at start-up)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}, this machine only)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"TCP port, 0 for any free port (default {DEFAULT_PORT})")
    parser.set_defaults(func=run)
    return parser


def run(args):
    """Load or train the draw network, then serve the page until Ctrl-C."""
    try:
        import uvicorn

        from bplab.web import create_app
        from bplab.web.models import load_draw_model, train_startup_model
    except ModuleNotFoundError as error:
        raise RuntimeError(
            f"bplab serve needs the web extra ({error.name} is not installed); "
            "install it with: pip install 'bplab[web]'"
        ) from None

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.model:
        draw_model = load_draw_model(args.model)
    else:
        print("training the draw network on the bundled digits ...", flush=True)
        draw_model = train_startup_model()
    print(f"draw network: {draw_model.source}", flush=True)

    listener = _listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if not _is_loopback(args.host):
        print(f"warning: listening on {args.host}, so every machine that reaches it can use this "
              "server, which has no authentication", file=sys.stderr)
    print(f"bplab serve: http://{shown}:{port}/ (press Ctrl-C to stop)", flush=True)

    config = uvicorn.Config(create_app(draw_model), log_level="info", access_log=False)
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        # uvicorn shuts down cleanly on Ctrl-C and then raises it again, which is a normal stop.
        pass
    print("bplab serve: stopped", flush=True)
    return 0


def _listen(host, port):
    """Bind a listening TCP socket, so that port 0 resolves before the address is printed."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError as error:
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _is_loopback(host):
    """Tell whether ``host`` names a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _port(text):
    """Parse a TCP port 0..65535 (argparse type)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535; got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0..65535; got {text!r}")
    return value
