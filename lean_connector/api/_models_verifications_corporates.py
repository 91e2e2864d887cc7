"""Verifications: corporates (the four ``type`` answers in one shape).

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import LocalizedText, Number

__all__ = [
    "CorporateContributionCapital",
    "CorporateEStore",
    "CorporateManagementBoard",
    "CorporateManager",
    "CorporateManagerIdentity",
    "CorporateManagerNationality",
    "CorporateNotificationChannel",
    "CorporatePartnerDecision",
    "CorporateProfitAllocation",
    "CorporateProfitLossDistribution",
    "CorporateVerification",
    "VerifiedCorporate",
    "VerifiedCorporateAddress",
    "VerifiedCorporateArticle",
    "VerifiedCorporateCapitalInformation",
    "VerifiedCorporateCommercialRegistry",
    "VerifiedCorporateConfirmationDate",
    "VerifiedCorporateContactInfo",
    "VerifiedCorporateECommerce",
    "VerifiedCorporateEntityType",
    "VerifiedCorporateFiscalYear",
    "VerifiedCorporateHeadquarters",
    "VerifiedCorporateLicense",
    "VerifiedCorporateLiquidator",
    "VerifiedCorporateLiquidatorIdentity",
    "VerifiedCorporateLiquidatorNationality",
    "VerifiedCorporateManagement",
    "VerifiedCorporateNameLanguage",
    "VerifiedCorporatePartners",
    "VerifiedCorporateParty",
    "VerifiedCorporatePartyIdentity",
    "VerifiedCorporatePartyNationality",
    "VerifiedCorporatePartyPartnerShare",
    "VerifiedCorporateSetAsideDetails",
]


class CorporateVerification(TypedDict):
    """In Lean's answers to:

    * ``POST /verifications/v1/corporates``
    """

    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    verifications: VerifiedCorporate


class VerifiedCorporate(TypedDict):
    activities: list[LocalizedText] | None
    additional_articles: list[Any] | None
    additional_decision_text: str | None
    addresses: list[VerifiedCorporateAddress] | None
    articles: list[VerifiedCorporateArticle] | None
    capital_information: VerifiedCorporateCapitalInformation | None
    commercial_registration_capital: Number | None
    commercial_registry: VerifiedCorporateCommercialRegistry | None
    company_name: LocalizedText | None
    confirmation_date: VerifiedCorporateConfirmationDate | None
    contact_info: VerifiedCorporateContactInfo | None
    contract_copy_number: int | None
    contract_date: str | None
    days_since_company_established: int | None
    deletion_date: Any
    e_commerce: VerifiedCorporateECommerce | None
    entity_type: VerifiedCorporateEntityType | None
    fiscal_year: VerifiedCorporateFiscalYear | None
    has_e_commerce: bool | None
    headquarters: VerifiedCorporateHeadquarters | None
    in_liquidation_process: bool | None
    issue_date: VerifiedCorporateConfirmationDate | None
    license: VerifiedCorporateLicense | None
    liquidators: list[VerifiedCorporateLiquidator] | None
    main_commercial_registry: Any
    management: VerifiedCorporateManagement | None
    name_language: VerifiedCorporateNameLanguage | None
    notification_channel: list[CorporateNotificationChannel] | None
    parties: list[VerifiedCorporateParty] | None
    partner_decision: list[CorporatePartnerDecision] | None
    partners: VerifiedCorporatePartners | None
    reactivation_date: Any
    set_aside_details: VerifiedCorporateSetAsideDetails | None
    status: LocalizedText | None
    suspension_date: VerifiedCorporateConfirmationDate | None


class VerifiedCorporateAddress(TypedDict):
    additional_number: str
    address: str
    address2: str
    building_number: str
    city: str
    city_id: str
    district: str
    district_id: str
    is_primary_address: str
    latitude: str
    longitude: str
    pk_address_id: str
    post_code: str
    region_id: str
    region_name: str
    restriction: str
    status: str
    street: str
    title: str
    unit_number: str


class VerifiedCorporateArticle(TypedDict):
    id: int
    part_id: int
    part_name: LocalizedText
    text: LocalizedText


class VerifiedCorporateCapitalInformation(TypedDict):
    contribution_capital: CorporateContributionCapital
    currency: LocalizedText
    stock_capital: Any


class CorporateContributionCapital(TypedDict):
    ar: Any
    cash_capital: Number
    contribution_value: Number
    en: str
    in_kind_capital: Number
    total_cash_contribution: int
    total_in_kind_contribution: int


class VerifiedCorporateCommercialRegistry(TypedDict):
    national_number: str
    registration_number: str | None
    version_number: int | None


class VerifiedCorporateConfirmationDate(TypedDict):
    gregorian: str
    hijri: str


class VerifiedCorporateContactInfo(TypedDict):
    email: str
    mobile_number: str
    phone_number: str
    website_url: str


class VerifiedCorporateECommerce(TypedDict):
    e_store: list[CorporateEStore]
    estore: list[CorporateEStore]


class CorporateEStore(TypedDict):
    authentication_platform_url: Any
    store_activities: list[LocalizedText]
    store_url: str


class VerifiedCorporateEntityType(TypedDict):
    characters: list[LocalizedText]
    form_name: LocalizedText
    name: LocalizedText


class VerifiedCorporateFiscalYear(TypedDict):
    calendar_type: LocalizedText
    end_day: int
    end_month: int
    end_year: int | None
    is_first: bool


class VerifiedCorporateHeadquarters(TypedDict):
    city_id: int
    city_name: LocalizedText


class VerifiedCorporateLicense(TypedDict):
    is_license_based: bool
    issuer_name: LocalizedText
    issuer_national_number: str


class VerifiedCorporateLiquidator(TypedDict):
    identity: VerifiedCorporateLiquidatorIdentity
    name: LocalizedText
    nationality: VerifiedCorporateLiquidatorNationality
    positions: list[LocalizedText]
    type: LocalizedText


class VerifiedCorporateLiquidatorIdentity(TypedDict):
    id: str
    type: LocalizedText


class VerifiedCorporateLiquidatorNationality(TypedDict):
    type: LocalizedText


class VerifiedCorporateManagement(TypedDict):
    directors_board: Any
    dismissal_method: LocalizedText | None
    management_board: CorporateManagementBoard | None
    managers: list[CorporateManager]
    structure_name: LocalizedText


class CorporateManagementBoard(TypedDict):
    additional_text: LocalizedText
    can_delegate_attendance: bool
    meeting_place: LocalizedText
    meeting_quorum_id: int
    meeting_quorum_name: LocalizedText
    positions: list[Any]
    term_years: int
    way_of_work: LocalizedText


class CorporateManager(TypedDict):
    identity: CorporateManagerIdentity
    is_licensed: bool
    name: LocalizedText
    nationality: CorporateManagerNationality
    positions: list[LocalizedText]
    type: LocalizedText


class CorporateManagerIdentity(TypedDict):
    id: str
    type: LocalizedText


class CorporateManagerNationality(TypedDict):
    type: LocalizedText


class VerifiedCorporateNameLanguage(TypedDict):
    description: LocalizedText
    id: int


class CorporateNotificationChannel(TypedDict):
    id: int
    name: LocalizedText


class VerifiedCorporateParty(TypedDict):
    commercial_registration_number: str | None
    guardian: Any
    identity: VerifiedCorporatePartyIdentity
    license_number: Any
    name: LocalizedText
    nationality: VerifiedCorporatePartyNationality | None
    partner_profit_loss_distribution: CorporateProfitLossDistribution | None
    partner_share: VerifiedCorporatePartyPartnerShare | None
    partnership: list[LocalizedText]
    type: LocalizedText


class VerifiedCorporatePartyIdentity(TypedDict):
    id: str
    type: LocalizedText


class VerifiedCorporatePartyNationality(TypedDict):
    type: LocalizedText


class CorporateProfitLossDistribution(TypedDict):
    loss_distribution: Number
    profit_distribution: Number


class VerifiedCorporatePartyPartnerShare(TypedDict):
    cash_contribution_count: int
    in_kind_contribution_count: int
    total_contribution_count: int


class CorporatePartnerDecision(TypedDict):
    approve_additional_text: LocalizedText
    approve_percentage: str
    id: int
    name: LocalizedText


class VerifiedCorporatePartners(TypedDict):
    nationality: LocalizedText


class VerifiedCorporateSetAsideDetails(TypedDict):
    is_set_aside_enabled: bool
    profit_allocation: CorporateProfitAllocation


class CorporateProfitAllocation(TypedDict):
    percentage: Number
    purpose: LocalizedText
