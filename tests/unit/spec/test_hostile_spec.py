"""Spec input an attacker, a typo or a paste can produce: each is a SpecError naming the field
and what to do, never an uncaught exception, never the secret echoed, never silently taken.

Covers a private key pasted base64-encoded, secrets from env:// or file:// in production,
AWS_ENDPOINT_URL* overrides to http:// in production, YAML that is not a plain mapping
(mappings as keys, 5,000 levels deep, merge keys that must work), non-finite numbers,
malformed references (NUL byte, a Secrets Manager version that is no version id), JSON
5,000 levels deep in LEAN_* env, and two env names differing only in case.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from lean_connector.errors import SpecError
from lean_connector.spec import LITERAL_REDACTED, load_spec, redacted_dump

OAUTH = {"mode": "oauth", "client_id": "app-1", "client_secret": "aws-sm://lean/prod/oauth#cs"}
SANDBOX_APP = "environment: sandbox\nauth: {mode: app_token, app_token: env://T}\n"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.upper().startswith(("LEAN_", "AWS_ENDPOINT_URL")):
            monkeypatch.delenv(name)
    return


def spec_error(*args: Any, **kwargs: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(*args, **kwargs)
    assert "\n" not in str(info.value)
    return info.value


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- 6: a base64-encoded private key is a literal key too ----------------------------------


def _key_der() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _key_pem() -> bytes:
    der = _key_der()
    body = base64.encodebytes(der).decode()
    return f"-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\n".encode()


def _encoded_keys() -> dict[str, str]:
    pem = _key_pem()
    der = _key_der()
    return {
        "base64 of a PEM key": base64.b64encode(pem).decode(),
        "base64 of a PEM key, wrapped": base64.encodebytes(pem).decode(),
        "base64 DER key (a PEM body)": base64.b64encode(der).decode(),
        "base64 DER key, wrapped": base64.encodebytes(der).decode(),
    }


@pytest.mark.parametrize("kind", sorted(_encoded_keys()))
@pytest.mark.parametrize("field", ["mtls.certificate", "mtls.ca_chain", "auth.app_token"])
def test_a_base64_encoded_private_key_is_refused_like_a_pem_one(kind: str, field: str) -> None:
    value = _encoded_keys()[kind]
    sections: dict[str, dict[str, Any]] = {
        "auth": {**OAUTH, "app_token": "env://T"},
        "mtls": {"certificate": "env://C", "private_key": "env://K"},
    }
    section, key = field.split(".")
    sections[section][key] = value
    error = spec_error(environment="sandbox", **sections)
    assert error.field == field
    assert "holds private key material" in str(error)
    assert value.strip()[:40] not in str(error)


def test_a_base64_certificate_is_not_mistaken_for_a_key() -> None:
    from lean_connector.testing.certs import make_ca

    cert_pem = make_ca("not a key").cert_pem
    encoded = base64.b64encode(cert_pem).decode()
    spec = load_spec(environment="sandbox", auth=OAUTH, mtls={"ca_chain": encoded})
    assert spec.mtls is not None
    assert spec.mtls.ca_chain == encoded


def test_the_dump_validate_prints_hides_a_base64_key_in_any_field() -> None:
    encoded = _encoded_keys()["base64 of a PEM key"]
    spec = load_spec(environment="sandbox", auth=OAUTH, sync={"output": encoded})
    assert redacted_dump(spec)["sync"]["output"] == LITERAL_REDACTED
    assert encoded[:40] not in repr(spec)


# --- 8: production takes secrets only from AWS, over https whatever the env says ---------


@pytest.mark.parametrize("reference", ["env://LEAN_SECRET", "file:///run/secrets/cs"])
def test_production_refuses_env_and_file_secrets(reference: str) -> None:
    error = spec_error(environment="production", auth={**OAUTH, "client_secret": reference})
    assert error.field == "auth.client_secret"
    assert "only aws-sm:// or aws-ssm://" in str(error)


def test_production_accepts_aws_references_and_sandbox_keeps_env_and_file() -> None:
    assert load_spec(environment="production", auth={**OAUTH, "client_secret": "aws-ssm:///x"})
    assert load_spec(environment="sandbox", auth={**OAUTH, "client_secret": "env://X"})
    assert load_spec(environment="sandbox", auth={**OAUTH, "client_secret": "file:///x"})


@pytest.mark.parametrize(
    "variable",
    ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ENDPOINT_URL_SSM"],
)
def test_production_refuses_aws_endpoint_overrides_over_http(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "http://127.0.0.1:5000")
    error = spec_error(environment="production", auth=OAUTH)
    assert variable in str(error)
    assert "https://" in str(error)
    monkeypatch.setenv(variable, "https://vpce-1.secretsmanager.me-central-1.vpce.amazonaws.com")
    assert load_spec(environment="production", auth=OAUTH)
    monkeypatch.setenv(variable, "http://127.0.0.1:5000")
    assert load_spec(environment="sandbox", auth=OAUTH)  # moto, LocalStack


# --- 9: every malformed input ends as a SpecError ----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        SANDBOX_APP + "{a: 1}: x\n",
        SANDBOX_APP + "? [1, 2]\n: x\n",
        SANDBOX_APP + "sync: {{output: x}: 1}\n",
    ],
    ids=["mapping-key", "list-key", "nested-mapping-key"],
)
def test_a_mapping_or_list_used_as_a_key_is_a_spec_error(tmp_path: Path, text: str) -> None:
    error = spec_error(write(tmp_path, text))
    assert "cannot be a key" in str(error)
    assert "line" in str(error)


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_yaml_5000_levels_deep_is_a_spec_error(tmp_path: Path, shape: str) -> None:
    if shape == "flow":
        deep = "sync: " + "[" * 5000 + "]" * 5000 + "\n"
    else:
        deep = "sync:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 5000)) + "  x: 1\n"
    error = spec_error(write(tmp_path, SANDBOX_APP + deep))
    assert "nested too deeply" in str(error)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_5000_levels_deep_in_env_is_a_spec_error(
    opening: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    closing = "]" if opening == "[" else "}"
    monkeypatch.setenv("LEAN_AUTH", opening * 5000 + "1" + closing * 5000)
    error = spec_error(environment="sandbox")
    assert "LEAN_AUTH" in str(error)
    assert "nested too deeply" in str(error)


def test_yaml_merge_keys_work_and_explicit_keys_win(tmp_path: Path) -> None:
    text = (
        "environment: sandbox\n"
        "auth:\n"
        "  <<: &common {mode: oauth, client_id: app-1, app_token: env://SHARED}\n"
        "  mode: app_token\n"
        "  app_token: env://T\n"
        "http:\n"
        "  <<: [{connect_timeout_s: 3}, {read_timeout_s: 70}]\n"
    )
    spec = load_spec(write(tmp_path, text))
    assert spec.auth.mode == "app_token"
    assert spec.auth.app_token == "env://T"
    assert spec.auth.client_id == "app-1"
    assert (spec.http.connect_timeout_s, spec.http.read_timeout_s) == (3, 70)


def test_a_real_duplicate_key_is_still_refused_next_to_a_merge(tmp_path: Path) -> None:
    text = SANDBOX_APP + "http:\n  <<: {pool_size: 2}\n  pool_size: 3\n  pool_size: 4\n"
    assert "duplicate key 'pool_size'" in str(spec_error(write(tmp_path, text)))


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400"])
@pytest.mark.parametrize("field", ["read_timeout_s", "connect_timeout_s"])
def test_timeouts_must_be_finite_and_bounded(tmp_path: Path, value: str, field: str) -> None:
    error = spec_error(write(tmp_path, SANDBOX_APP + f"http: {{{field}: {value}}}\n"))
    assert error.field == f"http.{field}"


def test_huge_timeouts_are_refused_before_they_reach_a_socket() -> None:
    error = spec_error(environment="sandbox", auth=OAUTH, http={"read_timeout_s": 1e300})
    assert error.field == "http.read_timeout_s"
    assert "<=" in str(error)


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("file:///tmp/a\x00b", "control character"),
        ("file:///tmp/a\nb", "control character"),
        ("aws-sm://lean/x\x00", "control character"),
        ("aws-sm://x?version=bad", "version="),
        ("aws-sm://x?version=" + "a" * 65, "version="),
        ("aws-sm://x?stage=" + "A" * 257, "stage="),
    ],
)
def test_malformed_references_are_spec_errors(reference: str, problem: str) -> None:
    error = spec_error(environment="sandbox", auth={**OAUTH, "client_secret": reference})
    assert error.field == "auth.client_secret"
    assert "malformed secret reference" in str(error)
    assert problem in str(error)


def test_a_version_id_uuid_is_accepted() -> None:
    reference = "aws-sm://x?version=3d7a8e6c-1f2b-4c5d-9e0f-0123456789ab"
    assert load_spec(environment="sandbox", auth={**OAUTH, "client_secret": reference})


# --- 12: env names that differ only in case ------------------------------------------------


def test_two_env_names_differing_only_in_case_are_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEAN_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("LEAN_AUTH__MODE", "app_token")
    monkeypatch.setenv("lean_auth__mode", "oauth")
    monkeypatch.setenv("LEAN_AUTH__APP_TOKEN", "env://T")
    error = spec_error()
    assert error.field == "auth.mode"
    assert "LEAN_AUTH__MODE" in str(error)
    assert "lean_auth__mode" in str(error)
    assert "oauth" not in str(error)  # values are not echoed: one may be a secret
