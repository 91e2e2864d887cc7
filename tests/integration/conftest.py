"""Fixtures shared by the integration tests: connectors on the local sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lean_connector.client import LeanConnector
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.connect import FAST_RETRY, Connect


@pytest.fixture
def connect(lean_sandbox: LeanSandbox) -> Iterator[Connect]:
    """``connect(mode, mtls={...}, retry={...}, ...)``: a fresh connector on the sandbox.

    Keyword sections are merged into the sandbox's spec for that mode (retries are fast
    unless ``retry`` says otherwise); every connector built is closed after the test.
    """
    built: list[LeanConnector] = []

    def factory(mode: str, **sections: dict[str, Any]) -> LeanConnector:
        overrides = lean_sandbox.spec_overrides(mode)
        overrides["retry"] = dict(FAST_RETRY)
        for name, values in sections.items():
            overrides[name] = {**overrides.get(name, {}), **values}
        connector = LeanConnector.from_spec(**overrides)
        built.append(connector)
        return connector

    yield factory
    for connector in built:
        connector.close()
