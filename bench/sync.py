"""Sync throughput: entities per second at 1, 4 and 16 workers against the local sandbox.

200 entities (50 customers x 4 entities x 2 accounts), 50 ms of latency injected on every
API call, output to a local temp directory, mTLS. Every entity costs 5 sequential calls
(accounts, then balances and transactions per account), so one worker is bound by latency
and the pool should scale close to linearly. Goal: 16 workers >= 8x of 1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from lean_connector.client import LeanConnector
from lean_connector.sync import run_sync
from lean_connector.testing.sandbox import LeanSandbox

CUSTOMERS, ENTITIES_PER_CUSTOMER, ACCOUNTS_PER_ENTITY, TRANSACTIONS_PER_ACCOUNT = 50, 4, 2, 20
LATENCY_S = float(os.environ.get("BENCH_SYNC_LATENCY_S", "0.05"))
WORKERS = (1, 4, 16)
BAR_RATIO = 8.0


def _measure(sandbox: LeanSandbox, customers: list[str], workers: int) -> dict[str, Any]:
    overrides = sandbox.spec_overrides("mtls")
    overrides["http"] = {"pool_size": max(16, workers)}  # one pooled connection per worker
    overrides["logging"] = {"level": "WARNING", "format": "json"}
    today = dt.date.today()
    with LeanConnector.from_spec(**overrides) as connector, tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        manifest = run_sync(
            connector,
            output=out,
            customers=customers,
            start_date=today - dt.timedelta(days=30),
            end_date=today,
            workers=workers,
            run_id=f"bench-{workers}",
            progress=False,
        )
        seconds = time.perf_counter() - started
    if manifest.failed or manifest.customers_failed:
        raise RuntimeError(f"bench/sync: {manifest.failed} entities failed: {manifest.errors[:3]}")
    entities = manifest.ok
    return {
        "workers": workers,
        "entities": entities,
        "seconds": round(seconds, 2),
        "entities_per_s": round(entities / seconds, 2),
        "rows": manifest.counts,
    }


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``sync.json`` and ``sync.md`` into ``results_dir``, return the figures."""
    with LeanSandbox() as sandbox:
        seeded = sandbox.seed_customers(
            CUSTOMERS, ENTITIES_PER_CUSTOMER, ACCOUNTS_PER_ENTITY, TRANSACTIONS_PER_ACCOUNT
        )
        sandbox.faults.latency_s = LATENCY_S
        rows = [_measure(sandbox, list(seeded.customer_ids), workers) for workers in WORKERS]
    by_workers = {row["workers"]: row for row in rows}
    ratio = by_workers[16]["entities_per_s"] / by_workers[1]["entities_per_s"]
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
        "auth_mode": "mtls",
        "runs": rows,
        "ratio_16_over_1": round(ratio, 2),
        "bar_ratio_16_over_1_min": BAR_RATIO,
        "bar_met": ratio >= BAR_RATIO,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "sync.json").write_text(json.dumps(result, indent=2) + "\n")
    table = _table(result)
    (results_dir / "sync.md").write_text(table)
    print(table)
    return result


def _table(result: dict[str, Any]) -> str:
    lines = [
        "# bench/sync",
        "",
        f"{result['entities']} entities, {result['api_calls_per_entity']} API calls each, "
        f"{int(result['latency_s_per_call'] * 1000)} ms injected latency per call, "
        f"{result['auth_mode']}, local output ({result['measured_at']}, {result['cpus']} CPUs).",
        "",
        "| workers | seconds | entities/s |",
        "|--------:|--------:|-----------:|",
    ]
    for row in result["runs"]:
        lines.append(f"| {row['workers']} | {row['seconds']} | {row['entities_per_s']} |")
    verdict = "met" if result["bar_met"] else "MISSED"
    lines += [
        "",
        f"16 workers / 1 worker = **{result['ratio_16_over_1']}x** "
        f"(bar >= {result['bar_ratio_16_over_1_min']}x: {verdict}).",
        "",
    ]
    return "\n".join(lines)
