"""Payments on the sandbox: destinations, intents and payments, payment sources, account-on-file
consents and their payments. Writes keep state for later GETs, and a repeated
Idempotency-Key returns the first answer and creates nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import assert_lean_error

pytestmark = pytest.mark.integration

IBAN = "AE070331234567890123456"  # valid check digits


class Lean:
    """Calls on the sandbox's API listener that must succeed, with their status checked."""

    def __init__(self, sandbox: LeanSandbox, api: requests.Session) -> None:
        self.sandbox, self.api = sandbox, api

    def call(self, method: str, path: str, body: Any = None, *, key: str | None = None,
             status: int = 200, **params: Any) -> Any:  # fmt: skip
        headers = {"Idempotency-Key": key} if key else {}
        response = self.api.request(
            method, f"{self.sandbox.api_url}{path}", json=body, params=params, headers=headers
        )
        assert response.status_code == status, response.text
        return response.json()

    def raw(self, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.api.request(method, f"{self.sandbox.api_url}{path}", json=body, params=params)


@pytest.fixture
def lean(lean_sandbox: LeanSandbox, api: requests.Session) -> Lean:
    return Lean(lean_sandbox, api)


def _customer(lean: Lean) -> str:
    created = lean.call("POST", "/customers/v1/", {"app_user_id": f"pay-{uuid.uuid4()}"})
    return str(created["customer_id"])


def test_destinations_are_created_and_listed(lean: Lean) -> None:
    body = {"name": "Acme LLC", "display_name": "Acme", "iban": IBAN, "city": "Dubai"}
    created = lean.call("POST", "/payments/v1/destinations", body)
    assert created["iban"] == IBAN
    assert created["status"] == "ACTIVE"
    listed = lean.call("GET", "/payments/v1/destinations")
    assert isinstance(listed, list)
    assert created["id"] in [d["id"] for d in listed]
    assert [d["default"] for d in listed].count(True) == 1
    bad = lean.raw("POST", "/payments/v1/destinations", {**body, "iban": "AE000331234567890123456"})
    assert_lean_error(bad, 400, "INVALID_PARAMETERS", "is not a valid IBAN")


def test_intents_honour_idempotency_keys(lean: Lean) -> None:
    customer_id = _customer(lean)
    intent = {"amount": 250.5, "currency": "AED", "customer_id": customer_id}
    key = str(uuid.uuid4())
    first = lean.call("POST", "/payments/v1/intents", intent, key=key)
    assert lean.call("POST", "/payments/v1/intents", intent, key=key) == first
    assert lean.sandbox.counters.idempotency_keys[key] == 2
    assert first["amount"] == 250.5
    assert first["payments"] == []
    assert first["payment_destination"]["default"] is True
    changed = lean.raw("POST", "/payments/v1/intents", {**intent, "amount": 1})
    assert changed.status_code == 200  # no key: a new intent
    reused = lean.api.post(
        f"{lean.sandbox.api_url}/payments/v1/intents",
        json={**intent, "amount": 1},
        headers={"Idempotency-Key": key},
    )
    assert_lean_error(reused, 400, "INVALID_PARAMETERS", "different request body")
    mine = lean.call("GET", "/payments/v1/intents", customer_id=customer_id)["data"]
    assert len(mine) == 2, "the repeated key created nothing"
    missing = lean.raw("POST", "/payments/v1/intents", {"currency": "AED"})
    assert_lean_error(missing, 400, "MISSING_PARAMETERS", "amount, customer_id")
    bad = lean.raw("POST", "/payments/v1/intents", {**intent, "currency": "EUR"})
    assert_lean_error(bad, 400, "INVALID_PARAMETERS", "currency must be AED or SAR")
    unknown = lean.raw("POST", "/payments/v1/intents", {**intent, "customer_id": str(uuid.uuid4())})
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "no customer")


def test_a_paid_intent_shows_its_payment(lean: Lean) -> None:
    customer_id = _customer(lean)
    intent = lean.call(
        "POST",
        "/payments/v1/intents",
        {"amount": 99, "currency": "AED", "customer_id": customer_id, "purpose_code": "FIS"},
    )
    payment = lean.sandbox.authorize_payment(intent["payment_intent_id"])
    assert payment["status"] == "ACCEPTED_BY_BANK"
    found = lean.call("GET", f"/payments/v1/intents/{intent['payment_intent_id']}")
    assert [p["id"] for p in found["payments"]] == [payment["id"]]
    assert lean.call("GET", f"/payments/v1/{payment['id']}") == payment
    assert payment["recipient_details"]["iban"] == intent["payment_destination"]["iban"]
    listed = lean.call("GET", "/payments/v1/intents", page_size=1000)
    assert set(listed["page"]) == {"number", "size", "total_elements", "total_pages"}
    missing = lean.raw("GET", f"/payments/v1/{uuid.uuid4()}")
    assert_lean_error(missing, 404, "UNKNOWN_ENTITY", "No payment with payment_id")


