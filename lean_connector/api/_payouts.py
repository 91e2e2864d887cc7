"""Payouts (paying out from the application's account) and refunds (UAE).

Lean publishes both in its UAE API only: a KSA connector refuses them before sending.
Payout payments, refunds and refund decisions carry an ``Idempotency-Key`` (the caller's,
else a new one kept across retries). Refunds live under ``/payouts/refunds``, with no
version in the path, and list with ``size`` only: one page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from lean_connector.api._common import Resource, check_items, non_empty, segment
from lean_connector.api._paging import (
    DEFAULT_MAX_PAGES,
    DEFAULT_PAGE_SIZE,
    PAGE_NUMBER,
    SINGLE_PAGE,
    SIZE_ONLY,
    Listing,
    check_paging_args,
    paginate,
)
from lean_connector.errors import InvalidRequestError

if TYPE_CHECKING:
    from lean_connector.api._models_common import UndocumentedBody
    from lean_connector.api._models_payouts import (
        Payout,
        PayoutCreated,
        PayoutDestination,
        PayoutHistoryEntry,
        PayoutIntent,
        PayoutSummary,
        Refund,
        RefundStatus,
    )

__all__ = ["Payouts", "Refunds"]

_PAYOUTS = Listing("GET", "/payouts/v1/payments", ("content",), PAGE_NUMBER, "payment_intent_id")
_REFUNDS = Listing("GET", "/payouts/refunds", ("content",), SIZE_ONLY, id_key="refund_id")
_REFUND_STATUSES = frozenset({"APPROVED", "REJECTED"})

#: The fields Lean requires on each item of an array body.
PAYOUT_DESTINATION_FIELDS = (
    "bank_identifier",
    "name",
    "iban",
    "display_name",
    "account_number",
    "swift_code",
    "address",
    "branch_address",
    "country",
    "city",
    "customer_id",
    "currency_iso_code",
    "postal_code",
)
REFUND_FIELDS = (
    "payment_id",
    "amount",
    "currency",
    "reason_code",
    "description",
    "external_reference",
)


def _bare_list(body: Any) -> list[Any]:
    return body if isinstance(body, list) else []


class Payouts(Resource):
    """``/payouts/v1``: payments out of the application's own account (UAE)."""

    def create(
        self,
        *,
        payment_details: Sequence[Mapping[str, Any]],
        idempotency_key: str | None = None,
    ) -> PayoutCreated:
        """Pay out: each item names the source ``account_id``, ``currency`` and its
        ``destination_details`` (``payment_destination_id``, ``amount``, ``description``,
        ``authorize_payment``)."""
        path = "/payouts/v1/payment"
        self._only_in("ae", f"POST {path}")
        details = check_items(payment_details, "payment_details", ("account_id", "currency"))
        body = {"payment_details": [dict(item) for item in details]}
        return cast("PayoutCreated", self._write("POST", path, body, idempotency_key))

    def create_destinations(
        self, destinations: Sequence[Mapping[str, Any]]
    ) -> list[PayoutDestination]:
        """Register payout destinations (a JSON array, each with every field of
        :data:`PAYOUT_DESTINATION_FIELDS`)."""
        path = "/payouts/v1/payment/destinations"
        self._only_in("ae", f"POST {path}")
        items = check_items(destinations, "destinations", PAYOUT_DESTINATION_FIELDS)
        body = [dict(item) for item in items]
        return cast("list[PayoutDestination]", _bare_list(self._send("POST", path, body)))

    def get_destination(self, destination_id: str) -> UndocumentedBody:
        """One payout destination."""
        self._only_in("ae", "GET /payouts/v1/payment/destinations/{destination_id}")
        path = f"/payouts/v1/payment/destinations/{segment(destination_id, 'destination_id')}"
        return cast("UndocumentedBody", self._get(path) or {})

    def get_intent(self, payment_intent_id: str) -> PayoutIntent:
        """One payout intent and its payment."""
        self._only_in("ae", "GET /payouts/v1/intents/{payment_intent_id}")
        path = f"/payouts/v1/intents/{segment(payment_intent_id, 'payment_intent_id')}"
        return cast("PayoutIntent", self._get(path))

    def get(self, payment_id: str) -> Payout:
        """One payout payment."""
        self._only_in("ae", "GET /payouts/v1/{payment_id}")
        return cast("Payout", self._get(f"/payouts/v1/{segment(payment_id, 'payment_id')}"))

    def history(self, payment_id: str) -> Iterator[PayoutHistoryEntry]:
        """The status changes of one payout (the one page Lean answers)."""
        self._only_in("ae", "GET /payouts/v1/payments/{payment_id}/history")
        path = f"/payouts/v1/payments/{segment(payment_id, 'payment_id')}/history"
        listing = Listing("GET", path, ("content",), SINGLE_PAGE)
        items = paginate(listing, lambda query: self._get(path), page_size=1, max_pages=1)
        return cast("Iterator[PayoutHistoryEntry]", items)

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(
        self, *, page_size: int = DEFAULT_PAGE_SIZE, max_pages: int = DEFAULT_MAX_PAGES
    ) -> Iterator[PayoutSummary]:
        """Every payout, page by page (``page_number``/``page_size``) as read."""
        self._only_in("ae", f"GET {_PAYOUTS.path}")
        check_paging_args(page_size, max_pages)
        items = paginate(
            _PAYOUTS,
            lambda query: self._get(_PAYOUTS.path, query),
            page_size=page_size,
            max_pages=max_pages,
        )
        return cast("Iterator[PayoutSummary]", items)


