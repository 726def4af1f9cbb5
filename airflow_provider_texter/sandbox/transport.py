"""HTTP/1.1 on loopback, tuned for load: keep-alive, one ``sendall`` per response, TCP_NODELAY.

Writing the status line, headers and body in separate sends stalls each keep-alive response ~40 ms on
Linux (Nagle's algorithm meets delayed ACK), so a response is built whole and written once.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import cast

CLOSE_TIMEOUT_SECONDS = 2.0


@dataclass(frozen=True)
class Incoming:
    """A request as read from the wire: ``target`` is the raw path with its query string."""

    method: str
    target: str
    authorization: str
    body: bytes


@dataclass(frozen=True)
class Outgoing:
    """A response to write; ``Content-Type`` (JSON unless told) and ``Content-Length`` go out with it.

    ``cut_after``: send only that many bytes of the body, then close the connection (a cut answer).
    """

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str = "application/json"
    cut_after: int | None = None


Responder = Callable[[Incoming], Outgoing | None]  # None: reset the connection instead of answering


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def serve(self) -> None:
        """Read the body, ask the responder, answer or reset; every method the sandbox knows comes here."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True  # the unread chunks would be taken for the next request
            self._send(Outgoing(411, b'{"message":"Content-Length is required"}'))
            return
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self.close_connection = True
            self._send(Outgoing(400, b'{"message":"invalid Content-Length"}'))
            return
        body = self.rfile.read(int(length)) if int(length) else b""
        incoming = Incoming(self.command, self.path, self.headers.get("Authorization", ""), body)
        outgoing = self.server.responder(incoming)
        if outgoing is None:
            self._reset()
        else:
            self._send(outgoing)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = serve

    def _send(self, outgoing: Outgoing) -> None:
        reason = self.responses.get(outgoing.status, ("",))[0]
        lines = [
            f"HTTP/1.1 {outgoing.status} {reason}",
            f"Content-Type: {outgoing.content_type}",
            f"Content-Length: {len(outgoing.body)}",
            *(f"{name}: {value}" for name, value in outgoing.headers),
        ]
        if self.close_connection:
            lines.append("Connection: close")
        body = outgoing.body
        if outgoing.cut_after is not None:
            body = body[: outgoing.cut_after]
            self.close_connection = True
        self.wfile.write("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body)

    def _reset(self) -> None:
        """Drop the connection with a TCP RST: linger 0, then close, so the client gets no answer at all."""
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the socket closes for real only once its file objects are closed
        self.connection.close()

    def log_message(self, *args) -> None:
        """Silent: per-request lines on stderr would flood test output and slow benchmarks."""


class SandboxHTTPServer(ThreadingHTTPServer):
    """One daemon thread per connection; ``close`` also cuts idle keep-alive connections."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 1024

    def __init__(self, address: tuple[str, int], responder: Responder):
        self.responder = responder
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the host, which can take seconds offline."""
        TCPServer.server_bind(self)
        host, port = cast(tuple[str, int], self.server_address[:2])
        self.server_name, self.server_port = host, port

    # A TCP server's requests are sockets; the supertypes also allow the (data, socket) pairs of UDP.
    def process_request(self, request: socket.socket, client_address) -> None:  # type: ignore[override]
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.pop(request, None)
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        """Stay quiet when a client went away mid-answer (timeouts, resets); report anything else."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def close(self) -> None:
        """Stop accepting, close the listening socket, end open connections and wait for their threads."""
        self.shutdown()
        self.server_close()
        with self._connections_lock:
            connections = dict(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its own thread
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + CLOSE_TIMEOUT_SECONDS
        for thread in connections.values():
            thread.join(max(0.0, deadline - time.monotonic()))
