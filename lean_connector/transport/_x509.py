"""The few X.509 fields the client-certificate checks read, decoded from DER with the stdlib.

Names (to complete a chain and to report), the validity window, the key identifiers and
the SHA-256 fingerprint: enough for ``_tls`` to check a well-formed certificate chain
without importing ``cryptography`` (a large library a Lambda cold start would pay for on
every new container). Anything this reader does not understand raises
:class:`UnsupportedCertificateError`; ``_tls`` then hands the input to ``_cert_checks``,
which parses it with ``cryptography`` and gives the precise error, or the answer.
"""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import ssl

__all__ = [
    "ParsedCertificate",
    "UnsupportedCertificateError",
    "read_pem_certificates",
    "rfc4514",
]


class UnsupportedCertificateError(ValueError):
    """Input this reader cannot vouch for (malformed, or a form it does not decode)."""


_BEGIN, _END = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"

# DER tags used below.
_SEQUENCE, _SET, _INTEGER, _OID, _OCTET_STRING, _BOOLEAN = 0x30, 0x31, 0x02, 0x06, 0x04, 0x01
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18
_VERSION, _EXTENSIONS, _KEY_ID = 0xA0, 0xA3, 0x80
# String types an attribute value may have, and how each is decoded.
_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1E: "utf-16-be",  # BMPString
    0x1C: "utf-32-be",  # UniversalString
}
# Short names in RFC 4514 strings; others show as dotted OIDs (as cryptography does).
_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.6": "C",
    "2.5.4.9": "STREET",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
}
_SUBJECT_KEY_ID = "2.5.29.14"
_AUTHORITY_KEY_ID = "2.5.29.35"

Attribute = tuple[str, str]  # (dotted OID, value)
Name = tuple[tuple[Attribute, ...], ...]  # RDNs in DER order


class ParsedCertificate:
    """One certificate: its DER and the fields the checks need. Equal when the DER is.

    A plain class rather than a dataclass: this module runs on every cold start, where
    generating a dataclass's methods costs more than the class is used.
    """

    __slots__ = (
        "authority_key_id",
        "der",
        "issuer",
        "not_after",
        "not_before",
        "subject",
        "subject_key_id",
    )

    def __init__(
        self,
        *,
        der: bytes,
        subject: Name,
        issuer: Name,
        not_before: dt.datetime,
        not_after: dt.datetime,
        subject_key_id: bytes | None,
        authority_key_id: bytes | None,
    ) -> None:
        self.der = der
        self.subject = subject
        self.issuer = issuer
        self.not_before = not_before
        self.not_after = not_after
        self.subject_key_id = subject_key_id
        self.authority_key_id = authority_key_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParsedCertificate) and other.der == self.der

    def __hash__(self) -> int:
        return hash(self.der)

    def __repr__(self) -> str:
        return f"ParsedCertificate(subject={rfc4514(self.subject)!r}, not_after={self.not_after})"

    @property
    def subject_key(self) -> tuple[frozenset[Attribute], ...]:
        """The subject for comparisons: attribute order inside an RDN does not count."""
        return _name_key(self.subject)

    @property
    def issuer_key(self) -> tuple[frozenset[Attribute], ...]:
        return _name_key(self.issuer)

    @property
    def self_signed(self) -> bool:
        return self.subject_key == self.issuer_key

    def issued_by(self, candidate: ParsedCertificate) -> bool | None:
        """Whether ``candidate`` issued this certificate, as far as names and key ids tell.

        False when the names or the key identifiers differ; True when the names match and
        this certificate's authority key id is ``candidate``'s subject key id; None when
        the names match but a key id is missing (only the signature can tell then).
        """
        if candidate.subject_key != self.issuer_key:
            return False
        if self.authority_key_id is None or candidate.subject_key_id is None:
            return None
        return self.authority_key_id == candidate.subject_key_id

    def fingerprint_sha256(self) -> str:
        return hashlib.sha256(self.der).digest().hex(":").upper()

    def pem(self) -> bytes:
        return ssl.DER_cert_to_PEM_cert(self.der).encode("ascii")


