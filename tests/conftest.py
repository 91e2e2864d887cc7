"""Shared fixtures: a real moto server process for AWS (see tests/support/moto_process.py),
test PKIs, and the sandbox fixtures of the package's own pytest plugin."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator

import pytest

from lean_connector.testing.certs import CertBundle, make_bundle
from tests.support.moto_process import MotoProcess

# The plugin registers itself through its pytest11 entry point when the package is
# installed; a checkout run without installing still gets the fixtures.
if not any(
    e.value == "lean_connector.testing.pytest_plugin"
    for e in importlib.metadata.entry_points(group="pytest11")
):
    pytest_plugins = ["lean_connector.testing.pytest_plugin"]


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoProcess]:
    """One moto server per test session on a free 127.0.0.1 port."""
    server = MotoProcess().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _reset_connector_logging() -> Iterator[None]:
    """Code under test may configure the connector's logging (from_spec, a Lambda cold
    start): each test starts from the state an application would find on import."""
    yield
    from lean_connector.logs import clear_context, unconfigure_logging

    clear_context()
    unconfigure_logging()


@pytest.fixture
def aws(moto_server: MotoProcess, monkeypatch: pytest.MonkeyPatch) -> MotoProcess:
    """A clean moto server (all resources dropped, counters zeroed) and AWS env pointing at it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "me-central-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto_server


@pytest.fixture(scope="session")
def bundle() -> CertBundle:
    """A test PKI (root, intermediate, server and client certificates) for the session."""
    return make_bundle()


@pytest.fixture(scope="session")
def other_pki() -> CertBundle:
    """A second, unrelated test PKI: its CA is trusted by nobody, and it trusts nothing."""
    return make_bundle()


# -- no key material left on disk ------------------------------------------------------------
# After the whole suite (session fixtures included, so the sandbox's own work
# directory is gone too) no file holding a private key may remain. The session gets a private
# temp dir (tempfile and TMPDIR, so subprocesses too), which is scanned in
# pytest_sessionfinish, after every fixture's teardown; other processes on the machine cannot
# make the run flaky. /dev/shm is scanned for files created during the session.

_KEY_MARKER = b"PRIVATE KEY-----"
_session_started = 0.0
_session_tmp: str | None = None


def _holds_private_key(path: str) -> bool:
    with open(path, "rb") as handle:
        data = handle.read(1 << 20)
    # A PEM file (not, say, a log that mentions one) holding a key.
    return data.lstrip().startswith(b"-----BEGIN") and _KEY_MARKER in data


def _key_files(root: str, *, since: float = 0.0) -> list[str]:
    found = []
    for directory, _subdirs, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if os.path.islink(path) or os.path.getmtime(path) < since:
                    continue
                if _holds_private_key(path):
                    found.append(path)
    return sorted(found)


@pytest.fixture(autouse=True)
def _remove_test_key_files(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that hand requests a key *file* write it under tmp_path, which pytest keeps:
    delete those after the test so the session scan below sees only what the code left."""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    base = request.getfixturevalue("tmp_path")  # before yield: torn down after this fixture
    yield
    for directory, _subdirs, files in os.walk(base):
        for name in files:
            path = os.path.join(directory, name)
            with contextlib.suppress(OSError):
                if _holds_private_key(path):
                    os.unlink(path)


def pytest_sessionstart(session: pytest.Session) -> None:
    global _session_started, _session_tmp
    _session_started = time.time() - 1
    _session_tmp = tempfile.mkdtemp(prefix="lean-connector-tests-")
    tempfile.tempdir = _session_tmp
    os.environ["TMPDIR"] = _session_tmp


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _session_tmp is None:
        return
    leftovers = _key_files(_session_tmp) + _key_files("/dev/shm", since=_session_started)
    shutil.rmtree(_session_tmp, ignore_errors=True)
    if leftovers:
        sys.stderr.write(
            "\nprivate key material left on disk by the test session:\n  "
            + "\n  ".join(leftovers)
            + "\n"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
