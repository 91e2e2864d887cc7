"""The spec model: sources and precedence, cross-field rules, error text, host table."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lean_connector.errors import SpecError
from lean_connector.secrets import is_reference
from lean_connector.spec import (
    HOSTS,
    LITERAL_REDACTED,
    SECRET_FIELDS,
    AuthMode,
    Environment,
    MTLSSpec,
    load_spec,
    redacted_dump,
    resolve_endpoints,
    secret_references,
)

OAUTH = {"mode": "oauth", "client_id": "app-1", "client_secret": "aws-sm://lean/dev/oauth#cs"}
SECRET_LITERAL = "s3cr3t-literal-value-9f1c"


@pytest.fixture(autouse=True)
def clean_lean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The developer's own LEAN_* variables must not leak into these tests."""
    for name in list(os.environ):
        if name.upper().startswith("LEAN_"):
            monkeypatch.delenv(name)
    return


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def spec_error(*args: Any, **kwargs: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, "errors are one line"
    assert SECRET_LITERAL not in message
    # pydantic's own error (which echoes inputs) must not ride along in the traceback
    error = info.value
    shown = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    assert shown is None
    return error


# --- sources and precedence -------------------------------------------------------------


def test_yaml_file_loads_with_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "environment: sandbox\nauth: {mode: app_token, app_token: env://T}\n")
    spec = load_spec(path)
    assert spec.environment is Environment.sandbox
    assert spec.auth.mode is AuthMode.app_token
    assert spec.region.value == "ae"
    assert spec.http.read_timeout_s == 65
    assert spec.sync.window_days == 30
    assert spec.sync.workers == 8
    assert spec.sync.output is None
    assert spec.mtls is None
    assert spec.webhooks is None


def test_arguments_beat_env_beat_yaml_nested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path,
        "environment: sandbox\n"
        "auth: {mode: oauth, client_id: from-yaml, client_secret: env://YAML_CS}\n"
        "http: {connect_timeout_s: 1, read_timeout_s: 2, pool_size: 3}\n",
    )
    monkeypatch.setenv("LEAN_HTTP__READ_TIMEOUT_S", "20")
    monkeypatch.setenv("LEAN_HTTP__POOL_SIZE", "30")
    monkeypatch.setenv("LEAN_AUTH__CLIENT_ID", "from-env")
    spec = load_spec(path, http={"pool_size": 300})
    assert spec.http.connect_timeout_s == 1  # YAML only
    assert spec.http.read_timeout_s == 20  # env beats YAML
    assert spec.http.pool_size == 300  # argument beats env
    assert spec.auth.client_id == "from-env"
    assert spec.auth.client_secret == "env://YAML_CS"  # sibling keys merge, not replace


def test_spec_path_from_env_and_path_argument_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = "environment: sandbox\nauth: {mode: app_token, app_token: env://T}\n"
    env_file = write(tmp_path, base + "region: sa\n", "env.yaml")
    arg_file = write(tmp_path, base + "region: ae\n", "arg.yaml")
    monkeypatch.setenv("LEAN_CONNECTOR_SPEC", str(env_file))
    monkeypatch.setenv("LEAN_CONNECTOR_DEBUG", "1")  # tool settings are not spec fields
    assert load_spec().region.value == "sa"
    assert load_spec(arg_file).region.value == "ae"


