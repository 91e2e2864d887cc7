"""The fleet worker's part: sync the entities a batch of queue messages names.

Each entity is checked against its ``_done`` marker first, so a redelivered message (a
worker killed mid-entity, a visibility timeout, a re-sent batch) does no work twice and
never appends rows twice; a redelivered entity without a marker first drops what the
killed attempt left, then is written whole again. A failure is written to the entity's
``_failed`` marker (for ``sync status``) and reported, so only that message is retried.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lean_connector.errors import ConnectorError
from lean_connector.logs import get_logger
from lean_connector.sync._entity import now_iso, sync_entity
from lean_connector.sync._layout import FAILED_MARKER, entity_dir_name
from lean_connector.sync._output import open_output
from lean_connector.sync._queue import EntityTask
from lean_connector.sync._report import EntityError
from lean_connector.sync._sink import SyncOutput

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["EntityOutcome", "describe", "sync_tasks"]

log = get_logger(__name__)


@dataclass(frozen=True)
class EntityOutcome:
    """What became of one entity task: ``status`` is "done", "already_done" or "failed"."""

    task: EntityTask
    status: str
    counts: Mapping[str, int] | None = None
    error: EntityError | None = None

    @property
    def ok(self) -> bool:
        """True when the entity is done (now or before)."""
        return self.status != "failed"


class _Sinks:
    """One output per run id, shared by the batch's threads."""

    def __init__(self, output: str, region: str | None, endpoint: str | None) -> None:
        self._output, self._region, self._endpoint = output, region, endpoint
        self._by_run: dict[str, SyncOutput] = {}

    def get(self, run_id: str) -> SyncOutput:
        if run_id not in self._by_run:
            self._by_run[run_id] = open_output(
                self._output, run_id, aws_region=self._region, aws_endpoint_url=self._endpoint
            )
        return self._by_run[run_id]


def _run_one(
    connector: LeanConnector,
    sink: SyncOutput,
    task: EntityTask,
    attempt: int,
    message_id: str | None,
) -> EntityOutcome:
    dir_name = entity_dir_name(task.entity_id)
    started = time.monotonic()
    try:
        if sink.is_done(dir_name) is not None:
            log.info("sync.entity_skipped", entity_id=task.entity_id, reason="already done")
            return EntityOutcome(task, "already_done")
        if attempt > 1:  # an earlier delivery may have died mid-entity
            sink.clean_up_entity(dir_name)
        counts = sync_entity(
            connector,
            sink,
            dir_name,
            entity_id=task.entity_id,
            customer_id=task.customer_id,
            start_date=task.start_date,
            end_date=task.end_date,
            marker_extra={"run_id": task.run_id, "attempt": attempt, "message_id": message_id},
        )
        if attempt > 1:  # an earlier delivery may have recorded a failure
            sink.delete(f"{dir_name}/{FAILED_MARKER}")
    except Exception as exc:
        error = EntityError.from_exception(exc, task.entity_id, task.customer_id)
        log.warning("sync.entity_failed", run_id=task.run_id, attempt=attempt, **asdict(error))
        # Best effort: the status command shows why; the retry is what matters.
        with contextlib.suppress(ConnectorError, OSError):
            sink.write_json(
                f"{dir_name}/{FAILED_MARKER}",
                {**asdict(error), "attempt": attempt, "failed_at": now_iso()},
            )
        return EntityOutcome(task, "failed", error=error)
    log.info(
        "sync.entity_done",
        run_id=task.run_id,
        entity_id=task.entity_id,
        attempt=attempt,
        counts=counts,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
    )
    return EntityOutcome(task, "done", counts=counts)


def sync_tasks(
    connector: LeanConnector,
    *,
    output: str,
    tasks: Sequence[tuple[EntityTask, int, str | None]],
    workers: int,
) -> list[EntityOutcome]:
    """Sync each ``(task, attempt, message_id)`` into ``output`` with up to ``workers``
    threads; one outcome per task, in order. Never raises for one entity's failure."""
    spec = getattr(connector, "spec", None)
    secrets_spec = getattr(spec, "secrets", None)
    sinks = _Sinks(
        output,
        getattr(secrets_spec, "aws_region", None),
        getattr(secrets_spec, "aws_endpoint_url", None),
    )
    if not tasks:
        return []
    for task, _attempt, _message in tasks:
        sinks.get(task.run_id)  # a bad output fails here, once, before any thread starts
    with ThreadPoolExecutor(
        max_workers=max(1, min(workers, len(tasks))), thread_name_prefix="lean-sync"
    ) as pool:
        futures = [
            pool.submit(
                contextvars.copy_context().run,
                _run_one,
                connector,
                sinks.get(task.run_id),
                task,
                attempt,
                message_id,
            )
            for task, attempt, message_id in tasks
        ]
        return [future.result() for future in futures]


def describe(outcomes: Sequence[EntityOutcome]) -> dict[str, Any]:
    """A short summary of a batch (the handler's answer beside ``batchItemFailures``)."""
    return {
        "done": sum(o.status == "done" for o in outcomes),
        "already_done": sum(o.status == "already_done" for o in outcomes),
        "failed": [
            {"entity_id": o.task.entity_id, "error": o.error.error if o.error else None}
            for o in outcomes
            if o.status == "failed"
        ],
    }
