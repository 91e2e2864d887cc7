"""Credentials: headers, the OAuth token cache, refresh, customer tokens, token endpoint errors.

The token endpoint is a plain function standing in for ``Transport.post_form`` (auth.py is
built to be given one, so no network is involved); the clock is injected, so no test waits
for a token to expire. The integration with a real secret store is in
tests/integration/test_token_store.py.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from lean_connector.auth import AccessToken, AppTokenCredential, OAuthCredential, SecretTokenStore
from lean_connector.errors import (
    AuthError,
    ConnectError,
    InvalidRequestError,
    SecretNotFoundError,
    SecretUnavailableError,
    SpecError,
    TLSVerificationError,
)
from lean_connector.logs import capture_logs
from lean_connector.transport import is_retryable
from tests.support.clock import T0
from tests.support.clock import FakeClock as Clock

CLIENT_ID = "0f6d3a7e-app"
SECRET = "CLIENT-SECRET-VALUE-9f8e7d"
TOKEN_URL = "https://auth.sandbox.example.test/oauth2/token"
SECRET_REF = "aws-sm://lean/dev/oauth#client_secret"


class TokenEndpoint:
    """Stands in for Lean's token endpoint: counts requests, records forms, issues tokens."""

    def __init__(self, clock: Clock, *, expires_in: float = 3599, delay_s: float = 0.0) -> None:
        self.clock = clock
        self.expires_in = expires_in
        self.delay_s = delay_s
        self.forms: list[dict[str, str]] = []
        self.answers: list[tuple[int, Mapping[str, Any]] | BaseException] = []
        self.lock = threading.Lock()

    @property
    def requests(self) -> int:
        return len(self.forms)

    def __call__(self, url: str, form: Mapping[str, str]) -> tuple[int, Mapping[str, Any]]:
        assert url == TOKEN_URL
        if self.delay_s:
            time.sleep(self.delay_s)  # widens the race window in the thread test; not asserted
        with self.lock:
            self.forms.append(dict(form))
            n = len(self.forms)
            answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, BaseException):
            raise answer
        if answer is not None:
            return answer
        return 200, {
            "access_token": f"jwt-{n}-{form['scope']}",
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": form["scope"],
        }


def oauth(endpoint: TokenEndpoint, **kwargs: Any) -> OAuthCredential:
    kwargs.setdefault("client_secret", lambda: SECRET)
    return OAuthCredential(
        client_id=CLIENT_ID,
        token_url=TOKEN_URL,
        post_form=endpoint,
        clock=endpoint.clock,
        **kwargs,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def endpoint(clock: Clock) -> TokenEndpoint:
    return TokenEndpoint(clock)


@pytest.fixture
def logged() -> Iterator[list[dict[str, Any]]]:
    with capture_logs() as entries:
        yield entries


_ENVELOPE = {"event", "level", "log_level", "logger", "timestamp"}


@pytest.fixture
def events(logged: list[dict[str, Any]]) -> Callable[[str], list[dict[str, Any]]]:
    """The fields (without event/level/logger) of each logged event with this name."""

    def by_name(name: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in e.items() if k not in _ENVELOPE} for e in logged if e["event"] == name
        ]

    return by_name


# -- headers ------------------------------------------------------------------------------


def test_each_credential_sends_exactly_one_auth_header(endpoint: TokenEndpoint) -> None:
    app = AppTokenCredential(lambda: "app-token-123456")
    assert app.headers() == {"lean-app-token": "app-token-123456"}

    bearer = oauth(endpoint).headers()
    assert set(bearer) == {"Authorization"}
    assert bearer["Authorization"] == "Bearer jwt-1-api"
    for headers in (app.headers(), bearer):
        assert not {"lean-app-token", "Authorization"} <= set(headers)


