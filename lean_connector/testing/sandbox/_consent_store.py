"""Account-on-file consents (UAE) and the payments made on them.

A consent is created AWAITING_AUTHORISATION; the customer authorises it in LinkSDK (here:
``LeanSandbox.authorize_consent``), which links the account it pays from. Payments on an
authorised consent are checked against its control parameters and counted in its
``payment_consumption``. Thread-safe (it shares the payment store's lock).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from lean_connector.testing.sandbox._http import SandboxError, iso, utc_timestamp
from lean_connector.testing.sandbox._payment_store import PaymentStore, unknown

__all__ = ["PURPOSES", "ConsentStore", "number_field"]

PURPOSES = {
    "FIS": "Financial services",
    "GDS": "Goods bought or sold",
    "SRV": "Services",
    "RNT": "Rent payments",
    "UTL": "Utility bill payments",
}
PERIOD_TYPES = ("Day", "Daily", "Week", "Month", "Year")


def number_field(value: Any, name: str, *, required: bool) -> int | float | None:
    """A JSON number, or a string holding one (Lean's own examples send strings)."""
    if value is None or value == "":
        if required:
            raise SandboxError(400, "MISSING_PARAMETERS", f"{name} is required")
        return None
    if isinstance(value, bool):
        raise SandboxError(400, "INVALID_PARAMETERS", f"{name} must be a number")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation as exc:
        raise SandboxError(
            400, "INVALID_PARAMETERS", f"{name} must be a number, got {value!r}"
        ) from exc
    if not parsed.is_finite() or parsed <= 0:
        raise SandboxError(400, "INVALID_PARAMETERS", f"{name} must be a positive number")
    return int(parsed) if parsed == parsed.to_integral_value() else float(parsed)


class ConsentStore:
    def __init__(self, payments: PaymentStore) -> None:
        self._payments = payments
        self._consents: dict[str, dict[str, Any]] = {}
        self._history: dict[str, list[dict[str, Any]]] = {}
        self._order: list[str] = []

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        missing = [
            name
            for name in ("customer_id", "destination_account_id", "currency", "reference")
            if not request.get(name)
        ]
        if missing:
            raise SandboxError(400, "MISSING_PARAMETERS", f"Missing fields: {', '.join(missing)}")
        purpose = request.get("purpose") or "FIS"
        if purpose not in PURPOSES:
            raise SandboxError(
                400, "INVALID_PARAMETERS", f"purpose must be one of {', '.join(PURPOSES)}"
            )
        controls = request.get("control_parameters")
        if not isinstance(controls, dict):
            raise SandboxError(400, "MISSING_PARAMETERS", "control_parameters is required")
        if controls.get("period_type") not in PERIOD_TYPES:
            raise SandboxError(
                400,
                "INVALID_PARAMETERS",
                f"control_parameters.period_type must be one of {', '.join(PERIOD_TYPES)}",
            )
        limits = {
            "period_type": controls["period_type"],
            "max_individual_amount": number_field(
                controls.get("max_individual_amount"),
                "control_parameters.max_individual_amount",
                required=True,
            ),
            "max_cumulative_amount": None,
            **{
                name: number_field(controls.get(name), f"control_parameters.{name}", required=False)
                for name in (
                    "max_cumulative_number_of_payments",
                    "max_cumulative_amount_per_period",
                    "max_cumulative_number_of_payments_per_period",
                )
            },
        }
        core = self._payments
        core.core.customer_ref(request["customer_id"])
        core.destination(request["destination_account_id"])
        start = dt.datetime.now(dt.UTC)
        consent = {
            "consent_id": core.core.new_id(),
            "bank_identifier": None,
            "application_id": core.application_id,
            "start_date_time": iso(start),
            "expiration_date_time": iso(start + dt.timedelta(days=364)),
            "customer_id": request["customer_id"],
            "status": "AWAITING_AUTHORISATION",
            "destination_account_id": request["destination_account_id"],
            "reference": request["reference"],
            "consented_account": None,
            "currency": request["currency"],
            "payment_purpose": {"code": purpose, "description": PURPOSES[purpose]},
            "control_parameters": {"type": "VariableOnDemand", **limits},
            "payment_consumption": {
                "cumulative_number_of_payments": 0,
                "cumulative_value_of_payments": 0.0,
                "cumulative_number_of_payments_in_current_period": 0,
                "cumulative_value_of_payments_in_current_period": 0.0,
            },
            "immediate_payment": request.get("immediate_payment"),
            "source_id": None,
        }
        with core.lock:
            self._consents[consent["consent_id"]] = consent
            self._order.append(consent["consent_id"])
            self._history[consent["consent_id"]] = []
            self._event(consent["consent_id"], "CONSENT_CREATED", "A new consent was created.")
        return consent

    def _event(self, consent_id: str, kind: str, description: str) -> None:
        self._history[consent_id].append(
            {
                "id": self._payments.core.new_id(),
                "type": kind,
                "description": description,
                "timestamp": utc_timestamp(),
                "updated_by": "LEAN",
                "reason": None,
            }
        )

    def get(self, consent_id: str) -> dict[str, Any]:
        with self._payments.lock:
            found = self._consents.get(consent_id)
        if found is None:
            raise unknown("consent", "consent_id", consent_id)
        return found

    def listing(self, customer_id: str | None = None) -> list[dict[str, Any]]:
        with self._payments.lock:
            found = [self._consents[c] for c in self._order]
        return [c for c in found if customer_id is None or c["customer_id"] == customer_id]

    def history(self, consent_id: str) -> list[dict[str, Any]]:
        self.get(consent_id)
        with self._payments.lock:
            return list(self._history[consent_id])

    def authorize(self, consent_id: str, *, bank_identifier: str = "ENBD_UAE") -> dict[str, Any]:
        consent = self.get(consent_id)
        source = self._payments.add_source(consent["customer_id"], bank_identifier=bank_identifier)
        with self._payments.lock:
            consent["status"] = "AUTHORISED"
            consent["bank_identifier"] = bank_identifier
            consent["source_id"] = source["id"]
            consent["consented_account"] = {
                "iban": source["accounts"][0]["iban"],
                "holder_name": source["holder_name"],
            }
            self._event(consent_id, "CONSENT_AUTHORISED", "The customer authorised the consent.")
        return consent

    def revoke(self, consent_id: str) -> dict[str, Any]:
        consent = self.get(consent_id)
        with self._payments.lock:
            consent["status"] = "REVOKED"
            self._event(consent_id, "CONSENT_REVOKED", "The consent was revoked.")
        return consent

    def pay(self, request: dict[str, Any]) -> dict[str, Any]:
        """A payment on an authorised consent, within its limits."""
        if not request.get("consent_id"):
            raise SandboxError(400, "MISSING_PARAMETERS", "consent_id is required")
        if not request.get("reference"):
            raise SandboxError(400, "MISSING_PARAMETERS", "reference is required")
        amount = number_field(request.get("amount"), "amount", required=True)
        assert amount is not None  # required=True
        consent = self.get(request["consent_id"])
        payments = self._payments
        with payments.lock:
            if consent["status"] == "REVOKED":
                raise SandboxError(
                    403,
                    "CONSENT_EXPIRED",
                    "Consent was suspended, revoked, or expired. New consent is required.",
                )
            if consent["status"] != "AUTHORISED":
                raise SandboxError(
                    400,
                    "INVALID_PARAMETERS",
                    f"Consent {consent['consent_id']} is {consent['status']}; the customer must "
                    "authorise it before payments are made on it.",
                )
            limits = consent["control_parameters"]
            if amount > limits["max_individual_amount"]:
                raise SandboxError(
                    400,
                    "INVALID_PARAMETERS",
                    f"amount {amount} exceeds the consent's max_individual_amount "
                    f"{limits['max_individual_amount']}",
                )
            used = consent["payment_consumption"]
            cap = limits["max_cumulative_number_of_payments"]
            if cap is not None and used["cumulative_number_of_payments"] >= cap:
                raise SandboxError(
                    400, "INVALID_PARAMETERS", "The consent's number of payments is used up"
                )
            payment = payments.record_payment(
                amount=amount,
                currency=consent["currency"],
                description=request["reference"],
                source=payments.sources[consent["source_id"]],
                recipient=payments.destination(consent["destination_account_id"]),
                intent_id=None,
            )
            used["cumulative_number_of_payments"] += 1
            used["cumulative_number_of_payments_in_current_period"] += 1
            used["cumulative_value_of_payments"] = round(
                used["cumulative_value_of_payments"] + amount, 2
            )
            used["cumulative_value_of_payments_in_current_period"] = round(
                used["cumulative_value_of_payments_in_current_period"] + amount, 2
            )
        return payment
