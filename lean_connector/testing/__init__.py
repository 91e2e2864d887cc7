"""Test helpers: a local Lean sandbox, test certificates, a mock transport, pytest fixtures.

Nothing here is imported by ``import lean_connector``; it is for tests (ours and users').
``MockTransport`` lets a :class:`~lean_connector.client.LeanConnector` be unit-tested
without a server; the sandbox (``lean_connector.testing.sandbox``) proves the real path;
``LeanLambda`` (the ``lean_lambda`` fixture) invokes Lambda handlers against it.

The names below load on first use: the pytest plugin in this package is imported by every
pytest run of everyone who installs lean-connector, and must stay cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lean_connector.testing._lambda import FakeLambdaContext, LeanLambda
    from lean_connector.testing._mock_transport import MockTransport, RecordedRequest, response

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "FakeLambdaContext": "lean_connector.testing._lambda",
    "LeanLambda": "lean_connector.testing._lambda",
    "MockTransport": "lean_connector.testing._mock_transport",
    "RecordedRequest": "lean_connector.testing._mock_transport",
    "response": "lean_connector.testing._mock_transport",
}

__all__ = ["FakeLambdaContext", "LeanLambda", "MockTransport", "RecordedRequest", "response"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lean_connector.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
