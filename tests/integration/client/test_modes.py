"""LeanConnector in each auth mode against the local Lean sandbox: every resource, end to end.

Nothing is mocked: real TLS (mTLS on the sandbox's client-certificate listener), real RS256
tokens from its OAuth endpoint, its Lean-shaped bodies and pagination. The sandbox answers
400 INVALID_PARAMETERS to a request carrying both lean-app-token and Authorization, so every
successful call here also proves the connector sent only one of them.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.errors import LeanConflictError, LeanNotFoundError
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.connect import Connect

pytestmark = pytest.mark.integration

# From a plain checkout (package not installed) register the plugin here; never both.

MODES = ("mtls", "oauth", "app_token")
TODAY = dt.date.today()


def unique(prefix: str) -> str:
    # Sandbox data outlives a test: every customer gets its own app_user_id.
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def calls(sandbox: LeanSandbox, method: str, route: str) -> int:
    return sandbox.counters.calls[(method, route)]


def listener(mode: str) -> str:
    return "mtls" if mode == "mtls" else "api"


@pytest.mark.parametrize("mode", MODES)
def test_banks_list(mode: str, connect: Connect, lean_sandbox: LeanSandbox) -> None:
    banks = connect(mode).banks.list()

    identifiers = {bank["identifier"] for bank in banks}
    assert {"ENBD_UAE", "ALRAJHI_KSA"} <= identifiers
    assert calls(lean_sandbox, "GET", "/banks/v1/") == 1
    # The call went to the listener of the mode: mtls only on the client-certificate one.
    assert lean_sandbox.counters.handshakes[listener(mode)] == 1
    expected_tokens = {"api": 1} if mode == "oauth" else {}
    assert dict(lean_sandbox.counters.token_requests) == expected_tokens


@pytest.mark.parametrize("mode", MODES)
def test_customers_create_get_and_conflict(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    app_user_id = unique(f"modes-{mode}")

    created = connector.customers.create(app_user_id)
    customer_id = created["customer_id"]

    assert created["app_user_id"] == app_user_id
    assert connector.customers.get(customer_id) == created
    assert connector.customers.get_by_app_user_id(app_user_id) == created
    with pytest.raises(LeanConflictError) as conflict:
        connector.customers.create(app_user_id)
    assert conflict.value.http_status == 409
    assert conflict.value.lean_status == "CUSTOMER_ALREADY_EXISTS"
    assert "use customers.get_by_app_user_id()" in str(conflict.value)
    assert conflict.value.correlation_id is not None
    assert f"[lean-correlation-id={conflict.value.correlation_id}]" in str(conflict.value)


@pytest.mark.parametrize("mode", MODES)
def test_customer_not_found_carries_lean_fields(mode: str, connect: Connect) -> None:
    missing = str(uuid.uuid4())

    with pytest.raises(LeanNotFoundError) as raised:
        connect(mode).customers.get(missing)

    error = raised.value
    assert (error.http_status, error.lean_status) == (404, "UNKNOWN_ENTITY")
    assert error.lean_message == f"no customer with customer_id {missing}"
    assert error.method == "GET"
    assert error.path == f"/customers/v1/{missing}"
    assert uuid.UUID(str(error.correlation_id))
    assert uuid.UUID(str(error.trace_id))
    assert str(error).startswith(f"Lean answered 404 UNKNOWN_ENTITY to GET /customers/v1/{missing}")


def customer_list_calls(sandbox: LeanSandbox) -> int:
    # Lean lists customers at /customers/v1; older collections spell it with the slash.
    return calls(sandbox, "GET", "/customers/v1") + calls(sandbox, "GET", "/customers/v1/")


@pytest.mark.parametrize("mode", MODES)
def test_customers_list_follows_pages(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    for _ in range(3):  # with the 2 seeded ones: at least 3 pages of 2
        connector.customers.create(unique(f"list-{mode}"))
    first = connector.request("GET", "/customers/v1", params={"page_size": 1})
    total = first["page"]["total_elements"]
    lean_sandbox.reset()

    listed = list(connector.customers.list(page_size=2))

    assert len(listed) == total
    assert len({customer["customer_id"] for customer in listed}) == total
    assert customer_list_calls(lean_sandbox) == math.ceil(total / 2)
    assert listed == list(connector.customers.list(page_size=100))


@pytest.mark.parametrize("mode", MODES)
def test_entities_of_a_customer(mode: str, connect: Connect, lean_sandbox: LeanSandbox) -> None:
    customer_id = lean_sandbox.seeded.customer_ids[0]

    entities = connect(mode).customers.entities(customer_id)

    assert [entity["customer_id"] for entity in entities] == [customer_id]
    assert entities[0]["id"] == lean_sandbox.seeded.entity_ids[0]
    assert calls(lean_sandbox, "GET", "/customers/v1/{customer_id}/entities") == 1


@pytest.mark.parametrize("mode", MODES)
def test_data_accounts_balances_transactions(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    entity_id = lean_sandbox.seeded.entity_ids[0]

    accounts = list(connector.data.accounts(entity_id, page_size=1))

    assert [a["account_id"] for a in accounts] == list(lean_sandbox.seeded.account_ids[:2])
    assert calls(lean_sandbox, "GET", "/data/v2/accounts") == 2  # one account per page

    account_id = accounts[0]["account_id"]
    balances = connector.data.balances(account_id, entity_id=entity_id)
    assert {b["type"] for b in balances["balances"]} == {
        "CLOSING_AVAILABLE",
        "CLOSING_BOOKED",
        "INTERIM_AVAILABLE",
        "INTERIM_BOOKED",
    }
    assert {b["account_id"] for b in balances["balances"]} == {account_id}

    window = {
        "entity_id": entity_id,
        "start_date": (TODAY - dt.timedelta(days=120)).isoformat(),
        "end_date": TODAY.isoformat(),
    }
    paged = list(connector.data.transactions(account_id, page_size=7, **window))
    whole = list(connector.data.transactions(account_id, page_size=100, **window))

    assert len(paged) == 30  # the sandbox seeds 30 transactions per account, all in 90 days
    assert paged == whole
    assert len({t["transaction_id"] for t in paged}) == 30
    assert calls(lean_sandbox, "GET", "/data/v2/accounts/{account_id}/transactions") == 5 + 1


@pytest.mark.parametrize("mode", MODES)
def test_transactions_window_narrows_the_result(mode: str, connect: Connect) -> None:
    connector = connect(mode)
    entity_id = connector.customers.entities(
        connector.customers.get_by_app_user_id("sandbox-user-00000")["customer_id"]
    )[0]["id"]
    account_id = next(iter(connector.data.accounts(entity_id)))["account_id"]
    start = TODAY - dt.timedelta(days=10)

    recent = list(
        connector.data.transactions(
            account_id, entity_id=entity_id, start_date=start.isoformat(), end_date=str(TODAY)
        )
    )

    assert all(start.isoformat() <= t["booking_date_time"][:10] for t in recent)
    assert len(recent) < 30


@pytest.mark.parametrize("mode", MODES)
def test_payment_intent_keeps_its_idempotency_key_across_a_retry(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    customer_id = connector.customers.create(unique(f"pay-{mode}"))["customer_id"]
    lean_sandbox.reset()
    lean_sandbox.faults.unavailable(1)  # the first attempt gets 503, the retry goes through

    intent = connector.payments.create_intent(
        amount=125.5, currency="aed", customer_id=customer_id, description="rent"
    )

    assert intent["customer_id"] == customer_id
    assert (intent["amount"], intent["currency"]) == (125.5, "AED")
    assert intent["payments"] == []  # nobody has paid it yet
    assert calls(lean_sandbox, "POST", "/payments/v1/intents") == 2
    keys = lean_sandbox.counters.idempotency_keys
    assert len(keys) == 1, "both attempts must carry the same, generated, Idempotency-Key"
    (key,) = keys
    assert keys[key] == 2
    assert uuid.UUID(key).version == 4

    second = connector.payments.create_intent(amount=1, currency="AED", customer_id=customer_id)
    assert second["payment_intent_id"] != intent["payment_intent_id"]
    assert len(lean_sandbox.counters.idempotency_keys) == 2, "each new intent gets a new key"


@pytest.mark.parametrize("mode", MODES)
def test_explicit_idempotency_key_replays_the_same_intent(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    customer_id = connector.customers.create(unique(f"replay-{mode}"))["customer_id"]
    key = str(uuid.uuid4())

    first = connector.payments.create_intent(
        amount=10, currency="AED", customer_id=customer_id, idempotency_key=key
    )
    again = connector.payments.create_intent(
        amount=10, currency="AED", customer_id=customer_id, idempotency_key=key
    )

    assert again == first
    assert lean_sandbox.counters.idempotency_keys[key] == 2


def test_link_session_oauth_includes_a_customer_token(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    app_user_id = unique("link-oauth")

    config = connector.link_session(app_user_id, ["accounts", "balance"], "ENBD_UAE")

    customer_id = connector.customers.get_by_app_user_id(app_user_id)["customer_id"]
    assert set(config) == {
        "app_token",
        "customer_id",
        "permissions",
        "bank_identifier",
        "sandbox",
        "access_token",
    }
    assert config["customer_id"] == customer_id
    assert config["app_token"] == lean_sandbox.client_id
    assert config["permissions"] == ["accounts", "balance"]
    assert config["bank_identifier"] == "ENBD_UAE"
    assert config["sandbox"] is True
    claims = lean_sandbox.verify_jwt(config["access_token"])
    assert claims["scope"] == f"customer.{customer_id}"
    assert claims["exp"] - time.time() >= 600, "LinkSDK needs >= 10 minutes of validity"
    assert lean_sandbox.counters.token_requests[f"customer.{customer_id}"] == 1

    # Same user again: get-or-create finds the customer; the cached token is reused.
    again = connector.link_session(app_user_id, ["accounts"])
    assert again["customer_id"] == customer_id
    assert again["access_token"] == config["access_token"]
    assert lean_sandbox.counters.token_requests[f"customer.{customer_id}"] == 1
    assert "bank_identifier" not in again


@pytest.mark.parametrize("mode", ["mtls", "app_token"])
def test_link_session_without_oauth_has_no_access_token(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)
    app_user_id = unique(f"link-{mode}")

    config = connector.link_session(app_user_id)

    assert "access_token" not in config
    assert config["app_token"] == lean_sandbox.app_token
    assert (
        config["customer_id"] == connector.customers.get_by_app_user_id(app_user_id)["customer_id"]
    )
    assert config["permissions"] == ["identity", "accounts", "balance", "transactions"]
    assert sum(lean_sandbox.counters.token_requests.values()) == 0


@pytest.mark.parametrize("mode", MODES)
def test_each_credential_sends_exactly_one_auth_header(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect(mode)

    headers = {name.lower() for name in connector.credential.headers()}

    expected = {"authorization"} if mode == "oauth" else {"lean-app-token"}
    assert headers == expected
    assert connector.banks.list()


@pytest.mark.parametrize("mode", MODES)
def test_sandbox_refuses_both_auth_headers_so_the_mode_tests_mean_something(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    # The control: sent directly through the connector's transport (bypassing the
    # credential), both headers together get Lean's 400, as the header rule says.
    connector = connect(mode)
    both = {"lean-app-token": lean_sandbox.app_token, "Authorization": "Bearer x.y.z"}

    response = connector.transport.send("GET", connector.endpoints.api + "/banks/v1/", headers=both)

    assert response.status == 400
    body: dict[str, Any] = response.json()
    assert body["status"] == "INVALID_PARAMETERS"
    assert "Do not supply a 'lean-app-token' header" in body["message"]


@pytest.mark.parametrize("mode", ["mtls", "oauth"])
def test_sequential_calls_reuse_one_connection_and_one_token(
    mode: str, lean_sandbox: LeanSandbox
) -> None:
    """2,000 sequential GETs -> 1 TLS handshake and 1 token request: the pool and the token work."""
    lean_sandbox.reset()
    with LeanConnector.from_spec(
        **lean_sandbox.spec_overrides(mode), logging={"level": "WARNING"}
    ) as connector:
        for _ in range(2000):
            connector.request("GET", "/banks/v1/")
        client_handshakes = connector.transport.handshakes

    counters = lean_sandbox.counters
    assert calls(lean_sandbox, "GET", "/banks/v1/") == 2000
    assert counters.handshakes == {listener(mode): 1}
    assert client_handshakes == 1
    assert dict(counters.token_requests) == ({"api": 1} if mode == "oauth" else {})


@pytest.mark.parametrize("mode", MODES)
def test_entities_list_pages_every_entity_once(
    mode: str, connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    expected = {
        entity["id"]
        for customer in lean_sandbox.data.customers()
        for entity in lean_sandbox.data.entities(customer["customer_id"])
    }
    lean_sandbox.reset()

    listed = [entity["id"] for entity in connect(mode).entities.list(page_size=1)]

    assert sorted(listed) == sorted(expected)  # each once
    assert calls(lean_sandbox, "GET", "/customers/v1/entities") == len(expected)
