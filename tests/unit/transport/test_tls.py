"""transport._tls: certificate/key/chain checks and the SSLContext built from memory."""

from __future__ import annotations

import datetime as dt
import inspect
import os
import ssl
import stat
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from lean_connector.errors import TLSConfigError
from lean_connector.logs import capture_logs
from lean_connector.testing.certs import CertBundle, issue_cert, private_key_pem
from lean_connector.transport import ClientIdentity, build_ssl_context, load_client_identity

Events = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def events() -> Iterator[Events]:
    """Log events emitted during the test, as dicts with ``event``, ``level`` and fields."""
    with capture_logs() as entries:
        yield lambda: entries


def _pems(cert_pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(cert_pem)


# --- load_client_identity -------------------------------------------------------------


def test_leaf_alone_is_completed_with_its_intermediate_from_ca_chain(bundle: CertBundle) -> None:
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=bundle.ca_chain_pem
    )
    chain = _pems(identity.chain_pem)
    # leaf then its issuer; the self-signed root is left out (the server has it)
    assert [c.subject for c in chain] == [
        bundle.client.cert.subject,
        bundle.intermediate.cert.subject,
    ]
    assert identity.report.chain_length == 2


def test_chain_completion_follows_issuers_whatever_the_order_of_ca_chain(
    bundle: CertBundle,
) -> None:
    reversed_chain = bundle.root.cert_pem + bundle.intermediate.cert_pem
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=reversed_chain
    )
    assert [c.subject for c in _pems(identity.chain_pem)][1] == bundle.intermediate.cert.subject


def test_leaf_plus_chain_is_kept_as_given(bundle: CertBundle) -> None:
    identity = load_client_identity(bundle.client_cert_with_chain_pem, bundle.client.key_pem)
    assert identity.report.chain_length == 2
    assert _pems(identity.chain_pem) == _pems(bundle.client_cert_with_chain_pem)


def test_leaf_alone_without_ca_chain_stays_alone(bundle: CertBundle) -> None:
    identity = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    assert identity.report.chain_length == 1


def test_unrelated_ca_chain_does_not_get_appended(
    bundle: CertBundle, other_pki: CertBundle
) -> None:
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, ca_chain_pem=other_pki.ca_chain_pem
    )
    assert identity.report.chain_length == 1


def test_report_describes_the_leaf(bundle: CertBundle) -> None:
    report = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem).report
    leaf = bundle.client.cert
    assert "CN=lean-connector-test-app" in report.subject
    assert "CN=Lean Test Issuing CA" in report.issuer
    assert report.not_after == leaf.not_valid_after_utc
    assert report.days_left in (363, 364)  # issued for 365 days, minus part of today
    assert report.fingerprint_sha256 == leaf.fingerprint(hashes.SHA256()).hex(":").upper()


def test_repr_never_shows_key_material(bundle: CertBundle) -> None:
    password = b"correct horse battery"
    key_pem = private_key_pem(bundle.client.key, password)
    identity = load_client_identity(bundle.client.cert_pem, key_pem, password=password)
    text = repr(identity) + str(identity)
    assert "PRIVATE KEY" not in text
    assert key_pem.decode() not in text
    assert password.decode() not in text
    assert "key=<hidden>" in text
    assert "lean-connector-test-app" in text


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("mtls.certificate", {"certificate_pem": b"not a certificate"}),
        ("mtls.private_key", {"private_key_pem": b"not a key"}),
        ("mtls.ca_chain", {"ca_chain_pem": b"-----BEGIN CERTIFICATE-----\nAAAA\n"}),
    ],
)
def test_garbage_pem_names_the_field(
    bundle: CertBundle, field: str, kwargs: dict[str, bytes]
) -> None:
    args: dict[str, Any] = {
        "certificate_pem": bundle.client.cert_pem,
        "private_key_pem": bundle.client.key_pem,
        **kwargs,
    }
    with pytest.raises(TLSConfigError) as caught:
        load_client_identity(args.pop("certificate_pem"), args.pop("private_key_pem"), **args)
    assert str(caught.value).startswith(field)


