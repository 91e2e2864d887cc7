"""What every endpoint of the sandbox shares: the parsed request, the reply, Lean's error
body, query and JSON-body parsing, and paging with each family's own parameter names.

Paging is O(page): a listing is any :class:`Listing` (a length and a slice), so a million
seeded transactions are never materialised to answer one page of them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ApiRequest",
    "Listing",
    "PageRequest",
    "PagingStyle",
    "Reply",
    "SandboxError",
    "date_param",
    "iso",
    "json_body",
    "json_object",
    "lean_error",
    "page_body",
    "paginate",
    "parse_query",
    "read_page",
    "utc_timestamp",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_PAGE_NUMBER = 10_000_000
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

# Which query names carry the page number and size, per family. Lean ignores names it does
# not know, so a client using the other family's names gets page 0 at the default size.
PagingStyle = Literal["page_number", "page", "size_only"]
_NAMES: dict[str, tuple[str | None, str]] = {
    "page_number": ("page_number", "page_size"),
    "page": ("page", "size"),
    "size_only": (None, "size"),
}


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


class SandboxError(Exception):
    """An error answer with Lean's body; endpoints raise it, the router sends it."""

    def __init__(
        self, status: int, code: str, message: str, *, results_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.results_id = results_id

    def reply(self) -> Reply:
        return lean_error(self.status, self.code, self.message, results_id=self.results_id)


def iso(moment: dt.datetime) -> str:
    """A UTC datetime as Lean writes it in bodies: ISO-8601, milliseconds, ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def utc_timestamp() -> str:
    """Now, in the ISO-8601 form Lean uses in bodies."""
    return iso(dt.datetime.now(dt.UTC))


def lean_error(
    status: int, code: str, message: str, metadata: Any = None, *, results_id: str | None = None
) -> Reply:
    """A reply with Lean's error body: timestamp, status (machine code), message, metadata
    (and the ``results_id`` the data endpoints add to theirs)."""
    body: dict[str, Any] = {}
    if results_id is not None:
        body["results_id"] = results_id
    body.update(
        {"timestamp": utc_timestamp(), "status": code, "message": message, "metadata": metadata}
    )
    return Reply(status, body)


def parse_query(text: str) -> dict[str, str]:
    """The first value of each query parameter."""
    return {name: values[0] for name, values in parse_qs(text, keep_blank_values=True).items()}


def json_body(request: ApiRequest) -> Any:
    """The JSON request body; 400 INVALID_PARAMETERS when it is not JSON sent as JSON."""
    if not request.headers.get("content-type", "").lower().startswith("application/json"):
        raise SandboxError(400, "INVALID_PARAMETERS", "The request body must be application/json")
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SandboxError(400, "INVALID_PARAMETERS", "The request body is not valid JSON") from exc


def json_object(request: ApiRequest) -> dict[str, Any]:
    """The JSON request body, which must be an object."""
    body = json_body(request)
    if not isinstance(body, dict):
        raise SandboxError(400, "INVALID_PARAMETERS", "The request body must be a JSON object")
    return body


def date_param(query: Mapping[str, str], name: str, *, required: bool) -> dt.date | None:
    """A ``YYYY-MM-DD`` query parameter; None when absent and not required."""
    text = query.get(name)
    if not text:
        if required:
            raise SandboxError(400, "MISSING_PARAMETERS", f"{name} is required (YYYY-MM-DD)")
        return None
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise SandboxError(
            400, "INVALID_PARAMETERS", f"{name} must be a date as YYYY-MM-DD, got {text!r}"
        ) from exc


@dataclass(frozen=True)
class PageRequest:
    number: int
    size: int


def _int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None or text == "":
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise SandboxError(
            400,
            "INVALID_PARAMETERS",
            f"The request is badly formatted or a parameter of the wrong type has been "
            f"provided, field: {name}, value: {text} ({name} must be an integer from {low} "
            f"to {high})",
        )
    return int(text)


def read_page(
    query: Mapping[str, str], style: PagingStyle, *, default_size: int = DEFAULT_PAGE_SIZE
) -> PageRequest:
    """The page asked for, read from this family's names only (others are ignored)."""
    number_name, size_name = _NAMES[style]
    number = 0 if number_name is None else _int_param(query, number_name, 0, 0, MAX_PAGE_NUMBER)
    size = _int_param(query, size_name, default_size, 1, MAX_PAGE_SIZE)
    return PageRequest(number, size)


class Listing(Protocol):
    """A sequence a page can be cut from without building the rest of it."""

    def __len__(self) -> int: ...

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]: ...


class ListListing:
    """A :class:`Listing` over a list that already exists."""

    def __init__(self, items: Sequence[dict[str, Any]]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def slice(self, start: int, stop: int) -> list[dict[str, Any]]:
        return [dict(item) for item in self._items[start:stop]]


def page_body(page: PageRequest, total: int, *, sort: bool = True) -> dict[str, Any]:
    """Lean's ``page`` object (``sort`` is null where Lean sends it, absent elsewhere)."""
    body: dict[str, Any] = {
        "number": page.number,
        "size": page.size,
        "total_elements": total,
        "total_pages": (total + page.size - 1) // page.size,
    }
    if sort:
        body["sort"] = None
    return body


def paginate(
    listing: Listing, page: PageRequest, *, sort: bool = True
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The items of ``page`` and the ``page`` object; a page past the end is empty."""
    total = len(listing)
    start = min(page.number * page.size, total)
    stop = min(start + page.size, total)
    return listing.slice(start, stop), page_body(page, total, sort=sort)
