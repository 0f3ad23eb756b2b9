"""The real-socket emulator answers without Nagle's delay (``TCP_NODELAY`` on its connections).

Without it every answer uvicorn writes in two pieces (headers, then a small body) waited
for the client's delayed ACK, ~40 ms per request on Linux loopback, and distorted every
benchmark of small answers (``Ref_Key eq … or …`` chains). Asserted on the socket option,
not on timings.
"""

from __future__ import annotations

import socket

import httpx2

from onec_bridge.emulator import (
    ITEMS_SET,
    EmulatorBase,
    EmulatorSettings,
    create_app,
    generate_demo_base,
    run_in_thread,
)
from onec_bridge.emulator.server import listening_socket
from tests.emulator.emulator_helpers import basic_auth


def _nodelay(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_listening_socket_is_tcp_with_nodelay() -> None:
    with listening_socket() as listener:
        assert listener.proto == socket.IPPROTO_TCP  # asyncio sets NODELAY only for TCP
        assert _nodelay(listener)
        listener.listen()
        with socket.create_connection(listener.getsockname()[:2]) as _client:
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.proto == socket.IPPROTO_TCP
                assert _nodelay(accepted)


def test_served_connections_have_nodelay() -> None:
    base = EmulatorBase.open(None)
    generate_demo_base(base, items=5, seed=1)
    handle = run_in_thread(create_app(base, EmulatorSettings(base_name="demo")))
    try:
        with httpx2.Client(headers={"Authorization": basic_auth()}) as http:
            answer = http.get(f"{handle.odata_url}/{ITEMS_SET}?$format=json&$top=2")
            assert answer.status_code == 200
            # the keep-alive connection is still open on the server side
            connections = list(handle._server.server_state.connections)
            assert connections
            for protocol in connections:
                transport = protocol.transport
                assert transport is not None
                sock = transport.get_extra_info("socket")
                assert _nodelay(sock), "an accepted emulator connection has Nagle on"
    finally:
        handle.stop()
