"""The spec: one declarative description of how to reach Lean, per stage.

Sources, first wins: explicit arguments to :func:`load_spec` > ``LEAN_*`` environment
variables (nested with ``__``) > the YAML file passed in or named by ``LEAN_CONNECTOR_SPEC`` >
defaults. Unknown keys are errors in every source, so a typo never goes unnoticed.
Environment variables starting with ``LEAN_CONNECTOR_`` belong to the tool (spec path,
debug switch) and are never read as spec fields.

This module and ``spec_sources.py`` (part of the spec: the YAML and env sources) are the
only ones that import pydantic, pydantic-settings and PyYAML. It does not import
``secrets.py`` (which imports this module); a reference is recognised here by its prefix.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lean_connector import spec_sources
from lean_connector.spec_rules import (
    HOSTS,
    LITERAL_REDACTED,
    NO_PRIVATE_KEY_SCHEMA,
    REFERENCE_FIELDS,
    REFERENCE_HELP,
    REFERENCE_PREFIXES,
    SCHEMA_RULES,
    SECRET_FIELDS,
    Endpoints,
    RuleViolationsError,
    field_value,
    holds_private_key,
    is_reference,
    redact_private_keys,
    resolve_endpoints,
    rule_violations,
    spec_error_from_errors,
)
from lean_connector.spec_sources import (
    ENV_PREFIX,
    SPEC_PATH_ENV,
    CheckedEnvSource,
    YamlFileSource,
    section_model,
    spec_file_data,
    yaml_source_data,
)

# Defined in spec_sources; importable from here, as before the split.
from lean_connector.spec_sources import TOOL_ENV_PREFIX as TOOL_ENV_PREFIX
from lean_connector.spec_sources import read_spec_file as read_spec_file

__all__ = [
    "HOSTS",
    "LITERAL_REDACTED",
    "REFERENCE_FIELDS",
    "REFERENCE_PREFIXES",
    "SECRET_FIELDS",
    "SPEC_PATH_ENV",
    "AuthMode",
    "AuthSpec",
    "Endpoints",
    "EndpointsSpec",
    "Environment",
    "HttpSpec",
    "LeanSpec",
    "LoggingSpec",
    "MTLSSpec",
    "Region",
    "RetrySpec",
    "SecretsSpec",
    "SyncSpec",
    "WebhooksSpec",
    "is_reference",
    "load_spec",
    "redacted_dump",
    "resolve_endpoints",
    "secret_references",
    "spec_json_schema",
]


class Environment(StrEnum):
    """Lean environment."""

    sandbox = "sandbox"
    production = "production"


class Region(StrEnum):
    """Lean region: ae (UAE) or sa (KSA)."""

    ae = "ae"
    sa = "sa"


class AuthMode(StrEnum):
    """How requests authenticate to Lean."""

    mtls = "mtls"
    oauth = "oauth"
    app_token = "app_token"


class _Section(BaseModel):
    """A spec section: unknown keys are errors; repr never shows a literal secret."""

    model_config = ConfigDict(extra="forbid")
    _secret_keys: ClassVar[frozenset[str]] = frozenset()

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            secret = name in self._secret_keys and isinstance(value, str)
            if (secret and not is_reference(value)) or holds_private_key(value):
                yield name, LITERAL_REDACTED
            else:
                yield name, value


def _ref(what: str) -> Any:
    return Field(
        default=None,
        description=f"{what}. May be {REFERENCE_HELP}; a literal private key is refused.",
        json_schema_extra=NO_PRIVATE_KEY_SCHEMA,
    )


class AuthSpec(_Section):
    """Credentials: which auth mode, and where its secrets live."""

    _secret_keys = frozenset({"app_token", "client_secret"})
    mode: AuthMode = Field(
        description="mtls: client certificate + lean-app-token; oauth: Authorization: Bearer "
        "<JWT from client_credentials>; app_token: lean-app-token only (sandbox only)."
    )
    app_token: str | None = _ref(
        "The Lean app token (application id); required for mtls and app_token modes"
    )
    client_id: str | None = Field(
        default=None, description="OAuth client id: the Lean application id (oauth mode)."
    )
    client_secret: str | None = _ref("OAuth client secret (oauth mode)")
    token_store: str | None = Field(
        default=None,
        description="Optional aws-sm:// secret holding the api token shared by a scheduled "
        "refresher, so a fleet makes one token request per refresh period (oauth mode).",
    )
    token_store_write: bool = Field(
        default=True,
        description="Whether this process writes tokens it mints to auth.token_store; set "
        "false for every function but the scheduled refresher, whose role alone may write.",
    )
    refresh_margin_s: float = Field(
        default=300, ge=0, description="Refresh a cached token this many seconds before expiry."
    )


class MTLSSpec(_Section):
    """Client certificate and Lean's CA chain."""

    _secret_keys = frozenset({"private_key", "private_key_password"})
    certificate: str | None = _ref("Client certificate PEM, leaf or leaf + chain (public)")
    private_key: str | None = _ref("Private key PEM of the client certificate")
    private_key_password: str | None = _ref("Password of an encrypted private key")
    ca_chain: str | None = _ref(
        "Lean's public CA chain PEM: trust anchor for the server (any auth mode); "
        "without it the system trust store is used"
    )