def test_app_token_follows_rotation_and_refuses_empty() -> None:
    values = iter(["first-app-token", "rotated-app-token", "  "])
    app = AppTokenCredential(lambda: next(values))
    assert app.headers()["lean-app-token"] == "first-app-token"
    assert app.headers()["lean-app-token"] == "rotated-app-token"
    with pytest.raises(AuthError, match=r"auth\.app_token resolved to an empty value"):
        app.headers()
    app.invalidate()  # nothing cached: must simply not fail


def test_access_token_hides_its_value() -> None:
    token = AccessToken(value="eyJhbGciOiJSUzI1NiJ9.secret.sig", scope="api", expires_at=T0 + 60)
    assert "eyJ" not in repr(token)
    assert "eyJ" not in str(token)
    assert "scope='api'" in repr(token)
    assert token.seconds_left(T0) == 60
    assert token.seconds_left(T0 + 90) == -30


# -- api token cache ----------------------------------------------------------------------


def test_64_threads_with_no_token_make_exactly_one_token_request(clock: Clock) -> None:
    endpoint = TokenEndpoint(clock, delay_s=0.05)
    credential = oauth(endpoint)
    start = threading.Barrier(64)
    seen: list[str] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            seen.append(credential.headers()["Authorization"])
        except BaseException as exc:  # collected: an exception in a thread must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert endpoint.requests == 1
    assert credential.token_requests == 1
    assert seen == ["Bearer jwt-1-api"] * 64


def test_token_request_form(endpoint: TokenEndpoint) -> None:
    oauth(endpoint).api_token()
    assert endpoint.forms == [
        {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "grant_type": "client_credentials",
            "scope": "api",
        }
    ]


def test_expiring_token_is_refreshed_without_the_caller_noticing(
    clock: Clock, endpoint: TokenEndpoint
) -> None:
    credential = oauth(endpoint)
    assert credential.headers()["Authorization"] == "Bearer jwt-1-api"
    clock.now += 3599 - 10  # 10 s left: well inside the margin
    assert credential.headers()["Authorization"] == "Bearer jwt-2-api"
    clock.now += 5000  # long expired
    assert credential.headers()["Authorization"] == "Bearer jwt-3-api"
    assert endpoint.requests == 3


@pytest.mark.parametrize("margin", [300.0, 60.0])
def test_refresh_happens_exactly_at_the_margin(
    clock: Clock, endpoint: TokenEndpoint, margin: float
) -> None:
    credential = oauth(endpoint, refresh_margin_s=margin)
    first = credential.api_token()
    clock.now = first.expires_at - margin - 1
    assert credential.api_token() is first
    assert endpoint.requests == 1
    clock.now = first.expires_at - margin
    assert credential.api_token() is not first
    assert endpoint.requests == 2


def test_short_lived_tokens_are_not_re_requested_on_every_call(clock: Clock) -> None:
    endpoint = TokenEndpoint(clock, expires_in=60)  # shorter than the 300 s margin
    credential = oauth(endpoint)
    first = credential.api_token()
    clock.now += 29
    assert credential.api_token() is first  # used for half its life
    clock.now += 1
    assert credential.api_token() is not first
    assert endpoint.requests == 2


def test_invalidate_makes_the_next_call_request_a_new_token(endpoint: TokenEndpoint) -> None:
    credential = oauth(endpoint)
    assert credential.headers()["Authorization"] == "Bearer jwt-1-api"
    assert credential.headers()["Authorization"] == "Bearer jwt-1-api"
    credential.invalidate()
    assert credential.headers()["Authorization"] == "Bearer jwt-2-api"
    assert endpoint.requests == 2


def test_token_refresh_is_logged_without_the_token(
    endpoint: TokenEndpoint,
    logged: list[dict[str, Any]],
    events: Callable[[str], list[dict[str, Any]]],
) -> None:
    oauth(endpoint).api_token()
    assert events("auth.token_refreshed") == [
        {"scope": "api", "expires_in": 3599, "source": "endpoint"}
    ]
    assert "jwt-1" not in repr(logged)
    assert SECRET not in repr(logged)


