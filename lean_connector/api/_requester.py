"""The narrow interface resources need from whoever sends their calls."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

__all__ = ["Requester"]


class Requester(Protocol):
    """Sends one call to Lean and returns its parsed JSON body (``None`` when empty).

    :class:`~lean_connector.client.LeanConnector` is one; a test can pass any object with
    these two methods. Retries, credentials and error mapping are the requester's concern.
    """

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any: ...

    def new_idempotency_key(self) -> str: ...
