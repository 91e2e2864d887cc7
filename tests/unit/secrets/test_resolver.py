"""secrets.py without AWS: parsing, SecretValue hiding, and the cache on env:// and file://.

The cache tests use real env vars and real files (no fakes) with an injected clock; the
AWS paths are in tests/integration/test_secrets_aws.py against a moto server.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lean_connector.errors import (
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SecretUnavailableError,
    SpecError,
)
from lean_connector.logs import capture_logs
from lean_connector.secrets import SecretReference, SecretResolver, SecretValue, parse_reference
from lean_connector.secrets._resolver import _Entry, _extract_json_key
from tests.support.clock import FakeClock

ARN = "arn:aws:secretsmanager:me-central-1:123456789012:secret:lean/dev/app-AbCdEf"
SM_FORM = "aws-sm://<name or ARN>[#json.key][?stage=AWSCURRENT|version=<id>]"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(0.0)


@pytest.fixture
def resolver(clock: FakeClock) -> SecretResolver:
    return SecretResolver(cache_ttl_s=100, jitter_ratio=0.0, clock=clock)


# -- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("aws-sm://lean/dev/app", ("aws-sm", "lean/dev/app", None, None, None)),
        ("aws-sm://lean/dev/app#app_token", ("aws-sm", "lean/dev/app", "app_token", None, None)),
        ("aws-sm://lean/dev/app#a.b.c", ("aws-sm", "lean/dev/app", "a.b.c", None, None)),
        ("aws-sm://x#k?stage=AWSPREVIOUS", ("aws-sm", "x", "k", "AWSPREVIOUS", None)),
        (
            "aws-sm://x?version=11111111-2222-4333-8444-555555555555#k",
            ("aws-sm", "x", "k", None, "11111111-2222-4333-8444-555555555555"),
        ),
        (f"aws-sm://{ARN}", ("aws-sm", ARN, None, None, None)),
        (
            f"aws-sm://{ARN}#app_token?version=22222222-3333-4444-8555-666666666666",
            ("aws-sm", ARN, "app_token", None, "22222222-3333-4444-8555-666666666666"),
        ),
        ("aws-ssm:///lean/dev/webhook", ("aws-ssm", "/lean/dev/webhook", None, None, None)),
        ("aws-ssm://lean-webhook#secret", ("aws-ssm", "lean-webhook", "secret", None, None)),
        ("env://LEAN_APP_TOKEN", ("env", "LEAN_APP_TOKEN", None, None, None)),
        ("env://LEAN_APP#app_token", ("env", "LEAN_APP", "app_token", None, None)),
        ("file:///run/secrets/key.pem", ("file", "/run/secrets/key.pem", None, None, None)),
        ("file:///run/app.json#mtls.key", ("file", "/run/app.json", "mtls.key", None, None)),
    ],
)
def test_parse_reference_forms(text: str, expected: tuple[Any, ...]) -> None:
    ref = parse_reference(text)
    assert (ref.scheme, ref.name, ref.json_key, ref.stage, ref.version) == expected
    assert str(ref) == text
    assert ref.text == text


def test_arn_region_is_known_and_cache_key_defaults_to_awscurrent() -> None:
    assert parse_reference(f"aws-sm://{ARN}").region == "me-central-1"
    assert parse_reference("aws-sm://x").region is None
    assert parse_reference("aws-sm://x#a").cache_key == ("aws-sm", "x", "AWSCURRENT", None)
    assert parse_reference("aws-sm://x?version=11111111-2222-4333-8444-555555555555").cache_key == (
        "aws-sm",
        "x",
        None,
        "11111111-2222-4333-8444-555555555555",
    )


@pytest.mark.parametrize(
    "text", ["plain-app-token-value", "https://example.com/x", "s3://bucket/key", "aws-sm:/x"]
)
def test_anything_else_is_a_literal_whose_text_is_hidden(text: str) -> None:
    ref = parse_reference(text)
    assert ref.scheme == "literal"
    assert str(ref) == "<literal>"
    assert repr(ref) == "SecretReference(<literal>)"
    assert text not in f"{ref} {ref!r} {ref!s}"


@pytest.mark.parametrize(
    ("text", "problem", "form"),
    [
        ("aws-sm://", "the secret name is empty", SM_FORM),
        ("aws-sm://#app_token", "the secret name is empty", SM_FORM),
        ("aws-sm://lean/dev/app#", "'#' must be followed by a JSON key", SM_FORM),
        (
            "aws-sm://x?stage=AWSCURRENT&version=11111111-2222-4333-8444-555555555555",
            "give stage= or version=, not both",
            SM_FORM,
        ),
        (
            "aws-sm://x?versionid=v1",
            "unknown query key 'versionid' (only stage= or version=)",
            SM_FORM,
        ),
        ("aws-sm://x?version=", "version= must be given once, with a value", SM_FORM),
        ("aws-sm://x?stage=A&stage=B", "stage= must be given once, with a value", SM_FORM),
        (
            "aws-sm://arn:aws:s3:::bucket",
            "not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:…)",
            SM_FORM,
        ),
        ("aws-ssm://", "the secret name is empty", "aws-ssm://<parameter name>[#json.key]"),
        (
            "aws-ssm://p?version=2",
            "aws-ssm references take no ?query",
            "aws-ssm://<parameter name>[#json.key]",
        ),
        ("env://", "the variable name is empty", "env://VAR_NAME[#json.key]"),
        ("env://1-BAD", "'1-BAD' is not an environment variable name", "env://VAR_NAME[#json.key]"),
        (
            "file://relative/key.pem",
            "the path must be absolute (three slashes: file:///path)",
            "file:///absolute/path[#json.key]",
        ),
    ],
)
def test_malformed_references_name_field_reference_and_valid_form(
    text: str, problem: str, form: str
) -> None:
    with pytest.raises(SecretError) as err:
        parse_reference(text, field="auth.app_token")
    assert str(err.value) == (
        f"auth.app_token ({text}): malformed secret reference: {problem}; expected {form}"
    )
    assert err.value.reference == text


def test_malformed_reference_without_field_names_the_reference() -> None:
    with pytest.raises(SecretError) as err:
        parse_reference("env://")
    assert str(err.value) == (
        "env://: malformed secret reference: the variable name is empty; "
        "expected env://VAR_NAME[#json.key]"
    )


# -- SecretValue -----------------------------------------------------------------------------


def test_secret_value_never_shows_the_value() -> None:
    ref = parse_reference("aws-sm://lean/dev/app#app_token")
    value = SecretValue(b"super-secret-token", reference=ref, source="aws-sm", version_id="v1")

    shown = f"{value} {value!r} {value!s} {[value]} { ({'k': value}) }"
    assert "super-secret-token" not in shown
    assert repr(value) == "SecretValue(aws-sm://lean/dev/app#app_token, version=v1, 18 bytes)"
    assert str(value) == repr(value)
    assert len(value) == 18
    assert value.reveal() == "super-secret-token"
    assert value.reveal_bytes() == b"super-secret-token"
    as_text: object = "super-secret-token"
    assert value != as_text  # a SecretValue never equals a string: no accidental comparisons


def test_literal_value_repr_hides_the_literal(resolver: SecretResolver) -> None:
    value = resolver.resolve("literal-app-token-123", field="auth.app_token")
    assert value.reveal() == "literal-app-token-123"
    assert value.source == "literal"
    assert repr(value) == "SecretValue(<literal>, version=None, 21 bytes)"


def test_binary_reveal_error_does_not_quote_the_bytes() -> None:
    value = SecretValue(
        b"\xff\xfe-binary", reference=parse_reference("env://KEY"), source="env", version_id=None
    )
    with pytest.raises(SecretError) as err:
        value.reveal()
    assert str(err.value) == "env://KEY: the secret is binary, not UTF-8 text: use reveal_bytes()"
    assert err.value.__cause__ is None
    assert err.value.__suppress_context__


# -- cache -------------------------------------------------------------------------------------


def write_json(path: Path, data: dict[str, Any]) -> str:
    path.write_text(json.dumps(data))
    return f"file://{path}"


def test_many_keys_of_one_file_are_read_once_per_ttl(
    tmp_path: Path, resolver: SecretResolver, clock: FakeClock
) -> None:
    ref = write_json(tmp_path / "app.json", {"a": "value-a-1", "b": "value-b-1", "c": {"d": "4"}})

    assert resolver.resolve(f"{ref}#a").reveal() == "value-a-1"
    assert resolver.resolve(f"{ref}#b").reveal() == "value-b-1"
    assert resolver.resolve(f"{ref}#c.d").reveal() == "4"
    assert resolver.call_counts == {"ReadFile": 1}

    clock.now = 99.9
    resolver.resolve(f"{ref}#a")
    assert resolver.call_counts == {"ReadFile": 1}
    clock.now = 100.0
    resolver.resolve(f"{ref}#a")
    assert resolver.call_counts == {"ReadFile": 2}


def test_top_level_key_with_dots_wins_over_nesting(
    tmp_path: Path, resolver: SecretResolver
) -> None:
    ref = write_json(tmp_path / "s.json", {"a.b": "flat-value", "a": {"b": "nested-value"}})
    assert resolver.resolve(f"{ref}#a.b").reveal() == "flat-value"


def test_jitter_keeps_each_ttl_within_its_range(tmp_path: Path, clock: FakeClock) -> None:
    resolver = SecretResolver(cache_ttl_s=100, jitter_ratio=0.5, clock=clock)
    refs = []
    for i in range(40):
        refs.append(write_json(tmp_path / f"s{i}.json", {"k": f"value-{i}-xyz"}))
        resolver.resolve(refs[-1])
    expiries = {entry.expires_at for entry in resolver._cache.values()}
    assert all(50 <= e < 100 for e in expiries)
    assert len(expiries) > 1  # jittered, so a fleet does not refresh in lockstep

    clock.now = 49.99
    for ref in refs:
        resolver.resolve(ref)
    assert resolver.call_counts == {"ReadFile": 40}
    clock.now = 100.0
    for ref in refs:
        resolver.resolve(ref)
    assert resolver.call_counts == {"ReadFile": 80}


def test_refresh_forces_a_new_read_of_one_secret_or_all(
    tmp_path: Path, resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = write_json(tmp_path / "a.json", {"k": "old-value-1"})
    monkeypatch.setenv("LEAN_TEST_TOKEN", "env-old-value")
    resolver.resolve(f"{ref}#k")
    resolver.resolve("env://LEAN_TEST_TOKEN")
    write_json(tmp_path / "a.json", {"k": "new-value-2"})
    monkeypatch.setenv("LEAN_TEST_TOKEN", "env-new-value")

    assert resolver.resolve(f"{ref}#k").reveal() == "old-value-1"
    resolver.refresh(f"{ref}#other_key")  # any reference to the same secret
    assert resolver.resolve(f"{ref}#k").reveal() == "new-value-2"
    assert resolver.resolve("env://LEAN_TEST_TOKEN").reveal() == "env-old-value"
    resolver.refresh()
    assert resolver.resolve("env://LEAN_TEST_TOKEN").reveal() == "env-new-value"
    assert resolver.call_counts == {"ReadFile": 2, "ReadEnv": 2}


def test_failed_refresh_serves_last_good_value_with_a_warning(
    tmp_path: Path, resolver: SecretResolver, clock: FakeClock
) -> None:
    path = tmp_path / "app.json"
    ref = write_json(path, {"token": "last-good-token"})
    resolver.resolve(f"{ref}#token", field="auth.app_token")
    path.unlink()
    clock.now = 150

    with capture_logs() as events:
        value = resolver.resolve(f"{ref}#token", field="auth.app_token")

    assert value.reveal() == "last-good-token"
    assert [e for e in events if e["event"] == "secret.refresh_failed"] == [
        {
            "event": "secret.refresh_failed",
            "field": "auth.app_token",
            "reference": f"{ref}#token",
            "error": "SecretNotFoundError",
            "serving_version_id": None,
            "logger": "lean_connector.secrets._resolver",
            "level": "warning",
            "log_level": "warning",
        }
    ]
    assert "last-good-token" not in repr(events)
    # The store is not asked again on every call while it is failing...
    clock.now = 179
    resolver.resolve(f"{ref}#token")
    assert resolver.call_counts == {"ReadFile": 2}
    # ...but is asked again 30 s later, and a recovered store wins.
    write_json(path, {"token": "recovered-token"})
    clock.now = 180
    assert resolver.resolve(f"{ref}#token").reveal() == "recovered-token"
    assert resolver.call_counts == {"ReadFile": 3}


def test_concurrent_first_use_reads_once(tmp_path: Path, resolver: SecretResolver) -> None:
    ref = write_json(tmp_path / "app.json", {"k": "shared-value"})
    start = threading.Barrier(32)
    seen: list[str] = []

    def worker() -> None:
        start.wait()
        seen.append(resolver.resolve(f"{ref}#k").reveal())

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == ["shared-value"] * 32
    assert resolver.call_counts == {"ReadFile": 1}


def test_resolved_event_has_reference_and_no_value(
    resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAN_TEST_SECRET", "env-secret-value-77")
    with capture_logs() as events:
        resolver.resolve("env://LEAN_TEST_SECRET", field="webhooks.secret")
        resolver.resolve("env://LEAN_TEST_SECRET", field="webhooks.secret")
        # Registered for redaction: the value is scrubbed even where a caller logs it.
        from lean_connector.logs import get_logger

        get_logger("test").info("oops", detail="got env-secret-value-77 back")
    resolved = [e for e in events if e["event"] == "secret.resolved"]
    assert [(e["cached"], e["log_level"]) for e in resolved] == [(False, "info"), (True, "debug")]
    assert {k: resolved[0][k] for k in ("field", "reference", "source", "version_id")} == {
        "field": "webhooks.secret",
        "reference": "env://LEAN_TEST_SECRET",
        "source": "env",
        "version_id": None,
    }
    assert "env-secret-value-77" not in repr(events)


# -- base64 PEM --------------------------------------------------------------------------------

PEM = b"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (base64.b64encode(PEM), PEM),
        (base64.encodebytes(PEM), PEM),  # wrapped at 76 columns, with newlines
        (PEM, PEM),
        (base64.b64encode(b"-----NOT A PEM"), base64.b64encode(b"-----NOT A PEM")),
        (b"LS0tLS1CRUdJTi-not-base64!", b"LS0tLS1CRUdJTi-not-base64!"),
        (base64.b64encode(b"just some text"), base64.b64encode(b"just some text")),
    ],
)
def test_base64_pem_is_decoded_only_when_it_is_a_pem(
    tmp_path: Path, resolver: SecretResolver, stored: bytes, expected: bytes
) -> None:
    path = tmp_path / "cert"
    path.write_bytes(stored)
    assert resolver.resolve(f"file://{path}").reveal_bytes() == expected


# -- error messages of local sources -----------------------------------------------------------


def test_env_var_unset(resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEAN_NOT_SET", raising=False)
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve("env://LEAN_NOT_SET", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (env://LEAN_NOT_SET): environment variable LEAN_NOT_SET is not set: "
        "export it or fix auth.app_token"
    )


def test_file_missing_and_directory(tmp_path: Path, resolver: SecretResolver) -> None:
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve(f"file://{tmp_path}/nope.pem", field="mtls.private_key")
    assert str(err.value) == (
        f"mtls.private_key (file://{tmp_path}/nope.pem): file {tmp_path}/nope.pem does not "
        "exist: create it or fix mtls.private_key"
    )
    with pytest.raises(SecretError) as err_dir:
        resolver.resolve(f"file://{tmp_path}", field="mtls.private_key")
    assert str(err_dir.value) == (
        f"mtls.private_key (file://{tmp_path}): cannot read file {tmp_path} "
        "(Is a directory): fix mtls.private_key"
    )


def test_json_key_missing_lists_keys_at_the_failing_level(
    tmp_path: Path, resolver: SecretResolver
) -> None:
    ref = write_json(tmp_path / "s.json", {"mtls": {"certificate": "cert-value-1"}, "x": "v-x"})
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve(f"{ref}#mtls.key", field="mtls.private_key")
    assert str(err.value) == (
        f"mtls.private_key ({ref}#mtls.key): JSON key 'mtls.key' not found in secret "
        f"'{tmp_path}/s.json'; keys present under 'mtls': certificate: "
        "fix the key in mtls.private_key or add it to the secret"
    )
    assert "cert-value-1" not in str(err.value)


def test_hash_key_on_env_reads_json_from_the_variable(
    resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEAN_APP_JSON", '{"app_token": "env-json-token"}')
    assert resolver.resolve("env://LEAN_APP_JSON#app_token").reveal() == "env-json-token"


@pytest.mark.parametrize("payload", [b'["a", "b"]', b"not json", b"\xff\xfe"])
def test_hash_key_needs_a_json_object(payload: bytes) -> None:
    ref = parse_reference("aws-ssm://p#k")
    with pytest.raises(SecretError) as err:
        _extract_json_key(ref, _Entry(payload, None, 0.0), "webhooks.secret")
    assert str(err.value) == (
        "webhooks.secret (aws-ssm://p#k): secret 'p' is not a JSON object, so '#k' cannot be "
        "read from it: remove '#k' from webhooks.secret or store the secret as JSON "
        'like {"k": "..."}'
    )


# -- AWS error translation (codes moto cannot produce) ----------------------------------------


def client_error(code: str, status: int = 400) -> ClientError:
    # A real botocore ClientError, built as botocore builds it: moto cannot throttle or fail KMS.
    response: Any = {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {}}
    response["ResponseMetadata"]["HTTPStatusCode"] = status
    return ClientError(response, "GetSecretValue")


@pytest.mark.parametrize(
    ("code", "error_type", "text"),
    [
        ("ThrottlingException", SecretUnavailableError, "answered ThrottlingException"),
        ("InternalServiceError", SecretUnavailableError, "answered InternalServiceError"),
        ("DecryptionFailure", SecretAccessDeniedError, "grant secretsmanager:GetSecretValue"),
        ("KMSAccessDeniedException", SecretAccessDeniedError, "and kms:Decrypt on its KMS key"),
        ("AccessDeniedException", SecretAccessDeniedError, "(region me-central-1, AccessDenied"),
        ("UnrecognizedClientException", SecretAccessDeniedError, "AWS rejected the AWS cred"),
        ("InvalidRequestException", SecretError, "refused GetSecretValue for secret 'x': Inv"),
    ],
)
def test_aws_error_codes_map_to_the_error_tree(
    code: str, error_type: type[SecretError], text: str
) -> None:
    resolver = SecretResolver()
    error = resolver._aws_error(
        client_error(code), parse_reference("aws-sm://x"), "f", "me-central-1", "GetSecretValue"
    )
    assert type(error) is error_type
    assert str(error).startswith("f (aws-sm://x): ")
    assert text in str(error)


def test_xml_error_body_code_is_read_from_the_message() -> None:
    body = "<ErrorResponse><Error><Code>AccessDenied</Code></Error></ErrorResponse>"
    exc = ClientError({"Error": {"Code": "403", "Message": body}}, "GetSecretValue")
    error = SecretResolver()._aws_error(
        exc, parse_reference("aws-sm://x"), None, "me-central-1", "GetSecretValue"
    )
    assert isinstance(error, SecretAccessDeniedError)
    assert "(region me-central-1, AccessDenied)" in str(error)


def test_non_aws_errors_are_not_translated() -> None:
    error = SecretResolver()._aws_error(
        ValueError("x"), parse_reference("aws-sm://x"), None, "me-central-1", "GetSecretValue"
    )
    assert error is None


# -- misc --------------------------------------------------------------------------------------


def test_put_refuses_references_it_cannot_write() -> None:
    for ref in (
        "env://X",
        "aws-sm://x#key",
        "aws-sm://x?version=11111111-2222-4333-8444-555555555555",
        "a-literal-value",
    ):
        with pytest.raises(SecretError) as err:
            SecretResolver().put(ref, "value")
        shown = "<literal>" if ref == "a-literal-value" else ref
        assert str(err.value) == (
            f"{shown}: put() writes a whole Secrets Manager secret: use "
            "aws-sm://<name or ARN>[?stage=<stage>] without #key or version="
        )


def test_invalid_cache_settings() -> None:
    with pytest.raises(SpecError) as err:
        SecretResolver(cache_ttl_s=-1)
    assert str(err.value) == "secrets.cache_ttl_s must be >= 0, got -1"
    with pytest.raises(SpecError) as err:
        SecretResolver(jitter_ratio=1.0)
    assert str(err.value) == "jitter_ratio must be in [0, 1), got 1.0"


def test_reference_dataclass_is_frozen() -> None:
    ref = parse_reference("aws-sm://x")
    assert isinstance(ref, SecretReference)
    with pytest.raises(AttributeError):
        ref.name = "y"  # type: ignore[misc]


def test_importing_the_package_and_resolving_locally_does_not_import_boto3() -> None:
    code = (
        "import sys, os, lean_connector, lean_connector.secrets._resolver\n"
        "os.environ['LEAN_X'] = 'value-xyz'\n"
        "r = lean_connector.secrets._resolver.SecretResolver()\n"
        "assert r.resolve('env://LEAN_X').reveal() == 'value-xyz'\n"
        "print(sorted(m for m in ('boto3', 'botocore') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- cache hits stay cheap ---------------------------------------------------------------------


def test_a_value_is_registered_for_redaction_once_per_version_not_per_use(
    tmp_path: Path, resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lean_connector.secrets._resolver as secrets_module

    registered: list[str | bytes] = []
    monkeypatch.setattr(secrets_module, "register_secret", registered.append)
    ref = write_json(tmp_path / "app.json", {"a": "first-value-1", "b": "other-value-2"})
    for _ in range(3):
        resolver.resolve(f"{ref}#a", field="auth.app_token")
        resolver.resolve(f"{ref}#b", field="webhooks.secret")
        resolver.resolve("a-literal-value-3", field="auth.client_secret")
    assert registered == ["first-value-1", "other-value-2", "a-literal-value-3"]

    write_json(tmp_path / "app.json", {"a": "rotated-value-4", "b": "other-value-2"})
    resolver.refresh()
    assert resolver.resolve(f"{ref}#a").reveal() == "rotated-value-4"
    assert resolver.resolve(f"{ref}#a").reveal() == "rotated-value-4"
    assert registered[3:] == ["rotated-value-4"]


def test_parsed_references_are_cached_but_literals_are_not() -> None:
    from lean_connector.secrets._refs import _parse_cached

    text = "aws-sm://lean/dev/cache-test#key?stage=AWSPENDING"
    assert parse_reference(text) is parse_reference(text, field="auth.app_token")
    before = _parse_cached.cache_info().currsize
    literal = parse_reference("literal-secret-value-not-cached")
    assert literal.scheme == "literal"
    assert _parse_cached.cache_info().currsize == before


def test_a_cached_parse_still_names_the_field_of_each_malformed_use() -> None:
    text = "env://1BAD"
    problem = "malformed secret reference: '1BAD' is not an environment variable name"
    for field in (None, "auth.app_token", "webhooks.secret", None):
        with pytest.raises(SecretError) as err:
            parse_reference(text, field=field)
        where = f"{field} ({text})" if field else text
        assert str(err.value) == f"{where}: {problem}; expected env://VAR_NAME[#json.key]"
