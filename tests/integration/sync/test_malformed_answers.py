"""A malformed answer from Lean fails the entity that got it, never the sync run.

The sandbox's ``malformed_data`` switch breaks one entity's transaction pages (an item
that is not an object, a ``total_pages`` that is not a number, a server that ignores the
page number and announces 10**9 pages); the other entities finish, the run ends
``failed`` with that one entity recorded, and the command exits 1 with its summary, not
"internal error". Real sandbox over HTTPS, real files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from lean_connector.client import LeanConnector
from lean_connector.sync import run_sync
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration

START = (dt.date.today() - dt.timedelta(days=100)).isoformat()


@pytest.mark.parametrize("kind", ["item_not_object", "total_pages_not_number"])
def test_one_malformed_entity_fails_alone(
    kind: str, lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(3, 1, 1, 4)
    broken = seeded.entity_ids[1]
    lean_sandbox.faults.malformed_data(broken, kind)  # type: ignore[arg-type]
    with LeanConnector.from_spec(**lean_sandbox.spec_overrides("app_token")) as connector:
        manifest = run_sync(
            connector,
            output=str(tmp_path),
            customers=list(seeded.customer_ids),
            start_date=START,
            run_id="malformed",
            workers=2,
            progress=False,
        )
    assert (manifest.ok, manifest.failed) == (2, 1)
    [error] = manifest.errors
    assert error.entity_id == broken
    written = json.loads((tmp_path / "malformed" / "manifest.json").read_text())
    assert written["status"] == "failed"
    done = sorted(p.parent.name for p in (tmp_path / "malformed").glob("entity=*/_done*"))
    assert len(done) == 2


def test_the_command_reports_the_malformed_entity_and_exits_1(
    lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 3)
    lean_sandbox.faults.malformed_data(seeded.entity_ids[0], "item_not_object")
    spec = lean_sandbox.write_bundle(tmp_path / "bundle")["spec-app-token"]
    customers = [arg for c in seeded.customer_ids for arg in ("--customer", c)]
    result = run_cli(
        "sync", "--spec", str(spec), "--output", str(tmp_path / "out"),
        "--start-date", START, *customers,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr
    summary = json.loads(result.stdout)
    assert (summary["entities_ok"], summary["entities_failed"]) == (1, 1)
    assert summary["errors"][0]["entity_id"] == seeded.entity_ids[0]
