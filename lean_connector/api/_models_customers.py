"""Customers, entities (bank connections) and banks, as Lean's examples show them.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

from lean_connector.api._models_common import Number, Page

__all__ = [
    "Bank",
    "BankAvailability",
    "BankAvailabilityFlags",
    "BankInternationalDestination",
    "BankInternationalTransferLimit",
    "Customer",
    "CustomerPage",
    "Entity",
    "EntityConsent",
    "EntityConsentAccount",
    "EntityPage",
    "Permissions",
]


class Customer(TypedDict):
    """In Lean's answers to:

    * ``POST /customers/v1/``
    * ``GET /customers/v1/{customer_id}``
    * ``GET /customers/v1/app-user-id/{app_user_id}``
    * each item of ``data``/``content`` in ``GET /customers/v1``
    """

    app_user_id: str
    customer_id: str


class CustomerPage(TypedDict):
    """In Lean's answers to:

    * ``GET /customers/v1``
    """

    data: list[Customer]
    page: Page


class Entity(TypedDict):
    """In Lean's answers to:

    * each item of ``GET /customers/v1/{customer_id}/entities``
    * ``GET /customers/v1/{customer_id}/entities/{entity_id}``
    * each item of ``data``/``content`` in ``GET /customers/v1/entities``
    """

    bank_identifier: str
    bank_type: str
    consents: list[EntityConsent]
    created_at: str
    customer_id: str
    id: str
    permissions: Permissions
    status: NotRequired[str]
    updated_at: NotRequired[str]


class EntityConsent(TypedDict):
    accounts: list[EntityConsentAccount]
    bank_consent_id: str
    bank_identifier: Any
    consent_status: str
    consent_type: Any
    creation_date_time: str
    expiration_date_time: str
    id: str
    permissions: Permissions
    standard_consent_status: Any
    status_update_date_time: str
    transaction_from_date_time: str
    transaction_to_date_time: str


class EntityConsentAccount(TypedDict):
    identification: str
    name: str | None
    scheme_name: str
    secondary_identification: Any


class Permissions(TypedDict):
    accounts: bool
    balance: bool
    beneficiaries: bool
    direct_debits: bool
    identities: bool
    identity: bool
    scheduled_payments: bool
    standing_orders: bool
    transactions: bool


class EntityPage(TypedDict):
    """In Lean's answers to:

    * ``GET /customers/v1/entities``
    """

    data: list[Entity]
    page: Page


class Bank(TypedDict):
    """In Lean's answers to:

    * each item of ``GET /banks/v1/``
    """

    account_type: str
    active: bool
    arabic_name: Any
    availability: BankAvailability
    background_color: str
    bank_type: str
    commercial_name: str
    commercial_name_arabic: Any
    connection_type: str
    country_code: str
    identifier: str
    international_destinations: list[BankInternationalDestination]
    international_transfer_limits: list[BankInternationalTransferLimit]
    logo: str
    logo_alt: str
    main_color: str
    mock: bool
    name: str
    supported_account_sub_types: list[str]
    supported_account_types: list[str]
    swift_code: str
    theme: str
    traits: list[str]
    transfer_limits: list[BankInternationalTransferLimit]


class BankAvailability(TypedDict):
    active: BankAvailabilityFlags
    enabled: BankAvailabilityFlags


class BankAvailabilityFlags(TypedDict):
    data: bool
    payments: bool


class BankInternationalDestination(TypedDict):
    country_iso_code: str
    country_name: str
    supported_currencies: list[Any]


class BankInternationalTransferLimit(TypedDict):
    currency: str
    max: Number
    min: Number
