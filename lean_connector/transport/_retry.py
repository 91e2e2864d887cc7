"""The retry policy, on tenacity: the only module that imports tenacity.

Which errors are retried (:func:`is_retryable`):

- :class:`~lean_connector.errors.ConnectError`: always (nothing reached Lean);
- ``LeanRateLimitError`` (429): always (Lean refused before acting);
- :class:`~lean_connector.errors.ReadTimeoutError`, ``ConnectionDroppedError`` and
  ``LeanServerError`` 500/502/503/504: only for idempotent calls (GET, HEAD, OPTIONS, PUT,
  DELETE, or a call carrying an Idempotency-Key). The request was sent: a gateway's 502 or
  504, a timeout or a reset says nothing about whether Lean acted on it, so a POST without
  a key is never sent twice;
- never: other 4xx, TLS verification/config failures, spec errors, an ``AuthError`` (unless
  that instance says ``retryable = True``: the token endpoint was down), anything that is not
  a ``ConnectorError``.

The wait before attempt ``n + 1`` is "full jitter" (``uniform(0, min(cap, base * 2**(n-1)))``),
so a fleet that failed together does not retry together. A ``Retry-After`` from Lean on a
429, or on a 502, 503 or 504 that is retried, is a floor on that wait; one longer than
``max_retry_after_s`` is not waited out at all: the error is raised at once, so a caller is
never parked for minutes inside one call.

A :class:`RetryBudget` shared by a connector caps retries to a fraction of requests plus a
small floor per second: when Lean is down, every caller fails fast instead of multiplying
the load by ``max_attempts``.

The first attempt runs before tenacity is involved: most calls succeed at once, so they
pay for no retry machinery (and a cold start does not import tenacity). A first attempt
that fails is handed to tenacity as its attempt 1, so every decision is tenacity's.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lean_connector.errors import (
    AuthError,
    ConnectError,
    ConnectionDroppedError,
    ConnectorError,
    LeanAPIError,
    LeanRateLimitError,
    LeanServerError,
    ReadTimeoutError,
    ResultsPendingError,
    SpecError,
    TLSConfigError,
    TLSVerificationError,
    TransportError,
    WebhookVerificationError,
)
from lean_connector.logs import get_logger

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = [
    "RetryBudget",
    "RetryPolicy",
    "backoff_wait_s",
    "call_with_retry",
    "is_retryable",
]

T = TypeVar("T")


log = get_logger(__name__)

_IDEMPOTENT_ONLY_5XX = frozenset({500, 502, 503, 504})
_RETRY_AFTER_5XX = frozenset({502, 503, 504})
_NEVER_RETRIED = (
    TLSVerificationError,
    TLSConfigError,
    SpecError,
    WebhookVerificationError,
    # Raised after the polling deadline: retrying would silently double that deadline.
    ResultsPendingError,
)


class RetryPolicy:
    """How many attempts, and how long to wait between them (``retry.*`` in the spec)."""

    # A plain class: a dataclass's generated methods would cost every cold start ~1 ms.
    __slots__ = ("base_s", "max_attempts", "max_backoff_s", "max_retry_after_s")

    def __init__(
        self,
        max_attempts: int = 4,
        max_backoff_s: float = 20,
        max_retry_after_s: float = 60,
        base_s: float = 0.5,
    ) -> None:
        self.max_attempts = max_attempts
        self.max_backoff_s = max_backoff_s
        self.max_retry_after_s = max_retry_after_s
        self.base_s = base_s
        if self.max_attempts < 1:
            raise SpecError(
                f"retry.max_attempts must be at least 1 (1 = no retries); got {self.max_attempts}",
                field="retry.max_attempts",
            )
        for name in ("max_backoff_s", "max_retry_after_s", "base_s"):
            value = getattr(self, name)
            if value < 0:
                raise SpecError(
                    f"retry.{name} must be zero or more seconds; got {value}", field=f"retry.{name}"
                )

    def _values(self) -> tuple[int, float, float, float]:
        return (self.max_attempts, self.max_backoff_s, self.max_retry_after_s, self.base_s)

    def __repr__(self) -> str:
        names = ("max_attempts", "max_backoff_s", "max_retry_after_s", "base_s")
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._values(), strict=True))
        return f"RetryPolicy({shown})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RetryPolicy):
            return NotImplemented
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaced


class RetryBudget:
    """A token bucket shared by one connector: retries <= ratio * requests + min_per_s * t.

    Each :meth:`record_request` deposits ``ratio`` tokens, time deposits
    ``min_retries_per_s`` tokens a second, and each retry spends one. The bucket holds at
    most ``capacity`` tokens and starts full, so a fresh connector (a cold Lambda) can still
    ride out a short blip; once Lean stays down the bucket drains and retries stop.
    Thread-safe.
    """

    def __init__(
        self,
        ratio: float = 0.2,
        min_retries_per_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        capacity: float = 10.0,
    ) -> None:
        if ratio < 0 or min_retries_per_s < 0 or capacity < 0:
            raise SpecError(
                "retry.budget_ratio, retry.budget_min_retries_per_s and the budget capacity "
                f"must be zero or more; got ratio={ratio}, min_retries_per_s={min_retries_per_s}, "
                f"capacity={capacity}",
                field="retry",
            )
        self.ratio = ratio
        self.min_retries_per_s = min_retries_per_s
        self.capacity = capacity
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = capacity
        self._last = clock()

    def _refill_locked(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self.capacity, self._tokens + elapsed * self.min_retries_per_s)

    def record_request(self) -> None:
        """Count one logical request (not each attempt): it earns ``ratio`` of a retry."""
        with self._lock:
            self._refill_locked()
            self._tokens = min(self.capacity, self._tokens + self.ratio)

    def try_spend(self) -> bool:
        """Take one retry from the bucket; False (nothing taken) when it is empty."""
        with self._lock:
            self._refill_locked()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False

    @property
    def available(self) -> float:
        """Retries the bucket could pay for now (for tests and ``doctor``)."""
        with self._lock:
            self._refill_locked()
            return self._tokens


def is_retryable(exc: BaseException, *, idempotent: bool) -> bool:
    """Whether repeating the call that raised ``exc`` is safe and may help (see module doc)."""
    if not isinstance(exc, ConnectorError):
        return False
    if isinstance(exc, _NEVER_RETRIED):
        return False
    if isinstance(exc, ConnectError):
        return True
    if isinstance(exc, ReadTimeoutError | ConnectionDroppedError):
        return idempotent
    if isinstance(exc, TransportError):
        return False
    if not exc.retryable and type(exc).retryable:
        # The code that raised it knew better than its class (an explicit opt-out).
        return False
    if isinstance(exc, LeanRateLimitError):
        return True
    if isinstance(exc, LeanServerError):
        return exc.http_status in _IDEMPOTENT_ONLY_5XX and idempotent
    if isinstance(exc, LeanAPIError):
        return False
    if isinstance(exc, AuthError):
        # Only the instance can say so: rejected credentials never get better by retrying,
        # but an unreachable token endpoint may (auth builds that one with retryable=True).
        return exc.retryable
    return bool(exc.retryable)


def backoff_wait_s(
    policy: RetryPolicy,
    attempt: int,
    *,
    retry_after_s: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): full jitter, Retry-After floor.

    ``uniform(0, min(max_backoff_s, base_s * 2**(attempt-1)))``, raised to ``retry_after_s``
    when Lean sent one. The caller checks ``retry_after_s`` against ``max_retry_after_s``.
    """
    exponent = min(max(attempt - 1, 0), 62)  # 2**62 s is already "forever": avoid huge ints
    ceiling = min(policy.max_backoff_s, policy.base_s * 2.0**exponent)
    draw = (rng or random).uniform(0.0, ceiling)
    if retry_after_s is not None:
        return max(retry_after_s, draw)
    return draw


