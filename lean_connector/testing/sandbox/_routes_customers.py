"""Banks, customers and entities: ``/banks/v1/`` and ``/customers/v1...``.

Paging: ``/customers/v1`` and ``/customers/v1/entities`` read ``page_number``/``page_size``
(any other name is ignored, as Lean does); a customer's own entities come as a bare array.
"""

from __future__ import annotations

from typing import Any

from lean_connector.testing.sandbox._banks import BANKS
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._http import (
    Reply,
    SandboxError,
    date_param,
    json_object,
    paginate,
    read_page,
)
from lean_connector.testing.sandbox._records import customer_body, entity_body
from lean_connector.testing.sandbox._router import Call, Route

__all__ = ["customer_routes"]


class _Customers:
    def __init__(self, store: DataStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return self._store.customer_count()

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [customer_body(c) for c in self._store.customers_slice(start, stop)]


def customer_routes(store: DataStore) -> list[Route]:
    seed = store.seed

    def banks(call: Call) -> Reply:
        wanted = {t.strip().upper() for t in call.query.get("account_types", "").split(",")}
        wanted.discard("")
        found = [dict(b) for b in BANKS if not wanted or b["account_type"] in wanted]
        return Reply(200, found)

    def create_customer(call: Call) -> Reply:
        body = json_object(call.request)
        app_user_id = body.get("app_user_id")
        if app_user_id is None or app_user_id == "":
            raise SandboxError(400, "MISSING_PARAMETERS", "app_user_id is required")
        if not isinstance(app_user_id, str) or len(app_user_id) > 255:
            raise SandboxError(
                400, "INVALID_PARAMETERS", "app_user_id must be a string of 1-255 characters"
            )
        customer = store.create_customer(app_user_id)
        if customer is None:
            raise SandboxError(
                409,
                "CUSTOMER_ALREADY_EXISTS",
                "A customer already exists for the app_user_id you have provided.",
            )
        return Reply(200, customer_body(customer))

    def list_customers(call: Call) -> Reply:
        items, page = paginate(_Customers(store), read_page(call.query, "page_number"))
        return Reply(200, {"data": items, "page": page})

    def customer(call: Call) -> Reply:
        return Reply(200, customer_body(store.customer_ref(call.ids["customer_id"])))

    def by_app_user(call: Call) -> Reply:
        return Reply(200, customer_body(store.customer_ref_by_app_user_id(call.ids["app_user_id"])))

    def entities(call: Call) -> Reply:
        found = store.entities_of(call.ids["customer_id"])
        return Reply(200, [entity_body(seed, e, store.accounts_of(e)) for e in found])

    def entity(call: Call) -> Reply:
        found = store.entity_ref(call.ids["entity_id"])
        if found.customer_id != store.customer_ref(call.ids["customer_id"]).customer_id:
            raise SandboxError(
                404, "UNKNOWN_ENTITY", "The entity_id provided does not belong to this customer."
            )
        return Reply(200, entity_body(seed, found, store.accounts_of(found)))

    def entities_between(call: Call) -> Reply:
        start = date_param(call.query, "start_date", required=False)
        end = date_param(call.query, "end_date", required=False)
        if start and end and start > end:
            raise SandboxError(400, "INVALID_PARAMETERS", "start_date must not be after end_date")
        listing = store.entity_listing(start, end)
        items, page = paginate(listing, read_page(call.query, "page_number"))
        return Reply(200, {"data": items, "page": page})

    return [
        Route("GET", "/banks/v1/", banks),
        Route("POST", "/customers/v1/", create_customer),
        Route("GET", "/customers/v1", list_customers),
        # The older collections list customers with the trailing slash; both are served.
        Route("GET", "/customers/v1/", list_customers),
        Route("GET", "/customers/v1/entities", entities_between),
        Route("GET", "/customers/v1/app-user-id/{app_user_id}", by_app_user),
        Route("GET", "/customers/v1/{customer_id}", customer),
        Route("GET", "/customers/v1/{customer_id}/entities", entities),
        Route("GET", "/customers/v1/{customer_id}/entities/{entity_id}", entity),
    ]
