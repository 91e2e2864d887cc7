"""AWS Lambda: one connector per container, a handler decorator and ready handlers.

The spec comes from the function's environment (``LEAN_*``, optionally
``LEAN_CONNECTOR_SPEC``); Terraform's module sets it. Everything expensive — secrets,
the TLS context, the token — is built on the first (cold) invocation and reused by warm
ones, so a warm call costs no secret, token or TLS-handshake round trip.

Ready handlers, by dotted name::

    lean_connector.aws_lambda.refresh_token_handler   scheduled: writes the shared api token
    lean_connector.aws_lambda.link_session_handler    API Gateway: LinkSDK connect() config
    lean_connector.aws_lambda.webhook_handler         API Gateway: verified, deduped Lean events
    lean_connector.aws_lambda.sync_handler            scheduled or SQS: the sync job
"""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.errors import (
    ConnectorError,
    InvalidRequestError,
    LeanAPIError,
    ReadTimeoutError,
    SpecError,
    TransportError,
    WebhookVerificationError,
)
from lean_connector.logs import bind_context, clear_context, configure_logging, get_logger

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.secrets import SecretResolver
    from lean_connector.spec import LeanSpec
    from lean_connector.webhooks import DedupeStore, WebhookEvent

__all__ = [
    "get_connector",
    "get_resolver",
    "get_spec",
    "lean_handler",
    "link_session_handler",
    "refresh_token_handler",
    "reset",
    "set_webhook_callback",
    "sync_handler",
    "webhook_handler",
]

log = get_logger(__name__)

LambdaHandler = Callable[[Any, Any], Any]
ConnectorHandler = Callable[[Any, Any, "LeanConnector"], Any]

_lock = threading.RLock()
_spec: LeanSpec | None = None
_resolver: SecretResolver | None = None
_connector: LeanConnector | None = None
_dedupe: DedupeStore | None = None
_webhook_callback: Callable[[WebhookEvent], None] | None = None
_cold = True


def get_spec() -> LeanSpec:
    """The container's spec, loaded once from the environment."""
    global _spec
    with _lock:
        if _spec is None:
            from lean_connector.spec import load_spec

            spec = load_spec()
            configure_logging(spec.logging.level, spec.logging.format)
            _spec = spec
        return _spec


def get_resolver() -> SecretResolver:
    """The container's secret resolver (shared cache), without building a connector.

    The webhook function uses only this, so its role needs no access to the mTLS or
    OAuth secrets.
    """
    global _resolver
    with _lock:
        if _resolver is None:
            from lean_connector.secrets import SecretResolver

            _resolver = SecretResolver.from_spec(get_spec())
        return _resolver


def get_connector() -> LeanConnector:
    """The container's connector, built on first use and reused by warm invocations."""
    global _connector
    if _connector is not None:
        return _connector
    with _lock:
        if _connector is None:
            from lean_connector.client import LeanConnector

            _connector = LeanConnector(get_spec(), resolver=get_resolver())
        return _connector


def reset() -> None:
    """Forget the cached spec, resolver and connector (tests; a new spec in the env)."""
    global _spec, _resolver, _connector, _dedupe, _cold
    with _lock:
        if _connector is not None:
            _connector.close()
        _spec = _resolver = _connector = _dedupe = None
        _cold = True


def set_webhook_callback(callback: Callable[[WebhookEvent], None] | None) -> None:
    """Register the function that receives each verified, first-seen webhook event."""
    global _webhook_callback
    _webhook_callback = callback


def _is_api_gateway(event: Any) -> bool:
    return isinstance(event, Mapping) and (
        "httpMethod" in event or "routeKey" in event or "requestContext" in event
    )


def _http_status(exc: ConnectorError) -> int:
    if isinstance(exc, InvalidRequestError):
        return 400
    if isinstance(exc, WebhookVerificationError):
        return 401
    if isinstance(exc, LeanAPIError):
        # The caller's own mistakes keep Lean's status; our credentials or Lean's outage
        # are a bad gateway from the caller's point of view.
        return exc.http_status if exc.http_status in {400, 404, 409, 429} else 502
    if isinstance(exc, ReadTimeoutError):
        return 504
    if isinstance(exc, TransportError):
        return 502
    return 500


def http_response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def _error_response(exc: ConnectorError) -> dict[str, Any]:
    status = _http_status(exc)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": exc.message}
    if isinstance(exc, LeanAPIError):
        body["lean_status"] = exc.lean_status
        body["lean_correlation_id"] = exc.correlation_id
    if status >= 500 and not isinstance(exc, LeanAPIError | TransportError):
        body["message"] = "internal error: see the function's logs"
    return http_response(status, body)


def _bind_invocation(context: Any) -> None:
    global _cold
    clear_context()
    bind_context(
        aws_request_id=getattr(context, "aws_request_id", None),
        function_name=getattr(context, "function_name", None),
        cold_start=_cold,
    )
    _cold = False


def _wrap(fn: LambdaHandler) -> LambdaHandler:
    """Bind the invocation to the logs and turn connector errors into results for HTTP."""

    @functools.wraps(fn)
    def handler(event: Any, context: Any) -> Any:
        _bind_invocation(context)
        try:
            return fn(event, context)
        except ConnectorError as exc:
            log.error("lambda.failed", error=type(exc).__name__, message=exc.message)
            if _is_api_gateway(event):
                return _error_response(exc)
            raise  # scheduled/SQS events: let Lambda's own retry and DLQ apply
        finally:
            clear_context()

    return handler


def lean_handler(fn: ConnectorHandler) -> LambdaHandler:
    """Decorate ``fn(event, context, connector)`` into a Lambda handler ``(event, context)``.

    The connector is the container's cached one. The aws_request_id, function name and
    cold_start flag are bound to every log line. Connector errors become a JSON error
    response (with Lean's correlation id) for API Gateway events and are re-raised for
    other events.
    """

    def with_connector(event: Any, context: Any) -> Any:
        return fn(event, context, get_connector())

    functools.update_wrapper(with_connector, fn)
    return _wrap(with_connector)


def _json_body(event: Mapping[str, Any]) -> tuple[bytes, Any]:
    raw = _raw_body(event)
    if not raw.strip():
        raise InvalidRequestError("request body is empty: send a JSON object")
    try:
        return raw, json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestError("request body is not valid JSON") from exc


def _raw_body(event: Mapping[str, Any]) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise InvalidRequestError("isBase64Encoded is set but the body is not base64") from exc
    return body.encode() if isinstance(body, str) else bytes(body)


@lean_handler
def refresh_token_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """Scheduled: fetch a fresh api token and write it, with its expiry, to auth.token_store.

    Also emits the client certificate's days to expiry as a CloudWatch metric.
    """
    if not connector.spec.auth.token_store:
        raise SpecError(
            "refresh_token_handler needs auth.token_store (LEAN_AUTH__TOKEN_STORE)",
            field="auth.token_store",
        )
    token = connector.oauth().refresh()
    if connector.certificate is not None:
        from lean_connector.metrics import emit_metric

        emit_metric("ClientCertificateDaysToExpiry", connector.certificate.days_left, unit="Count")
    return {"scope": token.scope, "expires_at": int(token.expires_at)}


@lean_handler
def link_session_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """API Gateway POST ``{app_user_id, permissions?, bank_identifier?}`` -> connect() config."""
    _, body = _json_body(event)
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object")
    app_user_id = body.get("app_user_id")
    if not isinstance(app_user_id, str) or not app_user_id.strip():
        raise InvalidRequestError("app_user_id is required: a non-empty string")
    permissions = body.get("permissions", ["identity", "accounts", "balance", "transactions"])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise InvalidRequestError("permissions must be a list of strings")
    bank = body.get("bank_identifier")
    if bank is not None and not isinstance(bank, str):
        raise InvalidRequestError("bank_identifier must be a string")
    config = connector.link_session(app_user_id, permissions, bank_identifier=bank)
    return http_response(200, config)


def _dedupe_store(spec: LeanSpec) -> DedupeStore:
    global _dedupe
    with _lock:
        if _dedupe is None:
            from lean_connector.webhooks import DynamoDBDedupeStore, InMemoryDedupeStore

            table = spec.webhooks.dedupe_table if spec.webhooks else None
            _dedupe = (
                DynamoDBDedupeStore(
                    table,
                    region=spec.secrets.aws_region,
                    endpoint_url=spec.secrets.aws_endpoint_url,
                )
                if table
                else InMemoryDedupeStore()
            )
        return _dedupe


def _deliver(spec: LeanSpec, event: WebhookEvent) -> None:
    if _webhook_callback is not None:
        _webhook_callback(event)
    queue_url = spec.webhooks.queue_url if spec.webhooks else None
    if queue_url:
        from lean_connector.aws_clients import (
            client,
            error_code,
            is_aws_client_error,
            is_connection_error,
        )

        sqs = client(
            "sqs", region=spec.secrets.aws_region, endpoint_url=spec.secrets.aws_endpoint_url
        )
        try:
            sqs.send_message(QueueUrl=queue_url, MessageBody=event.raw.decode())
        except Exception as exc:
            if not (is_aws_client_error(exc) or is_connection_error(exc)):
                raise
            failure = ConnectorError(
                f"could not send webhook event {event.event_id} to SQS queue {queue_url} "
                f"({error_code(exc) or type(exc).__name__}): check the queue exists and the "
                "role has sqs:SendMessage (and kms:GenerateDataKey for an encrypted queue)"
            )
            failure.retryable = True
            raise failure from exc


def _webhook(event: Any, context: Any) -> dict[str, Any]:
    from lean_connector import webhooks

    spec = get_spec()
    if spec.webhooks is None or not spec.webhooks.secret:
        raise SpecError(
            "webhook_handler needs webhooks.secret in the spec", field="webhooks.secret"
        )
    raw = _raw_body(event)
    secret = get_resolver().resolve(spec.webhooks.secret, field="webhooks.secret")
    try:
        webhooks.verify(
            raw, webhooks.find_signature_header(event.get("headers")), secret.reveal_bytes()
        )
    except WebhookVerificationError as exc:
        log.warning("webhook.rejected", reason=exc.message)
        return http_response(401, {"error": "invalid signature", "message": exc.message})
    try:
        parsed = webhooks.parse_event(raw)
    except WebhookVerificationError as exc:  # signed by Lean's secret, yet not an event
        log.warning("webhook.malformed", reason=exc.message)
        return http_response(400, {"error": "malformed event", "message": exc.message})
    store = _dedupe_store(spec)
    if not store.first_time(parsed.event_id):
        log.info("webhook.duplicate", event_id=parsed.event_id, type=parsed.type)
        return http_response(200, {"received": True, "duplicate": True})
    try:
        _deliver(spec, parsed)
    except Exception:
        # Lean redelivers what was not answered 200: forget the id, or the redelivery would be
        # answered "duplicate" and the event lost for good.
        log.error("webhook.delivery_failed", event_id=parsed.event_id, type=parsed.type)
        try:
            store.forget(parsed.event_id)
        except Exception as forget_error:  # the delivery error is the one to raise
            log.error(
                "webhook.forget_failed",
                event_id=parsed.event_id,
                error=type(forget_error).__name__,
                reason=str(forget_error),
                consequence="Lean's redelivery will be answered as a duplicate",
            )
        raise
    log.info("webhook.accepted", event_id=parsed.event_id, type=parsed.type)
    return http_response(200, {"received": True, "duplicate": False})


webhook_handler: LambdaHandler = _wrap(_webhook)
webhook_handler.__doc__ = """API Gateway: verify ``lean-signature``, dedupe on event_id, deliver.

401 when the signature is missing or wrong; 200 otherwise (duplicates included, so Lean
stops redelivering). Delivery goes to the callback set with :func:`set_webhook_callback`
and/or the SQS queue ``webhooks.queue_url``."""


def _safe_id(text: str) -> str:
    """An event id as a run-id segment: letters, digits, '.', '_' and '-' only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", text).strip(".-_")
    return cleaned[:100] or "event"


def _event_day(timestamp: Any) -> str | None:
    """The UTC day of an EventBridge ``time`` (ISO) or an SQS ``SentTimestamp`` (epoch ms)."""
    import datetime as dt

    try:
        if isinstance(timestamp, str) and timestamp.isdigit():
            moment = dt.datetime.fromtimestamp(int(timestamp) / 1000, dt.UTC)
        elif isinstance(timestamp, str):
            moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        else:
            return None
    except ValueError:
        return None
    return moment.astimezone(dt.UTC).date().isoformat()


def _from_lean_event(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Lean webhook event (from the webhook queue) as a sync request for its customer."""
    payload = body.get("payload")
    customer = payload.get("customer_id") if isinstance(payload, Mapping) else None
    if not isinstance(customer, str) or not customer:
        return None  # an event about no customer (e.g. a payment status): nothing to sync
    return {"customers": [customer]}


def _sync_requests(event: Any, context: Any) -> list[dict[str, Any]]:
    """The sync requests of an invocation, each with a run id and end date that stay the
    same when Lambda retries the same event, so a retry resumes the run it interrupted.

    SQS records carry a sync request ``{customers?, start_date?, end_date?, days?}`` or a
    Lean webhook event (synced for its ``payload.customer_id``); a scheduled event carries
    the request in ``detail`` (or is one).
    """
    requests: list[dict[str, Any]] = []
    if isinstance(event, Mapping) and isinstance(event.get("Records"), list):
        for record in event["Records"]:
            try:
                body = json.loads(record.get("body") or "{}")
            except ValueError as exc:
                raise InvalidRequestError("an SQS record body is not JSON") from exc
            if not isinstance(body, dict):
                raise InvalidRequestError("an SQS record body must be a JSON object")
            request = _from_lean_event(body) if "event_id" in body else body
            if request is None:
                continue
            request.setdefault("run_id", f"sqs-{_safe_id(str(record.get('messageId', '')))}")
            sent = (record.get("attributes") or {}).get("SentTimestamp")
            request.setdefault("end_date", _event_day(sent))
            requests.append(request)
        return requests
    event = event if isinstance(event, Mapping) else {}
    detail = event.get("detail")
    request = dict(detail) if isinstance(detail, Mapping) else dict(event)
    stable = event.get("id") or getattr(context, "aws_request_id", None)
    if stable:
        request.setdefault("run_id", f"event-{_safe_id(str(stable))}")
    request.setdefault("end_date", _event_day(event.get("time")))
    return [request]


@lean_handler
def sync_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """Scheduled or SQS: run the sync job for the customers in the event (or all).

    Event keys (all optional): ``customers`` (list of customer ids), ``start_date``,
    ``end_date``, ``days``, ``run_id``. The run id defaults to one derived from the event,
    so Lambda's retry of a failed invocation resumes that run instead of starting anew.
    Raises when a run did not complete (an entity or customer failed), so Lambda retries
    and the Errors alarm sees it.
    """
    from lean_connector.sync import resolve_window, run_sync

    spec = connector.spec
    if not spec.sync.output:
        raise SpecError("sync_handler needs sync.output (LEAN_SYNC__OUTPUT)", field="sync.output")
    summaries = []
    for request in _sync_requests(event, context):
        start, end = resolve_window(
            request.get("start_date"),
            request.get("end_date"),
            days=int(request.get("days") or spec.sync.window_days),
        )
        manifest = run_sync(
            connector,
            output=spec.sync.output,
            customers=request.get("customers"),
            start_date=start,
            end_date=end,
            workers=spec.sync.workers,
            run_id=request.get("run_id"),
            progress=False,
        )
        summaries.append(manifest.summary())
    incomplete = [s for s in summaries if s.get("status") != "complete"]
    if incomplete:
        raise ConnectorError(
            f"{len(incomplete)} sync run(s) did not complete "
            f"({', '.join(str(s.get('run_id')) for s in incomplete)}): "
            "see each run's manifest for the failed entities and customers"
        )
    return {"runs": summaries}
