"""Data v2: identity, account identities and beneficiaries.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import Page

__all__ = [
    "AccountIdentitiesData",
    "AccountIdentitiesResponse",
    "AccountIdentity",
    "AccountIdentityAddress",
    "BeneficiariesData",
    "BeneficiariesResponse",
    "Beneficiary",
    "BeneficiaryCreditorAccount",
    "BeneficiaryCreditorAgent",
    "BeneficiaryPostalAddress",
    "Identity",
    "IdentityAddress",
    "IdentityData",
    "IdentityResponse",
]


class BeneficiariesResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/beneficiaries``
    """

    data: BeneficiariesData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class BeneficiariesData(TypedDict):
    beneficiaries: list[Beneficiary]
    page: Page
    type: str


class Beneficiary(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/beneficiaries``
    """

    account_holder_name: str | None
    account_holder_short_name: str | None
    account_id: str
    beneficiary_id: str
    beneficiary_type: str
    creditor_account: BeneficiaryCreditorAccount
    creditor_agent: BeneficiaryCreditorAgent
    reference: str
    regional_data: Any
    supplementary_data: Any


class BeneficiaryCreditorAccount(TypedDict):
    identification: str
    name: str
    scheme_name: str


class BeneficiaryCreditorAgent(TypedDict):
    identification: str
    name: str
    postal_address: BeneficiaryPostalAddress
    scheme_name: str


class BeneficiaryPostalAddress(TypedDict):
    address_line: str
    address_type: str
    building_number: str
    country: str
    country_sub_division: Any
    department: Any
    post_code: str
    street_name: Any
    sub_department: Any
    town_name: str


class AccountIdentitiesResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/accounts/{account_id}/identities``
    """

    data: AccountIdentitiesData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class AccountIdentitiesData(TypedDict):
    account_id: Any
    identities: list[AccountIdentity]
    page: Page
    type: str


class AccountIdentity(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/accounts/{account_id}/identities``
    """

    account_role: str
    address: AccountIdentityAddress
    birth_date: str
    email_address: str
    entity_id: str
    full_legal_name: str
    gender: str
    legal_structure: Any
    mobile_number: str
    name: str
    national_id: Any
    party_id: str
    party_number: str
    party_type: str
    phone: str
    regional_data: Any


class AccountIdentityAddress(TypedDict):
    address_line: str
    address_type: Any
    apartment_or_villa_number: Any
    area: Any
    building_name: Any
    building_type: Any
    country: str
    po_box: Any
    post_code: str
    region: str
    street: Any
    street_address: str
    town_name: str


class IdentityResponse(TypedDict):
    """In Lean's answers to:

    * ``GET /data/v2/identity``
    """

    data: IdentityData
    message: str
    meta: Any
    refreshed_at: str
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class IdentityData(TypedDict):
    account_id: Any
    identities: list[Identity]
    page: Page
    type: str


class Identity(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``GET /data/v2/identity``
    """

    account_role: str | None
    address: IdentityAddress
    birth_date: str
    email_address: str
    entity_id: str
    full_legal_name: str
    gender: str | None
    legal_structure: Any
    mobile_number: str
    name: str
    national_id: str | None
    party_id: str
    party_number: str
    party_type: str
    phone: str
    regional_data: Any


class IdentityAddress(TypedDict):
    address_line: str
    address_type: str | None
    apartment_or_villa_number: str | None
    area: str | None
    building_name: str | None
    building_type: Any
    country: str
    po_box: str | None
    post_code: str | None
    region: str
    street: str | None
    street_address: str | None
    town_name: str