# -- customer tokens ----------------------------------------------------------------------


def test_customer_tokens_are_cached_per_customer(endpoint: TokenEndpoint) -> None:
    credential = oauth(endpoint)
    a = credential.customer_token("cust-a")
    b = credential.customer_token("cust-b")
    assert (a.scope, b.scope) == ("customer.cust-a", "customer.cust-b")
    assert [f["scope"] for f in endpoint.forms] == ["customer.cust-a", "customer.cust-b"]
    assert credential.customer_token("cust-a") is a
    assert credential.customer_token("cust-b") is b
    assert endpoint.requests == 2
    credential.api_token()  # the api token is a separate cache entry
    assert endpoint.requests == 3
    assert credential.customer_token("cust-a") is a


def test_customer_token_re_minted_under_ten_minutes_left(
    clock: Clock, endpoint: TokenEndpoint
) -> None:
    credential = oauth(endpoint)
    first = credential.customer_token("cust-a")
    clock.now = first.expires_at - 600
    assert credential.customer_token("cust-a") is first  # exactly 10 min left: still handed out
    clock.now = first.expires_at - 599
    second = credential.customer_token("cust-a")
    assert second is not first
    assert second.seconds_left(clock.now) >= 600
    assert endpoint.requests == 2
    # A caller may ask for more validity than the default.
    clock.now = second.expires_at - 1000
    assert credential.customer_token("cust-a", min_validity_s=1200) is not second


def test_customer_token_too_short_lived_is_refused(clock: Clock) -> None:
    credential = oauth(TokenEndpoint(clock, expires_in=300))
    with pytest.raises(AuthError, match=r"valid for 300 s, less than the 600 s asked for"):
        credential.customer_token("cust-a")


@pytest.mark.parametrize("bad", ["", "   ", "two words", "tab\there"])
def test_customer_id_is_checked_before_anything_is_sent(endpoint: TokenEndpoint, bad: str) -> None:
    with pytest.raises(InvalidRequestError, match=r"customer_id must be a Lean customer id"):
        oauth(endpoint).customer_token(bad)
    assert endpoint.requests == 0


# -- token endpoint errors ----------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [(400, {"error": "invalid_client"}), (401, {"error": "invalid_client"}), (401, {})],
)
def test_invalid_client_says_the_secret_was_rejected(
    endpoint: TokenEndpoint, logged: list[dict[str, Any]], answer: tuple[int, Any]
) -> None:
    endpoint.answers.append(answer)
    with pytest.raises(AuthError) as caught:
        oauth(endpoint, client_secret_reference=SECRET_REF).headers()
    message = str(caught.value)
    assert message.startswith(
        f"Lean's token endpoint rejected auth.client_secret for client_id {CLIENT_ID} "
        "(invalid_client): the secret may have been regenerated in the Lean dashboard — "
        f"update the secret {SECRET_REF}"
    )
    assert SECRET not in message
    assert SECRET not in repr(logged)
    assert not is_retryable(caught.value, idempotent=True)


def test_invalid_client_never_shows_a_literal_secret(endpoint: TokenEndpoint) -> None:
    endpoint.answers.append((401, {"error": "invalid_client"}))
    credential = OAuthCredential(
        client_id=CLIENT_ID,
        client_secret=lambda: SECRET,
        token_url=TOKEN_URL,
        post_form=endpoint,
        client_secret_reference=SECRET,  # a literal in the spec: its "reference" is the value
    )
    with pytest.raises(AuthError, match=r"the secret auth\.client_secret refers to") as caught:
        credential.api_token()
    assert SECRET not in str(caught.value)