def test_env_alone_with_json_section_empty_and_null(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("LEAN_AUTH", json.dumps(OAUTH))
    monkeypatch.setenv("LEAN_MTLS__PRIVATE_KEY_PASSWORD", "")  # empty = unset (Terraform)
    monkeypatch.setenv("LEAN_ENDPOINTS__API", "null")
    monkeypatch.setenv("LEAN_LOGGING__LEVEL", "debug")
    spec = load_spec()
    assert spec.auth.client_id == "app-1"
    assert spec.mtls is None
    assert spec.endpoints.api is None
    assert spec.logging.level == "DEBUG"


# --- file and YAML errors ---------------------------------------------------------------


def test_missing_spec_file_names_the_path(tmp_path: Path) -> None:
    error = spec_error(tmp_path / "nope.yaml")
    expected = f"spec file {tmp_path / 'nope.yaml'} (from --spec) does not exist: check the path"
    assert str(error) == expected
    assert error.field is None


def test_missing_file_named_by_env_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_CONNECTOR_SPEC", "/no/such/spec.yaml")
    assert "/no/such/spec.yaml (from LEAN_CONNECTOR_SPEC) does not exist" in str(spec_error())


def test_yaml_syntax_error_gives_line_without_quoting_it(tmp_path: Path) -> None:
    text = f"environment: sandbox\nauth:\n  mode: oauth\n  client_secret: {SECRET_LITERAL}: x\n"
    error = spec_error(write(tmp_path, text))
    assert "YAML error at line 4" in str(error)
    assert "mapping values are not allowed here" in str(error)


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    error = spec_error(write(tmp_path, "environment: sandbox\nenvironment: production\n"))
    assert "duplicate key 'environment'" in str(error)
    assert "line 2" in str(error)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert "top level must be a mapping" in str(spec_error(write(tmp_path, "- a\n- b\n")))


# --- unknown keys, types, enums ---------------------------------------------------------


def test_unknown_yaml_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "environment: sandbox\nauth: {mdoe: oauth}\n")
    error = spec_error(path)
    assert error.field == "auth.mdoe"
    assert str(error).startswith("unknown key auth.mdoe in the spec")
    assert "did you mean auth.mode?" in str(error)
    assert str(error).endswith("(and 1 more)")  # auth.mode is then missing too


def test_unknown_top_level_key_lists_allowed_keys() -> None:
    error = spec_error(environment="sandbox", auth=OAUTH, xyzzy=1)
    assert error.field == "xyzzy"
    assert "allowed keys: environment, region, auth" in str(error)


def test_unknown_env_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_AUTH__CLIENT_SECERT", "x")
    error = spec_error(environment="sandbox", auth=OAUTH)
    assert error.field == "auth.client_secert"
    assert "env LEAN_AUTH__CLIENT_SECERT" in str(error)
    assert "did you mean auth.client_secret?" in str(error)


def test_unknown_top_level_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_ENVIRONMNET", "sandbox")
    assert "did you mean environment?" in str(spec_error(environment="sandbox", auth=OAUTH))


def test_env_section_needs_json_or_nested_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_AUTH", "oauth")
    error = spec_error(environment="sandbox")
    assert error.field == "auth"
    assert "LEAN_AUTH__<KEY>" in str(error)


