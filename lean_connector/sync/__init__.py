"""The batch sync job: accounts, balances and transactions of every entity to JSON Lines.

One process (``run_sync``: a thread pool sharing one connector) or a fleet (a planner puts
the entities on an SQS queue, workers sync the batches they receive). ``_layout`` names
what a run writes, ``_sink``/``_local``/``_s3`` stream it to a directory or S3 with
``_done`` checkpoints, ``_entity`` syncs one entity, ``_job`` runs one process,
``_report`` keeps the manifest and the progress.
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
from lean_connector.sync._report import EntityError, SyncManifest, SyncProgress
from lean_connector.sync._sink import EntityWriter, SyncOutput
from lean_connector.sync._window import resolve_window

__all__ = [
    "DONE_MARKER",
    "KINDS",
    "EntityError",
    "EntityWriter",
    "SyncManifest",
    "SyncOutput",
    "SyncProgress",
    "check_run_id",
    "entity_dir_name",
    "new_run_id",
    "open_output",
    "resolve_window",
    "run_sync",
]
