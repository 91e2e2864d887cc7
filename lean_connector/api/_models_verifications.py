"""Verifications: name, account, entity, beneficiary name, freelancers, managers.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import BilingualText, LocalizedText, Number, StatusDetail

__all__ = [
    "AccountVerification",
    "BankIdentifier",
    "BeneficiaryNameVerification",
    "CorporateManagersVerification",
    "EntityVerification",
    "FreelancerCertificate",
    "FreelancerSpeciality",
    "FreelancerSpecialityCategory",
    "FreelancerVerification",
    "NameVerification",
    "VerifiedAccount",
    "VerifiedAccountBankDetails",
    "VerifiedBeneficiaryName",
    "VerifiedEntity",
    "VerifiedEntityIban",
    "VerifiedFreelancer",
    "VerifiedFreelancerName",
    "VerifiedManager",
    "VerifiedManagerIdentity",
    "VerifiedManagerNationality",
    "VerifiedManagerPermission",
    "VerifiedName",
]


class NameVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /insights/v1/name-verification``
    """

    data: VerifiedName
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class VerifiedName(TypedDict):
    confidence: Number
    full_name_provided: str
    full_name_retrieved: str
    match_type: str
    type: str


class AccountVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v1/accounts``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: StatusDetail | None
    timestamp: str
    verifications: VerifiedAccount | None


class VerifiedAccount(TypedDict):
    account_currency: str | None
    account_holder_name: str
    account_ownership_verified: bool
    account_status: str
    bank_details: VerifiedAccountBankDetails | None
    matching: Any
    verification_method: str


class VerifiedAccountBankDetails(TypedDict):
    bank_identifiers: list[BankIdentifier]
    bank_name: BilingualText | None


class BankIdentifier(TypedDict):
    type: str
    value: str


class EntityVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v2/entity``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    verifications: VerifiedEntity


class VerifiedEntity(TypedDict):
    entity_ownership_verified: bool
    ibans: list[VerifiedEntityIban]
    verification_method: str


class VerifiedEntityIban(TypedDict):
    iban: str
    iban_ownership_verified: bool


class BeneficiaryNameVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v2/beneficiary-name``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    verifications: VerifiedBeneficiaryName


class VerifiedBeneficiaryName(TypedDict):
    account_status: str
    beneficiary_name: str


class FreelancerVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v1/freelancers``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    verifications: VerifiedFreelancer


class VerifiedFreelancer(TypedDict):
    certificate: list[FreelancerCertificate]
    certificate_ownership_verified: str
    gender: str | None
    name: VerifiedFreelancerName
    national_id: str
    national_id_expiry_date: str | None


class FreelancerCertificate(TypedDict):
    canceled_at: str | None
    expiry_date: str | None
    issue_date: str | None
    number: str | None
    revoked_at: str | None
    speciality: FreelancerSpeciality | None
    status: str


class FreelancerSpeciality(TypedDict):
    category: FreelancerSpecialityCategory
    code: str
    name: BilingualText


class FreelancerSpecialityCategory(TypedDict):
    code: str
    name: BilingualText


class VerifiedFreelancerName(TypedDict):
    ar: str | None
    en: str | None


class CorporateManagersVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v1/corporates/managers``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    verifications: list[VerifiedManager]


class VerifiedManager(TypedDict):
    """In Lean's answers to:

    * each item of ``data``/``content`` in ``POST /verifications/v1/corporates/managers``
    """

    identity: VerifiedManagerIdentity
    is_licensed: bool
    name: LocalizedText
    nationality: VerifiedManagerNationality
    permissions: list[VerifiedManagerPermission]
    positions: list[LocalizedText]
    type: LocalizedText


class VerifiedManagerIdentity(TypedDict):
    id: str
    type: LocalizedText


class VerifiedManagerNationality(TypedDict):
    type: LocalizedText


class VerifiedManagerPermission(TypedDict):
    can_delegate: bool
    can_issue_poa: bool
    exercise_method_description: LocalizedText
    exercise_method_id: int
    id: int
    name: LocalizedText
    special_condition_text: LocalizedText
