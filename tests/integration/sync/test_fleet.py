"""The fleet run in one process: planner, worker handler and status against the real local
Lean sandbox, a real moto S3 and SQS. The handlers are called as Lambda calls them, with
the SQS event shape built by ``lean_connector.testing.fleet`` from real received messages.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from lean_connector import aws_lambda
from lean_connector.client import LeanConnector
from lean_connector.errors import InvalidRequestError
from lean_connector.sync import plan_run, run_status
from lean_connector.testing.fleet import WorkerContext, sqs_event
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.cli import run_cli
from tests.support.fleet import END, REGION, START, FleetAws, make_fleet_aws, worker_env

pytestmark = pytest.mark.integration


@pytest.fixture
def fleet_aws(aws: Any) -> FleetAws:
    return make_fleet_aws(aws)


@pytest.fixture
def env(
    lean_sandbox: LeanSandbox, fleet_aws: FleetAws, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str]]:
    """The workers' LEAN_* environment, installed in this process for the handlers."""
    values = worker_env(lean_sandbox, fleet_aws)
    for name in [n for n in os.environ if n.startswith("LEAN_")]:
        monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    aws_lambda.reset()
    yield values
    aws_lambda.reset()


@pytest.fixture
def connector(env: dict[str, str]) -> Iterator[LeanConnector]:
    with LeanConnector.from_spec() as built:
        yield built


def plan(connector: LeanConnector, fleet: FleetAws, customers: list[str], run_id: str) -> Any:
    return plan_run(
        connector,
        output=fleet.output,
        queue_url=fleet.queue_url,
        customers=customers,
        start_date=START,
        end_date=END,
        run_id=run_id,
    )


