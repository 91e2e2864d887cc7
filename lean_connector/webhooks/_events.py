"""The event model: parsing a webhook body, and refusing stale events (replays).

:func:`parse_event` answers the typed event class of the catalogue for a known ``type``
(``EntityCreated`` for ``entity.created``, ...) and a plain :class:`WebhookEvent` for any
other type, so a new event type from Lean still parses.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lean_connector.errors import WebhookVerificationError
from lean_connector.webhooks._catalogue import EVENT_TYPES, WebhookEvent
from lean_connector.webhooks._signature import body_bytes, verify

__all__ = [
    "DEFAULT_CLOCK_SKEW_S",
    "DEFAULT_DEDUPE_TTL_S",
    "DEFAULT_MAX_AGE_S",
    "check_fresh",
    "dedupe_ttl_s",
    "event_time",
    "parse_event",
    "verify_and_parse",
]

# Lean's last redelivery comes 1+2+5+10+60+180 = 258 minutes after the first attempt; six
# hours covers it with room for a slow first delivery. An older event is refused as stale.
DEFAULT_MAX_AGE_S = 6 * 3600.0
# Clocks of Lean and the receiver may differ this much, either way.
DEFAULT_CLOCK_SKEW_S = 300.0
# Ids are remembered while their event is fresh (see dedupe_ttl_s), so a replay is either
# refused as stale or recognised by its event_id.
_DEDUPE_MARGIN_S = 60.0  # the time between the freshness check and the dedupe write, rounding
DEFAULT_DEDUPE_TTL_S = DEFAULT_MAX_AGE_S + 2 * DEFAULT_CLOCK_SKEW_S + _DEDUPE_MARGIN_S
# An ISO 8601 timestamp is far shorter; a longer text is refused before parsing.
_MAX_TIMESTAMP_LENGTH = 64


def _not_an_event(reason: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        f"webhook body is not a Lean event: {reason} (expected a JSON object with "
        "type, payload, message, timestamp and event_id)"
    )


def _optional_text(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    return None if value is None else str(value)


def parse_event(raw_body: bytes | str) -> WebhookEvent:
    """Parse a webhook body into a :class:`WebhookEvent`: the catalogue's class for its
    ``type`` (``isinstance(event, PaymentUpdated)`` then types ``event.payload``), a plain
    :class:`WebhookEvent` for a type the catalogue does not know. Amounts are ``Decimal``.

    A body that is not a Lean event raises :class:`WebhookVerificationError` too (no new
    error class: to a receiver both mean "refuse this request"); the message says which
    part is missing. Verify the signature first, with :func:`verify`.
    """
    raw = body_bytes(raw_body)
    try:
        # Decoded explicitly: json.loads(bytes) would guess UTF-16/32, Lean sends UTF-8.
        document = json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except UnicodeDecodeError as exc:
        raise _not_an_event("the body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise _not_an_event(f"invalid JSON at line {exc.lineno} column {exc.colno}") from exc
    if not isinstance(document, dict):
        raise _not_an_event(f"the body is a JSON {type(document).__name__}, not an object")
    for required in ("event_id", "type"):
        value = document.get(required)
        if not isinstance(value, str) or not value:
            what = "missing" if value is None else "not a non-empty string:"
            raise _not_an_event(f"{what} {required!r}")
    payload = document.get("payload")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise _not_an_event(f"'payload' is a JSON {type(payload).__name__}, not an object")
    event_class = EVENT_TYPES.get(document["type"], WebhookEvent)
    return event_class(
        type=document["type"],
        payload=payload,
        message=_optional_text(document, "message"),
        timestamp=_optional_text(document, "timestamp"),
        event_id=document["event_id"],
        raw=raw,
    )


def event_time(timestamp: str | None) -> float | None:
    """Epoch seconds of an event's ISO 8601 ``timestamp``, or None when absent or unreadable.

    Lean sends UTC with up to nine fractional digits (``2026-05-12T14:34:49.972240761Z``);
    digits past microseconds are dropped, and a timestamp without an offset is read as UTC.
    """
    if not isinstance(timestamp, str) or not 0 < len(timestamp) <= _MAX_TIMESTAMP_LENGTH:
        return None
    text = timestamp.strip()
    match = re.fullmatch(r"(.*T\d\d:\d\d:\d\d\.\d{6})\d+(.*)", text)
    if match:
        text = match.group(1) + match.group(2)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def dedupe_ttl_s(max_age_s: float, clock_skew_s: float) -> float:
    """How long a dedupe store must remember an id so no fresh event outlives its record.

    An event may be first seen ``clock_skew_s`` before its timestamp and is fresh until
    ``max_age_s + clock_skew_s`` after it: the record must cover both ends, with a margin.
    """
    return max_age_s + 2 * clock_skew_s + _DEDUPE_MARGIN_S


def check_fresh(
    event: WebhookEvent,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    clock_skew_s: float = DEFAULT_CLOCK_SKEW_S,
    now: float | None = None,
) -> None:
    """Refuse ``event`` unless its timestamp lies within ``max_age_s`` of ``now``.

    ``clock_skew_s`` is allowed either way. A signed event can be captured and sent again;
    once the dedupe store has forgotten its ``event_id`` only this check stops the replay,
    so the dedupe store must keep ids for :func:`dedupe_ttl_s` of these settings. Raises
    :class:`WebhookVerificationError` saying why (for logs, not for the caller).
    """
    sent = event_time(event.timestamp)
    label = f"webhook event {event.event_id[:100]!r}"
    if sent is None:
        raise WebhookVerificationError(
            f"{label} has no readable ISO 8601 timestamp: a signed event must carry its "
            "sending time to be proven fresh, so it is refused"
        )
    age = (time.time() if now is None else now) - sent
    if age > max_age_s + clock_skew_s:
        raise WebhookVerificationError(
            f"{label} is {age:.0f} s old, older than the {max_age_s:.0f} s replay window "
            f"(webhooks.max_age_s, plus {clock_skew_s:.0f} s of clock skew): refused as a replay"
        )
    if age < -clock_skew_s:
        raise WebhookVerificationError(
            f"{label} is dated {-age:.0f} s in the future, beyond the {clock_skew_s:.0f} s of "
            "clock skew allowed (webhooks.clock_skew_s): refused"
        )


def verify_and_parse(
    raw_body: bytes | str,
    signature_header: str | None,
    secret: str | bytes,
    *,
    max_age_s: float = DEFAULT_MAX_AGE_S,
    clock_skew_s: float = DEFAULT_CLOCK_SKEW_S,
    now: float | None = None,
) -> WebhookEvent:
    """:func:`verify`, :func:`parse_event`, then :func:`check_fresh`: a receiver's first steps.

    Keep event ids in the dedupe store for at least :func:`dedupe_ttl_s` of the same
    ``max_age_s`` and ``clock_skew_s`` (the stores' default TTL covers the defaults).
    """
    verify(raw_body, signature_header, secret)
    event = parse_event(raw_body)
    check_fresh(event, max_age_s=max_age_s, clock_skew_s=clock_skew_s, now=now)
    return event
