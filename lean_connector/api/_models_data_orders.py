"""Data v2: direct debits, scheduled payments and standing orders.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import AccountServicer, Amount, Page

__all__ = [
    "DirectDebit",
    "DirectDebitsData",
    "DirectDebitsResponse",
    "ScheduledPayment",
    "ScheduledPaymentCreditorAccount",
    "ScheduledPaymentsData",
    "ScheduledPaymentsResponse",
    "StandingOrder",
    "StandingOrderFrequency",
    "StandingOrdersData",
    "StandingOrdersResponse",
]


class DirectDebitsResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/direct-debits``
    """

    data: DirectDebitsData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class DirectDebitsData(TypedDict):
    direct_debits: list[DirectDebit]
    page: Page
    type: str


class DirectDebit(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/direct-debits``
    """

    account_id: str
    direct_debit_id: str
    frequency: str
    mandate_identification: str
    name: str
    previous_payment_amount: Amount
    previous_payment_date_time: str
    regional_data: Any
    status_code: str


class ScheduledPaymentsResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/scheduled-payments``
    """

    data: ScheduledPaymentsData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class ScheduledPaymentsData(TypedDict):
    page: Page
    scheduled_payments: list[ScheduledPayment]
    type: str


class ScheduledPayment(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/scheduled-payments``
    """

    account_id: str
    creditor_account: ScheduledPaymentCreditorAccount
    creditor_agent: AccountServicer
    debtor_reference: str
    instructed_amount: Amount
    reference: Any
    regional_data: Any
    scheduled_payment_date_time: str
    scheduled_payment_id: str
    scheduled_type: str


class ScheduledPaymentCreditorAccount(TypedDict):
    identification: str
    name: Any
    scheme_name: str


class StandingOrdersResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/standing-orders``
    """

    data: StandingOrdersData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class StandingOrdersData(TypedDict):
    page: Page
    standing_orders: list[StandingOrder]
    type: str


class StandingOrder(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/standing-orders``
    """

    account_id: str
    creditor_account: Any
    creditor_agent: AccountServicer
    final_payment_amount: Amount
    final_payment_date_time: str
    first_payment_amount: Amount
    first_payment_date_time: str
    frequency: StandingOrderFrequency
    last_payment_amount: Amount
    last_payment_date_time: str
    next_payment_amount: Amount
    next_payment_date_time: str
    number_of_payments: int
    purpose: str
    reference: Any
    regional_data: Any
    standing_order_id: str
    standing_order_status_code: str
    standing_order_type: str


class StandingOrderFrequency(TypedDict):
    frequency_type: str
    interval: str
