"""What the sandbox answers: auth rules, faults, routing and Lean-shaped bodies (no sockets here).

The HTTP layer (``sandbox_server``) turns each request into an :class:`ApiRequest` and writes
back the :class:`Reply`. Order of checks for an API call, as a gateway in front of Lean
would apply them: count the call, add latency, armed faults (reset, 429, 5xx), header rules
and credentials, the ``unauthorized`` fault, then the route itself.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote

from lean_connector.testing.jwt import InvalidTokenError, TokenSigner
from lean_connector.testing.sandbox._data import BANKS, DataStore, UnknownEntityError, utc_timestamp
from lean_connector.testing.sandbox._faults import Counters, Faults

__all__ = ["ApiRequest", "Reply", "SandboxApi", "lean_error"]

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SERVER_ERROR_CODES = {500: "INTERNAL_SERVER_ERROR", 502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT"}


@dataclass(frozen=True)
class ApiRequest:
    """One parsed HTTP request; ``headers`` has lower-case names."""

    listener: str  # "mtls" or "api"
    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass
class Reply:
    """What to send back; ``reset`` means: send nothing and reset the connection.

    ``stream_bytes`` replaces ``body`` with a JSON object of that many bytes, written in
    chunks; ``declare_length=False`` leaves out Content-Length and closes the connection.
    """

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    reset: bool = False
    stream_bytes: int = 0
    declare_length: bool = True


def lean_error(status: int, code: str, message: str, metadata: Any = None) -> Reply:
    """A reply with Lean's error body: timestamp, status (machine code), message, metadata."""
    body = {"timestamp": utc_timestamp(), "status": code, "message": message, "metadata": metadata}
    return Reply(status, body)


class _BadRequestError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Handler = Callable[[ApiRequest, dict[str, str], list[str]], Reply]


