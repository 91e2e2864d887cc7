"""One entity's sync: its accounts, each account's balances and transactions, to a writer.

Shared by the one-process job (``_job``) and the fleet worker (``_worker``). Rows stream
from Lean's pages to the writer as they come, so memory does not grow with the entity.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.errors import ConnectorError, LeanAPIError
from lean_connector.sync._sink import SyncOutput

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["id_of", "now_iso", "sync_entity"]


def now_iso() -> str:
    """Now (UTC), to the second, as markers and manifests record it."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def id_of(item: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` holding a non-empty string."""
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _balance_rows(balance: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per balance record when Lean answers a list of them, else the one document."""
    records = balance.get("balances")
    if isinstance(records, list) and records and all(isinstance(r, dict) for r in records):
        return [dict(r) for r in records]
    return [dict(balance)]


def sync_entity(
    connector: LeanConnector,
    sink: SyncOutput,
    dir_name: str,
    *,
    entity_id: str,
    customer_id: str | None,
    start_date: str,
    end_date: str,
    marker_extra: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Fetch one entity into ``sink`` and commit it with its ``_done`` marker; return the
    row counts. Whatever fails leaves no file under a final name (the writer is aborted)."""
    data = connector.data
    writer = sink.entity_writer(dir_name)
    base = {"entity_id": entity_id, "customer_id": customer_id}
    try:
        for account in data.accounts(entity_id):
            account_id = id_of(account, "account_id", "id")
            if account_id is None:
                raise LeanAPIError(
                    http_status=200, lean_message=f"an account of entity {entity_id} has no id"
                )
            writer.add("accounts", {**account, **base, "account_id": account_id})
            balance = data.balances(account_id, entity_id=entity_id)
            for row in _balance_rows(balance):
                writer.add("balances", {**row, **base, "account_id": account_id})
            for transaction in data.transactions(
                account_id, entity_id=entity_id, start_date=start_date, end_date=end_date
            ):
                writer.add("transactions", {**transaction, **base, "account_id": account_id})
        marker = {
            "entity_id": entity_id,
            "customer_id": customer_id,
            "counts": writer.counts,
            "window": {"start_date": start_date, "end_date": end_date},
            "finished_at": now_iso(),
            **(marker_extra or {}),
        }
        writer.commit(marker)
    except BaseException:
        # The entity's own error is the one to report, not a failed clean-up after it.
        with contextlib.suppress(ConnectorError, OSError):
            writer.abort()
        raise
    return dict(writer.counts)
