"""Payouts and refunds on the sandbox: destinations, payouts from a payment source's account,
their listing (page_number/page_size) and history; refunds with approval and limits."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import assert_lean_error

pytestmark = pytest.mark.integration

IBAN = "AE070331234567890123456"


def _call(
    sandbox: LeanSandbox,
    api: requests.Session,
    method: str,
    path: str,
    body: Any = None,
    *,
    status: int = 200,
    key: str | None = None,
    **params: Any,
) -> Any:
    headers = {"Idempotency-Key": key} if key else {}
    response = api.request(
        method, f"{sandbox.api_url}{path}", json=body, params=params, headers=headers
    )
    assert response.status_code == status, response.text
    return response.json()


def _payout(
    sandbox: LeanSandbox, api: requests.Session, amount: float, *, key: str | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(the payout made, its destination, the request body)."""
    customer_id = sandbox.seed_customers(1, 0, 0, 0).customer_ids[0]
    source = sandbox.add_payment_source(customer_id)
    (destination,) = _call(
        sandbox,
        api,
        "POST",
        "/payouts/v1/payment/destinations",
        [{"bank_identifier": "ADCB_UAE", "name": "ABC Trading", "iban": IBAN,
          "display_name": "ABC", "customer_id": customer_id, "currency_iso_code": "AED"}],
    )  # fmt: skip
    body = {
        "payment_details": [
            {
                "account_id": source["accounts"][0]["account_id"],
                "currency": "AED",
                "destination_details": [
                    {
                        "authorize_payment": True,
                        "payment_destination_id": destination["destination_id"],
                        "amount": amount,
                        "description": "supplier",
                    }
                ],
            }
        ]
    }
    return _call(sandbox, api, "POST", "/payouts/v1/payment", body, key=key), destination, body


def test_a_payout_is_readable_every_way_lean_offers(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    created, destination, _ = _payout(lean_sandbox, api, 16)
    (detail,) = created["payouts_payment_details"]
    assert detail["destination_details"]["payment_status"] == "CREATED"
    intent = _call(lean_sandbox, api, "GET", f"/payouts/v1/intents/{detail['payment_intent_id']}")
    payment = intent["payment"]
    assert payment["status"] == "ACCEPTED_BY_BANK"
    assert intent["payment_destination"]["id"] == destination["destination_id"]
    assert _call(lean_sandbox, api, "GET", f"/payouts/v1/{payment['id']}") == payment
    history = _call(lean_sandbox, api, "GET", f"/payouts/v1/payments/{payment['id']}/history")
    assert history["content"][0]["events"][0]["event"] == "payment.created"
    assert history["page"]["size"] == 10
    stored = _call(
        lean_sandbox,
        api,
        "GET",
        f"/payouts/v1/payment/destinations/{destination['destination_id']}",
    )
    assert stored["iban"] == IBAN
    listed = _call(lean_sandbox, api, "GET", "/payouts/v1/payments", page_number=0, page_size=1)
    assert listed["content"][0]["payment_intent_id"] == detail["payment_intent_id"]
    assert listed["page"]["size"] == 1


def test_a_repeated_key_makes_no_second_payout(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    key = str(uuid.uuid4())
    created, _, body = _payout(lean_sandbox, api, 20, key=key)
    before = _call(lean_sandbox, api, "GET", "/payouts/v1/payments")["page"]["total_elements"]
    again = _call(lean_sandbox, api, "POST", "/payouts/v1/payment", body, key=key)
    assert again == created
    after = _call(lean_sandbox, api, "GET", "/payouts/v1/payments")["page"]["total_elements"]
    assert after == before


def test_payouts_need_a_payment_source_account(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    body = {"payment_details": [{"account_id": str(uuid.uuid4()), "destination_details": []}]}
    refused = api.post(f"{lean_sandbox.api_url}/payouts/v1/payment", json=body)
    assert_lean_error(refused, 400, "INVALID_PARAMETERS", "is not an account of a payment source")


def test_refunds_are_created_approved_and_limited(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    customer_id = lean_sandbox.seed_customers(1, 0, 0, 0).customer_ids[0]
    intent = _call(
        lean_sandbox,
        api,
        "POST",
        "/payments/v1/intents",
        {"amount": 35, "currency": "AED", "customer_id": customer_id},
    )
    payment = lean_sandbox.authorize_payment(intent["payment_intent_id"])
    refund = {"payment_id": payment["id"], "amount": 20, "currency": "AED",
              "reason_code": "DUPLICATED_PAYMENT", "description": "twice",
              "external_reference": "ORD-1"}  # fmt: skip
    (created,) = _call(lean_sandbox, api, "POST", "/payouts/refunds", [refund], status=201)
    assert created["status"] == "CREATED"
    assert created["beneficiary"]["iban"] == payment["sender_details"]["iban"]
    url = f"{lean_sandbox.api_url}/payouts/refunds"
    over = api.post(url, json=[{**refund, "amount": 16}])
    assert_lean_error(over, 400, "INVALID_PARAMETERS", "exceed the payment's amount")
    bad_reason = api.post(url, json=[{**refund, "amount": 1, "reason_code": "BORED"}])
    assert_lean_error(bad_reason, 400, "INVALID_PARAMETERS", "reason_code must be one of")
    decided = _call(
        lean_sandbox,
        api,
        "PUT",
        "/payouts/refunds",
        [{"refund_id": created["refund_id"], "status": "APPROVED"}],
    )
    assert decided == [{"refund_id": created["refund_id"], "status": "APPROVED"}]
    twice = api.put(url, json=[{"refund_id": created["refund_id"], "status": "REJECTED"}])
    assert_lean_error(twice, 400, "INVALID_PARAMETERS", "already APPROVED")
    listed = api.get(url, params={"status": "APPROVED", "size": 50}).json()
    assert created["refund_id"] in [r["refund_id"] for r in listed["content"]]
    assert {r["status"] for r in listed["content"]} == {"APPROVED"}
    reasons = _call(lean_sandbox, api, "GET", "/payouts/refunds/reasons")
    assert "DUPLICATED_PAYMENT" in [r["reason_code"] for r in reasons]