def test_env_value_cannot_be_nested(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_REGION__X", "ae")
    assert "region is a value, not a section" in str(spec_error(environment="sandbox", auth=OAUTH))


def test_wrong_enum_value_lists_allowed_values() -> None:
    error = spec_error(environment="prod", auth=OAUTH)
    assert error.field == "environment"
    assert str(error) == "environment must be one of 'sandbox' or 'production', not 'prod'"
    error = spec_error(environment="sandbox", auth={**OAUTH, "mode": "basic"})
    assert "auth.mode must be one of 'mtls', 'oauth' or 'app_token'" in str(error)


def test_missing_required_fields() -> None:
    error = spec_error(auth=OAUTH)
    assert str(error).startswith("environment is required (sandbox or production)")


def test_type_and_range_errors() -> None:
    assert str(spec_error(environment="sandbox", auth=OAUTH, http={"pool_size": 0})) == (
        "http.pool_size must be >= 1"
    )
    error = spec_error(environment="sandbox", auth=OAUTH, http={"read_timeout_s": "soon"})
    assert str(error) == "http.read_timeout_s must be a number"
    error = spec_error(environment="sandbox", auth="oauth")
    assert "auth must be a section" in str(error)


def test_endpoints_must_be_https() -> None:
    error = spec_error(environment="sandbox", auth=OAUTH, endpoints={"api": "http://x.test"})
    assert error.field == "endpoints.api"
    assert "must be an https:// URL" in str(error)


# --- cross-field rules ------------------------------------------------------------------


def test_mtls_without_certificate() -> None:
    error = spec_error(
        environment="production",
        auth={"mode": "mtls", "app_token": "aws-sm://a#t"},
        mtls={"private_key": "aws-sm://m#k"},
    )
    assert error.field == "mtls.certificate"
    assert str(error).startswith("mtls.certificate is required when auth.mode is mtls")


def test_mtls_needs_app_token_and_key() -> None:
    error = spec_error(environment="production", auth={"mode": "mtls"})
    assert error.field == "auth.app_token"
    assert str(error).endswith("(and 2 more)")


def test_oauth_without_client_secret() -> None:
    error = spec_error(environment="sandbox", auth={"mode": "oauth", "client_id": "app-1"})
    assert error.field == "auth.client_secret"
    assert "auth.client_secret is required when auth.mode is oauth" in str(error)


def test_app_token_mode_is_sandbox_only() -> None:
    error = spec_error(environment="production", auth={"mode": "app_token", "app_token": "env://T"})
    assert error.field == "auth.mode"
    assert "only allowed with environment sandbox" in str(error)


def test_sandbox_mtls_needs_the_portal_host() -> None:
    mtls = {"certificate": "env://C", "private_key": "env://K"}
    auth = {"mode": "mtls", "app_token": "env://T"}
    error = spec_error(environment="sandbox", auth=auth, mtls=mtls)
    assert error.field == "endpoints.api"
    assert "copy the mTLS sandbox host from the Lean portal" in str(error)


def test_literal_secret_refused_in_production_without_echo() -> None:
    auth = {**OAUTH, "client_secret": SECRET_LITERAL}
    error = spec_error(environment="production", auth=auth)
    assert error.field == "auth.client_secret"
    assert "holds a literal value, which is refused when environment is production" in str(error)


def test_every_secret_field_is_checked_in_production() -> None:
    mtls = {"certificate": "env://C", "private_key": SECRET_LITERAL}
    error = spec_error(
        environment="production",
        auth={**OAUTH, "app_token": SECRET_LITERAL},
        mtls={**mtls, "private_key_password": SECRET_LITERAL},
        webhooks={"secret": SECRET_LITERAL},
    )
    assert error.field == "auth.app_token"
    assert str(error).endswith("(and 3 more)")


def test_public_certificate_literal_is_allowed_in_production() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    spec = load_spec(environment="production", auth=OAUTH, mtls={"ca_chain": pem})
    assert spec.mtls is not None
    assert spec.mtls.ca_chain == pem


def test_token_store_must_be_aws_sm_and_oauth() -> None:
    error = spec_error(environment="sandbox", auth={**OAUTH, "token_store": "env://TOKEN"})
    assert error.field == "auth.token_store"
    assert "must be an aws-sm:// reference" in str(error)
    error = spec_error(
        environment="sandbox",
        auth={"mode": "app_token", "app_token": "x", "token_store": "aws-sm://t"},
    )
    assert "only applies to auth.mode oauth" in str(error)


def test_certificate_and_key_come_together() -> None:
    error = spec_error(environment="sandbox", auth=OAUTH, mtls={"certificate": "env://C"})
    assert error.field == "mtls.private_key"


# --- host table, references, dumps ------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "environment", "mode", "api", "token_url"),
    [
        (
            "ae",
            "sandbox",
            "oauth",
            "https://sandbox.leantech.me",
            "https://auth.sandbox.leantech.me/oauth2/token",
        ),
        (
            "ae",
            "production",
            "oauth",
            "https://api2.leantech.me",
            "https://auth.leantech.me/oauth2/token",
        ),
        (
            "ae",
            "production",
            "mtls",
            "https://api.leantech.me",
            "https://auth.leantech.me/oauth2/token",
        ),
        (
            "sa",
            "sandbox",
            "app_token",
            "https://sandbox.sa.leantech.me",
            "https://auth.sandbox.sa.leantech.me/oauth2/token",
        ),
        (
            "sa",
            "production",
            "oauth",
            "https://api2.sa.leantech.me",
            "https://auth.sa.leantech.me/oauth2/token",
        ),
    ],
)
def test_host_table(region: str, environment: str, mode: str, api: str, token_url: str) -> None:
    auth = {**OAUTH, "mode": mode, "app_token": "aws-sm://lean/x#T"}
    mtls = {"certificate": "aws-sm://lean/x#C", "private_key": "aws-sm://lean/x#K"}
    spec = load_spec(environment=environment, region=region, auth=auth, mtls=mtls)
    endpoints = resolve_endpoints(spec)
    assert (endpoints.api, endpoints.token_url) == (api, token_url)


def test_every_host_is_https_and_mtls_sandbox_has_no_default() -> None:
    for (_, environment, mode), (api, auth) in HOSTS.items():
        assert auth.startswith("https://")
        assert (api is None) == (environment == "sandbox" and mode == "mtls")


