"""`lean-connector doctor | token | request | link-session | sandbox` run as a real subprocess
against the local Lean sandbox (the session's :class:`LeanSandbox`, specs from write_bundle).

Every run is checked for leaked secrets: the sandbox's app token, client secret and the
client's private key must never reach stdout or stderr (the only exceptions are written out
where they happen: ``token --show`` prints the token, ``link-session`` prints LinkSDK's
``app_token`` and customer token, which the end user's browser needs).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from lean_connector.testing.certs import make_bundle
from lean_connector.testing.sandbox import BANKS, LeanSandbox
from tests.support.cli import one_line_error
from tests.support.cli import run_cli as run

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
MODES = ("mtls", "oauth", "app_token")


def secret_values(sandbox: LeanSandbox) -> dict[str, str]:
    """The values that must never be printed, by name (a line of the key's base64 body too)."""
    key_body = sandbox.bundle.client.key_pem.decode().splitlines()[1]
    return {
        "app_token": sandbox.app_token,
        "client_secret": sandbox.client_secret,
        "private key PEM": "PRIVATE KEY",
        "private key body": key_body,
    }


def assert_no_secrets(
    result: subprocess.CompletedProcess[str], sandbox: LeanSandbox, *, allow: tuple[str, ...] = ()
) -> None:
    output = result.stdout + result.stderr
    for name, value in secret_values(sandbox).items():
        if name not in allow:
            assert value not in output, f"{name} leaked: {output}"


def spec_path(bundle: dict[str, Path], mode: str) -> str:
    return str(bundle[f"spec-{mode.replace('_', '-')}"])


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def bundle(lean_sandbox: LeanSandbox, tmp_path: Path) -> dict[str, Path]:
    """The sandbox's specs and client files (file:// references) in a test directory."""
    return lean_sandbox.write_bundle(tmp_path / "bundle")


# -- doctor ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_doctor_passes_every_check(
    mode: str, lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("doctor", "--spec", spec_path(bundle, mode))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    expected = ["secret ", "TLS handshake", "GET /banks/v1/"]
    expected += ["client certificate"] if mode == "mtls" else []
    expected += ["token"] if mode == "oauth" else []
    for name in expected:
        assert any(line.startswith(f"PASS  {name}") for line in lines), (name, result.stdout)
    assert not [line for line in lines if line.startswith(("FAIL", "WARN"))], result.stdout
    if mode == "mtls":
        assert "with client certificate" in result.stdout
    assert_no_secrets(result, lean_sandbox)


def test_doctor_json_format_lists_each_check(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("doctor", "--spec", spec_path(bundle, "oauth"), "--format", "json")
    assert result.returncode == 0, result.stderr
    checks = {check["name"]: check["status"] for check in json.loads(result.stdout)}
    assert checks == {
        "secret auth.client_secret": "pass",
        "secret mtls.ca_chain": "pass",
        "client certificate": "skip",
        "TLS handshake": "pass",
        "token": "pass",
        "GET /banks/v1/": "pass",
    }


def test_doctor_says_a_missing_secret_file_does_not_exist(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    bundle["client_secret"].unlink()
    result = run("doctor", "--spec", spec_path(bundle, "oauth"))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    failed = lines.index(next(line for line in lines if line.startswith("FAIL  secret auth.")))
    assert f"file {bundle['client_secret']} does not exist" in lines[failed]
    assert lines[failed + 1].split("-> ", 1)[1] == (
        "the file does not exist: create it, or point auth.client_secret at the right path"
    )
    assert "IAM" not in result.stdout


def test_doctor_fails_on_a_closed_port_with_advice(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    port = closed_port()
    env = {"LEAN_ENDPOINTS__API": f"https://127.0.0.1:{port}"}
    result = run("doctor", "--spec", spec_path(bundle, "app_token"), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    fail = next(i for i, line in enumerate(lines) if line.startswith("FAIL "))
    assert "TLS handshake" in lines[fail]
    assert f"cannot connect to 127.0.0.1:{port}" in lines[fail]
    assert lines[fail + 1].strip() == "-> check endpoints.api"  # no proxy is set
    assert "doctor: 1 check(s) failed: TLS handshake" in result.stderr
    assert lean_sandbox.counters.calls == {}
    assert_no_secrets(result, lean_sandbox)


def test_doctor_names_the_proxy_when_https_proxy_is_set(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    port = closed_port()
    env = {
        "LEAN_ENDPOINTS__API": f"https://127.0.0.1:{port}",
        "HTTPS_PROXY": f"http://127.0.0.1:{closed_port()}",
    }
    result = run("doctor", "--spec", spec_path(bundle, "app_token"), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    advice = [line.strip() for line in result.stdout.splitlines() if "->" in line]
    assert advice == [
        "-> check endpoints.api; HTTPS_PROXY is set: this check connects directly while API "
        "calls go through the proxy, so where only the proxy is allowed out it fails although "
        "calls may work"
    ]


def test_doctor_fails_when_ca_chain_is_from_another_pki(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path], tmp_path: Path
) -> None:
    foreign = tmp_path / "foreign_ca_chain.pem"
    foreign.write_bytes(make_bundle().ca_chain_pem)
    env = {"LEAN_MTLS__CA_CHAIN": foreign.resolve().as_uri()}
    result = run("doctor", "--spec", spec_path(bundle, "oauth"), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    fail = next(i for i, line in enumerate(lines) if line.startswith("FAIL "))
    assert "TLS handshake" in lines[fail]
    assert "is not trusted: " in lines[fail]
    assert lines[fail + 1].strip() == (
        "-> check mtls.ca_chain matches this environment's Lean chain"
    )
    # Nothing after a failed handshake is attempted: no token was minted.
    assert [line.split()[0] for line in lines[fail + 2 :]] == ["SKIP", "SKIP"]
    assert lean_sandbox.counters.token_requests == {}
    assert_no_secrets(result, lean_sandbox)


# -- token -------------------------------------------------------------------------------------


def test_token_prints_scope_and_expiry_but_not_the_token(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("token", "--spec", spec_path(bundle, "oauth"))
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["scope"] == "api"
    assert 0 < printed["expires_in"] <= 3599
    assert "access_token" not in printed
    assert JWT.search(result.stdout + result.stderr) is None
    assert lean_sandbox.counters.token_requests == {"api": 1}  # a token was really minted
    assert_no_secrets(result, lean_sandbox)


def test_token_show_prints_a_token_the_sandbox_issued(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("token", "--spec", spec_path(bundle, "oauth"), "--show")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert lean_sandbox.verify_jwt(printed["access_token"])["scope"] == "api"
    assert printed["access_token"] not in result.stderr  # logs still redact it
    assert_no_secrets(result, lean_sandbox)


def test_token_for_a_customer_has_the_customer_scope(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    customer_id = lean_sandbox.seeded.customer_ids[0]
    result = run("token", "--spec", spec_path(bundle, "oauth"), "--customer", customer_id, "--show")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["scope"] == f"customer.{customer_id}"
    claims = lean_sandbox.verify_jwt(printed["access_token"])
    assert claims["scope"] == f"customer.{customer_id}"
    assert_no_secrets(result, lean_sandbox)


@pytest.mark.parametrize("mode", ["app_token", "mtls"])
def test_token_without_oauth_is_a_spec_error(
    mode: str, lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    line = one_line_error(run("token", "--spec", spec_path(bundle, mode)))
    assert f"token needs auth.mode=oauth, but the spec has auth.mode={mode}" in line
    assert lean_sandbox.counters.token_requests == {}


# -- request -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_request_get_banks_prints_json(
    mode: str, lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("request", "get", "/banks/v1/", "--spec", spec_path(bundle, mode))
    assert result.returncode == 0, result.stderr
    banks = json.loads(result.stdout)
    assert [bank["identifier"] for bank in banks] == [bank["identifier"] for bank in BANKS]
    assert_no_secrets(result, lean_sandbox)


def test_request_unknown_customer_exits_1_naming_lean_status_and_correlation_id(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run("request", "GET", "/customers/v1/nope", "--spec", spec_path(bundle, "oauth"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout == ""
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: Lean answered 404 UNKNOWN_ENTITY to GET /customers/v1/nope")
    assert re.search(r"\[lean-correlation-id=[0-9a-f-]{36}\]$", error), error
    assert_no_secrets(result, lean_sandbox)


BAD_REQUESTS = {
    "data-not-json": (("GET", "/banks/v1/", "--data", "{bad"), "error: --data is not valid JSON"),
    "param-without-equals": (
        ("GET", "/banks/v1/", "--param", "x"),
        "error: --param must be KEY=VALUE (the argument is not shown",
    ),
    "path-without-slash": (
        ("GET", "banks/v1/"),
        "error: PATH must start with '/', e.g. /banks/v1/ (the argument is not shown",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_request_with_bad_arguments_exits_2_before_sending(
    case: str, lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    arguments, message = BAD_REQUESTS[case]
    result = run("request", *arguments, "--spec", spec_path(bundle, "app_token"))
    assert one_line_error(result).startswith(message)
    assert lean_sandbox.counters.handshakes == {}  # nothing was sent, not even a connection


def test_request_unknown_method_is_refused_by_the_parser(bundle: dict[str, Path]) -> None:
    result = run("request", "FROB", "/banks/v1/", "--spec", spec_path(bundle, "app_token"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument method: invalid choice (not shown, in case it is a secret)" in result.stderr
    assert "FROB" not in result.stderr
    assert "'GET', 'POST', 'PUT', 'PATCH', 'DELETE'" in result.stderr


# -- link-session ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["app_token", "oauth"])
def test_link_session_prints_customer_and_permissions(
    mode: str, lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    app_user_id = f"cli-{uuid.uuid4()}"
    result = run("link-session", "--app-user-id", app_user_id, "--spec", spec_path(bundle, mode))
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["customer_id"]
    assert config["permissions"] == ["identity", "accounts", "balance", "transactions"]
    assert config["sandbox"] is True
    # LinkSDK needs the application id (the app token; with OAuth, the client id, which is
    # the same value at Lean) in the browser: it is printed as that field and nowhere else.
    assert config["app_token"] == lean_sandbox.app_token
    assert result.stdout.count(lean_sandbox.app_token) == 1
    if mode == "oauth":
        claims = lean_sandbox.verify_jwt(config["access_token"])
        assert claims["scope"] == f"customer.{config['customer_id']}"
    else:
        assert "access_token" not in config
    assert_no_secrets(result, lean_sandbox, allow=("app_token",))
    assert lean_sandbox.app_token not in result.stderr


@pytest.mark.parametrize(
    ("flow", "options", "expected"),
    [
        ("reconnect", ["--reconnect-id", "rc-1"], {"reconnect_id": "rc-1"}),
        ("pay", ["--payment-intent-id", "pi-1"], {"payment_intent_id": "pi-1"}),
        (
            "authorize_consent",
            [
                "--consent-id",
                "con-1",
                "--success-redirect-url",
                "https://shop.example/ok",
                "--fail-redirect-url",
                "https://shop.example/ko",
            ],
            {
                "consent_id": "con-1",
                "success_redirect_url": "https://shop.example/ok",
                "fail_redirect_url": "https://shop.example/ko",
            },
        ),
    ],
)
def test_link_session_prints_the_config_of_each_flow(
    flow: str,
    options: list[str],
    expected: dict[str, str],
    lean_sandbox: LeanSandbox,
    bundle: dict[str, Path],
) -> None:
    app_user_id = f"cli-{uuid.uuid4()}"
    result = run(
        "link-session",
        "--flow",
        flow,
        "--app-user-id",
        app_user_id,
        *options,
        "--spec",
        spec_path(bundle, "oauth"),
    )
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert {key: config[key] for key in expected} == expected
    assert config["app_token"] == lean_sandbox.app_token
    customer_id = lean_sandbox.data.customer_by_app_user_id(app_user_id)["customer_id"]
    claims = lean_sandbox.verify_jwt(config["access_token"])
    assert claims["scope"] == f"customer.{customer_id}"


def test_link_session_flow_without_its_id_is_a_usage_error(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run(
        "link-session",
        "--flow",
        "pay",
        "--app-user-id",
        "someone",
        "--spec",
        spec_path(bundle, "app_token"),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "link-session --flow pay needs --payment-intent-id" in result.stderr
    assert lean_sandbox.counters.handshakes == {}


def test_link_session_with_unknown_permission_is_refused_by_the_parser(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    result = run(
        "link-session",
        "--app-user-id",
        f"cli-{uuid.uuid4()}",
        "--permission",
        "nope",
        "--spec",
        spec_path(bundle, "app_token"),
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument --permission: invalid choice (not shown, in case it is a secret): " in (
        result.stderr
    )
    assert "'nope'" not in result.stderr
    assert "'beneficiaries'" in result.stderr  # the choices come from LINK_PERMISSIONS
    assert lean_sandbox.counters.handshakes == {}


def test_invalid_request_from_the_library_exits_2(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path]
) -> None:
    # An app_user_id of spaces passes argparse; the library refuses it (InvalidRequestError)
    # after the connector is built but before anything is sent.
    result = run("link-session", "--app-user-id", "  ", "--spec", spec_path(bundle, "app_token"))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: app_user_id must be a non-empty string, got '")
    assert lean_sandbox.counters.handshakes == {}


# -- sandbox -----------------------------------------------------------------------------------


def test_sandbox_command_serves_until_sigterm(tmp_path: Path) -> None:
    out = tmp_path / "sandbox"
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("LEAN_")}
    with subprocess.Popen(
        [sys.executable, "-m", "lean_connector", "sandbox", "--out", str(out)],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            summary = json.loads(child.stdout.readline())
            assert set(summary["specs"]) == set(MODES)
            # The running sandbox answers the CLI through the spec it wrote.
            banks = run("request", "GET", "/banks/v1/", "--spec", summary["specs"]["mtls"])
            assert banks.returncode == 0, banks.stderr
            app_token = Path(summary["files"]["app_token"]).read_text()
            assert app_token not in json.dumps(summary)
        finally:
            child.send_signal(signal.SIGTERM)
            _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0, stderr
    assert "PRIVATE KEY" not in stderr
    assert not out.exists()


def test_sandbox_command_seeds_data_and_arms_faults_before_the_first_request(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sandbox"
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("LEAN_")}
    argv = ["sandbox", "--out", str(out), "--customers", "3", "--entities", "2"]
    argv += ["--accounts", "1", "--transactions", "4", "--rate-limit", "1"]
    with subprocess.Popen(
        [sys.executable, "-m", "lean_connector", *argv],
        cwd=ROOT,
        env={**base, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            summary = json.loads(child.stdout.readline())
            seeded = summary["seeded"]
            assert (seeded["entities"], seeded["accounts"], seeded["transactions"]) == (2, 1, 4)
            assert len(seeded["customer_ids"]) == 3
            assert len(seeded["entity_ids"]) == 6
            assert summary["faults"] == {"rate_limit": 1}
            # The first call meets the armed 429 and is retried; the seeded data is there.
            spec = summary["specs"]["oauth"]
            customer = seeded["customer_ids"][0]
            entities = run("request", "GET", f"/customers/v1/{customer}/entities", "--spec", spec)
            assert entities.returncode == 0, entities.stderr
            assert len(json.loads(entities.stdout)) == 2
            retried = [json.loads(line) for line in entities.stderr.splitlines()]
            assert [e["status"] for e in retried if e["event"] == "http.request"][:2] == [429, 200]
        finally:
            child.send_signal(signal.SIGTERM)
            _, stderr = child.communicate(timeout=30)
    assert child.returncode == 0, stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--entities", "2"], "error: --entities shape the customers --customers adds"),
        (["--customers", "-1"], "argument --customers: must be an integer >= 0, got '-1'"),
        (["--latency", "soon"], "argument --latency: must be a number of seconds >= 0"),
    ],
)
def test_sandbox_command_refuses_bad_seeding_and_fault_options(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    result = run("sandbox", "--out", str(tmp_path / "sandbox"), *argv)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert not (tmp_path / "sandbox").exists()


def test_doctor_has_no_token_store_check_to_skip() -> None:
    # doctor resolves every secret_references() field; auth.token_store (written by the
    # refresher, empty at first) is not one, so doctor needs no special case for it.
    from lean_connector.spec import REFERENCE_FIELDS

    assert "auth.token_store" not in REFERENCE_FIELDS


# -- errors that name the real cause ------------------------------------------------------------


def test_sync_to_s3_without_aws_credentials_says_so_before_calling_lean(
    lean_sandbox: LeanSandbox, bundle: dict[str, Path], tmp_path: Path
) -> None:
    # A developer's shell with no AWS set-up at all: no keys, no profile files, no IMDS.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("AWS_", "LEAN_")) and "PROXY" not in k.upper()
    }
    env.update(
        PYTHONPATH=str(ROOT),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_EC2_METADATA_DISABLED="true",
        LEAN_SECRETS__AWS_REGION="me-central-1",
    )
    lean_sandbox.counters.reset()
    spec = spec_path(bundle, "oauth")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lean_connector",
            "sync",
            "--spec",
            spec,
            "--output",
            "s3://nobucket/x",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("error: cannot use the S3 output s3://nobucket/x/"), result.stderr
    assert "no usable AWS credentials were found (NoCredentialsError): set AWS_PROFILE" in error
    assert "does not exist" not in error
    assert sum(lean_sandbox.counters.calls.values()) == 0
