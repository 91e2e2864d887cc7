"""The sandbox's HTTPS listeners: TLS handshakes counted per connection, HTTP/1.1 keep-alive.

Each accepted socket is wrapped without handshaking, and the handshake runs in the
connection's own worker thread, so a slow or hostile client cannot stall ``accept`` and every
completed or failed handshake is counted. Responses carry ``Content-Length`` so keep-alive
works, and Nagle is off so a response is not held back waiting for a delayed ACK.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import ssl
import struct
import tempfile
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from lean_connector.testing.sandbox._counters import Counters
from lean_connector.testing.sandbox._http import ApiRequest, Reply, lean_error
from lean_connector.testing.sandbox._router import SandboxApi

__all__ = ["SandboxHTTPServer", "server_ssl_context"]

HANDSHAKE_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 120.0  # keep-alive connections idle longer than this are closed
MAX_BODY_BYTES = 1_000_000
_STATUS_CODES = {
    400: "INVALID_PARAMETERS",
    408: "REQUEST_TIMEOUT",
    411: "LENGTH_REQUIRED",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    431: "HEADERS_TOO_LARGE",
    501: "NOT_IMPLEMENTED",
    505: "HTTP_VERSION_NOT_SUPPORTED",
}


def _load_identity(context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    # From memory where the OS allows (memfd), else a 0600 file in a 0700 temp dir unlinked
    # at once: even test keys are not left lying on disk.
    if hasattr(os, "memfd_create"):
        descriptor = os.memfd_create("lean-sandbox-server", os.MFD_CLOEXEC)
        try:
            os.write(descriptor, cert_pem + key_pem)
            context.load_cert_chain(f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)
        return
    with tempfile.TemporaryDirectory(prefix="lean-sandbox-") as directory:
        path = os.path.join(directory, "server.pem")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(cert_pem + key_pem)
        try:
            context.load_cert_chain(path)
        finally:
            os.unlink(path)


def server_ssl_context(
    cert_pem: bytes, key_pem: bytes, *, client_ca_pem: bytes | None
) -> ssl.SSLContext:
    """TLS >= 1.2; with ``client_ca_pem`` a client certificate chaining to it is REQUIRED."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load_identity(context, cert_pem, key_pem)
    if client_ca_pem is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=client_ca_pem.decode("ascii"))
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lean-connector-sandbox"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = IDLE_TIMEOUT_S
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the CLI read stdout; the counters say what happened."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests still get a Lean-shaped JSON body, never stdlib's HTML page."""
        self.close_connection = True
        self._send(lean_error(code, _STATUS_CODES.get(code, "INVALID_PARAMETERS"), message or ""))

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            self.send_error(411, "Send a Content-Length; chunked request bodies are not accepted")
            return
        length_text = self.headers.get("content-length", "0")
        if not length_text.isdigit() or int(length_text) > MAX_BODY_BYTES:
            self.send_error(400 if not length_text.isdigit() else 413, "Bad Content-Length")
            return
        body = self.rfile.read(int(length_text))
        url = urlsplit(self.path)
        request = ApiRequest(
            listener=self.server.listener_name,
            method=self.command,
            path=url.path,
            query=url.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        counters = self.server.counters
        counters.request_started()
        try:
            reply = self.server.api.handle(request)
        finally:
            counters.request_finished()
        if reply.reset:
            self._reset_connection()
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.stream_bytes:
            self._send_streamed(reply)
            return
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("lean-correlation-id", str(uuid.uuid4()))
        self.send_header("lean-trace-id", str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def _send_streamed(self, reply: Reply) -> None:
        """``{"pad": "xxx..."}`` of exactly ``reply.stream_bytes`` bytes, 64 KiB at a time."""
        head, tail = b'{"pad": "', b'"}'
        filler = reply.stream_bytes - len(head) - len(tail)
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        if reply.declare_length:
            self.send_header("Content-Length", str(reply.stream_bytes))
        else:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        chunk = b"x" * 65536
        try:
            self.wfile.write(head)
            while filler > 0:
                self.wfile.write(chunk[: min(filler, len(chunk))])
                filler -= len(chunk)
            self.wfile.write(tail)
        except OSError:  # the client stopped reading and closed: what a size limit does
            self.close_connection = True

    def _reset_connection(self) -> None:
        # SO_LINGER 0 makes close() send RST instead of FIN: the client sees "connection reset
        # by peer" after sending its request, with no response and no TLS close_notify.
        self.close_connection = True
        connection = self.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.server.forget(connection)
        os.close(connection.detach())


class SandboxHTTPServer(ThreadingHTTPServer):
    """One HTTPS listener (``listener_name`` "mtls" or "api") in front of a :class:`SandboxApi`."""

    daemon_threads = True
    allow_reuse_address = False
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        *,
        listener_name: str,
        ssl_context: ssl.SSLContext,
        api: SandboxApi,
        counters: Counters,
    ) -> None:
        self.listener_name = listener_name
        self.ssl_context = ssl_context
        self.api = api
        self.counters = counters
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = self.socket.accept()
        return self.ssl_context.wrap_socket(
            raw, server_side=True, do_handshake_on_connect=False
        ), address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        """Handshake in the worker thread, count it, then serve HTTP on the connection."""
        with self._open_lock:
            self._open.add(request)
        try:
            try:
                request.settimeout(HANDSHAKE_TIMEOUT_S)
                request.do_handshake()
            except (OSError, ValueError):
                self.counters.record_handshake(self.listener_name, ok=False)
                self._close_refused(request)
                return
            self.counters.record_handshake(self.listener_name, ok=True)
            super().process_request_thread(request, client_address)
        finally:
            self.forget(request)

    @staticmethod
    def _close_refused(connection: socket.socket) -> None:
        # With TLS 1.3 the client has already sent its request when we refuse its certificate.
        # Closing with that request unread would send RST, which can destroy our alert before
        # the client reads it; FIN, then draining until the client closes, lets it see
        # "certificate required" / "unknown ca" instead of a bare EOF.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(connection, socket.SHUT_WR)
            connection.settimeout(2.0)
            while socket.socket.recv(connection, 65536):
                pass
        connection.close()

    def forget(self, connection: socket.socket) -> None:
        """Stop tracking a connection (it is closed or about to be)."""
        with self._open_lock:
            self._open.discard(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients dropping connections mid-request are normal in fault tests: stay quiet."""

    def close_open_connections(self) -> None:
        """Wake every keep-alive worker so ``stop()`` does not leave threads serving."""
        with self._open_lock:
            connections = list(self._open)
            self._open.clear()
        for connection in connections:
            # The plain-socket shutdown: SSLSocket.shutdown would tear down TLS state under
            # the worker thread that is reading from it.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(connection, socket.SHUT_RDWR)
