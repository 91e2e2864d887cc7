"""Bodies of the insights both regions serve: cashflows, expenses and income.

Every key of Lean's saved examples, with figures drawn from the entity id (the same entity
always gets the same insights) rather than computed from its transactions: clients need
the shape, and this stays O(1) whatever the entity holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lean_connector.testing.sandbox._http import iso
from lean_connector.testing.sandbox._ids import Draws
from lean_connector.testing.sandbox._records import money
from lean_connector.testing.sandbox._seeded import EntityRef

__all__ = ["INCOME_TYPES", "PERIODS", "Figures", "cashflows", "expenses", "income", "months"]

PERIODS = ("P12M", "P9M", "P6M", "P3M")
_CATEGORIES = ("GROCERIES", "TRAVEL", "UTILITIES", "DINING", "SHOPPING", "OTHER")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip
INCOME_TYPES = ("ALL", "SALARY", "NON_SALARY")


def months(today: dt.date, count: int) -> list[tuple[int, int, bool]]:
    """(month, year, is_month_complete) for the last ``count`` months, newest first."""
    found, year, month = [], today.year, today.month
    for number in range(count):
        found.append((month, year, number > 0))
        month, year = (12, year - 1) if month == 1 else (month - 1, year)
    return found


class Figures:
    """Deterministic amounts for one entity and one insight."""

    def __init__(self, draws: Draws, currency: str) -> None:
        self.draws, self.currency = draws, currency

    def amount(self, low: float = 100, high: float = 20_000) -> float:
        return round(self.draws.uniform(low, high), 2)

    def money(self, low: float = 100, high: float = 20_000) -> dict[str, Any]:
        return money(self.amount(low, high), self.currency)

    def count(self, high: int = 60) -> int:
        return 1 + self.draws.randrange(high)

    def ratio(self) -> float:
        return round(self.draws.uniform(0.1, 5), 2)


def cashflows(f: Figures, today: dt.date) -> dict[str, Any]:
    def flows() -> dict[str, Any]:
        return {
            "inwards": [{"category": "inflow", "amount": f.money(), "count": f.count()}],
            "outwards": [{"category": "outflow", "amount": f.money(), "count": f.count()}],
            "net": {"overall_amount": f.money(), "net_cashflow": None},
        }

    return {
        "total": flows(),
        "monthly_totals": [
            {"month": m, "year": y, "is_month_complete": c, **flows()}
            for m, y, c in months(today, 12)
        ],
        "credit_debit_behaviour": {
            "periods": [
                {
                    "period": period,
                    "grand_average_credit_amount": f.money(),
                    "grand_average_credit_count": f.count(),
                    "grand_average_debit_amount": f.money(),
                    "grand_average_debit_count": f.count(),
                    "grand_average_credit_debit_amount_ratio": f.ratio(),
                    "grand_average_credit_debit_count_ratio": f.ratio(),
                    "total_volume_of_credit": f.money(),
                    "total_volume_of_debit": f.money(),
                    "total_volume_of_credit_debit_ratio": f.ratio(),
                }
                for period in PERIODS
            ]
        },
        "big_payments": {
            "periods": [
                {
                    "period": period,
                    "average_max_monthly_credit_amount": f.money(),
                    "average_max_monthly_debit_amount": f.money(),
                    "average_max_monthly_credit_debit_amount_ratio": f.ratio(),
                }
                for period in PERIODS
            ]
        },
    }


def monthly_amount(f: Figures, today: dt.date) -> dict[str, Any]:
    month, year, _ = months(today, 3)[f.draws.randrange(3)]
    return {"month": month, "year": year, "amount": f.amount()}


def expenses(f: Figures, today: dt.date) -> dict[str, Any]:
    first = iso(dt.datetime.combine(today - dt.timedelta(days=180), dt.time(0), dt.UTC))
    last = iso(dt.datetime.combine(today, dt.time(0), dt.UTC))
    return {
        "currency": f.currency,
        "total": {
            "count": f.count(500),
            "amount": f.amount(),
            "first_date_time": first,
            "last_date_time": last,
            "average_monthly_count": f.ratio(),
            "average_monthly_amount": f.amount(),
            "minimum_monthly_amount": monthly_amount(f, today),
            "maximum_monthly_amount": monthly_amount(f, today),
            "breakdown": [
                {
                    "by": "category",
                    "breakdowns": [
                        {
                            "category": category,
                            "amount": f.amount(),
                            "count": f.count(),
                            "fraction_of_total_expenses": round(f.draws.random() / 3, 2),
                            "average_days_between_transactions": f.ratio(),
                            "last_date_time": last,
                            "first_date_time": first,
                            "average_monthly_amount": f.amount(),
                            "average_monthly_count": f.ratio(),
                            "maximum_monthly_amount": monthly_amount(f, today),
                            "minimum_monthly_amount": monthly_amount(f, today),
                        }
                        for category in _CATEGORIES
                    ],
                }
            ],
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "amount": f.amount(),
                "count": f.count(),
                "is_month_complete": c,
                "breakdown": [
                    {
                        "by": "category",
                        "breakdowns": [
                            {
                                "category": category,
                                "amount": f.amount(),
                                "count": f.count(),
                                "fraction_of_total_expenses": round(f.draws.random() / 3, 2),
                            }
                            for category in _CATEGORIES
                        ],
                    }
                ],
            }
            for m, y, c in months(today, 6)
        ],
    }


def _income_part(f: Figures, today: dt.date, entity: EntityRef, salary: bool) -> dict[str, Any]:
    first = iso(dt.datetime.combine(today - dt.timedelta(days=150), dt.time(0), dt.UTC))
    last = iso(dt.datetime.combine(today - dt.timedelta(days=5), dt.time(0), dt.UTC))
    account_id = entity.account_ids[0] if entity.account_ids else None
    return {
        "currency": f.currency,
        "total": {
            "amount": f.amount(10_000, 90_000),
            "count": f.count(12),
            "last_date_time": last,
            "first_date_time": first,
            "average_monthly_amount": f.amount(),
            "average_monthly_count": f.ratio(),
            "average_monthly_received_value": f.amount(),
            "maximum_monthly_amount": monthly_amount(f, today),
            "minimum_monthly_amount": monthly_amount(f, today),
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "amount": f.amount(),
                "count": f.count(5),
                "is_month_complete": c,
            }
            for m, y, c in months(today, 6)
        ],
        "transactions": [
            {
                "account_id": account_id,
                "transaction_id": f.draws.uuid(),
                "transaction_information": "SALARY CREDIT" if salary else "CASH DEPOSIT",
                "booking_date_time": last,
                "amount": f.amount(1_000, 30_000),
                "income_source": (
                    {"type": "EMPLOYMENT", "name": "Example Employer LLC"}
                    if salary
                    else {"type": "CASH_DEPOSIT", "name": None}
                ),
            }
        ],
        "income_factors": {
            "periods": [
                {
                    "period": period,
                    "income_variation": f.amount(0, 5_000),
                    "average_income": f.money(),
                }
                for period in PERIODS
            ],
            "delta_min_max": f.amount(0, 20_000),
            "average_monthly_income_change": round(f.draws.uniform(-1, 1), 2),
        },
    }


def income(f: Figures, today: dt.date, entity: EntityRef, income_type: str) -> dict[str, Any]:
    """Salary and non-salary income; ``income_type`` SALARY or NON_SALARY nulls the other."""
    return {
        "salary": None if income_type == "NON_SALARY" else _income_part(f, today, entity, True),
        "non_salary": None if income_type == "SALARY" else _income_part(f, today, entity, False),
    }
