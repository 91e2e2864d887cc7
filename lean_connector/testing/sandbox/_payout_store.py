"""Payouts and refunds (UAE): payout destinations, payouts from a payment source's account
to them, and refunds of payments received, with their approval.

State only; ``_routes_payouts`` shapes the bodies. Thread-safe (the payment store's lock).
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._banks import bank
from lean_connector.testing.sandbox._consent_store import number_field
from lean_connector.testing.sandbox._http import SandboxError, utc_timestamp
from lean_connector.testing.sandbox._ids import rng_for
from lean_connector.testing.sandbox._payment_store import PaymentStore, unknown

__all__ = ["REFUND_REASONS", "PayoutStore"]

REFUND_REASONS = {
    "CUSTOMER_REQUEST": "The customer asked for a refund",
    "DUPLICATED_PAYMENT": "The payment was made twice",
    "FRAUDULENT_PAYMENT": "The payment was fraudulent",
    "ORDER_CANCELLED": "The order was cancelled",
}


class PayoutStore:
    def __init__(self, payments: PaymentStore) -> None:
        self._payments = payments
        self.destinations: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []  # payout intent ids, oldest first
        self.refunds: dict[str, dict[str, Any]] = {}
        self.refund_order: list[str] = []

    # -- destinations ----------------------------------------------------------------------

    def add_destinations(self, requests: list[Any]) -> list[dict[str, Any]]:
        created = []
        for number, request in enumerate(requests):
            if not isinstance(request, dict):
                raise SandboxError(400, "INVALID_PARAMETERS", "Each destination must be an object")
            missing = [n for n in ("name", "iban", "bank_identifier") if not request.get(n)]
            if missing:
                raise SandboxError(
                    400, "MISSING_PARAMETERS", f"destination {number}: missing {', '.join(missing)}"
                )
            try:
                issuer = bank(request["bank_identifier"])
            except KeyError as exc:
                raise SandboxError(
                    400,
                    "INVALID_PARAMETERS",
                    f"Unknown bank_identifier {request['bank_identifier']}",
                ) from exc
            core = self._payments.core
            destination = {
                "id": core.new_id(),
                "add_beneficiary_task_id": core.new_id(),
                "name": request["name"],
                "bank_identifier": issuer["identifier"],
                "short_name": request.get("display_name") or request["name"],
                "iban": request["iban"],
                "account_number": request.get("account_number") or request["iban"][-13:],
                "swift_code": request.get("swift_code") or issuer["swift_code"],
                "status": "ACTIVE",
                "address": request.get("address"),
                "country": request.get("country") or issuer["country_code"],
                "city": request.get("city"),
                "emirate": request.get("city"),
                "ifsc": None,
                "sort_code": None,
                "cool_off_expiry": None,
                "routing_code": None,
                "transit_code": None,
                "branch_address": request.get("branch_address"),
                "currency_iso_code": request.get("currency_iso_code") or "AED",
                "postal_code": request.get("postal_code"),
                "customer_id": request.get("customer_id"),
            }
            created.append(destination)
        with self._payments.lock:
            for destination in created:
                self.destinations[destination["id"]] = destination
        return created

    def destination(self, destination_id: str) -> dict[str, Any]:
        with self._payments.lock:
            found = self.destinations.get(destination_id)
        if found is None:
            raise unknown("payout destination", "destination_id", destination_id)
        return found

    # -- payouts ---------------------------------------------------------------------------

    def create(self, request: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """(payment source id, the payout intents made), one per destination of each item."""
        details = request.get("payment_details")
        if not isinstance(details, list) or not details:
            raise SandboxError(400, "MISSING_PARAMETERS", "payment_details is required")
        planned = []
        for item in details:
            if not isinstance(item, dict) or not item.get("account_id"):
                raise SandboxError(
                    400, "MISSING_PARAMETERS", "payment_details[].account_id is required"
                )
            source, account = self._payments.account_of_sources(item["account_id"])
            for target in item.get("destination_details") or []:
                if not isinstance(target, dict):
                    raise SandboxError(400, "INVALID_PARAMETERS", "destination_details[] objects")
                destination = self.destination(str(target.get("payment_destination_id")))
                amount = number_field(target.get("amount"), "amount", required=True)
                planned.append((source, account, destination, amount, item, target))
        if not planned:
            raise SandboxError(
                400, "MISSING_PARAMETERS", "payment_details[].destination_details is required"
            )
        return planned[0][0]["id"], [self._payout(*plan) for plan in planned]

    def _payout(
        self,
        source: dict[str, Any],
        account: dict[str, Any],
        destination: dict[str, Any],
        amount: Any,
        item: dict[str, Any],
        target: dict[str, Any],
    ) -> dict[str, Any]:
        core = self._payments.core
        authorized = bool(target.get("authorize_payment", False))
        stamp = utc_timestamp()
        intent_id, payment_id = core.new_id(), core.new_id()
        payment = {
            "id": payment_id,
            "payment_intent_id": intent_id,
            "payment_source_id": source["id"],
            "sender_details": {
                "account_number": account["account_number"],
                "iban": account["iban"],
                "name": account["account_name"],
            },
            "recipient_details": {
                "account_number": destination["account_number"],
                "iban": destination["iban"],
                "name": destination["name"],
            },
            "amount": amount,
            "currency": item.get("currency") or account["currency"],
            "description": target.get("description"),
            "submission_timestamp": stamp,
            "initiation_timestamp": stamp,
            "status": "ACCEPTED_BY_BANK" if authorized else "AWAITING_AUTHORIZATION",
            "post_initiation_status": "PROCESSED" if authorized else None,
            "bank_transaction_reference": (
                rng_for(core.seed, "payout", payment_id).digits(9) if authorized else None
            ),
            "granular_status_code": None,
            "status_additional_details": None,
        }
        intent = {
            "payment_intent_id": intent_id,
            "customer_id": destination.get("customer_id") or source["customer_id"],
            "amount": amount,
            "currency": payment["currency"],
            "description": target.get("description"),
            "external_reference": None,
            "payment_id": payment_id,
            "destination_id": destination["id"],
            "task_id": core.new_id(),
            "auto_authorized": authorized,
            "bank_identifier": source["bank_identifier"],
            "created_at": stamp,
            "updated_at": stamp,
            "events": [
                {
                    "event": "payment.created",
                    "status": payment["status"],
                    "post_initiation_status": payment["post_initiation_status"],
                    "published_at": stamp,
                }
            ],
        }
        with self._payments.lock:
            self.payments[payment_id] = payment
            self.intents[intent_id] = intent
            self.order.append(intent_id)
        return intent

    def intent(self, intent_id: str) -> dict[str, Any]:
        with self._payments.lock:
            found = self.intents.get(intent_id)
        if found is None:
            raise unknown("payout intent", "payment_intent_id", intent_id)
        return found

    def payment(self, payment_id: str) -> dict[str, Any]:
        with self._payments.lock:
            found = self.payments.get(payment_id)
        if found is None:
            raise unknown("payout", "payment_id", payment_id)
        return found

    def intent_of(self, payment_or_intent_id: str) -> dict[str, Any]:
        """The payout intent named by its own id or by its payment's id."""
        with self._payments.lock:
            found = self.intents.get(payment_or_intent_id)
            if found is None and payment_or_intent_id in self.payments:
                found = self.intents[self.payments[payment_or_intent_id]["payment_intent_id"]]
        if found is None:
            raise unknown("payout", "payment_id", payment_or_intent_id)
        return found

    def listing(self) -> list[dict[str, Any]]:
        """Payout intents, newest first."""
        with self._payments.lock:
            return [self.intents[i] for i in reversed(self.order)]

    # -- refunds ---------------------------------------------------------------------------

    def create_refunds(self, requests: list[Any]) -> list[dict[str, Any]]:
        payments = self._payments
        planned = []
        with payments.lock:
            pending: dict[str, float] = {}
            for number, request in enumerate(requests):
                if not isinstance(request, dict):
                    raise SandboxError(400, "INVALID_PARAMETERS", "Each refund must be an object")
                payment = payments.payment(str(request.get("payment_id")))
                amount = number_field(request.get("amount"), f"[{number}].amount", required=True)
                assert amount is not None  # required=True
                reason = request.get("reason_code")
                if reason not in REFUND_REASONS:
                    raise SandboxError(
                        400,
                        "INVALID_PARAMETERS",
                        f"[{number}].reason_code must be one of {', '.join(REFUND_REASONS)}",
                    )
                if request.get("currency", payment["currency"]) != payment["currency"]:
                    raise SandboxError(
                        400, "INVALID_PARAMETERS", f"[{number}].currency must be the payment's"
                    )
                refunded = pending.get(payment["id"], self._refunded(payment["id"])) + amount
                if refunded > payment["amount"] + 1e-9:
                    raise SandboxError(
                        400,
                        "INVALID_PARAMETERS",
                        f"[{number}].amount: refunds would exceed the payment's amount "
                        f"{payment['amount']}",
                    )
                pending[payment["id"]] = refunded
                planned.append((payment, amount, request))
            created = [self._refund(*plan) for plan in planned]
        return created

    def _refunded(self, payment_id: str) -> float:
        return sum(
            float(r["amount"])
            for r in self.refunds.values()
            if r["payment_id"] == payment_id and r["status"] != "REJECTED"
        )

    def _refund(
        self, payment: dict[str, Any], amount: Any, request: dict[str, Any]
    ) -> dict[str, Any]:
        core = self._payments.core
        source = self._payments.sources.get(payment["payment_source_id"]) or {}
        account = (source.get("accounts") or [{}])[0]
        refund = {
            "refund_id": core.new_id(),
            "deposit_amount": payment["amount"],
            "deposit_currency": payment["currency"],
            "payment_id": payment["id"],
            "status": "CREATED",
            "amount": amount,
            "currency": payment["currency"],
            "reason_code": request["reason_code"],
            "description": request.get("description"),
            "external_reference": request.get("external_reference"),
            "beneficiary": {
                "name": payment["sender_details"]["name"],
                "iban": payment["sender_details"]["iban"],
                "account_id": account.get("account_id"),
                "city": "Dubai",
            },
            "created_at": utc_timestamp(),
            "created_by": "sandbox",
            "actioned_by": None,
            "refund_intent_id": None,
        }
        self.refunds[refund["refund_id"]] = refund
        self.refund_order.append(refund["refund_id"])
        return refund

    def process_refunds(self, requests: list[Any]) -> list[dict[str, Any]]:
        with self._payments.lock:
            changes = []
            for number, request in enumerate(requests):
                if not isinstance(request, dict):
                    raise SandboxError(400, "INVALID_PARAMETERS", "Each item must be an object")
                refund = self.refunds.get(str(request.get("refund_id")))
                if refund is None:
                    raise unknown("refund", "refund_id", str(request.get("refund_id")))
                if request.get("status") not in ("APPROVED", "REJECTED"):
                    raise SandboxError(
                        400, "INVALID_PARAMETERS", f"[{number}].status must be APPROVED or REJECTED"
                    )
                if refund["status"] != "CREATED":
                    raise SandboxError(
                        400,
                        "INVALID_PARAMETERS",
                        f"refund {refund['refund_id']} is already {refund['status']}",
                    )
                changes.append((refund, request["status"]))
            for refund, status in changes:
                refund["status"] = status
                refund["actioned_by"] = "sandbox"
            return [{"refund_id": r["refund_id"], "status": s} for r, s in changes]

    def refund_listing(self, status: str | None) -> list[dict[str, Any]]:
        """Refunds, newest first, with this status (all when None)."""
        with self._payments.lock:
            found = [self.refunds[r] for r in reversed(self.refund_order)]
        return [r for r in found if status is None or r["status"] == status]
