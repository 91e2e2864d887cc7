"""The spec: one declarative description of how to reach Lean, per stage.

The only package that imports pydantic and PyYAML. Its modules, lowest first: ``_fields``
(which fields hold references), ``_sections`` (one model per section), ``_hosts`` (the host
table), ``_rules`` (cross-field rules, error messages), ``_yaml`` (spec files, imported only
when one is read), ``_sources`` (YAML file and ``LEAN_*`` env), ``_model`` (``LeanSpec`` and
``load_spec``, which merges the sources).
"""

from __future__ import annotations

from lean_connector.spec._fields import (
    LITERAL_REDACTED,
    REFERENCE_FIELDS,
    SECRET_FIELDS,
    holds_private_key,
)
from lean_connector.spec._hosts import HOSTS, Endpoints, resolve_endpoints
from lean_connector.spec._model import (
    LeanSpec,
    check_env,
    load_spec,
    redacted_dump,
    secret_references,
    spec_json_schema,
)
from lean_connector.spec._sections import (
    AuthMode,
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
from lean_connector.spec._sources import ENV_PREFIX, SPEC_PATH_ENV, TOOL_ENV_PREFIX, read_spec_file

__all__ = [
    "ENV_PREFIX",
    "HOSTS",
    "LITERAL_REDACTED",
    "REFERENCE_FIELDS",
    "SECRET_FIELDS",
    "SPEC_PATH_ENV",
    "TOOL_ENV_PREFIX",
    "AuthMode",
    "AuthSpec",
    "Endpoints",
    "EndpointsSpec",
    "Environment",
    "HttpSpec",
    "LeanSpec",
    "LinkSpec",
    "LoggingSpec",
    "MTLSSpec",
    "Region",
    "RetrySpec",
    "SecretsSpec",
    "SyncSpec",
    "WebhooksSpec",
    "check_env",
    "holds_private_key",
    "load_spec",
    "read_spec_file",
    "redacted_dump",
    "resolve_endpoints",
    "secret_references",
    "spec_json_schema",
]