class WebhooksSpec(_Section):
    """Webhook receiver settings."""

    _secret_keys = frozenset({"secret"})
    secret: str | None = _ref("The webhook secret from the Lean dashboard (HMAC-SHA512 key)")
    dedupe_table: str | None = Field(
        default=None, description="DynamoDB table used to drop redelivered event_ids."
    )
    queue_url: str | None = Field(default=None, description="SQS queue receiving verified events.")


class EndpointsSpec(_Section):
    """Overrides of the built-in host table (see HOSTS)."""

    api: str | None = Field(
        default=None,
        description="API base URL (https://). Required for auth.mode mtls in sandbox: copy the "
        "mTLS sandbox host from the Lean portal.",
    )
    auth: str | None = Field(
        default=None,
        description="Auth base URL (https://); the token endpoint is {auth}/oauth2/token.",
    )

    @field_validator("api", "auth")
    @classmethod
    def _https_only(cls, value: str | None) -> str | None:
        # No plain-HTTP escape hatch: credentials must never travel unencrypted.
        if value is None:
            return None
        if not value.startswith("https://") or len(value) <= len("https://"):
            raise ValueError("must be an https:// URL such as https://sandbox.leantech.me")
        return value.rstrip("/")


class SecretsSpec(_Section):
    """Secret resolution."""

    cache_ttl_s: float = Field(default=300, ge=0, description="Cache resolved secrets this long.")
    aws_region: str = Field(default="me-central-1", description="AWS region of the secrets.")
    aws_endpoint_url: str | None = Field(
        default=None, description="Custom AWS endpoint (VPC endpoint, moto_server in tests)."
    )


class HttpSpec(_Section):
    """HTTP client settings."""

    connect_timeout_s: float = Field(default=5, gt=0, description="TCP + TLS connect timeout.")
    read_timeout_s: float = Field(
        default=65, gt=0, description="Read timeout; keep above 50 s (Lean's PENDING threshold)."
    )
    pool_size: int = Field(default=16, ge=1, description="Pooled keep-alive connections.")


class RetrySpec(_Section):
    """Retry policy for transient failures."""

    max_attempts: int = Field(default=4, ge=1, description="Attempts per call, first included.")
    max_backoff_s: float = Field(default=20, ge=0, description="Cap of the jittered backoff.")
    max_retry_after_s: float = Field(
        default=60, ge=0, description="Longest Retry-After honoured; longer ones fail at once."
    )
    budget_ratio: float = Field(
        default=0.2, ge=0, description="Retry budget: retries allowed per request made."
    )
    budget_min_retries_per_s: float = Field(
        default=1.0, ge=0, description="Retry budget: retries always allowed per second."
    )


