"""What tests that build connectors on the sandbox share (the fixture is in conftest)."""

from __future__ import annotations

from collections.abc import Callable

from lean_connector.client import LeanConnector

# Short backoff so a retried attempt does not park the test; behaviour is the same.
FAST_RETRY = {"max_attempts": 3, "max_backoff_s": 0.05}

Connect = Callable[..., LeanConnector]
