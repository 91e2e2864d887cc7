"""Payments: intents, payments and account-on-file consents.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from lean_connector.api._models_common import AccountHolder, Number, Page

__all__ = [
    "Consent",
    "ConsentControlParameters",
    "ConsentCreated",
    "ConsentHistoryEntry",
    "ConsentHistoryPage",
    "ConsentPage",
    "ConsentPaymentConsumption",
    "ConsentPaymentPurpose",
    "ConsentedAccount",
    "Destination",
    "Payment",
    "PaymentIntent",
    "PaymentIntentPage",
]


class PaymentIntent(TypedDict):
    """In Lean's answers to:

    * ``POST /payments/v1/intents``
    * ``GET /payments/v1/intents/{intent_id}``
    * each item of ``data``/``content`` in ``GET /payments/v1/intents``
    """

    amount: Number
    created_at: NotRequired[str | None]
    currency: str
    customer_id: str
    description: str
    payment_destination: Destination
    payment_intent_id: str
    payments: list[Payment]
    updated_at: NotRequired[str | None]


class Destination(TypedDict):
    """In Lean's answers to:

    * each item of ``GET /payments/v1/destinations``
    * ``POST /payments/v1/destinations``
    """

    account_number: str
    address: str
    bank_identifier: NotRequired[str]
    bank_type: NotRequired[str]
    branch_address: NotRequired[str]
    city: str
    confirmation_of_payee_status: NotRequired[str]
    country: str
    currency_iso_code: NotRequired[str]
    default: bool
    display_name: str
    iban: str
    id: str
    name: str
    owner_type: NotRequired[str]
    status: str
    swift_code: str
    ifsc: NotRequired[Any]
    postal_code: NotRequired[Any]
    routing_number: NotRequired[Any]
    sort_code: NotRequired[Any]
    transit_code: NotRequired[Any]
    currency: NotRequired[str]


class Payment(TypedDict):
    """In Lean's answers to:

    * ``GET /payments/v1/{payment_id}``
    """

    amount: Number
    bank_transaction_reference: str
    currency: str
    description: str
    id: str
    initiation_timestamp: str
    payment_intent_id: str
    payment_source_id: str
    recipient_details: AccountHolder
    sender_details: AccountHolder
    status: str
    submission_timestamp: str


class PaymentIntentPage(TypedDict):
    """In Lean's answers to:

    * ``GET /payments/v1/intents``
    """

    data: list[PaymentIntent]
    page: Page


class ConsentCreated(TypedDict):
    """In Lean's answers to:

    * ``POST /consents/account-on-file``
    """

    application_id: str
    control_parameters: ConsentControlParameters
    currency: str
    customer_id: str
    destination_account_id: str
    expiration_date_time: str
    id: str
    immediate_payment: Any
    purpose: str
    reference: str
    start_date_time: str
    status: str


class ConsentControlParameters(TypedDict):
    max_cumulative_amount: Number | None
    max_cumulative_amount_per_period: Number
    max_cumulative_number_of_payments: int
    max_cumulative_number_of_payments_per_period: int
    max_individual_amount: Number
    period_type: str
    type: NotRequired[str]


class Consent(TypedDict):
    """In Lean's answers to:

    * ``GET /consents/{consent_id}``
    * each item of ``data``/``content`` in ``GET /consents/v1``
    """

    application_id: str
    bank_identifier: str | None
    consent_id: str
    consented_account: ConsentedAccount | None
    control_parameters: ConsentControlParameters
    currency: str
    customer_id: str
    destination_account_id: str
    expiration_date_time: str
    immediate_payment: NotRequired[Any]
    payment_consumption: ConsentPaymentConsumption
    payment_purpose: ConsentPaymentPurpose
    reference: str
    start_date_time: str
    status: str


class ConsentedAccount(TypedDict):
    holder_name: str
    iban: str


class ConsentPaymentConsumption(TypedDict):
    cumulative_number_of_payments: int
    cumulative_number_of_payments_in_current_period: int
    cumulative_value_of_payments: Number
    cumulative_value_of_payments_in_current_period: Number


class ConsentPaymentPurpose(TypedDict):
    code: str
    description: str


class ConsentPage(TypedDict):
    """In Lean's answers to:

    * ``GET /consents/v1``
    """

    data: list[Consent]
    page: Page


class ConsentHistoryPage(TypedDict):
    """In Lean's answers to:

    * ``GET /consents/{consent_id}/history``
    """

    data: list[ConsentHistoryEntry]
    page: Page


class ConsentHistoryEntry(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /consents/{consent_id}/history``
    """

    description: str
    id: str
    reason: Any
    timestamp: str
    type: str
    updated_by: str
