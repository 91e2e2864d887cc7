"""Names in a run's output: run ids, entity folders, markers, and how a row is encoded.

Layout of one run (``<root>`` is the output directory or S3 prefix)::

    <root>/<run_id>/plan.json                              the planner's list of entities
    <root>/<run_id>/manifest.json                          a one-process run's report
    <root>/<run_id>/_enqueued/<batch>                      a batch of the plan is on the queue
    <root>/<run_id>/entity=<entity_id>/{accounts,balances,transactions}.jsonl
    <root>/<run_id>/entity=<entity_id>/_done               the entity's checkpoint
    <root>/<run_id>/entity=<entity_id>/_failed             its last failure (fleet workers)

An entity's ``_done`` marker is written only after all of its files are whole, and an
entity without one is rewritten from scratch, so rows are never appended twice.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from lean_connector.errors import InvalidRequestError
from lean_connector.transport import dumps_json

__all__ = [
    "DONE_MARKER",
    "ENQUEUED_DIR",
    "FAILED_MARKER",
    "KINDS",
    "MANIFEST",
    "PLAN",
    "check_run_id",
    "encode_row",
    "entity_dir_name",
    "entity_id_of_dir",
    "new_run_id",
]

KINDS = ("accounts", "balances", "transactions")
DONE_MARKER = "_done"
FAILED_MARKER = "_failed"
MANIFEST = "manifest.json"
PLAN = "plan.json"
ENQUEUED_DIR = "_enqueued"
_ENTITY_PREFIX = "entity="
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def new_run_id() -> str:
    """A sortable, unique run id: ``YYYYmmddTHHMMSSZ-<6 hex>``."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def entity_dir_name(entity_id: str) -> str:
    """``entity=<id>`` with the id quoted, so no id can escape the run directory."""
    return _ENTITY_PREFIX + quote(entity_id, safe="-_.")


def entity_id_of_dir(dir_name: str) -> str | None:
    """The entity id an ``entity=<quoted id>`` folder stands for (None for other names)."""
    from urllib.parse import unquote

    if not dir_name.startswith(_ENTITY_PREFIX) or len(dir_name) == len(_ENTITY_PREFIX):
        return None
    return unquote(dir_name[len(_ENTITY_PREFIX) :])


def check_run_id(run_id: Any) -> str:
    """Refuse run ids that are not one safe path segment (they name a directory/prefix)."""
    if not isinstance(run_id, str) or not _RUN_ID.fullmatch(run_id) or run_id in {".", ".."}:
        raise InvalidRequestError(
            f"run_id must be 1-128 characters of letters, digits, '.', '_' or '-' starting "
            f"with a letter or digit, got {run_id!r}"
        )
    return run_id


def encode_row(row: Mapping[str, Any]) -> bytes:
    """One JSON Lines row: compact, keys sorted, so equal rows are equal bytes.

    Lean's amounts arrive as ``Decimal``: written as the same digits, a JSON number."""
    return (dumps_json(row, compact=True, sort_keys=True) + "\n").encode()
