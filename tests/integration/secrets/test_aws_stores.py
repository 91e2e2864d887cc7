"""secrets.py against a real moto server: call counts, rotation, errors with their messages.

boto3 is used directly here only to arrange AWS state (create/rotate secrets, IAM users);
everything under test goes through SecretResolver and lean_connector._aws.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lean_connector.errors import (
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SecretUnavailableError,
)
from lean_connector.logs import capture_logs
from lean_connector.secrets import SecretResolver
from lean_connector.testing.certs import make_bundle
from tests.support.clock import FakeClock
from tests.support.moto_process import MotoProcess, free_port

pytestmark = pytest.mark.integration

REGION = "me-central-1"
APP: dict[str, Any] = {
    "app_token": "app-token-0123456789",
    "client_secret": "client-secret-abcdefgh",
    "webhook_secret": "webhook-secret-zyxwvut",
    "nested": {"inner": "nested-value-424242"},
}


def boto(service: str, endpoint_url: str, region: str = REGION, **kw: Any) -> Any:
    make_client: Any = boto3.client  # typed per service literal; these tests pass a str
    return make_client(service, region_name=region, endpoint_url=endpoint_url, **kw)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sm(aws: MotoProcess) -> Any:
    return boto("secretsmanager", aws.endpoint_url)


@pytest.fixture
def resolver(aws: MotoProcess, clock: FakeClock) -> SecretResolver:
    return SecretResolver(aws_endpoint_url=aws.endpoint_url, cache_ttl_s=300, clock=clock)


@pytest.fixture
def app_secret(sm: Any, aws: MotoProcess) -> dict[str, Any]:
    created: dict[str, Any] = sm.create_secret(Name="lean/dev/app", SecretString=json.dumps(APP))
    aws.reset_counts()
    return created


FOUR = {
    "auth.app_token": "aws-sm://lean/dev/app#app_token",
    "auth.client_secret": "aws-sm://lean/dev/app#client_secret",
    "webhooks.secret": "aws-sm://lean/dev/app#webhook_secret",
    "mtls.private_key_password": "aws-sm://lean/dev/app#nested.inner",
}


def test_four_fields_of_one_secret_cost_one_call_and_zero_within_ttl(
    aws: MotoProcess, resolver: SecretResolver, app_secret: dict[str, Any], clock: FakeClock
) -> None:
    values = {field: resolver.resolve(ref, field=field) for field, ref in FOUR.items()}

    assert values["auth.app_token"].reveal() == APP["app_token"]
    assert values["mtls.private_key_password"].reveal() == "nested-value-424242"
    assert {v.version_id for v in values.values()} == {app_secret["VersionId"]}
    assert aws.counts() == {"GetSecretValue": 1}
    assert resolver.call_counts == {"GetSecretValue": 1}

    aws.reset_counts()
    clock.now += 250  # inside the TTL even with the full 10 % jitter taken off 300 s
    for field, ref in FOUR.items():
        resolver.resolve(ref, field=field)
    assert aws.counts() == {}
    assert resolver.call_counts == {"GetSecretValue": 1}


def test_resolve_spec_resolves_every_reference_field_with_one_call(
    aws: MotoProcess, resolver: SecretResolver, app_secret: dict[str, Any]
) -> None:
    from lean_connector.spec import load_spec

    spec = load_spec(
        environment="sandbox",
        auth={
            "mode": "oauth",
            "client_id": "aws-sm://lean/dev/app#app_token",
            "client_secret": "aws-sm://lean/dev/app#client_secret",
        },
        webhooks={"secret": "aws-sm://lean/dev/app#webhook_secret"},
        mtls={"ca_chain": "aws-sm://lean/dev/app#nested.inner"},
    )
    values = resolver.resolve_spec(spec)

    assert values["auth.client_secret"].reveal() == APP["client_secret"]
    assert values["webhooks.secret"].reveal() == APP["webhook_secret"]
    assert values["mtls.ca_chain"].reveal() == "nested-value-424242"
    assert aws.counts() == {"GetSecretValue": 1}


def test_concurrent_first_use_makes_one_call(
    aws: MotoProcess, resolver: SecretResolver, app_secret: dict[str, Any]
) -> None:
    start = threading.Barrier(16)
    results: list[str] = []

    def worker() -> None:
        start.wait()
        results.append(resolver.resolve("aws-sm://lean/dev/app#app_token").reveal())

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [APP["app_token"]] * 16
    assert aws.counts() == {"GetSecretValue": 1}


def test_rotation_is_picked_up_after_refresh_and_after_ttl(
    aws: MotoProcess,
    sm: Any,
    resolver: SecretResolver,
    app_secret: dict[str, Any],
    clock: FakeClock,
) -> None:
    ref = "aws-sm://lean/dev/app#app_token"
    assert resolver.resolve(ref).reveal() == APP["app_token"]

    rotated = sm.put_secret_value(
        SecretId="lean/dev/app", SecretString=json.dumps({**APP, "app_token": "rotated-token-1"})
    )
    assert resolver.resolve(ref).reveal() == APP["app_token"]  # cached: no call yet
    resolver.refresh()
    second = resolver.resolve(ref)
    assert second.reveal() == "rotated-token-1"
    assert second.version_id == rotated["VersionId"]

    sm.put_secret_value(
        SecretId="lean/dev/app", SecretString=json.dumps({**APP, "app_token": "rotated-token-2"})
    )
    clock.now += 301  # past the TTL whatever the jitter: no refresh() needed
    assert resolver.resolve(ref).reveal() == "rotated-token-2"
    assert aws.counts() == {"GetSecretValue": 3, "PutSecretValue": 2}


def test_version_and_stage_queries_pick_that_version(
    sm: Any, resolver: SecretResolver, app_secret: dict[str, Any]
) -> None:
    first_version = app_secret["VersionId"]
    sm.put_secret_value(SecretId="lean/dev/app", SecretString=json.dumps({"app_token": "new-one"}))

    current = resolver.resolve("aws-sm://lean/dev/app#app_token")
    previous = resolver.resolve("aws-sm://lean/dev/app#app_token?stage=AWSPREVIOUS")
    pinned = resolver.resolve(f"aws-sm://lean/dev/app?version={first_version}#app_token")

    assert current.reveal() == "new-one"
    assert previous.reveal() == APP["app_token"]
    assert pinned.reveal() == APP["app_token"]
    assert pinned.version_id == first_version
    assert resolver.call_counts == {"GetSecretValue": 3}


def test_unknown_version_is_not_found_and_says_which(
    resolver: SecretResolver, app_secret: dict[str, Any]
) -> None:
    ref = "aws-sm://lean/dev/app?version=00000000-0000-0000-0000-000000000000"
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve(ref, field="auth.app_token")
    assert str(err.value) == (
        f"auth.app_token ({ref}): secret 'lean/dev/app' version "
        "'00000000-0000-0000-0000-000000000000' not found in Secrets Manager "
        "(region me-central-1): create it or fix auth.app_token"
    )


def test_arn_reference_is_asked_in_the_arns_region(aws: MotoProcess) -> None:
    other = boto("secretsmanager", aws.endpoint_url, region="eu-west-1")
    arn = other.create_secret(Name="lean/eu/app", SecretString='{"k": "eu-secret-value"}')["ARN"]
    resolver = SecretResolver(aws_endpoint_url=aws.endpoint_url, aws_region=REGION)

    value = resolver.resolve(f"aws-sm://{arn}#k")

    assert value.reveal() == "eu-secret-value"
    assert str(value.reference) == f"aws-sm://{arn}#k"


def test_secret_not_found_message(resolver: SecretResolver) -> None:
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve("aws-sm://lean/dev/missing#app_token", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (aws-sm://lean/dev/missing#app_token): secret 'lean/dev/missing' "
        "not found in Secrets Manager (region me-central-1): create it or fix auth.app_token"
    )
    assert err.value.reference == "aws-sm://lean/dev/missing#app_token"


def test_json_key_missing_lists_present_keys_never_values(
    resolver: SecretResolver, app_secret: dict[str, Any]
) -> None:
    ref = "aws-sm://lean/dev/app#app_tokn"
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve(ref, field="auth.app_token")
    message = str(err.value)
    assert message == (
        f"auth.app_token ({ref}): JSON key 'app_tokn' not found in secret 'lean/dev/app'; "
        "keys present: app_token, client_secret, nested, webhook_secret: "
        "fix the key in auth.app_token or add it to the secret"
    )
    assert APP["app_token"] not in message


def test_hash_key_on_a_secret_that_is_not_json(sm: Any, resolver: SecretResolver) -> None:
    sm.create_secret(Name="lean/dev/plain", SecretString="plain-text-secret-value")
    ref = "aws-sm://lean/dev/plain#secret"
    with pytest.raises(SecretError) as err:
        resolver.resolve(ref, field="webhooks.secret")
    assert str(err.value) == (
        f"webhooks.secret ({ref}): secret 'lean/dev/plain' is not a JSON object, so '#secret' "
        "cannot be read from it: remove '#secret' from webhooks.secret or store the secret "
        'as JSON like {"secret": "..."}'
    )
    assert resolver.resolve("aws-sm://lean/dev/plain").reveal() == "plain-text-secret-value"


def test_secret_binary_and_base64_pem(sm: Any, resolver: SecretResolver) -> None:
    pem: bytes = make_bundle().client.cert_pem
    sm.create_secret(Name="lean/dev/binary", SecretBinary=b"\x00\xffbinary-bytes")
    sm.create_secret(Name="lean/dev/cert-b64", SecretString=base64.b64encode(pem).decode())
    sm.create_secret(Name="lean/dev/cert-bin-b64", SecretBinary=base64.b64encode(pem))
    sm.create_secret(
        Name="lean/dev/mtls",
        SecretString=json.dumps({"certificate": base64.b64encode(pem).decode()}),
    )

    binary = resolver.resolve("aws-sm://lean/dev/binary", field="mtls.private_key")
    assert binary.reveal_bytes() == b"\x00\xffbinary-bytes"
    with pytest.raises(SecretError) as err:
        binary.reveal()
    assert str(err.value) == (
        "aws-sm://lean/dev/binary: the secret is binary, not UTF-8 text: use reveal_bytes()"
    )
    for ref in ("aws-sm://lean/dev/cert-b64", "aws-sm://lean/dev/cert-bin-b64"):
        assert resolver.resolve(ref).reveal_bytes() == pem
    assert resolver.resolve("aws-sm://lean/dev/mtls#certificate").reveal_bytes() == pem


def test_ssm_secure_string_is_decrypted(aws: MotoProcess, resolver: SecretResolver) -> None:
    ssm = boto("ssm", aws.endpoint_url)
    ssm.put_parameter(Name="/lean/dev/webhook", Value="ssm-webhook-secret", Type="SecureString")
    aws.reset_counts()

    value = resolver.resolve("aws-ssm:///lean/dev/webhook", field="webhooks.secret")
    resolver.resolve("aws-ssm:///lean/dev/webhook", field="webhooks.secret")

    assert value.reveal() == "ssm-webhook-secret"  # without WithDecryption moto returns ciphertext
    assert value.version_id == "1"
    assert aws.counts() == {"GetParameter": 1}


def test_ssm_parameter_not_found_message(resolver: SecretResolver) -> None:
    with pytest.raises(SecretNotFoundError) as err:
        resolver.resolve("aws-ssm:///lean/dev/nope", field="webhooks.secret")
    assert str(err.value) == (
        "webhooks.secret (aws-ssm:///lean/dev/nope): parameter '/lean/dev/nope' not found in "
        "SSM (region me-central-1): create it or fix webhooks.secret"
    )


def test_put_writes_a_new_version_and_updates_the_cache(
    aws: MotoProcess, sm: Any, resolver: SecretResolver
) -> None:
    sm.create_secret(Name="lean/dev/api-token", SecretString="{}")
    aws.reset_counts()
    token = json.dumps({"access_token": "eyJ-token-value", "scope": "api", "expires_at": 1.0})

    version_id = resolver.put("aws-sm://lean/dev/api-token", token)

    stored = sm.get_secret_value(SecretId="lean/dev/api-token")
    assert stored["SecretString"] == token
    assert stored["VersionId"] == version_id
    aws.reset_counts()
    value = resolver.resolve("aws-sm://lean/dev/api-token#access_token")
    assert value.reveal() == "eyJ-token-value"
    assert value.version_id == version_id
    assert aws.counts() == {}  # served from what put() cached


def test_put_to_a_missing_secret_says_create_it(resolver: SecretResolver) -> None:
    with pytest.raises(SecretNotFoundError) as err:
        resolver.put("aws-sm://lean/dev/no-token-store", "{}")
    assert str(err.value) == (
        "aws-sm://lean/dev/no-token-store: secret 'lean/dev/no-token-store' not found in "
        "Secrets Manager (region me-central-1): create it or fix the reference"
    )


def test_unreachable_store_with_nothing_cached(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    resolver = SecretResolver(aws_endpoint_url=endpoint, clock=clock)
    with pytest.raises(SecretUnavailableError) as err:
        resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (aws-sm://lean/dev/app#app_token): could not reach Secrets Manager "
        f"at {endpoint} (region me-central-1; nothing cached): check network access from here "
        "(NAT, or a VPC endpoint for secretsmanager) and secrets.aws_region / "
        "secrets.aws_endpoint_url"
    )
    assert err.value.retryable


def test_missing_aws_credentials_message(
    aws: MotoProcess, resolver: SecretResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    resolver = SecretResolver(aws_endpoint_url=aws.endpoint_url, aws_region="eu-north-1")
    with pytest.raises(SecretAccessDeniedError) as err:
        resolver.resolve("aws-sm://lean/dev/app", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (aws-sm://lean/dev/app): found no AWS credentials for secret "
        "'lean/dev/app' in Secrets Manager (region eu-north-1, NoCredentialsError): check the "
        "IAM role or the AWS_* keys/profile this process runs with"
    )


@pytest.fixture
def own_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoProcess]:
    """A moto server of this test's own: it gets stopped or switched to IAM auth."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = MotoProcess().start()
    try:
        yield server
    finally:
        server.stop()


