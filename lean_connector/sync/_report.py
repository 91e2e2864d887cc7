"""What a sync run reports: the manifest, per-entity errors and progress.

The manifest is both the run's result (``run_sync`` returns it) and a document in the
output (``manifest.json``), so consumers can tell a finished run from a running or aborted
one and see why an entity failed (Lean's status code and correlation id) without the logs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from lean_connector.errors import ConnectorError, LeanAPIError
from lean_connector.logs import get_logger
from lean_connector.sync._layout import KINDS

__all__ = ["EntityError", "SyncManifest", "SyncProgress"]

log = get_logger(__name__)

SUMMARY_ERRORS = 10  # errors shown by the CLI summary; the manifest keeps them all


@dataclass(frozen=True)
class EntityError:
    """Why one entity (or, with ``entity_id`` None, one customer's entity list) failed."""

    entity_id: str | None
    customer_id: str | None
    error: str
    message: str
    http_status: int | None = None
    lean_status: str | None = None
    correlation_id: str | None = None

    @classmethod
    def from_exception(
        cls, exc: BaseException, entity_id: str | None, customer_id: str | None
    ) -> EntityError:
        """Keep Lean's code and correlation id; messages of ConnectorErrors hold no secret."""
        api = exc if isinstance(exc, LeanAPIError) else None
        message = str(exc) if isinstance(exc, ConnectorError | OSError) else type(exc).__name__
        return cls(
            entity_id=entity_id,
            customer_id=customer_id,
            error=type(exc).__name__,
            message=message,
            http_status=api.http_status if api else None,
            lean_status=api.lean_status if api else None,
            correlation_id=api.correlation_id if api else None,
        )


@dataclass
class SyncManifest:
    """What one attempt of a run did; written to ``<output>/<run_id>/manifest.json``.

    ``counts`` are the rows now in the output, entities skipped as already done included.
    ``failed`` counts entities that failed; ``customers_failed`` customers whose entity
    list could not be fetched.
    """

    run_id: str
    location: str
    manifest_location: str
    start_date: str
    end_date: str
    started_at: str
    ended_at: str | None = None
    status: str = "running"
    attempt: int = 1
    workers: int = 1
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    customers_failed: int = 0
    errors: list[EntityError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The manifest.json document."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "attempt": self.attempt,
            "output": self.location,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "window": {"start_date": self.start_date, "end_date": self.end_date},
            "workers": self.workers,
            "counts": dict(self.counts),
            "entities": {
                "total": self.ok + self.failed + self.skipped,
                "ok": self.ok,
                "failed": self.failed,
                "skipped_already_done": self.skipped,
            },
            "customers_failed": self.customers_failed,
            "errors": [asdict(error) for error in self.errors],
        }

    def summary(self) -> dict[str, Any]:
        """A one-screen summary (the CLI prints it; the Lambda handler returns it)."""
        return {
            "run_id": self.run_id,
            "status": self.status,
            "output": self.location,
            "manifest": self.manifest_location,
            "window": {"start_date": self.start_date, "end_date": self.end_date},
            "counts": dict(self.counts),
            "entities_ok": self.ok,
            "entities_failed": self.failed,
            "entities_skipped": self.skipped,
            "customers_failed": self.customers_failed,
            "errors": [asdict(error) for error in self.errors[:SUMMARY_ERRORS]],
            "errors_not_shown": max(0, len(self.errors) - SUMMARY_ERRORS),
        }


class SyncProgress:
    """Progress of a run: a bar on a terminal, else a ``sync.progress`` event every N
    entities or seconds. ``with progress:`` around the run, ``listing()`` while entities
    are listed, ``start()`` once the total is known, ``update()`` as entities finish."""

    def __init__(self, *, bar: bool, every: int, interval_s: float, stream: TextIO) -> None:
        self.bar = bar
        self._every, self._interval_s, self._stream = every, interval_s, stream
        self._started = self._last = time.monotonic()
        self._last_count = 0
        self._total = 0
        self._terminal: Any = None

    def __enter__(self) -> SyncProgress:
        if self.bar:
            from lean_connector.sync._bar import TerminalBar  # tqdm: only on a terminal

            self._terminal = TerminalBar(self._stream).__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._terminal is not None:
            self._terminal.__exit__(*exc)
            self._terminal = None

    def listing(self, found: int) -> None:
        """``found`` entities listed so far."""
        if self._terminal is not None:
            self._terminal.listing(found)

    def start(self, manifest: SyncManifest, total: int) -> None:
        """The run has ``total`` entities; those skipped as already done count as done."""
        self._total = total
        self._started = self._last = time.monotonic()
        if self._terminal is not None:
            self._terminal.start(total, manifest.skipped)

    def update(self, manifest: SyncManifest, *, final: bool = False) -> None:
        done = manifest.ok + manifest.failed
        if self._terminal is not None:
            self._terminal.update(done + manifest.skipped, manifest.failed)
            if final:
                self._terminal.close()
            return
        now = time.monotonic()
        if final or done - self._last_count >= self._every or now - self._last >= self._interval_s:
            log.info(
                "sync.progress",
                run_id=manifest.run_id,
                entities_done=done,
                entities_failed=manifest.failed,
                entities_skipped=manifest.skipped,
                entities_total=self._total,
                entities_per_s=round(done / max(now - self._started, 1e-9), 2),
            )
            self._last, self._last_count = now, done
