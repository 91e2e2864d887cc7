"""The retry policy: which errors are retried, how long it waits, when it gives up.

``sleep`` is injected (a list that records the waits asked for), so nothing here sleeps and
no assertion depends on wall-clock timing.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from lean_connector.errors import (
    AuthError,
    ConnectError,
    ConnectionDroppedError,
    LeanAPIError,
    LeanRateLimitError,
    LeanServerError,
    ReadTimeoutError,
    ResultsPendingError,
    SecretUnavailableError,
    SpecError,
    TLSConfigError,
    TLSVerificationError,
    TransportError,
    lean_api_error,
)
from lean_connector.logs import capture_logs
from lean_connector.transport import (
    RetryBudget,
    RetryPolicy,
    backoff_wait_s,
    call_with_retry,
    is_retryable,
)

URL = "https://api.example.test/banks/v1/"


def rate_limited(retry_after_s: float | None) -> LeanRateLimitError:
    return LeanRateLimitError(
        http_status=429, lean_status="RATE_LIMIT_EXCEEDED", retry_after_s=retry_after_s
    )


def server_error(status: int) -> LeanAPIError:
    return lean_api_error(status, lean_status="INTERNAL_SERVER_ERROR", method="GET", path="/x")


class Script:
    """A fake API call: raises the given errors in order, then returns "ok"."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.attempts: list[int] = []
        self.raised: list[BaseException] = []

    def __call__(self, attempt: int) -> str:
        self.attempts.append(attempt)
        if not self.errors:
            return "ok"
        exc = self.errors.pop(0)
        self.raised.append(exc)
        raise exc


class Forever(Script):
    """Raises a fresh error from ``make`` on every attempt."""

    def __init__(self, make: Callable[[], BaseException]) -> None:
        super().__init__()
        self.make = make

    def __call__(self, attempt: int) -> str:
        self.attempts.append(attempt)
        exc = self.make()
        self.raised.append(exc)
        raise exc


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as entries:
        yield entries


_ENVELOPE = {"event", "level", "log_level", "logger", "timestamp"}


@pytest.fixture
def events(logged: list[dict[str, Any]]) -> Callable[[str], list[dict[str, Any]]]:
    """The fields (without event/level/logger) of each logged event with this name."""

    def by_name(name: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in e.items() if k not in _ENVELOPE} for e in logged if e["event"] == name
        ]

    return by_name


POLICY = RetryPolicy(max_attempts=4, max_backoff_s=20, max_retry_after_s=60, base_s=0.5)


def test_429_twice_then_ok_honours_retry_after(
    sleeps: list[float], events: Callable[[str], list[dict[str, Any]]]
) -> None:
    fn = Script(rate_limited(2.0), rate_limited(3.0))
    result = call_with_retry(fn, idempotent=False, policy=POLICY, sleep=sleeps.append)
    assert result == "ok"
    assert fn.attempts == [1, 2, 3]
    # Jitter ceilings are 0.5 s and 1 s here, below Retry-After: the waits are Lean's.
    assert sleeps == [2.0, 3.0]
    logged = events("http.retry")
    assert [e["attempt"] for e in logged] == [1, 2]
    assert [e["wait_s"] for e in logged] == [2.0, 3.0]
    assert logged[0]["error"] == "LeanRateLimitError"
    assert logged[0]["http_status"] == 429
    assert logged[0]["lean_status"] == "RATE_LIMIT_EXCEEDED"


def test_503_every_try_gives_up_after_max_attempts_with_the_last_error(
    sleeps: list[float],
) -> None:
    fn = Forever(lambda: server_error(503))
    with pytest.raises(LeanServerError) as caught:
        call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append)
    assert fn.attempts == [1, 2, 3, 4]
    assert caught.value is fn.raised[-1]  # the last error itself, not tenacity.RetryError
    assert caught.value.http_status == 503
    assert len(sleeps) == 3
    ceilings = [0.5, 1.0, 2.0]
    assert all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_post_without_idempotency_is_not_retried(status: int, sleeps: list[float]) -> None:
    # The request was sent: a gateway 502/504 or Lean's own 5xx does not say whether Lean
    # acted on it, so a second send could create a second customer or payment.
    fn = Forever(lambda: server_error(status))
    with pytest.raises(LeanServerError) as caught:
        call_with_retry(fn, idempotent=False, policy=POLICY, sleep=sleeps.append)
    assert caught.value.http_status == status
    assert fn.attempts == [1]
    assert sleeps == []


