"""Run the emulator as a real uvicorn server on a loopback port, in a daemon thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import uvicorn

__all__ = ["ServerHandle", "run_in_thread"]

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


def run_in_thread(
    app: Any, host: str = "127.0.0.1", port: int = 0, base_name: str | None = None
) -> ServerHandle:
    """Start uvicorn serving ``app``; ``port=0`` picks a free port. Returns once it listens."""
    name = base_name or getattr(app, "base_name", None)
    if not name:
        raise ValueError("pass base_name= (the publication name) for an app not made by create_app")
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
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
