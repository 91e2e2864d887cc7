"""lean_connector.logs: redaction by key name, by shape and by registered value."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from lean_connector import logs
from lean_connector.logs._redaction import _REFERENCE_PREFIXES
from lean_connector.testing.certs import make_ca, private_key_pem


def _redact(**event: Any) -> dict[str, Any]:
    return dict(logs.redact_secrets(None, "info", dict(event)))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt() -> str:
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": "app", "scope": "api", "exp": 1999999999}).encode())
    return f"{header}.{claims}.{_b64url(os.urandom(256))}"


def _unique_secret() -> str:
    return f"s3cr3t-{uuid.uuid4().hex}"


# --- by key name -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "secret",
        "client_secret",
        "CLIENT_SECRET",
        "app_token",
        "access_token",
        "token",
        "Authorization",
        "private_key",
        "api_key",
        "Cookie",
        "signature",
        "lean-app-token",
        "Lean-Signature",
        "customer_token",
        "private_key_password",
        "webhook_secret",
    ],
)
def test_secret_key_names_are_redacted(key: str) -> None:
    assert _redact(**{key: "plain-value-123"})[key] == "[REDACTED]"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("token_type", "bearer"),
        ("expires_in", 3599),
        ("token_requests", 2),
        ("scope", "api"),
        ("token_url", "https://auth.leantech.me/oauth2/token"),
        ("token_store", "aws-sm://lean/dev/api-token"),
        ("secrets", {"cache_ttl_s": 300}),
        ("json_key", "client_secret"),
        ("idempotency_key", "0b7c5a9e-key"),
    ],
)
def test_similar_but_harmless_keys_stay_visible(key: str, value: Any) -> None:
    assert _redact(**{key: value})[key] == value


@pytest.mark.parametrize(
    "reference",
    [
        "aws-sm://lean/dev/oauth#client_secret",
        "aws-ssm:///lean/dev/app-token",
        "env://LEAN_CLIENT_SECRET",
        "file:///run/secrets/lean.pem",
    ],
)
def test_secret_references_under_secret_keys_stay_visible(reference: str) -> None:
    assert _redact(client_secret=reference)["client_secret"] == reference


def test_a_url_that_is_not_a_reference_is_still_redacted_under_a_secret_key() -> None:
    assert _redact(client_secret="https://example.com/x")["client_secret"] == "[REDACTED]"


def test_non_string_secret_values_are_redacted_but_unset_and_flags_are_shown() -> None:
    event = _redact(password=123456, token={"value": "x"}, app_token=None, access_token=True)
    assert event == {
        "password": "[REDACTED]",
        "token": "[REDACTED]",
        "app_token": None,
        "access_token": True,
    }


def test_nested_structures_are_redacted_and_the_originals_left_intact() -> None:
    headers = {"Authorization": "Bearer abc", "Accept": "application/json"}
    body = [{"client_secret": "xyz-12345"}, ("token", {"password": "pw-12345"})]
    event = _redact(headers=headers, body=body)
    assert event["headers"] == {"Authorization": "[REDACTED]", "Accept": "application/json"}
    assert event["body"] == [{"client_secret": "[REDACTED]"}, ("token", {"password": "[REDACTED]"})]
    # live objects (e.g. a Session's headers) must not be blanked by logging them
    assert headers["Authorization"] == "Bearer abc"
    assert body[0] == {"client_secret": "xyz-12345"}


# --- by shape ---------------------------------------------------------------------------


def _pem_samples() -> dict[str, str]:
    issued = make_ca("redaction test")
    legacy_encrypted = issued.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.BestAvailableEncryption(b"pw-123456"),
    )
    return {
        "certificate": issued.cert_pem.decode(),
        "pkcs8": issued.key_pem.decode(),
        "encrypted_pkcs8": private_key_pem(
            ec.generate_private_key(ec.SECP256R1()), b"pw-123456"
        ).decode(),
        "legacy_encrypted_ec": legacy_encrypted.decode(),
    }


@pytest.mark.parametrize("kind", ["certificate", "pkcs8", "encrypted_pkcs8", "legacy_encrypted_ec"])
def test_pem_blocks_of_any_type_are_redacted_inside_text(kind: str) -> None:
    pem = _pem_samples()[kind].strip()
    body = pem.split("-----")[2].strip().splitlines()[-1]
    event = _redact(event=f"loaded: {pem} (done)")
    assert event["event"] == "loaded: [REDACTED PEM] (done)"
    assert body not in event["event"]


def test_pem_with_escaped_newlines_and_truncated_pem_are_redacted() -> None:
    pem = _pem_samples()["pkcs8"].strip()
    escaped = json.dumps({"k": pem})  # a JSON dump inside a message: "\n" became "\\n"
    assert _redact(event=escaped)["event"] == '{"k": "[REDACTED PEM]"}'
    truncated = pem[: len(pem) // 2]
    assert _redact(event=f"cut: {truncated}")["event"] == "cut: [REDACTED PEM]"


def test_jwt_inside_text_is_redacted() -> None:
    token = _jwt()
    event = _redact(event=f"got {token} from auth", detail=[f"id={token}"])
    assert event["event"] == "got [REDACTED JWT] from auth"
    assert event["detail"] == ["id=[REDACTED JWT]"]


@pytest.mark.parametrize("word", ["Bearer", "bearer", "BEARER"])
def test_bearer_credentials_are_redacted_whatever_they_are(word: str) -> None:
    text = f"header {word} {_jwt()} sent; also {word} opaque-token_42"
    assert _redact(event=text)["event"] == (
        f"header {word} [REDACTED] sent; also {word} [REDACTED]"
    )


def test_ordinary_text_is_left_alone() -> None:
    text = "GET /data/v2/accounts?page=0 answered 200 in 12.5 ms (eyJ is a prefix)"
    assert _redact(event=text, token_type="bearer")["event"] == text


def test_other_objects_become_their_redacted_text() -> None:
    token = _jwt()

    class Holder:
        def __repr__(self) -> str:
            return f"Holder(token={token})"

    event = _redact(obj=Holder(), error=ValueError(f"bad {token}"))
    assert event["obj"] == "Holder(token=[REDACTED JWT])"
    assert event["error"] == "ValueError: bad [REDACTED JWT]"


def test_secret_values_used_as_dict_keys_are_redacted() -> None:
    token = _jwt()
    assert _redact(cache={token: 1})["cache"] == {"[REDACTED JWT]": 1}


# --- by registered value ----------------------------------------------------------------


def test_registered_secret_is_replaced_anywhere_inside_strings() -> None:
    secret = _unique_secret()
    before = _redact(event=f"value={secret}")
    logs.register_secret(secret)
    after = _redact(event=f"value={secret};", nested={"k": [f"x{secret}x"]})
    assert before["event"] == f"value={secret}"  # proves the registration did the work
    assert after["event"] == "value=[REDACTED];"
    assert after["nested"] == {"k": ["x[REDACTED]x"]}


def test_registered_bytes_secret_matches_str_and_bytes_values() -> None:
    secret = _unique_secret().encode()
    logs.register_secret(secret)
    event = _redact(text=f"v {secret.decode()}", raw=b"<" + secret + b">", shown=f"{secret!r}")
    assert event == {"text": "v [REDACTED]", "raw": "<[REDACTED]>", "shown": "b'[REDACTED]'"}


def test_registered_str_secret_matches_bytes_values_and_strips_whitespace() -> None:
    secret = _unique_secret()
    logs.register_secret(f"{secret}\n")  # secrets stored with a trailing newline are common
    event = _redact(raw=secret.encode(), text=f"[{secret}]")
    assert event == {"raw": "[REDACTED]", "text": "[[REDACTED]]"}


def test_a_secret_containing_another_is_replaced_whole() -> None:
    inner = _unique_secret()
    outer = f"head-{inner}-tail"
    logs.register_secret(inner)  # the shorter one first: order of registration must not matter
    logs.register_secret(outer)
    assert _redact(event=f"<{outer}> <{inner}>")["event"] == "<[REDACTED]> <[REDACTED]>"


def test_values_shorter_than_six_characters_are_not_registered() -> None:
    logs.register_secret("ab12c")
    logs.register_secret(b"xy9z")
    assert _redact(event="ab12c xy9z")["event"] == "ab12c xy9z"


def test_registration_from_many_threads_loses_nothing() -> None:
    secrets = [_unique_secret() for _ in range(64)]
    threads = [threading.Thread(target=logs.register_secret, args=(s,)) for s in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    event = _redact(event=" ".join(secrets))
    assert event["event"] == " ".join(["[REDACTED]"] * len(secrets))


# --- helpers shared with the rest of the package -------------------------------------


def test_reference_prefixes_match_the_secrets_grammar_and_logs_loads_no_pydantic() -> None:
    from lean_connector.secrets import REFERENCE_PREFIXES

    # logs sits below secrets, so it keeps its own copy: a scheme added to the grammar must
    # be added there too, or references of that scheme would be redacted in logs.
    assert _REFERENCE_PREFIXES == REFERENCE_PREFIXES
    code = (
        "import sys, lean_connector.logs;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml', 'boto3')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_redact_text_is_what_the_cli_debug_traceback_goes_through() -> None:
    from lean_connector.logs import redact_text, register_secret

    register_secret("tb-secret-value-123")
    text = 'ValueError: bad value "tb-secret-value-123"\nAuthorization: Bearer abc.def'
    cleaned = redact_text(text)
    assert "tb-secret-value-123" not in cleaned
    assert "abc.def" not in cleaned
    assert cleaned.startswith("ValueError: bad value")


# --- gaps found by the security review ----------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["clientSecret", "accessToken", "SecretAccessKey", "sessionToken", "privateKey", "APIKey"],
)
def test_camel_case_secret_key_names_are_redacted(key: str) -> None:
    assert _redact(**{key: "plain-value-123"})[key] == "[REDACTED]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "body client_secret=abc-123&grant_type=client_credentials",
            "body client_secret=[REDACTED]&grant_type=client_credentials",
        ),
        ("clientSecret=abc-123 sent", "clientSecret=[REDACTED] sent"),
        ("accessToken=abc-123, next", "accessToken=[REDACTED], next"),
        (
            '{"access_token": "abc 123", "token_type": "bearer"}',
            '{"access_token": "[REDACTED]", "token_type": "bearer"}',
        ),
        ("password: hunter2-x", "password: [REDACTED]"),
        (
            "client_secret=aws-sm://lean/dev/oauth#client_secret",
            "client_secret=aws-sm://lean/dev/oauth#client_secret",
        ),
        # Prose and ARNs are not assignments: the message and the reference stay readable.
        ("no token: Lean answered 401", "no token: Lean answered 401"),
        (
            "aws-sm://arn:aws:secretsmanager:me-central-1:123456789012:secret:lean/dev/app-Ab#k",
            "aws-sm://arn:aws:secretsmanager:me-central-1:123456789012:secret:lean/dev/app-Ab#k",
        ),
        ("token=Lean", "token=[REDACTED]"),
    ],
)
def test_secret_assignments_inside_text_are_redacted(text: str, expected: str) -> None:
    assert _redact(event=text)["event"] == expected


def test_nested_credentials_are_redacted_whole() -> None:
    answer = {
        "ResponseMetadata": {"HTTPStatusCode": 200},
        "Credentials": {
            "AccessKeyId": "ASIAEXAMPLEKEYID",
            "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG",
            "SessionToken": "FwoGZXIvYXdzEXAMPLE",
        },
    }
    event = _redact(answer={"outer": [answer]}, credentials={"user": "u", "pw": "pw-123456"})
    assert event["answer"]["outer"][0]["Credentials"] == "[REDACTED]"
    assert event["answer"]["outer"][0]["ResponseMetadata"] == {"HTTPStatusCode": 200}
    assert event["credentials"] == "[REDACTED]"


def test_url_encoded_forms_of_a_registered_secret_are_redacted() -> None:
    secret = f"s3/cr+t={uuid.uuid4().hex} &x"
    logs.register_secret(secret)
    from urllib.parse import quote, quote_plus

    event = _redact(
        form=f"grant_type=x&{quote_plus(secret)}&z", url=f"/p?q={quote(secret, safe='')}"
    )
    assert event == {"form": "grant_type=x&[REDACTED]&z", "url": "/p?q=[REDACTED]"}
