"""The sync job end to end: the real local Lean sandbox (HTTPS), real files, a real moto S3.

Nothing is mocked. Expected row counts come from the sandbox's own data store, so a
connector, pagination or writer bug shows up as a count mismatch. The crash test kills a
real child process with SIGKILL in the middle of a run and resumes it in this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lean_connector._aws import client as aws_client
from lean_connector.cli._sync import add_arguments as add_sync_arguments
from lean_connector.cli._sync import run as cmd_sync
from lean_connector.client import LeanConnector
from lean_connector.errors import ConnectorError
from lean_connector.logs import capture_logs
from lean_connector.sync import run_sync
from lean_connector.testing.sandbox import LeanSandbox, SeededData

pytestmark = pytest.mark.integration

REGION = "me-central-1"
TODAY = dt.date.today()
# The sandbox books transactions up to 90 days back: this window holds every one of them.
START, END = (TODAY - dt.timedelta(days=100)).isoformat(), TODAY.isoformat()


@pytest.fixture
def connector(lean_sandbox: LeanSandbox) -> Iterator[LeanConnector]:
    with LeanConnector.from_spec(**lean_sandbox.spec_overrides("mtls")) as built:
        yield built


def expected_rows(sandbox: LeanSandbox, entity_ids: list[str]) -> dict[str, int]:
    """Row counts straight from the sandbox's data store, for the window START..END."""
    counts = {"accounts": 0, "balances": 0, "transactions": 0}
    start, end = dt.date.fromisoformat(START), dt.date.fromisoformat(END)
    for entity_id in entity_ids:
        for account in sandbox.data.accounts(entity_id):
            counts["accounts"] += 1
            counts["balances"] += len(sandbox.data.balances(entity_id, account["account_id"]))
            found = sandbox.data.transactions(entity_id, account["account_id"], start, end)
            counts["transactions"] += len(found)
    return counts


def rows_on_disk(run: Path, kind: str) -> list[dict[str, Any]]:
    return [json.loads(line) for path in run.glob(f"entity=*/{kind}.jsonl") for line in path.open()]


def sync(connector: LeanConnector, output: str, seeded: SeededData, **kwargs: Any) -> Any:
    kwargs.setdefault("customers", list(seeded.customer_ids))
    return run_sync(
        connector, output=output, start_date=START, end_date=END, progress=False, **kwargs
    )


