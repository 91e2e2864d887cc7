"""Every endpoint the sandbox serves, family by family (one ``_routes_*`` module each)."""

from __future__ import annotations

from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._router import Route
from lean_connector.testing.sandbox._routes_customers import customer_routes
from lean_connector.testing.sandbox._routes_data import data_routes
from lean_connector.testing.sandbox._routes_insights import insight_routes
from lean_connector.testing.sandbox._routes_payments import payment_routes
from lean_connector.testing.sandbox._routes_payouts import payout_routes
from lean_connector.testing.sandbox._routes_verifications import verification_routes

__all__ = ["all_routes"]


def all_routes(store: DataStore, faults: Faults) -> list[Route]:
    """The routes of every family, over one store and one set of fault switches."""
    return [
        *customer_routes(store),
        *data_routes(store, faults),
        *insight_routes(store, faults),
        *verification_routes(store),
        *payment_routes(store.payments, store.consents),
        *payout_routes(store.payments, store.payouts),
    ]
