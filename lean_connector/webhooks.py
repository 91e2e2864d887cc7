"""Lean webhooks: signature verification, the event model and event_id dedupe stores.

Lean signs each webhook with ``lean-signature: sha512=<hex HMAC-SHA512(raw body, secret)>``
and redelivers it after 1, 2, 5, 10, 60 and 180 minutes until it gets a 200, so a receiver
must verify the *raw* body, refuse events older than the dedupe window (:func:`check_fresh`:
a signed event captured once must not be replayable after its ``event_id`` was forgotten)
and drop redeliveries by ``event_id``. Everything here except
:class:`DynamoDBDedupeStore` is stdlib-only, so it works in Flask, FastAPI or Lambda alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from lean_connector import _aws as aws_clients
from lean_connector.errors import AWSStoreError, WebhookVerificationError

__all__ = [
    "DEFAULT_CLOCK_SKEW_S",
    "DEFAULT_DEDUPE_TTL_S",
    "DEFAULT_MAX_AGE_S",
    "SIGNATURE_HEADER",
    "DedupeStore",
    "DynamoDBDedupeStore",
    "InMemoryDedupeStore",
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

SIGNATURE_HEADER = "lean-signature"
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

_SIGNATURE_RE = re.compile(r"sha512=([0-9a-fA-F]{128})", re.IGNORECASE)
_EXPECTED_FORMAT = "'sha512=<128 hex digits>' (the HMAC-SHA512 of the raw body)"


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise WebhookVerificationError(
            "the webhook secret is empty: set webhooks.secret to the webhook secret from the "
            "Lean dashboard"
        )
    return key


def _body_bytes(raw_body: bytes | str) -> bytes:
    return raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)


def sign(raw_body: bytes | str, secret: str | bytes) -> str:
    """The ``lean-signature`` header value Lean sends for ``raw_body``: ``sha512=<hex>``."""
    digest = hmac.new(_key(secret), _body_bytes(raw_body), hashlib.sha512).hexdigest()
    return f"sha512={digest}"


def _describe_malformed(header: str) -> str:
    # Say what is wrong without echoing the value back (it may be long or hostile).
    if "=" not in header:
        return f"a value of {len(header)} characters with no 'sha512=' prefix"
    algorithm, digest = header.split("=", 1)
    if algorithm.strip().lower() != "sha512":
        return f"algorithm {algorithm.strip()[:20]!r}"
    if len(digest) != 128:
        return f"{len(digest)} characters after 'sha512=' instead of 128"
    return "characters that are not hexadecimal after 'sha512='"


def verify(raw_body: bytes | str, signature_header: str | None, secret: str | bytes) -> None:
    """Check ``signature_header`` against the HMAC-SHA512 of ``raw_body``; return or raise.

    ``raw_body`` must be the bytes as received (a ``str`` is encoded as UTF-8), never JSON
    parsed and dumped again. Raises :class:`WebhookVerificationError` when the header is
    missing, malformed or does not match; the message never contains the secret or the
    expected signature.
    """
    key = _key(secret)  # a missing secret is a configuration error: report it first
    if signature_header is None or not signature_header.strip():
        raise WebhookVerificationError(
            f"the webhook has no {SIGNATURE_HEADER} header: Lean signs every webhook, so the "
            "request did not come from Lean or a proxy dropped the header"
        )
    header = signature_header.strip()
    match = _SIGNATURE_RE.fullmatch(header)
    if match is None:
        raise WebhookVerificationError(
            f"the {SIGNATURE_HEADER} header is malformed: expected {_EXPECTED_FORMAT}, "
            f"got {_describe_malformed(header)}"
        )
    expected = hmac.new(key, _body_bytes(raw_body), hashlib.sha512).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise WebhookVerificationError(
            "signature does not match the body: check webhooks.secret is the current webhook "
            "secret from the Lean dashboard and that the RAW body is verified, not "
            "re-serialized JSON"
        )


def find_signature_header(headers: Mapping[str, str] | None) -> str | None:
    """The ``lean-signature`` value from request headers, whatever their case (API Gateway)."""
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == SIGNATURE_HEADER:
            return value if isinstance(value, str) else None
    return None


@dataclass(frozen=True)
class WebhookEvent:
    """A Lean webhook: ``{type, payload, message, timestamp, event_id}`` plus the raw body."""

    type: str
    payload: dict[str, Any]
    message: str | None
    timestamp: str | None
    event_id: str
    raw: bytes = field(repr=False, compare=False)


def _not_an_event(reason: str) -> WebhookVerificationError:
    return WebhookVerificationError(
        f"webhook body is not a Lean event: {reason} (expected a JSON object with "
        "type, payload, message, timestamp and event_id)"
    )


def _optional_text(document: Mapping[str, Any], key: str) -> str | None:
    value = document.get(key)
    return None if value is None else str(value)


def parse_event(raw_body: bytes | str) -> WebhookEvent:
    """Parse a webhook body into a :class:`WebhookEvent`.

    A body that is not a Lean event raises :class:`WebhookVerificationError` too (no new
    error class: to a receiver both mean "refuse this request"); the message says which
    part is missing. Verify the signature first, with :func:`verify`.
    """
    raw = _body_bytes(raw_body)
    try:
        # Decoded explicitly: json.loads(bytes) would guess UTF-16/32, Lean sends UTF-8.
        document = json.loads(raw.decode("utf-8"))
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
    return WebhookEvent(
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


# --- dedupe -------------------------------------------------------------------------------


@runtime_checkable
class DedupeStore(Protocol):
    """Remembers event ids: ``first_time`` is True once per id, False for its replays."""

    def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; True if it was not seen (within the store's TTL)."""
        ...

    def forget(self, event_id: str) -> None:
        """Drop ``event_id`` after its delivery failed, so Lean's redelivery gets through."""
        ...


