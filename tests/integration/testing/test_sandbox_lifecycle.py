"""The sandbox's lifecycle: spec overrides and bundle files, the CLI server, the pytest
plugin and its reset between tests."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from lean_connector.spec import load_spec, resolve_endpoints
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import session

pytestmark = pytest.mark.integration


# -- specs, files, CLI and the pytest plugin -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "listener"), [("mtls", "mtls_url"), ("oauth", "api_url"), ("app_token", "api_url")]
)
def test_spec_overrides_load_as_a_spec(lean_sandbox: LeanSandbox, mode: str, listener: str) -> None:
    overrides = lean_sandbox.spec_overrides(mode)
    spec = load_spec(**overrides)
    assert spec.auth.mode == mode
    assert resolve_endpoints(spec).api == getattr(lean_sandbox, listener)
    assert resolve_endpoints(spec).token_url == lean_sandbox.token_url
    references = [
        v
        for section in overrides.values()
        if isinstance(section, dict)
        for v in section.values()
        if str(v).startswith("file://")
    ]
    assert references
    for reference in references:
        path = Path(reference.removeprefix("file://"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(ValueError, match="mode must be one of mtls, oauth, app_token, got 'basic'"):
        lean_sandbox.spec_overrides("basic")


def test_work_directory_is_removed_on_stop() -> None:
    sandbox = LeanSandbox().start()
    key = Path(sandbox.spec_overrides("mtls")["mtls"]["private_key"].removeprefix("file://"))
    assert key.parent == sandbox.workdir
    assert key.exists()
    sandbox.stop()
    assert not key.parent.exists()
    assert sandbox.workdir is None
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.mtls_url


def test_write_bundle_specs_are_valid_and_usable(lean_sandbox: LeanSandbox, tmp_path: Path) -> None:
    written = lean_sandbox.write_bundle(tmp_path / "bundle")
    assert {p.name for p in written.values()} == {
        "ca_chain.pem",
        "client_cert.pem",
        "client_key.pem",
        "app_token.txt",
        "client_secret.txt",
        "spec-mtls.yaml",
        "spec-oauth.yaml",
        "spec-app-token.yaml",
        "lean-connector-spec.schema.json",
    }
    assert stat.S_IMODE((tmp_path / "bundle").stat().st_mode) == 0o700
    for mode in ("mtls", "oauth", "app_token"):
        spec = load_spec(written[f"spec-{mode.replace('_', '-')}"])
        assert spec.auth.mode == mode
        assert spec.environment == "sandbox"
    app_token = Path(str(load_spec(written["spec-mtls"]).auth.app_token).removeprefix("file://"))
    assert app_token.read_text() == lean_sandbox.app_token


def test_serve_forever_cli_runs_until_sigterm_and_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "sandbox"
    code = "from pathlib import Path; import sys; from lean_connector.testing.sandbox import "
    code += f"serve_forever_cli; sys.exit(serve_forever_cli(Path({str(out)!r})))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    ) as child:
        try:
            assert child.stdout is not None
            summary = json.loads(child.stdout.readline())
            app_token = Path(summary["files"]["app_token"]).read_text()
            assert app_token not in json.dumps(summary)
            with session(Path(summary["files"]["ca_chain"])) as http:
                response = http.get(
                    f"{summary['api_url']}/banks/v1/", headers={"lean-app-token": app_token}
                )
            assert response.status_code == 200
            assert load_spec(summary["specs"]["oauth"]).endpoints.auth == summary["auth_url"]
        finally:
            child.send_signal(signal.SIGTERM)
            assert child.wait(timeout=30) == 0
    assert not out.exists()


def test_lean_sandbox_fixture_resets_the_shared_sandbox(
    lean_sandbox_session: LeanSandbox, request: pytest.FixtureRequest
) -> None:
    lean_sandbox_session.faults.rate_limit(3)
    lean_sandbox_session.counters.record_token_request("api")
    fresh: LeanSandbox = request.getfixturevalue("lean_sandbox")
    assert fresh is lean_sandbox_session
    assert fresh.faults.take_api_fault("GET") is None
    assert fresh.counters.token_requests == {}


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, lean_connector.testing.pytest_plugin; "
        "print(sorted(m for m in ('cryptography', 'lean_connector.testing.sandbox', 'requests') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"
