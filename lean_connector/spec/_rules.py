"""The spec's cross-field rules, and pydantic's errors as one-line messages.

Every message names the field and says what to do; none echoes a secret value.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from lean_connector.errors import SecretError, SpecError
from lean_connector.secrets import is_reference, parse_reference
from lean_connector.spec._fields import (
    REFERENCE_FIELDS,
    REFERENCE_HELP,
    SECRET_FIELDS,
    field_value,
    holds_private_key,
    printable,
)
from lean_connector.spec._sections import SpecParts

__all__ = [
    "SCHEMA_RULES",
    "RuleViolationsError",
    "rule_violations",
    "spec_error_from_errors",
    "unknown_key_message",
]

_MISSING_HINTS = {
    "environment": " (sandbox or production)",
    "auth": " (a section with at least auth.mode)",
    "auth.mode": " (mtls, oauth or app_token)",
}
# Enum-like fields whose bad value is safe and useful to repeat in a message.
_ECHO_SAFE = frozenset({"environment", "region", "auth.mode", "logging.level", "logging.format"})


# In production a secret field holds an AWS reference (or null).
_AWS_ONLY: dict[str, Any] = {"anyOf": [{"type": "null"}, {"pattern": "^aws-(sm|ssm)://"}]}

# The cross-field rules, also written as JSON Schema so editors flag them early.
SCHEMA_RULES: dict[str, Any] = {
    "allOf": [
        {
            "if": {"properties": {"auth": {"properties": {"mode": {"const": "mtls"}}}}},
            "then": {
                "required": ["mtls"],
                "properties": {
                    "auth": {"required": ["app_token"]},
                    "mtls": {"required": ["certificate", "private_key"]},
                },
            },
        },
        {
            "if": {"properties": {"auth": {"properties": {"mode": {"const": "oauth"}}}}},
            "then": {"properties": {"auth": {"required": ["client_id", "client_secret"]}}},
        },
        {
            "if": {"properties": {"auth": {"properties": {"mode": {"const": "app_token"}}}}},
            "then": {
                "properties": {
                    "environment": {"const": "sandbox"},
                    "auth": {"required": ["app_token"]},
                }
            },
        },
        {
            "if": {"properties": {"environment": {"const": "production"}}},
            "then": {
                "properties": {
                    "secrets": {"properties": {"aws_endpoint_url": {"pattern": "^https://"}}},
                    "auth": {"properties": {k: _AWS_ONLY for k in ("app_token", "client_secret")}},
                    "mtls": {
                        "properties": {
                            k: _AWS_ONLY for k in ("private_key", "private_key_password")
                        }
                    },
                    "webhooks": {"properties": {"secret": _AWS_ONLY}},
                }
            },
        },
    ]
}


class RuleViolationsError(ValueError):
    """Raised inside pydantic validation; carries (field, message) pairs for SpecError."""

    def __init__(self, violations: Sequence[tuple[str, str]]) -> None:
        super().__init__(violations[0][1])
        self.violations = list(violations)


def rule_violations(spec: SpecParts) -> list[tuple[str, str]]:
    """Every cross-field rule the spec breaks, as (dotted field, one-line message)."""
    auth, mode, env = spec.auth, spec.auth.mode, spec.environment
    # First, so it is the message shown: a key pasted into the spec is the worst problem here.
    found = _private_key_violations(spec) + _malformed_references(spec)
    flagged = {field for field, _ in found}

    def need(field: str, why: str) -> None:
        if field_value(spec, field) is None:
            found.append((field, f"{field} is required {why}"))

    if mode == "mtls":
        need(
            "auth.app_token", f"when auth.mode is mtls: set it to the app token as {REFERENCE_HELP}"
        )
        need(
            "mtls.certificate",
            "when auth.mode is mtls: set it to the client certificate PEM from the Lean portal "
            "(e.g. aws-sm://lean/<stage>/mtls#certificate)",
        )
        need("mtls.private_key", f"when auth.mode is mtls: set it to the key as {REFERENCE_HELP}")
        if env == "sandbox":
            need(
                "endpoints.api",
                "for auth.mode mtls in sandbox: there is no default mTLS sandbox host; copy the "
                "mTLS sandbox host from the Lean portal into endpoints.api",
            )
    elif mode == "oauth":
        need("auth.client_id", "when auth.mode is oauth: set it to the Lean application id")
        need(
            "auth.client_secret",
            f"when auth.mode is oauth: set it to the OAuth client secret as {REFERENCE_HELP}",
        )
    else:
        need("auth.app_token", f"when auth.mode is app_token: set it as {REFERENCE_HELP}")
        if env == "production":
            found.append(
                (
                    "auth.mode",
                    "auth.mode app_token is only allowed with environment sandbox: "
                    "use mtls or oauth in production",
                )
            )
    if mode != "mtls":
        pair = "give both mtls.certificate and mtls.private_key, or neither"
        if field_value(spec, "mtls.certificate") is not None:
            need("mtls.private_key", f"when mtls.certificate is set: {pair}")
        if field_value(spec, "mtls.private_key") is not None:
            need("mtls.certificate", f"when mtls.private_key is set: {pair}")
    if field_value(spec, "mtls.private_key_password") is not None:
        need("mtls.private_key", "when mtls.private_key_password is set: add the key")
    if auth.token_store is not None:
        if not auth.token_store.startswith("aws-sm://"):
            found.append(
                (
                    "auth.token_store",
                    "auth.token_store must be an aws-sm:// reference to the secret the token "
                    "refresher writes (e.g. aws-sm://lean/<stage>/api-token)",
                )
            )
        elif mode != "oauth":
            found.append(
                (
                    "auth.token_store",
                    "auth.token_store only applies to auth.mode oauth: remove it or use oauth",
                )
            )
    if env == "production":
        endpoint = spec.secrets.aws_endpoint_url
        if endpoint is not None and not endpoint.lower().startswith("https://"):
            found.append(
                (
                    "secrets.aws_endpoint_url",
                    "secrets.aws_endpoint_url must be an https:// URL when environment is "
                    "production: over plain http every secret would travel unencrypted; use the "
                    "https:// endpoint (e.g. your Secrets Manager VPC endpoint) or remove it "
                    "(http:// is for moto or LocalStack in sandbox)",
                )
            )
        for field in SECRET_FIELDS:
            value = field_value(spec, field)
            if value is None or field in flagged:
                continue
            if not is_reference(value):
                found.append(
                    (
                        field,
                        f"{field} holds a literal value, which is refused when environment is "
                        f"production: put the value in a secret store and use {REFERENCE_HELP}",
                    )
                )
            elif not value.startswith(_PRODUCTION_SCHEMES):
                scheme = value.partition("://")[0]
                found.append(
                    (
                        field,
                        f"{field} is read from {scheme}://, which is refused when environment "
                        "is production (only aws-sm:// or aws-ssm://): a variable or a file is "
                        "readable by anything on the host; store the value in Secrets Manager "
                        "or SSM and reference it",
                    )
                )
        found += _aws_endpoint_env_violations(os.environ)
    return found


_PRODUCTION_SCHEMES = ("aws-sm://", "aws-ssm://")
# botocore reads these; each would redirect AWS calls past secrets.aws_endpoint_url.
_AWS_ENDPOINT_ENV = "AWS_ENDPOINT_URL"


def _aws_endpoint_env_violations(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> set to anything but https://."""
    found = []
    for name in sorted(environ):
        upper = name.upper()
        if upper != _AWS_ENDPOINT_ENV and not upper.startswith(_AWS_ENDPOINT_ENV + "_"):
            continue
        value = environ[name].strip()
        if value and not value.lower().startswith("https://"):
            found.append(
                (
                    "secrets.aws_endpoint_url",
                    f"environment variable {name} points AWS calls at a URL that is not "
                    "https://, which is refused when environment is production: secrets would "
                    f"travel unencrypted; unset {name} or set an https:// endpoint",
                )
            )
    return found


