"""Secret references: the grammar, the parsed :class:`SecretReference`, and the parser.

Forms: ``aws-sm://<name or ARN>[#json.key][?stage=<stage>|version=<id>]``,
``aws-ssm://<parameter name>``, ``env://VAR``, ``file:///abs/path`` (``#json.key`` on any of
them); anything else is a literal. Parsing is pure (no store, no environment), so parsed
references are cached; a literal never is, because it is the secret value itself.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Literal

from lean_connector.errors import SecretError

__all__ = [
    "REFERENCE_PREFIXES",
    "CacheKey",
    "Scheme",
    "SecretReference",
    "describe_reference",
    "is_reference",
    "parse_reference",
]

REFERENCE_PREFIXES = ("aws-sm://", "aws-ssm://", "env://", "file://")

Scheme = Literal["aws-sm", "aws-ssm", "env", "file", "literal"]
CacheKey = tuple[str, str, str | None, str | None]

_FORMS: dict[str, str] = {
    "aws-sm": "aws-sm://<name or ARN>[#json.key][?stage=AWSCURRENT|version=<id>]",
    "aws-ssm": "aws-ssm://<parameter name>[#json.key]",
    "env": "env://VAR_NAME[#json.key]",
    "file": "file:///absolute/path[#json.key]",
}
_SM_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:.+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Secrets Manager version ids are 32-64 characters (UUIDs in practice); stage labels 1-256.
_VERSION_ID = re.compile(r"[A-Za-z0-9-]{32,64}")
_STAGE = re.compile(r"[A-Za-z0-9_+=,.@:/-]{1,256}")


@dataclass(frozen=True)
class SecretReference:
    """A parsed reference. For a literal, ``text`` is the value: str()/repr() hide it."""

    scheme: Scheme
    name: str
    json_key: str | None = None
    stage: str | None = None
    version: str | None = None
    text: str = ""

    def __str__(self) -> str:
        return "<literal>" if self.scheme == "literal" else self.text

    def __repr__(self) -> str:
        return f"SecretReference({self})"

    @property
    def region(self) -> str | None:
        """The region named by a Secrets Manager ARN (it must be asked there), else None."""
        match = _SM_ARN.fullmatch(self.name) if self.scheme == "aws-sm" else None
        return match.group("region") if match else None

    @property
    def cache_key(self) -> CacheKey:
        """What one store call fetches: no stage and no version means AWSCURRENT."""
        stage = self.stage
        if self.scheme == "aws-sm" and stage is None and self.version is None:
            stage = "AWSCURRENT"
        return (self.scheme, self.name, stage, self.version)


def describe_reference(text: str, field: str | None) -> str:
    """How messages name a reference: ``field (reference)``; a literal shows as <literal>."""
    shown = text if "://" in text else "<literal>"
    # A NUL or newline pasted into a reference must not break the one-line message.
    shown = _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", shown)
    return f"{field} ({shown})" if field else shown


def parse_reference(text: str, *, field: str | None = None) -> SecretReference:
    """Parse a reference; SecretError naming the field and the valid form if malformed."""
    scheme, sep, _ = text.partition("://")
    if not sep or scheme not in _FORMS:
        # Not cached: a literal is the value itself, and a module-level cache of secret
        # values would outlive every resolver.
        return SecretReference("literal", "", text=text)
    try:
        return _parse_cached(text)
    except SecretError:
        if field is None:
            raise
    return _parse(text, field)  # malformed: raises again, this time naming the field


# Parsing is pure, and resolve() parses on every call: cached, a cache hit stays cheap.
# Exceptions are not cached by lru_cache, so a malformed reference is parsed (and refused)
# each time it is used.
@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> SecretReference:
    return _parse(text, None)


def _parse(text: str, field: str | None) -> SecretReference:
    """Parse text whose scheme is one of _FORMS."""
    scheme, _, rest = text.partition("://")

    def malformed(problem: str) -> SecretError:
        return SecretError(
            f"{describe_reference(text, field)}: malformed secret reference: {problem}; "
            f"expected {_FORMS[scheme]}",
            reference=text,
        )

    if _CONTROL.search(rest):
        raise malformed("it contains a control character (NUL, newline, ...); remove it")
    if scheme in ("env", "file"):
        # '#json.key' works here too, so a local JSON file can mirror a Secrets Manager secret.
        name, hash_sign, json_key = rest.partition("#")
        if hash_sign and not json_key:
            raise malformed("'#' must be followed by a JSON key")
        if scheme == "env" and not name:
            raise malformed("the variable name is empty")
        if scheme == "env" and not _ENV_NAME.fullmatch(name):
            raise malformed(f"{name!r} is not an environment variable name")
        if scheme == "file" and not name.startswith("/"):
            raise malformed("the path must be absolute (three slashes: file:///path)")
        kind: Scheme = "env" if scheme == "env" else "file"
        return SecretReference(kind, name, json_key=json_key or None, text=text)

    body, question, query = rest.partition("?")
    if "#" in query:  # accept "name?stage=X#key" as well as "name#key?stage=X"
        query, _, key_after = query.partition("#")
        body = f"{body}#{key_after}"
    name, hash_sign, json_key = body.partition("#")
    if not name:
        raise malformed("the secret name is empty")
    if hash_sign and not json_key:
        raise malformed("'#' must be followed by a JSON key")
    if scheme == "aws-sm" and name.startswith("arn:") and not _SM_ARN.fullmatch(name):
        raise malformed("not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:…)")
    options: dict[str, str] = {}
    if question:
        if scheme == "aws-ssm":
            raise malformed("aws-ssm references take no ?query")
        for item in query.split("&"):
            key, _, value = item.partition("=")
            if key not in ("stage", "version"):
                raise malformed(f"unknown query key {key!r} (only stage= or version=)")
            if not value or key in options:
                raise malformed(f"{key}= must be given once, with a value")
            options[key] = value
        if len(options) > 1:
            raise malformed("give stage= or version=, not both")
        if "version" in options and not _VERSION_ID.fullmatch(options["version"]):
            raise malformed(
                "version= must be a Secrets Manager version id (32 to 64 letters, digits "
                "or hyphens, a UUID in practice)"
            )
        if "stage" in options and not _STAGE.fullmatch(options["stage"]):
            raise malformed(
                "stage= must be a staging label such as AWSCURRENT or AWSPREVIOUS "
                "(1 to 256 letters, digits or _+=,.@:/-)"
            )
    return SecretReference(
        "aws-sm" if scheme == "aws-sm" else "aws-ssm",
        name,
        json_key=json_key or None,
        stage=options.get("stage"),
        version=options.get("version"),
        text=text,
    )


def is_reference(text: str) -> bool:
    """True when ``text`` is a secret reference rather than a literal value."""
    return text.startswith(REFERENCE_PREFIXES)
