"""LeanConnector with injected parts: MockTransport instead of a server (no network).

The real path (TLS, the sandbox's Lean) is proved in tests/integration; here each test
scripts Lean's answers and checks what the connector sent and made of them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lean_connector.api import LINK_PERMISSIONS
from lean_connector.auth import AppTokenCredential
from lean_connector.client import LeanConnector
from lean_connector.errors import InvalidRequestError, LeanNotFoundError
from lean_connector.spec import LeanSpec, load_spec
from lean_connector.testing import MockTransport


@pytest.fixture
def spec(monkeypatch: pytest.MonkeyPatch) -> LeanSpec:
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    return load_spec(
        None, environment="sandbox", auth={"mode": "app_token", "app_token": "app-token-1"}
    )


def connector(spec: LeanSpec, transport: MockTransport) -> LeanConnector:
    return LeanConnector(
        spec, transport=transport, credential=AppTokenCredential(lambda: "app-token-1")
    )


def test_injected_transport_and_credential_carry_the_call(spec: LeanSpec) -> None:
    transport = MockTransport().add(200, [{"identifier": "LEANMB1"}])

    with connector(spec, transport) as lean:
        banks = lean.banks.list()

    assert banks == [{"identifier": "LEANMB1"}]
    (sent,) = transport.requests
    assert (sent.method, sent.url) == ("GET", "https://sandbox.leantech.me/banks/v1/")
    assert sent.headers["lean-app-token"] == "app-token-1"
    assert "Authorization" not in sent.headers
    assert transport.closed  # close() closes a given transport too
    assert lean.ssl_context is None  # nothing built for TLS when the transport is given


def test_lean_error_from_the_injected_transport_is_mapped(spec: LeanSpec) -> None:
    transport = MockTransport().add(
        404,
        {"status": "UNKNOWN_ENTITY", "message": "no such customer"},
        headers={"lean-correlation-id": "corr-1"},
    )
    lean = connector(spec, transport)

    with pytest.raises(LeanNotFoundError) as caught:
        lean.customers.get("c-1")

    assert caught.value.lean_status == "UNKNOWN_ENTITY"
    assert caught.value.correlation_id == "corr-1"
    assert len(transport.requests) == 1  # a 404 is never retried


def test_link_session_gets_or_creates_the_customer(spec: LeanSpec) -> None:
    transport = (
        MockTransport()
        .add(409, {"status": "CUSTOMER_ALREADY_EXISTS", "message": "exists"})
        .add(200, {"customer_id": "cust-9", "app_user_id": "user-1"})
    )
    lean = connector(spec, transport)

    config = lean.link_session("user-1", ["accounts", "transactions"])

    assert config == {
        "app_token": "app-token-1",
        "customer_id": "cust-9",
        "permissions": ["accounts", "transactions"],
        "sandbox": True,
    }
    assert [r.path for r in transport.requests] == [
        "/customers/v1/",
        "/customers/v1/app-user-id/user-1",
    ]


@pytest.mark.parametrize(
    ("app_user_id", "permissions", "message"),
    [
        ("user-1", ["accounts", "balances"], r"^unknown LinkSDK permission\(s\) \['balances'\]"),
        ("user-1", [], r"^permissions must not be empty: choose from "),
        ("", ["accounts"], r"^app_user_id must be a non-empty string, got ''$"),
    ],
)
def test_bad_link_session_input_is_refused_before_any_call(
    spec: LeanSpec, app_user_id: str, permissions: list[str], message: str
) -> None:
    transport = MockTransport()
    lean = connector(spec, transport)

    with pytest.raises(InvalidRequestError, match=message) as caught:
        lean.link_session(app_user_id, permissions)

    if "choose from" in message:
        assert re.escape(str(sorted(LINK_PERMISSIONS))) in re.escape(str(caught.value))
    assert transport.requests == []


def test_mock_transport_without_a_reply_names_the_request(spec: LeanSpec) -> None:
    lean = connector(spec, MockTransport())

    with pytest.raises(AssertionError, match=r"no reply for GET https://sandbox\.leantech\.me/"):
        lean.request("GET", "/banks/v1/")


def test_handler_answers_when_the_script_is_empty(spec: LeanSpec) -> None:
    seen: list[Any] = []

    def answer(request: Any) -> Any:
        from lean_connector.testing import response

        seen.append(request.params)
        return response(200, {"data": []})

    lean = connector(spec, MockTransport(handler=answer))

    assert lean.request("GET", "/data/v2/accounts", params={"entity_id": "e-1"}) == {"data": []}
    assert seen == [{"entity_id": "e-1"}]


# -- exact numbers -------------------------------------------------------------------------


def test_answers_parse_numbers_exactly(spec: LeanSpec) -> None:
    from decimal import Decimal

    transport = MockTransport().add(200, b'{"amount": 0.10, "count": 3, "rate": 1e-2}')
    lean = connector(spec, transport)

    body = lean.request("GET", "/payments/v1/intents/i-1")

    assert body == {"amount": Decimal("0.10"), "count": 3, "rate": Decimal("0.01")}
    assert str(body["amount"]) == "0.10"  # the digits Lean sent, not a float's
    assert type(body["count"]) is int


# -- LinkSDK flows ---------------------------------------------------------------------------


def customer_then(transport: MockTransport) -> MockTransport:
    return transport.add(200, {"customer_id": "cust-9", "app_user_id": "user-1"})


def test_link_flows_build_each_linksdk_config(spec: LeanSpec) -> None:
    transport = MockTransport()
    for _ in range(3):
        customer_then(transport)
    lean = connector(spec, transport)

    reconnect = lean.link.reconnect("user-1", reconnect_id="rc-1")
    pay = lean.link.pay("user-1", payment_intent_id="pi-1", bank_identifier="ENBD_UAE")
    consent = lean.link.authorize_consent(
        "user-1",
        consent_id="con-1",
        success_redirect_url="https://shop.example/ok",
        fail_redirect_url="https://shop.example/ko",
    )

    base = {"app_token": "app-token-1", "sandbox": True}
    assert reconnect == {**base, "reconnect_id": "rc-1"}
    assert pay == {**base, "payment_intent_id": "pi-1", "bank_identifier": "ENBD_UAE"}
    assert consent == {
        **base,
        "customer_id": "cust-9",
        "consent_id": "con-1",
        "success_redirect_url": "https://shop.example/ok",
        "fail_redirect_url": "https://shop.example/ko",
    }
    assert [r.path for r in transport.requests] == ["/customers/v1/"] * 3


def test_link_session_accepts_every_permission_lean_documents(spec: LeanSpec) -> None:
    documented = [
        "identity",
        "accounts",
        "balance",
        "transactions",
        "identities",
        "scheduled_payments",
        "standing_orders",
        "direct_debits",
        "beneficiaries",
    ]
    lean = connector(spec, customer_then(MockTransport()))

    config = lean.link_session("user-1", documented)

    assert config["permissions"] == documented
    assert set(documented) <= LINK_PERMISSIONS


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda lean: lean.link.reconnect("user-1", reconnect_id=""), "^reconnect_id must be"),
        (lambda lean: lean.link.pay("user-1", payment_intent_id=None), "^payment_intent_id must"),
        (
            lambda lean: lean.link.authorize_consent(
                "user-1",
                consent_id="c",
                success_redirect_url="javascript:alert(1)",
                fail_redirect_url="https://x.example/",
            ),
            "^success_redirect_url must be an absolute http\\(s\\) URL, got 'javascript:alert",
        ),
    ],
)
def test_link_flows_refuse_missing_ids_before_any_call(
    spec: LeanSpec, call: Any, message: str
) -> None:
    transport = MockTransport()
    lean = connector(spec, transport)

    with pytest.raises(InvalidRequestError, match=message):
        call(lean)
    assert transport.requests == []
