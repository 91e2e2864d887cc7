"""Payment sources and payment destinations.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from lean_connector.api._models_common import Number

__all__ = ["PaymentSource", "PaymentSourceAccount", "PaymentSourceBeneficiary"]


class PaymentSource(TypedDict):
    """In Lean's answers to:

    * each item of ``GET /customers/v1/{customer_id}/payment-sources``
    * ``GET /customers/v1/{customer_id}/payment-sources/{payment_source_id}``
    """

    accounts: list[PaymentSourceAccount]
    app_id: str
    bank_identifier: str
    beneficiaries: list[PaymentSourceBeneficiary]
    beneficiary_cool_off_expiry: str
    customer_id: str
    id: str
    status: str


class PaymentSourceAccount(TypedDict):
    account_id: str
    account_name: str
    account_number: str
    balance: NotRequired[Number]
    balance_last_updated: NotRequired[str]
    currency: str
    iban: str
    id: str


class PaymentSourceBeneficiary(TypedDict):
    beneficiary_cool_off_expiry: str
    id: str
    payment_destination_id: str
    status: str
