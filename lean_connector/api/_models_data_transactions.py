"""Data v2: transactions.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import Amount, Number, Page

__all__ = [
    "ProprietaryBankTransactionCode",
    "Transaction",
    "TransactionAccount",
    "TransactionBalance",
    "TransactionBankTransactionCode",
    "TransactionCardInstrument",
    "TransactionChargeAmount",
    "TransactionCreditorAgent",
    "TransactionCurrencyExchange",
    "TransactionDebtorAgent",
    "TransactionMerchantDetails",
    "TransactionPostalAddress",
    "TransactionsData",
    "TransactionsResponse",
]


class TransactionsResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/transactions``
    """

    data: TransactionsData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class TransactionsData(TypedDict):
    page: Page
    transactions: list[Transaction]
    type: str


class Transaction(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/transactions``
    """

    account_id: str
    amount: Amount
    balance: TransactionBalance
    bank_transaction_code: TransactionBankTransactionCode
    booking_date_time: str
    card_instrument: TransactionCardInstrument
    charge_amount: TransactionChargeAmount
    credit_debit_indicator: str
    creditor_account: TransactionAccount | None
    creditor_agent: TransactionCreditorAgent | None
    currency_exchange: TransactionCurrencyExchange | None
    debtor_account: TransactionAccount | None
    debtor_agent: TransactionDebtorAgent | None
    entity_id: str
    flags: list[Any]
    index: int
    insights: Any
    local_time_zone: str
    merchant_details: TransactionMerchantDetails
    payment_modes: Any
    proprietary_bank_transaction_code: ProprietaryBankTransactionCode
    regional_data: Any
    statement_reference: list[str]
    status: str
    sub_transaction_type: str
    transaction_id: str
    transaction_information: str
    transaction_mutability: str
    transaction_reference: str
    transaction_type: str
    value_date_time: str


class TransactionBalance(TypedDict):
    amount: Amount
    credit_debit_indicator: str
    type: str


class TransactionBankTransactionCode(TypedDict):
    code: str
    sub_code: str


class TransactionCardInstrument(TypedDict):
    authorization_type: str
    card_scheme_name: str
    identification: str
    name: str


class TransactionChargeAmount(TypedDict):
    amount: Number
    charge_included: bool
    currency: str


class TransactionAccount(TypedDict):
    identification: str
    name: str
    scheme_name: str | None


class TransactionCreditorAgent(TypedDict):
    identification: str
    name: str | None
    postal_address: TransactionPostalAddress | None
    scheme_name: str | None


class TransactionPostalAddress(TypedDict):
    address_line: str
    address_type: str
    building_number: str
    country: str
    country_subdivision: str | None
    post_code: str
    street_name: str | None
    town_name: str


class TransactionCurrencyExchange(TypedDict):
    contract_identification: str
    exchange_rate: Number
    instructed_amount: Amount
    quotation_date: str
    source_currency: str
    target_currency: str
    unit_currency: str


class TransactionDebtorAgent(TypedDict):
    identification: str
    name: str | None
    postal_address: TransactionPostalAddress | None
    scheme_name: str | None


class TransactionMerchantDetails(TypedDict):
    merchant_category_code: str
    merchant_name: str


class ProprietaryBankTransactionCode(TypedDict):
    code: str
    issuer: str
