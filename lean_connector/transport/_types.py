"""What a transport is: the answer it returns, the methods the connector calls, and the
report of the client certificate it was built with.

No third-party import here, so a test double (``lean_connector.testing.MockTransport``)
needs neither requests nor a network. The records are named tuples rather than frozen
dataclasses: every cold start defines them, and a dataclass's generated methods cost
about a millisecond each time.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

__all__ = ["CertificateReport", "HttpResponse", "HttpTransport"]


class CertificateReport(NamedTuple):
    """What was checked about the client certificate (safe to log and show)."""

    subject: str
    issuer: str
    not_after: dt.datetime
    days_left: int
    fingerprint_sha256: str
    chain_length: int


class HttpResponse(NamedTuple):
    """One HTTP answer, whatever its status. ``headers`` are case-insensitive."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not JSON."""
        return jsonlib.loads(self.body)


class HttpTransport(Protocol):
    """Sends one HTTP request and returns its answer, whatever the status.

    Raises :class:`~lean_connector.errors.TransportError` subclasses when there is no
    answer. :class:`~lean_connector.transport.Transport` is the real one.
    """

    @property
    def handshakes(self) -> int: ...

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> HttpResponse: ...

    def post_form(self, url: str, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]: ...

    def close(self) -> None: ...