def rfc4514(name: Name) -> str:
    """``name`` as an RFC 4514 string, last RDN first (the same text cryptography gives)."""
    return ",".join(
        "+".join(f"{_SHORT_NAMES.get(oid, oid)}={_escape(value)}" for oid, value in rdn)
        for rdn in reversed(name)
    )


def _escape(value: str) -> str:
    if not value:
        return ""
    for char in ("\\", '"', "+", ",", ";", "<", ">"):
        value = value.replace(char, "\\" + char)
    value = value.replace("\0", "\\00")
    if value[0] == "#" or (value[0] == " " and len(value) > 1):
        value = "\\" + value
    if value[-1] == " ":
        value = value[:-1] + "\\ "
    return value


def _name_key(name: Name) -> tuple[frozenset[Attribute], ...]:
    return tuple(frozenset(rdn) for rdn in name)


def read_pem_certificates(pem: bytes) -> list[ParsedCertificate]:
    """Every ``CERTIFICATE`` block of ``pem``, parsed; UnsupportedCertificateError otherwise.

    Refused (for the precise checks to explain): no block, a block of another kind, a
    block that is not clean base64 or not a certificate this reader decodes.
    """
    if pem.count(b"-----BEGIN ") != pem.count(_BEGIN):
        raise UnsupportedCertificateError("a PEM block that is not a certificate")
    bodies, at = [], 0
    while (start := pem.find(_BEGIN, at)) != -1:
        end = pem.find(_END, start)
        body = pem[start + len(_BEGIN) : end]
        if end == -1 or b"-----" in body:
            raise UnsupportedCertificateError("a certificate block without its END line")
        bodies.append(body)
        at = end + len(_END)
    if not bodies:
        raise UnsupportedCertificateError("no PEM certificate block")
    certificates = []
    for body in bodies:
        try:
            der = binascii.a2b_base64(body, strict_mode=False)
        except binascii.Error as exc:
            raise UnsupportedCertificateError("a certificate block that is not base64") from exc
        certificates.append(_parse_certificate(der))
    return certificates


# -- DER ----------------------------------------------------------------------------------


def _element(data: bytes, offset: int, end: int) -> tuple[int, int, int]:
    """(tag, value start, value end) of the DER element at ``offset``, within ``end``."""
    if offset + 2 > end:
        raise UnsupportedCertificateError("truncated DER")
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if tag & 0x1F == 0x1F:
        raise UnsupportedCertificateError("DER high tag number")
    if length & 0x80:
        size = length & 0x7F
        if not 1 <= size <= 4 or offset + size > end:
            raise UnsupportedCertificateError("DER length")
        length = int.from_bytes(data[offset : offset + size], "big")
        offset += size
    if offset + length > end:
        raise UnsupportedCertificateError("truncated DER")
    return tag, offset, offset + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found = []
    while start < end:
        tag, value_start, value_end = _element(data, start, end)
        found.append((tag, value_start, value_end))
        start = value_end
    return found


def _expect(element: tuple[int, int, int], tag: int) -> tuple[int, int]:
    if element[0] != tag:
        raise UnsupportedCertificateError(f"DER tag {element[0]:#x}, expected {tag:#x}")
    return element[1], element[2]


