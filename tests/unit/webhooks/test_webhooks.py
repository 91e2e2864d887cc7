"""lean_connector.webhooks: signatures, the event model and the in-memory dedupe store."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading

import pytest

from lean_connector.errors import WebhookVerificationError
from lean_connector.webhooks import (
    DEFAULT_CLOCK_SKEW_S,
    DEFAULT_DEDUPE_TTL_S,
    DEFAULT_MAX_AGE_S,
    DedupeStore,
    EntityCreated,
    InMemoryDedupeStore,
    WebhookEvent,
    check_fresh,
    dedupe_ttl_s,
    event_time,
    find_signature_header,
    parse_event,
    sign,
    verify,
    verify_and_parse,
)
from tests.support.clock import FakeClock

SECRET = "whsec-4f1c9a7e2b6d"
EVENT = {
    "type": "entity.created",
    "payload": {"id": "e-1", "customer_id": "c-1", "bank_identifier": "LEANMB1"},
    "message": "An entity object has been created for your customer.",
    "timestamp": "2024-05-01T10:11:12.345Z",
    "event_id": "0b6e2f49-6b4a-4c57-9ab8-2f6f1a3d9c10",
}
# Lean's bytes, as sent: compact separators, key order as Lean chose.
RAW = json.dumps(EVENT, separators=(",", ":")).encode()
SENT_AT = 1714558272.345  # EVENT's timestamp as epoch seconds


def _reference_signature(body: bytes, secret: bytes) -> str:
    return "sha512=" + hmac.new(secret, body, hashlib.sha512).hexdigest()


# --- sign / verify ----------------------------------------------------------------------


def test_sign_is_hmac_sha512_of_the_raw_body() -> None:
    assert sign(RAW, SECRET) == _reference_signature(RAW, SECRET.encode())
    assert len(sign(RAW, SECRET)) == len("sha512=") + 128


@pytest.mark.parametrize("body", [RAW, RAW.decode()], ids=["bytes", "str"])
@pytest.mark.parametrize("secret", [SECRET, SECRET.encode()], ids=["secret-str", "secret-bytes"])
def test_verify_accepts_the_right_signature_for_str_or_bytes_body_and_secret(
    body: bytes | str, secret: str | bytes
) -> None:
    verify(body, _reference_signature(RAW, SECRET.encode()), secret)


def test_verify_accepts_uppercase_hex_and_surrounding_whitespace() -> None:
    header = sign(RAW, SECRET)
    verify(RAW, f"  SHA512={header[7:].upper()} ", SECRET)


def test_non_ascii_str_body_is_verified_as_its_utf8_bytes() -> None:
    raw = json.dumps({**EVENT, "message": "تم إنشاء الكيان"}, ensure_ascii=False).encode()
    verify(raw.decode("utf-8"), sign(raw, SECRET), SECRET)


MISMATCH = (
    "signature does not match the body: check webhooks.secret is the current webhook secret "
    "from the Lean dashboard and that the RAW body is verified, not re-serialized JSON"
)


def test_wrong_secret_is_a_mismatch_and_the_message_leaks_nothing() -> None:
    header = sign(RAW, "another-secret-123")
    with pytest.raises(WebhookVerificationError) as caught:
        verify(RAW, header, SECRET)
    assert str(caught.value) == MISMATCH
    assert SECRET not in str(caught.value)
    assert sign(RAW, SECRET)[7:] not in str(caught.value)  # the expected signature
    assert SECRET not in repr(caught.value)


def test_tampered_body_is_a_mismatch() -> None:
    header = sign(RAW, SECRET)
    tampered = RAW.replace(b'"e-1"', b'"e-2"')
    assert tampered != RAW
    with pytest.raises(WebhookVerificationError, match="signature does not match the body"):
        verify(tampered, header, SECRET)


def test_re_serialized_json_is_a_mismatch_even_with_equal_content() -> None:
    header = sign(RAW, SECRET)
    reserialized = json.dumps(json.loads(RAW), indent=2).encode()
    assert json.loads(reserialized) == json.loads(RAW)
    with pytest.raises(WebhookVerificationError, match="RAW body is verified"):
        verify(reserialized, header, SECRET)


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_says_so(header: str | None) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(RAW, header, SECRET)
    assert str(caught.value) == (
        "the webhook has no lean-signature header: Lean signs every webhook, so the request "
        "did not come from Lean or a proxy dropped the header"
    )


@pytest.mark.parametrize(
    ("header", "got"),
    [
        ("deadbeef" * 16, "a value of 128 characters with no 'sha512=' prefix"),
        ("sha256=" + "ab" * 32, "algorithm 'sha256'"),
        ("sha512=" + "ab" * 32, "64 characters after 'sha512=' instead of 128"),
        ("sha512=" + "zz" * 64, "characters that are not hexadecimal after 'sha512='"),
        ("sha512=" + "ab" * 64 + ",sha512=00", "138 characters after 'sha512=' instead of 128"),
    ],
)
def test_malformed_header_names_the_expected_format(header: str, got: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        verify(RAW, header, SECRET)
    assert str(caught.value) == (
        "the lean-signature header is malformed: expected 'sha512=<128 hex digits>' "
        f"(the HMAC-SHA512 of the raw body), got {got}"
    )


@pytest.mark.parametrize("secret", ["", b""])
def test_empty_secret_is_reported_as_configuration(secret: str | bytes) -> None:
    with pytest.raises(WebhookVerificationError, match=r"webhook secret is empty: set webhooks"):
        verify(RAW, sign(RAW, SECRET), secret)


def test_find_signature_header_ignores_case() -> None:
    assert find_signature_header({"Lean-Signature": "sha512=ab"}) == "sha512=ab"
    assert find_signature_header({"content-type": "application/json"}) is None
    assert find_signature_header(None) is None


# --- events -----------------------------------------------------------------------------


def test_parse_event_builds_the_event_and_keeps_the_raw_body_out_of_repr() -> None:
    event = verify_and_parse(RAW, sign(RAW, SECRET), SECRET, now=SENT_AT + 60)
    assert isinstance(event, WebhookEvent)
    assert event == EntityCreated(
        type="entity.created",
        payload=EVENT["payload"],  # type: ignore[arg-type]  # a sample, not a full payload
        message=EVENT["message"],  # type: ignore[arg-type]
        timestamp="2024-05-01T10:11:12.345Z",
        event_id="0b6e2f49-6b4a-4c57-9ab8-2f6f1a3d9c10",
        raw=b"",
    )
    assert event.raw == RAW
    assert "raw=" not in repr(event)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.type = "other"  # type: ignore[misc]


def test_parse_event_accepts_str_body_and_absent_optional_fields() -> None:
    event = parse_event(json.dumps({"type": "payment.created", "event_id": "ev-2"}))
    assert (event.payload, event.message, event.timestamp) == ({}, None, None)
    assert event.raw == b'{"type": "payment.created", "event_id": "ev-2"}'


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "invalid JSON at line 1 column 1"),
        (b"\xff\xfe{}", "the body is not UTF-8 text"),
        (b"[1, 2]", "the body is a JSON list, not an object"),
        (b'{"type": "x"}', "missing 'event_id'"),
        (b'{"event_id": "ev-1"}', "missing 'type'"),
        (b'{"event_id": 7, "type": "x"}', "not a non-empty string: 'event_id'"),
        (b'{"event_id": "ev", "type": "x", "payload": [1]}', "'payload' is a JSON list"),
    ],
)
def test_malformed_bodies_are_refused_with_the_reason(body: bytes, reason: str) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        parse_event(body)
    assert str(caught.value).startswith(f"webhook body is not a Lean event: {reason}")
    assert "expected a JSON object with type, payload, message, timestamp and event_id" in str(
        caught.value
    )


def test_verify_and_parse_checks_the_signature_before_the_body() -> None:
    with pytest.raises(WebhookVerificationError, match="signature does not match"):
        verify_and_parse(b"not json", sign(b"other", SECRET), SECRET)


# --- in-memory dedupe -------------------------------------------------------------------


def test_in_memory_store_says_first_time_once_per_event_id() -> None:
    store = InMemoryDedupeStore()
    assert isinstance(store, DedupeStore)
    assert store.first_time("ev-1") is True
    assert store.first_time("ev-1") is False
    assert store.first_time("ev-2") is True


def test_lean_redelivery_schedule_is_deduped_with_the_default_ttl() -> None:
    clock = FakeClock()
    store = InMemoryDedupeStore(clock=clock)
    assert store.first_time("ev-1") is True
    for delay_min in (1, 2, 5, 10, 60, 180):
        clock.now += delay_min * 60
        assert store.first_time("ev-1") is False, f"redelivery after +{delay_min} min"
    assert clock.now - 1000.0 < DEFAULT_DEDUPE_TTL_S


def test_ids_are_forgotten_after_the_ttl() -> None:
    clock = FakeClock()
    store = InMemoryDedupeStore(ttl_s=60, clock=clock)
    store.first_time("ev-1")
    clock.now += 59
    assert store.first_time("ev-1") is False
    clock.now += 1
    assert store.first_time("ev-1") is True
    assert len(store) == 1


def test_oldest_ids_are_evicted_beyond_max_entries() -> None:
    store = InMemoryDedupeStore(max_entries=2)
    for event_id in ("a", "b", "c"):
        assert store.first_time(event_id) is True
    assert len(store) == 2
    assert store.first_time("c") is False
    assert store.first_time("a") is True  # evicted, so no longer known


def test_sixteen_threads_with_the_same_id_get_exactly_one_true() -> None:
    store = InMemoryDedupeStore()
    barrier = threading.Barrier(16)
    results: list[bool] = []
    lock = threading.Lock()

    def deliver() -> None:
        barrier.wait()
        outcome = store.first_time("ev-concurrent")
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=deliver) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 15 + [True]


def test_in_memory_store_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="ttl_s must be positive, got 0"):
        InMemoryDedupeStore(ttl_s=0)
    with pytest.raises(ValueError, match="max_entries must be at least 1, got 0"):
        InMemoryDedupeStore(max_entries=0)
    with pytest.raises(ValueError, match="event_id must be a non-empty string, got ''"):
        InMemoryDedupeStore().first_time("")


def test_in_memory_forget_lets_the_redelivery_through() -> None:
    store = InMemoryDedupeStore()
    assert store.first_time("evt-forget") is True
    store.forget("evt-forget")
    assert store.first_time("evt-forget") is True
    assert store.first_time("evt-forget") is False
    store.forget("never-seen")  # forgetting an unknown id is harmless


# --- freshness --------------------------------------------------------------------------


def _event(timestamp: str | None) -> WebhookEvent:
    return WebhookEvent("entity.created", {}, None, timestamp, "ev-1", raw=b"")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:11:12.345Z", SENT_AT),
        ("2024-05-01T10:11:12.345000000Z", SENT_AT),  # nine digits, as Lean sends
        ("2024-05-01T14:11:12.345+04:00", SENT_AT),
        ("2024-05-01T10:11:12.345", SENT_AT),  # no offset: UTC
        (None, None),
        ("", None),
        ("yesterday", None),
        ("2024-13-45T99:00:00Z", None),
        ("1714558272", None),
        ("2024-05-01T10:11:12Z" + " " * 100, None),
    ],
)
def test_event_time_reads_iso_8601_and_nothing_else(
    text: str | None, expected: float | None
) -> None:
    found = event_time(text)
    assert found == (pytest.approx(expected) if expected is not None else None)


def test_a_stale_event_is_refused_with_its_age_and_the_window() -> None:
    event = _event("2024-05-01T10:11:12.345Z")
    check_fresh(event, now=SENT_AT + DEFAULT_MAX_AGE_S)  # the last fresh moment
    with pytest.raises(WebhookVerificationError) as caught:
        check_fresh(event, now=SENT_AT + DEFAULT_MAX_AGE_S + DEFAULT_CLOCK_SKEW_S + 1)
    assert str(caught.value) == (
        "webhook event 'ev-1' is 21901 s old, older than the 21600 s replay window "
        "(webhooks.max_age_s, plus 300 s of clock skew): refused as a replay"
    )


def test_an_event_from_the_future_is_refused_beyond_the_skew_only() -> None:
    event = _event("2024-05-01T10:11:12.345Z")
    check_fresh(event, now=SENT_AT - 299)
    with pytest.raises(WebhookVerificationError, match="301 s in the future, beyond the 300 s"):
        check_fresh(event, now=SENT_AT - 301)


def test_an_event_without_a_timestamp_cannot_be_fresh() -> None:
    with pytest.raises(WebhookVerificationError, match="has no readable ISO 8601 timestamp"):
        check_fresh(_event(None))


def test_verify_and_parse_refuses_a_signed_replay_past_the_window() -> None:
    with pytest.raises(WebhookVerificationError, match="refused as a replay"):
        verify_and_parse(RAW, sign(RAW, SECRET), SECRET, now=SENT_AT + 7 * 3600)
    with pytest.raises(WebhookVerificationError, match="refused as a replay"):
        verify_and_parse(RAW, sign(RAW, SECRET), SECRET, max_age_s=60, now=SENT_AT + 600)


def test_ids_outlive_every_fresh_event_so_a_replay_is_stale_or_a_duplicate() -> None:
    # First seen as early as the skew allows, replayed at the last fresh moment.
    first_seen = SENT_AT - DEFAULT_CLOCK_SKEW_S
    last_fresh = SENT_AT + DEFAULT_MAX_AGE_S + DEFAULT_CLOCK_SKEW_S
    assert first_seen + DEFAULT_DEDUPE_TTL_S >= last_fresh
    assert dedupe_ttl_s(60, 10) == 140  # 60 + 2 * 10 + a minute of margin
    clock = FakeClock(first_seen)
    store = InMemoryDedupeStore(clock=clock)
    assert store.first_time("ev-1") is True
    clock.now = last_fresh
    check_fresh(_event("2024-05-01T10:11:12.345Z"), now=last_fresh)
    assert store.first_time("ev-1") is False
