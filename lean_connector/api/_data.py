"""``/data/v2``: an entity's accounts, balances, transactions, parties, orders and refreshes.

A call Lean cannot finish within ~50 s answers ``PENDING`` with a ``results_id``; the
methods here poll ``/data/v2/results/{id}`` with backoff until ``pending_deadline_s`` and
then raise :class:`ResultsPendingError` carrying the id for a later fetch. Listings page
with ``page``/``size``.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict, cast

from lean_connector.api._common import RegionCode, Resource, iso_date, segment
from lean_connector.api._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_PAGE_SIZE,
    PAGE,
    Listing,
    check_paging_args,
    paginate,
)
from lean_connector.api._requester import Requester
from lean_connector.errors import InvalidRequestError, LeanAPIError, ResultsPendingError

if TYPE_CHECKING:
    from lean_connector.api._models_data import (
        Account,
        AccountsResponse,
        Balance,
        DataRefresh,
        DataRefreshStarted,
    )
    from lean_connector.api._models_data_orders import DirectDebit, ScheduledPayment, StandingOrder
    from lean_connector.api._models_data_parties import AccountIdentity, Beneficiary, Identity
    from lean_connector.api._models_data_transactions import Transaction

__all__ = ["AccountBalances", "Data"]


class AccountBalances(TypedDict):
    """Every balance record of one account (all pages of ``/balances``)."""

    balances: list[Balance]


def _listing(path: str, key: str, id_key: str | None) -> Listing:
    # "data" alone: an answer with the items directly under data (older sandboxes).
    return Listing("GET", path, (f"data.{key}", "data", key), PAGE, id_key=id_key)


_ACCOUNTS = _listing("/data/v2/accounts", "accounts", "account_id")
_IDENTITY = _listing("/data/v2/identity", "identities", None)
_REFRESHES = Listing("GET", "/data/v2/refreshes", ("content",), PAGE, id_key="refresh_id")
_PER_ACCOUNT = {
    "balances": ("balances", None),
    "beneficiaries": ("beneficiaries", None),
    "direct-debits": ("direct_debits", None),
    "identities": ("identities", None),
    "scheduled-payments": ("scheduled_payments", None),
    "standing-orders": ("standing_orders", None),
    "transactions": ("transactions", "transaction_id"),
}


class Data(Resource):
    """``/data/v2``: what an entity's bank shares, fetched live or from Lean's cache."""

    def __init__(
        self,
        requester: Requester,
        *,
        region: RegionCode = "ae",
        pending_deadline_s: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(requester, region=region)
        self.pending_deadline_s = pending_deadline_s
        self._sleep = sleep

    # -- listings of an entity ---------------------------------------------------------

    def accounts(
        self,
        entity_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[Account]:
        """The entity's accounts."""
        params = {"entity_id": segment(entity_id, "entity_id")}
        return cast("Iterator[Account]", self._list(_ACCOUNTS, params, page_size, max_pages))

    def identity(
        self,
        entity_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[Identity]:
        """The identity the bank holds for the entity's owner (``/data/v2/identity``)."""
        params = {"entity_id": segment(entity_id, "entity_id")}
        return cast("Iterator[Identity]", self._list(_IDENTITY, params, page_size, max_pages))

    def refreshes(
        self,
        entity_id: str,
        *,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[DataRefresh]:
        """The data refreshes of an entity, newest first as Lean lists them."""
        params = {"entity_id": segment(entity_id, "entity_id")}
        items = self._list(_REFRESHES, params, page_size, max_pages)
        return cast("Iterator[DataRefresh]", items)

    # -- listings of an account --------------------------------------------------------

    def balances(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> AccountBalances:
        """Every balance record of one account (a few per account: all pages are read)."""
        items = self._per_account("balances", account_id, entity_id, page_size, max_pages)
        return {"balances": cast("list[Balance]", list(items))}

    def beneficiaries(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[Beneficiary]:
        """The beneficiaries saved on one account."""
        items = self._per_account("beneficiaries", account_id, entity_id, page_size, max_pages)
        return cast("Iterator[Beneficiary]", items)

    def direct_debits(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[DirectDebit]:
        """The direct debit mandates of one account."""
        items = self._per_account("direct-debits", account_id, entity_id, page_size, max_pages)
        return cast("Iterator[DirectDebit]", items)

    def identities(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[AccountIdentity]:
        """The holders of one account, as the bank knows them."""
        items = self._per_account("identities", account_id, entity_id, page_size, max_pages)
        return cast("Iterator[AccountIdentity]", items)

    def scheduled_payments(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[ScheduledPayment]:
        """The scheduled (future dated) payments of one account."""
        items = self._per_account("scheduled-payments", account_id, entity_id, page_size, max_pages)
        return cast("Iterator[ScheduledPayment]", items)

    def standing_orders(
        self,
        account_id: str,
        *,
        entity_id: str,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[StandingOrder]:
        """The standing orders of one account."""
        items = self._per_account("standing-orders", account_id, entity_id, page_size, max_pages)
        return cast("Iterator[StandingOrder]", items)

    def transactions(
        self,
        account_id: str,
        *,
        entity_id: str,
        start_date: dt.date | str,
        end_date: dt.date | str,
        insights: bool | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[Transaction]:
        """Transactions between ``start_date`` and ``end_date`` (inclusive; each a
        ``datetime.date`` or ``YYYY-MM-DD``); ``insights=True`` asks Lean to categorise them."""
        extra: dict[str, Any] = {
            "start_date": iso_date(start_date, "start_date"),
            "end_date": iso_date(end_date, "end_date"),
        }
        if extra["start_date"] > extra["end_date"]:
            raise InvalidRequestError(
                f"start_date {extra['start_date']} is after end_date {extra['end_date']}: swap them"
            )
        if insights is not None:
            extra["insights"] = "true" if insights else "false"
        items = self._per_account(
            "transactions", account_id, entity_id, page_size, max_pages, extra
        )
        return cast("Iterator[Transaction]", items)

    # -- refreshes and results ---------------------------------------------------------

    def refresh(self, entity_id: str) -> DataRefreshStarted:
        """Ask Lean to fetch the entity's data from the bank again (a manual refresh)."""
        body = {"entity_id": segment(entity_id, "entity_id")}
        return cast("DataRefreshStarted", self._send("POST", "/data/v2/refreshes", body))

    def refresh_status(self, refresh_id: str, *, entity_id: str | None = None) -> DataRefresh:
        """Where a data refresh stands, per account and data kind."""
        path = f"/data/v2/refreshes/{segment(refresh_id, 'refresh_id')}"
        params = None if entity_id is None else {"entity_id": segment(entity_id, "entity_id")}
        return cast("DataRefresh", self._get(path, params))

    def results(self, results_id: str, *, entity_id: str | None = None) -> AccountsResponse:
        """Fetch a result Lean answered PENDING for earlier (one call, no polling).

        The body is the envelope of the call that went PENDING (accounts in Lean's example).
        """
        path = f"/data/v2/results/{segment(results_id, 'results_id')}"
        params = None if entity_id is None else {"entity_id": segment(entity_id, "entity_id")}
        return cast("AccountsResponse", self._get(path, params))

    # -- internals ---------------------------------------------------------------------

    def _list(
        self, listing: Listing, params: dict[str, Any], page_size: int, max_pages: int
    ) -> Iterator[dict[str, Any]]:
        check_paging_args(page_size, max_pages)
        return paginate(
            listing,
            lambda query: self._settle(self._get(listing.path, query)),
            params,
            page_size=page_size,
            max_pages=max_pages,
        )

    def _per_account(
        self,
        kind: str,
        account_id: str,
        entity_id: str,
        page_size: int,
        max_pages: int,
        extra: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        path = f"/data/v2/accounts/{segment(account_id, 'account_id')}/{kind}"
        params = {"entity_id": segment(entity_id, "entity_id"), **(extra or {})}
        key, id_key = _PER_ACCOUNT[kind]
        return self._list(_listing(path, key, id_key), params, page_size, max_pages)

    def _settle(self, body: Any) -> Any:
        if not (isinstance(body, dict) and body.get("status") == "PENDING"):
            return body
        results_id = str(body.get("results_id") or "")
        if not results_id:
            raise LeanAPIError(http_status=200, lean_status="PENDING", lean_message="no results_id")
        deadline = time.monotonic() + self.pending_deadline_s
        delay = 1.0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ResultsPendingError(
                    f"Lean result {results_id} still PENDING after {self.pending_deadline_s:g}s:"
                    f" fetch it later with connector.data.results({results_id!r})",
                    results_id=results_id,
                )
            self._sleep(min(remaining, random.uniform(delay / 2, delay)))
            delay = min(delay * 2, 30.0)
            body = self.results(results_id)
            if not (isinstance(body, dict) and body.get("status") == "PENDING"):
                return body