def test_rejected_secret_is_re_read_once_before_giving_up(endpoint: TokenEndpoint) -> None:
    current = ["stale-secret-value"]
    refreshed: list[bool] = []

    def refresh_secret() -> None:  # what the client does: drop the cached secret
        refreshed.append(True)
        current[0] = "rotated-secret-value"

    endpoint.answers.append((401, {"error": "invalid_client"}))
    credential = oauth(endpoint, client_secret=lambda: current[0], refresh_secret=refresh_secret)
    assert credential.api_token().value == "jwt-2-api"
    assert refreshed == [True]
    assert [f["client_secret"] for f in endpoint.forms] == [
        "stale-secret-value",
        "rotated-secret-value",
    ]

    # Rejected twice: the refresh happens once, then AuthError.
    endpoint.answers.extend([(401, {"error": "invalid_client"})] * 2)
    credential.invalidate()
    with pytest.raises(AuthError, match=r"\(invalid_client\)"):
        credential.api_token()
    assert refreshed == [True, True]


def test_tls_failure_at_the_token_endpoint_is_not_turned_into_a_retryable_error(
    endpoint: TokenEndpoint,
) -> None:
    # An untrusted token host is a trust fault: retrying it, as "unreachable", cannot help.
    cause = TLSVerificationError(f"{TOKEN_URL} is not trusted", method="POST", url=TOKEN_URL)
    endpoint.answers.append(cause)
    with pytest.raises(TLSVerificationError) as caught:
        oauth(endpoint).headers()
    assert caught.value is cause
    assert not is_retryable(caught.value, idempotent=True)


def test_token_endpoint_unreachable_is_a_retryable_auth_error(endpoint: TokenEndpoint) -> None:
    cause = ConnectError(f"could not connect to {TOKEN_URL}", method="POST", url=TOKEN_URL)
    endpoint.answers.append(cause)
    with pytest.raises(AuthError) as caught:
        oauth(endpoint).headers()
    assert caught.value.__cause__ is cause
    assert str(caught.value).startswith(f"Lean's token endpoint {TOKEN_URL} is unreachable")
    assert caught.value.retryable is True
    assert AuthError.retryable is False  # only this instance
    assert is_retryable(caught.value, idempotent=False)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_token_endpoint_failing_is_a_retryable_auth_error(
    endpoint: TokenEndpoint, status: int
) -> None:
    endpoint.answers.append((status, {}))
    with pytest.raises(AuthError, match=rf"{TOKEN_URL} is failing \(HTTP {status}\)") as caught:
        oauth(endpoint).api_token()
    assert caught.value.retryable is True


def test_other_oauth_errors_name_the_code(endpoint: TokenEndpoint) -> None:
    endpoint.answers.append((400, {"error": "invalid_scope"}))
    with pytest.raises(
        AuthError,
        match=r"refused a customer\.nope token for client_id 0f6d3a7e-app "
        r"\(HTTP 400 invalid_scope\): the application is not allowed this scope",
    ) as caught:
        oauth(endpoint).customer_token("nope")
    assert not is_retryable(caught.value, idempotent=True)


def test_unexpected_answers_point_at_endpoints_auth(endpoint: TokenEndpoint) -> None:
    endpoint.answers.append((404, {}))
    with pytest.raises(
        AuthError, match=r"answered HTTP 404 without an OAuth error code.*endpoints\.auth"
    ):
        oauth(endpoint).api_token()
    endpoint.answers.append((200, {"token": "eyJ-not-here", "expires_in": 3599}))
    with pytest.raises(
        AuthError, match=r"without a usable access_token.*keys: \['expires_in', 'token'\]"
    ) as caught:
        oauth(endpoint).api_token()
    assert "eyJ-not-here" not in str(caught.value)


def test_bad_construction_is_refused_with_the_field_named(endpoint: TokenEndpoint) -> None:
    with pytest.raises(SpecError, match=r"auth\.client_id is empty"):
        OAuthCredential(
            client_id=" ", client_secret=lambda: SECRET, token_url=TOKEN_URL, post_form=endpoint
        )
    with pytest.raises(
        SpecError, match=r"auth\.refresh_margin_s must be zero or more seconds; got -5"
    ):
        oauth(endpoint, refresh_margin_s=-5)


