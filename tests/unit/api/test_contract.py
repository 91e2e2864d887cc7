"""Every endpoint of Lean's collections has a resource method that sends exactly Lean's names.

``lean_endpoints.json`` beside this file is our own description of each endpoint (method,
path as Lean spells it, query names, body fields, regions, paging, Idempotency-Key). Each
entry is called here through the real connector over ``MockTransport`` (a script stands
in for Lean: only what the connector sends is checked), and the request must carry that
method, path and exactly those names.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lean_connector.auth import AppTokenCredential
from lean_connector.client import LeanConnector
from lean_connector.errors import InvalidRequestError
from lean_connector.spec import load_spec
from lean_connector.testing import MockTransport
from lean_connector.testing._mock_transport import RecordedRequest, response
from lean_connector.transport import HttpResponse

ENDPOINTS: list[dict[str, Any]] = json.loads(
    (Path(__file__).with_name("lean_endpoints.json")).read_text()
)["endpoints"]

IDS = {
    "customer_id": "cust-1",
    "app_user_id": "user-1",
    "entity_id": "ent-1",
    "account_id": "acc-1",
    "refresh_id": "ref-1",
    "results_id": "res-1",
    "intent_id": "int-1",
    "payment_intent_id": "pint-1",
    "payment_id": "pay-1",
    "consent_id": "con-1",
    "payment_source_id": "ps-1",
    "destination_id": "dest-1",
}
IDENT = [{"type": "NATIONAL_ID", "value": "1234567890"}]
GOV_ID = {"type": "EMIRATES_ID", "value": "784-0000-0000000-0"}

Call = Callable[[LeanConnector], Any]

#: How to call each method with every argument it can send (ids from IDS).
CALLS: dict[str, Call] = {
    "customers.list": lambda lean: list(lean.customers.list()),
    "customers.create": lambda lean: lean.customers.create("user-1"),
    "customers.get_by_app_user_id": lambda lean: lean.customers.get_by_app_user_id("user-1"),
    "customers.get": lambda lean: lean.customers.get("cust-1"),
    "entities.list": lambda lean: list(
        lean.entities.list(start_date="2026-01-01", end_date="2026-01-31")
    ),
    "entities.for_customer": lambda lean: lean.entities.for_customer("cust-1"),
    "entities.get": lambda lean: lean.entities.get("cust-1", "ent-1"),
    "data.accounts": lambda lean: list(lean.data.accounts("ent-1")),
    "data.balances": lambda lean: lean.data.balances("acc-1", entity_id="ent-1"),
    "data.beneficiaries": lambda lean: list(lean.data.beneficiaries("acc-1", entity_id="ent-1")),
    "data.direct_debits": lambda lean: list(lean.data.direct_debits("acc-1", entity_id="ent-1")),
    "data.identities": lambda lean: list(lean.data.identities("acc-1", entity_id="ent-1")),
    "data.scheduled_payments": lambda lean: list(
        lean.data.scheduled_payments("acc-1", entity_id="ent-1")
    ),
    "data.standing_orders": lambda lean: list(
        lean.data.standing_orders("acc-1", entity_id="ent-1")
    ),
    "data.transactions": lambda lean: list(
        lean.data.transactions(
            "acc-1",
            entity_id="ent-1",
            start_date="2026-01-01",
            end_date="2026-01-31",
            insights=True,
        )
    ),
    "data.identity": lambda lean: list(lean.data.identity("ent-1")),
    "data.refreshes": lambda lean: list(lean.data.refreshes("ent-1")),
    "data.refresh": lambda lean: lean.data.refresh("ent-1"),
    "data.refresh_status": lambda lean: lean.data.refresh_status("ref-1", entity_id="ent-1"),
    "data.results": lambda lean: lean.data.results("res-1", entity_id="ent-1"),
    "insights.cash_balances": lambda lean: lean.insights.cash_balances(
        "ent-1", start_date="2026-01-01"
    ),
    "insights.cashflows": lambda lean: lean.insights.cashflows("ent-1", start_date="2026-01-01"),
    "insights.freelancer_cashflows": lambda lean: lean.insights.freelancer_cashflows("ent-1"),
    "insights.expenses": lambda lean: lean.insights.expenses("ent-1"),
    "insights.income": lambda lean: lean.insights.income("ent-1", income_type="ALL"),
    "insights.employment": lambda lean: lean.insights.employment("ent-1", start_date="2026-01-01"),
    "insights.credit_obligations": lambda lean: lean.insights.credit_obligations(
        "ent-1", start_date="2026-01-01"
    ),
    "insights.non_credit_obligations": lambda lean: lean.insights.non_credit_obligations(
        "ent-1", start_date="2026-01-01"
    ),
    "verifications.name": lambda lean: lean.verifications.name("ent-1", full_name="Jane Doe"),
    "verifications.account": lambda lean: lean.verifications.account(
        country_code="AE",
        type="PERSONAL",
        account_details={"type": "IBAN", "value": "AE070331234567890123456"},
        identifications=IDENT,
        bank_identifier="ENBD_UAE",
    ),
    "verifications.corporate": lambda lean: lean.verifications.corporate(
        type="FULL", identifications=IDENT, language="en"
    ),
    "verifications.corporate_managers": lambda lean: lean.verifications.corporate_managers(
        identifications=IDENT, language="en"
    ),
    "verifications.freelancer": lambda lean: lean.verifications.freelancer(
        type="CERTIFICATE", identifications=IDENT
    ),
    "verifications.beneficiary_name": lambda lean: lean.verifications.beneficiary_name(
        "SA0380000000608010167519"
    ),
    "verifications.entity": lambda lean: lean.verifications.entity("ent-1", identifications=IDENT),
    "banks.list": lambda lean: lean.banks.list(account_types="PERSONAL"),
    "payments.pay_account_on_file": lambda lean: lean.payments.pay_account_on_file(
        consent_id="con-1",
        amount=Decimal("10.50"),
        reference="order-1",
        creditor_reference="inv-1",
        risk_details={"channel": "WEB"},
    ),
    "payments.intents": lambda lean: list(lean.payments.intents()),
    "payments.create_intent": lambda lean: lean.payments.create_intent(
        amount=Decimal("10.50"),
        currency="AED",
        customer_id="cust-1",
        payment_destination_id="dest-1",
        purpose_code="ACM",
        description="rent",
    ),
    "payments.get_intent": lambda lean: lean.payments.get_intent("int-1"),
    "payments.get": lambda lean: lean.payments.get("pay-1"),
    "consents.create_account_on_file": lambda lean: lean.consents.create_account_on_file(
        customer_id="cust-1",
        destination_account_id="dest-1",
        currency="AED",
        description="subscription",
        reference="sub-1",
        purpose="ACM",
        control_parameters={"period_type": "MONTH", "max_individual_amount": "100"},
        government_identifier=GOV_ID,
        immediate_payment={"amount": "10", "reference": "first"},
    ),
    "consents.list": lambda lean: list(lean.consents.list()),
    "consents.get": lambda lean: lean.consents.get("con-1"),
    "consents.balance": lambda lean: lean.consents.balance("con-1"),
    "consents.history": lambda lean: list(lean.consents.history("con-1")),
    "payment_sources.list": lambda lean: lean.payment_sources.list("cust-1"),
    "payment_sources.delete": lambda lean: lean.payment_sources.delete(
        "cust-1", "ps-1", reason="USER_REQUESTED"
    ),
    "payment_sources.get": lambda lean: lean.payment_sources.get("cust-1", "ps-1"),
    "destinations.list": lambda lean: lean.destinations.list(),
    "destinations.create": lambda lean: lean.destinations.create(
        bank_type="RETAIL",
        government_identifier=GOV_ID,
        name="ACME LLC",
        iban="AE070331234567890123456",
        display_name="ACME",
        address="1 Street",
        city="Dubai",
        country="ARE",
    ),
    "payouts.get_intent": lambda lean: lean.payouts.get_intent("pint-1"),
    "payouts.create": lambda lean: lean.payouts.create(
        payment_details=[
            {
                "account_id": "acc-1",
                "currency": "AED",
                "destination_details": [{"payment_destination_id": "dest-1", "amount": 5}],
            }
        ]
    ),
    "payouts.create_destinations": lambda lean: lean.payouts.create_destinations(
        [
            {
                "bank_identifier": "ENBD_UAE",
                "name": "Jane Doe",
                "iban": "AE070331234567890123456",
                "display_name": "Jane",
                "account_number": "1234567890",
                "swift_code": "EBILAEAD",
                "address": "1 Street",
                "branch_address": "Main branch",
                "country": "ARE",
                "city": "Dubai",
                "customer_id": "cust-1",
                "currency_iso_code": "AED",
                "postal_code": "00000",
            }
        ]
    ),
    "payouts.get_destination": lambda lean: lean.payouts.get_destination("dest-1"),
    "payouts.list": lambda lean: list(lean.payouts.list()),
    "payouts.history": lambda lean: list(lean.payouts.history("pay-1")),
    "payouts.get": lambda lean: lean.payouts.get("pay-1"),
    "refunds.list": lambda lean: list(lean.refunds.list(status="PENDING")),
    "refunds.create": lambda lean: lean.refunds.create(
        [
            {
                "payment_id": "pay-1",
                "amount": Decimal("5.25"),
                "currency": "AED",
                "reason_code": "CUSTOMER_REQUEST",
                "description": "returned",
                "external_reference": "rma-1",
            }
        ]
    ),
    "refunds.process": lambda lean: lean.refunds.process(
        [{"refund_id": "ref-1", "status": "APPROVED"}]
    ),
    "refunds.reasons": lambda lean: lean.refunds.reasons(),
}

REGION_NAMES = {"ae": "UAE", "sa": "KSA"}


def answer(request: RecordedRequest) -> HttpResponse:
    """One page with one item for any listing, an object otherwise (never PENDING)."""
    if request.method in ("POST", "PUT") and isinstance(request.json(), list):
        return response(200, [])
    item = {"id": "x-1"}
    page = {"number": 0, "size": 50, "total_elements": 1, "total_pages": 1}
    return response(200, {"data": [item], "content": [item], "page": page, "customer_id": "cust-1"})


def connector(region: str) -> tuple[LeanConnector, MockTransport]:
    spec = load_spec(
        None,
        environment="sandbox",
        region=region,
        auth={"mode": "app_token", "app_token": "app-token-1"},
    )
    transport = MockTransport(handler=answer)
    lean = LeanConnector(
        spec, transport=transport, credential=AppTokenCredential(lambda: "app-token-1")
    )
    return lean, transport


def ids(entry: dict[str, Any]) -> str:
    return f"{entry['method']} {entry['path']}"


def test_every_endpoint_of_both_collections_maps_to_a_method() -> None:
    assert len(ENDPOINTS) == 62
    assert {e["call"] for e in ENDPOINTS} == set(CALLS)
    assert len({(e["method"], e["path"]) for e in ENDPOINTS}) == 62
    assert {r for e in ENDPOINTS for r in e["regions"]} == {"ae", "sa"}


@pytest.mark.parametrize("entry", ENDPOINTS, ids=ids)
def test_method_sends_exactly_leans_names(
    entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    lean, transport = connector("ae" if "ae" in entry["regions"] else "sa")

    CALLS[entry["call"]](lean)

    sent = transport.requests[0]
    expected_path = re.sub(r"\{(\w+)\}", lambda m: IDS[m.group(1)], entry["path"])
    assert (sent.method, sent.path) == (entry["method"], expected_path)
    assert set(sent.params or {}) == set(entry["query"])
    body = sent.json()
    fields = set(entry["body_required"]) | set(entry["body_optional"])
    if entry["body_is_array"]:
        assert isinstance(body, list)
        assert body
        assert all(set(item) == fields for item in body)
    elif fields:
        assert set(body) == fields
    else:
        assert body is None
    key = sent.headers.get("Idempotency-Key")
    assert (key is not None) == (entry["idempotency_key"] == "automatic")
    if entry["paging"] in ("page_number", "page"):
        page, size = (
            ("page_number", "page_size")
            if entry["paging"] == "page_number"
            else (
                "page",
                "size",
            )
        )
        assert (sent.params or {})[page] == 0
        assert (sent.params or {})[size] == 50


@pytest.mark.parametrize("entry", [e for e in ENDPOINTS if len(e["regions"]) == 1], ids=ids)
def test_region_only_endpoints_refuse_the_other_region_before_sending(
    entry: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    (home,) = entry["regions"]
    other = "sa" if home == "ae" else "ae"
    lean, transport = connector(other)

    with pytest.raises(InvalidRequestError) as refused:
        CALLS[entry["call"]](lean)

    assert transport.requests == []
    message = str(refused.value)
    assert re.search(rf"^{entry['method']} ", message), message
    assert f"is in Lean's {REGION_NAMES[home]} API only" in message
    assert f"connector is set up for {REGION_NAMES[other]} (region={other})" in message
    assert f"use a connector whose spec has region: {home}" in message


def test_a_callers_idempotency_key_replaces_the_generated_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    lean, transport = connector("ae")

    lean.payments.create_intent(
        amount=1, currency="AED", customer_id="cust-1", idempotency_key="order-42"
    )
    lean.refunds.create(
        [
            {
                "payment_id": "p",
                "amount": 1,
                "currency": "AED",
                "reason_code": "CUSTOMER_REQUEST",
                "description": "d",
                "external_reference": "e",
            }
        ],
        idempotency_key="refund-42",
    )
    lean.payouts.create(payment_details=[{"account_id": "a", "currency": "AED"}])
    lean.payouts.create(payment_details=[{"account_id": "a", "currency": "AED"}])

    keys = [r.headers.get("Idempotency-Key") for r in transport.requests]
    assert keys[:2] == ["order-42", "refund-42"]
    assert keys[2]
    assert keys[3]
    assert keys[2] != keys[3], "each new write gets its own key"


def test_docs_api_md_lists_every_endpoint_with_its_method() -> None:
    table = (Path(__file__).resolve().parents[3] / "docs" / "api.md").read_text()

    for entry in ENDPOINTS:
        assert f"| `{entry['method']} {entry['path']}` | `{entry['call']}()` |" in table, entry
