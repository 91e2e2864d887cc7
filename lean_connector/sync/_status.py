"""Where a fleet run stands: the plan against the entities' ``_done`` and ``_failed`` markers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lean_connector.errors import ConnectorError
from lean_connector.sync._layout import (
    DONE_MARKER,
    ENQUEUED_DIR,
    FAILED_MARKER,
    PLAN,
    entity_dir_name,
)
from lean_connector.sync._output import open_output

__all__ = ["RunStatus", "run_status"]

SHOWN = 50  # entities listed by name per state; the counts are always whole


@dataclass
class RunStatus:
    """``planned`` = ``done`` + ``failed`` + ``missing``; complete when all are done."""

    run_id: str
    plan: str
    planned: int
    done: int
    failed: int
    missing: int
    batches: int = 0
    batches_enqueued: int = 0
    failed_entities: list[dict[str, Any]] = field(default_factory=list)
    missing_entities: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every planned entity is done."""
        return self.done == self.planned

    def to_dict(self) -> dict[str, Any]:
        """What ``lean-connector sync status`` prints."""
        return {
            "run_id": self.run_id,
            "plan": self.plan,
            "complete": self.complete,
            "planned": self.planned,
            "done": self.done,
            "failed": self.failed,
            "missing": self.missing,
            "batches": self.batches,
            "batches_enqueued": self.batches_enqueued,
            "failed_entities": self.failed_entities,
            "failed_not_shown": max(0, self.failed - len(self.failed_entities)),
            "missing_entities": self.missing_entities,
            "missing_not_shown": max(0, self.missing - len(self.missing_entities)),
        }


def _markers(names: Iterator[str]) -> tuple[set[str], set[str]]:
    done: set[str] = set()
    failed: set[str] = set()
    for name in names:
        head, _, tail = name.partition("/")
        if tail == DONE_MARKER:
            done.add(head)
        elif tail == FAILED_MARKER:
            failed.add(head)
    return done, failed


def run_status(
    output: str,
    run_id: str,
    *,
    aws_region: str | None = None,
    aws_endpoint_url: str | None = None,
) -> RunStatus:
    """The state of run ``run_id`` under ``output``: entities planned, done (``_done``),
    failed (``_failed`` and no ``_done``) and missing (neither: queued, running or lost).
    Raises :class:`ConnectorError` when the run has no plan."""
    sink = open_output(output, run_id, aws_region=aws_region, aws_endpoint_url=aws_endpoint_url)
    plan = sink.read_json(PLAN)
    if plan is None:
        raise ConnectorError(
            f"no {PLAN} under {sink.location}: check --output and --run-id, or plan the run "
            "with `lean-connector sync plan`"
        )
    entities = [e for e in plan.get("entities", []) if isinstance(e, dict)]
    done_dirs, failed_dirs = _markers(sink.list_names("entity="))
    status = RunStatus(
        run_id=run_id,
        plan=f"{sink.location}/{PLAN}",
        planned=len(entities),
        done=0,
        failed=0,
        missing=0,
        batches=int(plan.get("batches") or 0),
        batches_enqueued=sum(1 for _ in sink.list_names(f"{ENQUEUED_DIR}/")),
    )
    for entity in entities:
        entity_id = str(entity.get("entity_id"))
        dir_name = entity_dir_name(entity_id)
        if dir_name in done_dirs:
            status.done += 1
        elif dir_name in failed_dirs:
            status.failed += 1
            if len(status.failed_entities) < SHOWN:
                why = sink.read_json(f"{dir_name}/{FAILED_MARKER}") or {}
                status.failed_entities.append({"entity_id": entity_id, **why})
        else:
            status.missing += 1
            if len(status.missing_entities) < SHOWN:
                status.missing_entities.append(entity_id)
    return status
