"""The sync handler: a scheduled or SQS-triggered run of the sync job."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._http import lean_handler
from lean_connector.errors import ConnectorError, InvalidRequestError, SpecError

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["sync_handler"]


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
