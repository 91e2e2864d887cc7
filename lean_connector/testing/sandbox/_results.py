"""Stored data answers (``/data/v2/results/{id}``, PENDING) and data refreshes.

A data answer is kept under its ``results_id`` (at most ``MAX_RESULTS``, oldest dropped
first, so long benchmarks stay bounded). A refresh is IN_PROGRESS until its status is read
once, then FINISHED; triggering another for the same entity meanwhile is Lean's 429
``DUPLICATED_REQUEST``. Thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lean_connector.testing.sandbox._http import SandboxError, utc_timestamp

__all__ = ["MAX_RESULTS", "ResultStore"]

MAX_RESULTS = 10_000


@dataclass
class _Result:
    body: dict[str, Any]
    pending_left: int


class ResultStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: OrderedDict[str, _Result] = OrderedDict()
        self._refreshes: dict[str, dict[str, Any]] = {}
        self._refreshes_of: dict[str, list[str]] = {}

    # -- results ---------------------------------------------------------------------------

    def store(self, results_id: str, body: dict[str, Any], pending_left: int) -> None:
        with self._lock:
            self._results[results_id] = _Result(body, pending_left)
            while len(self._results) > MAX_RESULTS:
                self._results.popitem(last=False)

    def fetch(self, results_id: str) -> tuple[bool, dict[str, Any]]:
        """(still_pending, body). A pending fetch uses up one PENDING answer."""
        with self._lock:
            result = self._results.get(results_id)
            if result is None:
                raise SandboxError(
                    404,
                    "UNKNOWN_RESULTS_ID",
                    "The results_id provided has not been recognized by Lean or has not been "
                    "processed yet",
                    results_id=results_id,
                )
            if result.pending_left > 0:
                result.pending_left -= 1
                return True, result.body
            return False, result.body

    # -- refreshes -------------------------------------------------------------------------

    def trigger_refresh(self, refresh: dict[str, Any]) -> None:
        """Record a refresh (``refresh_id``, ``entity_id``... already set); 429 when the
        entity has one IN_PROGRESS."""
        entity_id = refresh["entity_id"]
        with self._lock:
            for refresh_id in self._refreshes_of.get(entity_id, []):
                if self._refreshes[refresh_id]["status"] == "IN_PROGRESS":
                    raise SandboxError(
                        429, "DUPLICATED_REQUEST", "Data refresh is already pending."
                    )
            self._refreshes[refresh["refresh_id"]] = refresh
            self._refreshes_of.setdefault(entity_id, []).append(refresh["refresh_id"])

    def refresh(self, refresh_id: str) -> dict[str, Any]:
        """The refresh; reading an IN_PROGRESS one finishes it (the next read sees FINISHED)."""
        with self._lock:
            found = self._refreshes.get(refresh_id)
            if found is None:
                raise SandboxError(
                    404, "DATA_NOT_FOUND", f"No data refresh with refresh_id {refresh_id}."
                )
            answer = dict(found)
            if found["status"] == "IN_PROGRESS":
                found["status"] = "FINISHED"
                found["updated_at"] = utc_timestamp()
            return answer

    def refreshes_of(self, entity_id: str) -> list[dict[str, Any]]:
        """The entity's refreshes, newest first."""
        with self._lock:
            ids = list(reversed(self._refreshes_of.get(entity_id, [])))
            return [dict(self._refreshes[i]) for i in ids]
