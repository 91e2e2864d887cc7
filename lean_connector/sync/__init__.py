"""The batch sync job: accounts, balances and transactions of every entity to JSON Lines.

``_job`` runs it (a thread pool sharing one connector), ``_output`` writes a directory or
``s3://`` with ``_done`` checkpoints, ``_report`` keeps the manifest and the progress.
"""

from __future__ import annotations

from lean_connector.sync._job import new_run_id, resolve_window, run_sync
from lean_connector.sync._output import DONE_MARKER, KINDS, entity_dir_name, open_output
from lean_connector.sync._report import EntityError, SyncManifest, SyncProgress

__all__ = [
    "DONE_MARKER",
    "KINDS",
    "EntityError",
    "SyncManifest",
    "SyncProgress",
    "entity_dir_name",
    "new_run_id",
    "open_output",
    "resolve_window",
    "run_sync",
]
