"""Fleet throughput: entities/s with 1, 2 and 4 worker processes on one SQS queue.

The fleet is the test harness's ``LocalFleet``: worker processes polling a moto SQS queue
like a Lambda event source mapping (batches of 10) and invoking ``sync_handler``, each with
``THREADS`` threads (``sync.workers``). 400 entities (100 customers x 4 entities x 4
accounts x 10 transactions, 9 Lean calls an entity), 50 ms injected latency on every Lean
call, mTLS, output to a local directory on tmpfs (S3 on moto would cost CPU per object and
this machine has 2 cores; the streaming S3 path is what ``bench/memory.py`` measures).

Each fleet size plans a fresh run onto a fresh queue first (latency off while planning),
then starts the workers; the figure is planned entities over the time from the first batch
received to the last batch finished (worker start-up, the same for every size, is left out
and reported apart). Each worker's pool has one thread, so the fleet stays bound by the
injected latency, not by the CPU: 4 workers keep at most 4 calls in flight (~80 calls/s).
With 2 threads a worker, 8 calls in flight already needed more CPU than this 2-core machine
had to spare while other jobs ran (3.1x measured on 2026-11-30, the CPU the bottleneck).
moto's ReceiveMessage costs CPU in proportion to the messages on the queue (~1 s for a
batch of 10 out of 400 here), so an entity does 9 calls (4 accounts) rather than 5: the
emulator's cost per entity stays small next to the 450 ms of injected latency.

Bar: 4 workers >= 3.5x the entities/s of 1 worker, and the sandbox's peak of concurrent
requests never above workers x threads (the cap ``maximum_concurrency x sync.workers``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from lean_connector._aws import client as aws_client
from lean_connector.client import LeanConnector
from lean_connector.sync import plan_run, run_status
from lean_connector.testing.aws import spec_env
from lean_connector.testing.fleet import LocalFleet
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.moto_process import MotoProcess

CUSTOMERS, ENTITIES_PER_CUSTOMER, ACCOUNTS_PER_ENTITY, TRANSACTIONS_PER_ACCOUNT = 100, 4, 4, 10
LATENCY_S = float(os.environ.get("BENCH_FLEET_LATENCY_S", "0.05"))
FLEET_SIZES = (1, 2, 4)
THREADS = 1
BATCH_SIZE = 10
BAR_RATIO = 3.5
REGION = "me-central-1"
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
}


def _window() -> tuple[str, str]:
    today = dt.date.today()
    return (today - dt.timedelta(days=30)).isoformat(), today.isoformat()


def _measure(
    sandbox: LeanSandbox, moto: MotoProcess, customers: list[str], workers: int, out: Path
) -> dict[str, Any]:
    sqs = aws_client("sqs", region=REGION, endpoint_url=moto.endpoint_url)
    queue_url = sqs.create_queue(QueueName=f"bench-fleet-{workers}")["QueueUrl"]
    overrides = sandbox.spec_overrides("mtls")
    overrides["secrets"] = {"aws_region": REGION, "aws_endpoint_url": moto.endpoint_url}
    overrides["sync"] = {"output": str(out), "queue_url": queue_url, "workers": THREADS}
    overrides["http"] = {"pool_size": THREADS}
    overrides["logging"] = {"level": "WARNING", "format": "json"}
    run_id = f"fleet-{workers}"
    start, end = _window()
    sandbox.faults.latency_s = 0
    with LeanConnector.from_spec(**overrides) as connector:
        planned = plan_run(
            connector,
            output=str(out),
            queue_url=queue_url,
            customers=customers,
            start_date=start,
            end_date=end,
            run_id=run_id,
        )
    sandbox.faults.latency_s = LATENCY_S
    sandbox.counters.reset()
    env = {**spec_env(overrides), **AWS_ENV}
    started = time.perf_counter()
    with LocalFleet(
        queue_url=queue_url,
        env=env,
        workers=workers,
        region=REGION,
        endpoint_url=moto.endpoint_url,
        batch_size=BATCH_SIZE,
        visibility_timeout_s=120,
    ) as fleet:
        fleet.wait_until(
            lambda: run_status(str(out), run_id).complete, timeout_s=600, interval_s=2.0
        )
        wall = time.perf_counter() - started
        fleet.stop()
        batches = [e for e in fleet.all_events() if e.get("event") == "fleet.batch"]
        ready = [e for e in fleet.all_events() if e.get("event") == "fleet.ready"]
    first = min(b["received_at"] for b in batches)
    last = max(b["ended_at"] for b in batches)
    seconds = last - first
    peak = sandbox.counters.peak_concurrent_requests
    return {
        "workers": workers,
        "threads_per_worker": THREADS,
        "entities": planned.entities,
        "seconds": round(seconds, 2),
        "entities_per_s": round(planned.entities / seconds, 2),
        "wall_seconds_with_startup": round(wall, 2),
        "batches": len(batches),
        "batches_with_failures": sum(1 for b in batches if b["kept"]),
        "workers_ready": len(ready),
        "peak_concurrent_requests": peak,
        "cap": workers * THREADS,
        "cap_held": peak <= workers * THREADS,
    }


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``fleet.json`` and ``fleet.md`` into ``results_dir``, return the figures."""
    for name, value in AWS_ENV.items():  # moto takes any credentials; boto3 wants some
        os.environ.setdefault(name, value)
    moto = MotoProcess().start()
    try:
        # tmpfs where there is one: the sink's fsyncs would otherwise queue behind whatever
        # else the disk is doing, and the disk is not what this benchmark measures.
        shm = "/dev/shm" if os.path.isdir("/dev/shm") else None
        with LeanSandbox() as sandbox, tempfile.TemporaryDirectory(dir=shm) as out:
            seeded = sandbox.seed_customers(
                CUSTOMERS, ENTITIES_PER_CUSTOMER, ACCOUNTS_PER_ENTITY, TRANSACTIONS_PER_ACCOUNT
            )
            customers = list(seeded.customer_ids)
            rows = [_measure(sandbox, moto, customers, n, Path(out)) for n in FLEET_SIZES]
    finally:
        moto.stop()
    by_size = {row["workers"]: row for row in rows}
    ratio = by_size[4]["entities_per_s"] / by_size[1]["entities_per_s"]
    cap_held = all(row["cap_held"] for row in rows)
    result: dict[str, Any] = {
        "entities": len(seeded.entity_ids),
        "layout": {
            "customers": CUSTOMERS,
            "entities_per_customer": ENTITIES_PER_CUSTOMER,
            "accounts_per_entity": ACCOUNTS_PER_ENTITY,
            "transactions_per_account": TRANSACTIONS_PER_ACCOUNT,
        },
        "api_calls_per_entity": 1 + 2 * ACCOUNTS_PER_ENTITY,
        "latency_s_per_call": LATENCY_S,
        "batch_size": BATCH_SIZE,
        "auth_mode": "mtls",
        "runs": rows,
        "ratio_4_over_1": round(ratio, 2),
        "bar_ratio_4_over_1_min": BAR_RATIO,
        "cap_held": cap_held,
        "bar_met": ratio >= BAR_RATIO and cap_held,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "fleet.json").write_text(json.dumps(result, indent=2) + "\n")
    table = _table(result)
    (results_dir / "fleet.md").write_text(table)
    print(table)
    return result


