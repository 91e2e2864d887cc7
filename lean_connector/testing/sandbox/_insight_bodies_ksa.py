"""Bodies of the insights Lean's KSA collection adds: cash balances, employment, freelancer
cashflow, and credit and non-credit obligations (every key of Lean's saved examples)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lean_connector.testing.sandbox._http import iso
from lean_connector.testing.sandbox._insight_bodies import (
    MONTH_NAMES,
    PERIODS,
    Figures,
    months,
)
from lean_connector.testing.sandbox._seeded import EntityRef, holder_name

__all__ = [
    "cash_balances",
    "credit_obligations",
    "employment",
    "freelancer_cashflow",
    "non_credit_obligations",
]


def cash_balances(f: Figures, today: dt.date) -> dict[str, Any]:
    def flow_factors() -> dict[str, Any]:
        return {
            "median_transaction_amount": f.amount(),
            "max_transaction_amount": f.amount(),
            "min_transaction_amount": f.amount(0, 100),
            "weekday_transaction_count": f.count(300),
            "weekend_transaction_count": f.count(100),
            "average_time": f.ratio(),
            "percent_greater_than_x": f.count(100),
            "recurring_average": f.amount(),
            "median_days": f.count(5),
        }

    current = f.amount(1_000, 500_000)
    return {
        "total": {
            "average_balance": f.money(),
            "initial_balance": f.money(),
            "current_balance": {"currency": f.currency, "amount": current},
            "available_balance": f.money(),
            "frequency_of_contributions": "MONTHLY",
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "is_month_complete": c,
                "monthly_growth_rate": round(f.draws.uniform(-1, 1), 2),
                "contribution_amount": f.money(),
                "average_balance": f.money(),
                "initial_balance": f.money(),
            }
            for m, y, c in months(today, 12)
        ],
        "balance_factors": {
            "periods": [{"period": p, "average_balance": f.amount()} for p in PERIODS],
            "balance_trend_average_month_on_month": f.amount(0, 1_000),
            "current_balance": current,
            "balance_trend": f.count(10),
            "inflow_factors": {**flow_factors(), "percent_salary_transaction": f.count(100)},
            "outflow_factors": {
                **flow_factors(),
                "spike_transactions": [
                    {"month": m, "year": y, "amount": f.amount()} for m, y, _ in months(today, 2)
                ],
            },
            "daily_net_cashflow_estimate": f.amount(),
        },
    }


def employment(f: Figures, today: dt.date) -> dict[str, Any]:
    first = iso(dt.datetime.combine(today - dt.timedelta(days=300), dt.time(0), dt.UTC))
    return {
        "employment_details": [
            {
                "bank_employer_name": "example employer",
                "matched_reference_employer": {
                    "name": {"en": "Example Employer Co", "ar": "شركة مثال"},
                    "cr_number": 1010000000 + f.draws.randrange(999_999),
                },
                "salary_consistent": True,
                "salary_date_variance": f.ratio(),
                "salary_amount_variance": f.amount(0, 500),
                "first_salary_date": first,
            }
        ]
    }


def freelancer_cashflow(f: Figures, today: dt.date, entity: EntityRef, seed: int) -> dict[str, Any]:
    full, short = holder_name(seed, entity.customer_id)

    def flows() -> dict[str, Any]:
        return {
            "total_amount": f.money(),
            "transactions_count": f.count(500),
            "periods": [
                {"period": p, "total_amount": f.money(), "average_amount": f.money()}
                for p in PERIODS
            ],
        }

    def monthly() -> dict[str, Any]:
        return {
            "monthly_average_amount": f.money(),
            "total_amount": f.money(),
            "transactions_count": f.count(),
        }

    opened = dt.datetime.combine(today - dt.timedelta(days=400), dt.time(0), dt.UTC)
    return {
        "account_information": {
            "account_holder_full_name": full,
            "account_holder_short_name": short,
            "account_opening_date": iso(opened),
        },
        "total": {
            "current_balance_amount": f.money(),
            "average_monthly_balance_amount": f.money(),
            "inflows": flows(),
            "outflows": flows(),
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "is_month_complete": c,
                "inflows": monthly(),
                "outflows": monthly(),
                "balance": {
                    "monthly_average_amount": f.money(),
                    "initial_balance_amount": f.money(),
                },
            }
            for m, y, c in months(today, 12)
        ],
    }


def credit_obligations(f: Figures, today: dt.date) -> dict[str, Any]:
    def counted() -> dict[str, Any]:
        return {"amount": f.money(0, 5_000), "count": f.count(5)}

    def card_balance() -> dict[str, Any]:
        return {
            "average_balance": None,
            "initial_balance": None,
            "current_balance": None,
            "available_balance": None,
            "frequency_of_contributions": None,
        }

    last = iso(dt.datetime.combine(today - dt.timedelta(days=12), dt.time(0), dt.UTC))
    return {
        "current_credit_cards_balance": {"amount": None},
        "number_of_credit_cards": 0,
        "total": {
            "loan_repayments": counted(),
            "minimum_loan_repayment": f.money(),
            "maximum_loan_repayment": f.money(),
            "average_loan_repayment": f.money(),
            "last_loan_repayment_date_time": last,
            "loan_received": counted(),
            "minimum_loan_received": None,
            "maximum_loan_received": None,
            "average_loan_received": None,
            "last_loan_received_date_time": None,
            "credit_cards_repayments": counted(),
            "credit_cards_spending": counted(),
            "credit_cards_balance": card_balance(),
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "is_month_complete": c,
                "loan_repayments": counted(),
                "loan_received": counted(),
                "credit_cards_repayments": counted(),
                "credit_cards_spending": counted(),
                "credit_cards_balance": card_balance(),
            }
            for m, y, c in months(today, 12)
        ],
    }


def non_credit_obligations(f: Figures, today: dt.date) -> dict[str, Any]:
    def named_month() -> dict[str, Any]:
        month, _, _ = months(today, 12)[f.draws.randrange(12)]
        return {"month": MONTH_NAMES[month - 1], "amount": f.money()}

    first = iso(dt.datetime.combine(today - dt.timedelta(days=300), dt.time(0), dt.UTC))
    last = iso(dt.datetime.combine(today, dt.time(0), dt.UTC))
    return {
        "total": {
            "amount": f.money(),
            "count": f.count(400),
            "first_date_time": first,
            "last_date_time": last,
            "average_monthly_amount": f.money(),
            "average_monthly_count": f.count(40),
            "maximum_monthly_amount": named_month(),
            "minimum_monthly_amount": named_month(),
            "breakdown": [
                {
                    "by": "RECURRING_TRANSACTIONS",
                    "breakdowns": [
                        {
                            "transaction_name": name,
                            "amount": f.money(),
                            "count": f.count(12),
                            "fraction_of_total_obligations": round(f.draws.random() / 4, 2),
                            "average_monthly_amount": f.money(),
                            "average_monthly_count": f.count(3),
                            "maximum_monthly_amount": named_month(),
                            "minimum_monthly_amount": named_month(),
                        }
                        for name in ("MOBILE BILL", "GYM MEMBERSHIP", "STREAMING SERVICE")
                    ],
                }
            ],
        },
        "monthly_totals": [
            {
                "month": m,
                "year": y,
                "is_month_complete": c,
                "amount": f.money(),
                "count": f.count(40),
            }
            for m, y, c in months(today, 12)
        ],
    }
