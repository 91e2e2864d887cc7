"""Insights: cashflows, cash balances and freelancer cashflows.

Generated once from the field inventory of Lean's saved example responses, then
named by hand; ``NotRequired`` marks a field some examples lack.
"""

from __future__ import annotations

from typing import Any, TypedDict

from lean_connector.api._models_common import Amount, MonthlyAmount, Number

__all__ = [
    "CashBalanceInsights",
    "CashBalances",
    "CashBalancesBalanceFactors",
    "CashBalancesBalanceFactorsPeriod",
    "CashBalancesMonthlyTotal",
    "CashBalancesTotal",
    "CashInflowFactors",
    "CashOutflowFactors",
    "CashflowInsights",
    "Cashflows",
    "CashflowsBigPayments",
    "CashflowsBigPaymentsPeriod",
    "CashflowsCreditDebitBehaviour",
    "CashflowsCreditDebitBehaviourPeriod",
    "CashflowsMonthlyTotal",
    "CashflowsMonthlyTotalInward",
    "CashflowsMonthlyTotalNet",
    "CashflowsMonthlyTotalOutward",
    "CashflowsTotal",
    "CashflowsTotalInward",
    "CashflowsTotalNet",
    "CashflowsTotalOutward",
    "FreelancerAccountInformation",
    "FreelancerCashflowInsights",
    "FreelancerCashflows",
    "FreelancerCashflowsMonthlyTotal",
    "FreelancerCashflowsTotal",
    "FreelancerCashflowsTotalInflows",
    "FreelancerCashflowsTotalOutflows",
    "FreelancerFlowPeriod",
    "FreelancerMonthlyBalance",
    "FreelancerMonthlyFlows",
]


class CashflowInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/assets/cashflows``
    """

    insights: Cashflows
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str


class Cashflows(TypedDict):
    big_payments: CashflowsBigPayments
    credit_debit_behaviour: CashflowsCreditDebitBehaviour
    monthly_totals: list[CashflowsMonthlyTotal]
    total: CashflowsTotal


class CashflowsBigPayments(TypedDict):
    periods: list[CashflowsBigPaymentsPeriod]


class CashflowsBigPaymentsPeriod(TypedDict):
    average_max_monthly_credit_amount: Amount
    average_max_monthly_credit_debit_amount_ratio: Number
    average_max_monthly_debit_amount: Amount
    period: str


class CashflowsCreditDebitBehaviour(TypedDict):
    periods: list[CashflowsCreditDebitBehaviourPeriod]


class CashflowsCreditDebitBehaviourPeriod(TypedDict):
    grand_average_credit_amount: Amount
    grand_average_credit_count: int
    grand_average_credit_debit_amount_ratio: Number
    grand_average_credit_debit_count_ratio: Number
    grand_average_debit_amount: Amount
    grand_average_debit_count: int
    period: str
    total_volume_of_credit: Amount
    total_volume_of_credit_debit_ratio: Number
    total_volume_of_debit: Amount


class CashflowsMonthlyTotal(TypedDict):
    inwards: list[CashflowsMonthlyTotalInward]
    is_month_complete: bool
    month: int
    net: CashflowsMonthlyTotalNet
    outwards: list[CashflowsMonthlyTotalOutward]
    year: int


class CashflowsMonthlyTotalInward(TypedDict):
    amount: Amount
    category: str
    count: int


class CashflowsMonthlyTotalNet(TypedDict):
    net_cashflow: Any
    overall_amount: Amount


class CashflowsMonthlyTotalOutward(TypedDict):
    amount: Amount
    category: str
    count: int


class CashflowsTotal(TypedDict):
    inwards: list[CashflowsTotalInward]
    net: CashflowsTotalNet
    outwards: list[CashflowsTotalOutward]


class CashflowsTotalInward(TypedDict):
    amount: Amount
    category: str
    count: int


class CashflowsTotalNet(TypedDict):
    net_cashflow: Any
    overall_amount: Amount


class CashflowsTotalOutward(TypedDict):
    amount: Amount
    category: str
    count: int


class CashBalanceInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/assets/balances``
    """

    insights: CashBalances
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str


class CashBalances(TypedDict):
    balance_factors: CashBalancesBalanceFactors
    monthly_totals: list[CashBalancesMonthlyTotal]
    total: CashBalancesTotal


class CashBalancesBalanceFactors(TypedDict):
    balance_trend: Number
    balance_trend_average_month_on_month: int
    current_balance: Number
    daily_net_cashflow_estimate: Number
    inflow_factors: CashInflowFactors
    outflow_factors: CashOutflowFactors
    periods: list[CashBalancesBalanceFactorsPeriod]


class CashInflowFactors(TypedDict):
    average_time: Number
    max_transaction_amount: Number
    median_days: int
    median_transaction_amount: Number
    min_transaction_amount: Number
    percent_greater_than_x: Number
    percent_salary_transaction: Number
    recurring_average: Number
    weekday_transaction_count: int
    weekend_transaction_count: int


class CashOutflowFactors(TypedDict):
    average_time: Number
    max_transaction_amount: Number
    median_days: int
    median_transaction_amount: Number
    min_transaction_amount: Number
    percent_greater_than_x: Number
    recurring_average: Number
    spike_transactions: list[MonthlyAmount]
    weekday_transaction_count: int
    weekend_transaction_count: int


class CashBalancesBalanceFactorsPeriod(TypedDict):
    average_balance: Number
    period: str


class CashBalancesMonthlyTotal(TypedDict):
    average_balance: Amount
    contribution_amount: Amount
    initial_balance: Amount
    is_month_complete: bool
    month: int
    monthly_growth_rate: Number
    year: int


class CashBalancesTotal(TypedDict):
    available_balance: Amount
    average_balance: Amount
    current_balance: Amount
    frequency_of_contributions: str
    initial_balance: Amount


class FreelancerCashflowInsights(TypedDict):
    """In Lean's answers to:

    * ``GET /insights/v2/assets/freelancers/cashflows``
    """

    insights: FreelancerCashflows
    message: str
    meta: Any
    results_id: str
    status: str
    status_detail: Any
    timestamp: str
    type: str


class FreelancerCashflows(TypedDict):
    account_information: FreelancerAccountInformation
    monthly_totals: list[FreelancerCashflowsMonthlyTotal]
    total: FreelancerCashflowsTotal


class FreelancerAccountInformation(TypedDict):
    account_holder_full_name: str
    account_holder_short_name: str
    account_opening_date: str


class FreelancerCashflowsMonthlyTotal(TypedDict):
    balance: FreelancerMonthlyBalance
    inflows: FreelancerMonthlyFlows
    is_month_complete: bool
    month: int
    outflows: FreelancerMonthlyFlows
    year: int


class FreelancerMonthlyBalance(TypedDict):
    initial_balance_amount: Amount
    monthly_average_amount: Amount


class FreelancerMonthlyFlows(TypedDict):
    monthly_average_amount: Amount
    total_amount: Amount
    transactions_count: int


class FreelancerCashflowsTotal(TypedDict):
    average_monthly_balance_amount: Amount
    current_balance_amount: Amount
    inflows: FreelancerCashflowsTotalInflows
    outflows: FreelancerCashflowsTotalOutflows


class FreelancerCashflowsTotalInflows(TypedDict):
    periods: list[FreelancerFlowPeriod]
    total_amount: Amount
    transactions_count: int


class FreelancerFlowPeriod(TypedDict):
    average_amount: Amount
    period: str
    total_amount: Amount


class FreelancerCashflowsTotalOutflows(TypedDict):
    periods: list[FreelancerFlowPeriod]
    total_amount: Amount
    transactions_count: int
