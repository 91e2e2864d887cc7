"""Insights v2 routes (``/insights/v2/...``): the entity comes as ``entity_id`` (query, or
body for income); ``async=true`` answers PENDING with a ``results_id`` whose result
``/data/v2/results/{id}`` serves, as Lean's asynchronous mode does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from lean_connector.testing.sandbox import _insight_bodies as both
from lean_connector.testing.sandbox import _insight_bodies_ksa as ksa
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._http import (
    Reply,
    SandboxError,
    date_param,
    json_object,
    utc_timestamp,
)
from lean_connector.testing.sandbox._ids import rng_for
from lean_connector.testing.sandbox._router import Call, Route
from lean_connector.testing.sandbox._routes_data import pending_body, uuid_param
from lean_connector.testing.sandbox._seeded import EntityRef

__all__ = ["async_envelope", "insight_routes"]

KSA = ("sa",)
Build = Callable[[both.Figures, EntityRef], dict[str, Any]]


def async_envelope(
    payload_key: str, payload: Any, *, kind: str | None, message: str
) -> dict[str, Any]:
    """Lean's envelope for insights and verifications (``type`` only where Lean sends it)."""
    body: dict[str, Any] = {
        "status": "OK",
        "results_id": str(uuid.uuid4()),
        "message": message,
        "meta": None,
        "timestamp": utc_timestamp(),
        "status_detail": None,
    }
    if kind is not None:
        body["type"] = kind
    body[payload_key] = payload
    return body


def insight_routes(store: DataStore, faults: Faults) -> list[Route]:
    seed, today = store.seed, store.today

    def answer(
        name: str, kind: str | None, build: Build, entity_id: Any, asynchronous: bool
    ) -> Reply:
        entity = store.entity_ref(uuid_param(entity_id, "entity_id"))
        if faults.entity_failed(entity.entity_id):
            raise SandboxError(
                404, "UNKNOWN_ENTITY", f"The entity {entity.entity_id} is no longer connected."
            )
        currency = "SAR" if entity.bank_identifier.endswith("_KSA") else "AED"
        figures = both.Figures(rng_for(seed, "insight", name, entity.entity_id), currency)
        body = async_envelope(
            "insights", build(figures, entity), kind=kind, message="Data successfully retrieved"
        )
        pending = faults.take_pending() or (1 if asynchronous else 0)
        store.results.store(body["results_id"], body, max(pending - 1, 0))
        return Reply(200, pending_body(body["results_id"]) if pending else body)

    def get(name: str, kind: str | None, build: Build) -> Callable[[Call], Reply]:
        def endpoint(call: Call) -> Reply:
            date_param(call.query, "start_date", required=False)
            asynchronous = call.query.get("async", "false").lower() == "true"
            return answer(name, kind, build, call.query.get("entity_id"), asynchronous)

        return endpoint

    def income(call: Call) -> Reply:
        body = json_object(call.request)
        income_type = body.get("income_type") or "ALL"
        if income_type not in both.INCOME_TYPES:
            raise SandboxError(
                400,
                "INVALID_PARAMETERS",
                f"income_type must be one of {', '.join(both.INCOME_TYPES)}",
            )
        asynchronous = str(body.get("async", "false")).lower() == "true"
        return answer(
            "income",
            "income",
            lambda f, e: both.income(f, today, e, income_type),
            body.get("entity_id"),
            asynchronous,
        )

    return [
        Route(
            "GET",
            "/insights/v2/assets/cashflows",
            get("cashflows", None, lambda f, e: both.cashflows(f, today)),
        ),
        Route(
            "GET",
            "/insights/v2/expenses",
            get("expenses", "expenses", lambda f, e: both.expenses(f, today)),
        ),
        Route("POST", "/insights/v2/income", income),
        Route(
            "GET",
            "/insights/v2/assets/balances",
            get("balances", None, lambda f, e: ksa.cash_balances(f, today)),
            KSA,
        ),
        Route(
            "GET",
            "/insights/v2/income/employment",
            get("employment", "employment", lambda f, e: ksa.employment(f, today)),
            KSA,
        ),
        Route(
            "GET",
            "/insights/v2/assets/freelancers/cashflows",
            get(
                "freelancer",
                "freelancer-cashflow",
                lambda f, e: ksa.freelancer_cashflow(f, today, e, seed),
            ),
            KSA,
        ),
        Route(
            "GET",
            "/insights/v2/liabilities/credit-obligations",
            get("credit", "credits-obligations", lambda f, e: ksa.credit_obligations(f, today)),
            KSA,
        ),
        Route(
            "GET",
            "/insights/v2/liabilities/non-credit-obligations",
            get(
                "non-credit",
                "non-credits-obligations",
                lambda f, e: ksa.non_credit_obligations(f, today),
            ),
            KSA,
        ),
    ]
