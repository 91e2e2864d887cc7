"""The fleet for real: worker processes (``LocalFleet``) polling a moto SQS queue like a Lambda
event source mapping, syncing from the local Lean sandbox into a versioned moto S3 bucket.

The chaos test SIGKILLs a worker in the middle of an entity; after the visibility timeout
another worker receives the batch again and finishes it. Versioning lets the test count
how many times each entity's ``_done`` marker was written: exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.sync import plan_run, run_status
from lean_connector.testing.fleet import LocalFleet
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.fleet import END, REGION, START, FleetAws, make_fleet_aws, worker_env

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture
def fleet_aws(aws: Any) -> FleetAws:
    return make_fleet_aws(aws)


def _plan(
    sandbox: LeanSandbox, fleet: FleetAws, env: dict[str, str], customers: list[str], run_id: str
) -> None:
    overrides = sandbox.spec_overrides("app_token")
    overrides["secrets"] = {"aws_region": REGION, "aws_endpoint_url": fleet.moto.endpoint_url}
    with LeanConnector.from_spec(**overrides) as connector:
        plan_run(
            connector,
            output=fleet.output,
            queue_url=fleet.queue_url,
            customers=customers,
            start_date=START,
            end_date=END,
            run_id=run_id,
        )


def _status(fleet: FleetAws, run_id: str) -> Any:
    return run_status(
        fleet.output, run_id, aws_region=REGION, aws_endpoint_url=fleet.moto.endpoint_url
    )


def _expected_transactions(sandbox: LeanSandbox, entity_ids: list[str]) -> int:
    start, end = dt.date.fromisoformat(START), dt.date.fromisoformat(END)
    return sum(
        len(sandbox.data.transactions(e, a["account_id"], start, end))
        for e in entity_ids
        for a in sandbox.data.accounts(e)
    )


def _check_exactly_once(
    sandbox: LeanSandbox, fleet: FleetAws, run_id: str, entity_ids: list[str], local: LocalFleet
) -> dict[str, Any]:
    """Every entity done once: one _done version each, one sync.entity_done log line each,
    no duplicate row, nothing left on the queue or half uploaded. Returns the markers."""
    s3 = fleet.client("s3")
    prefix = f"lean-sync/{run_id}/"
    versions = s3.list_object_versions(Bucket=fleet.bucket, Prefix=prefix).get("Versions", [])
    written = Counter(v["Key"] for v in versions if v["Key"].endswith("/_done"))
    assert written == Counter({f"{prefix}entity={e}/_done": 1 for e in entity_ids})
    done_lines = Counter(
        e["entity_id"] for e in local.all_events("err") if e.get("event") == "sync.entity_done"
    )
    assert done_lines == Counter(dict.fromkeys(entity_ids, 1))
    transactions: list[dict[str, Any]] = []
    for entity_id in entity_ids:
        body = s3.get_object(
            Bucket=fleet.bucket, Key=f"{prefix}entity={entity_id}/transactions.jsonl"
        )
        transactions += [json.loads(line) for line in body["Body"].read().decode().splitlines()]
    assert len(transactions) == _expected_transactions(sandbox, entity_ids)
    assert len({t["transaction_id"] for t in transactions}) == len(transactions)
    assert s3.list_multipart_uploads(Bucket=fleet.bucket).get("Uploads", []) == []
    sqs = fleet.client("sqs")
    for url in (fleet.queue_url, fleet.dlq_url):
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert counts["ApproximateNumberOfMessages"] == "0", url
        assert counts["ApproximateNumberOfMessagesNotVisible"] == "0", url
    return {
        e: json.loads(
            s3.get_object(Bucket=fleet.bucket, Key=f"{prefix}entity={e}/_done")["Body"].read()
        )
        for e in entity_ids
    }


def test_two_workers_finish_a_planned_run(
    lean_sandbox: LeanSandbox, fleet_aws: FleetAws, tmp_path: Any
) -> None:
    seeded = lean_sandbox.seed_customers(12, 2, 1, 3)  # 24 entities, three batches of 10
    env = worker_env(lean_sandbox, fleet_aws, workers=2)
    _plan(lean_sandbox, fleet_aws, env, list(seeded.customer_ids), "two")
    with LocalFleet(
        queue_url=fleet_aws.queue_url,
        env=env,
        workers=2,
        region=REGION,
        endpoint_url=fleet_aws.moto.endpoint_url,
        log_dir=tmp_path,
    ) as fleet:
        fleet.wait_until(lambda: _status(fleet_aws, "two").complete, timeout_s=120)
        fleet.stop()
        _check_exactly_once(lean_sandbox, fleet_aws, "two", list(seeded.entity_ids), fleet)
        batches = [e for e in fleet.all_events() if e.get("event") == "fleet.batch"]
    assert sum(b["deleted"] for b in batches) == 24
    assert {b["worker"] for b in batches} == {0, 1}
    assert all(b["kept"] == [] and b["error"] is None for b in batches)


def test_a_worker_killed_mid_entity_is_finished_by_another_exactly_once(
    lean_sandbox: LeanSandbox, fleet_aws: FleetAws, tmp_path: Any
) -> None:
    seeded = lean_sandbox.seed_customers(6, 1, 1, 3)
    entity_ids = list(seeded.entity_ids)
    env = worker_env(lean_sandbox, fleet_aws, workers=1)
    _plan(lean_sandbox, fleet_aws, env, list(seeded.customer_ids), "chaos")
    lean_sandbox.counters.reset()
    lean_sandbox.faults.latency_s = 0.25  # an entity takes three calls: ~0.75 s
    with LocalFleet(
        queue_url=fleet_aws.queue_url,
        env=env,
        workers=1,
        batch_size=3,
        visibility_timeout_s=4,
        region=REGION,
        endpoint_url=fleet_aws.moto.endpoint_url,
        log_dir=tmp_path,
    ) as fleet:
        accounts = ("GET", "/data/v2/accounts")
        # The first entity's first call is being served: the worker is inside that entity.
        fleet.wait_until(
            lambda: lean_sandbox.counters.calls[accounts] >= 1, timeout_s=60, interval_s=0.01
        )
        fleet.kill(0)
        at_kill = _status(fleet_aws, "chaos")
        assert (at_kill.done, at_kill.planned) == (0, 6), "the kill must come mid-entity"
        assert not fleet.alive(0)
        fleet.add_worker()
        fleet.wait_until(lambda: _status(fleet_aws, "chaos").complete, timeout_s=120)
        fleet.stop()
        markers = _check_exactly_once(lean_sandbox, fleet_aws, "chaos", entity_ids, fleet)
        assert [e for e in fleet.events(0, "err") if e.get("event") == "sync.entity_done"] == []
    # The killed batch came back to the second worker after the visibility timeout.
    redelivered = sorted(e for e, marker in markers.items() if marker["attempt"] == 2)
    assert len(redelivered) == 3
    assert all(marker["run_id"] == "chaos" for marker in markers.values())
