"""The sandbox's banks, in the shape of Lean's ``GET /banks/v1/`` items.

Our own list (four UAE banks, two KSA banks, and a business bank in each country), with
every key Lean's bank objects carry, so clients and typed models meet the full shape.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BANKS", "bank", "currency_of", "region_of"]

_INTERNATIONAL = [
    {"country_iso_code": code, "country_name": name, "supported_currencies": []}
    for code, name in (("GBR", "United Kingdom"), ("IND", "India"), ("USA", "United States"))
]


def _bank(
    identifier: str,
    name: str,
    arabic_name: str | None,
    country: str,
    swift: str,
    colour: str,
    *,
    account_type: str = "PERSONAL",
    connection_type: str = "OPEN_BANKING",
) -> dict[str, Any]:
    currency = "AED" if country == "ARE" else "SAR"
    return {
        "identifier": identifier,
        "name": name,
        "arabic_name": arabic_name,
        "commercial_name": name,
        "commercial_name_arabic": arabic_name,
        "logo": f"https://sandbox.invalid/banks/{identifier.lower()}.png",
        "logo_alt": f"https://sandbox.invalid/banks/{identifier.lower()}.svg",
        "main_color": colour,
        "background_color": "#ffffff",
        "theme": "light",
        "country_code": country,
        "active": True,
        "mock": True,
        "traits": ["auth-redirect", "open-finance"],
        "supported_account_types": ["CURRENT", "SAVINGS", "CREDIT"],
        "supported_account_sub_types": ["CURRENT", "SAVINGS", "CREDIT"],
        "bank_type": "RETAIL" if account_type == "PERSONAL" else "SME",
        "swift_code": swift,
        "transfer_limits": [{"currency": currency, "min": 1, "max": 50000}],
        "international_transfer_limits": (
            [{"currency": "USD", "min": 50, "max": 27000}] if country == "ARE" else []
        ),
        "international_destinations": list(_INTERNATIONAL) if country == "ARE" else [],
        "account_type": account_type,
        "connection_type": connection_type,
        "availability": {
            "active": {"payments": True, "data": True},
            "enabled": {"payments": True, "data": True},
        },
    }


BANKS: tuple[dict[str, Any], ...] = (
    _bank("ENBD_UAE", "Emirates NBD", "بنك الإمارات دبي الوطني", "ARE", "EBILAEAD", "#072c5b"),
    _bank("ADCB_UAE", "Abu Dhabi Commercial Bank", None, "ARE", "ADCBAEAA", "#c8102e"),
    _bank("FAB_UAE", "First Abu Dhabi Bank", None, "ARE", "NBADAEAA", "#1d3f8a"),
    _bank("RAKBANK_UAE", "RAKBANK", None, "ARE", "NRAKAEAK", "#e4002b"),
    _bank("ALRAJHI_KSA", "Al Rajhi Bank", "مصرف الراجحي", "SAU", "RJHISARI", "#2b4cba"),
    _bank("SNB_KSA", "Saudi National Bank", None, "SAU", "NCBKSAJE", "#00704a"),
    _bank(
        "ENBD_SME_UAE", "Emirates NBD Business", None, "ARE", "EBILAEAD", "#072c5b",
        account_type="BUSINESS",
    ),
    _bank(
        "ALRAJHI_SME_KSA", "Al Rajhi Bank Business", None, "SAU", "RJHISARI", "#2b4cba",
        account_type="BUSINESS",
    ),
)  # fmt: skip
_BY_ID = {entry["identifier"]: entry for entry in BANKS}
RETAIL_BANKS = tuple(entry for entry in BANKS if entry["account_type"] == "PERSONAL")


def bank(identifier: str) -> dict[str, Any]:
    """The bank with this identifier (KeyError when unknown)."""
    return _BY_ID[identifier]


def currency_of(identifier: str) -> str:
    return "SAR" if bank(identifier)["country_code"] == "SAU" else "AED"


def region_of(identifier: str) -> str:
    """``ae`` or ``sa``."""
    return "sa" if bank(identifier)["country_code"] == "SAU" else "ae"