class LoggingSpec(_Section):
    """Structured logging."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        default="INFO", description="Log level (case-insensitive)."
    )
    format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto = json on Lambda / without a TTY, console on a TTY."
    )

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class SyncSpec(_Section):
    """The batch sync job."""

    output: str | None = Field(
        default=None, description="Output directory or s3://bucket/prefix for synced data."
    )
    window_days: int = Field(default=30, ge=1, description="Days of transactions per sync.")
    workers: int = Field(default=8, ge=1, description="Parallel workers.")


class LeanSpec(BaseSettings):
    """lean-connector spec: how to reach the Lean API for one stage."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_ignore_empty=True,
        env_parse_none_str="null",
        case_sensitive=False,
        extra="forbid",
        title="lean-connector spec",
        json_schema_extra=SCHEMA_RULES,
    )

    environment: Environment = Field(description="Lean environment: sandbox or production.")
    region: Region = Field(default=Region.ae, description="ae (UAE) or sa (KSA).")
    auth: AuthSpec = Field(description="Credentials.")
    mtls: MTLSSpec | None = Field(
        default=None, description="Required for auth.mode mtls; ca_chain alone sets trust."
    )
    webhooks: WebhooksSpec | None = Field(default=None, description="Webhook receiver.")
    endpoints: EndpointsSpec = Field(default_factory=EndpointsSpec, description="Host overrides.")
    secrets: SecretsSpec = Field(default_factory=SecretsSpec, description="Secret resolution.")
    http: HttpSpec = Field(default_factory=HttpSpec, description="HTTP client.")
    retry: RetrySpec = Field(default_factory=RetrySpec, description="Retry policy.")
    logging: LoggingSpec = Field(default_factory=LoggingSpec, description="Logging.")
    sync: SyncSpec = Field(default_factory=SyncSpec, description="Batch sync job.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments > checked LEAN_* env > YAML file; no dotenv or secrets-dir sources."""
        return init_settings, CheckedEnvSource(settings_cls), YamlFileSource(settings_cls)

    @model_validator(mode="after")
    def _cross_field_rules(self) -> LeanSpec:
        violations = rule_violations(self)
        if violations:
            raise RuleViolationsError(violations)
        return self


def _allowed_keys() -> dict[str, list[str]]:
    """Dotted section ('' = top level) -> its field names, for unknown-key hints."""
    allowed = {"": list(LeanSpec.model_fields)}
    for name, info in LeanSpec.model_fields.items():
        section = section_model(info.annotation)
        if section is not None:
            allowed[name] = list(section.model_fields)
    return allowed


def check_env(environ: Mapping[str, str]) -> None:
    """Refuse LEAN_* variables that name no spec field, or give a section a non-JSON value."""
    spec_sources.check_env(environ, LeanSpec)


def load_spec(path: str | os.PathLike[str] | None = None, **overrides: Any) -> LeanSpec:
    """Build the spec from arguments > LEAN_* env > YAML file (``path`` or LEAN_CONNECTOR_SPEC).

    ``overrides`` are nested dicts, like pydantic init arguments:
    ``load_spec(auth={"mode": "oauth"})``. Raises :class:`SpecError` with ``field`` set.
    """
    with yaml_source_data(spec_file_data(path)):
        try:
            return LeanSpec(**overrides)
        except ValidationError as exc:
            # `from None`: pydantic's error text echoes input values, which may be secrets.
            errors = exc.errors(include_url=False)
            raise spec_error_from_errors(errors, _allowed_keys()) from None


def secret_references(spec: LeanSpec) -> dict[str, str]:
    """Dotted field -> reference text (or literal) for every set REFERENCE_FIELD."""
    found = {field: field_value(spec, field) for field in REFERENCE_FIELDS}
    return {field: value for field, value in found.items() if value is not None}


def redacted_dump(spec: LeanSpec) -> dict[str, Any]:
    """The spec as JSON-able data: references shown, literal secrets '<literal, redacted>'.

    Any literal holding a private key is redacted too, whatever its field: the dump is
    printed, and a key pasted into a public field must not reach a terminal or CI log.
    """
    data = spec.model_dump(mode="json")
    for field in SECRET_FIELDS:
        section, key = field.split(".")
        values = data.get(section)
        if not isinstance(values, dict):
            continue
        value = values.get(key)
        if isinstance(value, str) and not is_reference(value):
            values[key] = LITERAL_REDACTED
    redact_private_keys(data)
    return data


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of the spec, as written to schemas/lean-connector-spec.schema.json."""
    schema = LeanSpec.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
