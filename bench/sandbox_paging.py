"""Sandbox paging cost: a page of transactions from an account holding 100 of them against
one holding 1,000,000, in the same sandbox and the same run.

Seeded data is computed per index (nothing is materialised), so a page should cost the same
whatever the account holds: O(page + log n), the log for the date-window bisection. Two
figures, each the median of per-round medians; within a round the two accounts alternate
request by request (each request timed alone), so load from other processes hits both:

- ``http``: ms per ``GET /data/v2/accounts/{id}/transactions?page=N&size=100`` over a
  keep-alive HTTPS session (what a client sees; pages spread over the whole account);
- ``in_process``: ms to build the same page body in the sandbox's store (no sockets), which
  isolates the sandbox's own cost from HTTP and JSON transport.

Bar: 1,000,000-transaction page / 100-transaction page <= 1.5 for both figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from lean_connector import __version__
from lean_connector.testing.sandbox import LeanSandbox

SIZES = (100, 1_000_000)
PAGE_SIZE = 100
ROUNDS = int(os.environ.get("BENCH_PAGING_ROUNDS", "9"))
REQUESTS_PER_ROUND = int(os.environ.get("BENCH_PAGING_REQUESTS", "60"))
RATIO_BAR = 1.5


def _measure(sandbox: LeanSandbox, http: requests.Session) -> dict[str, dict[int, list[float]]]:
    accounts = {}
    for size in SIZES:
        seeded = sandbox.seed_customers(1, 1, 1, size, app_user_prefix=f"bench-{size}")
        accounts[size] = (seeded.entity_ids[0], seeded.account_ids[0])
    rng = random.Random(7)

    def over_http(size: int) -> Callable[[int], Any]:
        entity, account = accounts[size]
        url = f"{sandbox.api_url}/data/v2/accounts/{account}/transactions"

        def call(number: int) -> Any:
            response = http.get(
                url, params={"entity_id": entity, "page": number, "size": PAGE_SIZE}
            )
            body = response.json()
            assert len(body["data"]["transactions"]) == min(PAGE_SIZE, size), body
            return body

        return call

    def in_process(size: int) -> Callable[[int], Any]:
        entity, account = accounts[size]

        def call(number: int) -> Any:
            listing = sandbox.data.transaction_listing(entity, account)
            start = number * PAGE_SIZE
            return json.dumps(listing.slice(start, start + PAGE_SIZE))

        return call

    variants = {"http": over_http, "in_process": in_process}
    rounds: dict[str, dict[int, list[float]]] = {name: {s: [] for s in SIZES} for name in variants}
    for make in variants.values():  # untimed warm-up: connection, caches, code paths
        for size in SIZES:
            for _ in range(5):
                make(size)(0)
    for _ in range(ROUNDS):
        for name, make in variants.items():
            calls = {size: make(size) for size in SIZES}
            samples: dict[int, list[float]] = {size: [] for size in SIZES}
            # The two sizes alternate request by request, so the load other processes put
            # on the machine falls on both alike; each request is timed on its own.
            for turn in range(REQUESTS_PER_ROUND * len(SIZES)):
                size = SIZES[turn % len(SIZES)]
                number = rng.randint(0, size // PAGE_SIZE - 1)
                started = time.perf_counter()
                calls[size](number)
                samples[size].append((time.perf_counter() - started) * 1000)
            for size in SIZES:
                rounds[name][size].append(statistics.median(samples[size]))
    return rounds


def run(results_dir: Path) -> dict[str, Any]:
    """Measure, write ``sandbox_paging.json`` and ``.md`` into ``results_dir``."""
    with LeanSandbox() as sandbox, tempfile.TemporaryDirectory() as directory:
        ca_chain = Path(directory) / "ca_chain.pem"
        ca_chain.write_bytes(sandbox.bundle.ca_chain_pem)
        with requests.Session() as http:
            http.trust_env = False
            http.verify = str(ca_chain)
            http.headers["lean-app-token"] = sandbox.app_token
            rounds = _measure(sandbox, http)
    small, large = SIZES
    median = {
        name: {str(size): round(statistics.median(values), 4) for size, values in by.items()}
        for name, by in rounds.items()
    }
    ratios = {
        name: round(median[name][str(large)] / median[name][str(small)], 3) for name in median
    }
    result: dict[str, Any] = {
        "benchmark": "sandbox_paging",
        "lean_connector_version": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "transactions_per_account": list(SIZES),
        "page_size": PAGE_SIZE,
        "rounds": ROUNDS,
        "requests_per_round": REQUESTS_PER_ROUND,
        "ms_per_page_median": median,
        "ms_per_page_by_round": {
            name: {str(size): [round(v, 4) for v in values] for size, values in by.items()}
            for name, by in rounds.items()
        },
        "ratio_million_over_hundred": ratios,
        "bar_ratio_max": RATIO_BAR,
        "bar_met": all(ratio <= RATIO_BAR for ratio in ratios.values()),
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "sandbox_paging.json").write_text(json.dumps(result, indent=2) + "\n")
    (results_dir / "sandbox_paging.md").write_text(_markdown(result))
    return result


def _markdown(result: dict[str, Any]) -> str:
    median, ratios = result["ms_per_page_median"], result["ratio_million_over_hundred"]
    small, large = (str(size) for size in result["transactions_per_account"])
    lines = [
        "# bench/sandbox_paging",
        "",
        f"A page of {result['page_size']} transactions from an account of {int(small):,} and "
        f"one of {int(large):,}, random pages, {result['rounds']} rounds of "
        f"{result['requests_per_round']} requests each, alternating; median ms per page (Python "
        f"{result['python']}, {result['cpus']} CPUs, {result['measured_at']}).",
        "",
        f"| figure | {int(small):,} transactions | {int(large):,} transactions | ratio |",
        "|---|---:|---:|---:|",
    ]
    for name, label in (("http", "HTTPS keep-alive GET"), ("in_process", "sandbox store only")):
        lines.append(
            f"| {label} | {median[name][small]:.3f} | {median[name][large]:.3f} | {ratios[name]} |"
        )
    verdict = "met" if result["bar_met"] else "MISSED"
    lines += ["", f"Bar: ratio <= {result['bar_ratio_max']} for both: {verdict}.", ""]
    return "\n".join(lines)