def receive(fleet: FleetAws, n: int, *, visibility_s: int = 0) -> list[dict[str, Any]]:
    """Exactly ``n`` messages of the queue, as ReceiveMessage returns them."""
    sqs, got = fleet.client("sqs"), []
    while len(got) < n:
        batch = sqs.receive_message(
            QueueUrl=fleet.queue_url,
            MaxNumberOfMessages=min(10, n - len(got)),
            VisibilityTimeout=visibility_s or 30,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        assert batch, f"the queue held {len(got)} messages, not {n}"
        got += batch
    return got


def invoke(messages: list[dict[str, Any]], fleet: FleetAws) -> dict[str, Any]:
    event = sqs_event(messages, queue_url=fleet.queue_url, region=REGION)
    return aws_lambda.sync_handler(event, WorkerContext("req-fleet"))  # type: ignore[no-any-return]


def rows(fleet: FleetAws, run_id: str, kind: str) -> list[dict[str, Any]]:
    s3, found = fleet.client("s3"), []
    listed = s3.list_objects_v2(Bucket=fleet.bucket, Prefix=f"lean-sync/{run_id}/")
    for item in listed.get("Contents", []):
        if item["Key"].endswith(f"/{kind}.jsonl"):
            body = s3.get_object(Bucket=fleet.bucket, Key=item["Key"])["Body"].read().decode()
            found += [json.loads(line) for line in body.splitlines()]
    return found


def test_plan_writes_the_plan_and_enqueues_every_entity_once(
    lean_sandbox: LeanSandbox, connector: LeanConnector, fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(4, 3, 1, 2)  # 12 entities: two batches
    result = plan(connector, fleet_aws, list(seeded.customer_ids), "p1")
    assert (result.entities, result.batches, result.enqueued_now) == (12, 2, 12)
    assert result.plan == f"{fleet_aws.output}/p1/plan.json"
    messages = fleet_aws.drain()
    assert sorted(m["entity_id"] for m in messages) == sorted(seeded.entity_ids)
    assert {(m["run_id"], m["start_date"], m["end_date"]) for m in messages} == {("p1", START, END)}
    written = json.loads(
        fleet_aws.client("s3")
        .get_object(Bucket="fleet", Key="lean-sync/p1/plan.json")["Body"]
        .read()
    )
    assert [e["entity_id"] for e in written["entities"]] == list(seeded.entity_ids)
    assert written["window"] == {"start_date": START, "end_date": END}

    again = plan(connector, fleet_aws, list(seeded.customer_ids), "p1")
    assert (again.reused_plan, again.enqueued_now, again.batches_already_enqueued) == (True, 0, 2)
    assert fleet_aws.drain() == []
    with pytest.raises(InvalidRequestError, match="re-run it with the same dates"):
        plan_run(
            connector,
            output=fleet_aws.output,
            queue_url=fleet_aws.queue_url,
            start_date="2020-01-01",
            run_id="p1",
        )


def test_an_interrupted_plan_is_finished_without_re_sending_what_went_out(
    lean_sandbox: LeanSandbox, connector: LeanConnector, fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(25, 1, 1, 1)  # 25 entities: three batches
    plan(connector, fleet_aws, list(seeded.customer_ids), "p2")
    fleet_aws.drain()
    # As if the planner died after the first batch: the later batches' markers never came.
    s3 = fleet_aws.client("s3")
    for marker in ("000001", "000002"):
        s3.delete_object(Bucket="fleet", Key=f"lean-sync/p2/_enqueued/{marker}")
    # ...and a worker already finished one entity of the second batch.
    finished = seeded.entity_ids[12]
    s3.put_object(Bucket="fleet", Key=f"lean-sync/p2/entity={finished}/_done", Body=b"{}")
    again = plan(connector, fleet_aws, list(seeded.customer_ids), "p2")
    assert (again.enqueued_now, again.entities_already_done) == (14, 1)
    sent = sorted(m["entity_id"] for m in fleet_aws.drain())
    assert sent == sorted(e for e in seeded.entity_ids[10:] if e != finished)


def test_without_customers_the_plan_holds_every_entity_listed_by_lean(
    lean_sandbox: LeanSandbox, connector: LeanConnector, fleet_aws: FleetAws
) -> None:
    lean_sandbox.seed_customers(60, 2, 1, 1)  # more than one page of 100 entities
    every = [e["id"] for e in lean_sandbox.data.all_entities()]
    result = plan_run(connector, output=fleet_aws.output, queue_url=fleet_aws.queue_url)
    assert result.entities == len(every)
    assert lean_sandbox.counters.calls[("GET", "/customers/v1/entities")] >= 2
    assert sorted(m["entity_id"] for m in fleet_aws.drain()) == sorted(every)


def test_worker_reports_exactly_the_failed_entities_and_a_redelivery_adds_no_row(
    lean_sandbox: LeanSandbox, connector: LeanConnector, fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(3, 2, 2, 5)  # 6 entities
    plan(connector, fleet_aws, list(seeded.customer_ids), "w1")
    broken = seeded.entity_ids[2]
    lean_sandbox.faults.fail_entity(broken)
    messages = receive(fleet_aws, 6)
    by_entity = {json.loads(m["Body"])["entity_id"]: m["MessageId"] for m in messages}
    answer = invoke(messages, fleet_aws)
    assert answer["batchItemFailures"] == [{"itemIdentifier": by_entity[broken]}]
    assert answer["entities"]["done"] == 5

    status = run_status(
        fleet_aws.output, "w1", aws_region=REGION, aws_endpoint_url=fleet_aws.moto.endpoint_url
    )
    assert (status.planned, status.done, status.failed, status.missing) == (6, 5, 1, 0)
    assert status.complete is False
    (failed,) = status.failed_entities
    assert (failed["entity_id"], failed["lean_status"]) == (broken, "UNKNOWN_ENTITY")

    # Lambda redelivers the whole batch (say, the function timed out): nothing is refetched
    # for the five done entities, and the broken one, fixed now, is written once.
    lean_sandbox.faults.reset()
    lean_sandbox.counters.reset()
    for message in messages:
        message["Attributes"]["ApproximateReceiveCount"] = "2"
    again = invoke(messages, fleet_aws)
    assert again["batchItemFailures"] == []
    assert (again["entities"]["done"], again["entities"]["already_done"]) == (1, 5)
    assert lean_sandbox.counters.calls[("GET", "/data/v2/accounts")] == 1
    transactions = rows(fleet_aws, "w1", "transactions")
    expected = sum(
        len(lean_sandbox.data.transactions(e, a["account_id"], *_window()))
        for e in seeded.entity_ids
        for a in lean_sandbox.data.accounts(e)
    )
    assert len(transactions) == expected
    assert len({t["transaction_id"] for t in transactions}) == expected
    final = run_status(
        fleet_aws.output, "w1", aws_region=REGION, aws_endpoint_url=fleet_aws.moto.endpoint_url
    )
    assert (final.done, final.failed, final.missing, final.complete) == (6, 0, 0, True)


def _window() -> tuple[Any, Any]:
    import datetime as dt

    return dt.date.fromisoformat(START), dt.date.fromisoformat(END)


def test_a_malformed_record_fails_alone(
    lean_sandbox: LeanSandbox, connector: LeanConnector, fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 1)
    plan(connector, fleet_aws, list(seeded.customer_ids), "m1")
    (good,) = receive(fleet_aws, 1)
    bad = {
        **good,
        "MessageId": "bad-1",
        "Body": json.dumps(
            {
                "kind": "lean-connector.sync.entity",
                "run_id": "m1",
                "entity_id": "e",
                "start_date": "yesterday",
                "end_date": END,
            }
        ),
    }
    not_json = {**good, "MessageId": "bad-2", "Body": "{"}
    answer = invoke([good, bad, not_json], fleet_aws)
    assert answer["batchItemFailures"] == [{"itemIdentifier": "bad-1"}, {"itemIdentifier": "bad-2"}]
    assert answer["entities"]["done"] == 1


def test_sync_plan_handler_is_idempotent_for_a_retried_schedule(
    lean_sandbox: LeanSandbox, env: dict[str, str], fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 1)
    event = {
        "id": "0b7c6e1e-0000-4000-8000-000000000001",
        "source": "aws.events",
        "time": "2026-11-28T02:00:00Z",
        "detail": {"customers": list(seeded.customer_ids)},
    }
    first = aws_lambda.sync_plan_handler(event, WorkerContext("plan-1"))
    assert first["run_id"] == "plan-0b7c6e1e-0000-4000-8000-000000000001"
    assert (first["enqueued_now"], first["end_date"]) == (2, "2026-11-28")
    retried = aws_lambda.sync_plan_handler(event, WorkerContext("plan-2"))
    assert (retried["enqueued_now"], retried["reused_plan"]) == (0, True)
    assert len(fleet_aws.drain()) == 2


def test_cli_plan_then_status_exit_codes(
    lean_sandbox: LeanSandbox, env: dict[str, str], fleet_aws: FleetAws
) -> None:
    seeded = lean_sandbox.seed_customers(1, 2, 1, 1)
    customers = [a for c in seeded.customer_ids for a in ("--customer", c)]
    planned = run_cli(
        "sync", "plan", "--queue-url", fleet_aws.queue_url, "--run-id", "c1", *customers, env=env
    )
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["enqueued_now"] == 2
    assert "lean-connector sync status --run-id c1" in planned.stderr
    status = run_cli("sync", "status", "--run-id", "c1", env=env)
    assert status.returncode == 1
    assert json.loads(status.stdout)["missing"] == 2
    unknown = run_cli("sync", "status", "--run-id", "nope", env=env)
    assert unknown.returncode == 1
    assert "no plan.json under s3://fleet/lean-sync/nope" in unknown.stderr
    bad = run_cli("sync", "status", "--run-id", "../x", env=env)
    assert bad.returncode == 2
    assert "run_id must be 1-128 characters" in bad.stderr
    for message in receive(fleet_aws, 2):
        invoke([message], fleet_aws)
    done = run_cli("sync", "status", "--run-id", "c1", env=env)
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["done"] == 2