# -- with a token store -------------------------------------------------------------------


class MemoryStore:
    """An in-memory TokenStore (the Secrets Manager one is tested against moto)."""

    def __init__(self, token: AccessToken | None = None) -> None:
        self.token = token
        self.reads = 0
        self.writes: list[AccessToken] = []
        self.read_error: BaseException | None = None

    def read(self) -> AccessToken | None:
        self.reads += 1
        if self.read_error is not None:
            raise self.read_error
        return self.token

    def write(self, token: AccessToken) -> None:
        self.writes.append(token)
        self.token = token


def test_store_token_is_used_without_a_token_request(
    endpoint: TokenEndpoint, events: Callable[[str], list[dict[str, Any]]]
) -> None:
    shared = AccessToken(value="shared-jwt-value", scope="api", expires_at=T0 + 1000)
    credential = oauth(endpoint, token_store=MemoryStore(shared))
    assert credential.headers() == {"Authorization": "Bearer shared-jwt-value"}
    assert endpoint.requests == 0
    assert events("auth.token_refreshed") == [
        {"scope": "api", "expires_in": 1000, "source": "store"}
    ]


def test_store_token_inside_the_margin_is_replaced_and_written_back(
    clock: Clock, endpoint: TokenEndpoint
) -> None:
    store = MemoryStore(AccessToken(value="old-jwt-value", scope="api", expires_at=T0 + 299))
    credential = oauth(endpoint, token_store=store)
    assert credential.api_token().value == "jwt-1-api"
    assert endpoint.requests == 1
    assert [t.value for t in store.writes] == ["jwt-1-api"]
    assert store.writes[0].expires_at == T0 + 3599


def test_unreadable_store_falls_back_to_the_endpoint(
    endpoint: TokenEndpoint, events: Callable[[str], list[dict[str, Any]]]
) -> None:
    store = MemoryStore()
    store.read_error = SecretUnavailableError("store down", reference="aws-sm://lean/dev/api-token")
    assert oauth(endpoint, token_store=store).api_token().value == "jwt-1-api"
    assert events("auth.token_store_unreadable")[0]["error"] == "SecretUnavailableError"


def test_a_rejected_token_is_not_taken_back_from_the_store(endpoint: TokenEndpoint) -> None:
    store = MemoryStore(AccessToken(value="revoked-jwt-value", scope="api", expires_at=T0 + 3000))
    credential = oauth(endpoint, token_store=store)
    assert credential.api_token().value == "revoked-jwt-value"
    credential.invalidate()  # Lean said 401 to it
    assert credential.api_token().value == "jwt-1-api"
    assert store.token is not None
    assert store.token.value == "jwt-1-api"


@pytest.mark.parametrize(("write_token_store", "writes"), [(False, 0), (True, 1)])
def test_minted_token_is_written_back_only_when_this_process_may_write(
    endpoint: TokenEndpoint, write_token_store: bool, writes: int
) -> None:
    # An empty store (before the refresher's first run): every caller mints its own token.
    store = MemoryStore()
    credential = oauth(endpoint, token_store=store, write_token_store=write_token_store)
    assert credential.api_token().value == "jwt-1-api"
    assert store.reads == 1
    assert len(store.writes) == writes
    assert endpoint.requests == 1


def test_reader_never_tries_the_write_it_has_no_grant_for(
    endpoint: TokenEndpoint, events: Callable[[str], list[dict[str, Any]]]
) -> None:
    # The AccessDenied a reader's role would get: with the flag off it is never provoked.
    store = FailingWriteStore()
    credential = oauth(endpoint, token_store=store, write_token_store=False)
    credential.api_token()
    credential.invalidate()
    credential.api_token()
    assert (store.writes, endpoint.requests) == ([], 2)
    assert events("auth.token_store_write_failed") == []


