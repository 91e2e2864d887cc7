"""RS256 JSON Web Tokens for the local sandbox's OAuth endpoint, built on ``cryptography``.

Written by hand (no pyjwt) so the sandbox adds no dependency; it signs only what it issues
and verifies strictly: the header must say RS256, the signature must match its own key,
``exp`` must be in the future and ``iss`` must be the sandbox.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

__all__ = ["InvalidTokenError", "TokenSigner"]


class InvalidTokenError(ValueError):
    """The bearer token is malformed, not signed by this sandbox, expired or from another issuer."""


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidTokenError("token segment is not base64url") from exc


def _json_segment(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url_decode(text))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidTokenError(f"token {what} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidTokenError(f"token {what} is not a JSON object")
    return value


class TokenSigner:
    """Holds one RSA key; issues and verifies RS256 JWTs for ``issuer``."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.key_id = uuid.uuid4().hex

    @property
    def public_key_pem(self) -> bytes:
        """The verification key, for users who want to check tokens themselves."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def issue(
        self, *, subject: str, scope: str, lifetime_s: float, now: float | None = None
    ) -> str:
        """A signed token with claims iss, sub, scope, iat, exp and jti."""
        issued_at = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "scope": scope,
            "iat": issued_at,
            "exp": issued_at + int(lifetime_s),
            "jti": str(uuid.uuid4()),
        }
        return self.sign(claims)

    def sign(self, claims: Mapping[str, Any]) -> str:
        """Sign arbitrary claims (tests use it to forge tokens with odd claims)."""
        header = {"alg": "RS256", "typ": "JWT", "kid": self.key_id}
        signing_input = ".".join(
            _b64url_encode(json.dumps(part, separators=(",", ":")).encode())
            for part in (header, dict(claims))
        )
        signature = self._key.sign(
            signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
        )
        return f"{signing_input}.{_b64url_encode(signature)}"

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """The claims of a token this signer issued; :class:`InvalidTokenError` says why not."""
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidTokenError("token is not a JWT (expected three dot-separated parts)")
        header = _json_segment(parts[0], "header")
        if header.get("alg") != "RS256" or header.get("typ", "JWT") != "JWT":
            raise InvalidTokenError(f"token algorithm {header.get('alg')!r} is not RS256")
        try:
            self._key.public_key().verify(
                _b64url_decode(parts[2]),
                f"{parts[0]}.{parts[1]}".encode("ascii"),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, UnicodeEncodeError) as exc:
            raise InvalidTokenError("token signature does not match this sandbox's key") from exc
        claims = _json_segment(parts[1], "claims")
        if claims.get("iss") != self.issuer:
            raise InvalidTokenError("token was issued by another issuer")
        expires = claims.get("exp")
        if not isinstance(expires, int) or isinstance(expires, bool):
            raise InvalidTokenError("token has no numeric exp claim")
        if expires <= (time.time() if now is None else now):
            raise InvalidTokenError("token has expired")
        return claims
