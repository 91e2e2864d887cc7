"""A small HTTPS reverse proxy for tests: a stand-in for the gateway in front of Lean.

It terminates TLS toward the client with a certificate issued by the sandbox's test CA (so a
connector given the sandbox's ``mtls.ca_chain`` trusts it), forwards each request over a new
TLS connection to the upstream (the sandbox's ``api_url``), and answers like a real gateway
when the upstream fails after the request was forwarded:

- the upstream drops the connection (reset, EOF) before a complete answer: ``502 Bad
  Gateway`` with an HTML body, or, with ``on_upstream_drop="reset"``, a reset of the
  client's connection too (a layer-4 balancer passes the RST on);
- no answer within ``upstream_timeout_s``: ``504 Gateway Timeout``;
- the upstream cannot be reached: ``502``.

Only what tests need: HTTP/1.1 with Content-Length bodies, keep-alive toward the client,
one upstream connection per request. ``counters`` says what it did.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import socketserver
import ssl
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

from lean_connector.testing.certs import CertBundle, IssuedCert, issue_cert

__all__ = ["GatewayProxy"]

# Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each side.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_PAGES = {
    502: b"<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>",
    504: b"<html><head><title>504 Gateway Time-out</title></head><body>504 Gateway Time-out"
    b"</body></html>",
}
_UPSTREAM_DROPPED = (
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
    ssl.SSLEOFError,
    http.client.RemoteDisconnected,
    http.client.IncompleteRead,
)

OnUpstreamDrop = Literal["502", "reset"]


def _server_context(identity: IssuedCert, chain_pem: bytes) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # From memory: the test suite leaves no key file on disk.
    descriptor = os.memfd_create("gateway-proxy", os.MFD_CLOEXEC)
    try:
        os.write(descriptor, identity.cert_pem + chain_pem + identity.key_pem)
        context.load_cert_chain(f"/proc/self/fd/{descriptor}")
    finally:
        os.close(descriptor)
    return context


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each keep-alive answer waits for a delayed ACK
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_PATCH(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        proxy = self.server.proxy
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPSConnection(
            proxy.upstream_host,
            proxy.upstream_port,
            timeout=proxy.upstream_timeout_s,
            context=proxy.upstream_context,
        )
        try:
            try:
                upstream.connect()
            except OSError:
                self._gateway_error(502, "unreachable")
                return
            proxy.record("forwarded")
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
            except TimeoutError:
                self._gateway_error(504, "timeout")
                return
            except _UPSTREAM_DROPPED:
                if proxy.on_upstream_drop == "reset":
                    proxy.record("reset")
                    self._reset()
                else:
                    self._gateway_error(502, "dropped")
                return
        finally:
            upstream.close()
        proxy.record("answered")
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP and name.lower() not in ("date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _gateway_error(self, status: int, what: str) -> None:
        self.server.proxy.record(what)
        page = _PAGES[status]
        self.send_response_only(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def _reset(self) -> None:
        # SO_LINGER 0 then close: RST instead of FIN, no TLS close_notify.
        self.close_connection = True
        connection = self.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        os.close(connection.detach())


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, proxy: GatewayProxy, context: ssl.SSLContext) -> None:
        self.proxy = proxy
        self.ssl_context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        raw, address = self.socket.accept()
        wrapped = self.ssl_context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False)
        return wrapped, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            request.settimeout(10)
            request.do_handshake()
            request.settimeout(None)
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                request.close()
            return
        super().process_request_thread(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients dropping connections is what these tests do


class GatewayProxy:
    """``with GatewayProxy(upstream_url, bundle) as proxy:`` then point a client at ``proxy.url``.

    ``bundle`` is the upstream sandbox's :class:`CertBundle`: the proxy's own certificate is
    issued by its intermediate, and the upstream is verified against its root.
    """

    def __init__(
        self,
        upstream_url: str,
        bundle: CertBundle,
        *,
        upstream_timeout_s: float = 30.0,
        on_upstream_drop: OnUpstreamDrop = "502",
    ) -> None:
        parts = urlsplit(upstream_url)
        if parts.scheme != "https" or parts.hostname is None or parts.port is None:
            raise ValueError(f"upstream_url must be https://host:port, got {upstream_url!r}")
        self.upstream_host, self.upstream_port = parts.hostname, parts.port
        self.upstream_timeout_s = upstream_timeout_s
        self.on_upstream_drop: OnUpstreamDrop = on_upstream_drop
        self.upstream_context = ssl.create_default_context(
            cadata=bundle.root.cert_pem.decode("ascii")
        )
        identity = issue_cert(
            bundle.intermediate, "gateway-proxy", server_names=("127.0.0.1", "localhost")
        )
        self._server = _ProxyServer(self, _server_context(identity, bundle.intermediate.cert_pem))
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._counters: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_port}"

    @property
    def counters(self) -> Counter[str]:
        """What happened to requests: forwarded, answered, dropped (502), timeout (504),
        unreachable (502), reset (passed on to the client)."""
        with self._lock:
            return Counter(self._counters)

    def record(self, what: str) -> None:
        with self._lock:
            self._counters[what] += 1

    def reset_counters(self) -> None:
        with self._lock:
            self._counters.clear()

    def __enter__(self) -> GatewayProxy:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="gateway-proxy",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
