"""The sync queue's messages: one entity of one run each, sent ten at a time.

A message body is ``{"kind": "lean-connector.sync.entity", "run_id", "entity_id",
"customer_id", "start_date", "end_date"}``: everything a worker needs, so it reads no plan.
One entity per message lets a worker report exactly the entities that failed
(``batchItemFailures`` name messages). On a FIFO queue each message carries a
deduplication id derived from the run and the entity, so SQS itself drops a re-send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lean_connector.errors import AWSStoreError, InvalidRequestError
from lean_connector.sync._layout import check_run_id

__all__ = [
    "ENTITY_MESSAGE_KIND",
    "MAX_BATCH",
    "EntityTask",
    "is_entity_message",
    "send_entity_batch",
]

ENTITY_MESSAGE_KIND = "lean-connector.sync.entity"
MAX_BATCH = 10  # SendMessageBatch takes at most ten entries
_SEND_ATTEMPTS = 3


@dataclass(frozen=True)
class EntityTask:
    """One entity to sync in one run, over one window."""

    run_id: str
    entity_id: str
    customer_id: str | None
    start_date: str
    end_date: str

    def to_message(self) -> dict[str, Any]:
        """The message body."""
        return {
            "kind": ENTITY_MESSAGE_KIND,
            "run_id": self.run_id,
            "entity_id": self.entity_id,
            "customer_id": self.customer_id,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }

    @classmethod
    def from_message(cls, body: Mapping[str, Any]) -> EntityTask:
        """Parse a body; a malformed one is an :class:`InvalidRequestError` naming the field."""
        import datetime as dt

        values: dict[str, Any] = {}
        for name in ("run_id", "entity_id", "start_date", "end_date"):
            value = body.get(name)
            if not isinstance(value, str) or not value:
                raise InvalidRequestError(f"sync entity message: {name} must be a non-empty string")
            values[name] = value
        check_run_id(values["run_id"])
        for name in ("start_date", "end_date"):
            try:
                dt.date.fromisoformat(values[name])
            except ValueError:
                raise InvalidRequestError(
                    f"sync entity message: {name} must be a date YYYY-MM-DD"
                ) from None
        customer = body.get("customer_id")
        if customer is not None and not isinstance(customer, str):
            raise InvalidRequestError("sync entity message: customer_id must be a string or null")
        return cls(customer_id=customer, **values)

    def dedupe_id(self) -> str:
        """The same for every send of this entity in this run."""
        return hashlib.sha256(f"{self.run_id}\x00{self.entity_id}".encode()).hexdigest()


def is_entity_message(body: Mapping[str, Any]) -> bool:
    """True for a body the planner sent."""
    return body.get("kind") == ENTITY_MESSAGE_KIND


def send_entity_batch(sqs: Any, queue_url: str, tasks: Sequence[EntityTask]) -> list[str]:
    """Send up to ten tasks with one ``SendMessageBatch`` (re-sending entries SQS failed);
    return the message ids. Raises :class:`AWSStoreError` when entries keep failing."""
    if not 0 < len(tasks) <= MAX_BATCH:
        raise InvalidRequestError(f"a batch holds 1 to {MAX_BATCH} entities, got {len(tasks)}")
    fifo = queue_url.endswith(".fifo")
    pending = {str(number): task for number, task in enumerate(tasks)}
    sent: dict[str, str] = {}
    for _attempt in range(_SEND_ATTEMPTS):
        entries = []
        for entry_id, task in pending.items():
            entry: dict[str, Any] = {
                "Id": entry_id,
                "MessageBody": json.dumps(task.to_message(), sort_keys=True),
                "MessageAttributes": {"run_id": {"DataType": "String", "StringValue": task.run_id}},
            }
            if fifo:
                entry["MessageGroupId"] = task.entity_id[:128]
                entry["MessageDeduplicationId"] = task.dedupe_id()
            entries.append(entry)
        answer = _call(sqs.send_message_batch, QueueUrl=queue_url, Entries=entries)
        for ok in answer.get("Successful", []):
            sent[str(ok["Id"])] = str(ok["MessageId"])
            pending.pop(str(ok["Id"]), None)
        failed = answer.get("Failed", [])
        if not pending:
            return [sent[str(number)] for number in range(len(tasks))]
        if any(f.get("SenderFault") for f in failed):
            break  # our entry is wrong: sending it again cannot help
    codes = sorted({str(f.get("Code")) for f in answer.get("Failed", [])})
    raise AWSStoreError(
        f"SQS refused {len(pending)} of {len(tasks)} entity messages ({', '.join(codes)}): "
        "check the queue and the role's sqs:SendMessage, then run the planner again with the "
        "same run id (batches already sent are not sent again)",
        service="sqs",
        code=codes[0] if codes else None,
    )


def _call(operation: Any, **arguments: Any) -> Any:
    from lean_connector._aws import (
        credentials_problem,
        error_code,
        is_aws_client_error,
        is_connection_error,
    )

    try:
        return operation(**arguments)
    except Exception as exc:
        problem = credentials_problem(exc)
        if problem is None and not (is_aws_client_error(exc) or is_connection_error(exc)):
            raise
        code = error_code(exc)
        fix = problem or "check the queue URL and the role's sqs:SendMessage"
        raise AWSStoreError(
            f"SQS SendMessageBatch failed ({code or type(exc).__name__}): {fix}; then run the "
            "planner again with the same run id",
            service="sqs",
            code=code,
        ) from exc
