"""The committed JSON Schema is current, and every example passes it and the model."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from lean_connector.spec import SECRET_FIELDS, load_spec, secret_references, spec_json_schema

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "schemas" / "lean-connector-spec.schema.json"
EXAMPLES = ROOT / "schemas" / "examples"
YAML_EXAMPLES = sorted(EXAMPLES.glob("*.yaml"))
ENV_EXAMPLE = EXAMPLES / "lambda-env-only.env"


@pytest.fixture(autouse=True)
def clean_lean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.upper().startswith("LEAN_"):
            monkeypatch.delenv(name)
    return


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_file_is_not_stale() -> None:
    expected = json.dumps(spec_json_schema(), indent=2) + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected, (
        "schemas/lean-connector-spec.schema.json is stale: run `make schema`"
    )


def test_the_four_documented_examples_exist() -> None:
    names = {path.stem for path in YAML_EXAMPLES}
    assert {"sandbox-app-token", "sandbox-mtls", "production-mtls", "production-oauth"} <= names


@pytest.mark.parametrize("path", YAML_EXAMPLES, ids=lambda path: path.name)
def test_yaml_example_passes_schema_and_model(
    path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../lean-connector-spec.schema.json\n")
    validator.validate(yaml.safe_load(text))
    spec = load_spec(path)
    for field, reference in secret_references(spec).items():
        if field in SECRET_FIELDS:
            assert reference.startswith("aws-sm://"), f"{path.name}: {field} is not aws-sm://"


def read_env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def test_env_only_example_loads_without_a_file(
    monkeypatch: pytest.MonkeyPatch, validator: jsonschema.Draft202012Validator
) -> None:
    pairs = read_env_example()
    assert all(name.startswith("LEAN_") for name in pairs)
    assert "LEAN_CONNECTOR_SPEC" not in pairs
    for name, value in pairs.items():
        monkeypatch.setenv(name, value)
    spec = load_spec()
    assert spec.environment.value == "production"
    assert spec.auth.mode.value == "oauth"
    assert spec.auth.token_store == "aws-sm://lean/prod/api-token"
    validator.validate(spec.model_dump(mode="json"))


def bad(validator: jsonschema.Draft202012Validator, data: dict[str, Any]) -> str:
    errors = list(validator.iter_errors(data))
    assert errors, f"schema accepted {data}"
    return " ".join(error.message for error in errors)


def test_schema_catches_what_editors_should_flag(
    validator: jsonschema.Draft202012Validator,
) -> None:
    assert "'mdoe' was unexpected" in bad(
        validator, {"environment": "sandbox", "auth": {"mdoe": "oauth"}}
    )
    oauth = {"environment": "sandbox", "auth": {"mode": "oauth", "client_id": "x"}}
    assert "'client_secret' is a required property" in bad(validator, oauth)
    mtls = {"environment": "production", "auth": {"mode": "mtls", "app_token": "aws-sm://a"}}
    assert "'mtls' is a required property" in bad(validator, mtls)
    app = {"environment": "production", "auth": {"mode": "app_token", "app_token": "aws-sm://a"}}
    assert "'sandbox' was expected" in bad(validator, app)


def test_schema_flags_a_pasted_private_key_and_plain_http_secrets_in_production(
    validator: jsonschema.Draft202012Validator,
) -> None:
    key = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n"
    oauth = {"mode": "oauth", "client_id": "x", "client_secret": "aws-sm://a#s"}
    bundle = {"environment": "sandbox", "auth": oauth, "mtls": {"ca_chain": "CERT\n" + key}}
    # mtls is "MTLSSpec or null", so the reason sits in the error's context.
    reasons = [
        sub.message for error in validator.iter_errors(bundle) for sub in error.context or []
    ]
    assert any(
        "should not be valid under {'pattern': 'PRIVATE KEY-----'" in reason for reason in reasons
    )
    plain = {"environment": "production", "auth": oauth}
    plain["secrets"] = {"aws_endpoint_url": "http://vpce.example"}
    assert "does not match '^https://'" in bad(validator, plain)
    sandbox = {**plain, "environment": "sandbox"}
    assert list(validator.iter_errors(sandbox)) == []
    assert list(validator.iter_errors({**bundle, "mtls": {"ca_chain": "CERT\n"}})) == []
