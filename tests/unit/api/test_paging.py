"""The one pager: family names, laziness, and where it stops whatever ``total_pages`` says.

``PagedLean`` is a stand-in Requester serving a fixed list the way a server would; one
switch makes it ignore the paging names (page 0 every time), as Lean does with a name it
does not know. The real sandbox is in tests/integration/client/test_modes.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pytest

from lean_connector.api import Customers, Data, Entities, Refunds, Requester
from lean_connector.api._paging import DEFAULT_MAX_PAGES
from lean_connector.errors import ConnectorError, InvalidRequestError, LeanAPIError
from lean_connector.logs import capture_logs


class PagedLean:
    """A Requester: serves ``items`` in pages under Lean's envelope for the path."""

    def __init__(
        self,
        items: list[Any],
        *,
        names: tuple[str, str] = ("page_number", "page_size"),
        ignore_names: bool = False,
        total_pages: Any = "count",
        echo_number: bool = True,
    ) -> None:
        self.items = items
        self.names = names
        self.ignore_names = ignore_names
        self.total_pages = total_pages
        self.echo_number = echo_number
        self.sent: list[tuple[str, str, dict[str, Any]]] = []

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        query = dict(params or {})
        self.sent.append((method, path, query))
        page_name, size_name = self.names
        number = 0 if self.ignore_names else int(query.get(page_name, 0))
        size = 10 if self.ignore_names else int(query.get(size_name, 10))
        chunk = self.items[number * size : (number + 1) * size]
        total = -(-len(self.items) // size) if self.total_pages == "count" else self.total_pages
        page: dict[str, Any] = {"size": size, "total_elements": len(self.items)}
        if total is not None:
            page["total_pages"] = total
        if self.echo_number:
            page["number"] = number
        if path.startswith("/data/v2/"):
            key = path.rsplit("/", 1)[-1].replace("-", "_")
            return {"status": "OK", "data": {key: chunk, "page": page}}
        return {"data": chunk, "page": page}

    def new_idempotency_key(self) -> str:
        return "key"


def customers(n: int) -> list[dict[str, Any]]:
    return [{"customer_id": f"c-{i}", "app_user_id": f"u-{i}"} for i in range(n)]


def requester(lean: PagedLean) -> Requester:
    return lean


def test_customers_page_with_page_number_and_page_size_from_zero() -> None:
    lean = PagedLean(customers(45))

    listed = list(Customers(requester(lean)).list(page_size=10))

    assert [c["customer_id"] for c in listed] == [f"c-{i}" for i in range(45)]
    assert [q for _, _, q in lean.sent] == [{"page_number": n, "page_size": 10} for n in range(5)]
    assert {path for _, path, _ in lean.sent} == {"/customers/v1"}


def test_entities_list_pages_with_page_number_and_sends_the_date_range() -> None:
    lean = PagedLean([{"id": f"e-{i}"} for i in range(3)])

    listed = list(
        Entities(requester(lean)).list(start_date="2026-01-01", end_date="2026-01-31", page_size=2)
    )

    assert len(listed) == 3
    assert lean.sent[0] == (
        "GET",
        "/customers/v1/entities",
        {"start_date": "2026-01-01", "end_date": "2026-01-31", "page_number": 0, "page_size": 2},
    )


def test_data_pages_with_page_and_size_and_reads_leans_nested_list() -> None:
    lean = PagedLean([{"account_id": f"a-{i}"} for i in range(5)], names=("page", "size"))

    accounts = list(Data(requester(lean)).accounts("e-1", page_size=2))

    assert [a["account_id"] for a in accounts] == [f"a-{i}" for i in range(5)]
    assert [q for _, _, q in lean.sent] == [
        {"entity_id": "e-1", "page": n, "size": 2} for n in range(3)
    ]


def test_a_server_ignoring_the_names_gives_each_item_once_and_two_calls() -> None:
    # 45 customers, but the server answers page 0 (10 items, total_pages 5) every time.
    lean = PagedLean(customers(45), ignore_names=True, echo_number=False)

    with capture_logs() as logs:
        listed = list(Customers(requester(lean)).list(page_size=10))

    assert [c["customer_id"] for c in listed] == [f"c-{i}" for i in range(10)]
    assert len(lean.sent) == 2
    (stopped,) = [e for e in logs if e["event"] == "api.listing_stopped"]
    assert stopped["endpoint"] == "GET /customers/v1"
    assert stopped["reason"] == "the page repeats one already listed"


def test_a_page_number_other_than_the_one_asked_stops_before_yielding_it() -> None:
    lean = PagedLean(customers(45), ignore_names=True, echo_number=True)

    with capture_logs() as logs:
        listed = list(Customers(requester(lean)).list(page_size=10))

    assert len(listed) == 10
    assert len(lean.sent) == 2
    (stopped,) = [e for e in logs if e["event"] == "api.listing_stopped"]
    assert stopped["reason"] == "asked for page 1, Lean answered page 0"


@pytest.mark.parametrize("total_pages", [None, 1000])
def test_an_empty_page_ends_the_listing_whatever_total_pages_says(total_pages: Any) -> None:
    lean = PagedLean(customers(25), total_pages=total_pages)

    listed = list(Customers(requester(lean)).list(page_size=10))

    assert len(listed) == 25
    assert len(lean.sent) == 4  # pages 0, 1, 2 and the empty page 3


def test_total_pages_ends_the_listing_without_an_extra_call() -> None:
    lean = PagedLean(customers(20))

    assert len(list(Customers(requester(lean)).list(page_size=10))) == 20
    assert len(lean.sent) == 2


def test_listing_is_lazy() -> None:
    lean = PagedLean(customers(30))

    listing = Customers(requester(lean)).list(page_size=10)
    assert lean.sent == []
    first = next(listing)

    assert first["customer_id"] == "c-0"
    assert len(lean.sent) == 1


def test_max_pages_raises_rather_than_truncating() -> None:
    lean = PagedLean(customers(45))

    listing = Customers(requester(lean)).list(page_size=10, max_pages=3)
    with pytest.raises(LeanAPIError) as caught:
        list(listing)

    assert len(lean.sent) == 3
    assert str(caught.value) == (
        "Lean answered 200 no Lean status code to GET /customers/v1: the listing goes on "
        "past max_pages=3 pages (pass max_pages= above 3, or narrow the listing)"
    )
    assert DEFAULT_MAX_PAGES == 10_000


@pytest.mark.parametrize(
    ("total_pages", "shown"),
    [("many", "'many' (string)"), (2.5, "2.5 (number)"), (True, "True (boolean)"), (-1, "-1")],
)
def test_a_total_pages_that_is_not_a_whole_number_is_a_lean_api_error(
    total_pages: Any, shown: str
) -> None:
    lean = PagedLean(customers(3), total_pages=total_pages)

    with pytest.raises(LeanAPIError, match=re.escape(f"page.total_pages on page 0 is {shown}")):
        list(Customers(requester(lean)).list())


@pytest.mark.parametrize(
    ("item", "kind"), [("c-1", "string"), (7, "number"), (None, "null"), ([1], "array")]
)
def test_an_item_that_is_not_an_object_is_a_lean_api_error(item: Any, kind: str) -> None:
    lean = PagedLean([{"customer_id": "c-0"}, item])

    with pytest.raises(LeanAPIError) as caught:
        list(Customers(requester(lean)).list())

    assert isinstance(caught.value, ConnectorError)  # the sync job fails that entity only
    assert f"item 1 of data on page 0 is a JSON {kind}, not an object" in str(caught.value)


def test_a_body_that_is_not_a_page_is_a_lean_api_error() -> None:
    class Odd(PagedLean):
        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            return "not a page"

    with pytest.raises(LeanAPIError, match="page 0 is a JSON string, not an object or a list"):
        list(Customers(requester(Odd([]))).list())


def test_refunds_list_one_page_of_size_and_warn_when_lean_has_more() -> None:
    class RefundsLean(PagedLean):
        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            self.sent.append((method, path, dict(kwargs.get("params") or {})))
            return {"content": [{"refund_id": "r-1"}], "page": {"number": 0, "total_pages": 4}}

    lean = RefundsLean([])
    with capture_logs() as logs:
        refunds = list(Refunds(requester(lean)).list(status="PENDING", size=25))

    assert refunds == [{"refund_id": "r-1"}]
    assert lean.sent == [("GET", "/payouts/refunds", {"status": "PENDING", "size": 25})]
    (warning,) = [e for e in logs if e["event"] == "api.listing_truncated"]
    assert warning["total_pages"] == 4


@pytest.mark.parametrize(("page_size", "max_pages"), [(0, 1), (1, 0), (True, 1), (1, "2")])
def test_bad_paging_arguments_are_refused_at_the_call(page_size: Any, max_pages: Any) -> None:
    lean = PagedLean([])

    with pytest.raises(InvalidRequestError, match=r"must be >= 1, got"):
        Customers(requester(lean)).list(page_size=page_size, max_pages=max_pages)
    assert lean.sent == []


def test_something_other_than_a_list_where_the_items_go_is_a_lean_api_error() -> None:
    class Odd(PagedLean):
        def request(self, method: str, path: str, **kwargs: Any) -> Any:
            return {"data": {"oops": 1}, "page": {"number": 0, "total_pages": 1}}

    with pytest.raises(LeanAPIError, match="page 0 has no list of items at data"):
        list(Customers(requester(Odd([]))).list())
