"""LeanConnector against the local Lean sandbox: a burst of 401s, Retry-After on 5xx, bodies.

The sandbox injects the faults and counts what the connector did (calls, token requests);
log events come from lean_connector.logs.capture_logs. Nothing is mocked. Retry backoff is
shrunk through the spec; nothing here asserts timings.
"""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal
from typing import Any

import pytest

from lean_connector.errors import InvalidRequestError, LeanServerError
from lean_connector.logs import capture_logs
from lean_connector.testing.sandbox import BANKS, LeanSandbox
from tests.support.connect import Connect
from tests.support.waiting import events

pytestmark = pytest.mark.integration


# -- a burst of 401s recovers once ---------------------------------------------------------


def test_16_threads_refused_together_recover_once(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    connector.banks.list()  # a token every thread shares, as in a warm container
    lean_sandbox.reset()
    lean_sandbox.faults.unauthorized(16)
    # Each answer waits 0.3 s, so all 16 first attempts take the 16 armed 401s before any
    # retry reaches the sandbox (the order the test needs, not a timing assertion).
    lean_sandbox.faults.latency_s = 0.3
    barrier = threading.Barrier(16)
    answers: list[int] = []
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            answers.append(len(connector.banks.list()))
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(16)]
    with capture_logs() as logs:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert failures == []
    assert answers == [len(BANKS)] * 16
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 32, "each retried once"
    # One recovery drops the revoked token; every thread then shares ONE new token.
    assert lean_sandbox.counters.token_requests["api"] <= 2
    assert 1 <= len(events(logs, "auth.recovering")) <= 2
    skipped = events(logs, "auth.recovery_skipped")
    assert len(skipped) + len(events(logs, "auth.recovering")) == 16


# -- Retry-After on 502/503/504 -------------------------------------------------------------


@pytest.mark.parametrize("status", [502, 503, 504])
def test_5xx_with_retry_after_is_waited_out(
    status: int, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token")
    lean_sandbox.faults.unavailable(1, status=status, retry_after_s=1)

    with capture_logs() as logs:
        banks = connector.banks.list()

    assert len(banks) == len(BANKS)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 2
    (retry,) = events(logs, "http.retry")
    assert retry["http_status"] == status
    # The wait chosen (not a measured time): Retry-After is a floor over the jitter, which
    # max_backoff_s=0.05 would otherwise keep far below one second.
    assert retry["wait_s"] >= 1.0


def test_503_with_retry_after_above_the_cap_is_raised_at_once(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token", retry={"max_retry_after_s": 1})
    lean_sandbox.faults.unavailable(1, status=503, retry_after_s=30)

    with capture_logs() as logs, pytest.raises(LeanServerError) as raised:
        connector.banks.list()

    assert raised.value.retry_after_s == 30
    assert raised.value.http_status == 503
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 1
    assert [e["retry_after_s"] for e in events(logs, "http.retry_after_too_long")] == [30]


# -- request bodies -----------------------------------------------------------------------


def test_decimal_amount_reaches_the_sandbox_as_a_number(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token")
    customer_id = connector.customers.create(f"dec-{uuid.uuid4().hex[:12]}")["customer_id"]

    intent = connector.payments.create_intent(
        amount=Decimal("100.10"), currency="AED", customer_id=customer_id
    )

    # The sandbox refuses an amount that is not a JSON number (a "100.10" string included).
    assert intent["amount"] == Decimal("100.1")  # parsed exactly, not as a float
    assert lean_sandbox.counters.calls[("POST", "/payments/v1/intents")] == 1


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"amount": 1, "when": object()}, "object at json['when']"),
        ({"items": [1, {2, 3}]}, "set at json['items'][1]"),
        ({"amount": float("nan")}, "float at json['amount'] (NaN and infinity"),
        ({"amount": Decimal("Infinity")}, "Decimal at json['amount'] (NaN and infinity"),
        ({1: "x"}, "int at json (object keys must be strings)"),
    ],
)
def test_a_body_json_cannot_hold_is_refused_before_anything_is_sent(
    connect: Connect, lean_sandbox: LeanSandbox, body: Any, where: str
) -> None:
    connector = connect("oauth")

    with pytest.raises(InvalidRequestError) as raised:
        connector.request("POST", "/payments/v1/intents", json=body)

    assert str(raised.value).startswith(f"json body is not JSON-serializable: {where}")
    assert sum(lean_sandbox.counters.calls.values()) == 0
    assert sum(lean_sandbox.counters.token_requests.values()) == 0
