"""The pooled HTTPS transport to Lean: one requests Session carrying our SSLContext.

This is the only module that imports requests/urllib3. It sends one HTTP request and
returns the response whatever its status; retries, auth and Lean error bodies are other
modules' jobs. Network failures are translated here into the connector's error tree.

Trust is exactly the SSLContext from :mod:`lean_connector.transport._tls`. requests would otherwise
add its own CA bundle (certifi, or ``REQUESTS_CA_BUNDLE``) to that context on every new
connection and honour ``verify=False``; the adapter below ignores ``verify`` and ``cert``.
"""

from __future__ import annotations

import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from lean_connector._version import __version__
from lean_connector.errors import (
    ConnectError,
    ConnectionDroppedError,
    ConnectorError,
    LeanAPIError,
    ReadTimeoutError,
    TLSFailureReason,
    TLSVerificationError,
    TransportError,
    drop_request_payloads,
)
from lean_connector.logs import hold_noisy_loggers
from lean_connector.transport._types import HttpResponse

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs

__all__ = ["DEFAULT_MAX_RESPONSE_BYTES", "Transport"]

DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
_READ_CHUNK_BYTES = 64 * 1024

# OpenSSL reasons of alerts a server sends when it does not accept our client certificate.
_CLIENT_CERT_REFUSED = frozenset(
    {
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
        "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED",
        "SSLV3_ALERT_CERTIFICATE_REVOKED",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE",
        "TLSV1_ALERT_ACCESS_DENIED",
    }
)


class _HandshakeResetError(ConnectionResetError):
    """The peer cut the connection during our TLS handshake (TCP was already open)."""


class _FirstAnswerLostError(ConnectionResetError):
    """A new connection died before its first answer (maybe a post-handshake refusal)."""


_CUT = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, ssl.SSLEOFError)


def _pool_class(on_connect: Callable[[], None]) -> type[HTTPSConnectionPool]:
    """An HTTPS pool whose connections report each completed TCP + TLS connect."""

    class CountingHTTPSConnection(HTTPSConnection):
        answers = 0

        def connect(self) -> None:
            try:
                super().connect()
            except _CUT as exc:
                # TCP connected (refusals raise earlier), so the TLS handshake was cut:
                # typically a server that refuses our client certificate.
                raise _HandshakeResetError(str(exc)) from exc
            self.answers = 0
            on_connect()

        def getresponse(self) -> Any:
            try:
                response = super().getresponse()
            except _CUT as exc:
                # With TLS 1.3 a server checks our certificate AFTER the client considers
                # the handshake done, so a refusal can surface here as a bare reset/EOF.
                if self.answers == 0:
                    raise _FirstAnswerLostError(str(exc)) from exc
                raise
            self.answers += 1
            return response

    class CountingHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = CountingHTTPSConnection

    return CountingHTTPSConnectionPool