def _private_key_violations(spec: SpecParts) -> list[tuple[str, str]]:
    """Reference fields whose literal holds a private key (e.g. a cert + key bundle).

    Refused in every environment: the spec file or env is not a secret store, and public
    fields are printed by ``validate``. The message never quotes the value.
    """
    found = []
    for field in REFERENCE_FIELDS:
        if not holds_private_key(field_value(spec, field)):
            continue
        if field == "mtls.private_key":
            fix = "put the key in a secret store and set mtls.private_key to"
        else:
            fix = "put the key in mtls.private_key as"
        found.append(
            (
                field,
                f"{field} holds private key material: {fix} a secret reference "
                "(aws-sm://..., aws-ssm://, env:// or file://)",
            )
        )
    return found


def _malformed_references(spec: SpecParts) -> list[tuple[str, str]]:
    """Reference fields whose reference cannot be parsed (``aws-sm://`` with no name, ...):
    a spec error now, not a failure at the first call."""
    found = []
    for field in REFERENCE_FIELDS:
        value = field_value(spec, field)
        if isinstance(value, str) and is_reference(value):
            try:
                parse_reference(value, field=field)
            except SecretError as exc:
                found.append((field, exc.message))
    return found


def unknown_key_message(path: Sequence[str], allowed: Iterable[str], origin: str) -> str:
    """'unknown key auth.mdoe in <origin>: ... (did you mean auth.mode?)'."""
    import difflib  # only on the error path

    # The key is what was typed: shown escaped and cut, never raw.
    dotted = ".".join(printable(str(part), 40) for part in path)
    parent = ".".join(printable(str(part), 40) for part in path[:-1])
    match = difflib.get_close_matches(str(path[-1]), list(allowed), n=1, cutoff=0.6)
    if match:
        hint = f"did you mean {parent + '.' if parent else ''}{match[0]}?"
    else:
        hint = f"allowed keys{' in ' + parent if parent else ''}: {', '.join(allowed)}"
    return f"unknown key {dotted} in {origin}: remove it or fix its spelling ({hint})"


