"""Payment objects (UAE): destinations, payment intents and payments, payment sources and
account-on-file consents, plus the Idempotency-Key memory every payment write shares.

State only; ``_routes_payments`` turns requests into calls here and records into Lean's
bodies. A write repeated with the same Idempotency-Key returns its first result and
creates nothing (the same key with another body is 400 INVALID_PARAMETERS). Thread-safe.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from lean_connector.testing.sandbox._banks import RETAIL_BANKS, bank
from lean_connector.testing.sandbox._http import SandboxError, iso, utc_timestamp
from lean_connector.testing.sandbox._ids import rng_for, stable_uuid
from lean_connector.testing.sandbox._records import iban_for
from lean_connector.testing.sandbox._seeded import holder_name
from lean_connector.testing.sandbox._store import CoreStore

__all__ = ["PaymentStore", "iban_ok", "unknown"]

T = TypeVar("T")


def unknown(what: str, name: str, value: str) -> SandboxError:
    return SandboxError(404, "UNKNOWN_ENTITY", f"No {what} with {name} {value}.")


def now() -> str:
    return utc_timestamp()


class PaymentStore:
    def __init__(self, core: CoreStore, *, application_id: str) -> None:
        self.core = core
        self.seed = core.seed
        self.application_id = application_id
        self.lock = threading.RLock()
        self._keys: dict[tuple[str, str], tuple[Any, Any]] = {}
        self.destinations: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, Any]] = {}
        self.consents: dict[str, dict[str, Any]] = {}
        self.default_destination_id = self._default_destination()

    # -- idempotency -----------------------------------------------------------------------

    def once(self, scope: str, key: str | None, request: Any, create: Callable[[], T]) -> T:
        """``create()``'s result, or, for a key seen before in ``scope``, the first result."""
        if key is not None and not 0 < len(key) <= 255:
            raise SandboxError(
                400, "INVALID_PARAMETERS", "Idempotency-Key must be 1-255 characters"
            )
        with self.lock:
            if key is not None and (scope, key) in self._keys:
                first_request, result = self._keys[(scope, key)]
                if first_request != request:
                    raise SandboxError(
                        400,
                        "INVALID_PARAMETERS",
                        "Idempotency-Key was already used with a different request body",
                    )
                return copy.deepcopy(result)  # type: ignore[no-any-return]
            result = create()
            if key is not None:
                self._keys[(scope, key)] = (copy.deepcopy(request), copy.deepcopy(result))
            return result

    # -- destinations ----------------------------------------------------------------------

    def _default_destination(self) -> str:
        draws = rng_for(self.seed, "default-destination")
        number = draws.digits(16)
        destination = self.add_destination(
            {
                "name": "Sandbox Merchant LLC",
                "display_name": "Sandbox Merchant",
                "iban": iban_for("ARE", number),
                "address": "1 Example Tower",
                "city": "Dubai",
                "country": "ARE",
                "bank_type": "RETAIL",
            },
            destination_id=stable_uuid(self.seed, "destination", "default"),
            default=True,
        )
        return str(destination["id"])

    def add_destination(
        self, request: dict[str, Any], *, destination_id: str | None = None, default: bool = False
    ) -> dict[str, Any]:
        iban = str(request.get("iban") or "")
        if not iban_ok(iban):
            raise SandboxError(400, "INVALID_PARAMETERS", f"iban {iban!r} is not a valid IBAN")
        country = "ARE" if iban.startswith("AE") else "SAU"
        issuers = _banks_of(country)
        issuer = issuers[rng_for(self.seed, "issuer", iban).randrange(len(issuers))]
        destination = {
            "id": destination_id or self.core.new_id(),
            "status": "ACTIVE",
            "default": default,
            "bank_identifier": issuer["identifier"],
            "name": request.get("name"),
            "display_name": request.get("display_name") or request.get("name"),
            "iban": iban,
            "account_number": iban[-13:],
            "swift_code": issuer["swift_code"] + "XXX",
            "address": request.get("address"),
            "city": request.get("city"),
            "country": request.get("country") or country,
            "branch_address": request.get("address"),
            "currency": "AED" if country == "ARE" else "SAR",
            "owner_type": "APPLICATION",
            "bank_type": request.get("bank_type") or "RETAIL",
            "confirmation_of_payee_status": "MATCH",
            "created_at": now(),
        }
        with self.lock:
            self.destinations[destination["id"]] = destination
        return destination

    def destination(self, destination_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.destinations.get(destination_id)
        if found is None:
            raise unknown("payment destination", "payment_destination_id", destination_id)
        return found

    # -- intents and payments --------------------------------------------------------------

    def create_intent(self, request: dict[str, Any]) -> dict[str, Any]:
        self.core.customer_ref(request["customer_id"])
        destination_id = request.get("payment_destination_id") or self.default_destination_id
        self.destination(destination_id)
        intent = {
            "payment_intent_id": self.core.new_id(),
            "customer_id": request["customer_id"],
            "amount": request["amount"],
            "currency": request["currency"],
            "description": request.get("description"),
            "purpose_code": request.get("purpose_code"),
            "destination_id": destination_id,
            "payment_ids": [],
            "created_at": now(),
            "updated_at": now(),
        }
        with self.lock:
            self.intents[intent["payment_intent_id"]] = intent
        return intent

    def intent(self, intent_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.intents.get(intent_id)
        if found is None:
            raise unknown("payment intent", "payment_intent_id", intent_id)
        return found

    def payment(self, payment_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.payments.get(payment_id)
        if found is None:
            raise unknown("payment", "payment_id", payment_id)
        return found

    def record_payment(
        self,
        *,
        amount: Any,
        currency: str,
        description: str | None,
        source: dict[str, Any],
        recipient: dict[str, Any],
        intent_id: str | None,
        status: str = "ACCEPTED_BY_BANK",
    ) -> dict[str, Any]:
        """A payment from ``source``'s first account to ``recipient`` (a destination)."""
        sender = source["accounts"][0]
        stamp = now()
        payment = {
            "id": self.core.new_id(),
            "payment_intent_id": intent_id,
            "payment_source_id": source["id"],
            "sender_details": {
                "account_number": sender["account_number"],
                "iban": sender["iban"],
                "name": source["holder_name"],
            },
            "recipient_details": {
                "account_number": recipient["account_number"],
                "iban": recipient["iban"],
                "name": recipient["name"],
            },
            "amount": amount,
            "currency": currency,
            "description": description,
            "submission_timestamp": stamp,
            "initiation_timestamp": stamp,
            "status": status,
            "bank_transaction_reference": rng_for(self.seed, "reference", stamp).digits(12),
        }
        with self.lock:
            self.payments[payment["id"]] = payment
            if intent_id is not None:
                intent = self.intents[intent_id]
                intent["payment_ids"].append(payment["id"])
                intent["updated_at"] = stamp
        return payment

    def authorize_intent(self, intent_id: str, source_id: str | None = None) -> dict[str, Any]:
        """The customer pays the intent through LinkSDK: a payment ACCEPTED_BY_BANK."""
        intent = self.intent(intent_id)
        if source_id is None:
            source = self.add_source(intent["customer_id"])
        else:
            source = self.source(intent["customer_id"], source_id)
        return self.record_payment(
            amount=intent["amount"],
            currency=intent["currency"],
            description=intent["description"],
            source=source,
            recipient=self.destination(intent["destination_id"]),
            intent_id=intent_id,
        )

    # -- payment sources -------------------------------------------------------------------

    def add_source(
        self, customer_id: str, *, bank_identifier: str = "ENBD_UAE", accounts: int = 1
    ) -> dict[str, Any]:
        """A payment source: the customer connected a bank for payments through LinkSDK."""
        self.core.customer_ref(customer_id)
        country = bank(bank_identifier)["country_code"]
        full, _ = holder_name(self.seed, customer_id)
        source_id = self.core.new_id()
        listed = []
        for position in range(accounts):
            number = rng_for(self.seed, "source-account", source_id, position).digits(13)
            listed.append(
                {
                    "id": self.core.new_id(),
                    "account_id": self.core.new_id(),
                    "account_name": "CURRENT ACCOUNT",
                    "account_number": number,
                    "iban": iban_for(country, number),
                    "balance": 25_000.0,
                    "currency": "AED" if country == "ARE" else "SAR",
                    "balance_last_updated": now(),
                }
            )
        source = {
            "id": source_id,
            "customer_id": customer_id,
            "app_id": self.application_id,
            "status": "ACTIVE",
            "beneficiary_cool_off_expiry": iso(dt.datetime.now(dt.UTC)),
            "bank_identifier": bank_identifier,
            "beneficiaries": [
                {
                    "id": self.core.new_id(),
                    "payment_destination_id": self.default_destination_id,
                    "status": "ACTIVE",
                    "beneficiary_cool_off_expiry": iso(dt.datetime.now(dt.UTC)),
                }
            ],
            "accounts": listed,
            "holder_name": full,
        }
        with self.lock:
            self.sources[source_id] = source
        return source

    def source(self, customer_id: str, source_id: str) -> dict[str, Any]:
        with self.lock:
            found = self.sources.get(source_id)
        if found is None or found["customer_id"] != customer_id:
            raise unknown("payment source", "payment_source_id", source_id)
        return found

    def sources_of(self, customer_id: str) -> list[dict[str, Any]]:
        self.core.customer_ref(customer_id)
        with self.lock:
            return [s for s in self.sources.values() if s["customer_id"] == customer_id]

    def delete_source(self, customer_id: str, source_id: str) -> None:
        self.source(customer_id, source_id)
        with self.lock:
            del self.sources[source_id]

    def account_of_sources(self, account_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(source, account) for an account id of any payment source."""
        with self.lock:
            for source in self.sources.values():
                for account in source["accounts"]:
                    if account["account_id"] == account_id:
                        return source, account
        raise SandboxError(
            400,
            "INVALID_PARAMETERS",
            f"account_id {account_id} is not an account of a payment source; connect one "
            "first (LeanSandbox.add_payment_source)",
        )


def _banks_of(country: str) -> list[dict[str, Any]]:
    return [b for b in RETAIL_BANKS if b["country_code"] == country]


def iban_ok(iban: str) -> bool:
    if len(iban) < 15 or not iban[:2].isalpha() or not iban[2:].isalnum():
        return False
    moved = iban[4:] + iban[:4]
    try:
        return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1
    except ValueError:
        return False
