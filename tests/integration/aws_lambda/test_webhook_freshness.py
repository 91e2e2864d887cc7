"""webhook_handler refuses replays past the dedupe window and tells anonymous callers nothing.

A signed event is accepted only while its ``timestamp`` is within ``webhooks.max_age_s``
(a little clock skew allowed either way); refusals are logged with the reason and answered
``{"error": "unauthorized"}`` / ``{"error": "bad request"}`` with no configuration hint.
Real moto (Secrets Manager, DynamoDB, SQS) and sandbox, through test_handlers' fixtures.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from lean_connector import aws_lambda
from lean_connector.logs import capture_logs
from lean_connector.webhooks import sign
from tests.integration.aws_lambda.test_handlers import (  # noqa: F401
    WEBHOOK_SECRET,
    Context,
    _received,
    _webhook_event,
    lambda_env,
    webhook_env,
)

# Words from the verification messages that help an operator and must not reach a caller.
HINTS = ("webhooks.secret", "dashboard", "signature", "sha512", "RAW", "event_id", "timestamp")


def _event_at(event_id: str, when: datetime | str | None) -> bytes:
    document: dict[str, Any] = {
        "type": "entity.created",
        "payload": {"entity_id": "e-1"},
        "message": "An entity was created",
        "event_id": event_id,
    }
    if when is not None:
        document["timestamp"] = (
            when if isinstance(when, str) else when.isoformat().replace("+00:00", "Z")
        )
    return json.dumps(document).encode()


def _signed(body: bytes) -> dict[str, Any]:
    return _webhook_event(body, sign(body, WEBHOOK_SECRET))


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_signed_event_older_than_the_window_is_refused_as_a_replay(
    webhook_env: dict[str, Any],  # noqa: F811
) -> None:
    body = _event_at("evt-old", _now() - timedelta(hours=7))  # the dedupe window is 6 h
    with capture_logs() as events:
        response = aws_lambda.webhook_handler(_signed(body), Context())
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"error": "unauthorized"}
    assert _received(webhook_env) == []
    (refused,) = [e for e in events if e["event"] == "webhook.rejected"]
    assert "older than" in refused["reason"]


def test_a_signed_event_from_the_future_beyond_the_skew_is_refused(
    webhook_env: dict[str, Any],  # noqa: F811
) -> None:
    body = _event_at("evt-future", _now() + timedelta(hours=1))
    response = aws_lambda.webhook_handler(_signed(body), Context())
    assert response["statusCode"] == 401
    assert _received(webhook_env) == []


@pytest.mark.parametrize(
    "when",
    [timedelta(hours=-5, minutes=-50), timedelta(minutes=2), timedelta(0)],
    ids=["nearly-six-hours-old", "two-minutes-ahead", "now"],
)
def test_fresh_events_and_small_clock_skew_are_accepted(
    webhook_env: dict[str, Any],  # noqa: F811
    when: timedelta,
) -> None:
    body = _event_at(f"evt-fresh-{when.total_seconds()}", _now() + when)
    assert aws_lambda.webhook_handler(_signed(body), Context())["statusCode"] == 200


def test_lean_nanosecond_timestamps_are_read(webhook_env: dict[str, Any]) -> None:  # noqa: F811
    stamp = _now().strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"  # 9 fractional digits, as Lean
    body = _event_at("evt-nanos", stamp)
    assert aws_lambda.webhook_handler(_signed(body), Context())["statusCode"] == 200


def test_the_window_is_a_spec_setting(
    webhook_env: dict[str, Any],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEAN_WEBHOOKS__MAX_AGE_S", "60")
    aws_lambda.reset()
    body = _event_at("evt-10min", _now() - timedelta(minutes=10))
    assert aws_lambda.webhook_handler(_signed(body), Context())["statusCode"] == 401


@pytest.mark.parametrize("stamp", [None, "yesterday", "2026-13-45T99:00:00Z", ""])
def test_a_signed_event_without_a_readable_timestamp_is_a_bad_request(
    webhook_env: dict[str, Any],  # noqa: F811
    stamp: str | None,
) -> None:
    body = _event_at("evt-no-time", stamp)
    response = aws_lambda.webhook_handler(_signed(body), Context())
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "bad request"}
    assert _received(webhook_env) == []


@pytest.mark.parametrize("case", ["wrong secret", "no header", "malformed header", "tampered"])
def test_401_bodies_carry_no_configuration_hint(
    webhook_env: dict[str, Any],  # noqa: F811
    case: str,
) -> None:
    body = _event_at("evt-bad", _now())
    signature: str | None = {
        "wrong secret": sign(body, "not-the-webhook-secret"),
        "no header": None,
        "malformed header": "sha256=abc",
        "tampered": sign(body, WEBHOOK_SECRET),
    }[case]
    if case == "tampered":
        body = body.replace(b"e-1", b"e-2")
    with capture_logs() as events:
        response = aws_lambda.webhook_handler(_webhook_event(body, signature), Context())
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"error": "unauthorized"}
    assert not [hint for hint in HINTS if hint.lower() in response["body"].lower()]
    # The operator still gets the specific reason, in the function's logs.
    assert [e["reason"] for e in events if e["event"] == "webhook.rejected"]


def test_a_signed_but_malformed_body_is_a_bare_400(webhook_env: dict[str, Any]) -> None:  # noqa: F811
    body = b'{"type": "entity.created"}'
    response = aws_lambda.webhook_handler(_signed(body), Context())
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "bad request"}