def test_truncated_key_block_is_reported_without_its_content(bundle: CertBundle) -> None:
    truncated = bundle.client.key_pem[:80] + b"\n-----END PRIVATE KEY-----\n"
    with pytest.raises(TLSConfigError, match=r"^mtls\.private_key could not be read") as caught:
        load_client_identity(bundle.client.cert_pem, truncated)
    assert truncated[30:70].decode() not in str(caught.value)


def test_swapped_certificate_and_key_are_named(bundle: CertBundle) -> None:
    with pytest.raises(TLSConfigError, match="look swapped"):
        load_client_identity(bundle.client.key_pem, bundle.client.cert_pem)
    with pytest.raises(TLSConfigError, match=r"^mtls\.private_key holds a certificate"):
        load_client_identity(bundle.client.cert_pem, bundle.client.cert_pem)


def test_key_not_matching_the_certificate(bundle: CertBundle, other_pki: CertBundle) -> None:
    with pytest.raises(TLSConfigError) as caught:
        load_client_identity(bundle.client.cert_pem, other_pki.client.key_pem)
    assert str(caught.value).startswith("mtls.private_key does not match mtls.certificate")


def test_chain_with_leaf_not_first_says_to_reorder(bundle: CertBundle) -> None:
    wrong_order = bundle.intermediate.cert_pem + bundle.client.cert_pem
    with pytest.raises(TLSConfigError, match="must start with the leaf certificate"):
        load_client_identity(wrong_order, bundle.client.key_pem)


def test_expired_certificate(bundle: CertBundle) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = issue_cert(
        bundle.intermediate,
        "expired-app",
        not_before=now - dt.timedelta(days=400),
        not_after=now - dt.timedelta(days=2),
    )
    with pytest.raises(TLSConfigError) as caught:
        load_client_identity(expired.cert_pem, expired.key_pem)
    message = str(caught.value)
    assert message.startswith("mtls.certificate expired on ")
    assert expired.cert.not_valid_after_utc.isoformat() in message
    assert "download a new certificate from the Lean portal" in message


def test_not_yet_valid_certificate(bundle: CertBundle) -> None:
    now = dt.datetime.now(dt.UTC)
    future = issue_cert(
        bundle.intermediate, "future-app", not_before=now + dt.timedelta(days=1), days=30
    )
    with pytest.raises(TLSConfigError, match=r"^mtls\.certificate is not valid until"):
        load_client_identity(future.cert_pem, future.key_pem)


def test_expired_intermediate_in_the_chain_is_refused(bundle: CertBundle) -> None:
    from lean_connector.testing.certs import make_ca

    now = dt.datetime.now(dt.UTC)
    old_ca = make_ca("Old Issuing CA", issuer=bundle.root)
    leaf = issue_cert(old_ca, "app", days=30)
    # The same intermediate (subject and key) re-issued as already expired: the leaf is
    # still valid but its chain is not.
    expired_ca_cert = (
        x509.CertificateBuilder()
        .subject_name(old_ca.cert.subject)
        .issuer_name(bundle.root.cert.subject)
        .public_key(old_ca.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=10))
        .not_valid_after(now - dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(bundle.root.key, hashes.SHA256())
    )
    chain = leaf.cert_pem + expired_ca_cert.public_bytes(serialization.Encoding.PEM)
    with pytest.raises(
        TLSConfigError, match=r"^the chain certificate 'CN=Old Issuing CA,.*' expired on "
    ):
        load_client_identity(chain, leaf.key_pem)


def test_encrypted_key_without_password(bundle: CertBundle) -> None:
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    with pytest.raises(TLSConfigError) as caught:
        load_client_identity(bundle.client.cert_pem, encrypted)
    assert str(caught.value) == "mtls.private_key is encrypted: set mtls.private_key_password"


def test_encrypted_key_with_wrong_password(bundle: CertBundle) -> None:
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    with pytest.raises(TLSConfigError) as caught:
        load_client_identity(bundle.client.cert_pem, encrypted, password=b"wrong-pass")
    assert str(caught.value).startswith(
        "mtls.private_key_password does not decrypt mtls.private_key"
    )
    assert "wrong-pass" not in str(caught.value)


