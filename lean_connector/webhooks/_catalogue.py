"""Lean's webhook event types, each with its typed payload (as Lean's sample bodies show it).

An event is ``{type, payload, message, timestamp, event_id}``. :func:`parse_event` gives
the class of the ``type`` below, so after ``isinstance(event, PaymentUpdated)`` a type
checker knows ``event.payload["status"]`` is a ``str``; any other type parses as a plain
:class:`WebhookEvent` with an untyped payload. The payloads are what Lean's samples carry,
not checked at run time: a field Lean drops raises ``KeyError`` where it is read.

Webhook payloads differ from the API's answers for the same things: an entity's
``permissions`` is a list of granted names here (a map of booleans in the API), its bank a
``bank_details`` object, and a refresh's ``transaction_availability`` is spelt this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "EVENT_TYPES",
    "AccountDataStatus",
    "BankAvailability",
    "BankAvailabilityFlags",
    "BankAvailabilityUpdated",
    "BankAvailabilityUpdatedPayload",
    "BankDetails",
    "DataStatus",
    "EntityCreated",
    "EntityCreatedPayload",
    "EntityDataRefreshUpdated",
    "EntityDataRefreshUpdatedPayload",
    "PaymentCreated",
    "PaymentEventPayload",
    "PaymentIntentCreated",
    "PaymentIntentCreatedPayload",
    "PaymentMetadata",
    "PaymentSourceBeneficiaryCreated",
    "PaymentSourceBeneficiaryCreatedPayload",
    "PaymentSourceCreated",
    "PaymentSourceCreatedPayload",
    "PaymentUpdated",
    "TransactionAvailability",
    "WebhookEvent",
]


@dataclass(frozen=True)
class WebhookEvent:
    """A Lean webhook: ``{type, payload, message, timestamp, event_id}`` plus the raw body.

    Of a type the catalogue knows, the event is an instance of that type's subclass."""

    type: str
    payload: Mapping[str, Any]
    message: str | None
    timestamp: str | None
    event_id: str
    raw: bytes = field(repr=False, compare=False)


# -- entities -----------------------------------------------------------------------------


class BankDetails(TypedDict):
    identifier: str
    name: str
    logo: str
    main_color: str
    background_color: str
    swift_code: str | None
    account_type: str
    bank_type: str


class EntityCreatedPayload(TypedDict):
    id: str
    customer_id: str
    app_user_id: str
    permissions: list[str]
    bank_details: BankDetails


class TransactionAvailability(TypedDict):
    start: str
    end: str
    complete_months: int


class AccountDataStatus(TypedDict):
    account_id: str
    balance: str
    identity: str
    transactions: str
    scheduled_payments: str
    direct_debits: str
    standing_orders: str
    beneficiaries: str
    transaction_availability: TransactionAvailability


class DataStatus(TypedDict):
    accounts: str
    identity: str
    account_data: list[AccountDataStatus]


class EntityDataRefreshUpdatedPayload(TypedDict):
    entity_id: str
    refresh_id: str
    customer_id: str
    app_user_id: str
    status: str
    data_status: DataStatus


@dataclass(frozen=True)
class EntityCreated(WebhookEvent):
    """``entity.created``: a customer connected a bank account."""

    type: Literal["entity.created"]
    payload: EntityCreatedPayload


@dataclass(frozen=True)
class EntityDataRefreshUpdated(WebhookEvent):
    """``entity.data.refresh.updated``: a data refresh moved on (per account and kind)."""

    type: Literal["entity.data.refresh.updated"]
    payload: EntityDataRefreshUpdatedPayload


# -- payments -----------------------------------------------------------------------------


class PaymentMetadata(TypedDict):
    data: str


class PaymentEventPayload(TypedDict):
    id: str
    intent_id: str
    customer_id: str
    payment_destination_id: str
    amount: Decimal | int
    currency: str
    status: str
    reason: NotRequired[str]
    metadata: PaymentMetadata
    bank_transaction_reference: str


class PaymentIntentCreatedPayload(TypedDict):
    intent_id: str
    amount: Decimal | int
    currency: str
    status: str
    reason: str
    metadata: PaymentMetadata


class PaymentSourceCreatedPayload(TypedDict):
    id: str
    customer_id: str
    bank_identifier: str
    bank_name: str
    status: str
    end_user_id: str | None


class PaymentSourceBeneficiaryCreatedPayload(TypedDict):
    id: str
    customer_id: str
    payment_source_id: str
    payment_source_bank_identifier: str
    payment_destination_id: str
    status: str


@dataclass(frozen=True)
class PaymentCreated(WebhookEvent):
    """``payment.created``: a payment was initiated against an intent."""

    type: Literal["payment.created"]
    payload: PaymentEventPayload


@dataclass(frozen=True)
class PaymentUpdated(WebhookEvent):
    """``payment.updated``: a payment's status changed (e.g. ``ACCEPTED_BY_BANK``)."""

    type: Literal["payment.updated"]
    payload: PaymentEventPayload


@dataclass(frozen=True)
class PaymentIntentCreated(WebhookEvent):
    """``payment_intent.created``."""

    type: Literal["payment_intent.created"]
    payload: PaymentIntentCreatedPayload


@dataclass(frozen=True)
class PaymentSourceCreated(WebhookEvent):
    """``payment_source.created``: a customer set up a bank account to pay from."""

    type: Literal["payment_source.created"]
    payload: PaymentSourceCreatedPayload


@dataclass(frozen=True)
class PaymentSourceBeneficiaryCreated(WebhookEvent):
    """``payment_source.beneficiary.created``: a destination was added to a payment source."""

    type: Literal["payment_source.beneficiary.created"]
    payload: PaymentSourceBeneficiaryCreatedPayload


# -- banks --------------------------------------------------------------------------------


class BankAvailabilityFlags(TypedDict):
    payments: bool
    data: bool


class BankAvailability(TypedDict):
    active: BankAvailabilityFlags
    enabled: BankAvailabilityFlags


class BankAvailabilityUpdatedPayload(TypedDict):
    identifier: str
    availability: BankAvailability


@dataclass(frozen=True)
class BankAvailabilityUpdated(WebhookEvent):
    """``bank.availability.updated``: a bank's data or payments went up or down."""

    type: Literal["bank.availability.updated"]
    payload: BankAvailabilityUpdatedPayload


#: The event class of each known ``type``.
EVENT_TYPES: Mapping[str, type[WebhookEvent]] = {
    "entity.created": EntityCreated,
    "entity.data.refresh.updated": EntityDataRefreshUpdated,
    "payment.created": PaymentCreated,
    "payment.updated": PaymentUpdated,
    "payment_intent.created": PaymentIntentCreated,
    "payment_source.created": PaymentSourceCreated,
    "payment_source.beneficiary.created": PaymentSourceBeneficiaryCreated,
    "bank.availability.updated": BankAvailabilityUpdated,
}
