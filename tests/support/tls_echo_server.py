"""A tiny real HTTPS server on 127.0.0.1 for transport/TLS tests (stdlib ssl + http.server).

It optionally REQUIRES a client certificate signed by the CA it is given, counts completed
TLS handshakes, and serves a few paths:

- ``/echo`` (any method): 200, JSON ``{method, path, query, headers, body}``
- ``/status/<code>``: that status with a small JSON body
- ``/form``: 200, JSON of the urlencoded form; ``/text``: 200, a non-JSON body
- ``/slow/<seconds>``: answers after a delay (read timeouts)
- ``/reset-before-headers``: reads the request, then resets the TCP connection
- ``/reset-mid-body``: sends headers and part of the body, then resets

Used until the shared Lean sandbox (lean_connector.testing.sandbox._sandbox) is available; it is
also simpler when a test needs an arbitrary server/client CA combination.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import struct
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lean_connector.testing.certs import IssuedCert


def _load_server_identity(context: ssl.SSLContext, cert: IssuedCert) -> None:
    # From memory, like the client side: the test suite leaves no key file on disk.
    fd = os.memfd_create("tls-echo-server", os.MFD_CLOEXEC)
    try:
        os.write(fd, cert.cert_pem + cert.key_pem)
        context.load_cert_chain(f"/proc/self/fd/{fd}")
    finally:
        os.close(fd)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without this every keep-alive response waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    server: _TLSServer

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("lean-correlation-id", "corr-123")
        self.end_headers()
        self.wfile.write(body)

    def _reset(self) -> None:
        # SO_LINGER 0 then close: the kernel sends RST instead of FIN.
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _handle(self) -> None:
        body = self._body()
        url = urllib.parse.urlsplit(self.path)
        self.server.requests += 1
        if url.path == "/echo":
            payload = {
                "method": self.command,
                "path": url.path,
                "query": dict(urllib.parse.parse_qsl(url.query)),
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self._send(200, json.dumps(payload).encode())
        elif url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self._send(code, json.dumps({"status": "TEST_STATUS", "message": "test"}).encode())
        elif url.path == "/form":
            form = dict(urllib.parse.parse_qsl(body.decode()))
            self._send(200, json.dumps({"form": form}).encode())
        elif url.path == "/text":
            self._send(200, b"plain text, not JSON", "text/plain")
        elif url.path.startswith("/slow/"):
            time.sleep(float(url.path.rsplit("/", 1)[1]))
            self._send(200, b"{}")
        elif url.path == "/reset-before-headers":
            self._reset()
        elif url.path == "/reset-mid-body":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial": "')
            self._reset()
        else:
            self._send(404, b'{"status": "UNKNOWN_ENTITY"}')

    do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815 (http.server names)


def _close_gracefully(tls: ssl.SSLSocket) -> None:
    # After a failed handshake OpenSSL has queued its alert. Closing with the client's
    # request still unread would send a RST that can destroy that alert in flight, so
    # half-close and drain first: the client then reliably reads why it was refused.
    try:
        tls.settimeout(1.0)
        tls.shutdown(socket.SHUT_WR)
        while tls.recv(4096):
            pass
    except OSError:
        pass
    finally:
        tls.close()


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    context: ssl.SSLContext
    handshakes: int
    failed_handshakes: int
    requests: int

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Handshake in the worker thread so a slow or failing client cannot stall accept().
        tls = self.context.wrap_socket(request, server_side=True, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError):
            self.failed_handshakes += 1
            _close_gracefully(tls)
            return
        self.handshakes += 1
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except OSError:
            pass
        finally:
            tls.close()


class TLSEchoServer:
    """Start with ``with TLSEchoServer(...) as server:``; ``server.url`` is its base URL."""

    def __init__(
        self,
        *,
        server_cert: IssuedCert,
        client_ca_pem: bytes | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        _load_server_identity(context, server_cert)
        if client_ca_pem is not None:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=client_ca_pem.decode())
        self._server = _TLSServer((host, 0), _Handler)
        self._server.context = context
        self._server.handshakes = 0
        self._server.failed_handshakes = 0
        self._server.requests = 0
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def handshakes(self) -> int:
        """Completed TLS handshakes (server side)."""
        return self._server.handshakes

    @property
    def failed_handshakes(self) -> int:
        return self._server.failed_handshakes

    def __enter__(self) -> TLSEchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
