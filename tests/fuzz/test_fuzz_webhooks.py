"""Fuzz the webhook receiver: any body, header and timestamp is an event or a
WebhookVerificationError; the Lambda handler answers any API Gateway event with 200, 400
or 401 and a body that names no secret, and only a signed event gets a 200."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lean_connector import aws_lambda
from lean_connector.errors import WebhookVerificationError
from lean_connector.webhooks import WebhookEvent, check_fresh, event_time, parse_event, sign, verify
from tests.fuzz.strategies import PLANTED_LITERAL, PROFILE, nasty_text, values

SECRET = PLANTED_LITERAL  # the webhook secret: must never show in an answer or a message


def _timestamp(offset_s: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_s)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"


timestamps = st.one_of(
    st.floats(min_value=-30 * 86400, max_value=30 * 86400).map(_timestamp),
    nasty_text,
    st.integers(),
    st.none(),
)


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Webhook bodies: near-Lean events with fields of any type, or any bytes."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=200))
    document: dict[str, Any] = {}
    for key in ("type", "payload", "message", "timestamp", "event_id"):
        if draw(st.integers(0, 5)):
            document[key] = draw(values)
    if draw(st.booleans()):
        document["timestamp"] = draw(timestamps)
        document["event_id"] = draw(nasty_text | st.uuids().map(str))
        document["type"] = draw(st.sampled_from(["entity.created", "payment.updated"]) | values)
    return json.dumps(document).encode()


@PROFILE
@given(raw=bodies(), header=st.none() | nasty_text, now_offset=st.floats(-1e6, 1e6))
def test_verify_parse_and_freshness_raise_only_verification_errors(
    raw: bytes, header: str | None, now_offset: float
) -> None:
    verify(raw, sign(raw, SECRET), SECRET)  # Lean's own signature always verifies
    messages = []
    try:
        verify(raw, header, SECRET)
    except WebhookVerificationError as exc:
        messages.append(str(exc))
    try:
        event = parse_event(raw)
    except WebhookVerificationError as exc:
        refused = str(exc)
        assert refused.startswith("webhook body is not a Lean event: ")
        event = None
    if event is not None:
        assert isinstance(event, WebhookEvent)
        sent = event_time(event.timestamp)
        assert sent is None or isinstance(sent, float)
        try:
            check_fresh(event, now=time.time() + now_offset)
        except WebhookVerificationError as exc:
            messages.append(str(exc))
    for message in messages:
        assert SECRET not in message
        assert "\n" not in message


@pytest.fixture
def webhook_lambda() -> Iterator[None]:
    """The ready handler configured by env alone, as Terraform configures it."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.upper().startswith("LEAN_"):
            del os.environ[name]
    os.environ.update(
        {
            "LEAN_ENVIRONMENT": "sandbox",
            "LEAN_AUTH__MODE": "app_token",
            "LEAN_AUTH__APP_TOKEN": "fuzz-app-token",
            "LEAN_WEBHOOKS__SECRET": SECRET,  # a literal: allowed in sandbox
            "LEAN_LOGGING__LEVEL": "CRITICAL",
        }
    )
    aws_lambda.reset()
    aws_lambda.set_webhook_callback(None)
    yield
    aws_lambda.reset()
    os.environ.clear()
    os.environ.update(saved)


@st.composite
def gateway_events(draw: st.DrawFn) -> dict[str, Any]:
    """API Gateway proxy events whose every field may be wrong, signed or not."""
    raw = draw(bodies())
    signature = draw(st.sampled_from(["valid", "other-secret", "none"]) | nasty_text)
    headers: Any = {}
    if signature == "valid":
        headers = {draw(st.sampled_from(["lean-signature", "Lean-Signature"])): sign(raw, SECRET)}
    elif signature == "other-secret":
        headers = {"lean-signature": sign(raw, "not-the-secret")}
    elif signature != "none":
        headers = {draw(st.sampled_from(["lean-signature", "x"])): signature}
    if draw(st.integers(0, 9)) == 0:
        headers = draw(values)
    encoded = draw(st.booleans())
    body: Any = base64.b64encode(raw).decode() if encoded else raw.decode("utf-8", "replace")
    if draw(st.integers(0, 9)) == 0:
        body = draw(values)
    return {
        "version": "2.0",
        "routeKey": "POST /webhooks",
        "headers": headers,
        "body": body,
        "isBase64Encoded": encoded if draw(st.integers(0, 9)) else draw(values),
        "requestContext": draw(st.just({}) | values),
    }


@PROFILE
@given(event=gateway_events())
def test_the_handler_answers_any_gateway_event_without_leaking(
    webhook_lambda: None, event: dict[str, Any]
) -> None:
    response = aws_lambda.webhook_handler(event, None)
    assert response["statusCode"] in (200, 400, 401), response
    assert SECRET not in response["body"]
    answer = json.loads(response["body"])
    if response["statusCode"] != 200:
        assert answer in ({"error": "unauthorized"}, {"error": "bad request"})
