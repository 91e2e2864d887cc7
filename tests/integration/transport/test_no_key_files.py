"""No private key reaches the temp directories, whichever way the key is handed to OpenSSL.

Self-contained: it builds contexts through the memfd path and through the temp-file
fallback (memfd removed, simulating a platform without it), completes an mTLS handshake
with each, and compares listings taken before and after. Scanned: tempfile.gettempdir()
(redirected to a fresh directory so other processes cannot interfere; everything below it
is scanned), the real system temp dir (top level) and /dev/shm.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from lean_connector.testing.certs import make_bundle, private_key_pem
from lean_connector.transport import Transport, build_ssl_context, load_client_identity
from tests.support.tls_echo_server import TLSEchoServer

pytestmark = pytest.mark.integration


def _files(root: Path, *, recursive: bool) -> set[Path]:
    if not root.is_dir():
        return set()
    found: set[Path] = set()
    walker: Iterator[tuple[str, list[str], list[str]]] = os.walk(root)
    for directory, dirs, names in walker:
        found.update(Path(directory, name) for name in names)
        if not recursive:
            dirs.clear()
    return found


def _holds_a_private_key(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return b"PRIVATE KEY" in handle.read(1_000_000)
    except OSError:  # vanished, a socket, or not ours to read
        return False


def test_no_private_key_file_is_left_in_temp_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_tmp = Path(tempfile.gettempdir())
    private_tmp = tmp_path_factory.mktemp("isolated-tmpdir")
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    scans = [(private_tmp, True), (system_tmp, False), (Path("/dev/shm"), True)]
    before = set().union(*(_files(root, recursive=r) for root, r in scans))

    bundle = make_bundle()
    password = b"s3cret-pass"
    encrypted_key = private_key_pem(bundle.client.key, password)
    fallback_dirs: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(*args: object, **kwargs: object) -> str:
        path = real_mkdtemp(*args, **kwargs)  # type: ignore[call-overload]
        fallback_dirs.append(str(path))
        return str(path)

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with TLSEchoServer(server_cert=bundle.server, client_ca_pem=bundle.root.cert_pem) as server:
        for use_memfd in (True, False):
            for key_pem, key_password in ((bundle.client.key_pem, None), (encrypted_key, password)):
                with monkeypatch.context() as patch:
                    if not use_memfd:
                        # Simulates a platform without memfd_create.
                        patch.delattr(os, "memfd_create", raising=False)
                    identity = load_client_identity(
                        bundle.client.cert_pem,
                        key_pem,
                        password=key_password,
                        ca_chain_pem=bundle.ca_chain_pem,
                    )
                    context = build_ssl_context(identity=identity, ca_chain_pem=bundle.ca_chain_pem)
                transport = Transport(
                    ssl_context=context, connect_timeout_s=5, read_timeout_s=10, pool_size=1
                )
                response = transport.send("GET", f"{server.url}/echo", headers={})
                transport.close()
                assert response.status == 200

    # The fallback really ran (twice) inside the scanned temp dir, and cleaned up.
    assert len(fallback_dirs) == 2
    assert all(d.startswith(str(private_tmp)) for d in fallback_dirs)
    assert not any(os.path.exists(d) for d in fallback_dirs)

    after = set().union(*(_files(root, recursive=r) for root, r in scans))
    leaked = sorted(str(p) for p in after - before if _holds_a_private_key(p))
    assert leaked == []
