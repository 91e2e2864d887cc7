"""Payouts and refunds (UAE): ``/payouts/v1/...`` and ``/payouts/refunds...``.

``/payouts/v1/payments`` is paged with ``page_number``/``page_size``; the refund list reads
only ``size`` (Lean's collection sends no page number) and a ``status`` filter. Writes
honour an ``Idempotency-Key`` like every payment write.
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._http import (
    ListListing,
    PageRequest,
    Reply,
    SandboxError,
    json_body,
    json_object,
    paginate,
    read_page,
)
from lean_connector.testing.sandbox._payment_store import PaymentStore
from lean_connector.testing.sandbox._payout_store import REFUND_REASONS, PayoutStore
from lean_connector.testing.sandbox._router import Call, Route

__all__ = ["payout_routes"]

UAE = ("ae",)
_DESTINATION_KEYS = (
    "id", "name", "bank_identifier", "short_name", "iban", "account_number", "swift_code",
    "status", "address", "country", "city", "emirate", "ifsc", "sort_code", "cool_off_expiry",
    "routing_code", "transit_code", "branch_address", "currency_iso_code", "postal_code",
)  # fmt: skip
_REFUND_CREATED_KEYS = (
    "refund_id", "payment_id", "status", "amount", "currency", "reason_code", "description",
    "external_reference", "beneficiary",
)  # fmt: skip


def _array(call: Call) -> list[Any]:
    body = json_body(call.request)
    if not isinstance(body, list) or not body:
        raise SandboxError(400, "INVALID_PARAMETERS", "The request body must be a JSON array")
    return body


def payout_routes(payments: PaymentStore, payouts: PayoutStore) -> list[Route]:
    def key(call: Call) -> str | None:
        return call.request.headers.get("idempotency-key")

    def destination_view(destination: dict[str, Any]) -> dict[str, Any]:
        return {k: destination[k] for k in _DESTINATION_KEYS}

    def create_payout(call: Call) -> Reply:
        body = json_object(call.request)

        def create() -> dict[str, Any]:
            source_id, intents = payouts.create(body)
            details = []
            for intent in intents:
                payment = payouts.payments[intent["payment_id"]]
                destination = payouts.destinations[intent["destination_id"]]
                details.append(
                    {
                        "payment_intent_id": intent["payment_intent_id"],
                        "initiate_payment_task_id": intent["task_id"],
                        "account_number": payment["sender_details"]["account_number"],
                        "iban": payment["sender_details"]["iban"],
                        "destination_details": {
                            "destination_id": destination["id"],
                            "amount": intent["amount"],
                            "currency": intent["currency"],
                            "payment_status": "CREATED",
                            "error_message": None,
                            "recipient_details": dict(payment["recipient_details"]),
                        },
                        "bank_identifier": intent["bank_identifier"],
                    }
                )
            return {"end_user_id": source_id, "payouts_payment_details": details}

        return Reply(200, payments.once("payouts", key(call), body, create))

    def create_destinations(call: Call) -> Reply:
        body = _array(call)

        def create() -> list[dict[str, Any]]:
            return [
                {
                    "add_beneficiary_task_id": d["add_beneficiary_task_id"],
                    "destination_id": d["id"],
                    "bank_identifier": d["bank_identifier"],
                    "iban": d["iban"],
                    "account_number": d["account_number"],
                    "display_name": d["short_name"],
                    "status": "CONFIRMED",
                }
                for d in payouts.add_destinations(body)
            ]

        return Reply(200, payments.once("payout-destinations", key(call), body, create))

    def get_destination(call: Call) -> Reply:
        return Reply(200, destination_view(payouts.destination(call.ids["destination_id"])))

    def get_intent(call: Call) -> Reply:
        intent = payouts.intent(call.ids["payment_intent_id"])
        return Reply(
            200,
            {
                "payment_intent_id": intent["payment_intent_id"],
                "customer_id": intent["customer_id"],
                "amount": intent["amount"],
                "currency": intent["currency"],
                "description": intent["description"],
                "external_reference": intent["external_reference"],
                "payment": dict(payouts.payments[intent["payment_id"]]),
                "payment_destination": destination_view(
                    payouts.destinations[intent["destination_id"]]
                ),
            },
        )

    def get_payout(call: Call) -> Reply:
        return Reply(200, dict(payouts.payment(call.ids["payment_id"])))

    def list_payouts(call: Call) -> Reply:
        found = []
        for intent in payouts.listing():
            payment = payouts.payments[intent["payment_id"]]
            destination = payouts.destinations[intent["destination_id"]]
            found.append(
                {
                    "recipient_name": destination["short_name"],
                    "recipient_bank_name": destination["bank_identifier"],
                    "recipient_iban": destination["iban"],
                    "recipient_cool_off_expiry": destination["cool_off_expiry"],
                    "recipient_address": destination["address"],
                    "recipient_city": destination["city"],
                    "recipient_country": destination["country"],
                    "description": intent["description"],
                    "currency": intent["currency"],
                    "amount": intent["amount"],
                    "created_at": intent["created_at"],
                    "updated_at": intent["updated_at"],
                    "payment_intent_id": intent["payment_intent_id"],
                    "auto_authorized": intent["auto_authorized"],
                    "pending_manual_authorization": not intent["auto_authorized"],
                    "status": payment["status"],
                    "post_initiation_status": payment["post_initiation_status"],
                    "bank_transaction_reference": payment["bank_transaction_reference"],
                }
            )
        items, page = paginate(ListListing(found), read_page(call.query, "page_number"))
        return Reply(200, {"content": items, "page": page})

    def payout_history(call: Call) -> Reply:
        intent = payouts.intent_of(call.ids["payment_id"])
        found = [{"payment_id": intent["payment_id"], "events": list(intent["events"])}]
        page = read_page(call.query, "page_number", default_size=10)
        items, page_body = paginate(ListListing(found), page)
        return Reply(200, {"content": items, "page": page_body})

    def list_refunds(call: Call) -> Reply:
        found = payouts.refund_listing(call.query.get("status") or None)
        size = read_page(call.query, "size_only").size
        items, page = paginate(ListListing(found), PageRequest(0, size))
        return Reply(200, {"content": items, "page": page})

    def create_refunds(call: Call) -> Reply:
        body = _array(call)

        def create() -> list[dict[str, Any]]:
            return [{k: r[k] for k in _REFUND_CREATED_KEYS} for r in payouts.create_refunds(body)]

        return Reply(201, payments.once("refunds", key(call), body, create))

    def process_refunds(call: Call) -> Reply:
        body = _array(call)
        return Reply(
            200,
            payments.once(
                "refund-decisions", key(call), body, lambda: payouts.process_refunds(body)
            ),
        )

    def refund_reasons(call: Call) -> Reply:
        return Reply(
            200,
            [{"reason_code": code, "description": text} for code, text in REFUND_REASONS.items()],
        )

    return [
        Route("POST", "/payouts/v1/payment", create_payout, UAE),
        Route("POST", "/payouts/v1/payment/destinations", create_destinations, UAE),
        Route("GET", "/payouts/v1/payment/destinations/{destination_id}", get_destination, UAE),
        Route("GET", "/payouts/v1/intents/{payment_intent_id}", get_intent, UAE),
        Route("GET", "/payouts/v1/{payment_id}", get_payout, UAE),
        Route("GET", "/payouts/v1/payments", list_payouts, UAE),
        Route("GET", "/payouts/v1/payments/{payment_id}/history", payout_history, UAE),
        Route("GET", "/payouts/refunds", list_refunds, UAE),
        Route("POST", "/payouts/refunds", create_refunds, UAE),
        Route("PUT", "/payouts/refunds", process_refunds, UAE),
        Route("GET", "/payouts/refunds/reasons", refund_reasons, UAE),
    ]
