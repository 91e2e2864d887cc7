"""A sync worker's peak memory does not grow with the size of an entity.

One entity with 2,000 transactions and one with 200,000 (20 accounts each, so 100 and
10,000 an account), each synced by a fresh worker process of the fleet harness (one
thread, batches of one) to S3 on moto by streaming multipart upload. The Lean sandbox runs
in a process of its own, so only the worker's memory is measured: its peak RSS (VmHWM of
/proc/<pid>/status) once the entity is done. The 200,000-transaction file is ~70 MB.

Bar: peak RSS with 200,000 transactions <= peak RSS with 2,000 + 25 MB.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lean_connector._aws import client as aws_client
from lean_connector.client import LeanConnector
from lean_connector.sync import plan_run, run_status
from lean_connector.testing.aws import spec_env
from lean_connector.testing.fleet import LocalFleet
from tests.support.moto_process import MotoProcess

ACCOUNTS = 20
SIZES = (2_000, 200_000)  # transactions of the one entity
BAR_GROWTH_MB = 25.0
REGION = "me-central-1"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}
ROOT = Path(__file__).resolve().parents[1]


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/<pid>/status (Linux only)")


def _measure(
    overrides: dict[str, Any], moto: MotoProcess, entity_id: str, customer: str, size: int
) -> dict[str, Any]:
    sqs = aws_client("sqs", region=REGION, endpoint_url=moto.endpoint_url)
    s3 = aws_client("s3", region=REGION, endpoint_url=moto.endpoint_url)
    queue_url = sqs.create_queue(QueueName=f"bench-memory-{size}")["QueueUrl"]
    output = "s3://bench-memory/sync"
    spec = dict(overrides)
    spec["secrets"] = {"aws_region": REGION, "aws_endpoint_url": moto.endpoint_url}
    spec["sync"] = {"output": output, "queue_url": queue_url, "workers": 1}
    spec["logging"] = {"level": "WARNING", "format": "json"}
    run_id = f"memory-{size}"
    today = dt.date.today()
    start, end = (today - dt.timedelta(days=100)).isoformat(), today.isoformat()
    with LeanConnector.from_spec(**spec) as connector:
        plan_run(
            connector,
            output=output,
            queue_url=queue_url,
            customers=[customer],
            start_date=start,
            end_date=end,
            run_id=run_id,
        )
    started = time.perf_counter()
    with LocalFleet(
        queue_url=queue_url,
        env={**spec_env(spec), **AWS_ENV},
        workers=1,
        batch_size=1,
        visibility_timeout_s=900,
        region=REGION,
        endpoint_url=moto.endpoint_url,
    ) as fleet:

        def finished() -> bool:
            return run_status(
                output, run_id, aws_region=REGION, aws_endpoint_url=moto.endpoint_url
            ).complete

        fleet.wait_until(finished, timeout_s=1800, interval_s=1.0)
        seconds = time.perf_counter() - started
        peak = _peak_rss_mb(fleet.processes[0].pid)
        fleet.stop()
    key = f"sync/{run_id}/entity={entity_id}/transactions.jsonl"
    head = s3.head_object(Bucket="bench-memory", Key=key)
    marker = json.loads(
        s3.get_object(Bucket="bench-memory", Key=f"sync/{run_id}/entity={entity_id}/_done")[
            "Body"
        ].read()
    )
    return {
        "transactions": size,
        "rows_written": marker["counts"]["transactions"],
        "file_mb": round(head["ContentLength"] / 2**20, 1),
        "multipart_parts": int(head["ETag"].strip('"').partition("-")[2] or 1),
        "seconds": round(seconds, 1),
        "worker_peak_rss_mb": round(peak, 1),
    }


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``memory.json`` and ``memory.md`` into ``results_dir``."""
    for name, value in AWS_ENV.items():  # moto takes any credentials; boto3 wants some
        os.environ.setdefault(name, value)
    moto = MotoProcess().start()
    shapes = [f"1:{ACCOUNTS}:{size // ACCOUNTS}" for size in SIZES]
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "bench._sandbox_process", *shapes],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, **AWS_ENV},
    )
    try:
        assert sandbox.stdout is not None
        hello = json.loads(sandbox.stdout.readline())
        s3 = aws_client("s3", region=REGION, endpoint_url=moto.endpoint_url)
        s3.create_bucket(
            Bucket="bench-memory", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        rows = []
        for size, (entity_id,) in zip(SIZES, hello["entity_ids"], strict=True):
            customer = _customer_of(hello["overrides"], entity_id)
            rows.append(_measure(hello["overrides"], moto, entity_id, customer, size))
    finally:
        if sandbox.stdin is not None:
            sandbox.stdin.close()
        sandbox.wait(timeout=60)
        moto.stop()
    growth = rows[1]["worker_peak_rss_mb"] - rows[0]["worker_peak_rss_mb"]
    complete = all(row["rows_written"] == row["transactions"] for row in rows)
    result: dict[str, Any] = {
        "accounts_per_entity": ACCOUNTS,
        "runs": rows,
        "peak_rss_growth_mb": round(growth, 1),
        "bar_growth_mb_max": BAR_GROWTH_MB,
        "bar_met": growth <= BAR_GROWTH_MB and complete,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "memory.json").write_text(json.dumps(result, indent=2) + "\n")
    table = _table(result)
    (results_dir / "memory.md").write_text(table)
    print(table)
    return result


def _customer_of(overrides: dict[str, Any], entity_id: str) -> str:
    """The entity's customer, asked of the sandbox over the API like any client."""
    quiet = {**overrides, "logging": {"level": "WARNING", "format": "json"}}
    with LeanConnector.from_spec(**quiet) as connector:
        for item in connector.request(
            "GET", "/customers/v1/entities", params={"page_number": 0, "page_size": 100}
        )["data"]:
            if item["id"] == entity_id:
                return str(item["customer_id"])
    raise RuntimeError(f"entity {entity_id} is not listed by the sandbox")


def _table(result: dict[str, Any]) -> str:
    lines = [
        "# bench/memory",
        "",
        f"One entity ({result['accounts_per_entity']} accounts) synced by one fleet worker "
        "process to S3 on moto by streaming multipart upload; the Lean sandbox in its own "
        f"process ({result['measured_at']}, {result['cpus']} CPUs).",
        "",
        "| transactions | rows written | file MB | parts | seconds | worker peak RSS MB |",
        "|-------------:|-------------:|--------:|------:|--------:|-------------------:|",
    ]
    for row in result["runs"]:
        lines.append(
            f"| {row['transactions']:,} | {row['rows_written']:,} | {row['file_mb']} | "
            f"{row['multipart_parts']} | {row['seconds']} | {row['worker_peak_rss_mb']} |"
        )
    verdict = "met" if result["bar_met"] else "MISSED"
    lines += [
        "",
        f"Peak RSS growth from 2,000 to 200,000 transactions: **{result['peak_rss_growth_mb']} "
        f"MB** (bar <= {result['bar_growth_mb_max']} MB: {verdict}).",
        "",
    ]
    return "\n".join(lines)