def test_endpoint_overrides_win_and_lose_trailing_slash() -> None:
    spec = load_spec(
        environment="sandbox",
        auth=OAUTH,
        endpoints={"api": "https://127.0.0.1:8443/", "auth": "https://127.0.0.1:8444"},
    )
    endpoints = resolve_endpoints(spec)
    assert endpoints.api == "https://127.0.0.1:8443"
    assert endpoints.token_url == "https://127.0.0.1:8444/oauth2/token"


def test_is_reference() -> None:
    for text in ("aws-sm://a", "aws-ssm:///p", "env://X", "file:///tmp/x"):
        assert is_reference(text)
    for text in ("aws-sm:/a", "AWS-SM://a", "sm://x", "plain"):
        assert not is_reference(text)


def test_secret_references_lists_set_fields_in_order() -> None:
    spec = load_spec(
        environment="sandbox", auth={**OAUTH, "app_token": "lit"}, webhooks={"secret": "env://W"}
    )
    assert secret_references(spec) == {
        "auth.app_token": "lit",
        "auth.client_secret": "aws-sm://lean/dev/oauth#cs",
        "webhooks.secret": "env://W",
    }


def test_redacted_dump_and_repr_hide_literal_secrets() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    spec = load_spec(
        environment="sandbox",
        auth={**OAUTH, "client_secret": SECRET_LITERAL},
        mtls={"certificate": pem, "private_key": SECRET_LITERAL + "-key"},
        webhooks={"secret": "env://WEBHOOK"},
    )
    dump = redacted_dump(spec)
    text = json.dumps(dump)
    assert SECRET_LITERAL not in text
    assert dump["auth"]["client_secret"] == LITERAL_REDACTED
    assert dump["mtls"]["private_key"] == LITERAL_REDACTED
    assert dump["mtls"]["certificate"] == pem  # public
    assert dump["webhooks"]["secret"] == "env://WEBHOOK"
    assert dump["auth"]["client_id"] == "app-1"
    for shown in (repr(spec), str(spec), repr(spec.auth), repr(spec.mtls)):
        assert SECRET_LITERAL not in shown
    assert "env://WEBHOOK" in repr(spec)


def test_secret_fields_are_reference_fields() -> None:
    from lean_connector.spec import REFERENCE_FIELDS

    assert set(SECRET_FIELDS) < set(REFERENCE_FIELDS)
    assert {"mtls.certificate", "mtls.ca_chain"} == set(REFERENCE_FIELDS) - set(SECRET_FIELDS)


# --- private keys pasted into the spec --------------------------------------------------

# A PKCS#8 header with a made-up body: spec rules look only at the text, never parse it.
KEY_BODY = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKEYMATERIAL0123456789"
PRIVATE_KEY = f"-----BEGIN PRIVATE KEY-----\n{KEY_BODY}\n-----END PRIVATE KEY-----\n"
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
RSA_KEY = f"-----BEGIN RSA PRIVATE KEY-----\n{KEY_BODY}\n-----END RSA PRIVATE KEY-----\n"


def spec_with(environment: str, field: str, value: str) -> dict[str, Any]:
    """A valid oauth spec with every reference field set to a reference, then one replaced."""
    sections: dict[str, dict[str, Any]] = {
        "auth": {**OAUTH, "app_token": "aws-sm://lean/x#T"},
        "mtls": {
            "certificate": "aws-sm://lean/x#C",
            "private_key": "aws-sm://lean/x#K",
            "ca_chain": "aws-sm://lean/x#CA",
        },
        "webhooks": {"secret": "aws-sm://lean/x#W"},
    }
    section, key = field.split(".")
    sections[section][key] = value
    return {"environment": environment, **sections}


@pytest.mark.parametrize("environment", ["sandbox", "production"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mtls.certificate", CERTIFICATE + PRIVATE_KEY),  # a cert + key bundle
        ("mtls.ca_chain", CERTIFICATE + RSA_KEY),
        ("auth.app_token", PRIVATE_KEY),
        ("webhooks.secret", PRIVATE_KEY.replace("PRIVATE", "ENCRYPTED PRIVATE")),
    ],
)
def test_private_key_in_any_reference_field_is_refused_naming_the_field(
    environment: str, field: str, value: str
) -> None:
    error = spec_error(**spec_with(environment, field, value))
    assert error.field == field
    assert str(error) == (
        f"{field} holds private key material: put the key in mtls.private_key as a secret "
        "reference (aws-sm://..., aws-ssm://, env:// or file://)"
    )
    assert KEY_BODY not in str(error)
    assert KEY_BODY not in repr(error)


