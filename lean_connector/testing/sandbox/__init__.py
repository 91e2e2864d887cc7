"""A local Lean: HTTPS listeners (one demanding a client certificate), an OAuth token
endpoint issuing RS256 JWTs, every endpoint of Lean's UAE and KSA collections with
Lean-shaped bodies, paging names and errors, fault switches and counters.

``_sandbox`` starts and stops it; ``_server`` is the TLS HTTP server; ``_router`` checks
credentials and faults and routes; ``_routes_*`` are the endpoint families; ``_http`` what
they share (errors, paging); ``_oauth`` the token endpoint; ``_store``/``_datastore`` the
data, seeded lazily through ``_seeded``/``_ids`` and shaped by ``_records``/
``_account_data``; ``_results`` stored answers and refreshes; ``_faults`` the fault
switches and counters.
"""

from __future__ import annotations

from lean_connector.testing.sandbox._banks import BANKS
from lean_connector.testing.sandbox._bundle import AUTH_MODES
from lean_connector.testing.sandbox._cli import serve_forever_cli
from lean_connector.testing.sandbox._counters import Counters
from lean_connector.testing.sandbox._datastore import DataStore
from lean_connector.testing.sandbox._faults import Faults
from lean_connector.testing.sandbox._http import SandboxError
from lean_connector.testing.sandbox._sandbox import LeanSandbox
from lean_connector.testing.sandbox._store import SeededData

__all__ = [
    "AUTH_MODES",
    "BANKS",
    "Counters",
    "DataStore",
    "Faults",
    "LeanSandbox",
    "SandboxError",
    "SeededData",
    "serve_forever_cli",
]
