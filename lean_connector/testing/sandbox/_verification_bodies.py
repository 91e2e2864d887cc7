"""KSA business and freelancer verification bodies, with every key of Lean's examples.

``POST /verifications/v1/corporates`` answers a different subset per ``type``: BASIC the
registration facts, FULL also capital, parties and management, CONTRACT the articles of
association, ADDRESS only the national addresses; every other key is null, as at Lean.
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._ids import Draws

__all__ = ["CORPORATE_TYPES", "FREELANCER_TYPES", "corporate", "freelancer", "managers"]

CORPORATE_TYPES = ("BASIC", "FULL", "CONTRACT", "ADDRESS")
FREELANCER_TYPES = ("BASIC", "FULL", "FULL_LIST")
_KEYS = (
    "status", "commercial_registry", "company_name", "name_language",
    "commercial_registration_capital", "days_since_company_established",
    "main_commercial_registry", "issue_date", "in_liquidation_process", "has_e_commerce",
    "headquarters", "license", "partners", "entity_type", "confirmation_date",
    "reactivation_date", "suspension_date", "deletion_date", "contact_info", "e_commerce",
    "capital_information", "fiscal_year", "parties", "management", "liquidators",
    "activities", "contract_copy_number", "contract_date", "notification_channel",
    "partner_decision", "additional_decision_text", "set_aside_details", "articles",
    "additional_articles", "addresses",
)  # fmt: skip


def _text(en: str | None) -> dict[str, Any]:
    return {"en": en, "ar": None}


def _person(draws: Draws, position: str) -> dict[str, Any]:
    return {
        "name": _text(f"Mr. {draws.choice(('Faisal', 'Khalid', 'Saad'))} Example"),
        "type": _text("Saudi"),
        "is_licensed": False,
        "identity": {"id": "1" + draws.digits(9), "type": _text("National id")},
        "nationality": {"type": _text("Saudi")},
        "positions": [_text(position)],
    }


def _basic(draws: Draws, number: str) -> dict[str, Any]:
    return {
        "status": _text("Active"),
        "commercial_registry": {
            "national_number": number,
            "registration_number": "10" + number[2:],
            "version_number": 1,
        },
        "company_name": _text("Example Trading Company"),
        "days_since_company_established": 100 + draws.randrange(3000),
        "issue_date": {"gregorian": "2020-01-01", "hijri": "06-05-1441"},
        "in_liquidation_process": False,
        "has_e_commerce": False,
        "headquarters": {"city_id": 1, "city_name": _text("Riyadh")},
        "entity_type": {
            "name": _text("Company"),
            "form_name": _text("Limited liability company"),
            "characters": [_text("Limited liability company")],
        },
        "activities": [_text("Wholesale of general goods"), _text("Retail sale via internet")],
    }


def _capital(draws: Draws) -> dict[str, Any]:
    capital = float(50_000 + draws.randrange(950_000))
    return {
        "commercial_registration_capital": capital,
        "capital_information": {
            "currency": _text("Saudi Riyal"),
            "contribution_capital": {
                **_text("In-Cash"),
                "cash_capital": capital,
                "in_kind_capital": 0,
                "contribution_value": 100,
                "total_cash_contribution": int(capital // 100),
                "total_in_kind_contribution": 0,
            },
            "stock_capital": None,
        },
        "fiscal_year": {
            "is_first": False,
            "calendar_type": _text("Gregorian"),
            "end_month": 12,
            "end_day": 31,
            "end_year": None,
        },
        "parties": [
            {
                "name": _text("Example Holding"),
                "type": _text("Company"),
                "identity": {"id": "7" + draws.digits(9), "type": _text("Unified number")},
                "partnership": [_text("Partner")],
                "partner_share": {
                    "cash_contribution_count": 100,
                    "in_kind_contribution_count": 0,
                    "total_contribution_count": 100,
                },
                "nationality": None,
                "license_number": None,
                "commercial_registration_number": None,
                "partner_profit_loss_distribution": None,
                "guardian": None,
            }
        ],
    }


def _management(draws: Draws, *, board: bool) -> dict[str, Any]:
    return {
        "structure_name": _text("Two or More Managers"),
        "dismissal_method": _text("By resolution") if board else None,
        "managers": [_person(draws, "General Manager"), _person(draws, "Manager")],
        "management_board": (
            {
                "meeting_quorum_id": 1,
                "meeting_quorum_name": _text("All Managers"),
                "can_delegate_attendance": True,
                "term_years": 5,
                "way_of_work": _text("Jointly"),
                "meeting_place": _text("Riyadh"),
                "additional_text": _text(""),
                "positions": [],
            }
            if board
            else None
        ),
        "directors_board": None,
    }


def _address(draws: Draws) -> dict[str, Any]:
    building = draws.digits(4)
    return {
        "title": "Example Trading Company",
        "address": f"{building} Example Road - Olaya Dist.",
        "address2": f"RIYADH 12211 - {draws.digits(4)}",
        "latitude": "24.71",
        "longitude": "46.67",
        "building_number": building,
        "street": "Example Road",
        "district": "Olaya Dist.",
        "district_id": "",
        "city": "RIYADH",
        "city_id": "3",
        "post_code": "12211",
        "additional_number": draws.digits(4),
        "region_name": "Al Riyadh",
        "region_id": "1",
        "is_primary_address": "true",
        "unit_number": "1",
        "restriction": "",
        "pk_address_id": draws.digits(13),
        "status": "Active",
    }


def corporate(kind: str, number: str, draws: Draws) -> dict[str, Any]:
    """The ``verifications`` object for a company with this unified number."""
    filled: dict[str, Any] = {}
    if kind in ("BASIC", "FULL", "CONTRACT"):
        filled.update(_basic(draws, number))
    if kind == "FULL":
        filled.update(_capital(draws))
        filled.update(
            {
                "name_language": {"id": 1, "description": _text("Arabic")},
                "partners": {"nationality": _text("Saudi")},
                "confirmation_date": {"gregorian": "2024-01-01", "hijri": "19-06-1445"},
                "contact_info": {
                    "phone_number": "011" + draws.digits(7),
                    "mobile_number": "05" + draws.digits(8),
                    "email": "info@example.invalid",
                    "website_url": "www.example.invalid",
                },
                "management": _management(draws, board=False),
                "liquidators": [],
            }
        )
    if kind == "CONTRACT":
        filled.update(_capital(draws))
        filled.update(
            {
                "name_language": {"id": 1, "description": _text("Arabic")},
                "license": {
                    "is_license_based": True,
                    "issuer_national_number": draws.digits(5),
                    "issuer_name": _text("Ministry of Commerce"),
                },
                "management": _management(draws, board=True),
                "contract_copy_number": 1,
                "contract_date": "2020-01-01",
                "notification_channel": [{"id": 1, "name": _text("SMS")}],
                "partner_decision": [
                    {
                        "id": 4,
                        "name": _text("Amendment to the articles of association"),
                        "approve_percentage": "75",
                        "approve_additional_text": _text(""),
                    }
                ],
                "additional_decision_text": "",
                "set_aside_details": {
                    "is_set_aside_enabled": True,
                    "profit_allocation": {"percentage": 10, "purpose": _text("Reserve fund")},
                },
                "articles": [
                    {
                        "id": 1,
                        "text": _text("Company name and type"),
                        "part_id": 1,
                        "part_name": _text("General provisions"),
                    }
                ],
                "additional_articles": [],
            }
        )
    if kind == "ADDRESS":
        filled["addresses"] = [_address(draws)]
    return {key: filled.get(key) for key in _KEYS}


def managers(draws: Draws) -> list[dict[str, Any]]:
    found = []
    for position in ("Chairman of the Board of Directors", "Board Member"):
        manager = _person(draws, position)
        manager["permissions"] = [
            {
                "id": 1,
                "name": _text("Full Management"),
                "can_issue_poa": True,
                "can_delegate": True,
                "special_condition_text": _text(""),
                "exercise_method_id": 1,
                "exercise_method_description": _text("Individually"),
            }
        ]
        found.append(manager)
    return found


def freelancer(kind: str, national_id: str, number: str | None, draws: Draws) -> dict[str, Any]:
    """A verified freelancer with one certificate (FULL_LIST: three; BASIC: bare facts)."""

    def certificate(index: int) -> dict[str, Any]:
        basic = kind == "BASIC"
        return {
            "expiry_date": "2027-08-01",
            "number": None
            if basic
            else (number if index == 0 and number else f"FL-{draws.digits(9)}"),
            "status": "ACTIVE",
            "revoked_at": None,
            "issue_date": None if basic else "2025-08-01",
            "speciality": None
            if basic
            else {
                "code": "SD001",
                "name": {"ar": "تطوير البرمجيات", "en": "Software Development"},
                "category": {
                    "name": {"ar": "تقنية المعلومات", "en": "Information Technology"},
                    "code": "IT001",
                },
            },
            "canceled_at": None,
        }

    basic = kind == "BASIC"
    return {
        "certificate_ownership_verified": "VERIFIED",
        "national_id": national_id,
        "name": {"ar": None, "en": None} if basic else {"ar": "مستقل", "en": "Example Freelancer"},
        "national_id_expiry_date": None if basic else "2031-01-01",
        "certificate": [certificate(i) for i in range(3 if kind == "FULL_LIST" else 1)],
        "gender": None if basic else draws.choice(("MALE", "FEMALE")),
    }
