"""Test helpers: a local Lean sandbox, test certificates, a mock transport, pytest fixtures.

Nothing here is imported by ``import lean_connector``; it is for tests (ours and users').
``MockTransport`` lets a :class:`~lean_connector.client.LeanConnector` be unit-tested
without a server; the sandbox (``lean_connector.testing.sandbox``) proves the real path.

The names below load on first use: the pytest plugin in this package is imported by every
pytest run of everyone who installs lean-connector, and must stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lean_connector.testing._mock_transport import MockTransport, RecordedRequest, response

__all__ = ["MockTransport", "RecordedRequest", "response"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'lean_connector.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module("lean_connector.testing._mock_transport"), name)
    globals()[name] = value
    return value
