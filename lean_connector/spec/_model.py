"""The spec model and how it is loaded.

Sources, first wins: explicit arguments to :func:`load_spec` > ``LEAN_*`` environment
variables (nested with ``__``) > the YAML file passed in or named by ``LEAN_CONNECTOR_SPEC`` >
defaults. Unknown keys are errors in every source, so a typo never goes unnoticed.
Environment variables starting with ``LEAN_CONNECTOR_`` belong to the tool (spec path,
debug switch) and are never read as spec fields.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lean_connector.secrets import is_reference
from lean_connector.spec import _sources
from lean_connector.spec._fields import (
    LITERAL_REDACTED,
    REFERENCE_FIELDS,
    SECRET_FIELDS,
    field_value,
    redact_private_keys,
)
from lean_connector.spec._rules import (
    SCHEMA_RULES,
    RuleViolationsError,
    rule_violations,
    spec_error_from_errors,
)
from lean_connector.spec._sections import (
    AuthSpec,
    EndpointsSpec,
    Environment,
    HttpSpec,
    LinkSpec,
    LoggingSpec,
    MTLSSpec,
    Region,
    RetrySpec,
    SecretsSpec,
    SyncSpec,
    WebhooksSpec,
)
from lean_connector.spec._sources import (
    deep_merge,
    env_data,
    section_model,
    spec_file_data,
)

__all__ = [
    "LeanSpec",
    "check_env",
    "load_spec",
    "redacted_dump",
    "secret_references",
    "spec_json_schema",
]


# Built by load_spec(), which merges arguments, LEAN_* env and the YAML file; the
# constructor takes only what it is given. (The docstring is the JSON schema's description.)
class LeanSpec(BaseModel):
    """lean-connector spec: how to reach the Lean API for one stage."""

    model_config = ConfigDict(
        extra="forbid",
        validate_default=True,
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
    link: LinkSpec = Field(default_factory=LinkSpec, description="LinkSDK session endpoint.")

    def secret_references(self) -> dict[str, str]:
        """Dotted field -> reference text (or literal) for every set reference field."""
        return secret_references(self)

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
    _sources.check_env(environ, LeanSpec)


def load_spec(path: str | os.PathLike[str] | None = None, **overrides: Any) -> LeanSpec:
    """Build the spec from arguments > LEAN_* env > YAML file (``path`` or LEAN_CONNECTOR_SPEC).

    ``overrides`` are nested dicts, like pydantic init arguments:
    ``load_spec(auth={"mode": "oauth"})``. Raises :class:`SpecError` with ``field`` set.
    """
    data = deep_merge(spec_file_data(path), env_data(os.environ, LeanSpec), overrides)
    try:
        return LeanSpec(**data)
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