def test_5xx_with_retry_after_on_post_without_idempotency_is_not_retried(
    sleeps: list[float],
) -> None:
    fn = Script(unavailable(503, 1.0))
    with pytest.raises(LeanServerError):
        call_with_retry(fn, idempotent=False, policy=POLICY, sleep=sleeps.append)
    assert fn.attempts == [1]
    assert sleeps == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_on_idempotent_call_is_retried(status: int, sleeps: list[float]) -> None:
    fn = Script(server_error(status))
    assert call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append) == "ok"
    assert fn.attempts == [1, 2]


@pytest.mark.parametrize("error_class", [ReadTimeoutError, ConnectionDroppedError])
def test_read_errors_retried_on_get_not_on_plain_post(
    sleeps: list[float], error_class: type[TransportError]
) -> None:
    get = Script(error_class(f"no answer from {URL}", method="GET", url=URL))
    assert call_with_retry(get, idempotent=True, policy=POLICY, sleep=sleeps.append) == "ok"
    assert get.attempts == [1, 2]

    post = Script(error_class(f"no answer from {URL}", method="POST", url=URL))
    with pytest.raises(error_class):
        call_with_retry(post, idempotent=False, policy=POLICY, sleep=sleeps.append)
    assert post.attempts == [1]
    assert len(sleeps) == 1


def test_connect_error_retried_even_without_idempotency(sleeps: list[float]) -> None:
    fn = Script(ConnectError("refused", method="POST", url=URL))
    assert call_with_retry(fn, idempotent=False, policy=POLICY, sleep=sleeps.append) == "ok"
    assert fn.attempts == [1, 2]


@pytest.mark.parametrize("idempotent", [True, False])
def test_tls_verification_error_never_retried(sleeps: list[float], idempotent: bool) -> None:
    fn = Forever(lambda: TLSVerificationError("server not trusted", method="GET", url=URL))
    with pytest.raises(TLSVerificationError, match="server not trusted"):
        call_with_retry(fn, idempotent=idempotent, policy=POLICY, sleep=sleeps.append)
    assert fn.attempts == [1]
    assert sleeps == []


def test_retry_after_above_the_cap_is_raised_at_once_unchanged(
    sleeps: list[float], events: Callable[[str], list[dict[str, Any]]]
) -> None:
    original = rate_limited(120.0)
    message = original.message
    fn = Script(original)
    with pytest.raises(LeanRateLimitError) as caught:
        call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append)
    assert caught.value is original
    assert caught.value.retry_after_s == 120.0
    assert caught.value.message == message
    assert fn.attempts == [1]
    assert sleeps == []
    assert events("http.retry_after_too_long")[0]["retry_after_s"] == 120.0


def test_budget_exhausted_stops_retries_and_raises_the_last_error(
    sleeps: list[float], events: Callable[[str], list[dict[str, Any]]]
) -> None:
    now = [1000.0]
    budget = RetryBudget(ratio=0.0, min_retries_per_s=0.0, clock=lambda: now[0], capacity=2)
    fn = Forever(lambda: server_error(503))
    policy = RetryPolicy(max_attempts=10)
    with pytest.raises(LeanServerError) as caught:
        call_with_retry(fn, idempotent=True, policy=policy, budget=budget, sleep=sleeps.append)
    assert fn.attempts == [1, 2, 3]  # two retries paid for, the third refused
    assert caught.value is fn.raised[-1]
    assert len(sleeps) == 2
    exhausted = events("http.retry_budget_exhausted")
    assert len(exhausted) == 1
    assert exhausted[0]["attempt"] == 3
    assert exhausted[0]["http_status"] == 503

    # With the bucket empty, the next call is not retried at all.
    again = Forever(lambda: server_error(503))
    with pytest.raises(LeanServerError):
        call_with_retry(again, idempotent=True, policy=policy, budget=budget, sleep=sleeps.append)
    assert again.attempts == [1]


def test_budget_refills_from_requests_and_from_time() -> None:
    now = [0.0]
    budget = RetryBudget(ratio=0.25, min_retries_per_s=0.5, clock=lambda: now[0], capacity=3)
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    for _ in range(4):
        budget.record_request()  # 4 x 0.25 = one retry earned
    assert budget.try_spend() is True
    assert budget.try_spend() is False
    now[0] += 2.0  # 2 s x 0.5/s = one more
    assert budget.try_spend() is True
    assert budget.try_spend() is False
    now[0] += 1000.0
    assert budget.available == 3  # capped