def _retry_after(exc: BaseException | None) -> float | None:
    """Lean's Retry-After, for the answers where it is honoured (429, 502/503/504)."""
    if isinstance(exc, LeanServerError) and exc.http_status not in _RETRY_AFTER_5XX:
        return None
    if not isinstance(exc, LeanRateLimitError | LeanServerError):
        return None
    value = exc.retry_after_s
    return float(value) if isinstance(value, int | float) else None


def _log_fields(exc: BaseException | None) -> dict[str, Any]:
    return {
        "error": type(exc).__name__,
        "http_status": getattr(exc, "http_status", None),
        "lean_status": getattr(exc, "lean_status", None),
    }


def call_with_retry(
    fn: Callable[[int], T],
    *,
    idempotent: bool,
    policy: RetryPolicy,
    budget: RetryBudget | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn(attempt)`` (attempt = 1, 2, ...) until it returns or retrying stops helping.

    Re-raises the LAST error itself (never ``tenacity.RetryError``) when: the error is not
    retryable for this call, ``policy.max_attempts`` is reached, Lean's Retry-After exceeds
    ``policy.max_retry_after_s``, or ``budget`` has no retry left. The caller records the
    request in ``budget`` (``record_request``); this function only spends from it.
    """
    try:
        return fn(1)
    except Exception as exc:
        first_failure = exc
    return _retry_after_first_failure(
        fn, first_failure, idempotent=idempotent, policy=policy, budget=budget, sleep=sleep
    )


def _retry_after_first_failure(
    fn: Callable[[int], T],
    first_failure: Exception,
    *,
    idempotent: bool,
    policy: RetryPolicy,
    budget: RetryBudget | None,
    sleep: Callable[[float], None],
) -> T:
    """The retry loop on tenacity, whose attempt 1 replays the first attempt's failure."""
    from tenacity import Retrying, stop_after_attempt

    def should_retry(state: RetryCallState) -> bool:
        outcome = state.outcome
        if outcome is None or not outcome.failed:
            return False
        exc = outcome.exception()
        if exc is None or not is_retryable(exc, idempotent=idempotent):
            return False
        # Checked here rather than in `stop` so the budget is never spent on a last attempt.
        if state.attempt_number >= policy.max_attempts:
            return False
        retry_after = _retry_after(exc)
        if retry_after is not None and retry_after > policy.max_retry_after_s:
            log.warning(
                "http.retry_after_too_long",
                attempt=state.attempt_number,
                retry_after_s=retry_after,
                max_retry_after_s=policy.max_retry_after_s,
                **_log_fields(exc),
            )
            return False
        if budget is not None and not budget.try_spend():
            log.warning(
                "http.retry_budget_exhausted", attempt=state.attempt_number, **_log_fields(exc)
            )
            return False
        return True

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return backoff_wait_s(policy, state.attempt_number, retry_after_s=_retry_after(exc))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        log.info(
            "http.retry",
            attempt=state.attempt_number,
            wait_s=round(state.upcoming_sleep, 3),
            **_log_fields(exc),
        )

    retrying = Retrying(
        retry=should_retry,
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    for attempt in retrying:
        with attempt:
            number = attempt.retry_state.attempt_number
            if number == 1:
                raise first_failure
            return fn(number)
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover
