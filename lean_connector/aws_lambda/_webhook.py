"""The webhook handler: verify ``lean-signature`` and freshness, dedupe on event_id, deliver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._container import CONTAINER, get_resolver, get_spec
from lean_connector.aws_lambda._http import LambdaHandler, http_response, raw_body, wrap
from lean_connector.errors import (
    AWSStoreError,
    InvalidRequestError,
    SpecError,
    WebhookVerificationError,
)
from lean_connector.logs import get_logger

if TYPE_CHECKING:
    from lean_connector.spec import LeanSpec
    from lean_connector.webhooks import DedupeStore, WebhookEvent

__all__ = ["webhook_handler"]

log = get_logger("lean_connector.aws_lambda")

UNAUTHORIZED = {"error": "unauthorized"}
BAD_REQUEST = {"error": "bad request"}


def _dedupe_store(spec: LeanSpec) -> DedupeStore:
    with CONTAINER.lock:
        if CONTAINER.dedupe is None:
            from lean_connector.webhooks import (
                DEFAULT_DEDUPE_TTL_S,
                DynamoDBDedupeStore,
                InMemoryDedupeStore,
                dedupe_ttl_s,
            )

            settings = spec.webhooks
            table = settings.dedupe_table if settings else None
            # Ids are kept while their events are fresh: a replay is stale or a duplicate.
            ttl_s = (
                dedupe_ttl_s(settings.max_age_s, settings.clock_skew_s)
                if settings
                else DEFAULT_DEDUPE_TTL_S
            )
            CONTAINER.dedupe = (
                DynamoDBDedupeStore(
                    table,
                    region=spec.secrets.aws_region,
                    endpoint_url=spec.secrets.aws_endpoint_url,
                    ttl_s=ttl_s,
                )
                if table
                else InMemoryDedupeStore(ttl_s=ttl_s)
            )
        return CONTAINER.dedupe


def _deliver(spec: LeanSpec, event: WebhookEvent) -> None:
    callback = CONTAINER.webhook_callback
    if callback is not None:
        callback(event)
    queue_url = spec.webhooks.queue_url if spec.webhooks else None
    if queue_url:
        from lean_connector._aws import client, error_code, is_aws_client_error, is_connection_error

        sqs = client(
            "sqs", region=spec.secrets.aws_region, endpoint_url=spec.secrets.aws_endpoint_url
        )
        try:
            sqs.send_message(QueueUrl=queue_url, MessageBody=event.raw.decode())
        except Exception as exc:
            if not (is_aws_client_error(exc) or is_connection_error(exc)):
                raise
            code = error_code(exc)
            raise AWSStoreError(
                f"could not send webhook event {event.event_id} to SQS queue {queue_url} "
                f"({code or type(exc).__name__}): check the queue exists and the "
                "role has sqs:SendMessage (and kms:GenerateDataKey for an encrypted queue)",
                service="sqs",
                code=code,
                retryable=True,
            ) from exc


def _webhook(event: Any, context: Any) -> dict[str, Any]:
    from lean_connector import webhooks

    spec = get_spec()
    if spec.webhooks is None or not spec.webhooks.secret:
        raise SpecError(
            "webhook_handler needs webhooks.secret in the spec", field="webhooks.secret"
        )
    # Callers are anonymous: the reason goes to the logs, the answer says only what failed.
    try:
        raw = raw_body(event)
    except InvalidRequestError as exc:
        log.warning("webhook.malformed", reason=exc.message)
        return http_response(400, BAD_REQUEST)
    secret = get_resolver().resolve(spec.webhooks.secret, field="webhooks.secret")
    try:
        webhooks.verify(
            raw, webhooks.find_signature_header(event.get("headers")), secret.reveal_bytes()
        )
    except WebhookVerificationError as exc:
        log.warning("webhook.rejected", reason=exc.message)
        return http_response(401, UNAUTHORIZED)
    try:
        parsed = webhooks.parse_event(raw)
        if webhooks.event_time(parsed.timestamp) is None:
            webhooks.check_fresh(parsed)  # raises: says the timestamp is missing or unreadable
    except WebhookVerificationError as exc:  # signed by Lean's secret, yet not an event
        log.warning("webhook.malformed", reason=exc.message)
        return http_response(400, BAD_REQUEST)
    try:
        webhooks.check_fresh(
            parsed,
            max_age_s=spec.webhooks.max_age_s,
            clock_skew_s=spec.webhooks.clock_skew_s,
        )
    except WebhookVerificationError as exc:
        log.warning("webhook.rejected", reason=exc.message, event_id=parsed.event_id)
        return http_response(401, UNAUTHORIZED)
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


webhook_handler: LambdaHandler = wrap(_webhook)