def test_last_attempt_does_not_spend_the_budget(sleeps: list[float]) -> None:
    budget = RetryBudget(ratio=0.0, min_retries_per_s=0.0, clock=lambda: 0.0, capacity=5)
    fn = Forever(lambda: server_error(502))
    with pytest.raises(LeanServerError):
        call_with_retry(
            fn,
            idempotent=True,
            policy=RetryPolicy(max_attempts=3),
            budget=budget,
            sleep=sleeps.append,
        )
    assert fn.attempts == [1, 2, 3]
    assert budget.available == 3  # 2 retries spent, none for the attempt after the last


@pytest.mark.parametrize(
    ("make", "retryable_when_idempotent", "retryable_otherwise"),
    [
        (lambda: ConnectError("x"), True, True),
        (lambda: ReadTimeoutError("x"), True, False),
        (lambda: ConnectionDroppedError("x"), True, False),
        (lambda: TLSVerificationError("x"), False, False),
        (lambda: TLSConfigError("x"), False, False),
        (lambda: SpecError("x"), False, False),
        (lambda: AuthError("x"), False, False),
        (lambda: rate_limited(None), True, True),
        (lambda: server_error(500), True, False),
        (lambda: server_error(501), False, False),
        (lambda: server_error(502), True, False),
        (lambda: server_error(503), True, False),
        (lambda: server_error(504), True, False),
        (lambda: lean_api_error(400, lean_status="INVALID_PARAMETERS"), False, False),
        (lambda: lean_api_error(401), False, False),
        (lambda: lean_api_error(403), False, False),
        (lambda: lean_api_error(404), False, False),
        (lambda: lean_api_error(409), False, False),
        (lambda: lean_api_error(503, retryable=False), False, False),
        (lambda: ResultsPendingError("pending", results_id="r1"), False, False),
        (lambda: SecretUnavailableError("down"), True, True),
        (lambda: ValueError("not ours"), False, False),
        (lambda: KeyError("not ours"), False, False),
    ],
)
def test_is_retryable_table(
    make: Callable[[], BaseException], retryable_when_idempotent: bool, retryable_otherwise: bool
) -> None:
    exc = make()
    assert is_retryable(exc, idempotent=True) is retryable_when_idempotent
    assert is_retryable(exc, idempotent=False) is retryable_otherwise


def test_auth_error_retried_only_when_the_instance_says_so(sleeps: list[float]) -> None:
    rejected = Forever(lambda: AuthError("invalid_client"))
    with pytest.raises(AuthError):
        call_with_retry(rejected, idempotent=True, policy=POLICY, sleep=sleeps.append)
    assert rejected.attempts == [1]

    endpoint_down = AuthError("token endpoint unreachable")
    endpoint_down.retryable = True
    fn = Script(endpoint_down)
    assert call_with_retry(fn, idempotent=False, policy=POLICY, sleep=sleeps.append) == "ok"
    assert fn.attempts == [1, 2]


def test_foreign_exception_is_raised_untouched(sleeps: list[float]) -> None:
    boom = RuntimeError("a bug in the caller")
    fn = Script(boom)
    with pytest.raises(RuntimeError) as caught:
        call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append)
    assert caught.value is boom
    assert fn.attempts == [1]


def test_max_attempts_one_means_no_retry(sleeps: list[float]) -> None:
    fn = Forever(lambda: ConnectError("refused"))
    with pytest.raises(ConnectError):
        call_with_retry(
            fn, idempotent=True, policy=RetryPolicy(max_attempts=1), sleep=sleeps.append
        )
    assert fn.attempts == [1]


def test_success_returns_the_value_without_sleeping(sleeps: list[float]) -> None:
    assert (
        call_with_retry(lambda n: n * 10, idempotent=False, policy=POLICY, sleep=sleeps.append)
        == 10
    )
    assert sleeps == []


def test_policy_rejects_nonsense_with_the_field_named() -> None:
    with pytest.raises(SpecError, match=r"retry\.max_attempts must be at least 1 .*got 0") as e:
        RetryPolicy(max_attempts=0)
    assert e.value.field == "retry.max_attempts"
    with pytest.raises(
        SpecError, match=r"retry\.max_backoff_s must be zero or more seconds; got -1"
    ):
        RetryPolicy(max_backoff_s=-1)
    with pytest.raises(SpecError, match=r"must be zero or more; got ratio=-0\.1"):
        RetryBudget(ratio=-0.1)


