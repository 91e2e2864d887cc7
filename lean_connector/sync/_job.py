"""The batch sync job: accounts, balances and transactions of every entity, to JSON Lines.

For the customers given (or every customer, page by page) and each of their entities, the
job fetches accounts, each account's balances and its transactions for a date window, and
writes them under ``<output>/<run_id>/`` (see :mod:`lean_connector.sync._output` for the
layout and the checkpoint rules). Entities are the unit of work: a thread pool shares the
one connector, one entity's failure is recorded in the manifest and the others go on, and
a re-run with the same ``run_id`` skips the entities already done.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lean_connector.errors import ConnectorError, InvalidRequestError
from lean_connector.logs import get_logger
from lean_connector.sync._entity import id_of, now_iso, sync_entity
from lean_connector.sync._layout import KINDS, check_run_id, entity_dir_name, new_run_id
from lean_connector.sync._output import open_output
from lean_connector.sync._report import EntityError, SyncManifest, SyncProgress
from lean_connector.sync._sink import RunState, SyncOutput
from lean_connector.sync._window import DEFAULT_WINDOW_DAYS, resolve_window

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["run_sync"]

log = get_logger(__name__)


class _SyncRun:
    """One attempt: the thread pool, the bookkeeping, the checkpoints."""

    def __init__(
        self,
        connector: LeanConnector,
        sink: SyncOutput,
        state: RunState,
        manifest: SyncManifest,
        progress: SyncProgress,
    ) -> None:
        self.connector, self.sink, self.state = connector, sink, state
        self.manifest, self.progress = manifest, progress
        self.counts: Counter[str] = Counter(dict.fromkeys(KINDS, 0))
        self.pending: dict[Future[Any], tuple[str, str | None]] = {}

    def execute(self, customers: Sequence[str] | None, pool: ThreadPoolExecutor) -> None:
        # Every entity is listed before the first is synced, so the total is known up front.
        entities = self._list_entities(customers, pool)
        for entity_id, customer_id in entities.items():
            self._schedule(pool, entity_id, customer_id)
        self.progress.start(self.manifest, len(entities))
        while self.pending:
            self._drain()

    def _list_entities(
        self, customers: Sequence[str] | None, pool: ThreadPoolExecutor
    ) -> dict[str, str | None]:
        """{entity_id: customer_id} of the run, in listing order, each entity once."""
        listings = [
            (
                customer_id,
                pool.submit(contextvars.copy_context().run, self._entities_of, customer_id),
            )
            for customer_id in self._customer_ids(customers)
        ]
        found: dict[str, str | None] = {}
        for customer_id, future in listings:
            error = future.exception()
            if error is None:
                for entity_id in future.result():
                    found.setdefault(entity_id, customer_id)
                self.progress.listing(len(found))
                continue
            self._failed(error, None, customer_id)
        return found

    def _customer_ids(self, customers: Sequence[str] | None) -> Iterator[str]:
        if customers is not None:
            yield from dict.fromkeys(customers)
            return
        for customer in self.connector.customers.list():
            customer_id = id_of(customer, "customer_id", "id")
            if customer_id is not None:
                yield customer_id

    def _entities_of(self, customer_id: str) -> list[str]:
        entities = self.connector.customers.entities(customer_id)
        return [e for e in (id_of(item, "id", "entity_id") for item in entities) if e]

    def _drain(self) -> None:
        finished, _ = wait(list(self.pending), return_when=FIRST_COMPLETED)
        for future in finished:
            entity_id, customer_id = self.pending.pop(future)
            error = future.exception()
            if error is not None:
                self._failed(error, entity_id, customer_id)
            else:
                self._done(future.result())
        self.progress.update(self.manifest)

    def _schedule(self, pool: ThreadPoolExecutor, entity_id: str, customer_id: str | None) -> None:
        dir_name = entity_dir_name(entity_id)
        marker = self.state.done.get(dir_name)
        if marker is not None:
            self.manifest.skipped += 1
            self.counts.update({k: int(marker.get("counts", {}).get(k, 0)) for k in KINDS})
            log.debug("sync.entity_skipped", entity_id=entity_id, reason="already done")
            return
        reset = dir_name in self.state.partial
        # Each task runs in a copy of the caller's context: log lines from worker threads keep
        # what the caller bound (a Lambda's aws_request_id, for one).
        future = pool.submit(
            contextvars.copy_context().run,
            self._sync_entity,
            entity_id,
            customer_id,
            dir_name,
            reset,
        )
        self.pending[future] = (entity_id, customer_id)

    def _sync_entity(
        self, entity_id: str, customer_id: str | None, dir_name: str, reset: bool
    ) -> dict[str, int]:
        started = time.monotonic()
        if reset:  # a crashed attempt left some files of this entity: start it over
            self.sink.reset_entity(dir_name)
        counts = sync_entity(
            self.connector,
            self.sink,
            dir_name,
            entity_id=entity_id,
            customer_id=customer_id,
            start_date=self.manifest.start_date,
            end_date=self.manifest.end_date,
        )
        # On a terminal the bar shows progress; an INFO line per entity would break it up.
        (log.debug if self.progress.bar else log.info)(
            "sync.entity_done",
            entity_id=entity_id,
            counts=counts,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        return counts

    def _done(self, counts: dict[str, int]) -> None:
        self.manifest.ok += 1
        self.counts.update(counts)

    def _failed(self, exc: BaseException, entity_id: str | None, customer_id: str | None) -> None:
        if not isinstance(exc, Exception):
            raise exc  # KeyboardInterrupt and the like stop the run
        if not isinstance(exc, ConnectorError | OSError):
            # Lean's data took the code somewhere unplanned: this entity (or customer's
            # listing) fails, the others go on; the traceback is logged for the bug report.
            log.error(
                "sync.entity_crashed",
                entity_id=entity_id,
                customer_id=customer_id,
                error=type(exc).__name__,
                exc_info=exc,
            )
        error = EntityError.from_exception(exc, entity_id, customer_id)
        if entity_id is None:
            self.manifest.customers_failed += 1
        else:
            self.manifest.failed += 1
        self.manifest.errors.append(error)
        log.warning("sync.entity_failed", **asdict(error))


def run_sync(
    connector: LeanConnector,
    *,
    output: str,
    customers: Sequence[str] | None = None,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    workers: int = 8,
    run_id: str | None = None,
    progress: bool | None = None,
    progress_every: int = 25,
    progress_interval_s: float = 10.0,
) -> SyncManifest:
    """Sync accounts, balances and transactions of every entity to ``output``.

    ``output`` is a directory or ``s3://bucket/prefix``; files land under ``<run_id>/``.
    The window defaults to ``spec.sync.window_days`` back from today. Re-running with the
    ``run_id`` of a crashed run skips the entities it finished and redoes the rest. The
    returned manifest (also written as ``manifest.json``) has ``failed`` > 0 when any
    entity failed; Lean, storage and argument errors that stop the whole run are raised
    as :class:`ConnectorError` (:class:`InvalidRequestError` for bad arguments).
    """
    spec = getattr(connector, "spec", None)
    days = int(getattr(getattr(spec, "sync", None), "window_days", DEFAULT_WINDOW_DAYS))
    start, end = resolve_window(start_date, end_date, days=days)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InvalidRequestError(f"workers must be an integer >= 1, got {workers!r}")
    if customers is not None and (
        isinstance(customers, str) or not all(isinstance(c, str) and c for c in customers)
    ):
        raise InvalidRequestError(
            f"customers must be a list of non-empty customer ids, got {customers!r}"
        )
    run_id = check_run_id(run_id) if run_id is not None else new_run_id()
    secrets_spec = getattr(spec, "secrets", None)
    sink = open_output(
        output,
        run_id,
        aws_region=getattr(secrets_spec, "aws_region", None),
        aws_endpoint_url=getattr(secrets_spec, "aws_endpoint_url", None),
    )
    pool_size = getattr(getattr(spec, "http", None), "pool_size", None)
    if isinstance(pool_size, int) and pool_size < workers:
        log.warning(
            "sync.pool_too_small",
            workers=workers,
            pool_size=pool_size,
            hint="set http.pool_size >= workers, or connections are reopened per call",
        )
    sink.check()  # before any call to Lean: a wrong output must not cost a full fetch
    state = sink.scan()
    manifest = _start_manifest(sink, state, run_id, start, end, workers)
    sink.write_manifest(manifest.to_dict())
    log.info(
        "sync.started",
        run_id=run_id,
        output=sink.location,
        attempt=manifest.attempt,
        start_date=manifest.start_date,
        end_date=manifest.end_date,
        workers=workers,
        entities_already_done=len(state.done),
    )
    bar = sys.stderr.isatty() if progress is None else progress
    reporter = SyncProgress(
        bar=bar, every=max(1, progress_every), interval_s=progress_interval_s, stream=sys.stderr
    )
    job = _SyncRun(connector, sink, state, manifest, reporter)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lean-sync")
    with reporter:
        try:
            job.execute(customers, pool)
        except BaseException as exc:
            pool.shutdown(wait=True, cancel_futures=True)
            _finish(job, "aborted")
            log.error(
                "sync.aborted",
                run_id=run_id,
                error=type(exc).__name__,
                reason=str(exc) if isinstance(exc, ConnectorError) else type(exc).__name__,
            )
            raise
        pool.shutdown(wait=True)
        _finish(job, "failed" if manifest.failed or manifest.customers_failed else "complete")
        reporter.update(manifest, final=True)
    log.info("sync.finished", **{k: v for k, v in manifest.summary().items() if k != "errors"})
    return manifest


def _start_manifest(
    sink: SyncOutput, state: RunState, run_id: str, start: dt.date, end: dt.date, workers: int
) -> SyncManifest:
    manifest = SyncManifest(
        run_id=run_id,
        location=sink.location,
        manifest_location=sink.manifest_location,
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        started_at=now_iso(),
        workers=workers,
    )
    previous = state.manifest
    if previous is not None:
        window = previous.get("window") or {}
        if window != {"start_date": manifest.start_date, "end_date": manifest.end_date}:
            raise InvalidRequestError(
                f"run {run_id} was started with the window {window.get('start_date')} to "
                f"{window.get('end_date')}: resume it with the same dates or use a new run_id"
            )
        manifest.attempt = int(previous.get("attempt") or 0) + 1
    return manifest


def _finish(job: _SyncRun, status: str) -> None:
    manifest = job.manifest
    manifest.counts = {kind: job.counts[kind] for kind in KINDS}
    manifest.status = status
    manifest.ended_at = now_iso()
    job.sink.write_manifest(manifest.to_dict())