class _LeanAdapter(HTTPAdapter):
    """An HTTPAdapter whose every HTTPS pool uses our SSLContext and nothing else."""

    def __init__(
        self, *, ssl_context: ssl.SSLContext, pool_size: int, on_connect: Callable[[], None]
    ) -> None:
        # Set before super().__init__, which calls init_poolmanager.
        self._ssl_context = ssl_context
        self._pool_classes = {"http": HTTPConnectionPool, "https": _pool_class(on_connect)}
        super().__init__(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        pool_kwargs["ssl_context"] = self._ssl_context
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self._ssl_context
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = self._pool_classes
        return manager

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        # verify/cert are ignored on purpose: trust and the client certificate live in
        # the SSLContext, and verification cannot be turned off.
        host_params, _ = super().build_connection_pool_key_attributes(request, True, None)
        return host_params, {"cert_reqs": "CERT_REQUIRED", "ssl_context": self._ssl_context}

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # The stock version points the pool at certifi/REQUESTS_CA_BUNDLE, which urllib3
        # then loads INTO our context, silently widening trust beyond mtls.ca_chain.
        conn.cert_reqs = "CERT_REQUIRED"
        conn.ca_certs = None
        conn.ca_cert_dir = None
        conn.cert_file = None
        conn.key_file = None


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    # A session-level auth stops requests from reading ~/.netrc, whose Basic credentials
    # would overwrite our Authorization header.
    return request


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """exc and everything nested in it (args, urllib3 ``reason``, __cause__/__context__)."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        nested = [*current.args, getattr(current, "reason", None)]
        nested += [current.__cause__, current.__context__]
        stack.extend(e for e in nested if isinstance(e, BaseException))


def _host(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts.netloc.rpartition("@")[2] or url


def _path(url: str) -> str:
    return urllib.parse.urlsplit(url).path or "/"


def _tls_error(
    causes: list[BaseException], host: str, setting: str
) -> tuple[TLSFailureReason, str] | None:
    """(reason, message) of a TLS failure among ``causes``; reason as TLSVerificationError."""
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or cause.reason or "verification failed"
            return "server_untrusted", (
                f"the server certificate of {host} is not trusted ({detail}): it is "
                "verified against mtls.ca_chain, or the system trust store when mtls.ca_chain "
                "is not set; check that the CA chain belongs to this Lean environment and "
                f"that {setting} names the right host"
            )
    for cause in causes:
        if isinstance(cause, ssl.SSLError) and cause.reason in _CLIENT_CERT_REFUSED:
            return "client_certificate_refused", (
                f"{host} refused the client certificate (TLS alert {cause.reason}): check that "
                "mtls.certificate is signed by Lean for this environment and includes the "
                "chain, and that it matches mtls.private_key"
            )
    for cause in causes:
        if isinstance(cause, _HandshakeResetError):
            return "client_certificate_refused", (
                f"{host} reset the connection during the TLS handshake: a server that requires "
                "a client certificate does this when it refuses ours; check mtls.certificate "
                "is signed by Lean for this environment and includes the chain (or a proxy "
                "or firewall is cutting TLS connections)"
            )
    for cause in causes:
        # An EOF after the handshake is a dropped connection, not a TLS failure.
        if isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLEOFError):
            return "handshake_failed", (
                f"the TLS handshake with {host} failed ({cause.reason or cause}): check "
                f"{setting}, mtls.ca_chain and mtls.certificate for this environment"
            )
    return None


def _connect_reason(causes: list[BaseException], kinds: set[str]) -> str:
    if "NameResolutionError" in kinds:
        return "the host name does not resolve (DNS)"
    if "ProxyError" in kinds:
        return "the proxy (HTTPS_PROXY) refused or failed the connection"
    text = " ".join(str(c) for c in causes)
    if "ConnectionRefusedError" in kinds or "Connection refused" in text:
        return "connection refused (nothing listens on that port)"
    if "Network is unreachable" in text or "No route to host" in text:
        return "the network is unreachable"
    return "the connection could not be opened"


def _map_error(
    exc: requests.RequestException,
    method: str,
    url: str,
    connect_s: float,
    read_s: float,
    setting: str = "endpoints.api",
) -> ConnectorError:
    """Translate a requests/urllib3 failure into the connector's error tree."""
    host, what = _host(url), f"{method} {_path(url)}"
    causes = list(_causes(exc))
    kinds = {type(c).__name__ for c in causes}
    applied = "the request may have been applied by Lean"

    if isinstance(exc, requests.exceptions.ConnectTimeout) or "ConnectTimeoutError" in kinds:
        return ConnectError(
            f"could not connect to {host}: no connection within {connect_s:g} s; "
            f"check {setting} and the network path (VPC egress, proxy)",
            method=method,
            url=url,
        )
    tls = _tls_error(causes, host, setting)
    if tls is not None:
        reason, message = tls
        return TLSVerificationError(message, method=method, url=url, reason=reason)
    if isinstance(exc, requests.exceptions.ReadTimeout) or "ReadTimeoutError" in kinds:
        return ReadTimeoutError(
            f"{host} did not answer {what} within {read_s:g} s; {applied}",
            method=method,
            url=url,
        )
    if kinds & {"NewConnectionError", "NameResolutionError", "ConnectionRefusedError"} or (
        isinstance(exc, requests.exceptions.ProxyError)
    ):
        return ConnectError(
            f"could not connect to {host}: {_connect_reason(causes, kinds)}; check "
            f"{setting} and the network (DNS, VPC egress, HTTPS_PROXY)",
            method=method,
            url=url,
        )
    if isinstance(
        exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
    ):
        hint = ""
        if any(isinstance(c, _FirstAnswerLostError) for c in causes):
            hint = (
                " (it was the first request on a new TLS connection: if the host requires a "
                "client certificate it may have refused ours; check mtls.certificate)"
            )
        return ConnectionDroppedError(
            f"the connection to {host} was dropped during {what} before a complete answer; "
            f"{applied}{hint}",
            method=method,
            url=url,
        )
    return TransportError(
        f"{what} to {host} failed: {type(exc).__name__}; check the URL ({setting})",
        method=method,
        url=url,
    )


class Transport:
    """One pooled, keep-alive HTTPS session to Lean, using exactly ``ssl_context``.

    ``session.trust_env`` stays on so ``HTTPS_PROXY``/``NO_PROXY`` work; CA-bundle variables
    and ``~/.netrc`` have no effect. Redirects are not followed (an API answer is returned).
    A body is read in chunks and refused past ``max_response_bytes`` (decompressed), so an
    endless or huge answer never sits in memory whole.
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        connect_timeout_s: float,
        read_timeout_s: float,
        pool_size: int,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        # urllib3's debug output names every URL called; held before the first connection
        # even where the application logs at DEBUG.
        hold_noisy_loggers()
        self._connect_timeout_s = connect_timeout_s
        self._read_timeout_s = read_timeout_s
        self._max_response_bytes = max_response_bytes
        self._lock = threading.Lock()
        self._handshakes = 0
        self._session = requests.Session()
        self._session.auth = _no_auth
        self._session.headers["User-Agent"] = f"lean-connector/{__version__}"
        adapter = _LeanAdapter(
            ssl_context=ssl_context, pool_size=pool_size, on_connect=self._count_handshake
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)

    def _count_handshake(self) -> None:
        with self._lock:
            self._handshakes += 1

    @property
    def handshakes(self) -> int:
        """New TLS connections opened so far (keep-alive reuse does not count)."""
        return self._handshakes

    def _request(
        self,
        method: str,
        url: str,
        timeout_s: float | None,
        setting: str = "endpoints.api",
        **kwargs: Any,
    ) -> HttpResponse:
        read_s = self._read_timeout_s if timeout_s is None else timeout_s
        started = time.perf_counter()
        bad_header: str | None = None
        try:
            response = self._session.request(
                method,
                url,
                timeout=(self._connect_timeout_s, read_s),
                allow_redirects=False,
                stream=True,
                **kwargs,
            )
            content = self._read_body(response, method, url, setting)
        except requests.exceptions.InvalidHeader:
            bad_header = "a newline or leading space"
        except UnicodeEncodeError:
            # http.client encodes header values as latin-1; only they can fail this way here
            # (requests encodes the URL, params and body itself).
            bad_header = "a non-ASCII character"
        except requests.RequestException as exc:
            drop_request_payloads(exc)  # its .request holds our headers and body
            raise _map_error(exc, method, url, self._connect_timeout_s, read_s, setting) from exc
        if bad_header is not None:
            # Both originals hold the header VALUE (a token): raised out here, after the
            # except block, so neither __cause__ nor __context__ can carry it to a traceback.
            raise TransportError(
                f"a header of {method} {_path(url)} is invalid ({bad_header} in its value): "
                "check that auth.app_token, the OAuth token and any Idempotency-Key hold no "
                "stray whitespace or pasted characters (re-copy them from the Lean dashboard)",
                method=method,
                url=url,
            )
        return HttpResponse(
            status=response.status_code,
            headers=response.headers,
            body=content,
            elapsed_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _read_body(self, response: requests.Response, method: str, url: str, setting: str) -> bytes:
        """The body, read chunk by chunk up to the limit; past it, the connection is dropped."""
        limit = self._max_response_bytes
        declared = response.headers.get("Content-Length", "")
        too_large = declared.isdigit() and int(declared) > limit
        body = bytearray()
        if not too_large:
            for chunk in response.iter_content(_READ_CHUNK_BYTES):
                body += chunk
                if len(body) > limit:
                    too_large = True
                    break
        if not too_large:
            return bytes(body)
        response.close()  # the rest is never read; the connection is not reused
        shown = f"{int(declared)} bytes" if declared.isdigit() else "an undeclared length"
        raise LeanAPIError(
            http_status=response.status_code,
            lean_message=(
                f"the response body ({shown}) is larger than http.max_response_bytes "
                f"({limit} bytes), so it was not read"
            ),
            correlation_id=response.headers.get("lean-correlation-id"),
            trace_id=response.headers.get("lean-trace-id"),
            method=method,
            path=_path(url),
            retryable=False,
            hint=(
                f"raise http.max_response_bytes if {_host(url)} ({setting}) really sends "
                "answers this large, or ask for smaller pages"
            ),
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
        body: bytes | None = None,
    ) -> HttpResponse:
        """Send one request; HTTP error statuses are returned, network failures raised.

        ``body`` is JSON already encoded (``json_body.encode_json``: Decimal-exact), sent as
        ``application/json``; it is used instead of ``json``. ``timeout_s`` overrides the read
        timeout for this call. Raises ConnectError, ReadTimeoutError, ConnectionDroppedError
        or TLSVerificationError.
        """
        sent_headers = dict(headers)
        if body is not None:
            sent_headers["Content-Type"] = "application/json"
            return self._request(
                method.upper(), url, timeout_s, headers=sent_headers, data=body, params=params
            )
        return self._request(
            method.upper(), url, timeout_s, headers=sent_headers, json=json, params=params
        )

    def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """POST an urlencoded form (the OAuth token call): (status, JSON object or {})."""
        response = self._request(
            "POST",
            url,
            None,
            "endpoints.auth",
            headers={"Accept": "application/json"},
            data=dict(form),
        )
        try:
            body = response.json()
        except ValueError:
            return response.status, {}
        return response.status, body if isinstance(body, dict) else {}

    def close(self) -> None:
        """Close every pooled connection."""
        self._session.close()
