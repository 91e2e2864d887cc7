"""Fixtures for the sandbox's own tests: its PEMs on disk and plain requests sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import Pems, session


@pytest.fixture
def pems(lean_sandbox: LeanSandbox, tmp_path: Path) -> Pems:
    return Pems(lean_sandbox, tmp_path)


@pytest.fixture
def mtls(lean_sandbox: LeanSandbox, pems: Pems) -> Iterator[requests.Session]:
    """A session on the mTLS listener, with the client certificate and the app token."""
    with session(pems.ca_chain, (pems.leaf_chain, pems.key)) as http:
        http.headers["lean-app-token"] = lean_sandbox.app_token
        yield http


@pytest.fixture
def api(lean_sandbox: LeanSandbox, pems: Pems) -> Iterator[requests.Session]:
    """A session on the API listener with the app token."""
    with session(pems.ca_chain) as http:
        http.headers["lean-app-token"] = lean_sandbox.app_token
        yield http
