"""``/insights/v2``: income, expenses, cashflows and obligations computed from an entity's data.

Every call is sent with ``async=false`` (as in Lean's collections): Lean answers with the
insights, or ``PENDING`` with a ``results_id`` when it needs longer. Five of them are in
Lean's KSA API only and refuse a UAE connector before sending anything.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import Resource, iso_date, non_empty, segment

if TYPE_CHECKING:
    from lean_connector.api._models_insights_assets import (
        CashBalanceInsights,
        CashflowInsights,
        FreelancerCashflowInsights,
    )
    from lean_connector.api._models_insights_income import (
        EmploymentInsights,
        ExpenseInsights,
        IncomeInsights,
    )
    from lean_connector.api._models_insights_liabilities import (
        CreditObligationInsights,
        NonCreditObligationInsights,
    )

__all__ = ["Insights"]


class Insights(Resource):
    """``/insights/v2``: what an entity's transactions say about its owner."""

    def income(self, entity_id: str, *, income_type: str = "ALL") -> IncomeInsights:
        """Salary and other income (``income_type`` e.g. ``ALL``, ``SALARY``)."""
        body = {
            "entity_id": segment(entity_id, "entity_id"),
            "income_type": non_empty(income_type, "income_type"),
        }
        return cast("IncomeInsights", self._send("POST", "/insights/v2/income", body))

    def expenses(self, entity_id: str) -> ExpenseInsights:
        """Spending by category, in total and per month."""
        return cast("ExpenseInsights", self._insight("/insights/v2/expenses", entity_id))

    def cashflows(
        self, entity_id: str, *, start_date: dt.date | str | None = None
    ) -> CashflowInsights:
        """Money in and out, in total and per month, from ``start_date`` on."""
        path = "/insights/v2/assets/cashflows"
        return cast("CashflowInsights", self._insight(path, entity_id, start_date))

    def cash_balances(
        self, entity_id: str, *, start_date: dt.date | str | None = None
    ) -> CashBalanceInsights:
        """Balances over time and what drives them (KSA)."""
        path = "/insights/v2/assets/balances"
        self._only_in("sa", f"GET {path}")
        return cast("CashBalanceInsights", self._insight(path, entity_id, start_date))

    def freelancer_cashflows(self, entity_id: str) -> FreelancerCashflowInsights:
        """Inflows and outflows of a freelancer's account (KSA)."""
        path = "/insights/v2/assets/freelancers/cashflows"
        self._only_in("sa", f"GET {path}")
        return cast("FreelancerCashflowInsights", self._insight(path, entity_id))

    def employment(
        self, entity_id: str, *, start_date: dt.date | str | None = None
    ) -> EmploymentInsights:
        """The employer(s) salary payments point to (KSA)."""
        path = "/insights/v2/income/employment"
        self._only_in("sa", f"GET {path}")
        return cast("EmploymentInsights", self._insight(path, entity_id, start_date))

    def credit_obligations(
        self, entity_id: str, *, start_date: dt.date | str | None = None
    ) -> CreditObligationInsights:
        """Loans and credit cards: amounts received, spent and repaid (KSA)."""
        path = "/insights/v2/liabilities/credit-obligations"
        self._only_in("sa", f"GET {path}")
        return cast("CreditObligationInsights", self._insight(path, entity_id, start_date))

    def non_credit_obligations(
        self, entity_id: str, *, start_date: dt.date | str | None = None
    ) -> NonCreditObligationInsights:
        """Rent, utilities and other recurring obligations (KSA)."""
        path = "/insights/v2/liabilities/non-credit-obligations"
        self._only_in("sa", f"GET {path}")
        return cast("NonCreditObligationInsights", self._insight(path, entity_id, start_date))

    def _insight(self, path: str, entity_id: str, start_date: dt.date | str | None = None) -> Any:
        params: dict[str, Any] = {"entity_id": segment(entity_id, "entity_id")}
        if start_date is not None:
            params["start_date"] = iso_date(start_date, "start_date")
        params["async"] = "false"
        return self._get(path, params)
