"""The spec's sections: enums and one pydantic model per YAML section."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lean_connector.secrets import is_reference
from lean_connector.spec._fields import (
    LITERAL_REDACTED,
    NO_PRIVATE_KEY_SCHEMA,
    REFERENCE_HELP,
    holds_private_key,
)

__all__ = [
    "AuthMode",
    "AuthSpec",
    "EndpointsSpec",
    "Environment",
    "HttpSpec",
    "LinkSpec",
    "LoggingSpec",
    "MTLSSpec",
    "Region",
    "RetrySpec",
    "SecretsSpec",
    "SpecParts",
    "SyncSpec",
    "WebhooksSpec",
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

    # inf and nan are refused: no timeout, TTL or backoff means anything infinite.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
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
        default=300,
        ge=0,
        le=3000,
        description="Refresh a cached token this many seconds before expiry.",
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
    max_age_s: float = Field(
        default=21600,
        gt=0,
        le=7 * 86400,
        description="Refuse a signed event whose timestamp is older than this (a replay); "
        "event ids are remembered for this long plus twice the clock skew.",
    )
    clock_skew_s: float = Field(
        default=300,
        ge=0,
        le=3600,
        description="Clock difference allowed between Lean and this receiver, either way.",
    )


class LinkSpec(_Section):
    """The LinkSDK session endpoint (link_session_handler behind an API Gateway authorizer)."""

    app_user_id_claim: str = Field(
        default="sub",
        min_length=1,
        description="The claim of the caller's verified JWT (API Gateway authorizer) that "
        "holds your user id, used as the Lean customer's app_user_id. The request body is "
        "never trusted for it.",
    )


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

    cache_ttl_s: float = Field(
        default=300, ge=0, le=86400, description="Cache resolved secrets this long."
    )
    aws_region: str = Field(default="me-central-1", description="AWS region of the secrets.")
    aws_endpoint_url: str | None = Field(
        default=None, description="Custom AWS endpoint (VPC endpoint, moto_server in tests)."
    )


class HttpSpec(_Section):
    """HTTP client settings."""

    connect_timeout_s: float = Field(
        default=5, gt=0, le=300, description="TCP + TLS connect timeout."
    )
    read_timeout_s: float = Field(
        default=65,
        gt=0,
        le=3600,
        description="Read timeout; keep above 50 s (Lean's PENDING threshold).",
    )
    pool_size: int = Field(default=16, ge=1, le=1024, description="Pooled keep-alive connections.")
    max_response_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        le=2**31,
        description="Largest response body read from Lean (after decompression); a larger one "
        "is refused as it streams in, so it never sits in memory.",
    )


class RetrySpec(_Section):
    """Retry policy for transient failures."""

    max_attempts: int = Field(
        default=4, ge=1, le=100, description="Attempts per call, first included."
    )
    max_backoff_s: float = Field(
        default=20, ge=0, le=3600, description="Cap of the jittered backoff."
    )
    max_retry_after_s: float = Field(
        default=60,
        ge=0,
        le=3600,
        description="Longest Retry-After honoured; longer ones fail at once.",
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

    @property
    def level_if_set(self) -> str | None:
        """The level this spec asks for, or None where it leaves the level to the application."""
        return self.level if "level" in self.model_fields_set else None


class SyncSpec(_Section):
    """The batch sync job."""

    output: str | None = Field(
        default=None, description="Output directory or s3://bucket/prefix for synced data."
    )
    window_days: int = Field(
        default=30, ge=1, le=36500, description="Days of transactions per sync."
    )
    workers: int = Field(default=8, ge=1, le=1024, description="Parallel workers.")
    queue_url: str | None = Field(
        default=None,
        description="SQS queue the planner puts entities on for a fleet of workers "
        "(sync_plan_handler, `lean-connector sync plan`).",
    )


class SpecParts(Protocol):
    """What the rules and the host table read of a spec (LeanSpec has it all)."""

    @property
    def environment(self) -> Environment: ...
    @property
    def region(self) -> Region: ...
    @property
    def auth(self) -> AuthSpec: ...
    @property
    def mtls(self) -> MTLSSpec | None: ...
    @property
    def webhooks(self) -> WebhooksSpec | None: ...
    @property
    def endpoints(self) -> EndpointsSpec: ...
    @property
    def secrets(self) -> SecretsSpec: ...
