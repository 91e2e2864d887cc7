"""The batch sync job: accounts, balances and transactions of every entity to JSON Lines.

One process (``run_sync``: a thread pool sharing one connector) or a fleet (``plan_run``
puts the entities on an SQS queue, workers run ``sync_tasks`` on the batches they receive,
``run_status`` compares the plan with the markers). ``_layout`` names what a run writes,
``_sink``/``_local``/``_s3`` stream it to a directory or S3 with ``_done`` checkpoints,
``_entity`` syncs one entity, ``_job`` runs one process, ``_plan``/``_queue`` plan and
enqueue, ``_worker`` syncs a batch, ``_status`` reports, ``_report`` keeps the manifest.
"""

from __future__ import annotations

from lean_connector.sync._job import run_sync
from lean_connector.sync._layout import (
    DONE_MARKER,
    KINDS,
    check_run_id,
    entity_dir_name,
    new_run_id,
)
from lean_connector.sync._output import open_output
from lean_connector.sync._plan import PlanResult, list_all_entities, plan_run
from lean_connector.sync._queue import EntityTask, is_entity_message
from lean_connector.sync._report import EntityError, SyncManifest, SyncProgress
from lean_connector.sync._sink import EntityWriter, SyncOutput
from lean_connector.sync._status import RunStatus, run_status
from lean_connector.sync._window import resolve_window
from lean_connector.sync._worker import EntityOutcome, describe, sync_tasks

__all__ = [
    "DONE_MARKER",
    "KINDS",
    "EntityError",
    "EntityOutcome",
    "EntityTask",
    "EntityWriter",
    "PlanResult",
    "RunStatus",
    "SyncManifest",
    "SyncOutput",
    "SyncProgress",
    "check_run_id",
    "describe",
    "entity_dir_name",
    "is_entity_message",
    "list_all_entities",
    "new_run_id",
    "open_output",
    "plan_run",
    "resolve_window",
    "run_status",
    "run_sync",
    "sync_tasks",
]
