"""Unit tests of the planner's listing and the queue messages, without servers: Lean is a
scripted stand-in answering ``request()``, SQS a stand-in answering ``send_message_batch``.
The real paths run in tests/integration/sync/test_fleet.py against the sandbox and moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lean_connector.api import Entities
from lean_connector.errors import AWSStoreError, InvalidRequestError, LeanAPIError
from lean_connector.sync import EntityTask, list_all_entities
from lean_connector.sync._queue import send_entity_batch


class ScriptedLean:
    """``request()`` answers page N with ``pages[N]`` (or ``pages[-1]`` past the end), its
    ``page.number`` the one it served; ``entities`` is the real resource over it."""

    def __init__(self, pages: list[Any]) -> None:
        self.pages = pages
        self.params: list[dict[str, Any]] = []
        self.entities = Entities(self)

    def request(self, method: str, path: str, *, params: Any = None, **_: Any) -> Any:
        assert (method, path) == ("GET", "/customers/v1/entities")
        self.params.append(dict(params))
        served = min(params["page_number"], len(self.pages) - 1)
        body = self.pages[served]
        if isinstance(body.get("page"), dict):
            body = {**body, "page": {**body["page"], "number": served}}
        return body

    def new_idempotency_key(self) -> str:
        return "unused"


def page(ids: list[str], total_pages: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"data": [{"id": i, "customer_id": f"c-{i}"} for i in ids]}
    if total_pages is not None:
        body["page"] = {"number": 0, "size": 100, "total_pages": total_pages}
    return body


def test_entities_are_paged_with_lean_page_number_and_page_size() -> None:
    lean = ScriptedLean([page(["a", "b"], 2), page(["c"], 2)])
    assert [e["id"] for e in list_all_entities(lean)] == ["a", "b", "c"]  # type: ignore[arg-type]
    assert lean.params == [
        {"page_number": 0, "page_size": 100},
        {"page_number": 1, "page_size": 100},
    ]


def test_a_server_ignoring_the_page_number_stops_at_the_repeated_page() -> None:
    lean = ScriptedLean([page(["a", "b"], 10**9)])  # page 0 every time, total_pages lies
    assert [e["id"] for e in list_all_entities(lean)] == ["a", "b"]  # type: ignore[arg-type]
    assert len(lean.params) == 2


def test_an_empty_page_ends_the_listing_whatever_total_pages_says() -> None:
    lean = ScriptedLean([page(["a"], 10**9), page([], 10**9)])
    assert [e["id"] for e in list_all_entities(lean)] == ["a"]  # type: ignore[arg-type]


def test_a_total_pages_that_is_not_a_number_is_a_lean_error_naming_it() -> None:
    lean = ScriptedLean([page(["a"], "many")])
    with pytest.raises(LeanAPIError, match=r"page\.total_pages on page 0 is 'many'"):
        list(list_all_entities(lean))  # type: ignore[arg-type]


def test_a_body_without_a_data_list_is_a_lean_error_naming_it() -> None:
    lean = ScriptedLean([{"data": {"oops": 1}}])
    with pytest.raises(LeanAPIError, match="page 0 has no list of items at data"):
        list(list_all_entities(lean))  # type: ignore[arg-type]


GOOD = {
    "kind": "lean-connector.sync.entity",
    "run_id": "r1",
    "entity_id": "e1",
    "customer_id": "c1",
    "start_date": "2026-01-01",
    "end_date": "2026-01-31",
}


def test_a_message_round_trips() -> None:
    task = EntityTask.from_message(GOOD)
    assert task.to_message() == GOOD
    assert task.dedupe_id() == EntityTask.from_message(dict(GOOD)).dedupe_id()
    assert task.dedupe_id() != EntityTask.from_message({**GOOD, "run_id": "r2"}).dedupe_id()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"entity_id": ""}, "entity_id must be a non-empty string"),
        ({"run_id": None}, "run_id must be a non-empty string"),
        ({"run_id": "../up"}, "run_id must be 1-128 characters"),
        ({"start_date": "yesterday"}, "start_date must be a date YYYY-MM-DD"),
        ({"customer_id": 7}, "customer_id must be a string or null"),
    ],
)
def test_a_malformed_message_is_refused_with_the_field_named(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        EntityTask.from_message({**GOOD, **change})


class ScriptedSqs:
    """Fails the entries listed in ``fail`` on the first call; records every call."""

    def __init__(self, fail: dict[str, bool]) -> None:
        self.fail = fail  # entry Id -> SenderFault
        self.calls: list[list[dict[str, Any]]] = []

    def send_message_batch(self, **call: Any) -> Any:
        Entries = call["Entries"]  # noqa: N806 - boto3's name
        self.calls.append(Entries)
        failing = self.fail if len(self.calls) == 1 else {}
        return {
            "Successful": [
                {"Id": e["Id"], "MessageId": f"m-{e['Id']}"}
                for e in Entries
                if e["Id"] not in failing
            ],
            "Failed": [
                {"Id": e["Id"], "Code": "Oops", "SenderFault": failing[e["Id"]]}
                for e in Entries
                if e["Id"] in failing
            ],
        }


def tasks(n: int) -> list[EntityTask]:
    return [EntityTask.from_message({**GOOD, "entity_id": f"e{i}"}) for i in range(n)]


def test_entries_sqs_failed_are_sent_again_and_ids_come_back_in_order() -> None:
    sqs = ScriptedSqs({"1": False})
    assert send_entity_batch(sqs, "https://q/1/standard", tasks(3)) == ["m-0", "m-1", "m-2"]
    assert [len(call) for call in sqs.calls] == [3, 1]
    assert json.loads(sqs.calls[1][0]["MessageBody"])["entity_id"] == "e1"
    assert "MessageDeduplicationId" not in sqs.calls[0][0]


def test_an_entry_refused_for_the_senders_fault_is_an_aws_store_error() -> None:
    sqs = ScriptedSqs({"0": True})
    with pytest.raises(AWSStoreError, match="SQS refused 1 of 2 entity messages"):
        send_entity_batch(sqs, "https://q/1/standard", tasks(2))
    assert len(sqs.calls) == 1


def test_a_fifo_queue_gets_a_deduplication_id_per_run_and_entity() -> None:
    sqs = ScriptedSqs({})
    send_entity_batch(sqs, "https://q/1/sync.fifo", tasks(2))
    entries = sqs.calls[0]
    assert [e["MessageDeduplicationId"] for e in entries] == [t.dedupe_id() for t in tasks(2)]
    assert [e["MessageGroupId"] for e in entries] == ["e0", "e1"]


def test_a_batch_holds_one_to_ten_entities() -> None:
    with pytest.raises(InvalidRequestError, match="a batch holds 1 to 10 entities, got 11"):
        send_entity_batch(ScriptedSqs({}), "https://q/1/s", tasks(11))
