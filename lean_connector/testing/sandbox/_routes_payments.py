"""Payments (UAE): payment intents and payments, account-on-file consents and payments,
payment sources and payment destinations.

Every write honours an ``Idempotency-Key``: the same key returns the first answer and
creates nothing. Listings that Lean pages (``/consents/v1``, and ``/payments/v1/intents``
and consent history, whose names Lean's collection does not show) read
``page_number``/``page_size``.
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._consent_store import ConsentStore, number_field
from lean_connector.testing.sandbox._http import (
    ListListing,
    Reply,
    SandboxError,
    json_object,
    paginate,
    read_page,
)
from lean_connector.testing.sandbox._payment_store import PaymentStore
from lean_connector.testing.sandbox._router import Call, Route

__all__ = ["destination_view", "payment_routes"]

UAE = ("ae",)
_CREATED_KEYS = (
    "id", "status", "default", "branch_address", "name", "iban", "display_name", "address",
    "city", "country", "swift_code", "account_number",
)  # fmt: skip
_LISTED_KEYS = (
    "id", "status", "default", "name", "iban", "display_name", "address", "city", "country",
    "swift_code", "account_number", "currency",
)  # fmt: skip
_INTENT_KEYS = (
    "id", "bank_identifier", "name", "iban", "display_name", "account_number", "swift_code",
    "status", "address", "country", "city", "default", "owner_type", "ifsc", "sort_code",
    "routing_number", "transit_code", "branch_address", "currency_iso_code", "postal_code",
    "confirmation_of_payee_status", "bank_type",
)  # fmt: skip
_CONSENT_KEYS = (
    "consent_id", "bank_identifier", "application_id", "start_date_time",
    "expiration_date_time", "customer_id", "status", "destination_account_id", "reference",
    "consented_account", "currency", "payment_purpose", "control_parameters",
    "payment_consumption",
)  # fmt: skip


def destination_view(destination: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    full = {**destination, "currency_iso_code": destination["currency"]}
    return {key: full.get(key) for key in keys}


def _key(call: Call) -> str | None:
    return call.request.headers.get("idempotency-key")


def payment_routes(store: PaymentStore, consents: ConsentStore) -> list[Route]:
    def intent_view(intent: dict[str, Any]) -> dict[str, Any]:
        return {
            "payment_intent_id": intent["payment_intent_id"],
            "customer_id": intent["customer_id"],
            "amount": intent["amount"],
            "currency": intent["currency"],
            "description": intent["description"],
            "payments": [dict(store.payments[p]) for p in intent["payment_ids"]],
            "payment_destination": destination_view(
                store.destination(intent["destination_id"]), _INTENT_KEYS
            ),
            "created_at": intent["created_at"],
            "updated_at": intent["updated_at"],
        }

    def create_intent(call: Call) -> Reply:
        body = json_object(call.request)
        missing = [n for n in ("amount", "currency", "customer_id") if body.get(n) in (None, "")]
        if missing:
            raise SandboxError(400, "MISSING_PARAMETERS", f"Missing fields: {', '.join(missing)}")
        amount = body["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise SandboxError(400, "INVALID_PARAMETERS", "amount must be a positive number")
        if body["currency"] not in ("AED", "SAR"):
            raise SandboxError(400, "INVALID_PARAMETERS", "currency must be AED or SAR")
        intent = store.once(
            "intents", _key(call), body, lambda: intent_view(store.create_intent(body))
        )
        return Reply(200, intent)

    def list_intents(call: Call) -> Reply:
        with store.lock:
            found = [intent_view(i) for i in store.intents.values()]
        customer_id = call.query.get("customer_id")
        found = [i for i in found if not customer_id or i["customer_id"] == customer_id]
        items, page = paginate(ListListing(found), read_page(call.query, "page_number"), sort=False)
        return Reply(200, {"data": items, "page": page})

    def get_intent(call: Call) -> Reply:
        return Reply(200, intent_view(store.intent(call.ids["intent_id"])))

    def get_payment(call: Call) -> Reply:
        return Reply(200, dict(store.payment(call.ids["payment_id"])))

    # -- account on file -------------------------------------------------------------------

    def consent_view(consent: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
        view = {key: consent[key] for key in _CONSENT_KEYS}
        if not listed:
            view["immediate_payment"] = consent["immediate_payment"]
        return view

    def created_view(consent: dict[str, Any]) -> dict[str, Any]:
        controls = {k: v for k, v in consent["control_parameters"].items() if k != "type"}
        return {
            "id": consent["consent_id"],
            "application_id": consent["application_id"],
            "start_date_time": consent["start_date_time"],
            "expiration_date_time": consent["expiration_date_time"],
            "customer_id": consent["customer_id"],
            "status": consent["status"],
            "destination_account_id": consent["destination_account_id"],
            "reference": consent["reference"],
            "currency": consent["currency"],
            "purpose": consent["payment_purpose"]["code"],
            "control_parameters": controls,
            "immediate_payment": consent["immediate_payment"],
        }

    def create_consent(call: Call) -> Reply:
        body = json_object(call.request)
        created = store.once(
            "consents", _key(call), body, lambda: created_view(consents.create(body))
        )
        return Reply(200, created)

    def pay_on_file(call: Call) -> Reply:
        body = json_object(call.request)
        number_field(body.get("amount"), "amount", required=True)
        return Reply(200, store.once("aof-payments", _key(call), body, lambda: consents.pay(body)))

    def list_consents(call: Call) -> Reply:
        found = [
            consent_view(c, listed=True) for c in consents.listing(call.query.get("customer_id"))
        ]
        items, page = paginate(ListListing(found), read_page(call.query, "page_number"))
        return Reply(200, {"data": items, "page": page})

    def get_consent(call: Call) -> Reply:
        return Reply(200, consent_view(consents.get(call.ids["consent_id"])))

    def consent_balance(call: Call) -> Reply:
        consent = consents.get(call.ids["consent_id"])
        if consent["source_id"] is None:
            raise SandboxError(
                400,
                "INVALID_PARAMETERS",
                f"Consent {consent['consent_id']} is {consent['status']}: no account is linked",
            )
        account = store.sources[consent["source_id"]]["accounts"][0]
        return Reply(
            200,
            {
                "consent_id": consent["consent_id"],
                "account_id": account["account_id"],
                "balances": [
                    {
                        "type": "INTERIM_AVAILABLE",
                        "credit_debit_indicator": "CREDIT",
                        "amount": {"currency": account["currency"], "amount": account["balance"]},
                        "date_time": account["balance_last_updated"],
                    }
                ],
            },
        )

    def consent_history(call: Call) -> Reply:
        found = consents.history(call.ids["consent_id"])
        page = read_page(call.query, "page_number", default_size=100)
        items, page_body = paginate(ListListing(found), page, sort=False)
        return Reply(200, {"data": items, "page": page_body})

    # -- payment sources and destinations --------------------------------------------------

    def source_view(source: dict[str, Any], *, listed: bool) -> dict[str, Any]:
        view = {k: v for k, v in source.items() if k != "holder_name"}
        keep = None if listed else ("balance", "balance_last_updated")
        view["accounts"] = [
            {k: v for k, v in account.items() if keep is None or k not in keep}
            for account in source["accounts"]
        ]
        view["beneficiaries"] = [dict(b) for b in source["beneficiaries"]]
        return view

    def list_sources(call: Call) -> Reply:
        found = store.sources_of(call.ids["customer_id"])
        return Reply(200, [source_view(s, listed=True) for s in found])

    def get_source(call: Call) -> Reply:
        found = store.source(call.ids["customer_id"], call.ids["payment_source_id"])
        return Reply(200, source_view(found, listed=False))

    def delete_source(call: Call) -> Reply:
        if call.request.body:
            json_object(call.request)  # Lean's example sends {"reason": ...}
        store.delete_source(call.ids["customer_id"], call.ids["payment_source_id"])
        return Reply(200, {})

    def list_destinations(call: Call) -> Reply:
        with store.lock:
            found = [destination_view(d, _LISTED_KEYS) for d in store.destinations.values()]
        return Reply(200, found)

    def create_destination(call: Call) -> Reply:
        body = json_object(call.request)
        missing = [n for n in ("name", "iban") if not body.get(n)]
        if missing:
            raise SandboxError(400, "MISSING_PARAMETERS", f"Missing fields: {', '.join(missing)}")
        created = store.once(
            "destinations",
            _key(call),
            body,
            lambda: destination_view(store.add_destination(body), _CREATED_KEYS),
        )
        return Reply(200, created)

    customer_source = "/customers/v1/{customer_id}/payment-sources"
    return [
        Route("POST", "/payments/v1/intents", create_intent, UAE),
        Route("GET", "/payments/v1/intents", list_intents, UAE),
        Route("GET", "/payments/v1/intents/{intent_id}", get_intent, UAE),
        Route("GET", "/payments/v1/{payment_id}", get_payment, UAE),
        Route("POST", "/consents/account-on-file", create_consent, UAE),
        Route("POST", "/payments/account-on-file", pay_on_file, UAE),
        Route("GET", "/consents/v1", list_consents, UAE),
        Route("GET", "/consents/{consent_id}", get_consent, UAE),
        Route("GET", "/consents/{consent_id}/balance", consent_balance, UAE),
        Route("GET", "/consents/{consent_id}/history", consent_history, UAE),
        Route("GET", customer_source, list_sources, UAE),
        Route("GET", customer_source + "/{payment_source_id}", get_source, UAE),
        Route("DELETE", customer_source + "/{payment_source_id}", delete_source, UAE),
        Route("GET", "/payments/v1/destinations", list_destinations, UAE),
        Route("POST", "/payments/v1/destinations", create_destination, UAE),
    ]
