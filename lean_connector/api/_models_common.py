"""Shapes shared by several Lean families: amounts, pages, status details.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NotRequired, TypedDict

__all__ = [
    "AccountHolder",
    "AccountServicer",
    "Amount",
    "BilingualText",
    "LocalizedText",
    "MonthlyAmount",
    "Number",
    "Page",
    "StatusDetail",
    "UndocumentedBody",
]

#: A JSON number as the connector parses it: exact. A fraction is a ``Decimal``, a whole
#: number an ``int`` (Lean sends ``35`` and ``12.34`` in the same field); they mix in
#: arithmetic (``Decimal + int`` is a ``Decimal``).
Number = Decimal | int


class StatusDetail(TypedDict):
    granular_status_code: str
    status_additional_info: str


class LocalizedText(TypedDict):
    ar: str | None
    en: str


class Page(TypedDict):
    number: int
    size: int
    sort: NotRequired[list[str] | None]
    total_elements: int
    total_pages: int


class AccountHolder(TypedDict):
    account_number: str
    iban: str
    name: str


class Amount(TypedDict):
    amount: Number
    currency: str


class AccountServicer(TypedDict):
    identification: str
    scheme_name: str


class BilingualText(TypedDict):
    ar: str
    en: str


class MonthlyAmount(TypedDict):
    amount: Number
    month: int
    year: int


#: The body of an endpoint Lean publishes no example answer for: typed once Lean does.
UndocumentedBody = dict[str, Any]