def _table(result: dict[str, Any]) -> str:
    lines = [
        "# bench/fleet",
        "",
        f"{result['entities']} entities, {result['api_calls_per_entity']} Lean calls each, "
        f"{int(result['latency_s_per_call'] * 1000)} ms injected latency per call, "
        f"{result['auth_mode']}, SQS on moto (batches of {result['batch_size']}), output on tmpfs "
        f"({result['measured_at']}, {result['cpus']} CPUs). Worker processes poll the queue "
        "like a Lambda event source mapping; each runs "
        f"{result['runs'][0]['threads_per_worker']} thread(s).",
        "",
        "| workers | seconds | entities/s | wall s (start-up incl.) | peak requests | cap |",
        "|--------:|--------:|-----------:|------------------------:|--------------:|----:|",
    ]
    for row in result["runs"]:
        lines.append(
            f"| {row['workers']} | {row['seconds']} | {row['entities_per_s']} | "
            f"{row['wall_seconds_with_startup']} | {row['peak_concurrent_requests']} | "
            f"{row['cap']} |"
        )
    verdict = "met" if result["ratio_4_over_1"] >= result["bar_ratio_4_over_1_min"] else "MISSED"
    cap = "never above the cap" if result["cap_held"] else "ABOVE THE CAP"
    lines += [
        "",
        f"4 workers / 1 worker = **{result['ratio_4_over_1']}x** "
        f"(bar >= {result['bar_ratio_4_over_1_min']}x: {verdict}); peak concurrent requests "
        f"{cap}.",
        "",
    ]
    return "\n".join(lines)