class SandboxApi:
    """The behaviour of both listeners, shared by every connection thread."""

    def __init__(
        self,
        *,
        store: DataStore,
        faults: Faults,
        counters: Counters,
        signer: TokenSigner,
        app_token: str,
        token_endpoint: Callable[[ApiRequest], Reply],
    ) -> None:
        self.store, self.faults, self.counters, self.signer = store, faults, counters, signer
        self._app_token = app_token
        self._token_endpoint = token_endpoint
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        for method, template, handler in (
            ("GET", "/banks/v1/", self._banks),
            ("POST", "/customers/v1/", self._create_customer),
            ("GET", "/customers/v1/", self._list_customers),
            # Before "/customers/v1/{id}", which would otherwise take "entities" for an id.
            ("GET", "/customers/v1/entities", self._list_entities),
            ("GET", "/customers/v1/app-user-id/{id}", self._customer_by_app_user),
            ("GET", "/customers/v1/{id}", self._customer),
            ("GET", "/customers/v1/{id}/entities", self._entities),
            ("GET", "/data/v2/accounts", self._accounts),
            ("GET", "/data/v2/accounts/{id}/balances", self._balances),
            ("GET", "/data/v2/accounts/{id}/transactions", self._transactions),
            ("GET", "/data/v2/results/{id}", self._results),
            ("POST", "/payments/v1/intents", self._create_intent),
        ):
            pattern = re.compile("^" + re.escape(template).replace(r"\{id\}", "([^/]+)") + "$")
            self._routes.append((method, pattern, template, handler))

    # -- entry point -----------------------------------------------------------------------

    def handle(self, request: ApiRequest) -> Reply:
        """Answer one request on either listener."""
        if request.listener == "api" and request.path == "/oauth2/token":
            return self._token_endpoint(request)
        method_matches, template, handler, path_ids = self._match(request)
        self.counters.record_call(
            request.method, template or "<unmatched>", request.headers.get("idempotency-key")
        )
        delay = self.faults.take_delay_s(request.method)
        if delay:
            time.sleep(delay)
        fault = self.faults.take_api_fault(request.method)
        if fault is not None:
            if fault.kind == "reset":
                if fault.after_acting:
                    self._answer(request, method_matches, template, handler, path_ids)
                return Reply(0, reset=True)
            if fault.kind == "redirect":
                return Reply(fault.status, headers={"Location": fault.location or "/"})
            if fault.kind == "oversized":
                return Reply(
                    200, stream_bytes=fault.size_bytes, declare_length=fault.declare_length
                )
            if fault.kind == "rate_limit":
                reply = lean_error(429, "RATE_LIMIT_EXCEEDED", "Too many requests, slow down")
                if fault.retry_after_s is not None:
                    reply.headers["Retry-After"] = str(fault.retry_after_s)
                return reply
            code = _SERVER_ERROR_CODES.get(fault.status, "SERVICE_UNAVAILABLE")
            reply = lean_error(fault.status, code, "The service is temporarily unavailable")
            if fault.retry_after_s is not None:
                reply.headers["Retry-After"] = str(fault.retry_after_s)
            return reply
        return self._answer(request, method_matches, template, handler, path_ids)

    def _answer(
        self,
        request: ApiRequest,
        method_matches: bool,
        template: str | None,
        handler: Handler | None,
        path_ids: list[str],
    ) -> Reply:
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        if self.faults.take_unauthorized():
            return lean_error(401, "UNAUTHORIZED", "The credential has been revoked")
        if handler is None or template is None:
            if method_matches:
                return lean_error(
                    405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here"
                )
            return lean_error(404, "NOT_FOUND", f"No endpoint {request.method} {request.path}")
        try:
            return handler(request, _query(request.query), path_ids)
        except UnknownEntityError as exc:
            return lean_error(404, "UNKNOWN_ENTITY", str(exc))
        except _BadRequestError as exc:
            return lean_error(400, exc.code, exc.message)

    def _match(self, request: ApiRequest) -> tuple[bool, str | None, Handler | None, list[str]]:
        path_matched = False
        for method, pattern, template, handler in self._routes:
            found = pattern.match(request.path)
            if found:
                path_matched = True
                if method == request.method:
                    return True, template, handler, [unquote(g) for g in found.groups()]
        return path_matched, None, None, []

    # -- credentials -----------------------------------------------------------------------

    def _authenticate(self, request: ApiRequest) -> Reply | None:
        app_token = request.headers.get("lean-app-token")
        authorization = request.headers.get("authorization")
        if app_token is not None and authorization is not None:
            return lean_error(
                400,
                "INVALID_PARAMETERS",
                "Send either the lean-app-token header or the Authorization header, not both",
            )
        if request.listener == "mtls":
            if app_token is None:
                return lean_error(
                    401, "UNAUTHORIZED", "The lean-app-token header is required with mTLS"
                )
            if not hmac.compare_digest(app_token.encode(), self._app_token.encode()):
                return lean_error(
                    401,
                    "CERTIFICATE_TOKEN_MISMATCH",
                    "The lean-app-token does not belong to the client certificate",
                )
            return None
        if app_token is not None:
            if hmac.compare_digest(app_token.encode(), self._app_token.encode()):
                return None
            return lean_error(401, "UNAUTHORIZED", "The lean-app-token is not valid")
        if authorization is None:
            return lean_error(
                401,
                "UNAUTHORIZED",
                "Authentication required: send lean-app-token or a bearer token",
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return lean_error(
                401, "UNAUTHORIZED", "The Authorization header must be 'Bearer <JWT>'"
            )
        try:
            claims = self.signer.verify(token.strip())
        except InvalidTokenError as exc:
            return lean_error(401, "UNAUTHORIZED", f"The access token was rejected: {exc}")
        if claims.get("scope") != "api":
            return lean_error(
                403,
                "INSUFFICIENT_ACCESS_LEVEL",
                f"A token with scope {claims.get('scope')!r} cannot call the API; use scope=api",
            )
        return None

    # -- endpoints -------------------------------------------------------------------------

    def _banks(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        return Reply(200, [dict(bank) for bank in BANKS])

    def _create_customer(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        body = _json_object(request)
        app_user_id = body.get("app_user_id")
        if app_user_id is None or app_user_id == "":
            raise _BadRequestError("MISSING_PARAMETERS", "app_user_id is required")
        if not isinstance(app_user_id, str) or len(app_user_id) > 255:
            raise _BadRequestError(
                "INVALID_PARAMETERS", "app_user_id must be a string of 1-255 characters"
            )
        customer = self.store.create_customer(app_user_id)
        if customer is None:
            return lean_error(
                409, "CUSTOMER_ALREADY_EXISTS", f"A customer with app_user_id {app_user_id} exists"
            )
        return Reply(200, customer)

    def _list_customers(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        items, page = _paginate(self.store.customers(), query)
        return Reply(200, {"data": items, "page": page})

    def _list_entities(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        # Lean pages this list with page_number/page_size, not the page/size of /data/v2.
        items, page = _paginate(
            self.store.all_entities(), query, number_name="page_number", size_name="page_size"
        )
        return Reply(200, {"data": items, "page": page})

    def _customer(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        return Reply(200, self.store.customer(ids[0]))

    def _customer_by_app_user(
        self, request: ApiRequest, query: dict[str, str], ids: list[str]
    ) -> Reply:
        return Reply(200, self.store.customer_by_app_user_id(ids[0]))

    def _entities(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        return Reply(200, self.store.entities(ids[0]))

    def _accounts(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        entity_id = self._entity(query)
        return self._data_reply(*_paginate(self.store.accounts(entity_id), query))

    def _balances(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        entity_id = self._entity(query)
        return self._data_reply(*_paginate(self.store.balances(entity_id, ids[0]), query))

    def _transactions(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        entity_id = self._entity(query)
        start, end = _date(query, "start_date"), _date(query, "end_date")
        if start > end:
            raise _BadRequestError("INVALID_PARAMETERS", "start_date must not be after end_date")
        found = self.store.transactions(entity_id, ids[0], start, end)
        kind = self.faults.malformed_kind(entity_id)
        if kind is None:
            return self._data_reply(*_paginate(found, query))
        return self._data_reply(*self._malformed_page(kind, found, query, (entity_id, ids[0])))

    def _malformed_page(
        self,
        kind: str,
        found: list[dict[str, Any]],
        query: dict[str, str],
        key: tuple[str, str],
    ) -> tuple[list[Any], dict[str, Any]]:
        if kind == "page_ignored":
            asked = query.get("page", "0")
            exhausted = self.faults.take_page_ignored(key)
            items, page = _paginate(found, {**query, "page": "0"})
            page_out: dict[str, Any] = {**page, "number": int(asked) if asked.isdigit() else 0}
            page_out["total_pages"] = 10**9
            return ([] if exhausted else items), page_out
        items, page = _paginate(found, query)
        if kind == "item_not_object":
            return [*items, 42], page
        return items, {**page, "total_pages": "many"}

    def _results(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        pending, body = self.store.fetch_result(ids[0])
        return Reply(200, _pending_body(ids[0]) if pending else body)

    def _entity(self, query: dict[str, str]) -> str:
        entity_id = query.get("entity_id")
        if not entity_id:
            raise _BadRequestError("MISSING_PARAMETERS", "entity_id is required")
        self.store.check_entity(entity_id)
        if self.faults.entity_failed(entity_id):
            raise UnknownEntityError(f"entity {entity_id} is no longer connected")
        return entity_id

    def _data_reply(self, items: list[dict[str, Any]], page: dict[str, int]) -> Reply:
        results_id = str(uuid.uuid4())
        body = {
            "status": "OK",
            "results_id": results_id,
            "message": "Data successfully retrieved",
            "timestamp": utc_timestamp(),
            "data": items,
            "page": page,
        }
        pending = self.faults.take_pending()
        self.store.store_result(results_id, body, max(pending - 1, 0))
        return Reply(200, _pending_body(results_id) if pending else body)

    def _create_intent(self, request: ApiRequest, query: dict[str, str], ids: list[str]) -> Reply:
        body = _json_object(request)
        missing = [
            name for name in ("amount", "currency", "customer_id") if body.get(name) in (None, "")
        ]
        if missing:
            raise _BadRequestError("MISSING_PARAMETERS", f"Missing fields: {', '.join(missing)}")
        amount = body["amount"]
        if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
            raise _BadRequestError("INVALID_PARAMETERS", "amount must be a positive number")
        if body["currency"] not in ("AED", "SAR"):
            raise _BadRequestError("INVALID_PARAMETERS", "currency must be AED or SAR")
        key = request.headers.get("idempotency-key")
        if key is not None and not 0 < len(key) <= 255:
            raise _BadRequestError("INVALID_PARAMETERS", "Idempotency-Key must be 1-255 characters")
        intent, same_body = self.store.create_intent(body, key)
        if not same_body:
            raise _BadRequestError(
                "INVALID_PARAMETERS",
                "Idempotency-Key was already used with a different request body",
            )
        return Reply(200, intent)


def _pending_body(results_id: str) -> dict[str, Any]:
    return {
        "status": "PENDING",
        "results_id": results_id,
        "message": "The data is not ready yet; fetch it from /data/v2/results/{results_id}",
        "timestamp": utc_timestamp(),
    }


def _query(text: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}


def _json_object(request: ApiRequest) -> dict[str, Any]:
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        raise _BadRequestError("INVALID_PARAMETERS", "The request body must be application/json")
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _BadRequestError("INVALID_PARAMETERS", "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise _BadRequestError("INVALID_PARAMETERS", "The request body must be a JSON object")
    return body


def _int_param(query: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise _BadRequestError(
            "INVALID_PARAMETERS", f"{name} must be an integer from {low} to {high}"
        )
    return int(text)


def _paginate(
    items: list[dict[str, Any]],
    query: dict[str, str],
    *,
    number_name: str = "page",
    size_name: str = "size",
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Zero-based pages; a page past the end is empty, not an error."""
    number = _int_param(query, number_name, 0, 0, 1_000_000)
    size = _int_param(query, size_name, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    total = len(items)
    page = {
        "number": number,
        "size": size,
        "total_elements": total,
        "total_pages": (total + size - 1) // size,
    }
    return items[number * size : (number + 1) * size], page


def _date(query: dict[str, str], name: str) -> dt.date:
    text = query.get(name)
    if not text:
        raise _BadRequestError("MISSING_PARAMETERS", f"{name} is required (YYYY-MM-DD)")
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise _BadRequestError(
            "INVALID_PARAMETERS", f"{name} must be a date as YYYY-MM-DD"
        ) from exc
