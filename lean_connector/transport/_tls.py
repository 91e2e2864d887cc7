"""Client certificate checks and the SSLContext, built from PEM bytes held in memory.

The certificate, key and chain come from secrets (never from files the user manages), so
the key is handed to OpenSSL through an anonymous in-memory file (``memfd_create``) and
never touches a disk. Where memfd is missing, a 0600 file in a private 0700 directory is
used and removed as soon as OpenSSL has read it. Server verification cannot be turned off:
there is no parameter for it.

The checks run on the stdlib alone: ``_x509`` reads names, validity and key ids from the
DER, and OpenSSL itself checks that the key matches the certificate when it loads them
(into the context :func:`build_ssl_context` then completes, so the key is read once).
Whenever that path cannot vouch for its input, ``_cert_checks`` (``cryptography``, imported
only then) gives the precise error or the answer, so a Lambda cold start with a good
certificate never imports ``cryptography``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import ssl
import tempfile
from collections.abc import Callable

from lean_connector.errors import TLSConfigError
from lean_connector.logs import get_logger
from lean_connector.transport._types import CertificateReport
from lean_connector.transport._x509 import (
    ParsedCertificate,
    UnsupportedCertificateError,
    read_pem_certificates,
    rfc4514,
)

__all__ = [
    "CertificateReport",
    "ClientIdentity",
    "build_ssl_context",
    "check_certificates_pem",
    "check_private_key_pem",
    "load_client_identity",
]

EXPIRY_WARNING_DAYS = 30
log = get_logger(__name__)


class ClientIdentity:
    """A checked client certificate chain and its key. The repr never shows key material.

    A plain class rather than a dataclass: every mTLS cold start defines it, and a
    dataclass's generated methods cost about a millisecond there.
    """

    __slots__ = ("_loaded", "chain_pem", "key_pem", "password", "report")

    def __init__(
        self,
        *,
        chain_pem: bytes,
        key_pem: bytes,
        password: bytes | None,
        report: CertificateReport,
        _loaded: list[ssl.SSLContext] | None = None,
    ) -> None:
        self.chain_pem = chain_pem
        self.key_pem = key_pem
        self.password = password
        self.report = report
        # The context OpenSSL loaded this chain and key into when it checked that they
        # match: build_ssl_context takes it (once) instead of loading the key again.
        self._loaded = _loaded if _loaded is not None else []

    def __repr__(self) -> str:
        return (
            f"ClientIdentity(subject={self.report.subject!r}, "
            f"days_left={self.report.days_left}, chain_length={self.report.chain_length}, "
            "key=<hidden>)"
        )


def check_certificates_pem(pem: bytes, *, field_name: str) -> int:
    """Check that ``pem`` holds one or more PEM certificates; return how many.

    For validating a value before it is stored (``lean-connector secrets put``): only the
    PEM is parsed, validity dates and chains are checked when the connector loads it.
    Raises :class:`TLSConfigError` naming ``field_name`` (e.g. ``mtls.ca_chain``).
    """
    from lean_connector.transport import _cert_checks

    return _cert_checks.check_certificates_pem(pem, field_name=field_name)


def check_private_key_pem(key_pem: bytes) -> bool:
    """Check that ``key_pem`` is a PEM private key; True when it is encrypted.

    An encrypted key is not decrypted here (its password is another secret): it is checked
    against ``mtls.private_key_password`` when the connector loads it. Raises
    :class:`TLSConfigError` naming ``mtls.private_key`` when the PEM is not a usable key.
    """
    from lean_connector.transport import _cert_checks

    return _cert_checks.check_private_key_pem(key_pem)


def _complete_chain(
    leaf: ParsedCertificate, ca_chain: list[ParsedCertificate]
) -> list[ParsedCertificate] | None:
    """Leaf + the intermediates found in ca_chain, in issuer order; the root is left out.

    None when names and key identifiers cannot tell which certificate is the issuer (a key
    id missing, or several candidates): only a signature check can, in ``_cert_checks``.
    """
    chain = [leaf]
    current = leaf
    # Bounded by the pool size so a malformed chain with a cycle cannot loop.
    for _ in range(len(ca_chain)):
        if current.self_signed:
            break
        verdicts = [(candidate, current.issued_by(candidate)) for candidate in ca_chain]
        if any(verdict is None for _, verdict in verdicts):
            return None
        issuers = [candidate for candidate, verdict in verdicts if verdict]
        if len(issuers) > 1:
            return None
        if not issuers or issuers[0].self_signed or issuers[0] in chain:
            break
        chain.append(issuers[0])
        current = issuers[0]
    return chain


def _check_with_stdlib(
    certificate_pem: bytes,
    private_key_pem: bytes,
    password: bytes | None,
    ca_chain_pem: bytes | None,
    now: dt.datetime,
) -> tuple[bytes, bytes | None, CertificateReport, ssl.SSLContext] | None:
    """What :func:`load_client_identity` returns, plus the loaded context; None if unsure.

    None is not a verdict: it sends the input to ``_cert_checks``, which says what is wrong.
    """
    if b"PRIVATE KEY-----" not in private_key_pem or b"CERTIFICATE-----" in private_key_pem:
        return None
    encrypted = b"ENCRYPTED" in private_key_pem
    if encrypted and password is None:
        return None
    key_password = password if encrypted else None
    try:
        certificates = read_pem_certificates(certificate_pem)
        ca_chain = read_pem_certificates(ca_chain_pem) if ca_chain_pem else []
    except UnsupportedCertificateError:
        return None
    leaf = certificates[0]
    chain = certificates if len(certificates) > 1 else _complete_chain(leaf, ca_chain)
    if chain is None or not all(c.not_before <= now <= c.not_after for c in chain):
        return None
    chain_pem = b"".join(certificate.pem() for certificate in chain)
    # OpenSSL refuses a key that does not match the first certificate (the leaf).
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        _load_identity(context, chain_pem, private_key_pem, key_password)
    except ssl.SSLError:
        return None
    report = CertificateReport(
        subject=rfc4514(leaf.subject),
        issuer=rfc4514(leaf.issuer),
        not_after=leaf.not_after,
        days_left=int((leaf.not_after - now).total_seconds() // 86400),
        fingerprint_sha256=leaf.fingerprint_sha256(),
        chain_length=len(chain),
    )
    return chain_pem, key_password, report, context


def load_client_identity(
    certificate_pem: bytes,
    private_key_pem: bytes,
    *,
    password: bytes | None = None,
    ca_chain_pem: bytes | None = None,
) -> ClientIdentity:
    """Check a client certificate, its key and chain, and return them ready for OpenSSL.

    ``certificate_pem`` is the leaf alone or leaf + chain (as Lean's Go sample sends it).
    A leaf given alone is completed with its intermediates from ``ca_chain_pem``. Raises
    :class:`TLSConfigError` naming the ``mtls.*`` field when a PEM is unreadable, the key
    is encrypted without (or with a wrong) password, the key does not match the
    certificate, or the certificate is outside its validity window. Logs
    ``tls.certificate_checked`` (a warning under 30 days left); the Lambda
    helpers turn the report's ``days_left`` into a metric.
    """
    now = dt.datetime.now(dt.UTC)
    checked = _check_with_stdlib(certificate_pem, private_key_pem, password, ca_chain_pem, now)
    loaded: list[ssl.SSLContext] = []
    if checked is None:
        from lean_connector.transport._cert_checks import check_identity

        chain_pem, key_password, report = check_identity(
            certificate_pem, private_key_pem, password=password, ca_chain_pem=ca_chain_pem, now=now
        )
    else:
        chain_pem, key_password, report, context = checked
        loaded.append(context)
    emit = log.warning if report.days_left < EXPIRY_WARNING_DAYS else log.info
    emit(
        "tls.certificate_checked",
        subject=report.subject,
        days_left=report.days_left,
        not_after=report.not_after.isoformat(),
        fingerprint=report.fingerprint_sha256,
        chain_length=report.chain_length,
    )
    return ClientIdentity(
        chain_pem=chain_pem,
        key_pem=private_key_pem,
        password=key_password,
        report=report,
        _loaded=loaded,
    )


def _no_password() -> bytes:
    # Given to OpenSSL instead of None so an encrypted key can never trigger its
    # interactive terminal prompt (which would hang a Lambda).
    return b""


def _load_identity(
    context: ssl.SSLContext, chain_pem: bytes, key_pem: bytes, password: bytes | None
) -> None:
    """Load chain + key into ``context`` from memory (memfd), else a private temp file."""
    if not _load_identity_from_memfd(context, chain_pem, key_pem, password):
        _load_identity_from_private_file(context, chain_pem, key_pem, password)


def _load_identity_from_memfd(
    context: ssl.SSLContext, chain_pem: bytes, key_pem: bytes, password: bytes | None
) -> bool:
    """Load chain + key through an anonymous memory file. False when memfd is unavailable."""
    memfd_create: Callable[..., int] | None = getattr(os, "memfd_create", None)
    if memfd_create is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = memfd_create("lean-connector-identity", getattr(os, "MFD_CLOEXEC", 0))
    except OSError:
        return False
    try:
        os.write(fd, chain_pem + b"\n" + key_pem)
        context.load_cert_chain(f"/proc/self/fd/{fd}", password=password or _no_password)
    finally:
        os.close(fd)
    return True


def _load_identity_from_private_file(
    context: ssl.SSLContext, chain_pem: bytes, key_pem: bytes, password: bytes | None
) -> None:
    directory = tempfile.mkdtemp(prefix="lean-connector-")  # created 0700
    path = os.path.join(directory, "identity.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, chain_pem + b"\n" + key_pem)
        finally:
            os.close(fd)
        context.load_cert_chain(path, password=password or _no_password)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.rmdir(directory)


def _take_loaded_context(identity: ClientIdentity | None) -> ssl.SSLContext | None:
    """The context load_client_identity loaded ``identity`` into, once; None after that."""
    if identity is None:
        return None
    try:
        return identity._loaded.pop()  # atomic: two callers never share one context
    except IndexError:
        return None


def build_ssl_context(
    *, identity: ClientIdentity | None, ca_chain_pem: bytes | None
) -> ssl.SSLContext:
    """An SSLContext for calling Lean: TLS >= 1.2, server certificate and host name verified.

    The server is verified against ``ca_chain_pem`` when given (every certificate in it is
    a trust anchor), else against the system trust store. ``identity`` (from
    :func:`load_client_identity`) is loaded from memory for mTLS. Raises
    :class:`TLSConfigError` when OpenSSL refuses the chain, key or CA chain.
    """
    preloaded = _take_loaded_context(identity)
    context = preloaded if preloaded is not None else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    if ca_chain_pem:
        # An intermediate-only Lean chain must still work as a trust anchor.
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        try:
            context.load_verify_locations(cadata=ca_chain_pem.decode("ascii"))
        except (ssl.SSLError, UnicodeDecodeError, ValueError) as exc:
            raise TLSConfigError(
                f"mtls.ca_chain could not be loaded as trust anchors ({exc}): the secret must "
                "hold Lean's public certificate chain as PEM"
            ) from exc
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if identity is not None and preloaded is None:
        try:
            _load_identity(context, identity.chain_pem, identity.key_pem, identity.password)
        except ssl.SSLError as exc:
            raise TLSConfigError(
                f"OpenSSL refused mtls.certificate / mtls.private_key ({exc.reason or exc}): "
                "check the certificate and key PEMs and mtls.private_key_password"
            ) from exc
    return context
