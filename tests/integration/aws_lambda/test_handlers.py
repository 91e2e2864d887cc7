"""Lambda handlers against the real local Lean sandbox and a real moto server.

Every secret is an ``aws-sm://`` reference into moto's Secrets Manager, as Terraform sets
it up. Nothing is mocked; the Lambda runtime itself is not available here, so handlers are
called the way it calls them: ``handler(event, context)`` in one long-lived process.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from lean_connector import aws_lambda
from lean_connector.client import LeanConnector
from lean_connector.errors import ConnectorError, LeanNotFoundError
from lean_connector.logs import capture_logs
from lean_connector.testing.aws import spec_env, store_sandbox_secrets
from lean_connector.testing.sandbox import LeanSandbox
from lean_connector.webhooks import sign
from tests.support.moto_process import MotoProcess

REGION = "me-central-1"
WEBHOOK_SECRET = "whsec-test-0123456789abcdef"


@dataclass
class Context:
    aws_request_id: str = "req-1"
    function_name: str = "lean-test"


def _install(monkeypatch: pytest.MonkeyPatch, overrides: dict[str, Any]) -> None:
    for name in list(os.environ):
        if name.startswith("LEAN_"):
            monkeypatch.delenv(name)
    for name, value in spec_env(overrides).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LEAN_LOGGING__FORMAT", "json")
    aws_lambda.reset()


@pytest.fixture
def lambda_env(
    aws: MotoProcess, lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """Returns install(mode, **extra) that stores secrets in moto and sets LEAN_* env."""

    def install(mode: str, *, token_store: bool = False, **extra: Any) -> dict[str, Any]:
        overrides = store_sandbox_secrets(
            lean_sandbox,
            mode=mode,
            region=REGION,
            endpoint_url=aws.endpoint_url,
            token_store=token_store,
        )
        overrides.update(extra)
        _install(monkeypatch, overrides)
        return overrides

    yield install
    aws_lambda.reset()
    aws_lambda.set_webhook_callback(None)


@aws_lambda.lean_handler
def list_banks(event: Any, context: Any, connector: LeanConnector) -> int:
    return len(connector.banks.list())


def _api_event(body: Any, *, raw: bytes | None = None, headers: dict[str, str] | None = None):
    text = raw.decode() if raw is not None else json.dumps(body)
    return {"httpMethod": "POST", "headers": headers or {}, "body": text, "requestContext": {}}


def _link_event(body: Any, *, raw: bytes | None = None, user: str = "lambda-user-1"):
    """A link-session request as API Gateway passes it after its JWT authorizer verified it."""
    event = _api_event(body, raw=raw)
    event["requestContext"] = {"authorizer": {"jwt": {"claims": {"sub": user}}}}
    return event


@pytest.mark.parametrize("mode", ["mtls", "oauth"])
def test_warm_invocation_makes_no_secret_token_or_tls_calls(
    mode: str, lambda_env: Any, aws: MotoProcess, lean_sandbox: LeanSandbox
) -> None:
    lambda_env(mode)
    assert list_banks({}, Context("cold")) > 0
    cold_secrets = aws.counts().get("GetSecretValue", 0)
    cold_handshakes = sum(lean_sandbox.counters.handshakes.values())
    assert cold_secrets >= 1
    assert cold_handshakes >= 1
    if mode == "oauth":
        assert sum(lean_sandbox.counters.token_requests.values()) == 1

    aws.reset_counts()
    lean_sandbox.reset()
    assert list_banks({}, Context("warm")) > 0

    assert aws.counts().get("GetSecretValue", 0) == 0
    assert sum(lean_sandbox.counters.token_requests.values()) == 0
    assert sum(lean_sandbox.counters.handshakes.values()) == 0
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 1


def test_cold_start_emits_the_certificate_days_to_expiry_metric_once(
    lambda_env: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lean-api")
    lambda_env("mtls")
    list_banks({}, Context("cold"))
    list_banks({}, Context("warm"))
    lines = [
        line
        for line in capsys.readouterr().out.splitlines()
        if "ClientCertificateDaysToExpiry" in line
    ]
    assert len(lines) == 1  # the connector is built once per container
    assert '"LeanConnector"' in lines[0]
    assert '"FunctionName":"lean-api"' in lines[0].replace(" ", "")


def test_request_id_and_cold_start_are_bound_to_every_log_line(lambda_env: Any) -> None:
    lambda_env("app_token")
    with capture_logs() as cold:
        list_banks({}, Context("req-cold", "fn-a"))
    with capture_logs() as warm:
        list_banks({}, Context("req-warm", "fn-a"))
    cold_requests = [e for e in cold if e["event"] == "http.request"]
    warm_requests = [e for e in warm if e["event"] == "http.request"]
    assert cold_requests
    assert warm_requests
    assert all(e["aws_request_id"] == "req-cold" and e["cold_start"] is True for e in cold_requests)
    assert all(e["aws_request_id"] == "req-warm" and e["cold_start"] is False for e in warm)
    assert all(e["function_name"] == "fn-a" for e in cold + warm)


def test_link_session_handler_returns_connect_config(lambda_env: Any) -> None:
    lambda_env("oauth")
    event = _link_event({"permissions": ["identity", "accounts"]})
    response = aws_lambda.link_session_handler(event, Context())
    assert response["statusCode"] == 200
    config = json.loads(response["body"])
    assert config["customer_id"]
    assert config["permissions"] == ["identity", "accounts"]
    assert config["sandbox"] is True
    assert config["access_token"].count(".") == 2  # a customer-scoped JWT
    assert "client_secret" not in response["body"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"permissions": ["identity", "telepathy"]}, "unknown LinkSDK"),
        ({"permissions": "identity"}, "permissions must be a list"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_link_session_handler_rejects_bad_input(lambda_env: Any, body: Any, message: str) -> None:
    lambda_env("app_token")
    response = aws_lambda.link_session_handler(_link_event(body), Context())
    assert response["statusCode"] == 400
    assert message in json.loads(response["body"])["message"]


def test_link_session_handler_rejects_a_body_that_is_not_json(lambda_env: Any) -> None:
    lambda_env("app_token")
    response = aws_lambda.link_session_handler(_link_event(None, raw=b"{nope"), Context())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["message"] == "request body is not valid JSON"


@aws_lambda.lean_handler
def get_missing_customer(event: Any, context: Any, connector: LeanConnector) -> Any:
    return connector.customers.get("no-such-customer")


def test_api_gateway_gets_a_generic_error_and_the_logs_get_leans_details(
    lambda_env: Any,
) -> None:
    lambda_env("app_token")
    with capture_logs() as logged:
        response = get_missing_customer({"httpMethod": "GET", "requestContext": {}}, Context())
    assert response["statusCode"] == 404
    # The caller learns the kind of failure and the id to quote, nothing of Lean's answer.
    assert json.loads(response["body"]) == {
        "error": "not_found",
        "message": "not found",
        "correlation_id": "req-1",
    }
    [failed] = [e for e in logged if e["event"] == "lambda.failed"]
    assert failed["aws_request_id"] == "req-1"  # the same id finds the details
    assert failed["lean_status"] == "UNKNOWN_ENTITY"
    assert failed["lean_correlation_id"]
    assert "UNKNOWN_ENTITY" in failed["message"]


@aws_lambda.lean_handler
def misconfigured(event: Any, context: Any, connector: LeanConnector) -> Any:
    return connector.request("GET", "/customers/v1/", params={"page_size": 1})


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("unauthorized", 502, "bad_gateway"),  # our credentials: the caller cannot fix it
        ("unavailable", 502, "bad_gateway"),
        ("rate_limit", 429, "rate_limited"),
    ],
)
def test_error_bodies_never_carry_leans_text_or_configuration_hints(
    lambda_env: Any, lean_sandbox: LeanSandbox, fault: str, status: int, code: str
) -> None:
    lambda_env("app_token", retry={"max_attempts": 1})
    list_banks({}, Context())  # the cold start, before the fault
    getattr(lean_sandbox.faults, fault)(5)
    response = misconfigured({"routeKey": "GET /x", "requestContext": {}}, Context("req-9"))
    assert response["statusCode"] == status
    body = json.loads(response["body"])
    assert body["error"] == code
    assert body["correlation_id"] == "req-9"
    assert set(body) == {"error", "message", "correlation_id"}
    for hint in ("lean", "Lean", "spec", "endpoints", "auth.", "check", "http"):
        assert hint not in body["message"], body


def test_a_spec_error_is_an_internal_error_to_the_caller(
    lambda_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lambda_env("app_token")
    monkeypatch.setenv("LEAN_AUTH__MODE", "telepathy")
    aws_lambda.reset()
    with capture_logs() as logged:
        response = list_banks({"httpMethod": "GET", "requestContext": {}}, Context())
    assert response["statusCode"] == 500  # type: ignore[index]
    assert json.loads(response["body"]) == {  # type: ignore[index]
        "error": "internal_error",
        "message": "internal error",
        "correlation_id": "req-1",
    }
    [failed] = [e for e in logged if e["event"] == "lambda.failed"]
    assert "auth.mode" in failed["message"]  # the hint is in the logs


def test_other_events_reraise_so_lambda_retries(lambda_env: Any) -> None:
    lambda_env("app_token")
    with pytest.raises(LeanNotFoundError, match="UNKNOWN_ENTITY"):
        get_missing_customer({"source": "aws.events"}, Context())


def test_refresher_writes_the_shared_token_other_containers_use(
    lambda_env: Any, lean_sandbox: LeanSandbox
) -> None:
    lambda_env("oauth", token_store=True)
    result = aws_lambda.refresh_token_handler({"source": "aws.events"}, Context())
    assert result["scope"] == "api"
    assert sum(lean_sandbox.counters.token_requests.values()) == 1

    aws_lambda.reset()  # a different container of another function
    lean_sandbox.reset()
    assert list_banks({}, Context()) > 0
    assert sum(lean_sandbox.counters.token_requests.values()) == 0


def test_read_only_function_mints_without_writing_the_store(
    lambda_env: Any, lean_sandbox: LeanSandbox, aws: MotoProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As Terraform sets up link_session and sync: their roles may not PutSecretValue.
    lambda_env("oauth", token_store=True)
    monkeypatch.setenv("LEAN_AUTH__TOKEN_STORE_WRITE", "false")
    aws_lambda.reset()
    aws.reset_counts()
    with capture_logs() as logged:
        assert list_banks({}, Context()) > 0  # the store is empty: the refresher has not run
    assert lean_sandbox.counters.token_requests["api"] == 1
    assert aws.counts().get("PutSecretValue", 0) == 0
    assert [e for e in logged if e["event"] == "auth.token_store_write_failed"] == []

    # The refresher's own call writes whatever the flag says.
    aws_lambda.reset()
    aws_lambda.refresh_token_handler({"source": "aws.events"}, Context())
    assert aws.counts().get("PutSecretValue") == 1


@pytest.fixture
def webhook_env(lambda_env: Any, aws: MotoProcess) -> dict[str, Any]:
    sm = boto3.client("secretsmanager", region_name=REGION, endpoint_url=aws.endpoint_url)
    arn = sm.create_secret(Name="lean/test/webhook", SecretString=WEBHOOK_SECRET)["ARN"]
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=aws.endpoint_url)
    dynamodb.create_table(
        TableName="lean-webhook-dedupe",
        KeySchema=[{"AttributeName": "event_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "event_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=aws.endpoint_url)
    queue_url = sqs.create_queue(QueueName="lean-webhooks")["QueueUrl"]
    lambda_env(
        "app_token",
        webhooks={
            "secret": f"aws-sm://{arn}",
            "dedupe_table": "lean-webhook-dedupe",
            "queue_url": queue_url,
        },
    )
    return {"sqs": sqs, "queue_url": queue_url}


def _webhook_event(body: bytes, signature: str | None, *, b64: bool = False) -> dict[str, Any]:
    headers = {"Lean-Signature": signature} if signature is not None else {}
    return {
        "httpMethod": "POST",
        "headers": headers,
        "body": base64.b64encode(body).decode() if b64 else body.decode(),
        "isBase64Encoded": b64,
        "requestContext": {},
    }


def _lean_event(event_id: str) -> bytes:
    return json.dumps(
        {
            "type": "entity.created",
            "payload": {"entity_id": "e-1"},
            "message": "An entity was created",
            # Fresh: older events are refused as replays.
            "timestamp": datetime.now(UTC).isoformat(),
            "event_id": event_id,
        }
    ).encode()


def _received(env: dict[str, Any]) -> list[dict[str, Any]]:
    messages = env["sqs"].receive_message(QueueUrl=env["queue_url"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_webhook_verified_delivered_once_and_replays_deduped(webhook_env: dict[str, Any]) -> None:
    body = _lean_event("evt-1")
    seen: list[str] = []
    aws_lambda.set_webhook_callback(lambda event: seen.append(event.event_id))
    first = aws_lambda.webhook_handler(_webhook_event(body, sign(body, WEBHOOK_SECRET)), Context())
    replay = aws_lambda.webhook_handler(_webhook_event(body, sign(body, WEBHOOK_SECRET)), Context())
    assert (first["statusCode"], json.loads(first["body"])["duplicate"]) == (200, False)
    assert (replay["statusCode"], json.loads(replay["body"])["duplicate"]) == (200, True)
    assert seen == ["evt-1"]
    assert [m["event_id"] for m in _received(webhook_env)] == ["evt-1"]


def test_webhook_base64_body_is_verified_on_the_raw_bytes(webhook_env: dict[str, Any]) -> None:
    body = _lean_event("evt-b64")
    event = _webhook_event(body, sign(body, WEBHOOK_SECRET), b64=True)
    assert aws_lambda.webhook_handler(event, Context())["statusCode"] == 200


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong secret", "does not match"),
        ("missing header", "has no lean-signature header"),
        ("tampered body", "does not match"),
    ],
)
def test_webhook_rejections_answer_401(
    webhook_env: dict[str, Any], case: str, message: str
) -> None:
    body = _lean_event("evt-bad")
    signature: str | None = sign(body, WEBHOOK_SECRET)
    if case == "wrong secret":
        signature = sign(body, "not-the-webhook-secret")
    elif case == "missing header":
        signature = None
    else:
        body = body.replace(b"e-1", b"e-2")
    with capture_logs() as events:
        response = aws_lambda.webhook_handler(_webhook_event(body, signature), Context())
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"error": "unauthorized"}
    (rejected,) = [e for e in events if e["event"] == "webhook.rejected"]
    assert message in rejected["reason"]
    assert _received(webhook_env) == []


def test_sync_handler_runs_the_job_from_a_schedule_and_from_sqs(
    lambda_env: Any, lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    customers = lean_sandbox.seed_customers(2, 1, 1, 3)
    ids = list(customers.customer_ids)
    lambda_env("app_token", sync={"output": str(tmp_path)})
    scheduled = aws_lambda.sync_handler(
        {"source": "aws.events", "detail": {"customers": ids[:1], "days": 3650}}, Context()
    )
    (run,) = scheduled["runs"]
    assert run["entities_ok"] == 1
    assert run["entities_failed"] == 0
    assert run["counts"]["transactions"] == 3

    record = {"body": json.dumps({"customers": ids[1:], "days": 3650})}
    with capture_logs() as events:
        from_sqs = aws_lambda.sync_handler({"Records": [record]}, Context("req-sync"))
    from_workers = [e for e in events if e["event"] in {"http.request", "sync.entity_done"}]
    assert from_workers
    assert all(e.get("aws_request_id") == "req-sync" for e in from_workers)

    assert [r["entities_ok"] for r in from_sqs["runs"]] == [1]
    assert Path(run["manifest"]).exists()


def test_webhook_signed_but_malformed_body_is_a_400(webhook_env: dict[str, Any]) -> None:
    body = b'{"type": "entity.created"}'
    with capture_logs() as events:
        response = aws_lambda.webhook_handler(
            _webhook_event(body, sign(body, WEBHOOK_SECRET)), Context()
        )
    assert response["statusCode"] == 400
    assert json.loads(response["body"]) == {"error": "bad request"}
    (malformed,) = [e for e in events if e["event"] == "webhook.malformed"]
    assert "missing 'event_id'" in malformed["reason"]
    assert _received(webhook_env) == []


def test_a_failed_delivery_is_not_deduped_so_the_redelivery_gets_through(
    webhook_env: dict[str, Any],
) -> None:
    body = _lean_event("evt-retry")
    calls: list[str] = []

    def flaky(event: Any) -> None:
        calls.append(event.event_id)
        if len(calls) == 1:
            raise RuntimeError("downstream is down")

    aws_lambda.set_webhook_callback(flaky)
    event = _webhook_event(body, sign(body, WEBHOOK_SECRET))
    with pytest.raises(RuntimeError, match="downstream is down"):
        aws_lambda.webhook_handler(event, Context())
    redelivery = aws_lambda.webhook_handler(event, Context())
    assert (redelivery["statusCode"], json.loads(redelivery["body"])["duplicate"]) == (200, False)
    assert calls == ["evt-retry", "evt-retry"]


def test_sqs_failure_is_a_5xx_and_the_event_stays_deliverable(
    webhook_env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _lean_event("evt-sqs")
    event = _webhook_event(body, sign(body, WEBHOOK_SECRET))
    webhook_env["sqs"].delete_queue(QueueUrl=webhook_env["queue_url"])
    failed = aws_lambda.webhook_handler(event, Context())
    assert failed["statusCode"] == 500  # Lean redelivers anything but a 200
    webhook_env["sqs"].create_queue(QueueName="lean-webhooks")
    delivered = aws_lambda.webhook_handler(event, Context())
    assert (delivered["statusCode"], json.loads(delivered["body"])["duplicate"]) == (200, False)
    assert [m["event_id"] for m in _received(webhook_env)] == ["evt-sqs"]


def _run_dirs(output: Path) -> list[str]:
    return sorted(p.name for p in output.iterdir() if p.is_dir())


def test_a_retried_sync_event_resumes_its_run_instead_of_starting_anew(
    lambda_env: Any, lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(3, 1, 1, 2)
    lean_sandbox.faults.fail_entity(seeded.entity_ids[0])
    lambda_env("app_token", sync={"output": str(tmp_path)})
    event = {
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "source": "aws.events",
        "time": "2026-11-28T06:00:00Z",
        "detail": {"customers": list(seeded.customer_ids), "days": 3650},
    }
    with pytest.raises(ConnectorError, match="did not complete"):
        aws_lambda.sync_handler(event, Context("attempt-1"))
    calls_after_first = sum(lean_sandbox.counters.calls.values())
    with pytest.raises(ConnectorError, match="did not complete"):
        aws_lambda.sync_handler(event, Context("attempt-2"))  # Lambda's retry
    assert _run_dirs(tmp_path) == ["event-7bf73129-1428-4cd3-a780-95db273d1602"]
    manifest = json.loads((tmp_path / _run_dirs(tmp_path)[0] / "manifest.json").read_text())
    assert manifest["window"]["end_date"] == "2026-11-28"  # the event's day, not today
    # The retry skipped the two finished entities and re-tried only the failing one.
    retried_calls = sum(lean_sandbox.counters.calls.values()) - calls_after_first
    assert retried_calls < calls_after_first


def test_sync_handler_fails_when_a_customer_cannot_be_synced(
    lambda_env: Any, tmp_path: Path
) -> None:
    lambda_env("app_token", sync={"output": str(tmp_path)})
    with pytest.raises(ConnectorError, match="did not complete"):
        aws_lambda.sync_handler({"customers": ["no-such-customer"]}, Context())


def test_sync_handler_takes_lean_webhook_events_from_sqs(
    lambda_env: Any, lean_sandbox: LeanSandbox, tmp_path: Path
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 2)
    lambda_env("app_token", sync={"output": str(tmp_path)})
    webhook_event = json.loads(_lean_event("evt-sync"))
    webhook_event["payload"] = {"customer_id": seeded.customer_ids[0]}
    no_customer = json.loads(_lean_event("evt-payment"))
    no_customer["payload"] = {"payment_intent_id": "p-1"}
    records = [
        {"messageId": "m-1", "body": json.dumps(webhook_event)},
        {"messageId": "m-2", "body": json.dumps(no_customer)},
    ]
    result = aws_lambda.sync_handler({"Records": records}, Context())
    (run,) = result["runs"]  # the payment event has no customer to sync
    assert run["run_id"] == "sqs-m-1"
    assert run["entities_ok"] == 1
