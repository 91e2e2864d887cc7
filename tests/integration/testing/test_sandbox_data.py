"""Raw data v2 on the sandbox: Lean's envelope, ``page``/``size`` paging (other names
ignored), ids that must belong together, date windows, refreshes, and a million seeded
transactions that page correctly from end to end."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import assert_lean_error

pytestmark = pytest.mark.integration

TODAY = dt.date.today()
ENVELOPE = {
    "status",
    "results_id",
    "message",
    "meta",
    "timestamp",
    "status_detail",
    "refreshed_at",
    "type",
    "data",
}
# endpoint under /data/v2/accounts/{account_id}/ -> (type, list key)
PER_ACCOUNT = {
    "balances": ("balances", "balances"),
    "transactions": ("transactions", "transactions"),
    "identities": ("identities", "identities"),
    "beneficiaries": ("beneficiaries", "beneficiaries"),
    "direct-debits": ("direct-debits", "direct_debits"),
    "scheduled-payments": ("scheduled-payments", "scheduled_payments"),
    "standing-orders": ("standing-orders", "standing_orders"),
}


def _get(api: requests.Session, sandbox: LeanSandbox, path: str, **params: Any) -> Any:
    response = api.get(f"{sandbox.api_url}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _money(value: Any) -> None:
    assert set(value) == {"currency", "amount"}
    assert value["currency"] in ("AED", "SAR")
    assert isinstance(value["amount"], int | float)


def test_accounts_and_identity_in_lean_envelope(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    accounts = _get(api, lean_sandbox, "/data/v2/accounts", entity_id=entity)
    assert set(accounts) == ENVELOPE
    assert (accounts["status"], accounts["type"], accounts["meta"]) == ("OK", "accounts", None)
    assert set(accounts["data"]) == {"type", "accounts", "page"}
    listed = accounts["data"]["accounts"]
    assert [a["account_id"] for a in listed] == list(lean_sandbox.seeded.account_ids[:2])
    assert {a["entity_id"] for a in listed} == {entity}
    assert [s["scheme_name"] for s in listed[0]["account"]] == ["IBAN", "BBAN"]
    dt.date.fromisoformat(listed[0]["opening_date"])
    identity = _get(api, lean_sandbox, "/data/v2/identity", entity_id=entity)
    assert set(identity["data"]) == {"type", "account_id", "identities", "page"}
    (holder,) = identity["data"]["identities"]
    assert holder["entity_id"] == entity
    assert holder["full_legal_name"].startswith(holder["name"].split()[0])


@pytest.mark.parametrize("endpoint", list(PER_ACCOUNT))
def test_every_account_endpoint_answers_its_list_under_data(
    lean_sandbox: LeanSandbox, api: requests.Session, endpoint: str
) -> None:
    entity, account = lean_sandbox.seeded.entity_ids[0], lean_sandbox.seeded.account_ids[0]
    kind, key = PER_ACCOUNT[endpoint]
    body = _get(api, lean_sandbox, f"/data/v2/accounts/{account}/{endpoint}", entity_id=entity)
    assert set(body) == ENVELOPE
    assert body["type"] == body["data"]["type"] == kind
    items = body["data"][key]
    assert items
    assert body["data"]["page"]["total_elements"] == len(items)
    assert body == _get(api, lean_sandbox, f"/data/v2/results/{body['results_id']}")
    if endpoint == "transactions":
        _money(items[0]["amount"])
        assert items[0]["credit_debit_indicator"] in ("CREDIT", "DEBIT")
    if endpoint == "balances":
        _money(items[0]["amount"])
        assert {b["account_id"] for b in items} == {account}


def test_data_pages_use_page_and_size_and_ignore_other_names(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 120)
    entity, account = seeded.entity_ids[0], seeded.account_ids[0]
    path = f"/data/v2/accounts/{account}/transactions"
    pages = [
        _get(api, lean_sandbox, path, entity_id=entity, page=n, size=50)["data"] for n in range(4)
    ]
    assert [len(p["transactions"]) for p in pages] == [50, 50, 20, 0]
    assert pages[0]["page"] == {
        "number": 0,
        "size": 50,
        "total_elements": 120,
        "total_pages": 3,
        "sort": None,
    }
    ids = [t["transaction_id"] for p in pages for t in p["transactions"]]
    assert len(set(ids)) == 120
    assert ids == [t["transaction_id"] for t in lean_sandbox.data.transactions(entity, account)]
    first = _get(api, lean_sandbox, path, entity_id=entity, page_number=1, page_size=5)
    assert first["data"]["page"]["number"] == 0
    assert first["data"]["page"]["size"] == 50
    assert [t["transaction_id"] for t in first["data"]["transactions"]] == ids[:50]


def test_transaction_window_is_inclusive_and_optional(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 90)
    entity, account = seeded.entity_ids[0], seeded.account_ids[0]
    path = f"/data/v2/accounts/{account}/transactions"
    everything = lean_sandbox.data.transactions(entity, account)
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=10)
    window = _get(
        api,
        lean_sandbox,
        path,
        entity_id=entity,
        start_date=str(start),
        end_date=str(end),
        size=1000,
    )["data"]["transactions"]
    expected = [t for t in everything if str(start) <= t["booking_date_time"][:10] <= str(end)]
    assert window == expected
    assert 0 < len(window) < len(everything)
    booked = [t["booking_date_time"] for t in everything]
    assert booked == sorted(booked, reverse=True), "newest first"
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"size": "1001"}, "INVALID_PARAMETERS", "size must be an integer from 1 to 1000"),
        ({"page": "-1"}, "INVALID_PARAMETERS", "field: page"),
        ({"start_date": "01/02/2025"}, "INVALID_PARAMETERS", "start_date must be a date"),
        ({"start_date": str(end), "end_date": str(start)}, "INVALID_PARAMETERS", "after"),
        ({"entity_id": ""}, "MISSING_PARAMETERS", "entity_id is required"),
        ({"entity_id": "not-a-uuid"}, "INVALID_PARAMETERS", "field: entity_id"),
    ]
    url = f"{lean_sandbox.api_url}{path}"
    for params, code, text in cases:
        failed = api.get(url, params={"entity_id": entity, **params})
        assert_lean_error(failed, 400, code, text)
        assert uuid.UUID(failed.json()["results_id"])  # data errors carry one, as at Lean


def test_data_endpoints_check_that_ids_belong_together(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 3)
    base = f"{lean_sandbox.api_url}/data/v2/accounts"
    foreign = api.get(
        f"{base}/{seeded.account_ids[1]}/balances", params={"entity_id": seeded.entity_ids[0]}
    )
    assert_lean_error(foreign, 404, "UNKNOWN_ACCOUNT", "does not match an account")
    unknown = api.get(base, params={"entity_id": str(uuid.uuid4())})
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "did not match")


def test_a_million_transactions_page_correctly_from_first_to_last(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 1_000_000)
    entity, account = seeded.entity_ids[0], seeded.account_ids[0]
    path = f"/data/v2/accounts/{account}/transactions"

    def page(number: int) -> dict[str, Any]:
        return dict(_get(api, lean_sandbox, path, entity_id=entity, page=number, size=100)["data"])

    first, middle, last = page(0), page(5_000), page(9_999)
    assert first["page"]["total_elements"] == 1_000_000
    assert first["page"]["total_pages"] == 10_000
    assert [t["index"] for t in first["transactions"]] == list(range(100))
    assert [t["index"] for t in middle["transactions"]] == list(range(500_000, 500_100))
    assert [t["index"] for t in last["transactions"]][-1] == 999_999
    assert page(10_000)["transactions"] == []
    stamps = [t["booking_date_time"] for t in middle["transactions"]]
    assert stamps == sorted(stamps, reverse=True)
    oldest = last["transactions"][-1]["booking_date_time"][:10]
    assert str(TODAY - dt.timedelta(days=91)) <= oldest
    week = _get(
        api,
        lean_sandbox,
        path,
        entity_id=entity,
        start_date=str(TODAY - dt.timedelta(days=7)),
        end_date=str(TODAY - dt.timedelta(days=1)),
        size=10,
    )["data"]
    # Evenly spread over 90 days: 7 of them hold about 7/90 of the million.
    assert 70_000 < week["page"]["total_elements"] < 90_000


def test_refresh_is_triggered_once_until_it_finishes(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    entity = lean_sandbox.seed_customers(1, 1, 2, 1).entity_ids[0]
    url = f"{lean_sandbox.api_url}/data/v2/refreshes"
    triggered = api.post(url, json={"entity_id": entity})
    assert triggered.status_code == 200
    refresh = triggered.json()
    assert set(refresh) == {"refresh_id", "status", "message", "timestamp"}
    again = api.post(url, json={"entity_id": entity})
    assert_lean_error(again, 429, "DUPLICATED_REQUEST", "already pending")
    status = api.get(f"{url}/{refresh['refresh_id']}").json()
    assert status["status"] == "IN_PROGRESS"
    assert len(status["data_status"]["account_data"]) == 2
    assert api.get(f"{url}/{refresh['refresh_id']}").json()["status"] == "FINISHED"
    assert api.post(url, json={"entity_id": entity}).status_code == 200
    listed = api.get(url, params={"entity_id": entity}).json()
    assert set(listed) == {"content", "page"}
    assert [r["refresh_id"] for r in listed["content"]][-1] == refresh["refresh_id"]
    lean_sandbox.faults.fail_entity(entity)
    expired = api.post(url, json={"entity_id": entity})
    assert_lean_error(expired, 403, "CONSENT_EXPIRED", "connect the entity once again")
