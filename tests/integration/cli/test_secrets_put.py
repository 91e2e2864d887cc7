"""`lean-connector secrets put` run as a real subprocess against a real moto server.

Secrets are created the way Terraform creates them (create_secret with no value); boto3 is
used here only to arrange that state and to read back what the command stored. Exit codes:
2 for bad input (field, reference scheme or qualifier, unreadable or non-PEM value), 1 when
the store refuses (missing secret, access denied, a secret that is not a JSON object).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lean_connector.testing.certs import CertBundle, private_key_pem
from tests.support.cli import run_cli as run
from tests.support.moto_process import MotoProcess

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
REGION = "me-central-1"
MTLS = "lean/dev/mtls"
APP_TOKEN = "app-token-from-env-7c1e9a"


def spec_env(endpoint_url: str, **fields: str) -> dict[str, str]:
    """An mTLS sandbox spec in LEAN_* env, as the Lambda gets it; fields override references."""
    env = {
        "LEAN_ENVIRONMENT": "sandbox",
        "LEAN_AUTH__MODE": "mtls",
        "LEAN_ENDPOINTS__API": "https://127.0.0.1:9",
        "LEAN_AUTH__APP_TOKEN": "env://TEST_APP_TOKEN_FOR_PUT",
        "TEST_APP_TOKEN_FOR_PUT": APP_TOKEN,
        "LEAN_MTLS__CERTIFICATE": f"aws-sm://{MTLS}#certificate",
        "LEAN_MTLS__PRIVATE_KEY": f"aws-sm://{MTLS}#private_key",
        "LEAN_MTLS__CA_CHAIN": f"aws-sm://{MTLS}#ca_chain",
        "LEAN_SECRETS__AWS_ENDPOINT_URL": endpoint_url,
        "LEAN_SECRETS__AWS_REGION": REGION,
        "LEAN_LOGGING__FORMAT": "json",
    }
    for field, value in fields.items():
        env[f"LEAN_{field.upper().replace('.', '__')}"] = value
    return env


def error_line(result: subprocess.CompletedProcess[str], code: int) -> str:
    """The one error line (log lines may precede it on stderr); nothing on stdout."""
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: "), result.stderr
    return last


def assert_not_shown(result: subprocess.CompletedProcess[str], *values: str | bytes) -> None:
    for value in values:
        text = value.decode() if isinstance(value, bytes) else value
        # Any one line of a PEM body (the base64) would be a leak too.
        for line in text.strip().splitlines():
            if "-----" not in line:
                assert line not in result.stdout
                assert line not in result.stderr


@pytest.fixture
def sm(aws: MotoProcess) -> Any:
    return boto3.client("secretsmanager", region_name=REGION, endpoint_url=aws.endpoint_url)


@pytest.fixture
def pem_files(tmp_path: Path, bundle: CertBundle) -> dict[str, Path]:
    """Certificate and chain as files (public); the key goes through stdin, never to disk."""
    cert = tmp_path / "cert.pem"
    cert.write_bytes(bundle.client_cert_with_chain_pem)
    chain = tmp_path / "lean_chain.pem"
    chain.write_bytes(bundle.ca_chain_pem)
    return {"certificate": cert, "ca_chain": chain}


def test_three_puts_fill_an_empty_bundle_and_secrets_check_resolves_them(
    aws: MotoProcess, sm: Any, bundle: CertBundle, pem_files: dict[str, Path]
) -> None:
    arn = sm.create_secret(Name=MTLS, Description="mTLS bundle")["ARN"]  # empty, as Terraform
    env = spec_env(aws.endpoint_url)
    key_pem = bundle.client.key_pem.decode()
    aws.reset_counts()

    results = [
        run(
            "secrets",
            "put",
            "mtls.certificate",
            "--from-file",
            str(pem_files["certificate"]),
            env=env,
        ),
        run("secrets", "put", "mtls.private_key", "--from-stdin", env=env, stdin=key_pem),
        run("secrets", "put", "mtls.ca_chain", "--from-file", str(pem_files["ca_chain"]), env=env),
    ]

    for result in results:
        assert result.returncode == 0, result.stderr
        assert_not_shown(result, key_pem, bundle.client_cert_with_chain_pem, bundle.ca_chain_pem)
    outputs = [json.loads(result.stdout) for result in results]
    assert [(o["field"], o["reference"], o["keys"]) for o in outputs] == [
        ("mtls.certificate", f"aws-sm://{MTLS}#certificate", ["certificate"]),
        ("mtls.private_key", f"aws-sm://{MTLS}#private_key", ["certificate", "private_key"]),
        ("mtls.ca_chain", f"aws-sm://{MTLS}#ca_chain", ["ca_chain", "certificate", "private_key"]),
    ]
    assert [o["bytes"] for o in outputs] == [
        len(bundle.client_cert_with_chain_pem),
        len(key_pem),
        len(bundle.ca_chain_pem),
    ]
    # One read (to merge) and one write per put; the first read found no value yet.
    assert aws.counts() == {"GetSecretValue": 3, "PutSecretValue": 3}
    stored = sm.get_secret_value(SecretId=arn)
    assert json.loads(stored["SecretString"]) == {
        "certificate": bundle.client_cert_with_chain_pem.decode(),
        "private_key": key_pem,
        "ca_chain": bundle.ca_chain_pem.decode(),
    }
    assert outputs[-1]["version_id"] == stored["VersionId"]
    assert outputs[-1]["secret_bytes"] == len(stored["SecretString"])

    check = run("secrets", "check", env=env)
    assert check.returncode == 0, check.stderr
    rows = {row["field"]: row for row in json.loads(check.stdout)}
    assert {f: (r["ok"], r["version_id"]) for f, r in rows.items() if f.startswith("mtls.")} == {
        "mtls.certificate": (True, stored["VersionId"]),
        "mtls.private_key": (True, stored["VersionId"]),
        "mtls.ca_chain": (True, stored["VersionId"]),
    }
    assert rows["mtls.private_key"]["bytes"] == len(key_pem)


def test_nested_key_merges_into_existing_json_and_resolves(aws: MotoProcess, sm: Any) -> None:
    sm.create_secret(Name="lean/dev/oauth", SecretString=json.dumps({"note": "kept"}))
    reference = "aws-sm://lean/dev/oauth#lean.client_secret"
    env = spec_env(aws.endpoint_url, **{"auth.mode": "oauth", "auth.client_id": "client-1"})
    env["LEAN_AUTH__CLIENT_SECRET"] = reference

    # A trailing newline (echo, heredoc) is not part of a secret: it is dropped.
    result = run(
        "secrets",
        "put",
        "auth.client_secret",
        "--from-stdin",
        env=env,
        stdin="s3cr3t-oauth-value\n",
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["keys"] == ["lean", "note"]
    assert "s3cr3t-oauth-value" not in result.stdout + result.stderr
    stored = json.loads(sm.get_secret_value(SecretId="lean/dev/oauth")["SecretString"])
    assert stored == {"note": "kept", "lean": {"client_secret": "s3cr3t-oauth-value"}}
    check = run("secrets", "check", env=env)
    rows = {row["field"]: row for row in json.loads(check.stdout)}
    assert rows["auth.client_secret"]["ok"] is True
    assert rows["auth.client_secret"]["bytes"] == len("s3cr3t-oauth-value")


def test_without_key_the_value_is_the_whole_secret(aws: MotoProcess, sm: Any) -> None:
    sm.create_secret(Name="lean/dev/webhook-raw")
    env = spec_env(aws.endpoint_url, **{"webhooks.secret": "aws-sm://lean/dev/webhook-raw"})

    result = run(
        "secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-0a1b2c3d\n"
    )

    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert "keys" not in output
    assert output["bytes"] == output["secret_bytes"] == len("whsec-0a1b2c3d")
    assert sm.get_secret_value(SecretId="lean/dev/webhook-raw")["SecretString"] == "whsec-0a1b2c3d"
    assert "whsec-0a1b2c3d" not in result.stdout + result.stderr


def test_encrypted_private_key_is_accepted(aws: MotoProcess, sm: Any, bundle: CertBundle) -> None:
    sm.create_secret(Name=MTLS)
    encrypted = private_key_pem(bundle.client.key, b"key-password-1").decode()

    result = run(
        "secrets",
        "put",
        "mtls.private_key",
        "--from-stdin",
        env=spec_env(aws.endpoint_url),
        stdin=encrypted,
    )

    assert result.returncode == 0, result.stderr
    stored = json.loads(sm.get_secret_value(SecretId=MTLS)["SecretString"])
    assert stored == {"private_key": encrypted}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "mtls.certificate",
            "not a certificate\n",
            "error: stdin: not stored: mtls.certificate is not a PEM certificate (",
        ),
        (
            "mtls.certificate",
            "KEY",
            "error: stdin: not stored: mtls.certificate holds a private key, not a certificate: "
            "the certificate and key look swapped;",
        ),
        (
            "mtls.private_key",
            "CERT",
            "error: stdin: not stored: mtls.private_key holds a certificate, not a private key:",
        ),
        (
            "mtls.ca_chain",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "error: stdin: not stored: mtls.ca_chain is not a PEM certificate (",
        ),
        ("mtls.certificate", "\n\n", "error: stdin: the value for mtls.certificate is empty"),
    ],
)
def test_bad_pem_is_refused_before_anything_is_stored(
    aws: MotoProcess, sm: Any, bundle: CertBundle, field: str, value: str, message: str
) -> None:
    sm.create_secret(Name=MTLS)
    value = {"KEY": bundle.client.key_pem.decode(), "CERT": bundle.client.cert_pem.decode()}.get(
        value, value
    )
    aws.reset_counts()

    result = run(
        "secrets", "put", field, "--from-stdin", env=spec_env(aws.endpoint_url), stdin=value
    )

    assert error_line(result, 2).startswith(message)
    assert_not_shown(result, bundle.client.key_pem)
    assert "PutSecretValue" not in aws.counts()


def test_non_aws_sm_reference_is_refused(aws: MotoProcess) -> None:
    result = run(
        "secrets",
        "put",
        "auth.app_token",
        "--from-stdin",
        env=spec_env(aws.endpoint_url),
        stdin="x" * 12,
    )

    assert error_line(result, 2) == (
        "error: auth.app_token is env://TEST_APP_TOKEN_FOR_PUT: secrets put writes only aws-sm:// "
        "(Secrets Manager) references; for env ones, export the environment variable yourself"
    )


@pytest.mark.parametrize(
    ("reference", "fix"),
    [
        (
            "aws-ssm://lean/dev/hook",
            "for aws-ssm ones, use aws ssm put-parameter --type SecureString",
        ),
        ("file:///run/hook.txt", "for file ones, write the file yourself (mode 0600)"),
    ],
)
def test_other_schemes_say_what_to_do(aws: MotoProcess, reference: str, fix: str) -> None:
    env = spec_env(aws.endpoint_url, **{"webhooks.secret": reference})

    result = run("secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-x")

    assert error_line(result, 2).endswith(
        f"writes only aws-sm:// (Secrets Manager) references; {fix}"
    )


def test_version_qualifier_is_refused(aws: MotoProcess, sm: Any) -> None:
    sm.create_secret(Name="lean/dev/webhook")
    version = "11111111-2222-4333-8444-555555555555"
    reference = f"aws-sm://lean/dev/webhook?version={version}#secret"
    env = spec_env(aws.endpoint_url, **{"webhooks.secret": reference})
    aws.reset_counts()

    result = run("secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-x")

    assert error_line(result, 2) == (
        f"error: webhooks.secret is {reference}: secrets put writes only the current version "
        f"(AWSCURRENT); remove ?version={version} from webhooks.secret, or write that version with "
        "aws secretsmanager put-secret-value"
    )
    assert aws.counts() == {}


def test_unset_field_is_refused(aws: MotoProcess) -> None:
    result = run(
        "secrets",
        "put",
        "webhooks.secret",
        "--from-stdin",
        env=spec_env(aws.endpoint_url),
        stdin="v",
    )

    assert error_line(result, 2).startswith(
        "error: webhooks.secret is not set in the spec: set it to aws-sm://"
    )


def test_the_value_cannot_be_given_on_the_command_line(aws: MotoProcess) -> None:
    result = run(
        "secrets", "put", "webhooks.secret", "whsec-on-argv", env=spec_env(aws.endpoint_url)
    )

    assert result.returncode == 2
    assert "one of the arguments --from-file --from-stdin is required" in result.stderr


def test_unreadable_file_is_refused(aws: MotoProcess, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"

    result = run(
        "secrets",
        "put",
        "mtls.certificate",
        "--from-file",
        str(missing),
        env=spec_env(aws.endpoint_url),
    )

    assert (
        error_line(result, 2)
        == f"error: --from-file {missing}: cannot read it (No such file or directory)"
    )


def test_missing_secret_says_to_run_terraform_apply(aws: MotoProcess, bundle: CertBundle) -> None:
    result = run(
        "secrets",
        "put",
        "mtls.private_key",
        "--from-stdin",
        env=spec_env(aws.endpoint_url),
        stdin=bundle.client.key_pem.decode(),
    )

    assert error_line(result, 1) == (
        f"error: mtls.private_key (aws-sm://{MTLS}#private_key): secret '{MTLS}' does not exist "
        f"in Secrets Manager (region {REGION}): run terraform apply for this stage first (it "
        "creates the secret empty), or fix mtls.private_key"
    )
    assert_not_shown(result, bundle.client.key_pem)


def test_secret_that_is_not_a_json_object_is_left_alone(aws: MotoProcess, sm: Any) -> None:
    sm.create_secret(Name="lean/dev/webhook", SecretString="plain-text-secret-value")
    env = spec_env(aws.endpoint_url, **{"webhooks.secret": "aws-sm://lean/dev/webhook#secret"})

    result = run("secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-new")

    assert error_line(result, 1) == (
        "error: webhooks.secret (aws-sm://lean/dev/webhook#secret): secret 'lean/dev/webhook' "
        "holds a value that is not JSON, so '#secret' cannot be set in it: remove '#secret' "
        "from webhooks.secret to replace the whole secret, or put a JSON object into it first"
    )
    assert (
        sm.get_secret_value(SecretId="lean/dev/webhook")["SecretString"]
        == "plain-text-secret-value"
    )
    assert "plain-text-secret-value" not in result.stderr


def test_nested_key_under_a_string_is_refused(aws: MotoProcess, sm: Any) -> None:
    sm.create_secret(Name="lean/dev/webhook", SecretString=json.dumps({"lean": "flat-value-123"}))
    env = spec_env(aws.endpoint_url, **{"webhooks.secret": "aws-sm://lean/dev/webhook#lean.secret"})

    result = run("secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-new")

    assert error_line(result, 1) == (
        "error: webhooks.secret (aws-sm://lean/dev/webhook#lean.secret): 'lean' in secret "
        "'lean/dev/webhook' is not a JSON object, so 'lean.secret' cannot be set under it: fix "
        "the key in webhooks.secret or the secret"
    )
    assert "flat-value-123" not in result.stderr


@pytest.fixture
def own_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoProcess]:
    """A moto server of this test's own: it is switched to IAM auth, which is process-wide."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = MotoProcess().start()
    try:
        yield server
    finally:
        server.stop()


