"""Which spec fields hold secret references, and how a reference is told from a literal.

The lowest module of the spec package: no third-party library, nothing from the rest of
the spec, so the section models, the rules and the sources can all use it. What a
reference looks like belongs to the secrets package.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from lean_connector.secrets import is_reference

__all__ = [
    "LITERAL_REDACTED",
    "NO_PRIVATE_KEY_SCHEMA",
    "PRIVATE_KEY_MARKER",
    "REFERENCE_FIELDS",
    "REFERENCE_HELP",
    "SECRET_FIELDS",
    "field_value",
    "holds_private_key",
    "printable",
    "redact_private_keys",
]

LITERAL_REDACTED = "<literal, redacted>"
REFERENCE_HELP = "a reference (aws-sm://, aws-ssm://, env:// or file://)"
# The tail of every PEM private-key header: PRIVATE KEY, RSA/EC/ENCRYPTED/OPENSSH PRIVATE KEY.
PRIVATE_KEY_MARKER = "PRIVATE KEY-----"

# Fields that may hold a secret reference (resolved by secrets.py) ...
REFERENCE_FIELDS: tuple[str, ...] = (
    "auth.app_token",
    "auth.client_secret",
    "mtls.certificate",
    "mtls.private_key",
    "mtls.private_key_password",
    "mtls.ca_chain",
    "webhooks.secret",
)
# ... and the subset that is secret. Certificates and Lean's CA chain are public.
SECRET_FIELDS: tuple[str, ...] = (
    "auth.app_token",
    "auth.client_secret",
    "mtls.private_key",
    "mtls.private_key_password",
    "webhooks.secret",
)
# Per reference field: a pasted private key is refused in every environment.
NO_PRIVATE_KEY_SCHEMA: dict[str, Any] = {
    "not": {"type": "string", "pattern": PRIVATE_KEY_MARKER},
}


# base64 text, possibly wrapped: what a key looks like once encoded for an env var or a form.
_BASE64_TEXT = re.compile(r"[A-Za-z0-9+/=\s]{64,}")
# DER starts: PKCS#8 and PKCS#1/SEC1 keys are a SEQUENCE whose first element is a small
# INTEGER version (0 or 1); an encrypted PKCS#8 key names PBES2 (1.2.840.113549.1.5.13).
_DER_KEY_VERSION = re.compile(rb"\A\x30(?:\x82..|\x81.|[\x00-\x7f])\x02\x01[\x00\x01]", re.DOTALL)
_PBES2_OID = bytes.fromhex("06092a864886f70d01050d")


def _decodes_to_private_key(text: str) -> bool:
    """True when ``text`` is base64 of a PEM private key or of a DER private key."""
    if not _BASE64_TEXT.fullmatch(text.strip()):
        return False
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return False
    if PRIVATE_KEY_MARKER.encode() in decoded:
        return True
    return bool(_DER_KEY_VERSION.match(decoded)) or (
        decoded.startswith(b"\x30") and _PBES2_OID in decoded[:64]
    )


_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?-----END [A-Z0-9 ]+-----", re.DOTALL)


def printable(text: str, limit: int = 60) -> str:
    """``text`` as a message may show it: control and other unprintable characters escaped
    (a NUL or newline must not break a one-line error), cut after ``limit`` characters."""
    shown = "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text[: limit + 1]
    )
    return shown if len(text) <= limit else shown[:limit] + "..."


def holds_private_key(value: object) -> bool:
    """True for a literal (not a reference) that holds a private key: PEM, or base64-encoded
    (a PEM key, or the DER key a PEM body is), alone or next to PEM certificates."""
    if not isinstance(value, str) or is_reference(value):
        return False
    if PRIVATE_KEY_MARKER in value:
        return True
    outside_pem = _PEM_BLOCK.sub("", value) if "-----BEGIN " in value else value
    return _decodes_to_private_key(outside_pem)


def redact_private_keys(data: dict[str, Any]) -> None:
    """Replace, in place and in every section, each literal holding a private key."""
    for key, value in data.items():  # the spec has sections (dicts) but no lists
        if isinstance(value, dict):
            redact_private_keys(value)
        elif holds_private_key(value):
            data[key] = LITERAL_REDACTED


def field_value(spec: Any, dotted: str) -> Any:
    """The value at a dotted path such as ``mtls.certificate`` (None if a section is unset)."""
    value = spec
    for part in dotted.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return value