def test_unreachable_store_serves_last_good_value_with_a_warning(
    own_moto: MotoProcess, clock: FakeClock
) -> None:
    boto("secretsmanager", own_moto.endpoint_url).create_secret(
        Name="lean/dev/app", SecretString=json.dumps(APP)
    )
    resolver = SecretResolver(aws_endpoint_url=own_moto.endpoint_url, clock=clock)
    first = resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")

    own_moto.stop()
    clock.now += 301
    with capture_logs() as events:
        served = resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")

    assert served.reveal() == APP["app_token"]
    assert served.version_id == first.version_id
    warnings = [e for e in events if e["event"] == "secret.refresh_failed"]
    assert warnings == [
        {
            "event": "secret.refresh_failed",
            "field": "auth.app_token",
            "reference": "aws-sm://lean/dev/app#app_token",
            "error": "EndpointConnectionError",
            "serving_version_id": first.version_id,
            "logger": "lean_connector.secrets._resolver",
            "level": "warning",
            "log_level": "warning",
        }
    ]
    assert APP["app_token"] not in repr(events)
    assert resolver.call_counts == {"GetSecretValue": 2}


def test_access_denied_message(own_moto: MotoProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    iam = boto("iam", own_moto.endpoint_url)
    boto("secretsmanager", own_moto.endpoint_url).create_secret(
        Name="lean/dev/app", SecretString=json.dumps(APP)
    )
    iam.create_user(UserName="lambda-role")
    deny = {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
    allow = {"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}
    iam.put_user_policy(
        UserName="lambda-role",
        PolicyName="no-secrets",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow, deny]}),
    )
    key = iam.create_access_key(UserName="lambda-role")["AccessKey"]
    own_moto.enable_iam_auth()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    resolver = SecretResolver(aws_endpoint_url=own_moto.endpoint_url)

    with pytest.raises(SecretAccessDeniedError) as err:
        resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (aws-sm://lean/dev/app#app_token): access denied to secret "
        "'lean/dev/app' in Secrets Manager (region me-central-1, AccessDenied): grant "
        "secretsmanager:GetSecretValue on it, and kms:Decrypt on its KMS key, to the role "
        "this runs as"
    )


