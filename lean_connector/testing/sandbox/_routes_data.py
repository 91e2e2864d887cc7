"""Raw data v2: ``/data/v2/...`` accounts, balances, transactions, identity, identities,
beneficiaries, direct debits, scheduled payments, standing orders, refreshes and results.

Every listing reads ``page``/``size`` (others are ignored, as Lean does) and answers Lean's
async envelope ``{status, results_id, message, meta, timestamp, status_detail,
refreshed_at, type, data: {type, <items>, page}}``. Errors carry the ``results_id`` too.
An armed ``faults.pending`` turns the answer into PENDING, fetched later from
``/data/v2/results/{results_id}``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from lean_connector.testing.sandbox import _account_data as account_data
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults, MalformedKind
from lean_connector.testing.sandbox._http import (
    Listing,
    ListListing,
    PageRequest,
    Reply,
    SandboxError,
    date_param,
    iso,
    json_object,
    paginate,
    read_page,
    utc_timestamp,
)
from lean_connector.testing.sandbox._records import account_body, identity_body
from lean_connector.testing.sandbox._router import Call, Route
from lean_connector.testing.sandbox._seeded import AccountRef, EntityRef

__all__ = ["data_routes", "pending_body", "uuid_param"]

Endpoint = Callable[[Call], Reply]


def pending_body(results_id: str) -> dict[str, Any]:
    return {
        "status": "PENDING",
        "results_id": results_id,
        "message": "The data is not ready yet; fetch it from /data/v2/results/{results_id}",
        "meta": None,
        "timestamp": utc_timestamp(),
        "status_detail": None,
    }


def uuid_param(value: str | None, name: str) -> str:
    if not value:
        raise SandboxError(400, "MISSING_PARAMETERS", f"{name} is required")
    try:
        uuid.UUID(value)
    except ValueError as exc:
        raise SandboxError(
            400,
            "INVALID_PARAMETERS",
            f"The request is badly formatted or a parameter of the wrong type has been "
            f"provided, field: {name}, value: {value}.",
        ) from exc
    return value


def _with_results_id(endpoint: Endpoint) -> Endpoint:
    """Lean's data errors carry a ``results_id``, like its answers."""

    def answer(call: Call) -> Reply:
        try:
            return endpoint(call)
        except SandboxError as exc:
            if exc.results_id is None:
                exc.results_id = str(uuid.uuid4())
            raise

    return answer


