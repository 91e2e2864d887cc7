"""The Lean endpoints as methods: banks, customers, entities, data and payments.

Resources only shape paths, parameters and bodies; sending, retrying and error mapping
belong to the :class:`~lean_connector.api.Requester` each resource is given. Paginated
endpoints return iterators that fetch the next page only when the caller gets there.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from lean_connector.api._requester import Requester
from lean_connector.errors import (
    InvalidRequestError,
    LeanAPIError,
    LeanConflictError,
    ResultsPendingError,
)

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "LINK_PERMISSIONS",
    "Banks",
    "Customers",
    "Data",
    "Payments",
]

#: Permissions LinkSDK ``connect()`` accepts.
LINK_PERMISSIONS = frozenset(
    {"identity", "accounts", "balance", "transactions", "payments", "beneficiaries"}
)
DEFAULT_PAGE_SIZE = 50


def _segment(value: str, name: str) -> str:
    """An id as one URL path segment; rejects empty ids rather than calling a wrong path."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


class _Resource:
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._requester.request("GET", path, params=params)

    def _pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int
    ) -> Iterator[dict[str, Any]]:
        """Items across Lean's ``page{number,size,total_pages}`` pages (0-based), lazily.

        Not a generator itself, so a bad ``page_size`` is refused at the call, not on the
        first ``next()`` somewhere far from the mistake."""
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InvalidRequestError(f"page_size must be >= 1, got {page_size}")
        return self._iter_pages(path, params, page_size)

    def _iter_pages(
        self, path: str, params: Mapping[str, Any] | None, page_size: int
    ) -> Iterator[dict[str, Any]]:
        number = 0
        while True:
            body = self._get(path, {**(params or {}), "page": number, "size": page_size})
            body = self._settle(body)
            items = _items(body)
            yield from items
            page = body.get("page") if isinstance(body, dict) else None
            total_pages = page.get("total_pages") if isinstance(page, dict) else None
            if not items or total_pages is None or number + 1 >= int(total_pages):
                return
            number += 1

    def _settle(self, body: Any) -> Any:
        return body


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, list):
            return data
        if isinstance(data, dict):
            for key in ("accounts", "transactions", "customers", "entities", "items"):
                if isinstance(data.get(key), list):
                    return list(data[key])
    return []


class Banks(_Resource):
    """``/banks/v1``."""

    def list(self) -> list[dict[str, Any]]:
        """Every bank available to the application."""
        body = self._get("/banks/v1/")
        return _items(body) if not isinstance(body, list) else body


class Customers(_Resource):
    """``/customers/v1``: customers and their entities (connected bank accounts)."""

    def create(self, app_user_id: str) -> dict[str, Any]:
        """Create a customer; :class:`LeanConflictError` when ``app_user_id`` exists."""
        _segment(app_user_id, "app_user_id")
        body = self._requester.request("POST", "/customers/v1/", json={"app_user_id": app_user_id})
        return dict(body or {})

    def get(self, customer_id: str) -> dict[str, Any]:
        """One customer by Lean's customer id."""
        return dict(self._get(f"/customers/v1/{_segment(customer_id, 'customer_id')}"))

    def get_by_app_user_id(self, app_user_id: str) -> dict[str, Any]:
        """One customer by your own user id."""
        segment = _segment(app_user_id, "app_user_id")
        return dict(self._get(f"/customers/v1/app-user-id/{segment}"))

    def get_or_create(self, app_user_id: str) -> dict[str, Any]:
        """The customer for ``app_user_id``, created if it does not exist yet."""
        try:
            return self.create(app_user_id)
        except LeanConflictError:
            return self.get_by_app_user_id(app_user_id)

    def entities(self, customer_id: str) -> list[dict[str, Any]]:
        """The entities (bank connections) of a customer."""
        body = self._get(f"/customers/v1/{_segment(customer_id, 'customer_id')}/entities")
        return _items(body) if not isinstance(body, list) else body

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(self, *, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[dict[str, Any]]:
        """Every customer, fetched page by page as the iterator is consumed."""
        return self._pages("/customers/v1/", page_size=page_size)


class Data(_Resource):
    """``/data/v2``: accounts, balances and transactions of an entity.

    A call Lean cannot finish within ~50 s answers ``PENDING`` with a ``results_id``;
    these methods poll ``/data/v2/results/{id}`` with backoff until ``pending_deadline_s``
    and then raise :class:`ResultsPendingError` carrying the id for a later fetch.
    """

    def __init__(
        self,
        requester: Requester,
        *,
        pending_deadline_s: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(requester)
        self.pending_deadline_s = pending_deadline_s
        self._sleep = sleep

    def accounts(
        self, entity_id: str, *, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Iterator[dict[str, Any]]:
        """The entity's accounts."""
        params = {"entity_id": _segment(entity_id, "entity_id")}
        return self._pages("/data/v2/accounts", params, page_size=page_size)

    def balances(self, account_id: str, *, entity_id: str) -> dict[str, Any]:
        """The balances of one account."""
        path = f"/data/v2/accounts/{_segment(account_id, 'account_id')}/balances"
        body = self._settle(self._get(path, {"entity_id": _segment(entity_id, "entity_id")}))
        data = body.get("data", body) if isinstance(body, dict) else body
        return dict(data) if isinstance(data, dict) else {"balances": data}

    def transactions(
        self,
        account_id: str,
        *,
        entity_id: str,
        start_date: str,
        end_date: str,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[dict[str, Any]]:
        """Transactions between ``start_date`` and ``end_date`` (``YYYY-MM-DD``, inclusive)."""
        params: dict[str, Any] = {
            "entity_id": _segment(entity_id, "entity_id"),
            "start_date": _iso_date(start_date, "start_date"),
            "end_date": _iso_date(end_date, "end_date"),
        }
        if params["start_date"] > params["end_date"]:
            raise InvalidRequestError(
                f"start_date {start_date} is after end_date {end_date}: swap them"
            )
        path = f"/data/v2/accounts/{_segment(account_id, 'account_id')}/transactions"
        return self._pages(path, params, page_size=page_size)

    def results(self, results_id: str) -> Any:
        """Fetch a result Lean answered PENDING for earlier (one call, no polling)."""
        return self._get(f"/data/v2/results/{_segment(results_id, 'results_id')}")

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


def _iso_date(value: str, name: str) -> str:
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as exc:
        raise InvalidRequestError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from exc


class Payments(_Resource):
    """``/payments/v1``."""

    def create_intent(
        self,
        *,
        amount: Decimal | float | str,
        currency: str,
        customer_id: str,
        description: str | None = None,
        idempotency_key: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Create a payment intent. An ``Idempotency-Key`` is generated when not given and
        kept across retries, so a retried write cannot pay twice. Pass money as ``Decimal``:
        it is sent as an exact JSON number (``Decimal("100.10")`` -> ``100.10``)."""
        _segment(customer_id, "customer_id")
        if not (
            isinstance(currency, str)
            and len(currency) == 3
            and currency.isascii()
            and currency.isalpha()
        ):
            raise InvalidRequestError(
                f"currency must be a 3-letter ISO 4217 code such as AED, got {currency!r}"
            )
        body: dict[str, Any] = {
            "amount": amount,
            "currency": currency.upper(),
            "customer_id": customer_id,
            **extra,
        }
        if description is not None:
            body["description"] = description
        key = idempotency_key or self._requester.new_idempotency_key()
        return dict(
            self._requester.request("POST", "/payments/v1/intents", json=body, idempotency_key=key)
        )