def test_scheduled_refresh_writes_even_when_api_token_would_not(endpoint: TokenEndpoint) -> None:
    store = MemoryStore()
    credential = oauth(endpoint, token_store=store, write_token_store=False)
    token = credential.refresh()
    assert [t.value for t in store.writes] == [token.value] == ["jwt-1-api"]
    failing = oauth(endpoint, token_store=FailingWriteStore(), write_token_store=False)
    with pytest.raises(SecretUnavailableError, match=r"api-token was not written"):
        failing.refresh()


# -- SecretTokenStore with a stand-in resolver (moto-backed test: tests/integration) -------


class DictResolver:
    """Only what SecretTokenStore uses of SecretResolver: a cache that refresh() drops."""

    class Value:
        def __init__(self, text: str) -> None:
            self.text = text

        def reveal(self) -> str:
            return self.text

    def __init__(self) -> None:
        self.backend: dict[str, str] = {}
        self.cache: dict[str, str] = {}
        self.refreshes: list[str | None] = []

    def resolve(self, reference: str, *, field: str | None = None) -> DictResolver.Value:
        if reference not in self.cache:
            if reference not in self.backend:
                raise SecretNotFoundError("no value", reference=reference)
            self.cache[reference] = self.backend[reference]
        return DictResolver.Value(self.cache[reference])

    def refresh(self, reference: str | None = None) -> None:
        self.refreshes.append(reference)
        self.cache.pop(reference or "", None)

    def put(self, reference: str, value: str) -> str | None:
        self.backend[reference] = value
        return "v1"


REF = "aws-sm://lean/dev/api-token"


def test_secret_token_store_round_trip_and_stale_cache_refresh(clock: Clock) -> None:
    resolver = DictResolver()
    store = SecretTokenStore(resolver, REF, clock=clock)
    assert store.read() is None  # nothing written yet
    store.write(AccessToken(value="jwt-one", scope="api", expires_at=T0 + 3599))
    first = store.read()
    assert first == AccessToken(value="jwt-one", scope="api", expires_at=T0 + 3599)
    assert resolver.refreshes == []
    # A refresher elsewhere writes a new token; our cached copy is about to expire.
    resolver.backend[REF] = '{"access_token": "jwt-two", "scope": "api", "expires_at": %s}' % (
        T0 + 7000
    )
    clock.now = T0 + 3599 - 100
    second = store.read()
    assert second is not None
    assert second.value == "jwt-two"
    assert resolver.refreshes == [REF]


def test_secret_token_store_ignores_garbage(
    clock: Clock, events: Callable[[str], list[dict[str, Any]]]
) -> None:
    resolver = DictResolver()
    resolver.backend[REF] = '{"access_token": "x"}'
    assert SecretTokenStore(resolver, REF, clock=clock).read() is None
    assert events("auth.token_store_invalid")[0]["reference"] == REF


@pytest.mark.parametrize(
    "ref", ["aws-sm://lean/dev/api-token#token", "env://TOKEN", "aws-sm://x?stage=AWSPREVIOUS"]
)
def test_secret_token_store_needs_a_whole_secret(ref: str) -> None:
    with pytest.raises(SpecError, match=r"auth\.token_store must name a whole Secrets Manager"):
        SecretTokenStore(DictResolver(), ref)


# -- review fixes: concurrency, the refresher, 429, messages, bad header values ------------


