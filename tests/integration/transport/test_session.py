"""Transport against real HTTPS servers on 127.0.0.1 (tests/support/tls_echo_server.py).

The mTLS server trusts ONLY the test root CA, while the client certificate is issued by the
intermediate: it accepts us only when we send leaf + intermediate. Nothing is mocked,
except where a test says it simulates a platform without memfd.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lean_connector.errors import (
    ConnectError,
    ConnectionDroppedError,
    ReadTimeoutError,
    TLSVerificationError,
    TransportError,
)
from lean_connector.testing.certs import CertBundle, make_bundle, private_key_pem
from lean_connector.testing.sandbox import LeanSandbox
from lean_connector.transport import (
    ClientIdentity,
    Transport,
    build_ssl_context,
    load_client_identity,
)
from tests.support.moto_process import free_port
from tests.support.tls_echo_server import TLSEchoServer

pytestmark = pytest.mark.integration

HEADERS = {"lean-app-token": "test-app-token"}


@pytest.fixture(scope="module")
def mtls_server(bundle: CertBundle) -> Iterator[TLSEchoServer]:
    with TLSEchoServer(server_cert=bundle.server, client_ca_pem=bundle.root.cert_pem) as server:
        yield server


@pytest.fixture(scope="module")
def plain_server(bundle: CertBundle) -> Iterator[TLSEchoServer]:
    """Server-authenticated TLS only (the app_token / oauth hosts)."""
    with TLSEchoServer(server_cert=bundle.server) as server:
        yield server


@pytest.fixture(scope="module")
def identity(bundle: CertBundle) -> ClientIdentity:
    return load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=bundle.ca_chain_pem
    )


def make_transport(
    identity: ClientIdentity | None, ca_chain_pem: bytes | None, *, read_timeout_s: float = 10
) -> Transport:
    context = build_ssl_context(identity=identity, ca_chain_pem=ca_chain_pem)
    return Transport(
        ssl_context=context, connect_timeout_s=5, read_timeout_s=read_timeout_s, pool_size=4
    )


@pytest.fixture
def transport(identity: ClientIdentity, bundle: CertBundle) -> Iterator[Transport]:
    t = make_transport(identity, bundle.ca_chain_pem)
    yield t
    t.close()


# --- trust: exactly our SSLContext ----------------------------------------------------


def test_leaf_only_certificate_completed_from_ca_chain_is_accepted(
    bundle: CertBundle, mtls_server: TLSEchoServer
) -> None:
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=bundle.ca_chain_pem
    )
    # Trust only the root here, so OpenSSL cannot add the intermediate from its verify
    # store on its own: the server sees the intermediate only because we completed it.
    transport = make_transport(identity, bundle.root.cert_pem)
    response = transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    assert response.status == 200
    assert response.json()["method"] == "GET"


def test_leaf_only_certificate_without_its_chain_is_refused(
    bundle: CertBundle, mtls_server: TLSEchoServer
) -> None:
    leaf_only = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    transport = make_transport(leaf_only, bundle.root.cert_pem)
    with pytest.raises(TLSVerificationError) as caught:
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    assert "refused the client certificate" in str(caught.value)


def test_client_certificate_from_another_ca_is_refused(
    other_pki: CertBundle, bundle: CertBundle, mtls_server: TLSEchoServer
) -> None:
    foreign = load_client_identity(
        other_pki.client.cert_pem, other_pki.client.key_pem, ca_chain_pem=other_pki.ca_chain_pem
    )
    transport = make_transport(foreign, bundle.ca_chain_pem)
    with pytest.raises(TLSVerificationError) as caught:
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    message = str(caught.value)
    assert message.startswith(f"127.0.0.1:{mtls_server.port} refused the client certificate")
    assert "check that mtls.certificate is signed by Lean for this environment" in message
    assert caught.value.retryable is False
    # The client reads this to decide whether re-reading the certificate may help.
    assert caught.value.reason == "client_certificate_refused"


def test_no_client_certificate_on_an_mtls_host_is_refused(
    bundle: CertBundle, mtls_server: TLSEchoServer
) -> None:
    transport = make_transport(None, bundle.ca_chain_pem)
    with pytest.raises(TLSVerificationError, match="refused the client certificate"):
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)


def test_server_from_another_ca_is_not_trusted(
    identity: ClientIdentity, other_pki: CertBundle, mtls_server: TLSEchoServer
) -> None:
    transport = make_transport(identity, other_pki.ca_chain_pem)
    with pytest.raises(TLSVerificationError) as caught:
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    message = str(caught.value)
    assert message.startswith(
        f"the server certificate of 127.0.0.1:{mtls_server.port} is not trusted"
    )
    assert "mtls.ca_chain" in message
    assert caught.value.retryable is False
    assert caught.value.reason == "server_untrusted"
    assert isinstance(caught.value.__cause__, Exception)  # raised "from" the requests error


def test_system_store_does_not_trust_a_private_ca(plain_server: TLSEchoServer) -> None:
    transport = make_transport(None, None)
    with pytest.raises(TLSVerificationError, match="is not trusted"):
        transport.send("GET", f"{plain_server.url}/echo", headers=HEADERS)


def test_host_name_is_checked(bundle: CertBundle) -> None:
    localhost_only = make_bundle(server_names=("localhost",))
    with TLSEchoServer(server_cert=localhost_only.server) as server:
        transport = make_transport(None, localhost_only.ca_chain_pem)
        ok = transport.send("GET", f"https://localhost:{server.port}/echo", headers=HEADERS)
        assert ok.status == 200
        with pytest.raises(TLSVerificationError, match=r"not trusted.*mismatch"):
            transport.send("GET", f"https://127.0.0.1:{server.port}/echo", headers=HEADERS)


def test_requests_own_ca_handling_cannot_widen_or_drop_trust(
    identity: ClientIdentity,
    other_pki: CertBundle,
    bundle: CertBundle,
    mtls_server: TLSEchoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A CA bundle variable that WOULD trust the server must have no effect: trust is
    # mtls.ca_chain only (here: the wrong chain).
    ca_bundle = tmp_path / "ca.pem"
    ca_bundle.write_bytes(bundle.root.cert_pem)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca_bundle))
    monkeypatch.setenv("CURL_CA_BUNDLE", str(ca_bundle))
    context = build_ssl_context(identity=identity, ca_chain_pem=other_pki.ca_chain_pem)
    transport = Transport(ssl_context=context, connect_timeout_s=5, read_timeout_s=10, pool_size=2)
    with pytest.raises(TLSVerificationError):
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    # Even verify=False on the underlying session (not reachable through the public API)
    # is ignored by the adapter.
    import requests

    with pytest.raises(requests.exceptions.SSLError):
        transport._session.get(f"{mtls_server.url}/echo", verify=False, timeout=5)
    # And nothing (certifi, the env bundle) was loaded into our context.
    assert context.cert_store_stats()["x509_ca"] == 2


def test_a_good_connection_leaves_the_trust_store_as_built(
    bundle: CertBundle, identity: ClientIdentity, mtls_server: TLSEchoServer
) -> None:
    context = build_ssl_context(identity=identity, ca_chain_pem=bundle.ca_chain_pem)
    transport = Transport(ssl_context=context, connect_timeout_s=5, read_timeout_s=10, pool_size=2)
    assert transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS).status == 200
    # requests would otherwise load certifi's ~150 roots into this context on connect.
    assert context.cert_store_stats()["x509_ca"] == 2


def test_encrypted_key_with_password_works_for_mtls(
    bundle: CertBundle, mtls_server: TLSEchoServer
) -> None:
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    identity = load_client_identity(
        bundle.client.cert_pem, encrypted, password=b"s3cret-pass", ca_chain_pem=bundle.ca_chain_pem
    )
    transport = make_transport(identity, bundle.ca_chain_pem)
    assert transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS).status == 200


def test_context_built_without_memfd_works_for_mtls(
    bundle: CertBundle, mtls_server: TLSEchoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulates a platform without memfd_create: the private temp-file path is used.
    monkeypatch.delattr(os, "memfd_create", raising=False)
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=bundle.ca_chain_pem
    )
    transport = make_transport(identity, bundle.root.cert_pem)
    assert transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS).status == 200


# --- requests and responses -----------------------------------------------------------


def test_send_passes_method_headers_json_and_params(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    response = transport.send(
        "post",
        f"{mtls_server.url}/echo",
        headers={"lean-app-token": "app-1", "Idempotency-Key": "k-1"},
        json={"app_user_id": "u-1"},
        params={"page": 2, "size": 50},
    )
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["query"] == {"page": "2", "size": "50"}
    assert echoed["headers"]["lean-app-token"] == "app-1"
    assert echoed["headers"]["idempotency-key"] == "k-1"
    assert echoed["headers"]["content-type"] == "application/json"
    assert echoed["headers"]["user-agent"].startswith("lean-connector/")
    assert echoed["body"] == '{"app_user_id": "u-1"}'
    assert response.elapsed_ms > 0


def test_send_passes_a_pre_encoded_json_body_unchanged(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    # The client encodes once (Decimal as an exact number) and hands the bytes over.
    echoed = transport.send(
        "POST", f"{mtls_server.url}/echo", headers=HEADERS, body=b'{"amount": 100.10}'
    ).json()
    assert echoed["body"] == '{"amount": 100.10}'
    assert echoed["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500, 503])
def test_http_error_statuses_are_returned_not_raised(
    transport: Transport, mtls_server: TLSEchoServer, status: int
) -> None:
    response = transport.send("GET", f"{mtls_server.url}/status/{status}", headers=HEADERS)
    assert response.status == status
    assert response.json()["status"] == "TEST_STATUS"
    assert response.headers["LEAN-CORRELATION-ID"] == "corr-123"  # case-insensitive


def test_json_of_a_non_json_body_raises_value_error(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    response = transport.send("GET", f"{mtls_server.url}/text", headers=HEADERS)
    assert response.body == b"plain text, not JSON"
    with pytest.raises(ValueError):  # json.JSONDecodeError is a ValueError
        response.json()


def test_post_form_returns_status_and_json(
    transport: Transport, plain_server: TLSEchoServer
) -> None:
    form = {"grant_type": "client_credentials", "client_id": "c-1", "scope": "api"}
    status, body = transport.post_form(f"{plain_server.url}/form", form)
    assert (status, body) == (200, {"form": form})


def test_post_form_with_a_non_json_answer_gives_an_empty_dict(
    transport: Transport, plain_server: TLSEchoServer
) -> None:
    assert transport.post_form(f"{plain_server.url}/text", {"a": "b"}) == (200, {})


def test_post_form_maps_network_errors_too(transport: Transport) -> None:
    with pytest.raises(ConnectError):
        transport.post_form(f"https://127.0.0.1:{free_port()}/oauth2/token", {"a": "b"})


def test_netrc_credentials_never_replace_our_headers(
    transport: Transport,
    mtls_server: TLSEchoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password netrc-pass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    echoed = transport.send(
        "GET", f"{mtls_server.url}/echo", headers={"Authorization": "Bearer our-token"}
    ).json()
    assert echoed["headers"]["authorization"] == "Bearer our-token"
    echoed = transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS).json()
    assert "authorization" not in echoed["headers"]


def test_invalid_header_value_is_not_echoed_in_the_error(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    with pytest.raises(TransportError) as caught:
        transport.send(
            "GET", f"{mtls_server.url}/echo", headers={"lean-app-token": " secret-token-123\n"}
        )
    assert "secret-token-123" not in str(caught.value)
    assert "(a newline or leading space in its value)" in str(caught.value)
    # requests' InvalidHeader quotes the value: it must not hang off the error at all.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


def test_non_ascii_header_value_is_refused_without_keeping_the_value(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    # A smart quote pasted with a token: http.client raises UnicodeEncodeError, whose
    # .object is the whole header value.
    with pytest.raises(TransportError) as caught:
        transport.send(
            "GET", f"{mtls_server.url}/echo", headers={"lean-app-token": "\u201csecret-token-123"}
        )
    message = str(caught.value)
    assert message.startswith(
        "a header of GET /echo is invalid (a non-ASCII character in its value): check that "
        "auth.app_token, the OAuth token and any Idempotency-Key"
    )
    assert "secret-token-123" not in message
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


# --- keep-alive and handshakes --------------------------------------------------------


def test_fifty_sequential_calls_use_one_handshake(
    identity: ClientIdentity, bundle: CertBundle
) -> None:
    with TLSEchoServer(server_cert=bundle.server, client_ca_pem=bundle.root.cert_pem) as server:
        transport = make_transport(identity, bundle.ca_chain_pem)
        for _ in range(50):
            assert transport.send("GET", f"{server.url}/echo", headers=HEADERS).status == 200
        assert transport.handshakes == 1
        assert server.handshakes == 1
        transport.close()
        transport.send("GET", f"{server.url}/echo", headers=HEADERS)
        assert transport.handshakes == 2  # close() dropped the pooled connection
        assert server.handshakes == 2


def test_failed_handshakes_are_not_counted(
    bundle: CertBundle, other_pki: CertBundle, mtls_server: TLSEchoServer
) -> None:
    transport = make_transport(None, other_pki.ca_chain_pem)
    with pytest.raises(TLSVerificationError):
        transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS)
    assert transport.handshakes == 0


# --- network failures -----------------------------------------------------------------


def test_connection_refused_is_a_connect_error(transport: Transport) -> None:
    port = free_port()  # nothing listens there any more
    with pytest.raises(ConnectError) as caught:
        transport.send("GET", f"https://127.0.0.1:{port}/banks/v1/", headers=HEADERS)
    message = str(caught.value)
    assert message.startswith(f"could not connect to 127.0.0.1:{port}: connection refused")
    assert "check endpoints.api" in message
    assert caught.value.retryable is True
    assert caught.value.method == "GET"


def test_unresolvable_host_is_a_connect_error(transport: Transport) -> None:
    with pytest.raises(ConnectError, match="does not resolve"):
        transport.send("GET", "https://lean-connector-test.invalid/", headers=HEADERS)


@pytest.mark.parametrize("path", ["/reset-before-headers", "/reset-mid-body"])
def test_reset_after_the_request_was_sent_may_have_been_applied(
    transport: Transport, mtls_server: TLSEchoServer, path: str
) -> None:
    with pytest.raises(ConnectionDroppedError) as caught:
        transport.send("POST", f"{mtls_server.url}{path}", headers=HEADERS, json={"amount": 1})
    message = str(caught.value)
    assert f"dropped during POST {path}" in message
    assert "the request may have been applied by Lean" in message


def test_a_drop_on_a_new_connection_hints_at_a_refused_certificate(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    # TLS 1.3 servers check the client certificate after the client's side of the
    # handshake is done, so a refusal can look like a drop on the first request.
    with pytest.raises(ConnectionDroppedError) as first:
        transport.send("GET", f"{mtls_server.url}/reset-before-headers", headers=HEADERS)
    assert "first request on a new TLS connection" in str(first.value)
    assert transport.send("GET", f"{mtls_server.url}/echo", headers=HEADERS).status == 200
    with pytest.raises(ConnectionDroppedError) as reused:
        transport.send("GET", f"{mtls_server.url}/reset-mid-body", headers=HEADERS)
    assert "first request" not in str(reused.value)


def test_read_timeout_says_the_request_may_have_been_applied(
    transport: Transport, mtls_server: TLSEchoServer
) -> None:
    with pytest.raises(ReadTimeoutError) as caught:
        transport.send("GET", f"{mtls_server.url}/slow/2", headers=HEADERS, timeout_s=0.2)
    assert "did not answer GET /slow/2 within 0.2 s" in str(caught.value)
    assert "may have been applied" in str(caught.value)


def test_reset_during_the_handshake_points_at_the_client_certificate(
    identity: ClientIdentity, bundle: CertBundle
) -> None:
    # A TCP listener that resets every connection as soon as the ClientHello arrives, as
    # some mTLS front ends do when they refuse a client.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def reset_all() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(4096)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    threading.Thread(target=reset_all, daemon=True).start()
    try:
        transport = make_transport(identity, bundle.ca_chain_pem)
        with pytest.raises(TLSVerificationError) as caught:
            transport.send("GET", f"https://127.0.0.1:{port}/echo", headers=HEADERS)
        assert "reset the connection during the TLS handshake" in str(caught.value)
        assert "mtls.certificate" in str(caught.value)
        assert caught.value.reason == "client_certificate_refused"
    finally:
        listener.close()


# --- against the shared local Lean sandbox --------------------------------------------


def _sandbox_transport(sandbox: LeanSandbox) -> Transport:
    identity = load_client_identity(
        sandbox.bundle.client.cert_pem,
        sandbox.bundle.client.key_pem,
        ca_chain_pem=sandbox.bundle.ca_chain_pem,
    )
    return make_transport(identity, sandbox.bundle.ca_chain_pem)


def test_sandbox_sees_one_handshake_for_fifty_pooled_calls(lean_sandbox: LeanSandbox) -> None:
    transport = _sandbox_transport(lean_sandbox)
    headers = {"lean-app-token": lean_sandbox.app_token}
    for _ in range(50):
        response = transport.send("GET", f"{lean_sandbox.mtls_url}/banks/v1/", headers=headers)
        assert response.status == 200
    assert transport.handshakes == 1
    assert lean_sandbox.counters.handshakes["mtls"] == 1
    transport.close()


def test_sandbox_reset_on_a_post_may_have_been_applied(lean_sandbox: LeanSandbox) -> None:
    transport = _sandbox_transport(lean_sandbox)
    headers = {"lean-app-token": lean_sandbox.app_token}
    lean_sandbox.faults.reset_connections(1, method="POST")
    with pytest.raises(ConnectionDroppedError, match="may have been applied by Lean"):
        transport.send(
            "POST",
            f"{lean_sandbox.mtls_url}/customers/v1/",
            headers=headers,
            json={"app_user_id": "t-1"},
        )
    transport.close()
