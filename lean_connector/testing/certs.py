"""Test PKI: a root CA, an intermediate, server and client certificates (EC P-256).

The shape copies Lean's: the client certificate is issued by an intermediate, and the
"Lean public chain" a client trusts is intermediate + root. Used by the local sandbox,
by the test suite and by ``lean-connector sandbox``. Never use these for anything real.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertBundle", "IssuedCert", "issue_cert", "make_bundle", "make_ca", "private_key_pem"]


@dataclass(frozen=True)
class IssuedCert:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return private_key_pem(self.key)


def private_key_pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with ``password`` when given."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "lean-connector test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def make_ca(
    common_name: str,
    *,
    issuer: IssuedCert | None = None,
    path_length: int | None = None,
    days: int = 3650,
) -> IssuedCert:
    """A self-signed root CA, or an intermediate CA when ``issuer`` is given."""
    key = ec.generate_private_key(ec.SECP256R1())
    signer_key = issuer.key if issuer else key
    issuer_name = issuer.cert.subject if issuer else _name(common_name)
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    return IssuedCert(builder.sign(signer_key, hashes.SHA256()), key)


def issue_cert(
    issuer: IssuedCert,
    common_name: str,
    *,
    server_names: tuple[str, ...] = (),
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    days: int = 365,
) -> IssuedCert:
    """A leaf certificate: a server certificate when ``server_names`` is given, else a client one.

    ``not_before``/``not_after`` let tests make expired or nearly expired certificates.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    start = not_before or now - dt.timedelta(minutes=5)
    end = not_after or now + dt.timedelta(days=days)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server_names else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    )
    if server_names:
        alt: list[x509.GeneralName] = []
        for name in server_names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return IssuedCert(builder.sign(issuer.key, hashes.SHA256()), key)


@dataclass(frozen=True)
class CertBundle:
    """root -> intermediate -> client; root -> server. ``ca_chain_pem`` is what clients trust."""

    root: IssuedCert
    intermediate: IssuedCert
    server: IssuedCert
    client: IssuedCert

    @property
    def ca_chain_pem(self) -> bytes:
        """Intermediate + root: the equivalent of Lean's ``lean_public_cert_chain.pem``."""
        return self.intermediate.cert_pem + self.root.cert_pem

    @property
    def client_cert_with_chain_pem(self) -> bytes:
        """Leaf + intermediate: the form Lean expects a client to send."""
        return self.client.cert_pem + self.intermediate.cert_pem


def make_bundle(
    *,
    server_names: tuple[str, ...] = ("127.0.0.1", "localhost"),
    client_name: str = "lean-connector-test-app",
) -> CertBundle:
    root = make_ca("Lean Test Root CA")
    intermediate = make_ca("Lean Test Issuing CA", issuer=root, path_length=0)
    server = issue_cert(root, "lean-sandbox", server_names=server_names)
    client = issue_cert(intermediate, client_name)
    return CertBundle(root, intermediate, server, client)