def _oid(value: bytes) -> str:
    if not value or value[-1] & 0x80:
        raise UnsupportedCertificateError("malformed OID")
    numbers, current = [], 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(current)
            current = 0
    first = min(numbers[0] // 40, 2)
    return ".".join(str(n) for n in (first, numbers[0] - 40 * first, *numbers[1:]))


def _name(data: bytes, start: int, end: int) -> Name:
    rdns = []
    for rdn in _children(data, start, end):
        attributes = []
        for attribute in _children(data, *_expect(rdn, _SET)):
            parts = _children(data, *_expect(attribute, _SEQUENCE))
            if len(parts) != 2:
                raise UnsupportedCertificateError("malformed name attribute")
            oid = _oid(data[slice(*_expect(parts[0], _OID))])
            tag, value_start, value_end = parts[1]
            codec = _STRING_CODECS.get(tag)
            if codec is None:
                raise UnsupportedCertificateError(f"name attribute of DER type {tag:#x}")
            try:
                attributes.append((oid, data[value_start:value_end].decode(codec)))
            except UnicodeDecodeError as exc:
                raise UnsupportedCertificateError("undecodable name attribute") from exc
        if not attributes:
            raise UnsupportedCertificateError("empty RDN")
        rdns.append(tuple(attributes))
    return tuple(rdns)


def _time(data: bytes, element: tuple[int, int, int]) -> dt.datetime:
    tag, start, end = element
    text = data[start:end].decode("ascii", "replace")
    if tag == _UTC_TIME and len(text) == 13 and text.endswith("Z") and text[:12].isdigit():
        year = int(text[:2])
        text = ("19" if year >= 50 else "20") + text  # RFC 5280: YY >= 50 is 19YY
    elif not (
        tag == _GENERALIZED_TIME and len(text) == 15 and text.endswith("Z") and text[:14].isdigit()
    ):
        raise UnsupportedCertificateError("a certificate time in another form than RFC 5280")
    year, month, day, hour, minute, second = (
        int(text[at : at + size]) for at, size in ((0, 4), (4, 2), (6, 2), (8, 2), (10, 2), (12, 2))
    )
    try:
        return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)
    except ValueError as exc:
        raise UnsupportedCertificateError("invalid certificate time") from exc


def _key_ids(data: bytes, start: int, end: int) -> tuple[bytes | None, bytes | None]:
    """(subject key id, authority key id) from the extensions, each None when absent."""
    subject_key_id = authority_key_id = None
    for extension in _children(data, *_expect(_element(data, start, end), _SEQUENCE)):
        parts = _children(data, *_expect(extension, _SEQUENCE))
        if len(parts) == 3:
            _expect(parts[1], _BOOLEAN)
        elif len(parts) != 2:
            raise UnsupportedCertificateError("malformed extension")
        oid = _oid(data[slice(*_expect(parts[0], _OID))])
        value_start, value_end = _expect(parts[-1], _OCTET_STRING)
        if oid == _SUBJECT_KEY_ID:
            key_id = _element(data, value_start, value_end)
            subject_key_id = data[slice(*_expect(key_id, _OCTET_STRING))]
        elif oid == _AUTHORITY_KEY_ID:
            inner = _element(data, value_start, value_end)
            for tag, field_start, field_end in _children(data, *_expect(inner, _SEQUENCE)):
                if tag == _KEY_ID:
                    authority_key_id = data[field_start:field_end]
    return subject_key_id, authority_key_id


def _parse_certificate(der: bytes) -> ParsedCertificate:
    tag, start, end = _element(der, 0, len(der))
    if tag != _SEQUENCE or end != len(der):
        raise UnsupportedCertificateError("not a DER certificate")
    certificate = _children(der, start, end)
    if len(certificate) != 3:
        raise UnsupportedCertificateError("not a DER certificate")
    tbs = _children(der, *_expect(certificate[0], _SEQUENCE))
    if tbs and tbs[0][0] == _VERSION:
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise UnsupportedCertificateError("truncated TBSCertificate")
    _expect(tbs[0], _INTEGER)  # serial number
    _expect(tbs[1], _SEQUENCE)  # signature algorithm
    issuer = _name(der, *_expect(tbs[2], _SEQUENCE))
    validity = _children(der, *_expect(tbs[3], _SEQUENCE))
    if len(validity) != 2:
        raise UnsupportedCertificateError("malformed validity")
    subject = _name(der, *_expect(tbs[4], _SEQUENCE))
    _expect(tbs[5], _SEQUENCE)  # subject public key info
    subject_key_id = authority_key_id = None
    for tag, value_start, value_end in tbs[6:]:
        if tag == _EXTENSIONS:
            subject_key_id, authority_key_id = _key_ids(der, value_start, value_end)
    return ParsedCertificate(
        der=der,
        subject=subject,
        issuer=issuer,
        not_before=_time(der, validity[0]),
        not_after=_time(der, validity[1]),
        subject_key_id=subject_key_id,
        authority_key_id=authority_key_id,
    )
