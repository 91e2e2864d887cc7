"""Faults and bad input through LeanConnector, each against the real local Lean sandbox.

The sandbox injects the faults (429, 503, resets, 401s, a down token endpoint, PENDING
results, short token lifetimes) and counts what the connector did (calls, handshakes, token
requests); log events come from lean_connector.logs.capture_logs. Nothing is mocked. Retry
backoff is shrunk through the spec so no test sleeps long; nothing here asserts timings.
Test PEMs reach the connector as env:// references, so no key file is written to disk.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest

from lean_connector.client import LeanConnector
from lean_connector.errors import (
    AuthError,
    ConnectionDroppedError,
    LeanRateLimitError,
    LeanServerError,
    ResultsPendingError,
    TLSConfigError,
    TLSVerificationError,
)
from lean_connector.logs import capture_logs
from lean_connector.testing.certs import CertBundle, issue_cert, private_key_pem
from lean_connector.testing.sandbox import BANKS, LeanSandbox
from tests.support.connect import FAST_RETRY, Connect
from tests.support.waiting import events, wait_for

pytestmark = pytest.mark.integration


def pem_ref(monkeypatch: pytest.MonkeyPatch, name: str, pem: bytes) -> str:
    """An env:// secret reference holding ``pem`` (not LEAN_*: that prefix is spec config)."""
    monkeypatch.setenv(name, pem.decode())
    return f"env://{name}"


# -- TLS: trust and the client certificate ------------------------------------------------


