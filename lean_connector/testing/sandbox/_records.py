"""Lean-shaped bodies for customers, entities and accounts, built from their refs.

Every key, nesting and type follows Lean's saved example responses (amounts as JSON
numbers inside ``{currency, amount}``, ISO datetimes with ``Z``, dates as ``YYYY-MM-DD``,
nulls where Lean sends null); the values are ours and depend only on the seed and ids.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lean_connector.testing.sandbox._banks import bank
from lean_connector.testing.sandbox._http import iso
from lean_connector.testing.sandbox._ids import rng_for, stable_uuid
from lean_connector.testing.sandbox._seeded import (
    AccountRef,
    CustomerRef,
    EntityRef,
    holder_name,
    permissions_object,
)

__all__ = [
    "account_body",
    "customer_body",
    "entity_body",
    "iban_for",
    "identity_body",
    "money",
]

_BANK_CODES = {"ARE": ("033", 16), "SAU": ("80", 18)}  # national bank code, account digits
_TOWNS = (("Dubai", "Dubai", "ARE"), ("Abu Dhabi", "Abu Dhabi", "ARE"), ("Riyadh", "Riyadh", "SAU"))


def money(amount: float, currency: str) -> dict[str, Any]:
    """Lean's amount object: the amount a JSON number with at most two decimals."""
    return {"currency": currency, "amount": round(amount, 2)}


def iban_for(country: str, digits: str) -> str:
    """A well-formed IBAN (valid mod-97 check digits) for a UAE or KSA account number."""
    code, width = _BANK_CODES[country]
    bban = code + digits.rjust(width, "0")[-width:]
    prefix = "AE" if country == "ARE" else "SA"
    numeric = "".join(str(int(c, 36)) for c in bban + prefix + "00")
    return f"{prefix}{98 - int(numeric) % 97:02d}{bban}"


def customer_body(customer: CustomerRef) -> dict[str, Any]:
    return {"customer_id": customer.customer_id, "app_user_id": customer.app_user_id}


def account_numbers(seed: int, account: AccountRef) -> tuple[str, str]:
    """(account number, IBAN) of an account."""
    country = bank(account.bank_identifier)["country_code"]
    width = _BANK_CODES[country][1]
    number = rng_for(seed, "number", account.account_id).digits(width)
    return number, iban_for(country, number)


def _account_name(seed: int, account: AccountRef) -> tuple[str, str]:
    kind = "SAVINGS" if account.position % 3 == 1 else "CURRENT"
    _, short = holder_name(seed, account.customer_id)
    return kind, f"{short} {kind.title()} Account"


def consent_accounts(seed: int, accounts: list[AccountRef]) -> list[dict[str, Any]]:
    listed = []
    for account in accounts:
        _, iban = account_numbers(seed, account)
        _, name = _account_name(seed, account)
        listed.append(
            {
                "scheme_name": "IBAN",
                "identification": iban,
                "name": name,
                "secondary_identification": None,
            }
        )
    return listed


def entity_body(
    seed: int, entity: EntityRef, accounts: list[AccountRef], *, with_status: bool = False
) -> dict[str, Any]:
    """An entity as ``GET /customers/v1/{id}/entities`` shows it (``with_status``: as the
    date-range listing ``/customers/v1/entities`` does, with ``status`` and ``updated_at``)."""
    permissions = permissions_object(entity.permissions)
    consented = entity.created_at - dt.timedelta(minutes=1)
    body: dict[str, Any] = {
        "id": entity.entity_id,
        "customer_id": entity.customer_id,
        "bank_identifier": entity.bank_identifier,
        "permissions": permissions,
        "bank_type": bank(entity.bank_identifier)["bank_type"],
        "created_at": iso(entity.created_at),
        "consents": [
            {
                "id": stable_uuid(seed, "consent", entity.entity_id),
                "bank_consent_id": stable_uuid(seed, "bank-consent", entity.entity_id),
                "bank_identifier": None,
                "consent_type": None,
                "consent_status": "ACTIVE",
                "standard_consent_status": None,
                "permissions": dict(permissions),
                "creation_date_time": iso(consented),
                "status_update_date_time": iso(consented),
                "expiration_date_time": iso(consented + dt.timedelta(days=365)),
                "transaction_from_date_time": iso(consented - dt.timedelta(days=365)),
                "transaction_to_date_time": iso(consented + dt.timedelta(days=365)),
                "accounts": consent_accounts(seed, accounts),
            }
        ],
    }
    if with_status:
        body["status"] = "ACTIVE"
        body["updated_at"] = iso(entity.created_at)
    return body


def account_body(seed: int, account: AccountRef) -> dict[str, Any]:
    """An account as ``GET /data/v2/accounts`` lists it."""
    number, iban = account_numbers(seed, account)
    kind, name = _account_name(seed, account)
    full, short = holder_name(seed, account.customer_id)
    opened = dt.datetime.combine(account.opened, dt.time(9, 0), dt.UTC)
    return {
        "entity_id": account.entity_id,
        "account_id": account.account_id,
        "account_holder_name": full,
        "account_holder_short_name": short,
        "status": "ENABLED",
        "status_update_date_time": iso(opened),
        "currency": account.currency,
        "account_type": "PERSONAL",
        "account_sub_type": kind,
        "nickname": f"{kind.title()} Account",
        "description": name,
        "opening_date": account.opened.isoformat(),
        "maturity_date": None,
        "account": [
            {"scheme_name": "IBAN", "identification": iban, "name": name},
            {"scheme_name": "BBAN", "identification": number, "name": name},
        ],
        "servicer": {
            "scheme_name": "BICFI",
            "identification": bank(account.bank_identifier)["swift_code"],
        },
        "regional_data": None,
    }


def identity_body(seed: int, customer_id: str, entity_id: str) -> dict[str, Any]:
    """The account holder as ``/data/v2/identity`` and ``.../identities`` describe them."""
    full, short = holder_name(seed, customer_id)
    draws = rng_for(seed, "identity", customer_id)
    town, region, country = draws.choice(_TOWNS)
    phone = "9715" + draws.digits(8) if country == "ARE" else "9665" + draws.digits(8)
    born = dt.date(1960, 1, 1) + dt.timedelta(days=draws.randrange(15000))
    return {
        "entity_id": entity_id,
        "full_legal_name": full,
        "name": short,
        "national_id": ("784" if country == "ARE" else "1") + draws.digits(12),
        "birth_date": born.isoformat(),
        "gender": draws.choice(("F", "M")),
        "email_address": f"{short.lower().replace(' ', '.')}@example.invalid",
        "legal_structure": None,
        "phone": phone,
        "mobile_number": phone,
        "address": {
            "address_line": f"{draws.randrange(900) + 100} Example Street, {town}",
            "address_type": "Residential",
            "building_type": None,
            "apartment_or_villa_number": str(draws.randrange(2000) + 1),
            "building_name": None,
            "street": "Example Street",
            "area": None,
            "street_address": None,
            "post_code": None,
            "town_name": town,
            "region": region,
            "po_box": draws.digits(5),
            "country": "AE" if country == "ARE" else "SA",
        },
        "account_role": "PRINCIPAL",
        "party_type": "SOLE",
        "party_id": draws.digits(6),
        "party_number": draws.letters(10),
        "regional_data": None,
    }
