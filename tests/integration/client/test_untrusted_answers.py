"""What Lean (or whatever answers in its place) sends back is not trusted blindly.

Only a 2xx is success: a 3xx is an error and its Location is never followed. A body past
``http.max_response_bytes`` is refused while it streams in, so its size never reaches
memory. Real sandbox over HTTPS, real subprocess CLI.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from lean_connector.client import LeanConnector
from lean_connector.errors import LeanAPIError
from lean_connector.sync import run_sync
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.cli import run_cli

pytestmark = pytest.mark.integration


@pytest.fixture
def connector(lean_sandbox: LeanSandbox) -> Iterator[LeanConnector]:
    with LeanConnector.from_spec(**lean_sandbox.spec_overrides("app_token")) as built:
        yield built


def _spec(lean_sandbox: LeanSandbox, tmp_path: Path) -> str:
    return str(lean_sandbox.write_bundle(tmp_path / "bundle")["spec-app-token"])


# -- 3xx ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_an_error_and_is_not_followed(
    status: int, lean_sandbox: LeanSandbox, connector: LeanConnector
) -> None:
    lean_sandbox.faults.redirect(1, status=status, location="/banks/v1/?followed=1")
    with pytest.raises(LeanAPIError) as caught:
        connector.request("GET", "/banks/v1/")
    assert caught.value.http_status == status
    assert f"Lean answered {status}" in str(caught.value)
    assert "redirect" in str(caught.value)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 1  # not followed


def test_request_command_exits_1_on_a_redirect_and_prints_nothing(
    lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    lean_sandbox.faults.redirect(1)
    result = run_cli("request", "GET", "/banks/v1/", "--spec", _spec(lean_sandbox, tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    assert "error: Lean answered 302" in result.stderr


def test_sync_does_not_report_complete_when_lean_redirects(
    lean_sandbox: LeanSandbox, connector: LeanConnector, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 3)
    lean_sandbox.faults.redirect(1000)
    manifest = run_sync(
        connector,
        output=str(tmp_path),
        customers=list(seeded.customer_ids),
        start_date="2000-01-01",
        run_id="redirected",
        progress=False,
    )
    written = json.loads((tmp_path / "redirected" / "manifest.json").read_text())
    assert written["status"] != "complete"
    assert manifest.ok == 0


# -- body size ---------------------------------------------------------------------------


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "until-close"])
def test_a_body_past_the_limit_is_refused_naming_the_setting(
    declare_length: bool, lean_sandbox: LeanSandbox
) -> None:
    overrides = lean_sandbox.spec_overrides("app_token")
    overrides["http"] = {"max_response_bytes": 1_000_000}
    lean_sandbox.faults.oversized_body(1, 5_000_000, declare_length=declare_length)
    with LeanConnector.from_spec(**overrides) as small:
        with pytest.raises(LeanAPIError) as caught:
            small.request("GET", "/banks/v1/")
        assert caught.value.http_status == 200
        assert "http.max_response_bytes" in str(caught.value)
        assert "1000000" in str(caught.value)
        # The connection was dropped, not poisoned: the next call works.
        assert small.banks.list()


def test_a_body_at_the_limit_is_read(lean_sandbox: LeanSandbox) -> None:
    overrides = lean_sandbox.spec_overrides("app_token")
    overrides["http"] = {"max_response_bytes": 1_000_000}
    lean_sandbox.faults.oversized_body(1, 1_000_000)
    with LeanConnector.from_spec(**overrides) as exact:
        assert len(exact.request("GET", "/banks/v1/")["pad"]) == 1_000_000 - 11


def test_a_150_mb_body_is_never_held_in_memory(
    lean_sandbox: LeanSandbox, connector: LeanConnector
) -> None:
    lean_sandbox.faults.oversized_body(1, 150_000_000, declare_length=False)
    tracemalloc.start()
    try:
        with pytest.raises(LeanAPIError, match=r"http\.max_response_bytes"):
            connector.request("GET", "/banks/v1/")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000_000, f"peak {peak} bytes while refusing a 150 MB body"
