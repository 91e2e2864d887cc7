"""Customers, entities (a customer's bank connections) and banks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import Resource, iso_date, non_empty, segment
from lean_connector.api._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_PAGE_SIZE,
    PAGE_NUMBER,
    Listing,
    check_paging_args,
    paginate,
)
from lean_connector.errors import LeanConflictError

if TYPE_CHECKING:
    from lean_connector.api._models_customers import Bank, Customer, Entity

__all__ = ["Banks", "Customers", "Entities"]

_CUSTOMERS = Listing("GET", "/customers/v1", ("data",), PAGE_NUMBER, id_key="customer_id")
_ENTITIES = Listing("GET", "/customers/v1/entities", ("data",), PAGE_NUMBER, id_key="id")


def _bare_list(body: Any) -> list[Any]:
    """A JSON list Lean answers bare; tolerate ``{"data": [...]}`` around it."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return list(body["data"])
    return []


class Banks(Resource):
    """``/banks/v1/``."""

    def list(self, *, account_types: str | None = None) -> list[Bank]:
        """Every bank available to the application; ``account_types`` e.g. ``"BUSINESS"``."""
        params = None if account_types is None else {"account_types": account_types}
        return cast("list[Bank]", _bare_list(self._get("/banks/v1/", params)))


class Customers(Resource):
    """``/customers/v1``: your end users as Lean knows them."""

    def create(self, app_user_id: str) -> Customer:
        """Create a customer; :class:`LeanConflictError` when ``app_user_id`` exists."""
        non_empty(app_user_id, "app_user_id")
        body = self._send("POST", "/customers/v1/", {"app_user_id": app_user_id})
        return cast("Customer", dict(body or {}))

    def get(self, customer_id: str) -> Customer:
        """One customer by Lean's customer id."""
        return cast("Customer", self._get(f"/customers/v1/{segment(customer_id, 'customer_id')}"))

    def get_by_app_user_id(self, app_user_id: str) -> Customer:
        """One customer by your own user id."""
        path = f"/customers/v1/app-user-id/{segment(app_user_id, 'app_user_id')}"
        return cast("Customer", self._get(path))

    def get_or_create(self, app_user_id: str) -> Customer:
        """The customer for ``app_user_id``, created if it does not exist yet."""
        try:
            return self.create(app_user_id)
        except LeanConflictError:
            return self.get_by_app_user_id(app_user_id)

    def entities(self, customer_id: str) -> list[Entity]:
        """The entities (bank connections) of a customer: ``entities.for_customer()``."""
        return Entities(self._requester, region=self._region).for_customer(customer_id)

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, max_pages: int = DEFAULT_MAX_PAGES
    ) -> Iterator[Customer]:
        """Every customer, fetched page by page (``page_number``/``page_size``) as read."""
        check_paging_args(page_size, max_pages)
        items = paginate(_CUSTOMERS, self._page, page_size=page_size, max_pages=max_pages)
        return cast("Iterator[Customer]", items)

    def _page(self, params: dict[str, Any]) -> Any:
        return self._get(_CUSTOMERS.path, params)


class Entities(Resource):
    """``/customers/v1/.../entities``: bank connections, one per customer and bank."""

    def for_customer(self, customer_id: str) -> list[Entity]:
        """The entities of one customer."""
        path = f"/customers/v1/{segment(customer_id, 'customer_id')}/entities"
        return cast("list[Entity]", _bare_list(self._get(path)))

    def get(self, customer_id: str, entity_id: str) -> Entity:
        """One entity of a customer."""
        customer = segment(customer_id, "customer_id")
        return cast(
            "Entity",
            self._get(f"/customers/v1/{customer}/entities/{segment(entity_id, 'entity_id')}"),
        )

    def list(
        self,
        *,
        start_date: dt.date | str | None = None,
        end_date: dt.date | str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> Iterator[Entity]:
        """Every entity of the application (optionally those created in a date range),
        fetched page by page (``page_number``/``page_size``) as read."""
        check_paging_args(page_size, max_pages)
        params: dict[str, Any] = {}
        if start_date is not None:
            params["start_date"] = iso_date(start_date, "start_date")
        if end_date is not None:
            params["end_date"] = iso_date(end_date, "end_date")
        items = paginate(
            _ENTITIES,
            lambda query: self._get(_ENTITIES.path, query),
            params,
            page_size=page_size,
            max_pages=max_pages,
        )
        return cast("Iterator[Entity]", items)
