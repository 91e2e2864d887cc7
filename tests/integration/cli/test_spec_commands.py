"""`lean-connector validate | schema | secrets check` run as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import one_line_error
from tests.support.cli import run_cli as run
from tests.support.moto_process import MotoProcess

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "schemas" / "examples"
SECRET_VALUE = "oauth-client-secret-5d2a8f0e"
LITERAL_OAUTH = f"auth: {{mode: oauth, client_id: c, client_secret: {SECRET_VALUE}}}\n"


def test_validate_production_oauth_example() -> None:
    result = run("validate", "--spec", str(EXAMPLES / "production-oauth.yaml"))
    assert result.returncode == 0, result.stderr
    dump = json.loads(result.stdout)
    assert dump["auth"]["client_secret"] == "aws-sm://lean/prod/oauth#client_secret"
    assert "api https://api2.leantech.me" in result.stderr


def test_spec_option_before_the_command_and_from_env() -> None:
    path = str(EXAMPLES / "sandbox-app-token.yaml")
    assert run("--spec", path, "validate").returncode == 0
    result = run("validate", env={"LEAN_CONNECTOR_SPEC": path, "LEAN_REGION": "sa"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["region"] == "sa"  # env beats the file


def test_literal_secret_is_redacted_in_validate_output(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("environment: sandbox\n" + LITERAL_OAUTH)
    result = run("validate", "--spec", str(path))
    assert result.returncode == 0, result.stderr
    assert SECRET_VALUE not in result.stdout + result.stderr
    assert json.loads(result.stdout)["auth"]["client_secret"] == "<literal, redacted>"


BAD_SPECS = {
    "missing-file": (None, "does-not-exist.yaml (from --spec) does not exist"),
    "yaml-syntax": ("environment: sandbox\nauth: [oauth\n", "YAML error at line 3"),
    "unknown-key": ("environment: sandbox\nauth: {mdoe: oauth}\n", "unknown key auth.mdoe"),
    "wrong-enum": (
        "environment: staging\nauth: {mode: oauth, client_id: c, client_secret: env://S}\n",
        "environment must be one of 'sandbox' or 'production'",
    ),
    "mtls-without-certificate": (
        "environment: production\nauth: {mode: mtls, app_token: aws-sm://a#t}\n"
        "mtls: {private_key: aws-sm://m#k}\n",
        "mtls.certificate is required when auth.mode is mtls",
    ),
    "oauth-without-client-secret": (
        "environment: sandbox\nauth: {mode: oauth, client_id: c}\n",
        "auth.client_secret is required when auth.mode is oauth",
    ),
    "literal-secret-in-production": (
        "environment: production\n" + LITERAL_OAUTH,
        "auth.client_secret holds a literal value",
    ),
    "sandbox-mtls-without-host": (
        "environment: sandbox\nauth: {mode: mtls, app_token: env://T}\n"
        "mtls: {certificate: env://C, private_key: env://K}\n",
        "copy the mTLS sandbox host from the Lean portal",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_spec_exits_2_with_one_line_naming_the_problem(case: str, tmp_path: Path) -> None:
    text, expected = BAD_SPECS[case]
    path = tmp_path / ("does-not-exist.yaml" if text is None else "spec.yaml")
    if text is not None:
        path.write_text(text)
    line = one_line_error(run("validate", "--spec", str(path)))
    assert expected in line
    assert SECRET_VALUE not in line


def test_private_key_pasted_into_the_certificate_is_refused_without_printing_it(
    tmp_path: Path,
) -> None:
    body = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPASTEDKEY0123456789"
    bundle = (
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    )
    indented = "".join(f"    {line}\n" for line in bundle.splitlines())
    path = tmp_path / "spec.yaml"
    path.write_text(
        "environment: production\n"
        "auth: {mode: oauth, client_id: c, client_secret: aws-sm://lean/prod/oauth#cs}\n"
        f"mtls:\n  private_key: aws-sm://lean/prod/mtls#key\n  certificate: |\n{indented}"
    )
    result = run("validate", "--spec", str(path))
    line = one_line_error(result)
    assert line == (
        "error: mtls.certificate holds private key material: put the key in mtls.private_key "
        "as a secret reference (aws-sm://..., aws-ssm://, env:// or file://)"
    )
    assert body not in result.stdout + result.stderr
    assert "BEGIN" not in result.stdout + result.stderr


def test_unknown_env_key_exits_2() -> None:
    spec = str(EXAMPLES / "sandbox-app-token.yaml")
    line = one_line_error(run("validate", "--spec", spec, env={"LEAN_AUTH__MDOE": "oauth"}))
    assert "unknown key auth.mdoe in env LEAN_AUTH__MDOE" in line


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("no-such-command").returncode == 2
    result = run("secrets")
    assert result.returncode == 2
    assert "required" in result.stderr


def test_schema_command_prints_the_committed_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    committed = (ROOT / "schemas" / "lean-connector-spec.schema.json").read_text()
    assert result.stdout == committed


def write_aws_spec(tmp_path: Path, endpoint_url: str, secret_name: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "environment: sandbox\n"
        "auth:\n"
        "  mode: oauth\n"
        "  client_id: app-1\n"
        f"  client_secret: aws-sm://{secret_name}#client_secret\n"
        f"  app_token: aws-sm://{secret_name}#app_token\n"
        "webhooks: {secret: env://WEBHOOK_SECRET}\n"
        f"secrets: {{aws_region: me-central-1, aws_endpoint_url: '{endpoint_url}'}}\n"
        "logging: {level: INFO, format: json}\n"
    )
    return path


def test_secrets_check_against_moto_server(aws: MotoProcess, tmp_path: Path) -> None:
    import boto3

    sm = boto3.client("secretsmanager", region_name="me-central-1", endpoint_url=aws.endpoint_url)
    created = sm.create_secret(
        Name="lean/dev/oauth",
        SecretString=json.dumps({"client_secret": SECRET_VALUE, "app_token": "app-token-value-1"}),
    )
    spec = write_aws_spec(tmp_path, aws.endpoint_url, "lean/dev/oauth")
    aws.reset_counts()
    result = run(
        "secrets", "check", "--spec", str(spec), env={"WEBHOOK_SECRET": "webhook-value-77"}
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    for value in (SECRET_VALUE, "app-token-value-1", "webhook-value-77"):
        assert value not in output
    rows = {row["field"]: row for row in json.loads(result.stdout)}
    assert rows["auth.client_secret"]["reference"] == "aws-sm://lean/dev/oauth#client_secret"
    assert rows["auth.client_secret"]["source"] == "aws-sm"
    assert rows["auth.client_secret"]["version_id"] == created["VersionId"]
    assert rows["auth.client_secret"]["bytes"] == len(SECRET_VALUE)
    assert rows["auth.app_token"]["bytes"] == len("app-token-value-1")
    assert rows["webhooks.secret"]["source"] == "env"
    assert rows["webhooks.secret"]["bytes"] == len("webhook-value-77")
    assert aws.counts().get("GetSecretValue") == 1  # two fields, one secret


def test_secrets_check_failure_names_field_and_reference(aws: MotoProcess, tmp_path: Path) -> None:
    spec = write_aws_spec(tmp_path, aws.endpoint_url, "lean/dev/missing")
    result = run(
        "secrets",
        "check",
        "--spec",
        str(spec),
        "--format",
        "table",
        env={"WEBHOOK_SECRET": "webhook-value-77"},
    )
    assert result.returncode == 1
    # Each failure is reported once: in its row; stderr only counts and names them.
    failures = [line for line in result.stdout.splitlines() if "not found" in line]
    assert len(failures) == 2, result.stdout
    assert "auth.client_secret (aws-sm://lean/dev/missing#client_secret): secret " in failures[1]
    assert "not found" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "secrets check: 2 of 3 references failed (auth.app_token, auth.client_secret): "
        "each row says why"
    )
    header = result.stdout.splitlines()[0].split()
    assert header == ["field", "reference", "source", "version_id", "bytes", "error"]
    assert "webhook-value-77" not in result.stdout + result.stderr
