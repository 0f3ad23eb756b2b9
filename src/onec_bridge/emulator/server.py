"""Run the emulator as a real uvicorn server on a loopback port, in a daemon thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn

__all__ = ["ServerHandle", "listening_socket", "run_in_thread"]

_START_TIMEOUT_S = 10.0


@dataclass
class ServerHandle:
    """A running server; ``url`` is the publication root, e.g. ``http://127.0.0.1:PORT/demo``."""

    url: str
    host: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def odata_url(self) -> str:
        return f"{self.url}/odata/standard.odata"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT_S)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def listening_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A bound TCP socket whose accepted connections send without Nagle's delay.

    asyncio sets ``TCP_NODELAY`` on an accepted connection only when the socket says it is
    TCP (``proto == IPPROTO_TCP``); a socket made as ``socket(AF_INET, SOCK_STREAM)`` has
    ``proto == 0``, its connections kept Nagle on, and every answer uvicorn writes in two
    pieces (headers, then a small body) waited for the client's delayed ACK: ~40 ms per
    request on Linux loopback. Made as TCP, with ``TCP_NODELAY`` on the listener too (Linux
    copies it to accepted connections), answers leave at once as from IIS or Apache.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0, base_name: str | None = None
) -> ServerHandle:
    """Start uvicorn serving ``app``; ``port=0`` picks a free port. Returns once it listens."""
    name = base_name or getattr(app, "base_name", None)
    if not name:
        raise ValueError("pass base_name= (the publication name) for an app not made by create_app")
    sock = listening_socket(host, port)
    actual_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"emulator-{actual_port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the emulator did not start on {host}:{actual_port}")
        time.sleep(0.01)
    url_host = f"[{host}]" if ":" in host else host
    return ServerHandle(
        f"http://{url_host}:{actual_port}/{name}", host, actual_port, server, thread
    )
