"""pytest fixtures for the local Lean sandbox (registered through the ``pytest11`` entry point).

This module is imported by every pytest run of everyone who installs lean-connector, so it
imports nothing heavy: the sandbox (cryptography, servers, key generation) is imported and
started only when a test asks for a fixture.

- ``lean_sandbox_session``: one started :class:`LeanSandbox` for the whole session.
- ``lean_sandbox``: the same sandbox with faults disarmed and counters zeroed first.
- ``lean_lambda``: a Lambda function against that sandbox: its ``LEAN_*`` spec env, a cold
  container, a fake ``LambdaContext`` per call (:class:`~lean_connector.testing.LeanLambda`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from lean_connector.testing._lambda import LeanLambda
    from lean_connector.testing.sandbox import LeanSandbox

__all__ = ["lean_lambda", "lean_sandbox", "lean_sandbox_session"]


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


@pytest.fixture
def lean_lambda(lean_sandbox: LeanSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[LeanLambda]:
    """A Lambda function whose spec (``LEAN_*`` env) is the sandbox's in OAuth mode, starting
    from a cold container. ``lean_lambda.invoke(handler, event)`` calls it with a fake
    context; ``configure(mode, **spec)`` changes the spec. Undone after the test."""
    from lean_connector import aws_lambda
    from lean_connector.logs import unconfigure_logging
    from lean_connector.testing._lambda import LeanLambda

    function = LeanLambda(lean_sandbox, monkeypatch).configure("oauth")
    try:
        yield function
    finally:
        aws_lambda.reset()
        aws_lambda.set_webhook_callback(None)
        unconfigure_logging()  # the cold start configured the container's log output
