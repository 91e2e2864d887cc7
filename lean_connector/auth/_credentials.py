"""Credentials that sign requests to Lean: the app token header or an OAuth bearer token.

This module never imports an HTTP library: :class:`OAuthCredential` is given a
``post_form(url, form) -> (status, body)`` callable (``Transport.post_form`` in production,
a plain function in tests), so the token logic is tested without a network.

Lean answers ``400 INVALID_PARAMETERS`` when a request carries both ``lean-app-token`` and
``Authorization``, so every credential's :meth:`Credential.headers` returns exactly one.

OAuth tokens (``client_credentials``, scope ``api`` or ``customer.<id>``) are cached and
refreshed ``refresh_margin_s`` before they expire; a lock per scope with a double-checked
read makes a burst of threads that find no token share ONE token request. With a
:class:`TokenStore`, the api token is read from the store first, and a refresh writes the
new token back, so a fleet of Lambdas makes one token request per refresh period.
:class:`AccessToken`, :class:`TokenStore` and :class:`SecretTokenStore` live in
``_token_store``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lean_connector.auth._token_store import AccessToken, TokenStore
from lean_connector.errors import (
    AuthError,
    ConnectorError,
    InvalidRequestError,
    SpecError,
    TLSVerificationError,
    TransportError,
)
from lean_connector.logs import get_logger
from lean_connector.secrets import is_reference

__all__ = ["AppTokenCredential", "Credential", "OAuthCredential", "PostForm"]


log = get_logger(__name__)

PostForm = Callable[[str, Mapping[str, str]], tuple[int, Mapping[str, Any]]]

API_SCOPE = "api"
_LOCK_STRIPES = 64  # customer-token locks: bounded, however many customers a batch job sees

_ERROR_HINTS: Mapping[str, str] = {
    "invalid_scope": (
        "the application is not allowed this scope: for customer.<id>, check that the customer "
        "exists in this Lean environment"
    ),
    "unauthorized_client": (
        "this application may not use the client_credentials grant: check it in the Lean dashboard"
    ),
    "invalid_request": "the token request was malformed: report this as a lean-connector bug",
    "unsupported_grant_type": (
        "the endpoint does not accept client_credentials: check endpoints.auth is Lean's auth host"
    ),
}


class Credential(ABC):
    """What signs a request to Lean. ``mode`` names the header style for logs and ``doctor``."""

    mode: str

    @abstractmethod
    def headers(self) -> dict[str, str]:
        """Exactly one of ``lean-app-token`` or ``Authorization`` (Lean refuses both)."""

    @abstractmethod
    def invalidate(self) -> None:
        """Forget any cached token: called after Lean answered 401, before the one retry."""


class AppTokenCredential(Credential):
    """The ``lean-app-token`` header (app_token and mtls modes).

    ``app_token`` returns the resolved value on each call; it reads the secret cache, so a
    rotated app token is followed without rebuilding the credential.
    """

    mode = "app_token"

    def __init__(self, app_token: Callable[[], str]) -> None:
        self._app_token = app_token

    def headers(self) -> dict[str, str]:
        """``{"lean-app-token": <value>}``; AuthError if the secret resolved to nothing."""
        value = self._app_token().strip()
        if not value:
            raise AuthError(
                "auth.app_token resolved to an empty value: store the application's app token "
                "(the Lean application id) in the secret that auth.app_token references"
            )
        if not _is_header_safe(value):
            # http.client would raise UnicodeEncodeError carrying the whole token in .object.
            raise AuthError(
                "auth.app_token holds non-ASCII or control characters: re-copy it from the "
                "Lean dashboard"
            )
        return {"lean-app-token": value}

    def invalidate(self) -> None:
        """Nothing cached here: the client re-resolves the secret itself after a 401."""


@dataclass
class _Cached:
    token: AccessToken
    refresh_at: float  # clock time after which this token is no longer handed out


def _is_header_safe(value: str) -> bool:
    # A smart quote or a stray newline from a copy-paste: printable ASCII only.
    return value.isascii() and all(" " <= c <= "~" for c in value)


def _fingerprint(value: str) -> str:
    # Remember a rejected token by hash: no need to keep the secret itself around.
    return hashlib.sha256(value.encode()).hexdigest()


class OAuthCredential(Credential):
    """``Authorization: Bearer <JWT>`` from Lean's OAuth ``client_credentials`` endpoint.

    Extra keywords beyond docs/architecture.md, all optional: ``client_secret_reference``
    (the reference text shown when the secret is rejected; a literal is never shown),
    ``refresh_secret`` (called once when Lean answers ``invalid_client``, before one more
    attempt, so a secret rotated in the Lean dashboard and in the store is picked up) and
    ``write_token_store`` (False: :meth:`api_token` only reads the store, for processes
    whose role may not write it; :meth:`refresh` writes either way).
    """

    mode = "oauth"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: Callable[[], str],
        token_url: str,
        post_form: PostForm,
        refresh_margin_s: float = 300,
        token_store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        client_secret_reference: str | None = None,
        refresh_secret: Callable[[], None] | None = None,
        write_token_store: bool = True,
    ) -> None:
        if not client_id.strip():
            raise SpecError(
                "auth.client_id is empty: set it to the Lean application id", field="auth.client_id"
            )
        if refresh_margin_s < 0:
            raise SpecError(
                f"auth.refresh_margin_s must be zero or more seconds; got {refresh_margin_s}",
                field="auth.refresh_margin_s",
            )
        self.client_id = client_id
        self.token_url = token_url
        self.refresh_margin_s = refresh_margin_s
        self.token_store = token_store
        self.write_token_store = write_token_store
        self.token_requests = 0
        self._client_secret = client_secret
        self._post_form = post_form
        self._clock = clock
        self._secret_reference = client_secret_reference
        self._refresh_secret = refresh_secret
        # Every read-modify of _cache (insert, pop, prune) holds _cache_lock: the per-scope
        # locks below only serialise minting, so different scopes mutate the dict concurrently.
        self._cache: dict[str, _Cached] = {}
        self._cache_lock = threading.Lock()
        self._api_lock = threading.Lock()
        self._customer_locks = tuple(threading.Lock() for _ in range(_LOCK_STRIPES))
        self._count_lock = threading.Lock()
        self._rejected: str | None = None

    # -- public --------------------------------------------------------------------------

    def headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <api token>"}``, refreshing the token when due."""
        return {"Authorization": f"Bearer {self.api_token().value}"}

    def invalidate(self) -> None:
        """Drop the api token (Lean answered 401); the next call gets a new one."""
        with self._cache_lock:
            cached = self._cache.pop(API_SCOPE, None)
        if cached is not None:
            self._rejected = _fingerprint(cached.token.value)

    def api_token(self) -> AccessToken:
        """The api-scope token: cached, else from the token store, else a new one."""
        token = self._fresh_cached(API_SCOPE)
        if token is not None:
            return token
        with self._api_lock:
            # Another thread may have refreshed while this one waited for the lock.
            token = self._fresh_cached(API_SCOPE)
            if token is not None:
                return token
            token = self._from_store()
            if token is not None:
                self._remember(API_SCOPE, _Cached(token, token.expires_at - self.refresh_margin_s))
                return token
            token = self._mint(API_SCOPE)
            self._remember(API_SCOPE, _Cached(token, self._refresh_at(token)))
            self._to_store(token)  # a no-op with write_token_store=False
            return token

    def refresh(self) -> AccessToken:
        """Request a new api token now, cache it and write it to the token store.

        For the scheduled refresher: it runs well before expiry, so the shared store
        always holds a token the other containers can use without asking Lean. Writing the
        store is the refresher's whole job, so a failed write raises (the ConnectorError of
        the store) instead of being logged and swallowed as :meth:`api_token` does.
        """
        with self._api_lock:
            token = self._mint(API_SCOPE)
            self._remember(API_SCOPE, _Cached(token, self._refresh_at(token)))
            if self.token_store is not None:
                self.token_store.write(token)
            return token

    def customer_token(self, customer_id: str, *, min_validity_s: float = 600) -> AccessToken:
        """A ``customer.<id>`` token with >= ``min_validity_s`` left (LinkSDK needs 10 min)."""
        if (
            not isinstance(customer_id, str)
            or not customer_id.strip()
            or any(c.isspace() for c in customer_id)
        ):
            raise InvalidRequestError(
                f"customer_id must be a Lean customer id without spaces; got {customer_id!r}"
            )
        scope = f"customer.{customer_id}"
        token = self._valid_for(scope, min_validity_s)
        if token is not None:
            return token
        with self._customer_locks[hash(scope) % _LOCK_STRIPES]:
            token = self._valid_for(scope, min_validity_s)
            if token is not None:
                return token
            token = self._mint(scope)
            left = token.seconds_left(self._clock())
            if left < min_validity_s:
                raise AuthError(
                    f"Lean's token endpoint issued a {scope} token valid for {left:.0f} s, less "
                    f"than the {min_validity_s:.0f} s asked for: lower min_validity_s or check "
                    "the token lifetime configured for the application"
                )
            self._remember(scope, _Cached(token, token.expires_at - min_validity_s), prune=True)
            return token

    # -- cache ---------------------------------------------------------------------------

    def _fresh_cached(self, scope: str) -> AccessToken | None:
        cached = self._cache.get(scope)
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.token
        return None

    def _valid_for(self, scope: str, min_validity_s: float) -> AccessToken | None:
        cached = self._cache.get(scope)
        if cached is not None and cached.token.seconds_left(self._clock()) >= min_validity_s:
            return cached.token
        return None

    def _refresh_at(self, token: AccessToken) -> float:
        # A token shorter-lived than twice the margin (a test lifetime, say) would otherwise be
        # "due" the moment it arrives and be re-requested on every call: use half its life.
        lifetime = token.seconds_left(self._clock())
        return token.expires_at - min(self.refresh_margin_s, lifetime / 2)

    def _remember(self, scope: str, cached: _Cached, *, prune: bool = False) -> None:
        with self._cache_lock:
            if prune:
                # Expired customer tokens go when a new one arrives, so a batch job seeing
                # thousands of customers does not keep them all.
                now = self._clock()
                for expired in [
                    s
                    for s, c in self._cache.items()
                    if s != API_SCOPE and c.token.expires_at <= now
                ]:
                    del self._cache[expired]
            self._cache[scope] = cached

    # -- token store ---------------------------------------------------------------------

    def _from_store(self) -> AccessToken | None:
        if self.token_store is None:
            return None
        try:
            token = self.token_store.read()
        except ConnectorError as exc:
            # The store is an optimisation: without it this container asks Lean itself.
            log.warning("auth.token_store_unreadable", error=type(exc).__name__, reason=str(exc))
            return None
        if token is None or token.scope != API_SCOPE:
            return None
        left = token.seconds_left(self._clock())
        if left < self.refresh_margin_s or _fingerprint(token.value) == self._rejected:
            return None
        log.info("auth.token_refreshed", scope=token.scope, expires_in=int(left), source="store")
        return token

    def _to_store(self, token: AccessToken) -> None:
        # A reader (write_token_store=False) has no PutSecretValue grant: trying would only
        # log AccessDenied each time it mints, e.g. before the refresher's first run.
        if self.token_store is None or not self.write_token_store:
            return
        try:
            self.token_store.write(token)
        except ConnectorError as exc:
            log.warning("auth.token_store_write_failed", error=type(exc).__name__, reason=str(exc))

    # -- the token endpoint --------------------------------------------------------------

    def _mint(self, scope: str, *, secret_refetched: bool = False) -> AccessToken:
        form = {
            "client_id": self.client_id,
            "client_secret": self._client_secret(),
            "grant_type": "client_credentials",
            "scope": scope,
        }
        with self._count_lock:
            self.token_requests += 1
        try:
            status, raw_body = self._post_form(self.token_url, form)
        except TLSVerificationError:
            raise  # a trust or certificate fault: retrying the endpoint cannot fix it
        except TransportError as exc:
            raise self._endpoint_down(f"is unreachable ({exc.message})") from exc
        body: Mapping[str, Any] = raw_body if isinstance(raw_body, Mapping) else {}
        error = body.get("error")
        if status == 200 and error is None:
            return self._parse_token(scope, body)
        if status == 401 or error == "invalid_client":
            if self._refresh_secret is not None and not secret_refetched:
                # The secret may have been rotated since we cached it: re-read it once.
                log.warning("auth.client_secret_rejected", client_id=self.client_id, retry=True)
                self._refresh_secret()
                return self._mint(scope, secret_refetched=True)
            raise AuthError(self._invalid_client_message())
        if status == 429:
            # Lean is shedding load: like a 5xx this passes, so it is retried with backoff.
            raise self._endpoint_down("is rate-limiting token requests (HTTP 429)")
        if status >= 500:
            raise self._endpoint_down(f"is failing (HTTP {status})")
        if isinstance(error, str) and error:
            hint = _ERROR_HINTS.get(error, "check the application's settings in the Lean dashboard")
            raise AuthError(
                f"Lean's token endpoint refused a {scope} token for client_id {self.client_id} "
                f"(HTTP {status} {error}): {hint}"
            )
        raise AuthError(
            f"Lean's token endpoint {self.token_url} answered HTTP {status} without an OAuth "
            "error code: check that endpoints.auth is Lean's auth host (the token URL is "
            "<endpoints.auth>/oauth2/token)"
        )

    def _parse_token(self, scope: str, body: Mapping[str, Any]) -> AccessToken:
        value = body.get("access_token")
        expires_in = body.get("expires_in")
        if (
            not isinstance(value, str)
            or not value
            or isinstance(expires_in, bool)
            or not isinstance(expires_in, int | float)
            or expires_in <= 0
        ):
            raise AuthError(
                f"Lean's token endpoint {self.token_url} answered 200 without a usable "
                f"access_token and expires_in (keys: {sorted(body)}): check endpoints.auth"
            )
        granted = body.get("scope")
        token = AccessToken(
            value=value,
            scope=granted if isinstance(granted, str) and granted else scope,
            expires_at=self._clock() + float(expires_in),
        )
        log.info(
            "auth.token_refreshed", scope=token.scope, expires_in=int(expires_in), source="endpoint"
        )
        return token

    def _invalid_client_message(self) -> str:
        # A literal secret's "reference" is the secret itself: only name real references.
        ref = self._secret_reference
        where = (
            f"the secret {ref}"
            if ref and is_reference(ref)
            else "the secret auth.client_secret refers to"
        )
        return (
            f"Lean's token endpoint rejected auth.client_secret for client_id {self.client_id} "
            "(invalid_client): the secret may have been regenerated in the Lean dashboard — "
            f"update {where} with the current client secret, or check auth.client_id and the "
            "environment (sandbox and production have different clients)"
        )

    def _endpoint_down(self, what: str) -> AuthError:
        # Unlike a rejected credential, an unreachable endpoint may recover: retryable.
        # Said without "retrying": by the time a caller reads this, retries are over.
        return AuthError(
            f"Lean's token endpoint {self.token_url} {what}: no token could be obtained; this "
            "can pass, so try again later, and if it persists check endpoints.auth and the "
            "network path",
            retryable=True,
        )
