"""What every resource shares: the requester, the region, argument checks.

Arguments are checked before anything is sent, so a wrong call costs no request and its
:class:`~lean_connector.errors.InvalidRequestError` names the argument and what to pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import quote

from lean_connector.api._requester import Requester
from lean_connector.errors import InvalidRequestError

__all__ = [
    "REGION_NAMES",
    "RegionCode",
    "Resource",
    "check_currency",
    "check_items",
    "iso_date",
    "non_empty",
    "segment",
]

#: Lean's two regions, as the spec names them.
RegionCode = Literal["ae", "sa"]
REGION_NAMES: Mapping[str, str] = {"ae": "UAE", "sa": "KSA"}
DateLike = dt.date | str


def segment(value: Any, name: str) -> str:
    """An id as one URL path segment; rejects empty ids rather than calling a wrong path."""
    return quote(non_empty(value, name), safe="")


def non_empty(value: Any, name: str) -> str:
    """``value`` if it is a non-empty string, else InvalidRequestError naming ``name``."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError(f"{name} must be a non-empty string, got {value!r}")
    return value


def iso_date(value: Any, name: str) -> str:
    """A ``datetime.date`` or ``YYYY-MM-DD`` string as ``YYYY-MM-DD``."""
    if isinstance(value, dt.datetime):
        # A datetime is a date too, but its time would be dropped silently: refuse it.
        raise InvalidRequestError(
            f"{name} must be a date (datetime.date or YYYY-MM-DD), got a datetime: "
            f"pass {name}.date()"
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InvalidRequestError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from exc


def check_currency(currency: Any) -> str:
    """An ISO 4217 code, upper case."""
    if not (
        isinstance(currency, str)
        and len(currency) == 3
        and currency.isascii()
        and currency.isalpha()
    ):
        raise InvalidRequestError(
            f"currency must be a 3-letter ISO 4217 code such as AED, got {currency!r}"
        )
    return currency.upper()


def check_items(items: Any, name: str, required: Iterable[str]) -> list[Mapping[str, Any]]:
    """A non-empty list of objects for an array body, each with the ``required`` fields."""
    if isinstance(items, Mapping | str | bytes) or not isinstance(items, Iterable):
        raise InvalidRequestError(
            f"{name} must be a list of objects (Lean takes a JSON array here), "
            f"got {type(items).__name__}"
        )
    checked = list(items)
    if not checked:
        raise InvalidRequestError(f"{name} must not be empty")
    wanted = list(required)
    for index, item in enumerate(checked):
        if not isinstance(item, Mapping):
            raise InvalidRequestError(
                f"{name}[{index}] must be an object, got {type(item).__name__}"
            )
        missing = [field for field in wanted if item.get(field) in (None, "")]
        if missing:
            raise InvalidRequestError(f"{name}[{index}] is missing {', '.join(missing)}")
    return checked


class Resource:
    """A family of Lean endpoints over one :class:`Requester`, for one region.

    ``region`` is the connector's (``ae`` or ``sa``): endpoints Lean publishes for one
    region only refuse the other before sending anything.
    """

    def __init__(self, requester: Requester, *, region: RegionCode = "ae") -> None:
        if region not in REGION_NAMES:
            raise InvalidRequestError(f"region must be 'ae' or 'sa', got {region!r}")
        self._requester = requester
        self._region: RegionCode = region

    @property
    def region(self) -> RegionCode:
        """The region this resource calls: ``ae`` (UAE) or ``sa`` (KSA)."""
        return self._region

    def _only_in(self, region: RegionCode, endpoint: str) -> None:
        """Refuse ``endpoint`` (``"GET /path"``) unless the connector is in ``region``."""
        if self._region != region:
            raise InvalidRequestError(
                f"{endpoint} is in Lean's {REGION_NAMES[region]} API only, and this "
                f"connector is set up for {REGION_NAMES[self._region]} "
                f"(region={self._region}): use a connector whose spec has region: {region}"
            )

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._requester.request("GET", path, params=params)

    def _send(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        idempotency_key: str | None = None,
    ) -> Any:
        return self._requester.request(method, path, json=body, idempotency_key=idempotency_key)

    def _write(self, method: str, path: str, body: Any, idempotency_key: str | None) -> Any:
        """A payment write: the caller's key, else a new one the requester keeps for retries."""
        if idempotency_key is not None:
            non_empty(idempotency_key, "idempotency_key")
        key = idempotency_key or self._requester.new_idempotency_key()
        return self._requester.request(method, path, json=body, idempotency_key=key)


def drop_none(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that were given: optional arguments left at ``None`` are not sent."""
    return {name: value for name, value in fields.items() if value is not None}
