"""Where a shared OAuth api token lives: the :class:`TokenStore` protocol, the
:class:`AccessToken` it holds, and :class:`SecretTokenStore` (one Secrets Manager secret).

Part of the credentials (``auth.py`` re-exports all three): a scheduled refresher writes the
token, every container reads it, so a fleet of Lambdas makes one token request per refresh
period instead of one per container.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from lean_connector.errors import SecretNotFoundError, SpecError
from lean_connector.logs import get_logger

if TYPE_CHECKING:  # secrets.py pulls in the AWS helpers: only for the annotation
    from lean_connector.secrets import SecretResolver

__all__ = ["AccessToken", "SecretTokenStore", "TokenStore"]

# The auth logger, as before the split: log consumers filter auth.* events by it.
log = get_logger("lean_connector.auth._credentials")


@dataclass(frozen=True)
class AccessToken:
    """An OAuth access token. ``repr``/``str`` never show ``value``."""

    value: str = field(repr=False)
    scope: str
    expires_at: float  # epoch seconds (time.time())

    def seconds_left(self, now: float | None = None) -> float:
        """Seconds until expiry (negative once expired); ``now`` defaults to ``time.time()``."""
        return self.expires_at - (time.time() if now is None else now)


class TokenStore(Protocol):
    """Where a shared api token lives (e.g. written by a scheduled token-refresher Lambda)."""

    def read(self) -> AccessToken | None:
        """The stored token, or None when there is none (or it is unreadable)."""

    def write(self, token: AccessToken) -> None:
        """Store ``token`` for the other containers to pick up."""


class SecretTokenStore:
    """A :class:`TokenStore` in one Secrets Manager secret: ``{access_token, scope, expires_at}``.

    Reads go through the resolver's cache; when the cached token is within
    ``refresh_margin_s`` of expiry, the cache entry is refreshed first, because a
    refresher elsewhere has most likely written a newer token by then.
    """

    def __init__(
        self,
        resolver: SecretResolver,
        reference: str,
        *,
        refresh_margin_s: float = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not reference.startswith("aws-sm://") or "#" in reference or "?" in reference:
            raise SpecError(
                "auth.token_store must name a whole Secrets Manager secret, like "
                f"aws-sm://lean/dev/api-token (no #key, no ?stage/version); got {reference!r}",
                field="auth.token_store",
            )
        self.reference = reference
        self.refresh_margin_s = refresh_margin_s
        self._resolver = resolver
        self._clock = clock

    def read(self) -> AccessToken | None:
        """The stored token; None when the secret has no value yet or is not a token."""
        token = self._read_once()
        if token is None or token.seconds_left(self._clock()) >= self.refresh_margin_s:
            return token
        self._resolver.refresh(self.reference)
        return self._read_once()

    def write(self, token: AccessToken) -> None:
        """Put ``token`` as the secret's new current version."""
        payload = {
            "access_token": token.value,
            "scope": token.scope,
            "expires_at": token.expires_at,
        }
        self._resolver.put(self.reference, json.dumps(payload))

    def _read_once(self) -> AccessToken | None:
        try:
            text = self._resolver.resolve(self.reference, field="auth.token_store").reveal()
        except SecretNotFoundError:
            return None  # nothing written yet: the first refresh will create the value
        try:
            data = json.loads(text)
            token = AccessToken(
                value=data["access_token"],
                scope=data["scope"],
                expires_at=float(data["expires_at"]),
            )
        except (ValueError, TypeError, KeyError):
            log.warning(
                "auth.token_store_invalid",
                reference=self.reference,
                reason="not JSON with access_token, scope and expires_at",
            )
            return None
        if not isinstance(token.value, str) or not token.value or not isinstance(token.scope, str):
            log.warning("auth.token_store_invalid", reference=self.reference, reason="wrong types")
            return None
        return token
