"""Running the web app: uvicorn on the chosen interface, the address (with its token) printed once
the socket is bound, and a thread-run variant for tests and benchmarks."""

from __future__ import annotations

import errno
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperlab.errors import PaperlabError
from paperlab.web import safety


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PaperlabError(f"port {port} on {host} is in use; pick another with --port (0: any free one)") from exc
        raise PaperlabError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                            "check --host and --port") from exc
    sock.listen(128)
    return sock


def address(host: str, port: int, token: str | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def _server(home: Path, host: str, token: str | None) -> Any:
    import uvicorn

    from paperlab.web.app import create_app

    app = create_app(home, host, token)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    return uvicorn.Server(config)


def serve(home: Path, host: str, port: int, open_browser: bool, say: Callable[[str], None]) -> None:
    token = None if safety.is_loopback(host) else safety.new_token()
    server = _server(home, host, token)
    sock = _bind(host, port)
    url = address(host, sock.getsockname()[1], token)
    say(f"paperlab is serving {home} at {url}")
    if token:
        say("Anyone with this address (and its token) can read and change the library; stop with Ctrl-C.")
    else:
        say("Only this machine can reach it. Stop with Ctrl-C.")
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


class Background:
    """The app served from a thread on a free port (tests, benchmarks): `with Background(home) as url`."""

    def __init__(self, home: Path, host: str = "127.0.0.1", token: str | None = None) -> None:
        self.server = _server(home, host, token)
        self.sock = _bind(host, 0)
        self.url = address(host, self.sock.getsockname()[1], None)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()
