"""Insights: income, employment and expenses.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import Amount, BilingualText, MonthlyAmount, Number

__all__ = [
    "Employment",
    "EmploymentDetail",
    "EmploymentEmployer",
    "EmploymentInsights",
    "ExpenseBreakdown",
    "ExpenseBreakdowns",
    "ExpenseInsights",
    "ExpenseTotalBreakdown",
    "ExpenseTotalBreakdowns",
    "Expenses",
    "ExpensesMonthlyTotal",
    "ExpensesTotal",
    "Income",
    "IncomeInsights",
    "IncomeNonSalary",
    "IncomeNonSalaryIncomeFactors",
    "IncomeNonSalaryIncomeFactorsPeriod",
    "IncomeNonSalaryMonthlyTotal",
    "IncomeNonSalaryTotal",
    "IncomeNonSalaryTransaction",
    "IncomeSalary",
    "IncomeSalaryIncomeFactors",
    "IncomeSalaryIncomeFactorsPeriod",
    "IncomeSalaryTotal",
    "IncomeSalaryTransaction",
    "NonSalaryIncomeSource",
    "SalaryIncomeSource",
]


class IncomeInsights(TypedDict):
    """In Lean's answers to:

    * ``POST /insights/v2/income``
    """

    insights: Income
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class Income(TypedDict):
    non_salary: IncomeNonSalary
    salary: IncomeSalary


class IncomeNonSalary(TypedDict):
    currency: str
    income_factors: IncomeNonSalaryIncomeFactors
    monthly_totals: list[IncomeNonSalaryMonthlyTotal]
    total: IncomeNonSalaryTotal
    transactions: list[IncomeNonSalaryTransaction]


class IncomeNonSalaryIncomeFactors(TypedDict):
    average_monthly_income_change: Number
    delta_min_max: Number
    periods: list[IncomeNonSalaryIncomeFactorsPeriod]


class IncomeNonSalaryIncomeFactorsPeriod(TypedDict):
    average_income: Amount
    income_variation: Number
    period: str


class IncomeNonSalaryMonthlyTotal(TypedDict):
    amount: Number
    count: int
    is_month_complete: bool
    month: int
    year: int


class IncomeNonSalaryTotal(TypedDict):
    amount: Number
    average_monthly_amount: Number
    average_monthly_count: Number
    average_monthly_received_value: Number
    count: int
    first_date_time: str
    last_date_time: str
    maximum_monthly_amount: MonthlyAmount
    minimum_monthly_amount: MonthlyAmount


class IncomeNonSalaryTransaction(TypedDict):
    account_id: str
    amount: Number
    booking_date_time: str
    income_source: NonSalaryIncomeSource
    transaction_id: str
    transaction_information: str


class NonSalaryIncomeSource(TypedDict):
    name: str | None
    type: str


class IncomeSalary(TypedDict):
    currency: str
    income_factors: IncomeSalaryIncomeFactors
    monthly_totals: list[IncomeNonSalaryMonthlyTotal]
    total: IncomeSalaryTotal
    transactions: list[IncomeSalaryTransaction]


class IncomeSalaryIncomeFactors(TypedDict):
    average_monthly_income_change: Number
    delta_min_max: Number
    periods: list[IncomeSalaryIncomeFactorsPeriod]


class IncomeSalaryIncomeFactorsPeriod(TypedDict):
    average_income: Amount
    income_variation: Number
    period: str


class IncomeSalaryTotal(TypedDict):
    amount: Number
    average_monthly_amount: Number
    average_monthly_count: Number
    average_monthly_received_value: Number
    count: int
    first_date_time: str
    last_date_time: str
    maximum_monthly_amount: MonthlyAmount
    minimum_monthly_amount: MonthlyAmount


class IncomeSalaryTransaction(TypedDict):
    account_id: str
    amount: Number
    booking_date_time: str
    income_source: SalaryIncomeSource | None
    transaction_id: str
    transaction_information: str


class SalaryIncomeSource(TypedDict):
    name: str
    type: str


class EmploymentInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/income/employment``
    """

    insights: Employment
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class Employment(TypedDict):
    employment_details: list[EmploymentDetail]


class EmploymentDetail(TypedDict):
    bank_employer_name: str
    first_salary_date: str
    matched_reference_employer: EmploymentEmployer
    salary_amount_variance: Number
    salary_consistent: bool
    salary_date_variance: Number


class EmploymentEmployer(TypedDict):
    cr_number: int | None
    name: BilingualText


class ExpenseInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/expenses``
    """

    insights: Expenses
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class Expenses(TypedDict):
    currency: str
    monthly_totals: list[ExpensesMonthlyTotal]
    total: ExpensesTotal


class ExpensesMonthlyTotal(TypedDict):
    amount: Number
    breakdown: list[ExpenseBreakdowns]
    count: int
    is_month_complete: bool
    month: int
    year: int


class ExpenseBreakdowns(TypedDict):
    breakdowns: list[ExpenseBreakdown]
    by: str


class ExpenseBreakdown(TypedDict):
    amount: Number
    category: str
    count: int
    fraction_of_total_expenses: Number


class ExpensesTotal(TypedDict):
    amount: Number
    average_monthly_amount: Number
    average_monthly_count: Number
    breakdown: list[ExpenseTotalBreakdowns]
    count: int
    first_date_time: str
    last_date_time: str
    maximum_monthly_amount: MonthlyAmount
    minimum_monthly_amount: MonthlyAmount


class ExpenseTotalBreakdowns(TypedDict):
    breakdowns: list[ExpenseTotalBreakdown]
    by: str


class ExpenseTotalBreakdown(TypedDict):
    amount: Number
    average_days_between_transactions: Number
    average_monthly_amount: Number
    average_monthly_count: Number
    category: str
    count: int
    first_date_time: str
    fraction_of_total_expenses: Number
    last_date_time: str
    maximum_monthly_amount: MonthlyAmount
    minimum_monthly_amount: MonthlyAmount
