"""The sync handlers: the planner (scheduled) and the worker (SQS batches, or one run).

``sync_plan_handler`` lists the entities, writes ``<run_id>/plan.json`` and puts one
message per entity on ``sync.queue_url``. ``sync_handler`` is the worker behind the queue's
event source mapping (``ReportBatchItemFailures``): it syncs the entity of each record and
answers ``batchItemFailures`` naming exactly the records that failed, so Lambda retries only
those. Records that carry a whole sync request (``{customers, ...}``) or a Lean webhook
event run the one-process job as before, each reported as one item. An event that is not
from SQS (a schedule, a manual invoke) runs the one-process job and raises when it did
not complete, so Lambda retries it and the Errors alarm sees it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._http import lean_handler
from lean_connector.errors import ConnectorError, InvalidRequestError, SpecError
from lean_connector.logs import get_logger

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector
    from lean_connector.sync import EntityTask

__all__ = ["sync_handler", "sync_plan_handler"]

log = get_logger("lean_connector.aws_lambda")


def _safe_id(text: str) -> str:
    """An event id as a run-id segment: letters, digits, '.', '_' and '-' only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "-", text).strip(".-_")
    return cleaned[:100] or "event"


def _event_day(timestamp: Any) -> str | None:
    """The UTC day of an EventBridge ``time`` (ISO) or an SQS ``SentTimestamp`` (epoch ms)."""
    try:
        if isinstance(timestamp, str) and timestamp.isdigit():
            moment = dt.datetime.fromtimestamp(int(timestamp) / 1000, dt.UTC)
        elif isinstance(timestamp, str):
            moment = dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        else:
            return None
    except (ValueError, OverflowError, OSError):
        return None
    return moment.astimezone(dt.UTC).date().isoformat()