def _check_event_id(event_id: str) -> None:
    if not isinstance(event_id, str) or not event_id:
        raise ValueError(f"event_id must be a non-empty string, got {event_id!r}")


class InMemoryDedupeStore:
    """Event ids in process memory: enough for one long-lived server, not for a Lambda fleet.

    Ids are forgotten ``ttl_s`` after first seen; beyond ``max_entries`` the oldest go first
    (a replay of an evicted id would then pass). Thread-safe.
    """

    def __init__(
        self,
        ttl_s: float = DEFAULT_DEDUPE_TTL_S,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s!r}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        # event_id -> expiry. One TTL and a monotonic clock keep insertion order equal to
        # expiry order, so expired ids are always at the front.
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen within ``ttl_s``, else False."""
        _check_event_id(event_id)
        with self._lock:
            now = self._clock()
            while self._expiry and next(iter(self._expiry.values())) <= now:
                self._expiry.popitem(last=False)
            if event_id in self._expiry:
                return False
            self._expiry[event_id] = now + self._ttl_s
            if len(self._expiry) > self._max_entries:
                self._expiry.popitem(last=False)
            return True

    def forget(self, event_id: str) -> None:
        """Drop ``event_id`` (its delivery failed): a redelivery is then first_time again."""
        with self._lock:
            self._expiry.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


class DynamoDBDedupeStore:
    """Event ids in a DynamoDB table shared by every container: one conditional PutItem each.

    The table needs partition key ``event_id`` (string) and no sort key; turn on TTL on the
    ``expires_at`` attribute so old ids are deleted. An item whose ``expires_at`` has passed
    but that DynamoDB has not deleted yet counts as gone. The role needs ``dynamodb:PutItem``.
    """

    def __init__(
        self,
        table_name: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        ttl_s: float = DEFAULT_DEDUPE_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not table_name:
            raise ValueError("table_name must name the DynamoDB dedupe table")
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s!r}")
        self.table_name = table_name
        self.region = region
        self.endpoint_url = endpoint_url
        self._ttl_s = ttl_s
        self._clock = clock  # epoch seconds: DynamoDB TTL reads expires_at as epoch time

    def __repr__(self) -> str:
        return f"DynamoDBDedupeStore(table={self.table_name!r}, region={self.region!r})"

    def first_time(self, event_id: str) -> bool:
        """True if this call recorded ``event_id``; False if it is already in the table."""
        _check_event_id(event_id)
        now = int(self._clock())
        # botocore retries a PutItem whose answer got lost; the claim id lets that retry
        # recognise its own first write instead of reporting the event as a replay.
        claim_id = uuid.uuid4().hex
        dynamodb = aws_clients.client(
            "dynamodb", region=self.region, endpoint_url=self.endpoint_url
        )
        try:
            dynamodb.put_item(
                TableName=self.table_name,
                Item={
                    "event_id": {"S": event_id},
                    "expires_at": {"N": str(now + int(self._ttl_s))},
                    "first_seen_at": {"N": str(now)},
                    "claim_id": {"S": claim_id},
                },
                ConditionExpression="attribute_not_exists(#id) OR #exp < :now",
                ExpressionAttributeNames={"#id": "event_id", "#exp": "expires_at"},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            code = aws_clients.error_code(exc)
            if code == "ConditionalCheckFailedException":
                existing = getattr(exc, "response", {}).get("Item") or {}
                return bool(existing.get("claim_id", {}).get("S") == claim_id)
            if code is None and not _is_botocore_error(exc):
                raise
            raise _dynamodb_error(exc, self.table_name, self.region) from exc
        return True

    def forget(self, event_id: str) -> None:
        """Delete ``event_id`` (its delivery failed) so Lean's redelivery is not deduped.

        Needs ``dynamodb:DeleteItem`` on the table.
        """
        _check_event_id(event_id)
        dynamodb = aws_clients.client(
            "dynamodb", region=self.region, endpoint_url=self.endpoint_url
        )
        try:
            dynamodb.delete_item(TableName=self.table_name, Key={"event_id": {"S": event_id}})
        except Exception as exc:
            if aws_clients.error_code(exc) is None and not _is_botocore_error(exc):
                raise
            raise _dynamodb_error(exc, self.table_name, self.region, "DeleteItem") from exc


def _is_botocore_error(exc: BaseException) -> bool:
    # By name: botocore is imported only in aws_clients.py, and only when AWS is used.
    return any(cls.__name__ == "BotoCoreError" for cls in type(exc).__mro__)


def _dynamodb_error(
    exc: BaseException, table: str, region: str, operation: str = "PutItem"
) -> AWSStoreError:
    """Translate a botocore error from ``operation`` on the dedupe table into AWSStoreError."""
    code = aws_clients.error_code(exc)
    response = getattr(exc, "response", None) or {}
    aws_message = str(response.get("Error", {}).get("Message", ""))
    http_status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    retryable = False
    if code is None and aws_clients.is_connection_error(exc):
        retryable = True
        text = (
            f"cannot reach DynamoDB in {region} to record the webhook event_id in table "
            f"{table!r}: {type(exc).__name__}; answer non-200 so Lean redelivers, and check "
            "the network route (VPC endpoint or NAT) to DynamoDB"
        )
    elif code is None:
        text = (
            f"DynamoDB {operation} on table {table!r} in {region} could not be sent "
            f"({type(exc).__name__}: {exc}): check the AWS credentials and region of the "
            "role this runs as"
        )
    elif (
        code in aws_clients.ACCESS_DENIED_CODES | aws_clients.CREDENTIAL_CODES or http_status == 403
    ):
        text = (
            f"DynamoDB refused {operation} on table {table!r} in {region}: grant the role "
            f"dynamodb:{operation} on arn:aws:dynamodb:{region}:<account>:table/{table}"
        )
    elif code == "ResourceNotFoundException":
        text = (
            f"DynamoDB table {table!r} does not exist in {region}: create it (partition key "
            "'event_id' of type S, TTL on 'expires_at') or fix webhooks.dedupe_table"
        )
    elif code == "ValidationException":
        text = (
            f"DynamoDB table {table!r} rejected the dedupe item: its partition key must be "
            f"'event_id' of type S with no sort key ({aws_message})"
        )
    elif code in aws_clients.THROTTLING_CODES:
        retryable = True
        text = (
            f"DynamoDB throttled {operation} on table {table!r} ({code}): answer non-200 so Lean "
            "redelivers, and give the table on-demand capacity"
        )
    else:
        text = (
            f"DynamoDB {operation} on table {table!r} in {region} failed with {code}: {aws_message}"
        )
    return AWSStoreError(text, service="dynamodb", code=code, retryable=retryable)
