"""Insights: credit and non-credit obligations.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import Amount, Number

__all__ = [
    "AmountInMonth",
    "CreditCardsBalance",
    "CreditCardsRepayments",
    "CreditCardsRepaymentsTotal",
    "CreditCardsSpending",
    "CreditCardsSpendingTotal",
    "CreditObligationInsights",
    "CreditObligations",
    "CreditObligationsMonthlyTotal",
    "CreditObligationsTotal",
    "CurrentCreditCardsBalance",
    "LoanReceived",
    "LoanReceivedTotal",
    "LoanRepayments",
    "LoanRepaymentsTotal",
    "NonCreditObligationBreakdown",
    "NonCreditObligationBreakdowns",
    "NonCreditObligationInsights",
    "NonCreditObligations",
    "NonCreditObligationsMonthlyTotal",
    "NonCreditObligationsTotal",
]


class CreditObligationInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/liabilities/credit-obligations``
    """

    insights: CreditObligations
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class CreditObligations(TypedDict):
    current_credit_cards_balance: CurrentCreditCardsBalance
    monthly_totals: list[CreditObligationsMonthlyTotal]
    number_of_credit_cards: int
    total: CreditObligationsTotal


class CurrentCreditCardsBalance(TypedDict):
    amount: Any


class CreditObligationsMonthlyTotal(TypedDict):
    credit_cards_balance: CreditCardsBalance
    credit_cards_repayments: CreditCardsRepayments
    credit_cards_spending: CreditCardsSpending
    is_month_complete: bool
    loan_received: LoanReceived
    loan_repayments: LoanRepayments
    month: int
    year: int


class CreditCardsBalance(TypedDict):
    available_balance: Any
    average_balance: Any
    current_balance: Any
    frequency_of_contributions: Any
    initial_balance: Any


class CreditCardsRepayments(TypedDict):
    amount: Amount
    count: int


class CreditCardsSpending(TypedDict):
    amount: Amount
    count: int


class LoanReceived(TypedDict):
    amount: Amount
    count: int


class LoanRepayments(TypedDict):
    amount: Amount
    count: int


class CreditObligationsTotal(TypedDict):
    average_loan_received: Any
    average_loan_repayment: Any
    credit_cards_balance: CreditCardsBalance
    credit_cards_repayments: CreditCardsRepaymentsTotal
    credit_cards_spending: CreditCardsSpendingTotal
    last_loan_received_date_time: Any
    last_loan_repayment_date_time: Any
    loan_received: LoanReceivedTotal
    loan_repayments: LoanRepaymentsTotal
    maximum_loan_received: Any
    maximum_loan_repayment: Any
    minimum_loan_received: Any
    minimum_loan_repayment: Any


class CreditCardsRepaymentsTotal(TypedDict):
    amount: Amount
    count: int


class CreditCardsSpendingTotal(TypedDict):
    amount: Amount
    count: int


class LoanReceivedTotal(TypedDict):
    amount: Amount
    count: int


class LoanRepaymentsTotal(TypedDict):
    amount: Amount
    count: int


class NonCreditObligationInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/liabilities/non-credit-obligations``
    """

    insights: NonCreditObligations
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class NonCreditObligations(TypedDict):
    monthly_totals: list[NonCreditObligationsMonthlyTotal]
    total: NonCreditObligationsTotal


class NonCreditObligationsMonthlyTotal(TypedDict):
    amount: Amount
    count: int
    is_month_complete: bool
    month: int
    year: int


class NonCreditObligationsTotal(TypedDict):
    amount: Amount
    average_monthly_amount: Amount
    average_monthly_count: int
    breakdown: list[NonCreditObligationBreakdowns]
    count: int
    first_date_time: str
    last_date_time: str
    maximum_monthly_amount: AmountInMonth
    minimum_monthly_amount: AmountInMonth


class NonCreditObligationBreakdowns(TypedDict):
    breakdowns: list[NonCreditObligationBreakdown]
    by: str


class NonCreditObligationBreakdown(TypedDict):
    amount: Amount
    average_monthly_amount: Amount
    average_monthly_count: int
    count: int
    fraction_of_total_obligations: Number
    maximum_monthly_amount: AmountInMonth
    minimum_monthly_amount: AmountInMonth
    transaction_name: str


class AmountInMonth(TypedDict):
    amount: Amount
    month: str