@pytest.mark.parametrize("mode", ["mtls", "oauth", "app_token"])
def test_untrusted_server_is_a_tls_error_and_is_not_retried(
    mode: str,
    connect: Connect,
    lean_sandbox: LeanSandbox,
    other_pki: CertBundle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    wrong_ca = pem_ref(monkeypatch, "TEST_OTHER_CA_CHAIN", other_pki.ca_chain_pem)
    connector = connect(mode, mtls={"ca_chain": wrong_ca})

    with pytest.raises(TLSVerificationError) as raised:
        connector.banks.list()

    message = str(raised.value)
    host = connector.endpoints.api.removeprefix("https://")
    assert f"the server certificate of {host} is not trusted" in message
    assert "mtls.ca_chain" in message
    listener = "mtls" if mode == "mtls" else "api"
    wait_for(lambda: lean_sandbox.counters.handshake_failures[listener] >= 1)
    assert lean_sandbox.counters.handshake_failures == {listener: 1}, "one attempt, no retry"
    assert sum(lean_sandbox.counters.handshakes.values()) == 0
    assert sum(lean_sandbox.counters.calls.values()) == 0
    assert sum(lean_sandbox.counters.token_requests.values()) == 0


def test_client_certificate_from_another_ca_is_refused(
    connect: Connect,
    lean_sandbox: LeanSandbox,
    other_pki: CertBundle,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connector = connect(
        "mtls",
        mtls={
            "certificate": pem_ref(monkeypatch, "TEST_OTHER_CERT", other_pki.client.cert_pem),
            "private_key": pem_ref(monkeypatch, "TEST_OTHER_KEY", other_pki.client.key_pem),
        },
    )

    with pytest.raises(AuthError) as raised:
        connector.banks.list()

    message = str(raised.value)
    assert "refused the client certificate" in message
    assert "check that mtls.certificate is signed by Lean for this environment" in message
    assert "after re-reading the secrets" in message
    assert isinstance(raised.value.__cause__, TLSVerificationError)
    # One re-resolve in case the certificate was rotated, then a clear failure.
    wait_for(lambda: lean_sandbox.counters.handshake_failures["mtls"] >= 2)
    assert lean_sandbox.counters.handshake_failures == {"mtls": 2}
    assert sum(lean_sandbox.counters.calls.values()) == 0


def test_key_not_matching_the_certificate(
    lean_sandbox: LeanSandbox, other_pki: CertBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = lean_sandbox.spec_overrides("mtls")
    overrides["mtls"]["private_key"] = pem_ref(monkeypatch, "TEST_KEY", other_pki.client.key_pem)

    with pytest.raises(TLSConfigError) as raised:
        LeanConnector.from_spec(**overrides)

    assert str(raised.value) == (
        "mtls.private_key does not match mtls.certificate: the key belongs to another "
        "certificate; use the key generated with this certificate's CSR"
    )
    assert sum(lean_sandbox.counters.handshakes.values()) == 0


def test_expired_certificate(lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = issue_cert(
        lean_sandbox.bundle.intermediate,
        "expired-app",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=2),
    )
    overrides = lean_sandbox.spec_overrides("mtls")
    overrides["mtls"]["certificate"] = pem_ref(monkeypatch, "TEST_CERT", expired.cert_pem)
    overrides["mtls"]["private_key"] = pem_ref(monkeypatch, "TEST_KEY", expired.key_pem)

    with pytest.raises(TLSConfigError) as raised:
        LeanConnector.from_spec(**overrides)

    message = str(raised.value)
    assert message.startswith("mtls.certificate expired on ")
    assert expired.cert.not_valid_after_utc.isoformat() in message
    assert sum(lean_sandbox.counters.handshakes.values()) == 0


def test_encrypted_key_without_password(
    lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    encrypted = private_key_pem(lean_sandbox.bundle.client.key, password=b"correct horse")
    overrides = lean_sandbox.spec_overrides("mtls")
    overrides["mtls"]["private_key"] = pem_ref(monkeypatch, "TEST_KEY", encrypted)

    with pytest.raises(TLSConfigError) as raised:
        LeanConnector.from_spec(**overrides)

    assert str(raised.value) == "mtls.private_key is encrypted: set mtls.private_key_password"


def test_encrypted_key_with_its_password_works(
    lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control for the test above: the same key, with its password, calls Lean.
    encrypted = private_key_pem(lean_sandbox.bundle.client.key, password=b"correct horse")
    overrides = lean_sandbox.spec_overrides("mtls")
    overrides["mtls"]["private_key"] = pem_ref(monkeypatch, "TEST_KEY", encrypted)
    overrides["mtls"]["private_key_password"] = pem_ref(monkeypatch, "TEST_PW", b"correct horse")

    with LeanConnector.from_spec(**overrides) as connector:
        assert connector.banks.list()
    assert lean_sandbox.counters.handshakes == {"mtls": 1}


# -- OAuth ---------------------------------------------------------------------------------


def test_invalid_client_secret(
    connect: Connect, lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "definitely-not-the-client-secret"
    monkeypatch.setenv("TEST_CLIENT_SECRET", wrong)
    connector = connect("oauth", auth={"client_secret": "env://TEST_CLIENT_SECRET"})

    with pytest.raises(AuthError) as raised:
        connector.banks.list()

    message = str(raised.value)
    assert "rejected auth.client_secret" in message
    assert "(invalid_client)" in message
    assert "regenerated in the Lean dashboard" in message
    assert "update the secret env://TEST_CLIENT_SECRET" in message
    assert wrong not in message
    # Re-read once in case the secret was just rotated, then give up: no backoff retries.
    assert lean_sandbox.counters.token_requests == {"api": 2}
    assert sum(lean_sandbox.counters.calls.values()) == 0


def test_token_endpoint_down(connect: Connect, lean_sandbox: LeanSandbox) -> None:
    connector = connect("oauth")
    lean_sandbox.faults.token_endpoint_down = True

    with capture_logs() as logs, pytest.raises(AuthError) as raised:
        connector.banks.list()

    message = str(raised.value)
    assert f"Lean's token endpoint {lean_sandbox.token_url} is failing (HTTP 503)" in message
    assert "check endpoints.auth" in message
    # An endpoint that is down may come back: retried like any call, up to max_attempts.
    assert lean_sandbox.counters.token_requests == {"api": FAST_RETRY["max_attempts"]}
    assert len(events(logs, "http.retry")) == FAST_RETRY["max_attempts"] - 1
    assert sum(lean_sandbox.counters.calls.values()) == 0


def test_token_expiring_mid_run_is_refreshed_without_the_caller_noticing(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    # A 3 s token (whole seconds in the JWT, so >= 2 s real): refreshed half-way, ahead of
    # expiry, so no call ever presents an expired token.
    lean_sandbox.faults.token_lifetime_s = 3
    connector = connect("oauth")
    results = []
    deadline = time.monotonic() + 20

    with capture_logs() as logs:
        while lean_sandbox.counters.token_requests["api"] < 3:
            assert time.monotonic() < deadline, "the token was never refreshed"
            results.append(connector.banks.list())
            time.sleep(0.05)

    assert all(len(banks) == len(BANKS) for banks in results)
    assert len(events(logs, "auth.token_refreshed")) == 3
    assert {e["status"] for e in events(logs, "http.request")} == {200}
    assert events(logs, "auth.recovering") == [], "refreshed ahead of expiry, not after a 401"


def test_401_once_drops_the_token_and_retries_once(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    connector.banks.list()
    first_token = connector.oauth().api_token().value
    lean_sandbox.reset()
    lean_sandbox.faults.unauthorized(1)

    with capture_logs() as logs:
        banks = connector.banks.list()

    assert len(banks) == len(BANKS)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 2
    assert lean_sandbox.counters.token_requests == {"api": 1}, "a new token after the 401"
    assert connector.oauth().api_token().value != first_token
    assert [e["status"] for e in events(logs, "http.request")] == [401, 200]
    assert len(events(logs, "auth.recovering")) == 1


def test_401_twice_is_an_auth_error(connect: Connect, lean_sandbox: LeanSandbox) -> None:
    connector = connect("oauth")
    lean_sandbox.faults.unauthorized(2)

    with pytest.raises(AuthError) as raised:
        connector.banks.list()

    message = str(raised.value)
    assert message.startswith("Lean rejected the credentials twice for GET /banks/v1/")
    assert "Lean answered 401 UNAUTHORIZED to GET /banks/v1/" in message
    assert "The credential has been revoked" in message
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 2
    assert lean_sandbox.counters.token_requests == {"api": 2}


def test_64_threads_without_a_token_make_one_token_request(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    lean_sandbox.faults.token_latency_s = 0.3  # keeps the race window open
    barrier = threading.Barrier(64)
    answers: list[int] = []
    failures: list[BaseException] = []

    def call() -> None:
        barrier.wait()
        try:
            answers.append(len(connector.banks.list()))
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=call) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert answers == [len(BANKS)] * 64
    assert lean_sandbox.counters.token_requests == {"api": 1}
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 64


# -- retries -------------------------------------------------------------------------------


def test_429_twice_then_ok_honours_retry_after(connect: Connect, lean_sandbox: LeanSandbox) -> None:
    connector = connect("app_token", retry={"max_attempts": 4})
    lean_sandbox.faults.rate_limit(2, retry_after_s=1)

    with capture_logs() as logs:
        banks = connector.banks.list()

    assert len(banks) == len(BANKS)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 3
    requests_logged = events(logs, "http.request")
    assert [(e["attempt"], e["status"]) for e in requests_logged] == [(1, 429), (2, 429), (3, 200)]
    retries = events(logs, "http.retry")
    assert [(e["http_status"], e["lean_status"]) for e in retries] == [
        (429, "RATE_LIMIT_EXCEEDED")
    ] * 2
    # The wait chosen (not a measured time): Lean's Retry-After is a floor over the jitter,
    # which max_backoff_s=0.05 would otherwise keep far below one second.
    assert all(e["wait_s"] >= 1.0 for e in retries)


def test_retry_after_longer_than_allowed_is_not_waited_out(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token", retry={"max_retry_after_s": 1})
    lean_sandbox.faults.rate_limit(1, retry_after_s=30)

    with capture_logs() as logs, pytest.raises(LeanRateLimitError) as raised:
        connector.banks.list()

    assert raised.value.retry_after_s == 30
    assert raised.value.lean_status == "RATE_LIMIT_EXCEEDED"
    assert "slow down" in str(raised.value)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 1
    assert [e["retry_after_s"] for e in events(logs, "http.retry_after_too_long")] == [30]


def test_503_on_every_try_gives_up_with_the_last_lean_error(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    lean_sandbox.faults.unavailable(100)

    with capture_logs() as logs, pytest.raises(LeanServerError) as raised:
        connector.banks.list()

    error = raised.value
    attempts = FAST_RETRY["max_attempts"]
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == attempts
    assert (error.http_status, error.lean_status) == (503, "SERVICE_UNAVAILABLE")
    assert error.lean_message == "The service is temporarily unavailable"
    last_attempt = events(logs, "http.request")[-1]
    assert last_attempt["attempt"] == attempts
    assert error.correlation_id == last_attempt["lean_correlation_id"]
    assert error.trace_id is not None
    assert str(error) == (
        "Lean answered 503 SERVICE_UNAVAILABLE to GET /banks/v1/: The service is temporarily "
        f"unavailable [lean-correlation-id={error.correlation_id}]"
    )


def test_connection_reset_on_a_get_is_retried(connect: Connect, lean_sandbox: LeanSandbox) -> None:
    connector = connect("mtls")
    lean_sandbox.faults.reset_connections(1, "GET")

    with capture_logs() as logs:
        banks = connector.banks.list()

    assert len(banks) == len(BANKS)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 2
    assert [e["error"] for e in events(logs, "http.retry")] == ["ConnectionDroppedError"]
    assert lean_sandbox.counters.handshakes == {"mtls": 2}, "a new connection after the reset"


def test_connection_reset_on_a_post_without_idempotency_key_is_not_retried(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    lean_sandbox.faults.reset_connections(1, "POST")

    with capture_logs() as logs, pytest.raises(ConnectionDroppedError) as raised:
        connector.customers.create(f"reset-{uuid.uuid4().hex[:12]}")

    message = str(raised.value)
    assert "was dropped during POST /customers/v1/" in message
    assert "the request may have been applied by Lean" in message
    assert lean_sandbox.counters.calls[("POST", "/customers/v1/")] == 1
    assert events(logs, "http.retry") == []


def test_connection_reset_on_a_payment_is_retried_with_the_same_key(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("oauth")
    customer_id = lean_sandbox.seeded.customer_ids[0]
    lean_sandbox.faults.reset_connections(1, "POST")

    intent = connector.payments.create_intent(amount=5, currency="AED", customer_id=customer_id)

    assert intent["customer_id"] == customer_id
    assert lean_sandbox.counters.calls[("POST", "/payments/v1/intents")] == 2
    assert list(lean_sandbox.counters.idempotency_keys.values()) == [2]


# -- PENDING results -----------------------------------------------------------------------


def test_pending_then_ready_returns_the_data(connect: Connect, lean_sandbox: LeanSandbox) -> None:
    connector = connect("app_token")
    entity_id = lean_sandbox.seeded.entity_ids[0]
    expected = list(connector.data.accounts(entity_id))
    lean_sandbox.reset()
    lean_sandbox.faults.pending(1, calls=2)  # both calls answer PENDING; the first fetch is ready

    accounts = list(connector.data.accounts(entity_id))
    balances = connector.data.balances(expected[0]["account_id"], entity_id=entity_id)

    assert accounts == expected
    assert {b["account_id"] for b in balances["balances"]} == {expected[0]["account_id"]}
    assert lean_sandbox.counters.calls[("GET", "/data/v2/results/{results_id}")] == 2


def test_pending_past_the_deadline_raises_with_the_results_id(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token")
    connector.data.pending_deadline_s = 0.2
    lean_sandbox.faults.pending(50)

    with pytest.raises(ResultsPendingError) as raised:
        list(connector.data.accounts(lean_sandbox.seeded.entity_ids[0]))

    results_id = raised.value.results_id
    assert uuid.UUID(results_id)
    assert str(raised.value) == (
        f"Lean result {results_id} still PENDING after 0.2s: fetch it later with "
        f"connector.data.results('{results_id}')"
    )
    later = connector.data.results(results_id)
    assert (later["status"], later["results_id"]) == ("PENDING", results_id)


def test_every_attempt_is_logged_even_without_an_answer(
    connect: Connect, lean_sandbox: LeanSandbox
) -> None:
    connector = connect("app_token")
    connector.banks.list()  # an open keep-alive connection the sandbox will reset
    lean_sandbox.faults.reset_connections(1, method="GET")
    with capture_logs() as events:
        connector.banks.list()
    attempts = [
        (e["attempt"], e["status"], e.get("error")) for e in events if e["event"] == "http.request"
    ]
    assert attempts == [(1, None, "ConnectionDroppedError"), (2, 200, None)]