def _from_lean_event(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Lean webhook event (from the webhook queue) as a sync request for its customer."""
    payload = body.get("payload")
    customer = payload.get("customer_id") if isinstance(payload, Mapping) else None
    if not isinstance(customer, str) or not customer:
        return None  # an event about no customer (e.g. a payment status): nothing to sync
    return {"customers": [customer]}


def _scheduled_request(event: Any, context: Any, prefix: str) -> dict[str, Any]:
    """The request of a scheduled (or direct) event, with a run id and end date that stay
    the same when Lambda retries the same event, so a retry resumes the run it interrupted."""
    event = event if isinstance(event, Mapping) else {}
    detail = event.get("detail")
    request = dict(detail) if isinstance(detail, Mapping) else dict(event)
    stable = event.get("id") or getattr(context, "aws_request_id", None)
    if stable:
        request.setdefault("run_id", f"{prefix}-{_safe_id(str(stable))}")
    request.setdefault("end_date", _event_day(event.get("time")))
    return request


def _record_body(record: Mapping[str, Any]) -> dict[str, Any]:
    try:
        body = json.loads(record.get("body") or "{}")
    except ValueError as exc:
        raise InvalidRequestError("an SQS record body is not JSON") from exc
    if not isinstance(body, dict):
        raise InvalidRequestError("an SQS record body must be a JSON object")
    return body


def _attempt(record: Mapping[str, Any]) -> int:
    text = (record.get("attributes") or {}).get("ApproximateReceiveCount")
    return int(text) if isinstance(text, str) and text.isdigit() and int(text) > 0 else 1


def _run_request(connector: LeanConnector, request: Mapping[str, Any]) -> dict[str, Any]:
    """The one-process job for one sync request; its summary."""
    from lean_connector.sync import resolve_window, run_sync

    spec = connector.spec
    start, end = resolve_window(
        request.get("start_date"),
        request.get("end_date"),
        days=int(request.get("days") or spec.sync.window_days),
    )
    manifest = run_sync(
        connector,
        output=str(spec.sync.output),
        customers=request.get("customers"),
        start_date=start,
        end_date=end,
        workers=spec.sync.workers,
        run_id=request.get("run_id"),
        progress=False,
    )
    return manifest.summary()


def _sqs_batch(connector: LeanConnector, records: list[Any]) -> dict[str, Any]:
    """Every record of an SQS batch; the ones that failed in ``batchItemFailures``."""
    from lean_connector.sync import EntityTask, describe, is_entity_message, sync_tasks

    failures: list[str] = []
    tasks: list[tuple[EntityTask, int, str | None]] = []
    task_messages: list[str] = []
    runs: list[dict[str, Any]] = []
    for record in records:
        record = record if isinstance(record, Mapping) else {}
        message_id = str(record.get("messageId") or "")
        try:
            body = _record_body(record)
            if is_entity_message(body):
                tasks.append((EntityTask.from_message(body), _attempt(record), message_id))
                task_messages.append(message_id)
                continue
            request = _from_lean_event(body) if "event_id" in body else body
            if request is None:
                continue
            request.setdefault("run_id", f"sqs-{_safe_id(message_id)}")
            sent = (record.get("attributes") or {}).get("SentTimestamp")
            request.setdefault("end_date", _event_day(sent))
            summary = _run_request(connector, request)
            runs.append(summary)
            if summary.get("status") != "complete":
                failures.append(message_id)
        except ConnectorError as exc:
            # A malformed message fails alone; the queue's redrive moves it to the DLQ.
            log.warning(
                "sync.record_failed",
                message_id=message_id,
                error=type(exc).__name__,
                reason=str(exc),
            )
            failures.append(message_id)
    outcomes = sync_tasks(
        connector,
        output=str(connector.spec.sync.output),
        tasks=tasks,
        workers=connector.spec.sync.workers,
    )
    failures += [m for m, o in zip(task_messages, outcomes, strict=True) if not o.ok]
    answer: dict[str, Any] = {
        "batchItemFailures": [{"itemIdentifier": m} for m in failures],
        "entities": describe(outcomes),
    }
    if runs:
        answer["runs"] = runs
    return answer


@lean_handler
def sync_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """The sync worker: an SQS batch (partial batch response), or one run of the job.

    From SQS: each record is an entity the planner enqueued (synced, or skipped when its
    ``_done`` marker exists), a sync request ``{customers?, start_date?, end_date?, days?,
    run_id?}`` or a Lean webhook event (synced for ``payload.customer_id``); the answer's
    ``batchItemFailures`` names the records that failed. Otherwise the event is one sync
    request (a schedule's ``detail``, or the event itself); the run id derives from the
    event, so Lambda's retry resumes the run, and an incomplete run raises.
    """
    spec = connector.spec
    if not spec.sync.output:
        raise SpecError("sync_handler needs sync.output (LEAN_SYNC__OUTPUT)", field="sync.output")
    if isinstance(event, Mapping) and isinstance(event.get("Records"), list):
        return _sqs_batch(connector, event["Records"])
    summary = _run_request(connector, _scheduled_request(event, context, "event"))
    if summary.get("status") != "complete":
        raise ConnectorError(
            f"sync run {summary.get('run_id')} did not complete: see its manifest "
            f"({summary.get('manifest')}) for the failed entities and customers"
        )
    return {"runs": [summary]}


@lean_handler
def sync_plan_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """Scheduled: plan a fleet run and put its entities on ``sync.queue_url``.

    Event keys (all optional, at the top or in a schedule's ``detail``): ``customers``,
    ``start_date``, ``end_date``, ``days``, ``run_id``. The run id defaults to one derived
    from the event (``plan-<event id>``), so Lambda's retry of the same event finishes
    that plan and enqueues nothing twice.
    """
    from lean_connector.sync import plan_run, resolve_window

    spec = connector.spec
    if not spec.sync.output:
        raise SpecError(
            "sync_plan_handler needs sync.output (LEAN_SYNC__OUTPUT)", field="sync.output"
        )
    if not spec.sync.queue_url:
        raise SpecError(
            "sync_plan_handler needs sync.queue_url (LEAN_SYNC__QUEUE_URL)",
            field="sync.queue_url",
        )
    request = _scheduled_request(event, context, "plan")
    start, end = resolve_window(
        request.get("start_date"),
        request.get("end_date"),
        days=int(request.get("days") or spec.sync.window_days),
    )
    result = plan_run(
        connector,
        output=spec.sync.output,
        queue_url=spec.sync.queue_url,
        customers=request.get("customers"),
        start_date=start,
        end_date=end,
        run_id=request.get("run_id"),
    )
    return result.to_dict()
