"""Lean webhooks: signature verification, the typed event catalogue, event_id dedupe stores.

Lean signs each webhook with ``lean-signature: sha512=<hex HMAC-SHA512(raw body, secret)>``
and redelivers it after 1, 2, 5, 10, 60 and 180 minutes until it gets a 200, so a receiver
must verify the *raw* body, refuse events older than the dedupe window (:func:`check_fresh`:
a signed event captured once must not be replayable after its ``event_id`` was forgotten)
and drop redeliveries by ``event_id``. Everything here except
:class:`DynamoDBDedupeStore` is stdlib-only, so it works in Flask, FastAPI or Lambda alike.

``_signature`` signs and verifies, ``_events`` parses and checks freshness, ``_catalogue``
holds the event types with their typed payloads, ``_dedupe`` the stores.
"""

from __future__ import annotations

from lean_connector.webhooks._catalogue import (
    EVENT_TYPES,
    AccountDataStatus,
    BankAvailability,
    BankAvailabilityFlags,
    BankAvailabilityUpdated,
    BankAvailabilityUpdatedPayload,
    BankDetails,
    DataStatus,
    EntityCreated,
    EntityCreatedPayload,
    EntityDataRefreshUpdated,
    EntityDataRefreshUpdatedPayload,
    PaymentCreated,
    PaymentEventPayload,
    PaymentIntentCreated,
    PaymentIntentCreatedPayload,
    PaymentMetadata,
    PaymentSourceBeneficiaryCreated,
    PaymentSourceBeneficiaryCreatedPayload,
    PaymentSourceCreated,
    PaymentSourceCreatedPayload,
    PaymentUpdated,
    TransactionAvailability,
    WebhookEvent,
)
from lean_connector.webhooks._dedupe import DedupeStore, DynamoDBDedupeStore, InMemoryDedupeStore
from lean_connector.webhooks._events import (
    DEFAULT_CLOCK_SKEW_S,
    DEFAULT_DEDUPE_TTL_S,
    DEFAULT_MAX_AGE_S,
    check_fresh,
    dedupe_ttl_s,
    event_time,
    parse_event,
    verify_and_parse,
)
from lean_connector.webhooks._signature import (
    SIGNATURE_HEADER,
    find_signature_header,
    sign,
    verify,
)

__all__ = [
    "DEFAULT_CLOCK_SKEW_S",
    "DEFAULT_DEDUPE_TTL_S",
    "DEFAULT_MAX_AGE_S",
    "EVENT_TYPES",
    "SIGNATURE_HEADER",
    "AccountDataStatus",
    "BankAvailability",
    "BankAvailabilityFlags",
    "BankAvailabilityUpdated",
    "BankAvailabilityUpdatedPayload",
    "BankDetails",
    "DataStatus",
    "DedupeStore",
    "DynamoDBDedupeStore",
    "EntityCreated",
    "EntityCreatedPayload",
    "EntityDataRefreshUpdated",
    "EntityDataRefreshUpdatedPayload",
    "InMemoryDedupeStore",
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
    "check_fresh",
    "dedupe_ttl_s",
    "event_time",
    "find_signature_header",
    "parse_event",
    "sign",
    "verify",
    "verify_and_parse",
]
