"""Payments (intents, payments, account-on-file payments) and account-on-file consents.

Lean publishes these in its UAE API only: a KSA connector refuses them before sending.
Payment writes carry an ``Idempotency-Key``: the caller's, else a new UUID that the
connector keeps across its retries, so a retried write cannot pay twice. Pass money as
``Decimal`` (``Decimal("100.10")``): it is sent as that exact JSON number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import (
    Resource,
    check_currency,
    drop_none,
    non_empty,
    segment,
)
from lean_connector.api._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_PAGE_SIZE,
    PAGE_NUMBER,
    SINGLE_PAGE,
    Listing,
    check_paging_args,
    paginate,
)
from lean_connector.errors import InvalidRequestError

if TYPE_CHECKING:
    from lean_connector.api._models_common import UndocumentedBody
    from lean_connector.api._models_payments import (
        Consent,
        ConsentCreated,
        ConsentHistoryEntry,
        Payment,
        PaymentIntent,
    )

__all__ = ["Consents", "Payments"]

Amount = Decimal | int | float | str

_INTENTS = Listing("GET", "/payments/v1/intents", ("data",), SINGLE_PAGE, "payment_intent_id")
_CONSENTS = Listing("GET", "/consents/v1", ("data",), PAGE_NUMBER, id_key="consent_id")


def _amount(value: Any, name: str = "amount") -> Amount:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise InvalidRequestError(
            f"{name} must be a number (Decimal for money), got {type(value).__name__}"
        )
    return value


class Payments(Resource):
    """``/payments``: payment intents, their payments, account-on-file payments (UAE)."""

    def create_intent(
        self,
        *,
        amount: Amount,
        currency: str,
        customer_id: str,
        payment_destination_id: str | None = None,
        purpose_code: str | None = None,
        description: str | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> PaymentIntent:
        """Create a payment intent, for LinkSDK ``pay()`` to authorise.

        Without ``payment_destination_id`` Lean pays the application's default
        destination. ``extra`` fields are sent as given."""
        path = "/payments/v1/intents"
        self._only_in("ae", f"POST {path}")
        non_empty(customer_id, "customer_id")
        body: dict[str, Any] = {
            "amount": _amount(amount),
            "currency": check_currency(currency),
            "customer_id": customer_id,
            **drop_none(
                {
                    "payment_destination_id": payment_destination_id,
                    "purpose_code": purpose_code,
                    "description": description,
                }
            ),
            **extra,
        }
        return cast("PaymentIntent", self._write("POST", path, body, idempotency_key))

    def get_intent(self, intent_id: str) -> PaymentIntent:
        """One payment intent and the payments made against it."""
        path = f"/payments/v1/intents/{segment(intent_id, 'intent_id')}"
        self._only_in("ae", "GET /payments/v1/intents/{intent_id}")
        return cast("PaymentIntent", self._get(path))

    def intents(self) -> Iterator[PaymentIntent]:
        """The application's payment intents (the one page Lean answers: it documents no
        paging parameter here)."""
        self._only_in("ae", f"GET {_INTENTS.path}")
        items = paginate(_INTENTS, lambda query: self._get(_INTENTS.path), page_size=1, max_pages=1)
        return cast("Iterator[PaymentIntent]", items)

    def get(self, payment_id: str) -> Payment:
        """One payment by its id."""
        self._only_in("ae", "GET /payments/v1/{payment_id}")
        return cast("Payment", self._get(f"/payments/v1/{segment(payment_id, 'payment_id')}"))

    def pay_account_on_file(
        self,
        *,
        consent_id: str,
        amount: Amount,
        reference: str,
        creditor_reference: str | None = None,
        risk_details: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> UndocumentedBody:
        """Pay under an authorised account-on-file consent, without the customer present.

        ``risk_details`` e.g. ``{"channel": "WEB"}``."""
        path = "/payments/account-on-file"
        self._only_in("ae", f"POST {path}")
        body = drop_none(
            {
                "consent_id": non_empty(consent_id, "consent_id"),
                "amount": _amount(amount),
                "reference": non_empty(reference, "reference"),
                "creditor_reference": creditor_reference,
                "risk_details": None if risk_details is None else dict(risk_details),
            }
        )
        return cast("UndocumentedBody", self._write("POST", path, body, idempotency_key) or {})


class Consents(Resource):
    """Account-on-file consents: a customer's standing permission to be paid from (UAE)."""

    def create_account_on_file(
        self,
        *,
        customer_id: str,
        destination_account_id: str,
        currency: str,
        description: str,
        reference: str,
        purpose: str,
        control_parameters: Mapping[str, Any],
        government_identifier: Mapping[str, Any],
        immediate_payment: Mapping[str, Any] | None = None,
    ) -> ConsentCreated:
        """Create a consent for LinkSDK ``authorizeConsent()`` to have authorised.

        ``control_parameters`` sets the limits (``period_type``, ``max_individual_amount``,
        ``max_cumulative_number_of_payments``, ...); ``government_identifier`` is
        ``{"type": ..., "value": ...}``."""
        path = "/consents/account-on-file"
        self._only_in("ae", f"POST {path}")
        for name, value in (
            ("control_parameters", control_parameters),
            ("government_identifier", government_identifier),
        ):
            if not isinstance(value, Mapping):
                raise InvalidRequestError(f"{name} must be an object, got {type(value).__name__}")
        body = drop_none(
            {
                "customer_id": non_empty(customer_id, "customer_id"),
                "destination_account_id": non_empty(
                    destination_account_id, "destination_account_id"
                ),
                "currency": check_currency(currency),
                "description": non_empty(description, "description"),
                "reference": non_empty(reference, "reference"),
                "purpose": non_empty(purpose, "purpose"),
                "control_parameters": dict(control_parameters),
                "government_identifier": dict(government_identifier),
                "immediate_payment": None if immediate_payment is None else dict(immediate_payment),
            }
        )
        return cast("ConsentCreated", self._send("POST", path, body))

    def get(self, consent_id: str) -> Consent:
        """One consent: its limits, what has been used and its status."""
        self._only_in("ae", "GET /consents/{consent_id}")
        return cast("Consent", self._get(f"/consents/{segment(consent_id, 'consent_id')}"))

    def balance(self, consent_id: str) -> UndocumentedBody:
        """The balance of the account a consent pays from."""
        self._only_in("ae", "GET /consents/{consent_id}/balance")
        path = f"/consents/{segment(consent_id, 'consent_id')}/balance"
        return cast("UndocumentedBody", self._get(path) or {})

    def history(self, consent_id: str) -> Iterator[ConsentHistoryEntry]:
        """What happened to a consent (the one page Lean answers)."""
        self._only_in("ae", "GET /consents/{consent_id}/history")
        path = f"/consents/{segment(consent_id, 'consent_id')}/history"
        listing = Listing("GET", path, ("data",), SINGLE_PAGE)
        items = paginate(listing, lambda query: self._get(path), page_size=1, max_pages=1)
        return cast("Iterator[ConsentHistoryEntry]", items)

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, max_pages: int = DEFAULT_MAX_PAGES
    ) -> Iterator[Consent]:
        """Every consent of the application's customers, page by page
        (``page_number``/``page_size``) as read."""
        self._only_in("ae", f"GET {_CONSENTS.path}")
        check_paging_args(page_size, max_pages)
        items = paginate(
            _CONSENTS,
            lambda query: self._get(_CONSENTS.path, query),
            page_size=page_size,
            max_pages=max_pages,
        )
        return cast("Iterator[Consent]", items)
