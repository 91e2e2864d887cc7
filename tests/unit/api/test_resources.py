"""Argument checks of the resources: bad input is refused with a clear message, before any call.

The connector here is a stand-in (``RecordingConnector``), not a mock of Lean: it only
records what the resources would have sent, so each test can assert that nothing was sent
when the arguments are wrong, and what was sent when they are right. The behaviour against a
real server is in tests/integration/test_client_modes.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from lean_connector.api import Banks, Customers, Data, Payments, Requester
from lean_connector.errors import InvalidRequestError


class RecordingConnector:
    """A :class:`Requester`: records request() calls and answers ``{}``."""

    def __init__(self, answer: Any = None) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.answer = {} if answer is None else answer

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        self.sent.append(
            (method, path, {"json": json, "params": params, "idempotency_key": idempotency_key})
        )
        return self.answer

    def new_idempotency_key(self) -> str:
        return "generated-key"


@pytest.fixture
def stand_in() -> RecordingConnector:
    return RecordingConnector()


def as_connector(stand_in: RecordingConnector) -> Requester:
    requester: Requester = stand_in  # checked by mypy: the stand-in is a Requester
    return requester


def refused(stand_in: RecordingConnector, call: Callable[[], Any], message: str) -> None:
    """``call`` raises InvalidRequestError whose text matches ``message``; nothing was sent."""
    # Not iterated: a paginating method must refuse at the call, not when first consumed.
    with pytest.raises(InvalidRequestError, match=message):
        call()
    assert stand_in.sent == []


# -- ids -----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["", "   ", None, 42])
def test_empty_or_non_string_ids_are_refused(stand_in: RecordingConnector, bad_id: Any) -> None:
    customers = Customers(as_connector(stand_in))
    data = Data(as_connector(stand_in))
    shown = re.escape(repr(bad_id))
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: customers.create(bad_id), "app_user_id"),
        (lambda: customers.get(bad_id), "customer_id"),
        (lambda: customers.get_by_app_user_id(bad_id), "app_user_id"),
        (lambda: customers.get_or_create(bad_id), "app_user_id"),
        (lambda: customers.entities(bad_id), "customer_id"),
        (lambda: data.accounts(bad_id), "entity_id"),
        (lambda: data.balances(bad_id, entity_id="e-1"), "account_id"),
        (lambda: data.balances("a-1", entity_id=bad_id), "entity_id"),
        (lambda: data.results(bad_id), "results_id"),
        (
            lambda: data.transactions(
                bad_id, entity_id="e-1", start_date="2026-01-01", end_date="2026-01-31"
            ),
            "account_id",
        ),
    ]
    for call, name in cases:
        refused(stand_in, call, f"^{name} must be a non-empty string, got {shown}$")


def test_ids_are_one_path_segment(stand_in: RecordingConnector) -> None:
    # A slash or '?' in an id must not reach another endpoint or smuggle a query string.
    Customers(as_connector(stand_in)).get("../banks/v1?x=1")

    assert stand_in.sent[0][1] == "/customers/v1/..%2Fbanks%2Fv1%3Fx%3D1"


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2026-02-30", "2026-03-01", "start_date must be a date YYYY-MM-DD, got '2026-02-30'"),
        ("yesterday", "2026-03-01", "start_date must be a date YYYY-MM-DD, got 'yesterday'"),
        ("2026-03-01", "01/03/2026", "end_date must be a date YYYY-MM-DD, got '01/03/2026'"),
        ("2026-03-01", None, "end_date must be a date YYYY-MM-DD, got None"),
        ("2026-03-02", "2026-03-01", "start_date 2026-03-02 is after end_date 2026-03-01: swap"),
    ],
)
def test_bad_transaction_windows_are_refused(
    stand_in: RecordingConnector, start: Any, end: Any, message: str
) -> None:
    data = Data(as_connector(stand_in))

    refused(
        stand_in,
        lambda: data.transactions("a-1", entity_id="e-1", start_date=start, end_date=end),
        re.escape(message),
    )


def test_a_good_window_is_sent_as_iso_dates(stand_in: RecordingConnector) -> None:
    data = Data(as_connector(stand_in))

    list(data.transactions("a-1", entity_id="e-1", start_date="2026-03-01", end_date="2026-03-01"))

    method, path, sent = stand_in.sent[0]
    assert (method, path) == ("GET", "/data/v2/accounts/a-1/transactions")
    assert sent["params"] == {
        "entity_id": "e-1",
        "start_date": "2026-03-01",
        "end_date": "2026-03-01",
        "page": 0,
        "size": 50,
    }


@pytest.mark.parametrize("page_size", [0, -5])
def test_page_size_below_one_is_refused_at_the_call(
    stand_in: RecordingConnector, page_size: int
) -> None:
    customers = Customers(as_connector(stand_in))
    data = Data(as_connector(stand_in))
    message = f"^page_size must be >= 1, got {page_size}$"

    refused(stand_in, lambda: customers.list(page_size=page_size), message)
    refused(stand_in, lambda: data.accounts("e-1", page_size=page_size), message)


# -- payments ------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["", "US", "DIRHAM", "123", "A D", None])
def test_bad_currency_is_refused(stand_in: RecordingConnector, currency: Any) -> None:
    payments = Payments(as_connector(stand_in))

    refused(
        stand_in,
        lambda: payments.create_intent(amount=10, currency=currency, customer_id="c-1"),
        re.escape(f"currency must be a 3-letter ISO 4217 code such as AED, got {currency!r}"),
    )


def test_payment_with_empty_customer_is_refused(stand_in: RecordingConnector) -> None:
    payments = Payments(as_connector(stand_in))

    refused(
        stand_in,
        lambda: payments.create_intent(amount=10, currency="AED", customer_id=""),
        "^customer_id must be a non-empty string, got ''$",
    )


def test_payment_gets_a_generated_idempotency_key_and_upper_case_currency(
    stand_in: RecordingConnector,
) -> None:
    Payments(as_connector(stand_in)).create_intent(
        amount=10, currency="aed", customer_id="c-1", description="rent"
    )

    method, path, sent = stand_in.sent[0]
    assert (method, path) == ("POST", "/payments/v1/intents")
    assert sent["idempotency_key"] == "generated-key"
    assert sent["json"] == {
        "amount": 10,
        "currency": "AED",
        "customer_id": "c-1",
        "description": "rent",
    }


def test_banks_list_accepts_a_bare_list(stand_in: RecordingConnector) -> None:
    stand_in.answer = [{"identifier": "ENBD_UAE"}]

    assert Banks(as_connector(stand_in)).list() == [{"identifier": "ENBD_UAE"}]
    assert stand_in.sent == [
        ("GET", "/banks/v1/", {"json": None, "params": None, "idempotency_key": None})
    ]