def test_16_threads_minting_different_customers_never_break_the_cache(
    clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Customer tokens of different customers are minted under different lock stripes, so
    # the prune of expired ones used to iterate the cache while other threads inserted.
    endpoint = TokenEndpoint(clock)
    credential = oauth(endpoint)
    for n in range(1500):  # a long cache makes each prune long: the race window
        credential.customer_token(f"warm-{n}")
    # Switch threads as often as CPython allows, so iterations and inserts interleave.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    barrier = threading.Barrier(16)
    failures: list[BaseException] = []
    minted: list[str] = []

    def mint(worker: int) -> None:
        barrier.wait()
        try:
            for n in range(40):
                minted.append(credential.customer_token(f"cust-{worker}-{n}").scope)
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=mint, args=(w,)) for w in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        sys.setswitchinterval(previous)

    assert failures == []
    assert sorted(minted) == sorted(f"customer.cust-{w}-{n}" for w in range(16) for n in range(40))
    assert endpoint.requests == 1500 + 16 * 40


def test_expired_customer_tokens_are_pruned_when_a_new_one_arrives(
    clock: Clock, endpoint: TokenEndpoint
) -> None:
    credential = oauth(endpoint)
    old = credential.customer_token("cust-old")
    credential.api_token()
    clock.now = old.expires_at + 1
    credential.customer_token("cust-new")
    clock.now = T0
    # The expired token was dropped (a new request), the api token was kept.
    assert credential.customer_token("cust-old") is not old
    credential.api_token()
    assert [f["scope"] for f in endpoint.forms].count("api") == 1


class FailingWriteStore(MemoryStore):
    def write(self, token: AccessToken) -> None:
        self.writes.append(token)
        raise SecretUnavailableError(
            "Secrets Manager is unreachable: aws-sm://lean/dev/api-token was not written",
            reference="aws-sm://lean/dev/api-token",
        )


def test_scheduled_refresh_raises_when_the_store_write_fails(
    endpoint: TokenEndpoint, events: Callable[[str], list[dict[str, Any]]]
) -> None:
    store = FailingWriteStore()
    credential = oauth(endpoint, token_store=store)
    with pytest.raises(SecretUnavailableError, match=r"api-token was not written"):
        credential.refresh()
    assert len(store.writes) == 1
    assert events("auth.token_store_write_failed") == []
    # A caller that only needs a token still gets one: there the write is opportunistic.
    credential.invalidate()
    assert credential.api_token().value.startswith("jwt-2-")
    assert len(events("auth.token_store_write_failed")) == 1


def test_token_endpoint_429_is_a_retryable_auth_error(endpoint: TokenEndpoint) -> None:
    endpoint.answers.append((429, {"error": "too_many_requests"}))
    with pytest.raises(AuthError) as caught:
        oauth(endpoint).api_token()
    assert str(caught.value).startswith(
        f"Lean's token endpoint {TOKEN_URL} is rate-limiting token requests (HTTP 429)"
    )
    assert str(caught.value).endswith(
        "no token could be obtained; this can pass, so try again later, and if it persists "
        "check endpoints.auth and the network path"
    )
    assert "retried" not in str(caught.value)  # read after the retries are over
    assert is_retryable(caught.value, idempotent=False)


def test_invalid_client_never_shows_a_literal_that_looks_like_a_url(
    endpoint: TokenEndpoint,
) -> None:
    literal = "abc://def-secret"
    endpoint.answers.append((401, {"error": "invalid_client"}))
    credential = oauth(endpoint, client_secret=lambda: literal, client_secret_reference=literal)
    with pytest.raises(AuthError, match=r"the secret auth\.client_secret refers to") as caught:
        credential.api_token()
    assert "def-secret" not in str(caught.value)


@pytest.mark.parametrize(
    "pasted", ["\u201capp-token-from-dashboard\u201d", "app-token\x00-from-dashboard", "app\ttoken"]
)
def test_app_token_with_non_ascii_or_control_characters_is_refused(pasted: str) -> None:
    with pytest.raises(AuthError) as caught:
        AppTokenCredential(lambda: pasted).headers()
    assert str(caught.value) == (
        "auth.app_token holds non-ASCII or control characters: re-copy it from the Lean dashboard"
    )
    assert "from-dashboard" not in repr(caught.value.args)
