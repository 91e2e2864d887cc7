"""``DataStore``: everything the sandbox knows, and the questions tests ask of it directly.

The endpoints read it through the ``_routes_*`` modules; a test reads the same answers here
(``sandbox.data.transactions(...)``) to compute what a client should have received.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lean_connector.testing.sandbox._account_data import TransactionListing, balances
from lean_connector.testing.sandbox._consent_store import ConsentStore
from lean_connector.testing.sandbox._ids import stable_uuid
from lean_connector.testing.sandbox._payment_store import PaymentStore
from lean_connector.testing.sandbox._payout_store import PayoutStore
from lean_connector.testing.sandbox._records import (
    account_body,
    customer_body,
    entity_body,
)
from lean_connector.testing.sandbox._results import ResultStore
from lean_connector.testing.sandbox._store import CoreStore

__all__ = ["DataStore"]


class DataStore(CoreStore):
    """Customers, entities, accounts, stored results, refreshes and payment objects.

    ``DataStore(seed)`` alone holds nothing; ``seed_customers`` adds deterministic data.
    Lookups of unknown ids raise ``SandboxError`` (404, Lean's code)."""

    def __init__(
        self, seed: int, *, today: dt.date | None = None, application_id: str | None = None
    ) -> None:
        super().__init__(seed, today=today)
        self.results = ResultStore()
        self.payments = PaymentStore(
            self, application_id=application_id or stable_uuid(seed, "application")
        )
        self.consents = ConsentStore(self.payments)
        self.payouts = PayoutStore(self.payments)

    # -- what tests ask (whole lists: for small data sets) ---------------------------------

    def customer(self, customer_id: str) -> dict[str, Any]:
        """``{customer_id, app_user_id}``; SandboxError 404 when unknown."""
        return customer_body(self.customer_ref(customer_id))

    def customer_by_app_user_id(self, app_user_id: str) -> dict[str, Any]:
        return customer_body(self.customer_ref_by_app_user_id(app_user_id))

    def customers(self) -> list[dict[str, Any]]:
        """Every customer, in creation order."""
        return [customer_body(c) for c in self.customers_slice(0, self.customer_count())]

    def entities(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's entities, as ``GET /customers/v1/{id}/entities`` lists them."""
        return [
            entity_body(self.seed, e, self.accounts_of(e)) for e in self.entities_of(customer_id)
        ]

    def all_entities(self) -> list[dict[str, Any]]:
        """Every entity, as ``GET /customers/v1/entities`` lists them (in creation order)."""
        listing = self.entity_listing(None, None)
        return listing.slice(0, len(listing))

    def entity_listing(self, start: dt.date | None, end: dt.date | None) -> EntityListing:
        """The entities created between the dates (inclusive; None: unbounded)."""
        return EntityListing(self, start, end)

    def entity_record(self, entity_id: str) -> dict[str, Any]:
        """One entity, as ``GET /customers/v1/{customer_id}/entities/{entity_id}`` shows it."""
        entity = self.entity_ref(entity_id)
        return entity_body(self.seed, entity, self.accounts_of(entity))

    def accounts(self, entity_id: str) -> list[dict[str, Any]]:
        """The entity's accounts, as ``GET /data/v2/accounts`` lists them."""
        entity = self.entity_ref(entity_id)
        return [account_body(self.seed, a) for a in self.accounts_of(entity)]

    def balances(self, entity_id: str, account_id: str) -> list[dict[str, Any]]:
        return balances(self.seed, self.account_ref(entity_id, account_id), self.today)

    def transactions(
        self,
        entity_id: str,
        account_id: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Booked transactions with start <= booking date <= end, newest first."""
        listing = self.transaction_listing(entity_id, account_id, start, end)
        return listing.slice(0, len(listing))

    def transaction_listing(
        self,
        entity_id: str,
        account_id: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> TransactionListing:
        account = self.account_ref(entity_id, account_id)
        return TransactionListing(self.seed, account, self.today, start, end)


class EntityListing:
    """Entities created between two dates, across seeded blocks and connected ones, as
    ``/customers/v1/entities`` lists them: a page costs its own size, not the total."""

    def __init__(self, store: DataStore, start: dt.date | None, end: dt.date | None) -> None:
        self._store = store
        self._total, self._runs = store.entities_created_between(start, end)

    def __len__(self) -> int:
        return self._total

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]:
        store, found = self._store, []
        offset = 0
        for block, run in self._runs:
            low, high = max(start - offset, 0), min(stop - offset, len(run))
            for item in run[low:high] if low < high else ():
                if block is not None:
                    entity = block.entity(int(item))
                else:
                    entity = store.entity_ref(str(item))
                found.append(
                    entity_body(store.seed, entity, store.accounts_of(entity), with_status=True)
                )
            offset += len(run)
            if offset >= stop:
                break
        return found
