"""No secret rides along on an exception's cause chain.

requests and botocore keep the prepared request (headers, body) on their exceptions; our
errors chain them as ``__cause__``, which error trackers walk. Real servers, no mocks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.errors import AuthError, ConnectionDroppedError
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.moto_process import free_port

pytestmark = pytest.mark.integration


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        yield node
        node = node.__cause__ or node.__context__


def _text_of(node: BaseException) -> str:
    parts: list[Any] = [repr(node), *node.args, *vars(node).values()]
    request = getattr(node, "request", None)
    if request is not None:
        parts += [getattr(request, "headers", ""), getattr(request, "body", "")]
    return " ".join(str(p) for p in parts)


def _assert_chain_clean(exc: BaseException, secret: str) -> None:
    for node in _chain(exc):
        assert getattr(node, "request", None) is None, type(node).__name__
        assert secret not in _text_of(node), type(node).__name__


def test_token_endpoint_failure_chain_holds_no_client_secret(lean_sandbox: LeanSandbox) -> None:
    overrides = lean_sandbox.spec_overrides("oauth")
    overrides["endpoints"]["auth"] = f"https://127.0.0.1:{free_port()}"
    overrides["retry"] = {"max_attempts": 1}
    with LeanConnector.from_spec(**overrides) as connector, pytest.raises(AuthError) as caught:
        connector.banks.list()
    assert len(list(_chain(caught.value))) > 1  # the cause chain is kept for debugging
    _assert_chain_clean(caught.value, lean_sandbox.client_secret)


def test_dropped_post_chain_holds_no_bearer_token(lean_sandbox: LeanSandbox) -> None:
    with LeanConnector.from_spec(**lean_sandbox.spec_overrides("oauth")) as connector:
        connector.banks.list()
        token = connector.oauth().api_token().value
        lean_sandbox.faults.reset_connections(1, method="POST")
        with pytest.raises(ConnectionDroppedError, match="may have been applied") as caught:
            connector.customers.create("chain-check-user")
    _assert_chain_clean(caught.value, token)


def test_an_unreachable_token_endpoint_names_endpoints_auth(lean_sandbox: LeanSandbox) -> None:
    overrides = lean_sandbox.spec_overrides("oauth")
    overrides["endpoints"]["auth"] = f"https://127.0.0.1:{free_port()}"
    overrides["retry"] = {"max_attempts": 1}
    with LeanConnector.from_spec(**overrides) as connector, pytest.raises(AuthError) as caught:
        connector.banks.list()
    assert "check endpoints.auth" in str(caught.value)
    assert "endpoints.api" not in str(caught.value)
