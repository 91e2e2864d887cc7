"""One lazy pager for every Lean listing.

Lean pages from 0 with a ``page{number, size, total_elements, total_pages}`` object, under
two spellings: ``page_number``/``page_size`` (customers, entities, consents, payouts) and
``page``/``size`` (data v2). A server that does not know the name it is sent answers page 0
every time, so ``total_pages`` alone would copy page 0 over and over. The pager therefore
stops on the first of:

* an empty page;
* a page it has already seen (same item ids, or the same content when items have no id),
  or a page whose ``page.number`` is not the one asked for: the paging name was ignored;
  nothing of that page is yielded, and a warning names the listing;
* the last page ``total_pages`` announces (it is trusted to stop, never to go on);
* ``max_pages`` pages: then :class:`~lean_connector.errors.LeanAPIError` is raised rather
  than a silently truncated listing (raise ``max_pages`` for bigger listings).

A body that is not what a page must be (no object, items that are not objects, a
``total_pages`` that is not a whole number) raises :class:`LeanAPIError` naming the part:
one malformed answer fails the listing that got it, never a whole batch job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from lean_connector.errors import InvalidRequestError, LeanAPIError

__all__ = [
    "DEFAULT_MAX_PAGES",
    "DEFAULT_PAGE_SIZE",
    "PAGE",
    "PAGE_NUMBER",
    "SINGLE_PAGE",
    "SIZE_ONLY",
    "Listing",
    "Paging",
    "check_paging_args",
]

DEFAULT_PAGE_SIZE = 50
#: Pages one listing may fetch before it raises: 10,000 pages of 50 is 500,000 items.
DEFAULT_MAX_PAGES = 10_000


@dataclass(frozen=True)
class Paging:
    """The query names one family pages with; ``None`` where Lean documents none."""

    page_param: str | None
    size_param: str | None


PAGE_NUMBER = Paging("page_number", "page_size")
PAGE = Paging("page", "size")
SIZE_ONLY = Paging(None, "size")  # one page of a chosen size (GET /payouts/refunds)
SINGLE_PAGE = Paging(None, None)  # one page, size chosen by Lean


@dataclass(frozen=True)
class Listing:
    """Where one endpoint's items are: dotted paths tried in order, and the id of an item."""

    method: str
    path: str
    items_at: Sequence[str]  # e.g. ("data.accounts", "data"); "" for a bare JSON list
    paging: Paging
    id_key: str | None = None


def check_paging_args(page_size: Any, max_pages: Any) -> None:
    """Refuse a bad ``page_size`` or ``max_pages`` at the call, not at the first ``next()``."""
    for name, value in (("page_size", page_size), ("max_pages", max_pages)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidRequestError(f"{name} must be >= 1, got {value}")


def paginate(
    listing: Listing,
    fetch: Callable[[dict[str, Any]], Any],
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int,
    max_pages: int,
) -> Iterator[dict[str, Any]]:
    """The items of ``listing``, page after page, fetched by ``fetch(params)`` when needed.

    Call :func:`check_paging_args` first: this is a generator, so it runs only when read.
    """
    paging = listing.paging
    seen: set[bytes] = set()
    number = 0
    while True:
        query = dict(params or {})
        if paging.page_param is not None:
            query[paging.page_param] = number
        if paging.size_param is not None:
            query[paging.size_param] = page_size
        body = fetch(query)
        items = _items(listing, body, number)
        if not items:
            return
        page = _page(listing, body, number)
        echoed = page.get("number")
        if paging.page_param is not None and _is_int(echoed) and echoed != number:
            _stopped(listing, number, f"asked for page {number}, Lean answered page {echoed}")
            return
        fingerprint = _fingerprint(items, listing.id_key)
        if fingerprint in seen:
            _stopped(listing, number, "the page repeats one already listed")
            return
        seen.add(fingerprint)
        yield from items
        total_pages = _total_pages(listing, page, number)
        if total_pages is not None and number + 1 >= total_pages:
            return
        if paging.page_param is None:
            if total_pages is not None and total_pages > 1:
                _log().warning(
                    "api.listing_truncated",
                    endpoint=f"{listing.method} {listing.path}",
                    total_pages=total_pages,
                    reason="Lean documents no page parameter for this listing",
                )
            return
        if number + 1 >= max_pages:
            raise _malformed(
                listing,
                f"the listing goes on past max_pages={max_pages} pages",
                hint=f"pass max_pages= above {max_pages}, or narrow the listing",
            )
        number += 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _malformed(listing: Listing, what: str, *, hint: str | None = None) -> LeanAPIError:
    return LeanAPIError(
        http_status=200,
        lean_message=what,
        method=listing.method,
        path=listing.path,
        hint=hint or "Lean's answer is not a page this connector can read",
    )


def _log() -> Any:
    # Imported when a listing has something to report: importing the api stays light.
    from lean_connector.logs import get_logger

    return get_logger(__name__)


def _stopped(listing: Listing, number: int, reason: str) -> None:
    _log().warning(
        "api.listing_stopped",
        endpoint=f"{listing.method} {listing.path}",
        page=number,
        reason=reason,
    )


def _at(body: Any, dotted: str) -> Any:
    value = body
    for key in dotted.split(".") if dotted else ():
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _items(listing: Listing, body: Any, number: int) -> list[dict[str, Any]]:
    if body is None:
        return []
    if not isinstance(body, Mapping | list):
        raise _malformed(
            listing, f"page {number} is a JSON {_json_type(body)}, not an object or a list"
        )
    found: Any = None
    where = ""
    for dotted in listing.items_at:
        candidate = _at(body, dotted)
        if isinstance(candidate, list):
            found, where = candidate, dotted or "the body"
            break
        if candidate is not None and not isinstance(candidate, Mapping):
            raise _malformed(
                listing,
                f"{dotted or 'the body'} of page {number} is a JSON {_json_type(candidate)}, "
                "not a list",
            )
    if found is None:
        if not any(_at(body, dotted) is not None for dotted in listing.items_at):
            return []  # nothing where items go (``{}``): an empty page
        # Something is where the items go, but no list: not a page to guess about.
        raise _malformed(
            listing, f"page {number} has no list of items at {' or '.join(listing.items_at)}"
        )
    for index, item in enumerate(found):
        if not isinstance(item, dict):
            raise _malformed(
                listing,
                f"item {index} of {where} on page {number} is a JSON {_json_type(item)}, "
                "not an object",
            )
    return cast("list[dict[str, Any]]", found)


def _page(listing: Listing, body: Any, number: int) -> Mapping[str, Any]:
    for dotted in ("page", "data.page"):
        page = _at(body, dotted)
        if page is None:
            continue
        if not isinstance(page, Mapping):
            raise _malformed(
                listing, f"{dotted} of page {number} is a JSON {_json_type(page)}, not an object"
            )
        return page
    return {}


def _total_pages(listing: Listing, page: Mapping[str, Any], number: int) -> int | None:
    total = page.get("total_pages")
    if total is None:
        return None
    if not _is_int(total) or total < 0:
        raise _malformed(
            listing,
            f"page.total_pages on page {number} is {total!r} ({_json_type(total)}), "
            "not a whole number",
        )
    return int(total)


def _fingerprint(items: list[dict[str, Any]], id_key: str | None) -> bytes:
    ids = [item.get(id_key) for item in items] if id_key else []
    if ids and all(isinstance(i, str) and i for i in ids):
        text = "\x1f".join(str(i) for i in ids)
    else:
        # No ids to compare: the page's content stands in for them. repr is stable for the
        # same parsed JSON (key order is the order Lean sent).
        text = repr(items)
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__
