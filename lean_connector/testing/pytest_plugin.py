"""pytest fixtures for the local Lean sandbox (registered through the ``pytest11`` entry point).

This module is imported by every pytest run of everyone who installs lean-connector, so it
imports nothing heavy: the sandbox (cryptography, servers, key generation) is imported and
started only when a test asks for a fixture.

- ``lean_sandbox_session``: one started :class:`LeanSandbox` for the whole session.
- ``lean_sandbox``: the same sandbox with faults disarmed and counters zeroed first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lean_connector.testing.sandbox import LeanSandbox

__all__ = ["lean_sandbox", "lean_sandbox_session"]


@pytest.fixture(scope="session")
def lean_sandbox_session() -> Iterator[LeanSandbox]:
    """A started sandbox shared by the session; stopped (and its files deleted) at the end."""
    from lean_connector.testing.sandbox import LeanSandbox

    with LeanSandbox() as sandbox:
        yield sandbox


@pytest.fixture
def lean_sandbox(lean_sandbox_session: LeanSandbox) -> LeanSandbox:
    """The session sandbox, reset for this test: no faults armed, every counter at zero.

    Data (customers, payment intents) persists across tests: use unique app_user_ids.
    """
    lean_sandbox_session.reset()
    return lean_sandbox_session
