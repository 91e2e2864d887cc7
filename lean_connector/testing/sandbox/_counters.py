"""Counters of what clients did to the sandbox, safe to use from any thread: handshakes,
token requests, calls by route, Idempotency-Keys, and requests in flight (with their peak).
"""

from __future__ import annotations

import threading
from collections import Counter

__all__ = ["Counters"]


class Counters:
    """What clients did to the sandbox. Every property returns a snapshot (a ``Counter``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._handshakes: Counter[str] = Counter()
        self._handshake_failures: Counter[str] = Counter()
        self._token_requests: Counter[str] = Counter()
        self._calls: Counter[tuple[str, str]] = Counter()
        self._idempotency_keys: Counter[str] = Counter()
        self._in_flight = 0
        self._peak_in_flight = 0

    def reset(self) -> None:
        """Zero every counter (the peak restarts from the requests being served now)."""
        with self._lock:
            self._handshakes.clear()
            self._handshake_failures.clear()
            self._token_requests.clear()
            self._calls.clear()
            self._idempotency_keys.clear()
            self._peak_in_flight = self._in_flight

    @property
    def in_flight(self) -> int:
        """Requests (API and token calls) being served right now, on both listeners."""
        with self._lock:
            return self._in_flight

    @property
    def peak_concurrent_requests(self) -> int:
        """The most requests served at the same time since the last reset: what a
        fleet-wide cap on Lean traffic must keep below its limit."""
        with self._lock:
            return self._peak_in_flight

    def request_started(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._peak_in_flight = max(self._peak_in_flight, self._in_flight)

    def request_finished(self) -> None:
        with self._lock:
            self._in_flight -= 1

    @property
    def handshakes(self) -> Counter[str]:
        """Completed TLS handshakes by listener: ``"mtls"`` and ``"api"``."""
        with self._lock:
            return Counter(self._handshakes)

    @property
    def handshake_failures(self) -> Counter[str]:
        """Failed TLS handshakes by listener (no client certificate, untrusted chain, ...)."""
        with self._lock:
            return Counter(self._handshake_failures)

    @property
    def token_requests(self) -> Counter[str]:
        """Token requests by requested scope (``"api"``, ``"customer.<id>"``), failed ones too."""
        with self._lock:
            return Counter(self._token_requests)

    @property
    def calls(self) -> Counter[tuple[str, str]]:
        """API calls by (method, route template).

        E.g. ``("GET", "/data/v2/accounts/{id}/balances")``; unknown paths count as
        "<unmatched>"."""
        with self._lock:
            return Counter(self._calls)

    @property
    def idempotency_keys(self) -> Counter[str]:
        """How many requests carried each ``Idempotency-Key``."""
        with self._lock:
            return Counter(self._idempotency_keys)

    def record_handshake(self, listener: str, *, ok: bool) -> None:
        with self._lock:
            (self._handshakes if ok else self._handshake_failures)[listener] += 1

    def record_token_request(self, scope: str) -> None:
        with self._lock:
            self._token_requests[scope] += 1

    def record_call(self, method: str, route: str, idempotency_key: str | None) -> None:
        with self._lock:
            self._calls[(method, route)] += 1
            if idempotency_key is not None:
                self._idempotency_keys[idempotency_key] += 1