def _tls_to_plain_http(endpoint_url: str) -> str:
    # moto speaks plain HTTP, so an https:// URL to it fails in the TLS handshake: a real
    # botocore SSLError, as from a TLS-inspecting proxy or a wrong VPC endpoint certificate.
    return endpoint_url.replace("http://", "https://", 1)


def test_tls_failure_with_nothing_cached_is_unavailable(aws: MotoProcess, clock: FakeClock) -> None:
    endpoint = _tls_to_plain_http(aws.endpoint_url)
    resolver = SecretResolver(aws_endpoint_url=endpoint, clock=clock)
    with pytest.raises(SecretUnavailableError) as err:
        resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")
    assert str(err.value) == (
        "auth.app_token (aws-sm://lean/dev/app#app_token): the TLS handshake with Secrets "
        f"Manager at {endpoint} failed (region me-central-1; nothing cached): check that "
        "secrets.aws_endpoint_url is an HTTPS endpoint whose certificate this host trusts, "
        "and any TLS-inspecting proxy"
    )
    assert err.value.retryable
    assert type(err.value.__cause__).__name__ == "SSLError"


def test_tls_failure_serves_last_good_value_with_a_warning(
    sm: Any, aws: MotoProcess, clock: FakeClock
) -> None:
    sm.create_secret(Name="lean/dev/app", SecretString=json.dumps(APP))
    resolver = SecretResolver(aws_endpoint_url=aws.endpoint_url, clock=clock)
    first = resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")

    # The store's TLS now fails (as when a proxy starts intercepting): same resolver, same cache.
    resolver.aws_endpoint_url = _tls_to_plain_http(aws.endpoint_url)
    clock.now += 301
    with capture_logs() as events:
        served = resolver.resolve("aws-sm://lean/dev/app#app_token", field="auth.app_token")

    assert served.reveal() == APP["app_token"]
    assert served.version_id == first.version_id
    warnings = [e for e in events if e["event"] == "secret.refresh_failed"]
    assert [(w["field"], w["error"]) for w in warnings] == [("auth.app_token", "SSLError")]
    assert APP["app_token"] not in repr(events)
    assert resolver.call_counts == {"GetSecretValue": 2}
