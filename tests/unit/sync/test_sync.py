"""Unit tests of the sync job against an in-process stand-in for LeanConnector.

The stand-in (`FakeConnector`) is duck-typed on the few methods run_sync uses
(customers.list/entities, data.accounts/balances/transactions); it replaces the network
only, so these tests check the job's own logic: layout, counts, checkpoints, failures,
progress and argument checks. tests/integration/test_sync.py runs the same job against
the real local Lean sandbox and a real moto S3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lean_connector.cli._sync import add_arguments as add_sync_arguments
from lean_connector.cli._sync import run as cmd_sync
from lean_connector.errors import InvalidRequestError, LeanNotFoundError
from lean_connector.logs import capture_logs
from lean_connector.sync import entity_dir_name, resolve_window, run_sync

WINDOW = {"start_date": "2024-01-01", "end_date": "2024-01-31"}


class FakeConnector:
    """Stand-in for LeanConnector: customers c0..cN, each with entities, accounts, txns."""

    def __init__(
        self, customers: int = 3, entities: int = 2, accounts: int = 2, transactions: int = 3
    ) -> None:
        self.tree = {f"c{c}": [f"c{c}-e{e}" for e in range(entities)] for c in range(customers)}
        self.accounts_per_entity = accounts
        self.transactions_per_account = transactions
        self.failing: set[str] = set()
        self.failing_customers: set[str] = set()
        self.calls: list[tuple[str, str]] = []
        self.windows: set[tuple[str | None, str | None]] = set()
        self._lock = threading.Lock()
        self.customers = SimpleNamespace(list=self._list, entities=self._entities)
        self.data = SimpleNamespace(
            accounts=self._accounts, balances=self._balances, transactions=self._transactions
        )

    def _record(self, kind: str, key: str) -> None:
        with self._lock:
            self.calls.append((kind, key))

    def _not_found(self, what: str) -> LeanNotFoundError:
        return LeanNotFoundError(
            http_status=404,
            lean_status="UNKNOWN_ENTITY",
            lean_message=f"{what} not found",
            correlation_id="corr-404",
        )

    def _list(self) -> Iterator[dict[str, Any]]:
        for customer_id in self.tree:
            yield {"customer_id": customer_id, "app_user_id": f"user-{customer_id}"}

    def _entities(self, customer_id: str) -> list[dict[str, Any]]:
        self._record("entities", customer_id)
        if customer_id in self.failing_customers:
            raise self._not_found(customer_id)
        return [{"id": e, "bank": "LEANMB1"} for e in self.tree.get(customer_id, [])]

    def _accounts(self, entity_id: str) -> Iterator[dict[str, Any]]:
        self._record("accounts", entity_id)
        if entity_id in self.failing:
            raise self._not_found(entity_id)
        for a in range(self.accounts_per_entity):
            yield {"account_id": f"{entity_id}-a{a}", "name": "current"}

    def _balances(self, account_id: str, *, entity_id: str) -> dict[str, Any]:
        self._record("balances", account_id)
        return {"balance": 100.0, "currency_code": "AED"}

    def _transactions(
        self, account_id: str, *, entity_id: str, start_date: str, end_date: str
    ) -> Iterator[dict[str, Any]]:
        self._record("transactions", account_id)
        with self._lock:
            self.windows.add((start_date, end_date))
        for t in range(self.transactions_per_account):
            yield {"transaction_id": f"{account_id}-t{t}", "amount": -t}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def sync(connector: FakeConnector, out: Path | str, **kwargs: Any) -> Any:
    kwargs.setdefault("start_date", WINDOW["start_date"])
    kwargs.setdefault("end_date", WINDOW["end_date"])
    kwargs.setdefault("progress", False)
    return run_sync(connector, output=str(out), **kwargs)  # type: ignore[arg-type]


def test_full_run_writes_every_kind_per_entity_with_ids(tmp_path: Path) -> None:
    connector = FakeConnector(customers=3, entities=2, accounts=2, transactions=3)
    manifest = sync(connector, tmp_path, run_id="r1", workers=4)

    run = tmp_path / "r1"
    assert manifest.location == str(run)
    assert (manifest.ok, manifest.failed, manifest.skipped) == (6, 0, 0)
    assert manifest.counts == {"accounts": 12, "balances": 12, "transactions": 36}
    assert connector.windows == {("2024-01-01", "2024-01-31")}
    entity_dir = run / entity_dir_name("c1-e0")
    assert sorted(p.name for p in entity_dir.iterdir()) == [
        "_done",
        "accounts.jsonl",
        "balances.jsonl",
        "transactions.jsonl",
    ]
    transactions = read_rows(entity_dir / "transactions.jsonl")
    assert len(transactions) == 6
    assert {r["entity_id"] for r in transactions} == {"c1-e0"}
    assert {r["account_id"] for r in transactions} == {"c1-e0-a0", "c1-e0-a1"}
    assert {r["customer_id"] for r in transactions} == {"c1"}
    balances = read_rows(entity_dir / "balances.jsonl")
    assert [b["account_id"] for b in balances] == ["c1-e0-a0", "c1-e0-a1"]

    written = json.loads((run / "manifest.json").read_text())
    assert written["status"] == "complete"
    assert written["window"] == WINDOW
    assert written["counts"] == manifest.counts
    assert written["entities"] == {"total": 6, "ok": 6, "failed": 0, "skipped_already_done": 0}
    assert written["started_at"] <= written["ended_at"]


def test_only_the_customers_given_are_synced(tmp_path: Path) -> None:
    connector = FakeConnector(customers=3, entities=1)
    manifest = sync(connector, tmp_path, run_id="r1", customers=["c2"])
    assert manifest.ok == 1
    assert [p.name for p in (tmp_path / "r1").glob("entity=*")] == [entity_dir_name("c2-e0")]


def test_one_failing_entity_is_recorded_and_the_rest_finish(tmp_path: Path) -> None:
    connector = FakeConnector(customers=2, entities=2)
    connector.failing.add("c0-e1")
    manifest = sync(connector, tmp_path, run_id="r1", workers=3)

    assert (manifest.ok, manifest.failed) == (3, 1)
    assert manifest.status == "failed"
    [error] = manifest.errors
    assert (error.entity_id, error.customer_id) == ("c0-e1", "c0")
    assert (error.http_status, error.lean_status) == (404, "UNKNOWN_ENTITY")
    assert error.correlation_id == "corr-404"
    assert "UNKNOWN_ENTITY" in error.message
    # No half-written files for the failed entity, so consumers never read a partial one.
    assert not (tmp_path / "r1" / entity_dir_name("c0-e1")).exists()
    written = json.loads((tmp_path / "r1" / "manifest.json").read_text())
    assert written["errors"][0]["lean_status"] == "UNKNOWN_ENTITY"
    assert manifest.summary()["entities_failed"] == 1


def test_a_customer_whose_entities_cannot_be_listed_is_recorded(tmp_path: Path) -> None:
    connector = FakeConnector(customers=2, entities=1)
    connector.failing_customers.add("c1")
    manifest = sync(connector, tmp_path, run_id="r1")
    assert (manifest.ok, manifest.failed, manifest.customers_failed) == (1, 0, 1)
    assert manifest.errors[0].entity_id is None
    assert manifest.errors[0].customer_id == "c1"
    assert manifest.status == "failed"


def test_an_entity_shared_by_two_customers_is_synced_once(tmp_path: Path) -> None:
    connector = FakeConnector(customers=2, entities=1)
    connector.tree["c1"] = ["c0-e0"]
    manifest = sync(connector, tmp_path, run_id="r1")
    assert manifest.ok == 1
    assert [c for c in connector.calls if c[0] == "accounts"] == [("accounts", "c0-e0")]


def test_rerun_skips_done_entities_and_redoes_failed_and_partial_ones(tmp_path: Path) -> None:
    connector = FakeConnector(customers=2, entities=2, accounts=1, transactions=4)
    connector.failing.add("c1-e1")
    first = sync(connector, tmp_path, run_id="r1")
    assert (first.ok, first.failed) == (3, 1)
    # A crash after one file of c0-e0 was replaced and before its marker: simulate it.
    partial = tmp_path / "r1" / entity_dir_name("c0-e0")
    (partial / "_done").unlink()
    (partial / ".transactions.jsonl.tmp-dead").write_text('{"left": "by a crash"}\n')

    connector.failing.clear()
    connector.calls.clear()
    second = sync(connector, tmp_path, run_id="r1")

    assert (second.ok, second.failed, second.skipped) == (2, 0, 2)
    assert second.attempt == 2
    assert second.counts == {"accounts": 4, "balances": 4, "transactions": 16}
    assert sorted(e for kind, e in connector.calls if kind == "accounts") == ["c0-e0", "c1-e1"]
    assert sorted(p.name for p in partial.iterdir()) == [
        "_done",
        "accounts.jsonl",
        "balances.jsonl",
        "transactions.jsonl",
    ]
    ids = [
        r["transaction_id"]
        for p in (tmp_path / "r1").glob("*/transactions.jsonl")
        for r in read_rows(p)
    ]
    assert len(ids) == len(set(ids)) == 16
    written = json.loads((tmp_path / "r1" / "manifest.json").read_text())
    assert written["entities"]["skipped_already_done"] == 2
    assert written["errors"] == []


def test_resuming_with_another_window_is_refused(tmp_path: Path) -> None:
    connector = FakeConnector(customers=1, entities=1)
    sync(connector, tmp_path, run_id="r1")
    with pytest.raises(
        InvalidRequestError, match="started with the window 2024-01-01 to 2024-01-31"
    ):
        sync(connector, tmp_path, run_id="r1", start_date="2024-01-02")


def test_an_unexpected_error_in_one_entity_fails_that_entity_not_the_run(
    tmp_path: Path,
) -> None:
    connector = FakeConnector(customers=1, entities=2)
    real_accounts = connector.data.accounts

    def broken(entity_id: str) -> Iterator[dict[str, Any]]:
        if entity_id == "c0-e0":
            raise KeyError("unexpected")
        return real_accounts(entity_id)

    connector.data.accounts = broken
    with capture_logs() as events:
        manifest = sync(connector, tmp_path, run_id="r1")
    assert (manifest.ok, manifest.failed) == (1, 1)
    assert manifest.errors[0].error == "KeyError"
    assert json.loads((tmp_path / "r1" / "manifest.json").read_text())["status"] == "failed"
    (crash,) = [e for e in events if e["event"] == "sync.entity_crashed"]
    assert "KeyError" in crash["exception"]


def test_an_interrupt_aborts_the_run_and_marks_the_manifest(tmp_path: Path) -> None:
    connector = FakeConnector(customers=1, entities=1)

    def interrupted(entity_id: str) -> Iterator[dict[str, Any]]:
        raise KeyboardInterrupt

    connector.data.accounts = interrupted
    with pytest.raises(KeyboardInterrupt):
        sync(connector, tmp_path, run_id="r1")
    assert json.loads((tmp_path / "r1" / "manifest.json").read_text())["status"] == "aborted"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "workers must be an integer >= 1, got 0"),
        ({"start_date": "2024-02-01"}, "end_date 2024-01-31 is before start_date 2024-02-01"),
        ({"end_date": "2024-13-01"}, "end_date must be a date YYYY-MM-DD, got '2024-13-01'"),
        ({"run_id": "../escape"}, "run_id must be 1-128 characters"),
        ({"customers": "c0"}, "customers must be a list of non-empty customer ids"),
        ({"output": "ftp://host/x"}, "neither a directory nor s3://bucket/prefix"),
        ({"output": "s3:///prefix"}, "names no bucket"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(
    tmp_path: Path, kwargs: dict[str, Any], message: str
) -> None:
    connector = FakeConnector()
    output = kwargs.pop("output", str(tmp_path))
    with pytest.raises(InvalidRequestError, match=message.replace("(", r"\(")):
        sync(connector, output, **kwargs)
    assert connector.calls == []


def test_window_defaults_to_window_days_back_from_today() -> None:
    today = dt.date(2024, 3, 31)
    assert resolve_window(None, None, days=30, today=today) == (dt.date(2024, 3, 1), today)
    assert resolve_window("2024-03-10", None, today=today) == (dt.date(2024, 3, 10), today)


def test_progress_events_without_a_terminal(tmp_path: Path) -> None:
    connector = FakeConnector(customers=2, entities=3)
    with capture_logs() as events:
        # One worker: with several, entities finishing together would merge progress steps.
        sync(connector, tmp_path, run_id="r1", progress_every=2, workers=1)
    names = [e["event"] for e in events]
    assert names.count("sync.entity_done") == 6
    assert names.count("sync.progress") >= 3
    assert names[-1] == "sync.finished"
    last_progress = [e for e in events if e["event"] == "sync.progress"][-1]
    assert last_progress["entities_done"] == 6


def test_progress_bar_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with capture_logs() as events:  # keeps log lines out of the stream under test
        sync(FakeConnector(customers=1, entities=2), tmp_path, run_id="r1", progress=True)
    text = stream.getvalue()
    assert "sync.progress" not in [e["event"] for e in events]
    # One line, redrawn: the total is known from the start, then count, %, ETA and rate.
    assert text.count("\n") == 1
    assert text.endswith("\n")
    redraws = [part for part in text.rstrip("\n").split("\r") if part.strip()]
    assert all("/2 " in part for part in redraws), redraws
    assert redraws[-1].startswith("sync: 100%|")
    assert re.search(r" 2/2 \[\d\d:\d\d<00:00, ", redraws[-1]), redraws[-1]
    assert redraws[-1].endswith(" entities/s]")


def test_the_bar_counts_entities_done_by_an_earlier_attempt_and_names_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = FakeConnector(customers=2, entities=2)
    sync(connector, tmp_path, run_id="r1", customers=["c0"])
    connector.failing.add("c1-e1")
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    with capture_logs():
        sync(connector, tmp_path, run_id="r1", progress=True)
    final = stream.getvalue().rstrip("\n").split("\r")[-1]
    assert final.startswith("sync: 100%|")
    assert " 4/4 [" in final
    assert final.endswith(", 1 failed")


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lean-connector sync")
    add_sync_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--workers", "0"], "argument --workers: must be an integer >= 1 (the value is not"),
        (["--days", "x"], "argument --days: must be an integer >= 1 (the value is not shown)"),
        (["--start-date", "2024-02-30"], "argument --start-date: must be a date YYYY-MM-DD"),
    ],
)
def test_cli_flags_are_checked(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse(*argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_cli_refuses_days_with_start_date(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse("--days", "3", "--start-date", "2024-01-01")
    assert cmd_sync(args) == 2
    assert "--days and --start-date cannot be used together" in capsys.readouterr().err


def test_cli_flags_parse() -> None:
    args = parse("--customer", "a", "--customer", "b", "--end-date", "2024-01-02", "--run-id", "x")
    assert args.customers == ["a", "b"]
    assert args.end_date == dt.date(2024, 1, 2)
    assert (args.output, args.workers, args.days, args.start_date) == (None, None, None, None)


def test_without_a_terminal_tqdm_is_never_imported(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tests.unit.sync.test_sync import FakeConnector, sync\n"
        f"sync(FakeConnector(1, 2), {str(tmp_path)!r}, run_id='r1', progress=None)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'tqdm'))\n"
    )
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"  # stderr is a pipe here: events, no bar


def test_json_lines_keep_decimal_amounts_as_exact_numbers(tmp_path: Path) -> None:
    from decimal import Decimal

    from lean_connector.sync._layout import encode_row

    line = encode_row({"amount": {"amount": Decimal("0.10"), "currency": "AED"}, "id": "t-1"})

    assert line == b'{"amount":{"amount":0.10,"currency":"AED"},"id":"t-1"}\n'