def spec_error_from_errors(
    errors: Sequence[Mapping[str, Any]], allowed_keys: Mapping[str, Sequence[str]]
) -> SpecError:
    """One SpecError from pydantic's error dicts: the first error, plus '(and N more)'.

    ``allowed_keys`` maps a dotted section ('' for the top) to its field names, for hints.
    Messages are built here, never from pydantic's own text with the input echoed.
    """
    items: list[tuple[str | None, str]] = []
    # An unknown key is usually the cause of the other errors (auth.mdoe -> auth.mode missing).
    ordered = sorted(errors, key=lambda error: error.get("type") != "extra_forbidden")
    for error in ordered:
        ctx = error.get("ctx") or {}
        if isinstance(ctx.get("error"), RuleViolationsError):
            items.extend(ctx["error"].violations)
        else:
            items.append(_describe(error, allowed_keys))
    field, message = items[0]
    if len(items) > 1:
        message += f" (and {len(items) - 1} more)"
    return SpecError(printable(message.replace("\n", " "), 2000), field=field)


def _describe(
    error: Mapping[str, Any], allowed_keys: Mapping[str, Sequence[str]]
) -> tuple[str | None, str]:
    path = [str(part) for part in error.get("loc", ())]
    field = ".".join(path) or None
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    name = field or "the spec"
    if kind == "extra_forbidden":
        allowed = allowed_keys.get(".".join(path[:-1]), ())
        return field, unknown_key_message(path, allowed, "the spec")
    if kind == "missing":
        choices = _MISSING_HINTS.get(name, "")
        return field, f"{name} is required{choices}: add it to the spec file or LEAN_* env"
    if kind in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        return field, f"{name} must be {'>' if 'gt' in ctx else '>='} {bound}"
    if kind in ("less_than", "less_than_equal"):
        bound = ctx.get("lt", ctx.get("le"))
        return field, f"{name} must be {'<' if 'lt' in ctx else '<='} {bound}"
    if kind == "finite_number":
        return field, f"{name} must be a finite number (not inf or nan)"
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type", "int_from_float"):
        return field, f"{name} must be a {'whole ' if kind.startswith('int') else ''}number"
    if kind in ("enum", "literal_error"):
        message = f"{name} must be one of {ctx.get('expected', '?')}"
        value = error.get("input")
        if field in _ECHO_SAFE and isinstance(value, str) and len(value) <= 40:
            message += f", not {value!r}"
        return field, message
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return field, f"{name} must be a section (a mapping of keys), not a single value"
    if kind == "string_type":
        return field, f"{name} must be a string (quote it in YAML)"
    if kind == "value_error":
        reason = str(ctx.get("error", "is invalid"))
        return field, f"{name} {reason}"
    # pydantic's msg describes the expectation (e.g. 'Input should be greater than 0')
    # without the input value.
    return field, f"{name}: {error.get('msg', 'is invalid')}"