def test_access_denied_names_the_permissions(own_moto: MotoProcess) -> None:
    iam = boto3.client("iam", region_name=REGION, endpoint_url=own_moto.endpoint_url)
    boto3.client(
        "secretsmanager", region_name=REGION, endpoint_url=own_moto.endpoint_url
    ).create_secret(Name="lean/dev/webhook")
    iam.create_user(UserName="operator")
    allow = {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
    deny = {"Effect": "Deny", "Action": "secretsmanager:PutSecretValue", "Resource": "*"}
    iam.put_user_policy(
        UserName="operator",
        PolicyName="read-only-secrets",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow, deny]}),
    )
    key = iam.create_access_key(UserName="operator")["AccessKey"]
    own_moto.enable_iam_auth()
    env = spec_env(own_moto.endpoint_url, **{"webhooks.secret": "aws-sm://lean/dev/webhook"})
    env.update(AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])

    result = run("secrets", "put", "webhooks.secret", "--from-stdin", env=env, stdin="whsec-denied")

    assert error_line(result, 1) == (
        "error: webhooks.secret (aws-sm://lean/dev/webhook): access denied writing secret "
        "'lean/dev/webhook' (region me-central-1): the identity running this needs "
        "secretsmanager:PutSecretValue on the secret and kms:GenerateDataKey on its KMS key"
    )
    assert "whsec-denied" not in result.stderr


def test_a_value_typed_on_the_command_line_is_refused_without_echoing_it() -> None:
    typed = "s3cr3t-typed-by-mistake-9f2c"
    result = run("secrets", "put", "auth.app_token", typed, "--from-stdin", env={}, stdin="")
    assert result.returncode == 2
    assert "unrecognized arguments (not shown, in case one is a secret)" in result.stderr
    assert typed not in result.stdout + result.stderr


def test_a_secret_typed_as_the_field_is_refused_without_echoing_it() -> None:
    typed = "hunter2-typed-as-field-77aa"
    result = run("secrets", "put", typed, "--from-stdin", env={}, stdin="")
    assert result.returncode == 2
    assert "FIELD is not a spec field that holds a secret reference" in result.stderr
    assert "mtls.private_key" in result.stderr  # the valid choices are still listed
    assert typed not in result.stdout + result.stderr
