"""Secrets: reference grammar, a cached resolver, one store per scheme.

``_refs`` parses references, ``_stores`` reads and writes each scheme's store (boto3 only
through ``lean_connector._aws``, only when an ``aws-*`` reference is used), ``_resolver``
owns the cache. Values never appear in a repr, a message or a log line.
"""

from __future__ import annotations

from lean_connector.secrets._refs import (
    REFERENCE_PREFIXES,
    Scheme,
    SecretReference,
    describe_reference,
    is_reference,
    parse_reference,
)
from lean_connector.secrets._resolver import SecretResolver, SecretValue

__all__ = [
    "REFERENCE_PREFIXES",
    "Scheme",
    "SecretReference",
    "SecretResolver",
    "SecretValue",
    "describe_reference",
    "is_reference",
    "parse_reference",
]