# -- jitter ---------------------------------------------------------------------------------

DRAWS = 20_000


@pytest.mark.parametrize("attempt", [1, 2, 3, 4, 5, 6, 7, 8, 12, 100])
def test_full_jitter_stays_within_its_ceiling_and_fills_it(attempt: int) -> None:
    policy = RetryPolicy(max_backoff_s=20, base_s=0.5)
    ceiling = min(20.0, 0.5 * 2 ** (attempt - 1))
    rng = random.Random(1234 + attempt)
    waits = [backoff_wait_s(policy, attempt, rng=rng) for _ in range(DRAWS)]
    assert min(waits) >= 0.0
    assert max(waits) <= ceiling
    # Full jitter, not "equal jitter": draws reach near both ends, mean about half the ceiling.
    assert min(waits) < 0.01 * ceiling
    assert max(waits) > 0.99 * ceiling
    mean = sum(waits) / DRAWS
    assert abs(mean - ceiling / 2) < 0.02 * ceiling


def test_retry_after_is_a_floor_on_the_jitter() -> None:
    policy = RetryPolicy(max_backoff_s=20, base_s=0.5)
    rng = random.Random(7)
    # attempt 6: ceiling 16 s, so some draws exceed Retry-After and win.
    waits = [backoff_wait_s(policy, 6, retry_after_s=5.0, rng=rng) for _ in range(DRAWS)]
    assert min(waits) == 5.0
    assert max(waits) <= 16.0
    assert any(w > 5.0 for w in waits)


def test_waits_requested_by_call_with_retry_stay_within_the_cap(sleeps: list[float]) -> None:
    policy = RetryPolicy(max_attempts=12, max_backoff_s=3, base_s=0.5)
    fn = Forever(lambda: ConnectError("refused"))
    with pytest.raises(ConnectError):
        call_with_retry(fn, idempotent=True, policy=policy, sleep=sleeps.append)
    assert len(sleeps) == 11
    ceilings = [min(3.0, 0.5 * 2**i) for i in range(11)]
    assert all(0 <= s <= c for s, c in zip(sleeps, ceilings, strict=True))


def unavailable(status: int, retry_after_s: float | None) -> LeanServerError:
    return LeanServerError(
        http_status=status, lean_status="SERVICE_UNAVAILABLE", retry_after_s=retry_after_s
    )


@pytest.mark.parametrize("status", [502, 503, 504])
def test_5xx_retry_after_is_a_floor_on_the_wait(status: int, sleeps: list[float]) -> None:
    fn = Script(unavailable(status, 2.0), unavailable(status, 3.0))
    assert call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append) == "ok"
    # Jitter ceilings are 0.5 s and 1 s here, below Retry-After: the waits are Lean's.
    assert sleeps == [2.0, 3.0]


def test_5xx_retry_after_above_the_cap_is_raised_at_once(
    sleeps: list[float], events: Callable[[str], list[dict[str, Any]]]
) -> None:
    original = unavailable(503, 120.0)
    fn = Script(original)
    with pytest.raises(LeanServerError) as caught:
        call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append)
    assert caught.value is original
    assert fn.attempts == [1]
    assert sleeps == []
    assert events("http.retry_after_too_long")[0]["http_status"] == 503


def test_retry_after_on_a_500_is_not_honoured(sleeps: list[float]) -> None:
    # Retry-After is honoured on 429/502/503/504 only; a 500 keeps the plain jitter.
    fn = Script(unavailable(500, 120.0))
    assert call_with_retry(fn, idempotent=True, policy=POLICY, sleep=sleeps.append) == "ok"
    assert fn.attempts == [1, 2]
    assert len(sleeps) == 1
    assert sleeps[0] <= POLICY.base_s


def test_server_error_retry_after_is_keyword_only_and_optional() -> None:
    error = lean_api_error(503)
    assert isinstance(error, LeanServerError)
    assert error.retry_after_s is None
    assert unavailable(503, 4.0).retry_after_s == 4.0
    with pytest.raises(TypeError):
        LeanServerError(4.0, http_status=503)  # type: ignore[call-arg]
