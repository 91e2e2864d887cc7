"""Payouts and refunds.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from lean_connector.api._models_common import AccountHolder, Number, Page

__all__ = [
    "Payout",
    "PayoutCreated",
    "PayoutDestination",
    "PayoutDestinationDetails",
    "PayoutHistoryEntry",
    "PayoutHistoryEntryEvent",
    "PayoutHistoryPage",
    "PayoutIntent",
    "PayoutIntentPayment",
    "PayoutIntentPaymentDestination",
    "PayoutPage",
    "PayoutPaymentDetail",
    "PayoutSummary",
    "Refund",
    "RefundBeneficiary",
    "RefundPage",
    "RefundStatus",
]


class PayoutIntent(TypedDict):
    """In Lean's answers to:

    * ``GET /payouts/v1/intents/{payment_intent_id}``
    """

    amount: Number
    currency: str
    customer_id: str
    description: str
    external_reference: Any
    payment: PayoutIntentPayment
    payment_destination: PayoutIntentPaymentDestination
    payment_intent_id: str


class PayoutIntentPayment(TypedDict):
    amount: Number
    bank_transaction_reference: str
    currency: str
    description: str
    granular_status_code: Any
    id: str
    initiation_timestamp: str
    payment_intent_id: str
    payment_source_id: str
    post_initiation_status: str
    recipient_details: AccountHolder
    sender_details: AccountHolder
    status: str
    status_additional_details: Any
    submission_timestamp: str


class PayoutIntentPaymentDestination(TypedDict):
    account_number: str
    address: str
    bank_identifier: str
    branch_address: str
    city: str
    cool_off_expiry: Any
    country: str
    currency_iso_code: str
    emirate: str
    iban: str
    id: str
    ifsc: Any
    name: str
    postal_code: str
    routing_code: Any
    short_name: str
    sort_code: Any
    status: str
    swift_code: str
    transit_code: Any


class PayoutCreated(TypedDict):
    """In Lean's answers to:

    * ``POST /payouts/v1/payment``
    """

    end_user_id: str
    payouts_payment_details: list[PayoutPaymentDetail]


class PayoutPaymentDetail(TypedDict):
    account_number: str
    bank_identifier: str
    destination_details: PayoutDestinationDetails
    iban: str
    initiate_payment_task_id: str
    payment_intent_id: str


class PayoutDestinationDetails(TypedDict):
    amount: Number
    currency: str
    destination_id: str
    error_message: Any
    payment_status: str
    recipient_details: AccountHolder


class PayoutDestination(TypedDict):
    """In Lean's answers to:

    * each item of ``POST /payouts/v1/payment/destinations``
    """

    account_number: str
    add_beneficiary_task_id: str
    bank_identifier: str
    destination_id: str
    display_name: str
    iban: str
    status: str


class PayoutPage(TypedDict):
    """In Lean's answers to:

    * ``GET /payouts/v1/payments``
    """

    content: list[PayoutSummary]
    page: Page


class PayoutSummary(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /payouts/v1/payments``
    """

    amount: Number
    auto_authorized: bool
    bank_transaction_reference: Any
    created_at: str
    currency: str
    description: str
    payment_intent_id: str
    pending_manual_authorization: bool
    post_initiation_status: Any
    recipient_address: str
    recipient_bank_name: str
    recipient_city: str
    recipient_cool_off_expiry: str
    recipient_country: str
    recipient_iban: str
    recipient_name: str
    status: str
    updated_at: str


class PayoutHistoryPage(TypedDict):
    """In Lean's answers to:

    * ``GET /payouts/v1/payments/{payment_id}/history``
    """

    content: list[PayoutHistoryEntry]
    page: Page


class PayoutHistoryEntry(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /payouts/v1/payments/{payment_id}/history``
    """

    events: list[PayoutHistoryEntryEvent]
    payment_id: str


class PayoutHistoryEntryEvent(TypedDict):
    event: str
    post_initiation_status: Any
    published_at: str
    status: str


class Payout(TypedDict):
    """In Lean's answers to:

    * ``GET /payouts/v1/{payment_id}``
    """

    amount: Number
    bank_transaction_reference: str
    currency: str
    description: str
    granular_status_code: Any
    id: str
    initiation_timestamp: str
    payment_intent_id: str
    payment_source_id: str
    post_initiation_status: str
    recipient_details: AccountHolder
    sender_details: AccountHolder
    status: str
    status_additional_details: Any
    submission_timestamp: str


class RefundPage(TypedDict):
    """In Lean's answers to:

    * ``GET /payouts/refunds``
    """

    content: list[Refund]
    page: Page


class Refund(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /payouts/refunds``
    * each item of ``POST /payouts/refunds``
    """

    actioned_by: NotRequired[str]
    amount: Number
    beneficiary: RefundBeneficiary
    created_at: NotRequired[str]
    created_by: NotRequired[str]
    currency: str
    deposit_amount: NotRequired[Number]
    deposit_currency: NotRequired[str]
    description: str
    external_reference: str
    payment_id: str
    reason_code: str
    refund_id: str
    refund_intent_id: NotRequired[Any]
    status: str


class RefundBeneficiary(TypedDict):
    account_id: str
    city: str
    iban: str
    name: str


class RefundStatus(TypedDict):
    """In Lean's answers to:

    * each item of ``PUT /payouts/refunds``
    """

    refund_id: str
    status: str
