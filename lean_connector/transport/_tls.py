"""Client certificate checks and the SSLContext, built from PEM bytes held in memory.

The certificate, key and chain come from secrets (never from files the user manages), so
the key is handed to OpenSSL through an anonymous in-memory file (``memfd_create``) and
never touches a disk. Where memfd is missing, a 0600 file in a private 0700 directory is
used and removed as soon as OpenSSL has read it. Server verification cannot be turned off:
there is no parameter for it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization

from lean_connector.errors import TLSConfigError
from lean_connector.logs import get_logger

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

_PORTAL_HINT = "download a new certificate from the Lean portal and update mtls.certificate"


@dataclass(frozen=True)
class CertificateReport:
    """What was checked about the client certificate (safe to log and show)."""

    subject: str
    issuer: str
    not_after: dt.datetime
    days_left: int
    fingerprint_sha256: str
    chain_length: int


@dataclass(frozen=True)
class ClientIdentity:
    """A checked client certificate chain and its key. The repr never shows key material."""

    chain_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)
    password: bytes | None = field(repr=False)
    report: CertificateReport

    def __repr__(self) -> str:
        return (
            f"ClientIdentity(subject={self.report.subject!r}, "
            f"days_left={self.report.days_left}, chain_length={self.report.chain_length}, "
            "key=<hidden>)"
        )


def _load_certificates(pem: bytes, field_name: str) -> list[x509.Certificate]:
    if b"PRIVATE KEY-----" in pem and b"CERTIFICATE-----" not in pem:
        raise TLSConfigError(
            f"{field_name} holds a private key, not a certificate: the certificate and key "
            "look swapped; put the certificate PEM in mtls.certificate and the key in "
            "mtls.private_key"
        )
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise TLSConfigError(
            f"{field_name} is not a PEM certificate ({exc}): the secret must hold "
            "'-----BEGIN CERTIFICATE-----' blocks"
        ) from exc


def _load_private_key(key_pem: bytes, password: bytes | None) -> tuple[Any, bytes | None]:
    """Return the key and the password OpenSSL needs (None when the key is not encrypted)."""
    if b"PRIVATE KEY-----" not in key_pem:
        if b"CERTIFICATE-----" in key_pem:
            raise TLSConfigError(
                "mtls.private_key holds a certificate, not a private key: put the key PEM "
                "('-----BEGIN PRIVATE KEY-----') in mtls.private_key"
            )
        raise TLSConfigError(
            "mtls.private_key is not a PEM private key: the secret must hold a "
            "'-----BEGIN ... PRIVATE KEY-----' block"
        )
    try:
        return serialization.load_pem_private_key(key_pem, password=password), password
    except TypeError as exc:
        if password is None:
            raise TLSConfigError(
                "mtls.private_key is encrypted: set mtls.private_key_password"
            ) from exc
        # A password for a key that is not encrypted is harmless: use the key as it is.
        return serialization.load_pem_private_key(key_pem, password=None), None
    except ValueError as exc:
        # A wrong password can also decrypt to garbage that fails to parse (when the
        # padding happens to check out), so any failure on an encrypted key counts.
        if password is not None and b"ENCRYPTED" in key_pem:
            raise TLSConfigError(
                "mtls.private_key_password does not decrypt mtls.private_key: check that "
                "the password belongs to this key (and that the key PEM is complete)"
            ) from exc
        raise TLSConfigError(
            "mtls.private_key could not be read as a private key: check the secret holds "
            "the complete PEM block"
        ) from exc
    except UnsupportedAlgorithm as exc:
        raise TLSConfigError(
            "mtls.private_key uses an unsupported algorithm: use an RSA or EC key"
        ) from exc


def check_certificates_pem(pem: bytes, *, field_name: str) -> int:
    """Check that ``pem`` holds one or more PEM certificates; return how many.

    For validating a value before it is stored (``lean-connector secrets put``): only the
    PEM is parsed, validity dates and chains are checked when the connector loads it.
    Raises :class:`TLSConfigError` naming ``field_name`` (e.g. ``mtls.ca_chain``).
    """
    return len(_load_certificates(pem, field_name))


def check_private_key_pem(key_pem: bytes) -> bool:
    """Check that ``key_pem`` is a PEM private key; True when it is encrypted.

    An encrypted key is not decrypted here (its password is another secret): it is checked
    against ``mtls.private_key_password`` when the connector loads it. Raises
    :class:`TLSConfigError` naming ``mtls.private_key`` when the PEM is not a usable key.
    """
    try:
        _load_private_key(key_pem, None)
    except TLSConfigError as exc:
        # _load_private_key maps cryptography's "no password given" TypeError: the PEM
        # parsed far enough to know it is an encrypted key.
        if isinstance(exc.__cause__, TypeError):
            return True
        raise
    return False


def _public_key_der(key: Any) -> bytes:
    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _is_self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject


def _issuer_of(cert: x509.Certificate, pool: list[x509.Certificate]) -> x509.Certificate | None:
    for candidate in pool:
        if candidate.subject != cert.issuer:
            continue
        try:
            cert.verify_directly_issued_by(candidate)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return candidate
    return None


def _complete_chain(
    leaf: x509.Certificate, ca_chain: list[x509.Certificate]
) -> list[x509.Certificate]:
    """Leaf + the intermediates found in ca_chain, in issuer order; the root is left out."""
    chain = [leaf]
    current = leaf
    # Bounded by the pool size so a malformed chain with a cycle cannot loop.
    for _ in range(len(ca_chain)):
        if _is_self_signed(current):
            break
        issuer = _issuer_of(current, ca_chain)
        if issuer is None or _is_self_signed(issuer) or issuer in chain:
            break
        chain.append(issuer)
        current = issuer
    return chain


def _check_validity(cert: x509.Certificate, what: str, now: dt.datetime) -> None:
    not_before = cert.not_valid_before_utc
    not_after = cert.not_valid_after_utc
    if now < not_before:
        raise TLSConfigError(
            f"{what} is not valid until {not_before.isoformat()} (not_after "
            f"{not_after.isoformat()}): check the machine clock, or {_PORTAL_HINT}"
        )
    if now > not_after:
        raise TLSConfigError(
            f"{what} expired on {not_after.isoformat()} (not_after): {_PORTAL_HINT}"
        )


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def load_client_identity(
    certificate_pem: bytes,
    private_key_pem: bytes,
    *,
    password: bytes | None = None,
    ca_chain_pem: bytes | None = None,
) -> ClientIdentity:
    """Check a client certificate, its key and chain, and return them ready for OpenSSL.

    ``certificate_pem`` is the leaf alone or leaf + chain (the form Lean expects).
    A leaf given alone is completed with its intermediates from ``ca_chain_pem``. Raises
    :class:`TLSConfigError` naming the ``mtls.*`` field when a PEM is unreadable, the key
    is encrypted without (or with a wrong) password, the key does not match the
    certificate, or the certificate is outside its validity window. Logs
    ``tls.certificate_checked`` (a warning under 30 days left); the Lambda
    helpers turn the report's ``days_left`` into a metric.
    """
    certificates = _load_certificates(certificate_pem, "mtls.certificate")
    ca_chain = _load_certificates(ca_chain_pem, "mtls.ca_chain") if ca_chain_pem else []
    key, key_password = _load_private_key(private_key_pem, password)
    key_der = _public_key_der(key.public_key())

    leaf = certificates[0]
    if _public_key_der(leaf.public_key()) != key_der:
        if any(_public_key_der(c.public_key()) == key_der for c in certificates[1:]):
            raise TLSConfigError(
                "mtls.certificate must start with the leaf certificate that matches "
                "mtls.private_key, followed by its chain: reorder the PEM blocks"
            )
        raise TLSConfigError(
            "mtls.private_key does not match mtls.certificate: the key belongs to another "
            "certificate; use the key generated with this certificate's CSR"
        )

    now = dt.datetime.now(dt.UTC)
    _check_validity(leaf, "mtls.certificate", now)
    chain = certificates if len(certificates) > 1 else _complete_chain(leaf, ca_chain)
    for intermediate in chain[1:]:
        _check_validity(
            intermediate,
            f"the chain certificate '{intermediate.subject.rfc4514_string()}'",
            now,
        )

    not_after = leaf.not_valid_after_utc
    report = CertificateReport(
        subject=leaf.subject.rfc4514_string(),
        issuer=leaf.issuer.rfc4514_string(),
        not_after=not_after,
        days_left=int((not_after - now).total_seconds() // 86400),
        fingerprint_sha256=_fingerprint(leaf),
        chain_length=len(chain),
    )
    emit = log.warning if report.days_left < EXPIRY_WARNING_DAYS else log.info
    emit(
        "tls.certificate_checked",
        subject=report.subject,
        days_left=report.days_left,
        not_after=report.not_after.isoformat(),
        fingerprint=report.fingerprint_sha256,
        chain_length=report.chain_length,
    )
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return ClientIdentity(
        chain_pem=chain_pem, key_pem=private_key_pem, password=key_password, report=report
    )


def _no_password() -> bytes:
    # Given to OpenSSL instead of None so an encrypted key can never trigger its
    # interactive terminal prompt (which would hang a Lambda).
    return b""


def _load_identity_from_memfd(context: ssl.SSLContext, identity: ClientIdentity) -> bool:
    """Load chain + key through an anonymous memory file. False when memfd is unavailable."""
    memfd_create: Callable[..., int] | None = getattr(os, "memfd_create", None)
    if memfd_create is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = memfd_create("lean-connector-identity", getattr(os, "MFD_CLOEXEC", 0))
    except OSError:
        return False
    try:
        os.write(fd, identity.chain_pem + b"\n" + identity.key_pem)
        context.load_cert_chain(f"/proc/self/fd/{fd}", password=identity.password or _no_password)
    finally:
        os.close(fd)
    return True


def _load_identity_from_private_file(context: ssl.SSLContext, identity: ClientIdentity) -> None:
    directory = tempfile.mkdtemp(prefix="lean-connector-")  # created 0700
    path = os.path.join(directory, "identity.pem")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, identity.chain_pem + b"\n" + identity.key_pem)
        finally:
            os.close(fd)
        context.load_cert_chain(path, password=identity.password or _no_password)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.rmdir(directory)


def build_ssl_context(
    *, identity: ClientIdentity | None, ca_chain_pem: bytes | None
) -> ssl.SSLContext:
    """An SSLContext for calling Lean: TLS >= 1.2, server certificate and host name verified.

    The server is verified against ``ca_chain_pem`` when given (every certificate in it is
    a trust anchor), else against the system trust store. ``identity`` (from
    :func:`load_client_identity`) is loaded from memory for mTLS. Raises
    :class:`TLSConfigError` when OpenSSL refuses the chain, key or CA chain.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
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
    if identity is not None:
        try:
            if not _load_identity_from_memfd(context, identity):
                _load_identity_from_private_file(context, identity)
        except ssl.SSLError as exc:
            raise TLSConfigError(
                f"OpenSSL refused mtls.certificate / mtls.private_key ({exc.reason or exc}): "
                "check the certificate and key PEMs and mtls.private_key_password"
            ) from exc
    return context
