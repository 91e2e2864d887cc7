"""Shared fixtures: a real moto server process for AWS (see tests/support/moto_process.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.moto_process import MotoProcess


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoProcess]:
    """One moto server per test session on a free 127.0.0.1 port."""
    server = MotoProcess().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto_server: MotoProcess, monkeypatch: pytest.MonkeyPatch) -> MotoProcess:
    """A clean moto server (all resources dropped, counters zeroed) and AWS env pointing at it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "me-central-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server
