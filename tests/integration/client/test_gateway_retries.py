"""A POST without an Idempotency-Key is never sent twice, through a real gateway's failures.

The connector talks to a TLS reverse proxy (tests/support/gateway_proxy.py) in front of the
local sandbox. The sandbox drops connections or stalls (its fault switches) and counts the
requests that reached it; the proxy turns a dropped upstream connection into a 502 (or
passes the reset on) and a stalled one into a 504, as a gateway in front of Lean would.
Each failure happens after the request was forwarded, so Lean may have acted on it: a POST
without a key must reach the sandbox exactly once, while a GET and a POST carrying a key
are retried and succeed. Nothing is mocked; nothing asserts timings.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.errors import (
    ConnectionDroppedError,
    ConnectorError,
    LeanServerError,
    ReadTimeoutError,
)
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.connect import Connect
from tests.support.gateway_proxy import GatewayProxy, OnUpstreamDrop
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

CUSTOMERS = "/customers/v1/"
INTENTS = "/payments/v1/intents"
STALL_S = 1.5  # how long the sandbox stalls a call; longer than the timeouts below
SHORT_TIMEOUT_S = 0.4

Gateway = Callable[..., tuple[GatewayProxy, LeanConnector]]


@pytest.fixture
def gateway(lean_sandbox: LeanSandbox, connect: Connect) -> Iterator[Gateway]:
    """``gateway(on_upstream_drop=..., upstream_timeout_s=..., read_timeout_s=...)``: a
    started proxy in front of the sandbox and a connector whose ``endpoints.api`` is it."""
    with ExitStack() as stack:

        def build(
            *,
            on_upstream_drop: OnUpstreamDrop = "502",
            upstream_timeout_s: float = 30.0,
            read_timeout_s: float = 65.0,
        ) -> tuple[GatewayProxy, LeanConnector]:
            proxy = stack.enter_context(
                GatewayProxy(
                    lean_sandbox.api_url,
                    lean_sandbox.bundle,
                    upstream_timeout_s=upstream_timeout_s,
                    on_upstream_drop=on_upstream_drop,
                )
            )
            connector = connect(
                "app_token",
                endpoints={"api": proxy.url},
                http={"read_timeout_s": read_timeout_s},
            )
            return proxy, connector

        yield build
        # A stalled call is still being handled after the client gave up: let it finish, so
        # the next test starts with nothing in flight.
        wait_for(lambda: lean_sandbox.counters.in_flight == 0)


def _arm_drop(sandbox: LeanSandbox, method: str) -> None:
    # Lean handles the call, then the connection is cut before its answer gets out.
    sandbox.faults.reset_connections(1, method=method, after_acting=True)


def _arm_stall(sandbox: LeanSandbox, method: str) -> None:
    sandbox.faults.delay(1, STALL_S, method=method)


# (case, how the sandbox fails, gateway settings, the error the caller sees, proxy counter)
CASES: list[tuple[str, Callable[[LeanSandbox, str], None], dict[str, Any], type[Exception], str]]
CASES = [
    ("502 after a dropped upstream", _arm_drop, {}, LeanServerError, "dropped"),
    (
        "504 after an upstream timeout",
        _arm_stall,
        {"upstream_timeout_s": SHORT_TIMEOUT_S},
        LeanServerError,
        "timeout",
    ),
    (
        "client read timeout",
        _arm_stall,
        {"read_timeout_s": SHORT_TIMEOUT_S},
        ReadTimeoutError,
        "forwarded",
    ),
    (
        "connection reset passed on",
        _arm_drop,
        {"on_upstream_drop": "reset"},
        ConnectionDroppedError,
        "reset",
    ),
]
IDS = [case[0] for case in CASES]


def _customer_body() -> dict[str, str]:
    return {"app_user_id": f"gateway-{uuid.uuid4()}"}


@pytest.mark.parametrize(("case", "arm", "settings", "error", "counter"), CASES, ids=IDS)
def test_post_without_idempotency_key_reaches_lean_exactly_once(
    case: str,
    arm: Callable[[LeanSandbox, str], None],
    settings: dict[str, Any],
    error: type[Exception],
    counter: str,
    gateway: Gateway,
    lean_sandbox: LeanSandbox,
) -> None:
    proxy, connector = gateway(**settings)
    arm(lean_sandbox, "POST")

    with pytest.raises(ConnectorError) as raised:
        connector.request("POST", CUSTOMERS, json=_customer_body())

    assert type(raised.value) is error, f"{case}: got {raised.value!r}"
    if isinstance(raised.value, LeanServerError):
        assert raised.value.http_status == (504 if counter == "timeout" else 502)
    else:
        assert "may have been applied" in str(raised.value)
    assert lean_sandbox.counters.calls[("POST", CUSTOMERS)] == 1, "the POST was sent twice"
    assert proxy.counters["forwarded"] == 1
    assert proxy.counters[counter] == 1


@pytest.mark.parametrize(("case", "arm", "settings", "error", "counter"), CASES, ids=IDS)
def test_post_with_idempotency_key_is_retried_and_lean_keeps_one_result(
    case: str,
    arm: Callable[[LeanSandbox, str], None],
    settings: dict[str, Any],
    error: type[Exception],
    counter: str,
    gateway: Gateway,
    lean_sandbox: LeanSandbox,
) -> None:
    proxy, connector = gateway(**settings)
    customer_id = lean_sandbox.seeded.customer_ids[0]
    key = str(uuid.uuid4())
    body = {"amount": 42.5, "currency": "AED", "customer_id": customer_id}
    arm(lean_sandbox, "POST")

    intent = connector.request("POST", INTENTS, json=body, idempotency_key=key)

    assert intent["customer_id"] == customer_id
    assert lean_sandbox.counters.calls[("POST", INTENTS)] == 2
    assert lean_sandbox.counters.idempotency_keys[key] == 2
    assert proxy.counters["forwarded"] == 2
    if counter != "forwarded":
        assert proxy.counters[counter] == 1
    # The same key again is answered with the same intent: nothing new is created.
    again = connector.request("POST", INTENTS, json=body, idempotency_key=key)
    assert again["payment_intent_id"] == intent["payment_intent_id"]


@pytest.mark.parametrize(("case", "arm", "settings", "error", "counter"), CASES, ids=IDS)
def test_get_is_retried_and_succeeds(
    case: str,
    arm: Callable[[LeanSandbox, str], None],
    settings: dict[str, Any],
    error: type[Exception],
    counter: str,
    gateway: Gateway,
    lean_sandbox: LeanSandbox,
) -> None:
    proxy, connector = gateway(**settings)
    customer_id = lean_sandbox.seeded.customer_ids[0]
    arm(lean_sandbox, "GET")

    customer = connector.request("GET", f"/customers/v1/{customer_id}")

    assert customer["customer_id"] == customer_id
    assert lean_sandbox.counters.calls[("GET", "/customers/v1/{customer_id}")] == 2
    assert proxy.counters["forwarded"] == 2
    if counter != "forwarded":
        assert proxy.counters[counter] == 1


def test_the_gateway_answers_502_with_its_own_page_not_a_lean_body(
    gateway: Gateway, lean_sandbox: LeanSandbox
) -> None:
    _, connector = gateway()
    _arm_drop(lean_sandbox, "POST")

    with pytest.raises(LeanServerError) as raised:
        connector.request("POST", CUSTOMERS, json=_customer_body())

    # No Lean status code and no correlation id: the gateway answered, not Lean.
    assert raised.value.lean_status is None
    assert raised.value.correlation_id is None
    assert "502" in str(raised.value)


def test_a_dropped_post_may_still_have_been_applied(
    gateway: Gateway, lean_sandbox: LeanSandbox
) -> None:
    # Why the rule exists: Lean created the customer although the caller saw a 502.
    _, connector = gateway()
    body = _customer_body()
    _arm_drop(lean_sandbox, "POST")

    with pytest.raises(LeanServerError):
        connector.request("POST", CUSTOMERS, json=body)

    found = connector.request("GET", f"/customers/v1/app-user-id/{body['app_user_id']}")
    assert found["app_user_id"] == body["app_user_id"]
