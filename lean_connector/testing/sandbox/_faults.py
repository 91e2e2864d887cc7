"""Fault switches of the local sandbox, safe to use from any thread.

A test arms a fault (``faults.rate_limit(2)``), makes its calls and reads the counters
(``_counters``). ``reset()`` disarms everything; the ``lean_sandbox`` fixture does it
before every test so tests cannot leak into each other.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MALFORMED_KINDS",
    "PAGE_IGNORED_LIMIT",
    "ApiFault",
    "Faults",
    "MalformedKind",
]

MalformedKind = Literal["item_not_object", "total_pages_not_number", "page_ignored"]
MALFORMED_KINDS: tuple[MalformedKind, ...] = (
    "item_not_object",
    "total_pages_not_number",
    "page_ignored",
)
# page_ignored answers page 0 this many times, then an empty page, so a client with no
# defence against it still ends (and the test can count how far it went).
PAGE_IGNORED_LIMIT = 500
FaultKind = Literal["reset", "rate_limit", "unavailable", "unauthorized", "redirect", "oversized"]


@dataclass(frozen=True)
class ApiFault:
    """What the server must do instead of answering one API call."""

    kind: FaultKind
    status: int = 0
    retry_after_s: int | None = None
    after_acting: bool = False  # reset only: the call is handled first, its answer dropped
    location: str | None = None  # redirect only: the Location header
    size_bytes: int = 0  # oversized only: the length of the body streamed
    declare_length: bool = True  # oversized only: send Content-Length (else end at close)


def _count(n: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"{what}: n must be a non-negative int, got {n!r}")
    return n


def _seconds(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{what} must be a non-negative number of seconds, got {value!r}")
    return float(value)


class Faults:
    """Switches that make the next API calls misbehave the way Lean or the network can."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._latency_s = 0.0
            self._token_latency_s = 0.0
            self._token_lifetime_s: float | None = None
            self._token_endpoint_down = False
            self._resets = 0
            self._reset_method: str | None = None
            self._reset_after_acting = False
            self._delays = 0
            self._delay_s = 0.0
            self._delay_method: str | None = None
            self._rate_limits = 0
            self._retry_after_s: int | None = 1
            self._unavailable = 0
            self._unavailable_status = 503
            self._unavailable_retry_after_s: int | None = None
            self._unauthorized = 0
            self._pending_answers = 0
            self._pending_calls = 0
            self._failed_entities: set[str] = set()
            self._malformed: dict[str, MalformedKind] = {}
            self._page_ignored_answers: Counter[tuple[str, str]] = Counter()
            self._redirects = 0
            self._redirect_status = 302
            self._redirect_location = ""
            self._oversized = 0
            self._oversized_bytes = 0
            self._oversized_declared = True

    @property
    def latency_s(self) -> float:
        """Seconds added before answering every API call (not the token endpoint)."""
        with self._lock:
            return self._latency_s

    @latency_s.setter
    def latency_s(self, value: float) -> None:
        with self._lock:
            self._latency_s = _seconds(value, "faults.latency_s")

    @property
    def token_latency_s(self) -> float:
        """Seconds added before answering every token request (widens refresh races)."""
        with self._lock:
            return self._token_latency_s

    @token_latency_s.setter
    def token_latency_s(self, value: float) -> None:
        with self._lock:
            self._token_latency_s = _seconds(value, "faults.token_latency_s")

    @property
    def token_lifetime_s(self) -> float | None:
        """Lifetime of newly issued tokens; None means the sandbox's ``token_lifetime_s``."""
        with self._lock:
            return self._token_lifetime_s

    @token_lifetime_s.setter
    def token_lifetime_s(self, value: float | None) -> None:
        with self._lock:
            self._token_lifetime_s = (
                None if value is None else _seconds(value, "faults.token_lifetime_s")
            )

    @property
    def token_endpoint_down(self) -> bool:
        """When True the token endpoint answers 503."""
        with self._lock:
            return self._token_endpoint_down

    @token_endpoint_down.setter
    def token_endpoint_down(self, value: bool) -> None:
        with self._lock:
            self._token_endpoint_down = bool(value)

    def rate_limit(self, n: int, retry_after_s: int | None = 1) -> None:
        """The next ``n`` API calls get 429 RATE_LIMIT_EXCEEDED with ``Retry-After``.

        ``retry_after_s=None`` sends no Retry-After header."""
        if retry_after_s is not None and (
            isinstance(retry_after_s, bool)
            or not isinstance(retry_after_s, int)
            or retry_after_s < 0
        ):
            raise ValueError(
                f"faults.rate_limit: retry_after_s must be a non-negative int (HTTP sends whole "
                f"seconds) or None, got {retry_after_s!r}"
            )
        with self._lock:
            self._rate_limits = _count(n, "faults.rate_limit")
            self._retry_after_s = retry_after_s

    def unavailable(self, n: int, status: int = 503, retry_after_s: int | None = None) -> None:
        """The next ``n`` API calls get a Lean-shaped 5xx with this status.

        ``retry_after_s`` adds a ``Retry-After`` header (none by default)."""
        if isinstance(status, bool) or not isinstance(status, int) or not 500 <= status <= 599:
            raise ValueError(f"faults.unavailable: status must be 500-599, got {status!r}")
        if retry_after_s is not None and (
            isinstance(retry_after_s, bool)
            or not isinstance(retry_after_s, int)
            or retry_after_s < 0
        ):
            raise ValueError(
                "faults.unavailable: retry_after_s must be a non-negative int or None, "
                f"got {retry_after_s!r}"
            )
        with self._lock:
            self._unavailable = _count(n, "faults.unavailable")
            self._unavailable_status = status
            self._unavailable_retry_after_s = retry_after_s

    def reset_connections(
        self, n: int, method: str | None = None, *, after_acting: bool = False
    ) -> None:
        """The next ``n`` API calls (of ``method`` only, if given) are read, then the socket
        is reset (RST) without a response.

        With ``after_acting=True`` each call is handled first (a customer or intent is
        created) and only its answer is lost: the case that makes re-sending a POST unsafe."""
        with self._lock:
            self._resets = _count(n, "faults.reset_connections")
            self._reset_method = method.upper() if method else None
            self._reset_after_acting = bool(after_acting)

    def delay(self, n: int, seconds: float, method: str | None = None) -> None:
        """The next ``n`` API calls (of ``method`` only, if given) wait ``seconds`` before
        being handled; they are handled even if the client or a gateway gave up meanwhile.

        Unlike ``latency_s`` this runs out, so a retry after a timeout is answered at once."""
        with self._lock:
            self._delays = _count(n, "faults.delay")
            self._delay_s = _seconds(seconds, "faults.delay seconds")
            self._delay_method = method.upper() if method else None

    def redirect(
        self, n: int, status: int = 302, location: str = "https://elsewhere.invalid/login"
    ) -> None:
        """The next ``n`` API calls are answered with this 3xx and a ``Location`` header, as a
        moved host or a captive proxy would; a client must not take it for success."""
        if isinstance(status, bool) or not isinstance(status, int) or not 300 <= status <= 399:
            raise ValueError(f"faults.redirect: status must be 300-399, got {status!r}")
        with self._lock:
            self._redirects = _count(n, "faults.redirect")
            self._redirect_status = status
            self._redirect_location = location

    def oversized_body(self, n: int, size_bytes: int, *, declare_length: bool = True) -> None:
        """The next ``n`` API calls answer 200 with a JSON object of ``size_bytes`` bytes,
        streamed in chunks (the sandbox never holds it). Without ``declare_length`` there is
        no Content-Length: the body ends when the connection closes."""
        with self._lock:
            self._oversized = _count(n, "faults.oversized_body")
            self._oversized_bytes = max(_count(size_bytes, "faults.oversized_body size"), 16)
            self._oversized_declared = bool(declare_length)

    def unauthorized(self, n: int) -> None:
        """The next ``n`` authenticated API calls get 401, as if the credential had been revoked."""
        with self._lock:
            self._unauthorized = _count(n, "faults.unauthorized")

    def pending(self, n: int, *, calls: int = 1) -> None:
        """The next ``calls`` data calls answer PENDING; each result stays PENDING for ``n`` answers
        in all (the data call itself plus ``n - 1`` fetches of ``/data/v2/results/{id}``)."""
        with self._lock:
            self._pending_answers = _count(n, "faults.pending")
            self._pending_calls = _count(calls, "faults.pending calls") if n else 0

    def fail_entity(self, entity_id: str) -> None:
        """Data calls for this entity answer 404 UNKNOWN_ENTITY (a disconnected bank)."""
        with self._lock:
            self._failed_entities.add(entity_id)

    def malformed_data(self, entity_id: str, kind: MalformedKind) -> None:
        """This entity's transaction pages come back malformed, as a broken or hostile server
        might send them: ``item_not_object`` (a number among the transactions),
        ``total_pages_not_number`` (``"total_pages": "many"``) or ``page_ignored`` (page 0
        whatever page is asked, its number echoed, ``total_pages`` 10**9; after
        PAGE_IGNORED_LIMIT such answers an empty page, so a client without defences ends)."""
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"faults.malformed_data: kind must be one of {MALFORMED_KINDS}")
        with self._lock:
            self._malformed[entity_id] = kind

    # -- consumed by the server -------------------------------------------------------------

    def malformed_kind(self, entity_id: str) -> MalformedKind | None:
        """The ``malformed_data`` kind armed for this entity, if any."""
        with self._lock:
            return self._malformed.get(entity_id)

    def take_page_ignored(self, key: tuple[str, str]) -> bool:
        """Count one ``page_ignored`` answer for (entity, account); True once past the limit."""
        with self._lock:
            self._page_ignored_answers[key] += 1
            return self._page_ignored_answers[key] > PAGE_IGNORED_LIMIT

    def take_delay_s(self, method: str) -> float:
        """Seconds to hold this API call (``latency_s`` plus one armed ``delay``, if any)."""
        with self._lock:
            seconds = self._latency_s
            if self._delays and self._delay_method in (None, method.upper()):
                self._delays -= 1
                seconds += self._delay_s
            return seconds

    def take_api_fault(self, method: str) -> ApiFault | None:
        """The fault (if any) for this API call, consuming one armed occurrence."""
        with self._lock:
            if self._resets and self._reset_method in (None, method.upper()):
                self._resets -= 1
                return ApiFault("reset", after_acting=self._reset_after_acting)
            if self._rate_limits:
                self._rate_limits -= 1
                return ApiFault("rate_limit", 429, self._retry_after_s)
            if self._unavailable:
                self._unavailable -= 1
                return ApiFault(
                    "unavailable", self._unavailable_status, self._unavailable_retry_after_s
                )
            if self._redirects:
                self._redirects -= 1
                return ApiFault("redirect", self._redirect_status, location=self._redirect_location)
            if self._oversized:
                self._oversized -= 1
                return ApiFault(
                    "oversized",
                    200,
                    size_bytes=self._oversized_bytes,
                    declare_length=self._oversized_declared,
                )
            return None

    def take_unauthorized(self) -> bool:
        """True when this authenticated call must be refused with 401."""
        with self._lock:
            if self._unauthorized:
                self._unauthorized -= 1
                return True
            return False

    def take_pending(self) -> int:
        """How many PENDING answers the result of this data call gets (0: answer at once)."""
        with self._lock:
            if not self._pending_calls:
                return 0
            self._pending_calls -= 1
            return self._pending_answers

    def entity_failed(self, entity_id: str) -> bool:
        """True when ``fail_entity(entity_id)`` is in force."""
        with self._lock:
            return entity_id in self._failed_entities
