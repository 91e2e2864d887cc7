"""MockTransport: a transport that answers from a script, for unit tests without a server."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lean_connector.errors import TransportError
from lean_connector.transport import HttpResponse

__all__ = ["MockTransport", "RecordedRequest"]


@dataclass(frozen=True)
class RecordedRequest:
    """One request the connector sent through a :class:`MockTransport`."""

    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes | None
    params: Mapping[str, Any] | None

    @property
    def path(self) -> str:
        """The URL path (after the host), e.g. ``/banks/v1/``."""
        rest = self.url.split("://", 1)[-1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"

    def json(self) -> Any:
        """The request body parsed as JSON (``None`` when there was no body)."""
        return None if self.body is None else json.loads(self.body)


Handler = Callable[[RecordedRequest], "HttpResponse | BaseException"]


@dataclass
class MockTransport:
    """Answers each request with the next scripted reply, or from ``handler``.

    ::

        transport = MockTransport()
        transport.add(200, [{"identifier": "LEANMB1"}])
        lean = LeanConnector(spec, transport=transport, credential=...)
        lean.banks.list()
        assert transport.requests[0].path == "/banks/v1/"

    A reply is ``(status, body)`` where a body that is not bytes is sent as JSON, or an
    exception (a :class:`~lean_connector.errors.TransportError`) to raise instead of
    answering. With no scripted reply left, ``handler`` is asked; with no handler, the
    request fails with an AssertionError naming it. ``post_form`` (the OAuth token call)
    is answered from the same script.
    """

    handler: Handler | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    handshakes: int = 0
    closed: bool = False
    _replies: list[HttpResponse | BaseException] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self, status: int, body: Any = None, *, headers: Mapping[str, str] | None = None
    ) -> MockTransport:
        """Script the next reply; returns the transport, so calls chain."""
        self._replies.append(response(status, body, headers=headers))
        return self

    def add_error(self, error: TransportError) -> MockTransport:
        """Script a request that gets no answer (connect error, reset, timeout)."""
        self._replies.append(error)
        return self

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        request = RecordedRequest(method.upper(), url, dict(headers), body, params)
        with self._lock:
            self.requests.append(request)
            reply = self._replies.pop(0) if self._replies else None
        if reply is None:
            if self.handler is None:
                raise AssertionError(f"MockTransport has no reply for {method} {url}")
            reply = self.handler(request)
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        answer = self.send("POST", url, headers={}, body=None, params=dict(form))
        try:
            body = answer.json()
        except ValueError:
            return answer.status, {}
        return answer.status, body if isinstance(body, dict) else {}

    def close(self) -> None:
        self.closed = True


def response(
    status: int, body: Any = None, *, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    """An :class:`HttpResponse` with ``body`` as JSON (bytes are sent as they are)."""
    if body is None:
        raw = b""
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = json.dumps(body).encode()
    return HttpResponse(status=status, headers=dict(headers or {}), body=raw, elapsed_ms=0.0)