@pytest.mark.parametrize("environment", ["sandbox", "production"])
def test_literal_private_key_in_mtls_private_key_is_refused_once(environment: str) -> None:
    error = spec_error(**spec_with(environment, "mtls.private_key", PRIVATE_KEY))
    assert error.field == "mtls.private_key"
    # One message, not also "holds a literal value" in production.
    assert str(error) == (
        "mtls.private_key holds private key material: put the key in a secret store and set "
        "mtls.private_key to a secret reference (aws-sm://..., aws-ssm://, env:// or file://)"
    )


def test_a_reference_or_a_plain_certificate_is_not_mistaken_for_a_key() -> None:
    spec = load_spec(**spec_with("production", "mtls.certificate", CERTIFICATE))
    assert spec.mtls is not None
    assert spec.mtls.certificate == CERTIFICATE
    assert load_spec(**spec_with("production", "mtls.private_key", "aws-sm://lean/prod/mtls#key"))


def test_redacted_dump_hides_a_private_key_in_any_field() -> None:
    # sync.output is not a reference field: validation lets any text through, the dump must not.
    spec = load_spec(environment="sandbox", auth=OAUTH, sync={"output": PRIVATE_KEY})
    assert redacted_dump(spec)["sync"]["output"] == LITERAL_REDACTED
    # A spec built without validation (model_construct) is dumped and printed safely too.
    bundle = MTLSSpec.model_construct(certificate=CERTIFICATE + PRIVATE_KEY, ca_chain=CERTIFICATE)
    unvalidated = spec.model_copy(update={"mtls": bundle})
    dump = redacted_dump(unvalidated)
    assert dump["mtls"]["certificate"] == LITERAL_REDACTED
    assert dump["mtls"]["ca_chain"] == CERTIFICATE
    assert KEY_BODY not in json.dumps(dump)
    assert KEY_BODY not in repr(unvalidated)
    assert KEY_BODY not in repr(spec)


# --- secrets.aws_endpoint_url -----------------------------------------------------------


@pytest.mark.parametrize("url", ["http://vpce-1.secretsmanager.example", "HTTP://localhost:5000"])
def test_plain_http_secrets_endpoint_is_refused_in_production(url: str) -> None:
    error = spec_error(environment="production", auth=OAUTH, secrets={"aws_endpoint_url": url})
    assert error.field == "secrets.aws_endpoint_url"
    assert str(error) == (
        "secrets.aws_endpoint_url must be an https:// URL when environment is production: over "
        "plain http every secret would travel unencrypted; use the https:// endpoint (e.g. your "
        "Secrets Manager VPC endpoint) or remove it (http:// is for moto or LocalStack in "
        "sandbox)"
    )


def test_https_secrets_endpoint_in_production_and_http_in_sandbox_are_accepted() -> None:
    https = "https://vpce-1.secretsmanager.me-central-1.vpce.amazonaws.com"
    spec = load_spec(environment="production", auth=OAUTH, secrets={"aws_endpoint_url": https})
    assert spec.secrets.aws_endpoint_url == https
    moto = "http://127.0.0.1:5000"
    spec = load_spec(environment="sandbox", auth=OAUTH, secrets={"aws_endpoint_url": moto})
    assert spec.secrets.aws_endpoint_url == moto


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("aws-sm://#app_token", "the secret name is empty"),
        ("env://", "malformed secret reference"),
        (
            "aws-sm://lean/dev/app?stage=AWSCURRENT&version=11111111-2222-4333-8444-555555555555",
            "malformed secret reference",
        ),
    ],
)
def test_a_malformed_reference_is_a_spec_error(reference: str, problem: str) -> None:
    error = spec_error(environment="sandbox", auth={"mode": "app_token", "app_token": reference})
    assert error.field == "auth.app_token"
    assert str(error).startswith(f"auth.app_token ({reference}): malformed secret reference")
    assert problem in str(error)
