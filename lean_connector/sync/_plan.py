"""The planner: which entities a run syncs, written to ``plan.json`` and put on the queue.

A plan is made once per run id: a re-run with the same id reuses ``plan.json`` (it lists
nothing again) and sends only the batches without an ``_enqueued/<batch>`` marker, and
of those only the entities without a ``_done`` marker, so nothing is enqueued twice. The
marker is written after SQS accepted the batch: a planner killed between the two re-sends
that one batch, which the workers' ``_done`` check turns into no work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from lean_connector.errors import InvalidRequestError
from lean_connector.logs import get_logger
from lean_connector.sync._entity import id_of, now_iso
from lean_connector.sync._layout import (
    DONE_MARKER,
    ENQUEUED_DIR,
    PLAN,
    check_run_id,
    entity_dir_name,
    new_run_id,
)
from lean_connector.sync._output import open_output
from lean_connector.sync._queue import MAX_BATCH, EntityTask, send_entity_batch
from lean_connector.sync._sink import SyncOutput
from lean_connector.sync._window import DEFAULT_WINDOW_DAYS, resolve_window

if TYPE_CHECKING:
    from lean_connector.api import Entity
    from lean_connector.client import LeanConnector

__all__ = ["PlanResult", "list_all_entities", "plan_run"]

log = get_logger(__name__)

ENTITIES_PAGE_SIZE = 100
MAX_ENTITY_PAGES = 10_000  # 1,000,000 entities: past that Lean's paging is not to be trusted


@dataclass(frozen=True)
class PlanResult:
    """What one planner run did."""

    run_id: str
    plan: str
    queue_url: str
    start_date: str
    end_date: str
    entities: int
    batches: int
    enqueued_now: int
    batches_already_enqueued: int
    entities_already_done: int
    reused_plan: bool

    def to_dict(self) -> dict[str, Any]:
        """The summary the CLI prints and the handler returns."""
        return asdict(self)


def list_all_entities(connector: LeanConnector) -> Iterator[Entity]:
    """Every entity of the application: ``GET /customers/v1/entities``, paged with Lean's
    ``page_number``/``page_size`` by ``connector.entities.list()``, which stops on an empty
    or repeated page (a server ignoring the page number) or on the last page, and raises
    past ``MAX_ENTITY_PAGES``."""
    return connector.entities.list(page_size=ENTITIES_PAGE_SIZE, max_pages=MAX_ENTITY_PAGES)


def _entities(connector: LeanConnector, customers: Sequence[str] | None) -> list[dict[str, Any]]:
    """[{entity_id, customer_id}] in listing order, each entity once."""
    found: dict[str, str | None] = {}
    if customers is None:
        for item in list_all_entities(connector):
            entity_id = id_of(item, "id", "entity_id")
            if entity_id is not None:
                found.setdefault(entity_id, id_of(item, "customer_id"))
    else:
        for customer_id in dict.fromkeys(customers):
            for entity in connector.customers.entities(customer_id):
                entity_id = id_of(entity, "id", "entity_id") if isinstance(entity, dict) else None
                if entity_id is not None:
                    found.setdefault(entity_id, customer_id)
    return [{"entity_id": e, "customer_id": c} for e, c in found.items()]


def _done_dirs(sink: SyncOutput) -> set[str]:
    return {
        name.partition("/")[0]
        for name in sink.list_names("entity=")
        if name.endswith(f"/{DONE_MARKER}")
    }


def plan_run(
    connector: LeanConnector,
    *,
    output: str,
    queue_url: str,
    customers: Sequence[str] | None = None,
    start_date: dt.date | str | None = None,
    end_date: dt.date | str | None = None,
    run_id: str | None = None,
) -> PlanResult:
    """Plan run ``run_id`` (new by default) into ``output`` and put its entities on
    ``queue_url``. Re-running with the same ``run_id`` finishes an interrupted plan and
    enqueues nothing twice; the window must then be the plan's (or omitted)."""
    if not isinstance(queue_url, str) or not queue_url.startswith(("https://", "http://")):
        raise InvalidRequestError(f"queue_url must be an SQS queue URL, got {queue_url!r}")
    if customers is not None and (
        isinstance(customers, str) or not all(isinstance(c, str) and c for c in customers)
    ):
        raise InvalidRequestError(
            f"customers must be a list of non-empty customer ids, got {customers!r}"
        )
    spec = getattr(connector, "spec", None)
    secrets_spec = getattr(spec, "secrets", None)
    region = getattr(secrets_spec, "aws_region", None)
    endpoint = getattr(secrets_spec, "aws_endpoint_url", None)
    run_id = check_run_id(run_id) if run_id is not None else new_run_id()
    sink = open_output(output, run_id, aws_region=region, aws_endpoint_url=endpoint)
    sink.check()
    plan = sink.read_json(PLAN)
    reused = plan is not None
    if plan is None:
        days = int(getattr(getattr(spec, "sync", None), "window_days", DEFAULT_WINDOW_DAYS))
        start, end = resolve_window(start_date, end_date, days=days)
        plan = {
            "run_id": run_id,
            "created_at": now_iso(),
            "output": sink.location,
            "queue_url": queue_url,
            "window": {"start_date": start.isoformat(), "end_date": end.isoformat()},
            "entities": _entities(connector, customers),
        }
        plan["batches"] = -(-len(plan["entities"]) // MAX_BATCH)
        sink.write_json(PLAN, plan, indent=1)
    else:
        _check_same_window(plan, run_id, start_date, end_date)
    return _enqueue(sink, plan, run_id, queue_url, reused, region, endpoint)


def _check_same_window(
    plan: dict[str, Any], run_id: str, start: dt.date | str | None, end: dt.date | str | None
) -> None:
    window = plan.get("window") or {}
    for name, given in (("start_date", start), ("end_date", end)):
        if given is not None and str(given) != window.get(name):
            raise InvalidRequestError(
                f"run {run_id} was planned with the window {window.get('start_date')} to "
                f"{window.get('end_date')}: re-run it with the same dates (or none) or use a "
                "new run id"
            )


def _enqueue(
    sink: SyncOutput,
    plan: dict[str, Any],
    run_id: str,
    queue_url: str,
    reused: bool,
    region: str | None,
    endpoint: str | None,
) -> PlanResult:
    from lean_connector._aws import client

    window = plan["window"]
    entities = plan["entities"]
    marked = {name.rpartition("/")[2] for name in sink.list_names(f"{ENQUEUED_DIR}/")}
    done = _done_dirs(sink) if reused else set()
    sqs = client("sqs", region=region, endpoint_url=endpoint)
    sent = skipped_batches = skipped_done = 0
    for number in range(0, len(entities), MAX_BATCH):
        marker = f"{number // MAX_BATCH:06d}"
        if marker in marked:
            skipped_batches += 1
            continue
        tasks = []
        for item in entities[number : number + MAX_BATCH]:
            if entity_dir_name(item["entity_id"]) in done:
                skipped_done += 1
                continue
            tasks.append(EntityTask(run_id, item["entity_id"], item.get("customer_id"), **window))
        message_ids = send_entity_batch(sqs, queue_url, tasks) if tasks else []
        sink.write_json(f"{ENQUEUED_DIR}/{marker}", {"message_ids": message_ids})
        sent += len(tasks)
    result = PlanResult(
        run_id=run_id,
        plan=f"{sink.location}/{PLAN}",
        queue_url=queue_url,
        start_date=window["start_date"],
        end_date=window["end_date"],
        entities=len(entities),
        batches=-(-len(entities) // MAX_BATCH),
        enqueued_now=sent,
        batches_already_enqueued=skipped_batches,
        entities_already_done=skipped_done,
        reused_plan=reused,
    )
    log.info("sync.planned", **{k: v for k, v in result.to_dict().items() if k != "queue_url"})
    return result
