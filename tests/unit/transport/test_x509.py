"""transport._x509 (the stdlib DER reader) against cryptography, and the two check paths of _tls.

``_tls`` checks a well-formed identity with ``_x509`` and OpenSSL and hands anything else to
``_cert_checks`` (cryptography). These tests hold the reader to cryptography's answers and
show which inputs take which path, and that both paths give the same identity.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lean_connector.testing.certs import CertBundle, IssuedCert, issue_cert, make_ca
from lean_connector.transport import _cert_checks, _tls, load_client_identity
from lean_connector.transport._x509 import (
    UnsupportedCertificateError,
    read_pem_certificates,
    rfc4514,
)

_KEY = ec.generate_private_key(ec.SECP256R1())


def _certificate(
    subject: x509.Name,
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    extensions: bool = True,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(_KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=1))
    )
    if extensions:
        builder = builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(_KEY.public_key()), critical=False
        )
    return builder.sign(_KEY, hashes.SHA256())


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


# --- the reader against cryptography -------------------------------------------------


def test_the_test_pki_reads_as_cryptography_reads_it(bundle: CertBundle) -> None:
    for issued in (bundle.root, bundle.intermediate, bundle.client, bundle.server):
        [parsed] = read_pem_certificates(issued.cert_pem)
        cert = issued.cert
        assert rfc4514(parsed.subject) == cert.subject.rfc4514_string()
        assert rfc4514(parsed.issuer) == cert.issuer.rfc4514_string()
        assert parsed.not_before == cert.not_valid_before_utc
        assert parsed.not_after == cert.not_valid_after_utc
        assert parsed.fingerprint_sha256() == cert.fingerprint(hashes.SHA256()).hex(":").upper()
        assert parsed.pem() == issued.cert_pem
        assert parsed.self_signed == (cert.subject == cert.issuer)


def test_key_identifiers_decide_who_issued_whom(bundle: CertBundle, other_pki: CertBundle) -> None:
    [client] = read_pem_certificates(bundle.client.cert_pem)
    [issuer] = read_pem_certificates(bundle.intermediate.cert_pem)
    [same_name_other_key] = read_pem_certificates(other_pki.intermediate.cert_pem)
    [root] = read_pem_certificates(bundle.root.cert_pem)
    assert client.issued_by(issuer) is True
    assert client.issued_by(same_name_other_key) is False  # same subject, another key id
    assert client.issued_by(root) is False  # another name
    ski = bundle.intermediate.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert issuer.subject_key_id == ski.value.digest


def test_without_key_identifiers_only_a_signature_can_tell() -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "No Key Ids")])
    [bare] = read_pem_certificates(_pem(_certificate(name, extensions=False)))
    assert bare.issued_by(bare) is None


def test_generalized_time_after_2049_is_read() -> None:
    # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "far")])
    far = dt.datetime(2061, 7, 1, 12, 30, 45, tzinfo=dt.UTC)
    cert = _certificate(name, not_after=far)
    [parsed] = read_pem_certificates(_pem(cert))
    assert parsed.not_after == far == cert.not_valid_after_utc


_ATTRIBUTE_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=24
)


@settings(max_examples=60, deadline=None)
@given(
    common_name=_ATTRIBUTE_TEXT.filter(lambda s: len(s) <= 64),
    unit=_ATTRIBUTE_TEXT,
    multi_valued=st.booleans(),
)
@example(common_name=" lead", unit="trail ", multi_valued=False)
@example(common_name="#hash", unit=" ", multi_valued=True)
@example(common_name='a,b+c;d<e>f\\g"h', unit="nul\0byte", multi_valued=False)
def test_rfc4514_text_matches_cryptography_for_any_value(
    common_name: str, unit: str, multi_valued: bool
) -> None:
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
    ]
    rdns = (
        [x509.RelativeDistinguishedName(attributes)]
        if multi_valued
        else [x509.RelativeDistinguishedName([a]) for a in attributes]
    )
    cert = _certificate(
        x509.Name(
            [
                x509.RelativeDistinguishedName(
                    [x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "example")]
                ),
                *rdns,
                x509.RelativeDistinguishedName(
                    [x509.NameAttribute(NameOID.EMAIL_ADDRESS, "ops@example.com")]
                ),
            ]
        )
    )
    [parsed] = read_pem_certificates(_pem(cert))
    assert rfc4514(parsed.subject) == cert.subject.rfc4514_string()


def test_bmp_string_names_are_decoded() -> None:
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "Lean تطبيق", _type=_ASN1Type.BMPString)]
    )
    cert = _certificate(name)
    [parsed] = read_pem_certificates(_pem(cert))
    assert rfc4514(parsed.subject) == cert.subject.rfc4514_string() == "CN=Lean تطبيق"


@pytest.mark.parametrize(
    "pem",
    [
        b"",
        b"not a certificate",
        b"-----BEGIN CERTIFICATE-----\nAAAA\n",  # no END line
        b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",  # not DER
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
    ids=["empty", "text", "unterminated", "not-der", "a-key"],
)
def test_what_the_reader_cannot_vouch_for_is_refused(pem: bytes) -> None:
    with pytest.raises(UnsupportedCertificateError):
        read_pem_certificates(pem)


def test_a_teletex_name_is_left_to_cryptography() -> None:
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "teletex", _type=_ASN1Type.T61String)]
    )
    with pytest.raises(UnsupportedCertificateError, match="DER type 0x14"):
        read_pem_certificates(_pem(_certificate(name)))


# --- the two paths of load_client_identity ---------------------------------------------


def _reference(
    issued: IssuedCert, ca_chain_pem: bytes | None, cert_pem: bytes | None = None
) -> tuple[bytes, bytes | None, object]:
    return _cert_checks.check_identity(
        cert_pem or issued.cert_pem,
        issued.key_pem,
        password=None,
        ca_chain_pem=ca_chain_pem,
        now=dt.datetime.now(dt.UTC),
    )


@pytest.mark.parametrize("as_given", ["leaf-and-ca-chain", "leaf-plus-chain", "leaf-alone"])
def test_stdlib_path_gives_what_cryptography_gives(bundle: CertBundle, as_given: str) -> None:
    cert_pem = bundle.client_cert_with_chain_pem if as_given == "leaf-plus-chain" else None
    ca_chain = bundle.ca_chain_pem if as_given == "leaf-and-ca-chain" else None
    now = dt.datetime.now(dt.UTC)
    checked = _tls._check_with_stdlib(
        cert_pem or bundle.client.cert_pem, bundle.client.key_pem, None, ca_chain, now
    )
    assert checked is not None, "a well-formed identity must take the stdlib path"
    chain_pem, password, report, _context = checked
    assert (chain_pem, password, report) == _reference(bundle.client, ca_chain, cert_pem)


def test_a_certificate_with_an_rsa_key_takes_the_stdlib_path(bundle: CertBundle) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rsa-app")]))
        .issuer_name(bundle.intermediate.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(
                bundle.intermediate.key.public_key()
            ),
            critical=False,
        )
        .sign(bundle.intermediate.key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    checked = _tls._check_with_stdlib(_pem(cert), key_pem, None, bundle.ca_chain_pem, now)
    assert checked is not None
    assert checked[2].chain_length == 2


def test_same_named_issuers_without_key_ids_are_settled_by_signature(bundle: CertBundle) -> None:
    # Two CAs with one name and no key identifiers: names cannot tell which one issued the
    # leaf, so the stdlib path steps aside and cryptography verifies the signatures.
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Twin CA")])
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(2)]
    cas = [
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(bundle.root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(bundle.root.key, hashes.SHA256())
        for key in keys
    ]
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "twin-app")]))
        .issuer_name(name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(keys[1], hashes.SHA256())  # the second twin
    )
    leaf_key_pem = leaf_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ca_chain = _pem(*cas)
    assert _tls._check_with_stdlib(_pem(leaf), leaf_key_pem, None, ca_chain, now) is None
    identity = load_client_identity(_pem(leaf), leaf_key_pem, ca_chain_pem=ca_chain)
    assert x509.load_pem_x509_certificates(identity.chain_pem) == [leaf, cas[1]]


def test_renewed_intermediate_with_the_same_key_is_settled_as_cryptography_does(
    bundle: CertBundle,
) -> None:
    renewed: IssuedCert = make_ca("Lean Test Issuing CA", issuer=bundle.root, path_length=0)
    same_key_again = IssuedCert(
        x509.CertificateBuilder()
        .subject_name(renewed.cert.subject)
        .issuer_name(bundle.root.cert.subject)
        .public_key(renewed.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(renewed.cert.not_valid_before_utc)
        .not_valid_after(renewed.cert.not_valid_after_utc + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(renewed.key.public_key()), critical=False
        )
        .sign(bundle.root.key, hashes.SHA256()),
        renewed.key,
    )
    leaf = issue_cert(renewed, "renewed-app")
    ca_chain = same_key_again.cert_pem + renewed.cert_pem + bundle.root.cert_pem
    now = dt.datetime.now(dt.UTC)
    assert _tls._check_with_stdlib(leaf.cert_pem, leaf.key_pem, None, ca_chain, now) is None
    identity = load_client_identity(leaf.cert_pem, leaf.key_pem, ca_chain_pem=ca_chain)
    assert identity.chain_pem == _reference(leaf, ca_chain)[0]


def test_a_good_identity_never_imports_cryptography(bundle: CertBundle) -> None:
    code = (
        "import json, sys\n"
        "from lean_connector.transport import build_ssl_context, load_client_identity\n"
        "pems = {k: v.encode() for k, v in json.load(sys.stdin).items()}\n"
        "identity = load_client_identity(pems['cert'], pems['key'], ca_chain_pem=pems['ca'])\n"
        "build_ssl_context(identity=identity, ca_chain_pem=pems['ca'])\n"
        "print(json.dumps({'chain_length': identity.report.chain_length,\n"
        "    'crypto': sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography')}))\n"
    )
    pems = {
        "cert": bundle.client.cert_pem.decode(),
        "key": bundle.client.key_pem.decode(),
        "ca": bundle.ca_chain_pem.decode(),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(pems),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {"chain_length": 2, "crypto": []}