def test_every_wrong_password_gets_the_same_message(bundle: CertBundle) -> None:
    # About 1 wrong password in 256 passes the padding check and fails later, in parsing.
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    messages = set()
    for n in range(600):
        with pytest.raises(TLSConfigError) as caught:
            load_client_identity(bundle.client.cert_pem, encrypted, password=f"wrong-{n}".encode())
        messages.add(str(caught.value).split(":")[0])
    assert messages == {"mtls.private_key_password does not decrypt mtls.private_key"}


def test_encrypted_key_with_password_loads_and_keeps_it_encrypted(bundle: CertBundle) -> None:
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    identity = load_client_identity(bundle.client.cert_pem, encrypted, password=b"s3cret-pass")
    assert identity.password == b"s3cret-pass"
    assert b"ENCRYPTED PRIVATE KEY" in identity.key_pem  # never decrypted into our copy
    build_ssl_context(identity=identity, ca_chain_pem=bundle.ca_chain_pem)


def test_password_for_a_plain_key_is_ignored(bundle: CertBundle) -> None:
    identity = load_client_identity(
        bundle.client.cert_pem, bundle.client.key_pem, password=b"not-needed"
    )
    assert identity.password is None


def test_certificate_check_is_logged_at_info(bundle: CertBundle, events: Events) -> None:
    identity = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    checked = [e for e in events() if e["event"] == "tls.certificate_checked"]
    assert len(checked) == 1
    assert checked[0]["level"] == "info"
    assert checked[0]["days_left"] == identity.report.days_left
    assert checked[0]["fingerprint"] == identity.report.fingerprint_sha256
    assert "PRIVATE KEY" not in repr(checked[0])


def test_certificate_with_29_days_left_logs_a_warning(bundle: CertBundle, events: Events) -> None:
    now = dt.datetime.now(dt.UTC)
    soon = issue_cert(
        bundle.intermediate, "soon-app", not_after=now + dt.timedelta(days=29, hours=12)
    )
    identity = load_client_identity(soon.cert_pem, soon.key_pem)
    assert identity.report.days_left == 29
    checked = [e for e in events() if e["event"] == "tls.certificate_checked"]
    assert [(e["level"], e["days_left"]) for e in checked] == [("warning", 29)]


