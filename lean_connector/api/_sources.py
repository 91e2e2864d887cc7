"""Payment sources (a customer's bank account set up to pay) and payment destinations.

Both are in Lean's UAE API only: a KSA connector refuses them before sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import Resource, non_empty, segment
from lean_connector.errors import InvalidRequestError

if TYPE_CHECKING:
    from lean_connector.api._models_payment_sources import PaymentSource
    from lean_connector.api._models_payments import Destination

__all__ = ["Destinations", "PaymentSources"]


def _bare_list(body: Any) -> list[Any]:
    return body if isinstance(body, list) else []


class PaymentSources(Resource):
    """``/customers/v1/{customer_id}/payment-sources`` (UAE)."""

    def get(self, customer_id: str, payment_source_id: str) -> PaymentSource:
        """One payment source of a customer, with its accounts and beneficiaries."""
        self._only_in("ae", "GET /customers/v1/{customer_id}/payment-sources/{id}")
        path = self._path(customer_id) + "/" + segment(payment_source_id, "payment_source_id")
        return cast("PaymentSource", self._get(path))

    def delete(self, customer_id: str, payment_source_id: str, *, reason: str) -> None:
        """Remove a payment source (``reason`` is recorded by Lean, e.g. ``USER_REQUESTED``)."""
        self._only_in("ae", "DELETE /customers/v1/{customer_id}/payment-sources/{id}")
        path = self._path(customer_id) + "/" + segment(payment_source_id, "payment_source_id")
        self._send("DELETE", path, {"reason": non_empty(reason, "reason")})

    def _path(self, customer_id: str) -> str:
        return f"/customers/v1/{segment(customer_id, 'customer_id')}/payment-sources"

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(self, customer_id: str) -> list[PaymentSource]:
        """The payment sources of one customer."""
        self._only_in("ae", "GET /customers/v1/{customer_id}/payment-sources")
        return cast("list[PaymentSource]", _bare_list(self._get(self._path(customer_id))))


class Destinations(Resource):
    """``/payments/v1/destinations``: the accounts payments can be made to (UAE)."""

    def create(
        self,
        *,
        bank_type: str,
        government_identifier: Mapping[str, Any],
        name: str,
        iban: str,
        display_name: str,
        address: str,
        city: str,
        country: str,
    ) -> Destination:
        """Register a destination account (``government_identifier`` is
        ``{"type": ..., "value": ...}``; ``country`` ISO-3 such as ``ARE``)."""
        path = "/payments/v1/destinations"
        self._only_in("ae", f"POST {path}")
        if not isinstance(government_identifier, Mapping):
            raise InvalidRequestError(
                "government_identifier must be an object, got "
                f"{type(government_identifier).__name__}"
            )
        body = {
            "bank_type": non_empty(bank_type, "bank_type"),
            "government_identifier": dict(government_identifier),
            "name": non_empty(name, "name"),
            "iban": non_empty(iban, "iban"),
            "display_name": non_empty(display_name, "display_name"),
            "address": non_empty(address, "address"),
            "city": non_empty(city, "city"),
            "country": non_empty(country, "country"),
        }
        return cast("Destination", self._send("POST", path, body))

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(self) -> list[Destination]:
        """Every payment destination of the application."""
        self._only_in("ae", "GET /payments/v1/destinations")
        return cast("list[Destination]", _bare_list(self._get("/payments/v1/destinations")))
