"""The typed event catalogue: each Lean event type parses into its class, others stay generic.

The bodies below are our own, shaped like the samples Lean publishes for each type.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from lean_connector.webhooks import (
    EVENT_TYPES,
    BankAvailabilityUpdated,
    EntityCreated,
    EntityDataRefreshUpdated,
    PaymentCreated,
    PaymentIntentCreated,
    PaymentSourceBeneficiaryCreated,
    PaymentSourceCreated,
    PaymentUpdated,
    WebhookEvent,
    parse_event,
)

PAYMENT = {
    "id": "pay-1",
    "intent_id": "int-1",
    "customer_id": "cust-1",
    "payment_destination_id": "dest-1",
    "amount": 12.30,
    "currency": "AED",
    "status": "ACCEPTED_BY_BANK",
    "metadata": {"data": "order-7"},
    "bank_transaction_reference": "ref-1",
}
SAMPLES: dict[str, dict[str, Any]] = {
    "entity.created": {
        "id": "ent-1",
        "customer_id": "cust-1",
        "app_user_id": "user-1",
        "permissions": ["identity", "accounts"],
        "bank_details": {
            "identifier": "LEANMB1",
            "name": "Lean Mock Bank",
            "logo": "https://example.test/logo.png",
            "main_color": "#000000",
            "background_color": "#ffffff",
            "swift_code": None,
            "account_type": "PERSONAL",
            "bank_type": "RETAIL",
        },
    },
    "entity.data.refresh.updated": {
        "entity_id": "ent-1",
        "refresh_id": "ref-1",
        "customer_id": "cust-1",
        "app_user_id": "user-1",
        "status": "FINISHED",
        "data_status": {"accounts": "OK", "identity": "OK", "account_data": []},
    },
    "payment.created": {**PAYMENT, "reason": "created"},
    "payment.updated": PAYMENT,
    "payment_intent.created": {
        "intent_id": "int-1",
        "amount": 100,
        "currency": "AED",
        "status": "AWAITING_AUTHORIZATION",
        "reason": "created",
        "metadata": {"data": "x"},
    },
    "payment_source.created": {
        "id": "ps-1",
        "customer_id": "cust-1",
        "bank_identifier": "LEANMB1",
        "bank_name": "Lean Mock Bank",
        "status": "ACTIVE",
        "end_user_id": None,
    },
    "payment_source.beneficiary.created": {
        "id": "ben-1",
        "customer_id": "cust-1",
        "payment_source_id": "ps-1",
        "payment_source_bank_identifier": "LEANMB1",
        "payment_destination_id": "dest-1",
        "status": "ACTIVE",
    },
    "bank.availability.updated": {
        "identifier": "LEANMB1",
        "availability": {
            "active": {"payments": True, "data": False},
            "enabled": {"payments": True, "data": True},
        },
    },
}
CLASSES = {
    "entity.created": EntityCreated,
    "entity.data.refresh.updated": EntityDataRefreshUpdated,
    "payment.created": PaymentCreated,
    "payment.updated": PaymentUpdated,
    "payment_intent.created": PaymentIntentCreated,
    "payment_source.created": PaymentSourceCreated,
    "payment_source.beneficiary.created": PaymentSourceBeneficiaryCreated,
    "bank.availability.updated": BankAvailabilityUpdated,
}


def body(event_type: str, payload: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": event_type,
            "payload": payload,
            "message": "something happened",
            "timestamp": "2026-05-12T14:33:00.552682062Z",
            "event_id": f"evt-{event_type}",
        }
    ).encode()


def test_the_catalogue_names_every_sampled_type() -> None:
    assert dict(EVENT_TYPES) == CLASSES


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_each_type_parses_into_its_class_with_its_payload(event_type: str) -> None:
    event = parse_event(body(event_type, SAMPLES[event_type]))

    assert type(event) is CLASSES[event_type]
    assert isinstance(event, WebhookEvent)
    assert event.type == event_type
    # Numbers with a fraction parse as Decimal: compare with the sample parsed that way.
    assert event.payload == json.loads(json.dumps(SAMPLES[event_type]), parse_float=Decimal)
    assert event.event_id == f"evt-{event_type}"


def test_payment_amounts_are_exact_decimals() -> None:
    event = parse_event(body("payment.updated", PAYMENT))

    assert isinstance(event, PaymentUpdated)
    assert event.payload["amount"] == Decimal("12.3")
    assert isinstance(event.payload["amount"], Decimal)


def test_an_unknown_type_still_parses_as_a_generic_event() -> None:
    event = parse_event(body("payout.updated.someday", {"anything": [1, 2]}))

    assert type(event) is WebhookEvent
    assert event.type == "payout.updated.someday"
    assert event.payload == {"anything": [1, 2]}