def test_payment_sources_are_listed_read_and_deleted(lean: Lean) -> None:
    customer_id = _customer(lean)
    source = lean.sandbox.add_payment_source(customer_id, accounts=2)
    base = f"/customers/v1/{customer_id}/payment-sources"
    listed = lean.call("GET", base)
    assert [s["id"] for s in listed] == [source["id"]]
    assert {"balance", "balance_last_updated"} <= set(listed[0]["accounts"][0])
    one = lean.call("GET", f"{base}/{source['id']}")
    assert len(one["accounts"]) == 2
    assert "balance" not in one["accounts"][0]
    assert lean.call("DELETE", f"{base}/{source['id']}", {"reason": "USER_REQUESTED"}) == {}
    assert lean.call("GET", base) == []
    gone = lean.raw("GET", f"{base}/{source['id']}")
    assert_lean_error(gone, 404, "UNKNOWN_ENTITY", "payment source")


def _consent(lean: Lean, customer_id: str, **controls: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "destination_account_id": lean.sandbox.data.payments.default_destination_id,
        "currency": "AED",
        "description": "subscription",
        "reference": f"SUB-{uuid.uuid4().hex[:6]}",
        "purpose": "FIS",
        "control_parameters": {"period_type": "Month", "max_individual_amount": "500", **controls},
        "government_identifier": {"type": "EMIRATES_ID", "value": "784000000000000"},
    }
    return dict(lean.call("POST", "/consents/account-on-file", body))


def test_account_on_file_consent_and_payments(lean: Lean) -> None:
    customer_id = _customer(lean)
    created = _consent(lean, customer_id, max_cumulative_number_of_payments="2")
    assert created["status"] == "AWAITING_AUTHORISATION"
    assert created["control_parameters"]["max_individual_amount"] == 500
    consent_id = created["id"]
    pay = {"consent_id": consent_id, "amount": "120.50", "reference": "r1",
           "creditor_reference": "c1", "risk_details": {"channel": "MOBILE"}}  # fmt: skip
    early = lean.raw("POST", "/payments/account-on-file", pay)
    assert_lean_error(early, 400, "INVALID_PARAMETERS", "must authorise it")

    lean.sandbox.authorize_consent(consent_id)
    key = str(uuid.uuid4())
    payment = lean.call("POST", "/payments/account-on-file", pay, key=key)
    assert lean.call("POST", "/payments/account-on-file", pay, key=key) == payment
    assert payment["amount"] == 120.5
    assert lean.call("GET", f"/payments/v1/{payment['id']}") == payment
    consent = lean.call("GET", f"/consents/{consent_id}")
    assert consent["status"] == "AUTHORISED"
    assert consent["payment_consumption"]["cumulative_number_of_payments"] == 1
    assert consent["payment_consumption"]["cumulative_value_of_payments"] == 120.5
    assert consent["consented_account"]["iban"] == payment["sender_details"]["iban"]
    too_much = lean.raw("POST", "/payments/account-on-file", {**pay, "amount": 501})
    assert_lean_error(too_much, 400, "INVALID_PARAMETERS", "exceeds the consent")
    lean.call("POST", "/payments/account-on-file", {**pay, "reference": "r2"})
    used_up = lean.raw("POST", "/payments/account-on-file", {**pay, "reference": "r3"})
    assert_lean_error(used_up, 400, "INVALID_PARAMETERS", "used up")
    history = lean.call("GET", f"/consents/{consent_id}/history")
    assert [e["type"] for e in history["data"]] == ["CONSENT_CREATED", "CONSENT_AUTHORISED"]
    balance = lean.call("GET", f"/consents/{consent_id}/balance")
    assert balance["balances"][0]["amount"]["currency"] == "AED"

    lean.sandbox.revoke_consent(consent_id)
    revoked = lean.raw("POST", "/payments/account-on-file", {**pay, "reference": "r4"})
    assert_lean_error(revoked, 403, "CONSENT_EXPIRED", "revoked")


def test_consents_are_listed_with_page_number_and_page_size(lean: Lean) -> None:
    customer_id = _customer(lean)
    made = [_consent(lean, customer_id)["id"] for _ in range(3)]
    pages = [
        lean.call("GET", "/consents/v1", customer_id=customer_id, page_number=n, page_size=2)
        for n in range(2)
    ]
    assert [c["consent_id"] for p in pages for c in p["data"]] == made
    assert pages[0]["page"]["total_pages"] == 2
    ignored = lean.call("GET", "/consents/v1", customer_id=customer_id, page=1, size=1)
    assert ignored["page"]["number"] == 0
    assert len(ignored["data"]) == 3
    bad = lean.raw("POST", "/consents/account-on-file", {"customer_id": customer_id})
    assert_lean_error(bad, 400, "MISSING_PARAMETERS", "destination_account_id")


def test_payments_are_a_uae_collection_only() -> None:
    with LeanSandbox(region="sa") as ksa:
        routes = set(ksa.endpoints())
    assert ("POST", "/payments/v1/intents") not in routes
    assert ("POST", "/verifications/v2/entity") in routes