def test_full_run_writes_what_the_sandbox_holds(
    lean_sandbox: LeanSandbox, connector: LeanConnector, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(3, 2, 2, 70)  # > 50: transactions span two pages
    with capture_logs() as events:
        manifest = sync(connector, str(tmp_path), seeded, workers=4, run_id="full")

    expected = expected_rows(lean_sandbox, list(seeded.entity_ids))
    assert expected["transactions"] > 0
    assert manifest.counts == expected
    assert (manifest.ok, manifest.failed, manifest.skipped) == (6, 0, 0)
    run = tmp_path / "full"
    for kind, count in expected.items():
        assert len(rows_on_disk(run, kind)) == count
    transactions = rows_on_disk(run, "transactions")
    assert len({t["transaction_id"] for t in transactions}) == len(transactions)
    assert {t["entity_id"] for t in transactions} == set(seeded.entity_ids)
    assert {t["account_id"] for t in transactions} <= set(seeded.account_ids)
    written = json.loads((run / "manifest.json").read_text())
    assert written["status"] == "complete"
    assert written["window"] == {"start_date": START, "end_date": END}
    assert written["counts"] == expected
    assert lean_sandbox.counters.calls[("GET", "/data/v2/accounts/{account_id}/transactions")] > 12
    names = [e["event"] for e in events]
    assert names.count("sync.entity_done") == 6
    assert names[-1] == "sync.finished"
    # Nothing secret in the output or the logs (the app token doubles as client id here).
    everything = "".join(p.read_text() for p in run.rglob("*") if p.is_file()) + str(events)
    assert lean_sandbox.app_token not in everything


def test_without_customers_every_customer_is_synced_page_by_page(
    lean_sandbox: LeanSandbox, connector: LeanConnector, tmp_path: Path
) -> None:
    lean_sandbox.seed_customers(55, 1, 1, 2)  # more than one page of customers (50)
    entity_ids = [
        e["id"]
        for customer in lean_sandbox.data.customers()
        for e in lean_sandbox.data.entities(customer["customer_id"])
    ]
    manifest = run_sync(
        connector, output=str(tmp_path), start_date=START, end_date=END, workers=8, progress=False
    )
    assert manifest.ok == len(entity_ids) > 55
    assert manifest.counts == expected_rows(lean_sandbox, entity_ids)
    assert lean_sandbox.counters.calls[("GET", "/customers/v1")] >= 2  # Lean's path, no slash


def test_an_unknown_entity_is_recorded_and_the_rest_finish(
    lean_sandbox: LeanSandbox, connector: LeanConnector, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(2, 2, 1, 5)
    broken = seeded.entity_ids[1]
    lean_sandbox.faults.fail_entity(broken)
    manifest = sync(connector, str(tmp_path), seeded, workers=3, run_id="r404")

    assert (manifest.ok, manifest.failed) == (3, 1)
    [error] = manifest.errors
    assert error.entity_id == broken
    assert (error.http_status, error.lean_status) == (404, "UNKNOWN_ENTITY")
    assert error.correlation_id
    written = json.loads((tmp_path / "r404" / "manifest.json").read_text())
    assert written["status"] == "failed"
    assert written["entities"]["failed"] == 1
    assert written["errors"][0]["lean_status"] == "UNKNOWN_ENTITY"
    others = [e for e in seeded.entity_ids if e != broken]
    assert manifest.counts == expected_rows(lean_sandbox, others)


def cli_args(spec: Path, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lean-connector sync")
    parser.add_argument("--spec")
    add_sync_arguments(parser)
    return parser.parse_args(["--spec", str(spec), *argv])


@pytest.fixture
def spec_file(lean_sandbox: LeanSandbox, tmp_path: Path) -> Path:
    return lean_sandbox.write_bundle(tmp_path / "bundle")["spec-app-token"]


def test_killed_mid_run_then_resumed_has_no_duplicate_rows(
    lean_sandbox: LeanSandbox, spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = lean_sandbox.seed_customers(4, 3, 1, 6)
    total = len(seeded.entity_ids)
    customers = [arg for c in seeded.customer_ids for arg in ("--customer", c)]
    out = tmp_path / "out"
    argv = ["--output", str(out), "--run-id", "crash", "--start-date", START, "--end-date", END]
    argv += customers
    lean_sandbox.faults.latency_s = 0.1  # slow enough to kill it between entities
    run = out / "crash"
    child_log = tmp_path / "child.log"
    with child_log.open("wb") as log_file:
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lean_connector",
                "sync",
                "--spec",
                str(spec_file),
                "--workers",
                "2",
                *argv,
            ],
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            cwd=Path(__file__).resolve().parents[3],
        )
        try:
            deadline = time.monotonic() + 60
            while len(list(run.glob("entity=*/_done"))) < 3:
                assert child.poll() is None, child_log.read_text()
                assert time.monotonic() < deadline, "the child finished no entity in 60 s"
                time.sleep(0.01)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    done_at_kill = len(list(run.glob("entity=*/_done")))
    assert 3 <= done_at_kill < total, "the crash must leave work undone"
    assert json.loads((run / "manifest.json").read_text())["status"] == "running"

    lean_sandbox.faults.latency_s = 0
    lean_sandbox.counters.reset()
    assert cmd_sync(cli_args(spec_file, "--workers", "3", *argv)) == 0
    summary = json.loads(capsys.readouterr().out)

    assert summary["entities_skipped"] == done_at_kill
    assert summary["entities_ok"] == total - done_at_kill
    assert summary["entities_failed"] == 0
    expected = expected_rows(lean_sandbox, list(seeded.entity_ids))
    assert summary["counts"] == expected
    transactions = rows_on_disk(run, "transactions")
    assert len(transactions) == expected["transactions"]
    assert len({t["transaction_id"] for t in transactions}) == len(transactions)
    assert len(rows_on_disk(run, "accounts")) == expected["accounts"]
    # Only the unfinished entities were fetched again.
    assert lean_sandbox.counters.calls[("GET", "/data/v2/accounts")] == total - done_at_kill
    assert not [p for p in run.rglob(".*") if p.is_file()], "temp files left behind"
    written = json.loads((run / "manifest.json").read_text())
    assert written["entities"]["skipped_already_done"] == done_at_kill
    assert (written["status"], written["attempt"]) == ("complete", 2)


@pytest.fixture
def s3_connector(lean_sandbox: LeanSandbox, aws: Any) -> Iterator[LeanConnector]:
    overrides = lean_sandbox.spec_overrides("app_token")
    overrides["secrets"] = {"aws_region": REGION, "aws_endpoint_url": aws.endpoint_url}
    with LeanConnector.from_spec(**overrides) as built:
        yield built


def test_s3_output_lands_in_the_bucket_and_resumes(
    lean_sandbox: LeanSandbox, s3_connector: LeanConnector, aws: Any
) -> None:
    s3 = aws_client("s3", region=REGION, endpoint_url=aws.endpoint_url)
    s3.create_bucket(Bucket="lean-sync", CreateBucketConfiguration={"LocationConstraint": REGION})
    seeded = lean_sandbox.seed_customers(2, 2, 1, 4)
    lean_sandbox.faults.fail_entity(seeded.entity_ids[0])
    first = sync(s3_connector, "s3://lean-sync/exports/daily", seeded, run_id="s3run")
    assert first.location == "s3://lean-sync/exports/daily/s3run"
    assert (first.ok, first.failed) == (3, 1)

    # A crash between two puts of an entity leaves objects without a _done marker.
    half_done = f"exports/daily/s3run/entity={seeded.entity_ids[0]}/accounts.jsonl"
    s3.put_object(Bucket="lean-sync", Key=half_done, Body=b'{"stale": true}\n')
    lean_sandbox.faults.reset()
    second = sync(s3_connector, "s3://lean-sync/exports/daily/", seeded, run_id="s3run")
    assert (second.ok, second.skipped, second.failed) == (1, 3, 0)

    listed = s3.list_objects_v2(Bucket="lean-sync", Prefix="exports/daily/s3run/")
    keys = sorted(item["Key"] for item in listed["Contents"])
    assert len([k for k in keys if k.endswith("/_done")]) == 4
    assert "exports/daily/s3run/manifest.json" in keys
    transactions: list[dict[str, Any]] = []
    for key in keys:
        if key.endswith("/transactions.jsonl"):
            body = s3.get_object(Bucket="lean-sync", Key=key)["Body"].read().decode()
            transactions += [json.loads(line) for line in body.splitlines()]
    expected = expected_rows(lean_sandbox, list(seeded.entity_ids))
    assert len(transactions) == expected["transactions"] == second.counts["transactions"]
    assert len({t["transaction_id"] for t in transactions}) == len(transactions)
    rewritten = s3.get_object(Bucket="lean-sync", Key=half_done)["Body"].read().decode()
    assert "stale" not in rewritten
    assert len(rewritten.splitlines()) == len(lean_sandbox.data.accounts(seeded.entity_ids[0]))
    manifest = json.loads(
        s3.get_object(Bucket="lean-sync", Key="exports/daily/s3run/manifest.json")["Body"].read()
    )
    assert manifest["entities"] == {"total": 4, "ok": 1, "failed": 0, "skipped_already_done": 3}


def test_missing_s3_bucket_fails_before_any_call_to_lean(
    lean_sandbox: LeanSandbox, s3_connector: LeanConnector
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 1)
    lean_sandbox.counters.reset()
    with pytest.raises(ConnectorError) as raised:
        sync(s3_connector, "s3://no-such-bucket/prefix", seeded)
    assert str(raised.value) == (
        "S3 bucket 'no-such-bucket' does not exist: create it or fix --output (sync.output)"
    )
    assert sum(lean_sandbox.counters.calls.values()) == 0
    assert sum(lean_sandbox.counters.token_requests.values()) == 0


def test_cli_prints_the_summary_and_exits_1_when_an_entity_failed(
    lean_sandbox: LeanSandbox, spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seeded = lean_sandbox.seed_customers(1, 2, 1, 3)
    customers = [arg for c in seeded.customer_ids for arg in ("--customer", c)]
    out = tmp_path / "out"
    args = cli_args(
        spec_file,
        "--output",
        str(out),
        "--run-id",
        "cli",
        "--workers",
        "2",
        "--start-date",
        START,
        "--end-date",
        END,
        *customers,
    )
    assert cmd_sync(args) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["output"] == str(out / "cli")
    assert summary["manifest"] == str(out / "cli" / "manifest.json")
    assert summary["entities_ok"] == 2
    assert f"output in {out / 'cli'}" in captured.err

    lean_sandbox.faults.fail_entity(seeded.entity_ids[0])
    args = cli_args(spec_file, "--output", str(out), "--start-date", START, *customers)
    assert cmd_sync(args) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["entities_failed"] == 1
    assert summary["errors"][0]["lean_status"] == "UNKNOWN_ENTITY"


def test_cli_end_before_start_is_a_usage_error(
    spec_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = cli_args(
        spec_file,
        "--output",
        str(tmp_path / "out"),
        "--start-date",
        "2024-02-01",
        "--end-date",
        "2024-01-01",
    )
    assert cmd_sync(args) == 2
    assert "end_date 2024-01-01 is before start_date 2024-02-01" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cli_without_output_is_a_usage_error(
    spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cmd_sync(cli_args(spec_file)) == 2
    assert "no output: pass --output" in capsys.readouterr().err
