"""Data v2: accounts, balances, refreshes and results.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from lean_connector.api._models_common import AccountServicer, Amount, Page

__all__ = [
    "Account",
    "AccountDataStatus",
    "AccountIdentification",
    "AccountsData",
    "AccountsResponse",
    "Balance",
    "BalanceCreditLineItem",
    "BalancesData",
    "BalancesResponse",
    "DataRefresh",
    "DataRefreshPage",
    "DataRefreshStarted",
    "DataStatus",
    "TransactionAvailability",
]


class AccountsResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts``
    * ``GET /data/v2/results/{results_id}``
    """

    data: AccountsData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class AccountsData(TypedDict):
    accounts: list[Account]
    page: Page
    type: str


class Account(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts``
    * each item of ``data``/``content`` in ``GET /data/v2/results/{results_id}``
    """

    account: list[AccountIdentification]
    account_holder_name: NotRequired[str]
    account_holder_short_name: NotRequired[str]
    account_id: str
    account_sub_type: str
    account_type: str
    currency: str
    description: str | None
    entity_id: str
    maturity_date: str | None
    nickname: str | None
    opening_date: str
    regional_data: NotRequired[Any]
    servicer: AccountServicer
    status: str
    status_update_date_time: str


class AccountIdentification(TypedDict):
    identification: str
    name: str | None
    scheme_name: str


class BalancesResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/balances``
    """

    data: BalancesData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class BalancesData(TypedDict):
    balances: list[Balance]
    page: Page
    type: str


class Balance(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/balances``
    """

    account_id: str
    amount: Amount
    credit_debit_indicator: str
    credit_line: list[BalanceCreditLineItem]
    date_time: str
    entity_id: str
    regional_data: Any
    type: str


class BalanceCreditLineItem(TypedDict):
    amount: Amount
    included: bool
    type: str


class DataRefreshPage(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/refreshes``
    """

    content: list[DataRefresh]
    page: Page


class DataRefresh(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/refreshes``
    * ``GET /data/v2/refreshes/{refresh_id}``
    """

    created_at: str
    customer_id: str
    entity_id: str
    refresh_id: str
    status: str
    updated_at: str
    data_status: NotRequired[DataStatus]


class DataStatus(TypedDict):
    account_data: list[AccountDataStatus]
    accounts: str
    identity: str


class AccountDataStatus(TypedDict):
    account_id: str
    balance: str
    beneficiaries: str
    direct_debits: str
    identity: str
    scheduled_payments: str
    standing_orders: str
    transactionAvailability: TransactionAvailability
    transactions: str


class TransactionAvailability(TypedDict):
    end: str
    start: str


class DataRefreshStarted(TypedDict):
    """In Lean's answers to:

    * ``POST /data/v2/refreshes``
    """

    message: str
    refresh_id: str
    status: str
    timestamp: str