def data_routes(store: DataStore, faults: Faults) -> list[Route]:
    seed, today = store.seed, store.today

    def entity_of(call: Call) -> EntityRef:
        entity_id = uuid_param(call.query.get("entity_id"), "entity_id")
        entity = store.entity_ref(entity_id)
        if faults.entity_failed(entity_id):
            raise SandboxError(
                404, "UNKNOWN_ENTITY", f"The entity {entity_id} is no longer connected."
            )
        return entity

    def account_of(call: Call) -> AccountRef:
        entity = entity_of(call)
        return store.account_ref(entity.entity_id, uuid_param(call.ids["account_id"], "account_id"))

    def reply(
        kind: str,
        key: str,
        listing: Listing,
        call: Call,
        extra: dict[str, Any] | None = None,
        *,
        malformed: tuple[MalformedKind, tuple[str, str]] | None = None,
    ) -> Reply:
        asked = read_page(call.query, "page")
        if malformed is not None and malformed[0] == "page_ignored":
            # A server that ignores the page asked for: page 0, the number echoed, and a
            # total_pages that never ends (until the limit, so a defenceless client stops).
            exhausted = faults.take_page_ignored(malformed[1])
            items, page = paginate(listing, PageRequest(0, asked.size))
            items = [] if exhausted else items
            page = {**page, "number": asked.number, "total_pages": 10**9}
        else:
            items, page = paginate(listing, asked)
        if malformed is not None and malformed[0] == "item_not_object":
            items = [*items, 42]  # type: ignore[list-item]  # the point: not an object
        if malformed is not None and malformed[0] == "total_pages_not_number":
            page = {**page, "total_pages": "many"}
        results_id = str(uuid.uuid4())
        data: dict[str, Any] = {"type": kind, **(extra or {}), key: items, "page": page}
        body = {
            "status": "OK",
            "results_id": results_id,
            "message": "Data successfully retrieved",
            "meta": None,
            "timestamp": utc_timestamp(),
            "status_detail": None,
            "refreshed_at": iso(dt.datetime.combine(today, dt.time(0), dt.UTC)),
            "type": kind,
            "data": data,
        }
        pending = faults.take_pending()
        store.results.store(results_id, body, max(pending - 1, 0))
        return Reply(200, pending_body(results_id) if pending else body)

    def accounts(call: Call) -> Reply:
        entity = entity_of(call)
        found = [account_body(seed, a) for a in store.accounts_of(entity)]
        return reply("accounts", "accounts", ListListing(found), call)

    def balances(call: Call) -> Reply:
        found = account_data.balances(seed, account_of(call), today)
        return reply("balances", "balances", ListListing(found), call)

    def transactions(call: Call) -> Reply:
        account = account_of(call)
        start = date_param(call.query, "start_date", required=False)
        end = date_param(call.query, "end_date", required=False)
        if start and end and start > end:
            raise SandboxError(400, "INVALID_PARAMETERS", "start_date must not be after end_date")
        listing = account_data.TransactionListing(seed, account, today, start, end)
        kind = faults.malformed_kind(account.entity_id)
        malformed = None if kind is None else (kind, (account.entity_id, account.account_id))
        return reply("transactions", "transactions", listing, call, malformed=malformed)

    def identity(call: Call) -> Reply:
        entity = entity_of(call)
        found = [identity_body(seed, entity.customer_id, entity.entity_id)]
        return reply("identities", "identities", ListListing(found), call, {"account_id": None})

    def identities(call: Call) -> Reply:
        account = account_of(call)
        found = [identity_body(seed, account.customer_id, account.entity_id)]
        return reply("identities", "identities", ListListing(found), call, {"account_id": None})

    def per_account(kind: str, key: str, build: Callable[[AccountRef], list[Any]]) -> Endpoint:
        def endpoint(call: Call) -> Reply:
            return reply(kind, key, ListListing(build(account_of(call))), call)

        return endpoint

    def trigger_refresh(call: Call) -> Reply:
        body = json_object(call.request)
        entity_id = uuid_param(body.get("entity_id"), "entity_id")
        entity = store.entity_ref(entity_id)
        if faults.entity_failed(entity_id):
            raise SandboxError(
                403,
                "CONSENT_EXPIRED",
                "Consent was suspended, revoked, or expired. New consent is required, please "
                "connect the entity once again.",
            )
        refresh_id, now = str(uuid.uuid4()), utc_timestamp()
        store.results.trigger_refresh(
            {
                "refresh_id": refresh_id,
                "entity_id": entity_id,
                "customer_id": entity.customer_id,
                "status": "IN_PROGRESS",
                "data_status": _data_status(store, entity, today),
                "created_at": now,
                "updated_at": now,
            }
        )
        return Reply(
            200,
            {
                "refresh_id": refresh_id,
                "status": "OK",
                "message": "Data refresh triggered successfully",
                "timestamp": utc_timestamp(),
            },
        )

    def list_refreshes(call: Call) -> Reply:
        entity = entity_of(call)
        found = [
            {k: r[k] for k in ("refresh_id", "entity_id", "customer_id", "status")}
            | {"created_at": r["created_at"], "updated_at": r["updated_at"]}
            for r in store.results.refreshes_of(entity.entity_id)
        ]
        items, page = paginate(ListListing(found), read_page(call.query, "page"))
        return Reply(200, {"content": items, "page": page})

    def refresh(call: Call) -> Reply:
        return Reply(200, store.results.refresh(call.ids["refresh_id"]))

    def results(call: Call) -> Reply:
        results_id = call.ids["results_id"]
        pending, body = store.results.fetch(results_id)
        return Reply(200, pending_body(results_id) if pending else body)

    account_path = "/data/v2/accounts/{account_id}"
    endpoints: list[tuple[str, str, Endpoint]] = [
        ("GET", "/data/v2/accounts", accounts),
        ("GET", f"{account_path}/balances", balances),
        ("GET", f"{account_path}/transactions", transactions),
        ("GET", f"{account_path}/identities", identities),
        (
            "GET",
            f"{account_path}/beneficiaries",
            per_account(
                "beneficiaries", "beneficiaries", lambda a: account_data.beneficiaries(seed, a)
            ),
        ),
        (
            "GET",
            f"{account_path}/direct-debits",
            per_account(
                "direct-debits",
                "direct_debits",
                lambda a: account_data.direct_debits(seed, a, today),
            ),
        ),
        (
            "GET",
            f"{account_path}/scheduled-payments",
            per_account(
                "scheduled-payments",
                "scheduled_payments",
                lambda a: account_data.scheduled_payments(seed, a, today),
            ),
        ),
        (
            "GET",
            f"{account_path}/standing-orders",
            per_account(
                "standing-orders",
                "standing_orders",
                lambda a: account_data.standing_orders(seed, a, today),
            ),
        ),
        ("GET", "/data/v2/identity", identity),
        ("POST", "/data/v2/refreshes", trigger_refresh),
        ("GET", "/data/v2/refreshes", list_refreshes),
        ("GET", "/data/v2/refreshes/{refresh_id}", refresh),
        ("GET", "/data/v2/results/{results_id}", results),
    ]
    return [Route(method, path, _with_results_id(fn)) for method, path, fn in endpoints]


def _data_status(store: DataStore, entity: EntityRef, today: dt.date) -> dict[str, Any]:
    window = {
        "start": (today - dt.timedelta(days=account_data.TRANSACTION_DAYS)).isoformat(),
        "end": today.isoformat(),
    }
    return {
        "accounts": "OK",
        "identity": "OK",
        "account_data": [
            {
                "account_id": account.account_id,
                "balance": "OK",
                "identity": "OK",
                "transactions": "OK",
                "scheduled_payments": "OK",
                "direct_debits": "OK",
                "standing_orders": "OK",
                "beneficiaries": "OK",
                "transactionAvailability": dict(window),
            }
            for account in store.accounts_of(entity)
        ],
    }