class Refunds(Resource):
    """``/payouts/refunds``: money returned to the account a payment came from (UAE)."""

    def create(
        self,
        refunds: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> list[Refund]:
        """Queue refunds for approval; each item has every field of :data:`REFUND_FIELDS`
        (``reason_code``: CUSTOMER_REQUEST, DUPLICATED_PAYMENT, FRAUDULENT_PAYMENT or
        ORDER_CANCELLED)."""
        path = "/payouts/refunds"
        self._only_in("ae", f"POST {path}")
        body = [dict(item) for item in check_items(refunds, "refunds", REFUND_FIELDS)]
        return cast("list[Refund]", _bare_list(self._write("POST", path, body, idempotency_key)))

    def process(
        self,
        decisions: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> list[RefundStatus]:
        """Approve or reject queued refunds: ``[{"refund_id": ..., "status": "APPROVED"}]``."""
        path = "/payouts/refunds"
        self._only_in("ae", f"PUT {path}")
        items = check_items(decisions, "decisions", ("refund_id", "status"))
        for index, item in enumerate(items):
            if item["status"] not in _REFUND_STATUSES:
                raise InvalidRequestError(
                    f"decisions[{index}].status must be APPROVED or REJECTED, "
                    f"got {item['status']!r}"
                )
        body = [dict(item) for item in items]
        return cast(
            "list[RefundStatus]", _bare_list(self._write("PUT", path, body, idempotency_key))
        )

    def reasons(self) -> UndocumentedBody:
        """The reason codes Lean accepts for a refund."""
        self._only_in("ae", "GET /payouts/refunds/reasons")
        body = self._get("/payouts/refunds/reasons")
        return cast("UndocumentedBody", body if isinstance(body, dict) else {"reasons": body})

    # Defined last: inside the class body, the name ``list`` would shadow the builtin.
    def list(self, *, status: str | None = None, size: int = DEFAULT_PAGE_SIZE) -> Iterator[Refund]:
        """Refunds, optionally of one ``status``: the one page of ``size`` Lean answers (it
        documents no page parameter here; raise ``size`` to see more)."""
        self._only_in("ae", f"GET {_REFUNDS.path}")
        check_paging_args(size, DEFAULT_MAX_PAGES)
        params = {} if status is None else {"status": non_empty(status, "status")}
        items = paginate(
            _REFUNDS,
            lambda query: self._get(_REFUNDS.path, query),
            params,
            page_size=size,
            max_pages=1,
        )
        return cast("Iterator[Refund]", items)
