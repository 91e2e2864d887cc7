"""A local Lean: HTTPS listeners (one demanding a client certificate), an OAuth token
endpoint issuing RS256 JWTs, Lean-shaped endpoints, errors and fault switches.

``_sandbox`` starts and stops it; ``_server`` is the TLS HTTP server; ``_api`` the
endpoints; ``_oauth`` the token endpoint; ``_data`` the seeded store; ``_faults`` the
fault switches and counters.
"""

from __future__ import annotations

from lean_connector.testing.sandbox._data import BANKS, DataStore, SeededData
from lean_connector.testing.sandbox._faults import Counters, Faults
from lean_connector.testing.sandbox._sandbox import AUTH_MODES, LeanSandbox, serve_forever_cli

__all__ = [
    "AUTH_MODES",
    "BANKS",
    "Counters",
    "DataStore",
    "Faults",
    "LeanSandbox",
    "SeededData",
    "serve_forever_cli",
]
