"""The client certificate, key and chain checked with ``cryptography``: the precise answer.

``_tls`` checks a well-formed identity with the stdlib alone (``_x509`` and OpenSSL
through ``ssl``) and comes here only when it cannot vouch for its input: a PEM it does not
read, a key OpenSSL refuses, a certificate outside its validity window, a chain only a
signature can settle. These checks then either find the problem and raise
:class:`TLSConfigError` naming the ``mtls.*`` field and what to do, or give the answer.
``lean-connector secrets put`` validates PEMs here too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization

from lean_connector.errors import TLSConfigError
from lean_connector.transport._types import CertificateReport

__all__ = ["check_certificates_pem", "check_identity", "check_private_key_pem"]

_PORTAL_HINT = "download a new certificate from the Lean portal and update mtls.certificate"


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


def check_identity(
    certificate_pem: bytes,
    private_key_pem: bytes,
    *,
    password: bytes | None,
    ca_chain_pem: bytes | None,
    now: dt.datetime,
) -> tuple[bytes, bytes | None, CertificateReport]:
    """(chain PEM to send, the password OpenSSL needs, the report); TLSConfigError if unusable.

    See ``_tls.load_client_identity`` for what is checked.
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
        fingerprint_sha256=leaf.fingerprint(hashes.SHA256()).hex(":").upper(),
        chain_length=len(chain),
    )
    chain_pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain)
    return chain_pem, key_password, report