def test_checking_a_certificate_emits_no_metric_even_on_lambda(
    bundle: CertBundle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The transport knows nothing of Lambda: the Lambda helpers emit the metric.
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lean-refresher")
    load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    assert capsys.readouterr().out == ""


def test_no_metric_on_stdout_off_lambda(
    bundle: CertBundle, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # stdout carries the CLI's JSON results: a metric line there would corrupt them.
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    assert capsys.readouterr().out == ""


# --- build_ssl_context ----------------------------------------------------------------


def _without_memfd(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulates a platform without memfd_create (macOS, some sandboxes).
    monkeypatch.delattr(os, "memfd_create", raising=False)


@pytest.mark.parametrize("memfd", [True, False], ids=["memfd", "no-memfd"])
@pytest.mark.parametrize("with_identity", [True, False], ids=["mtls", "no-client-cert"])
@pytest.mark.parametrize("with_ca_chain", [True, False], ids=["ca_chain", "system-store"])
def test_every_context_verifies_the_server(
    bundle: CertBundle,
    monkeypatch: pytest.MonkeyPatch,
    memfd: bool,
    with_identity: bool,
    with_ca_chain: bool,
) -> None:
    if not memfd:
        _without_memfd(monkeypatch)
    identity = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    context = build_ssl_context(
        identity=identity if with_identity else None,
        ca_chain_pem=bundle.ca_chain_pem if with_ca_chain else None,
    )
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT


def test_there_is_no_parameter_to_turn_verification_off() -> None:
    assert list(inspect.signature(build_ssl_context).parameters) == ["identity", "ca_chain_pem"]


def test_ca_chain_is_the_only_trust_when_given(bundle: CertBundle) -> None:
    context = build_ssl_context(identity=None, ca_chain_pem=bundle.ca_chain_pem)
    assert context.cert_store_stats()["x509_ca"] == 2
    subjects = {dict(x[0] for x in ca["subject"])["commonName"] for ca in context.get_ca_certs()}
    assert subjects == {"Lean Test Root CA", "Lean Test Issuing CA"}


def test_garbage_ca_chain_names_the_field() -> None:
    with pytest.raises(TLSConfigError, match=r"^mtls.ca_chain could not be loaded"):
        build_ssl_context(identity=None, ca_chain_pem=b"-----BEGIN CERTIFICATE-----\nxx\n")


class _LoadSpy:
    """Records what load_cert_chain saw: the path, its mode, its directory's mode."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        original = ssl.SSLContext.load_cert_chain

        def spy(context: ssl.SSLContext, certfile: str, *args: Any, **kwargs: Any) -> None:
            self.calls.append(
                {
                    "path": certfile,
                    "mode": stat.S_IMODE(os.stat(certfile).st_mode),
                    "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(certfile)).st_mode),
                    "contains_key": b"PRIVATE KEY" in open(certfile, "rb").read(),  # noqa: SIM115
                }
            )
            original(context, certfile, *args, **kwargs)

        monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)


def test_identity_is_loaded_from_a_memfd_that_is_closed_afterwards(
    bundle: CertBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "memfd_create"):
        pytest.skip("this platform has no memfd_create")
    spy = _LoadSpy(monkeypatch)
    identity = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    build_ssl_context(identity=identity, ca_chain_pem=bundle.ca_chain_pem)
    [call] = spy.calls
    assert call["path"].startswith("/proc/self/fd/")
    assert call["contains_key"]
    fd = int(call["path"].rsplit("/", 1)[1])
    with pytest.raises(OSError):  # closed right after OpenSSL read it
        os.fstat(fd)


@pytest.mark.parametrize("how", ["missing", "failing"])
def test_without_memfd_a_private_temp_file_is_used_and_removed(
    bundle: CertBundle, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    if how == "missing":
        _without_memfd(monkeypatch)
    else:
        # Simulates a kernel/sandbox where the call exists but is not permitted (ENOSYS).
        def refuse(*_args: Any) -> int:
            raise OSError(38, "Function not implemented")

        monkeypatch.setattr(os, "memfd_create", refuse, raising=False)
    spy = _LoadSpy(monkeypatch)
    identity = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    build_ssl_context(identity=identity, ca_chain_pem=bundle.ca_chain_pem)
    [call] = spy.calls
    assert call["path"].startswith(tempfile.gettempdir())
    assert call["mode"] == 0o600
    assert call["dir_mode"] == 0o700
    assert not os.path.exists(call["path"])
    assert not os.path.exists(os.path.dirname(call["path"]))


def test_temp_file_is_removed_even_when_openssl_refuses_the_pair(
    bundle: CertBundle, other_pki: CertBundle, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_memfd(monkeypatch)
    good = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    spy = _LoadSpy(monkeypatch)  # after: load_client_identity's own check loads the pair too
    # Built by hand to get past load_client_identity's own mismatch check.
    mismatched = ClientIdentity(
        chain_pem=good.chain_pem,
        key_pem=other_pki.client.key_pem,
        password=None,
        report=good.report,
    )
    with pytest.raises(
        TLSConfigError, match=r"OpenSSL refused mtls.certificate / mtls.private_key"
    ):
        build_ssl_context(identity=mismatched, ca_chain_pem=None)
    [call] = spy.calls
    assert not os.path.exists(os.path.dirname(call["path"]))


def test_encrypted_key_without_password_never_prompts(bundle: CertBundle) -> None:
    encrypted = private_key_pem(bundle.client.key, b"s3cret-pass")
    good = load_client_identity(bundle.client.cert_pem, bundle.client.key_pem)
    # OpenSSL would read the passphrase from the terminal if it were given no callback.
    identity = ClientIdentity(
        chain_pem=good.chain_pem, key_pem=encrypted, password=None, report=good.report
    )
    with pytest.raises(TLSConfigError, match="OpenSSL refused"):
        build_ssl_context(identity=identity, ca_chain_pem=None)
