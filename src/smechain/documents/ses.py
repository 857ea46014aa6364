"""Electronic-seal signatures (SES): the ASN.1 of GB/T 38540 (v4) and GM/T 0031 (v1), parsed.

A sealed OFD keeps one ``SignedValue.dat`` per seal: a DER ``SES_Signature``.
The two layouts (fields as the standards name them):

* v4, GB/T 38540-2020: ``SES_Signature{toSign TBS_Sign, cert, signatureAlgID,
  signature, timeStamp [0] OPTIONAL}`` with ``TBS_Sign{version, eseal SESeal,
  timeInfo GeneralizedTime, dataHash, propertyInfo, extDatas [0] OPTIONAL}`` and
  ``SESeal{esealInfo SES_SealInfo, cert, signAlgID, signedValue}``. The signer
  signs the DER of ``toSign``; the seal's maker signs the DER of ``esealInfo``.
* v1, GM/T 0031-2014: ``SES_Signature{toSign TBS_Sign, signature}`` with
  ``TBS_Sign{version, eseal, timeInfo BIT STRING, dataHash, propertyInfo, cert,
  signatureAlgorithm}`` and ``SESeal{esealInfo, signInfo{cert, signatureAlgorithm,
  signData}}``. The maker signs the DER of ``SEQUENCE{esealInfo, cert,
  signatureAlgorithm}``.

In both, ``SES_SealInfo{header{"ES", version, vid}, esID, property{type, name,
[certListType,] certList, createDate, validStart, validEnd}, picture, extDatas
OPTIONAL}``. Parsing keeps the exact bytes each signature covers, so nothing is
re-encoded before verification. As ofdrw does, OCTET STRING is accepted where a
BIT STRING belongs and either time type where one is named.

Every malformation (truncated DER, a wrong type, trailing bytes, garbage) raises
:class:`~smechain.documents.record.DocumentError` naming the ``source`` given and
the structure at fault.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from pyasn1.codec.der import decoder, encoder
from pyasn1.error import PyAsn1Error, SubstrateUnderrunError
from pyasn1.type import base, char, univ
from pyasn1_modules import rfc5280

from smechain.documents import ses_asn1 as asn1
from smechain.documents.record import DocumentError

# Chinese implementations write local time when a time has no zone.
CHINA_TIME = datetime.timezone(datetime.timedelta(hours=8))

# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Seal:
    """An electronic seal (``SESeal``) as its maker issued it."""

    header_version: int
    """``SES_Header.version`` (4 for GB/T 38540 seals)."""
    vendor: str
    """``SES_Header.vid``: the seal system's vendor."""
    es_id: str
    """``esID``: the seal's code."""
    name: str
    """``SES_ESPropertyInfo.name``, e.g. the tax bureau's supervision seal."""
    kind: int
    """``SES_ESPropertyInfo.type`` (1 organisation, 2 person, others by issuer)."""
    certs: tuple[bytes, ...]
    """DER certificates of the signers this seal is bound to (certListType 1)."""
    cert_digests: tuple[tuple[str, bytes], ...]
    """(hash algorithm, digest) of those certificates instead (certListType 2)."""
    created: datetime.datetime
    valid_start: datetime.datetime
    valid_end: datetime.datetime
    maker_cert: bytes
    """DER certificate of the seal's maker."""
    algorithm: str
    """OID of the maker's signature algorithm (1.2.156.10197.1.501 is SM3 with SM2)."""
    signed: bytes
    """The exact bytes the maker signed."""
    signature: bytes
    """The maker's signature (DER, as stored)."""
    der: bytes
    """The whole ``SESeal``, to compare with a ``Seal.esl`` beside the signature."""


@dataclass(frozen=True, slots=True)
class SesSignature:
    """One ``SES_Signature``: a seal applied to data by a signer."""

    version: int
    """Layout: 4 (GB/T 38540) or 1 (GM/T 0031)."""
    seal: Seal
    signing_time: datetime.datetime | None
    """``timeInfo`` as an aware datetime; ``None`` when it is no time this reads."""
    time_info: str
    """``timeInfo`` as written."""
    data_hash: bytes
    """Hash of the signed data (in OFD: of the ``Signature.xml``)."""
    property_info: str
    cert: bytes
    """DER certificate of the signer."""
    algorithm: str
    signed: bytes
    """The exact DER of ``toSign``: what the signer signed."""
    signature: bytes
    has_timestamp: bool


@dataclass(frozen=True, slots=True)
class Certificate:
    """The parts of an X.509 certificate a seal check reports and uses."""

    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    key_algorithm: str
    """OID of the key (``1.2.840.10045.2.1`` EC, with the curve in ``curve``)."""
    curve: str
    """OID of the named curve (``1.2.156.10197.1.301`` is SM2), or ``""``."""
    public_key: bytes
    """The encoded point (``04 || x || y``)."""


# --------------------------------------------------------------------------- decoding


def _decode(der: bytes, spec: object, source: str, what: str) -> base.Asn1Item:
    try:
        value, rest = decoder.decode(der, asn1Spec=spec)
    except SubstrateUnderrunError:
        raise DocumentError(source, f"{what}: truncated DER") from None
    except PyAsn1Error as exc:
        text = str(exc)
        if "not in asn1Spec" in text:
            kind = "wrong ASN.1 type"
        elif "uninitialized" in text:
            kind = "fields missing"
        else:
            kind = "not valid DER"
        raise DocumentError(source, f"{what}: {kind} ({text[:120]})") from None
    except (ValueError, TypeError, IndexError, RecursionError) as exc:
        raise DocumentError(source, f"{what}: not valid DER ({exc!s:.120})") from None
    if rest:
        raise DocumentError(source, f"{what}: {len(rest)} bytes after its end")
    return value


def _raw(value: univ.Any) -> bytes:
    return bytes(value.asOctets())


def _bytes(value: univ.Choice) -> bytes:
    return bytes(value.getComponent().asOctets())


def _text(value: base.Asn1Item) -> str:
    return bytes(value.asOctets()).decode("utf-8", "replace")


def _time(value: univ.Choice, source: str, what: str) -> datetime.datetime:
    try:
        moment = value.getComponent().asDateTime
    except (PyAsn1Error, ValueError, OverflowError) as exc:
        raise DocumentError(source, f"{what}: not a valid time ({exc!s:.80})") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)


def _tlv_tag(der: bytes) -> int:
    return der[0] if der else -1


def ec_signature_der(raw: bytes) -> bytes:
    """A signature as DER ``SEQUENCE{r, s}``: 64-byte ``r || s`` is converted, DER kept."""
    if len(raw) == 64:
        try:
            _, rest = decoder.decode(raw, asn1Spec=asn1.EcSignature())
            if not rest:
                return raw
        except PyAsn1Error:
            pass
        sig = asn1.EcSignature()
        sig["r"] = int.from_bytes(raw[:32], "big")
        sig["s"] = int.from_bytes(raw[32:], "big")
        return bytes(encoder.encode(sig))
    return raw


def _seal(der: bytes, version: int, source: str) -> Seal:
    parts = [_raw(p) for p in _decode(der, asn1.AnyList(), source, "SESeal")]
    if version == 4:
        if len(parts) != 4:
            raise DocumentError(source, f"SESeal: {len(parts)} fields (GB/T 38540 has 4)")
        info_der, cert_der, alg_der, sig_der = parts
        signed = info_der
    else:
        if len(parts) != 2:
            raise DocumentError(source, f"SESeal: {len(parts)} fields (GM/T 0031 has 2)")
        info_der = parts[0]
        sign_info = [_raw(p) for p in _decode(parts[1], asn1.AnyList(), source,
                                               "SESeal.signInfo")]
        if len(sign_info) != 3:
            raise DocumentError(source, f"SESeal.signInfo: {len(sign_info)} fields (3 expected)")
        cert_der, alg_der, sig_der = sign_info
        # GM/T 0031: the maker signs SEQUENCE{esealInfo, cert, signatureAlgorithm}.
        seq = asn1.AnyList()
        for i, item in enumerate((info_der, cert_der, alg_der)):
            seq[i] = univ.Any(item)
        signed = bytes(encoder.encode(seq))
    info = _decode(info_der, asn1.SealInfoV4() if version == 4 else asn1.SealInfoV1(), source,
                   "SESeal.esealInfo")
    header = info["header"]
    if _text(header["id"]) != "ES":
        raise DocumentError(source, f"SES_Header.ID is {_text(header['id'])[:20]!r}, not 'ES'")
    prop = info["property"]
    certs: tuple[bytes, ...] = ()
    digests: tuple[tuple[str, bytes], ...] = ()
    if version == 4 and int(prop["certListType"]) == 2:
        objs = [_decode(_raw(x), asn1.CertDigest(), source, "SES_ESPropertyInfo.certList")
                for x in prop["certList"]]
        digests = tuple((_text(o["type"]), bytes(o["value"])) for o in objs)
    elif version == 4:
        certs = tuple(bytes(_decode(_raw(x), univ.OctetString(), source,
                                    "SES_ESPropertyInfo.certList"))
                      for x in prop["certList"])
    else:
        certs = tuple(bytes(x) for x in prop["certList"])
    return Seal(
        header_version=int(header["version"]), vendor=_text(header["vid"]),
        es_id=_text(info["esID"]), name=_text(prop["name"]), kind=int(prop["type"]),
        certs=certs, cert_digests=digests,
        created=_time(prop["createDate"], source, "SES_ESPropertyInfo.createDate"),
        valid_start=_time(prop["validStart"], source, "SES_ESPropertyInfo.validStart"),
        valid_end=_time(prop["validEnd"], source, "SES_ESPropertyInfo.validEnd"),
        maker_cert=bytes(_decode(cert_der, univ.OctetString(), source, "SESeal.cert")),
        algorithm=str(_decode(alg_der, univ.ObjectIdentifier(), source, "SESeal.signAlgID")),
        signed=signed,
        signature=ec_signature_der(_bytes(_decode(sig_der, asn1.Bytes(), source,
                                                  "SESeal.signedValue"))),
        der=der,
    )


def _v1_time(raw: bytes) -> tuple[datetime.datetime | None, str]:
    """GM/T 0031 timeInfo: DER UTCTime/GeneralizedTime, or the time as text."""
    if raw[:1] in (b"\x17", b"\x18"):
        try:
            value, rest = decoder.decode(raw, asn1Spec=asn1.Time())
            if not rest:
                moment = value.getComponent().asDateTime
                text = _text(value.getComponent())
                return (moment if moment.tzinfo else moment.replace(tzinfo=CHINA_TIME)), text
        except (PyAsn1Error, ValueError, OverflowError):
            pass
    text = raw.decode("ascii", "replace").strip()
    for fmt, zone in (("%Y-%m-%d %H:%M:%S", CHINA_TIME), ("%Y%m%d%H%M%SZ", datetime.UTC),
                      ("%y%m%d%H%M%SZ", datetime.UTC), ("%Y%m%d%H%M%S", CHINA_TIME)):
        try:
            return datetime.datetime.strptime(text, fmt).replace(tzinfo=zone), text
        except ValueError:
            continue
    return None, text


def parse_ses_signature(der: bytes, source: str) -> SesSignature:
    """Parse a ``SignedValue.dat``; ``DocumentError(source, ...)`` when it is malformed.

    The layout decides the version: two fields is GM/T 0031 (v1), four or five
    GB/T 38540 (v4). Nothing is verified here: see :mod:`smechain.documents.seal`.
    """
    top = [_raw(p) for p in _decode(der, asn1.AnyList(), source, "SES_Signature")]
    if len(top) == 2:
        tbs_der, sig_der = top
        tbs = _decode(tbs_der, asn1.TbsV1(), source, "TBS_Sign (GM/T 0031)")
        seal = _seal(_raw(tbs["eseal"]), 1, source)
        signing_time, time_info = _v1_time(_bytes(tbs["timeInfo"]))
        return SesSignature(
            version=1, seal=seal, signing_time=signing_time, time_info=time_info,
            data_hash=_bytes(tbs["dataHash"]), property_info=_text(tbs["propertyInfo"]),
            cert=bytes(tbs["cert"]), algorithm=str(tbs["signatureAlgorithm"]),
            signed=tbs_der,
            signature=ec_signature_der(_bytes(_decode(sig_der, asn1.Bytes(), source,
                                                      "SES_Signature.signature"))),
            has_timestamp=False,
        )
    if len(top) not in (4, 5):
        raise DocumentError(source, f"SES_Signature: {len(top)} fields (GB/T 38540 has 4 "
                                    "or 5, GM/T 0031 has 2)")
    tbs_der, cert_der, alg_der, sig_der = top[:4]
    if len(top) == 5 and _tlv_tag(top[4]) & 0xDF != 0x80:
        raise DocumentError(source, "SES_Signature: fifth field is not timeStamp [0]")
    tbs = _decode(tbs_der, asn1.TbsV4(), source, "TBS_Sign (GB/T 38540)")
    seal = _seal(_raw(tbs["eseal"]), 4, source)
    moment = _time(tbs["timeInfo"], source, "TBS_Sign.timeInfo")
    return SesSignature(
        version=4, seal=seal, signing_time=moment,
        time_info=_text(tbs["timeInfo"].getComponent()),
        data_hash=_bytes(tbs["dataHash"]), property_info=_text(tbs["propertyInfo"]),
        cert=bytes(_decode(cert_der, univ.OctetString(), source, "SES_Signature.cert")),
        algorithm=str(_decode(alg_der, univ.ObjectIdentifier(), source,
                              "SES_Signature.signatureAlgID")),
        signed=tbs_der,
        signature=ec_signature_der(_bytes(_decode(sig_der, asn1.Bytes(), source,
                                                  "SES_Signature.signature"))),
        has_timestamp=len(top) == 5,
    )


# --------------------------------------------------------------------------- certificates

_NAME_KEYS = {
    "2.5.4.3": "CN", "2.5.4.4": "SN", "2.5.4.5": "serialNumber", "2.5.4.6": "C",
    "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.9": "street", "2.5.4.10": "O", "2.5.4.11": "OU",
    "2.5.4.12": "title", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.25": "DC",
}
# UTF8String, PrintableString, TeletexString, IA5String, UniversalString, BMPString.
_STRING_TAGS = {0x0C: char.UTF8String, 0x13: char.PrintableString, 0x14: char.TeletexString,
                0x16: char.IA5String, 0x1C: char.UniversalString, 0x1E: char.BMPString}
EC_PUBLIC_KEY = "1.2.840.10045.2.1"
SM2_CURVE = "1.2.156.10197.1.301"


def _name_value(raw: bytes) -> str:
    kind = _STRING_TAGS.get(_tlv_tag(raw))
    if kind is not None:
        try:
            value, rest = decoder.decode(raw, asn1Spec=kind())
            if not rest:
                return str(value)
        except (PyAsn1Error, UnicodeError, ValueError):
            pass
    return "#" + raw.hex()


def format_name(name: rfc5280.Name) -> str:
    """An X.509 name as ``C=CN, O=..., CN=...`` (in encoded order)."""
    parts = []
    for rdn in name.getComponent():
        for atv in rdn:
            key = _NAME_KEYS.get(str(atv["type"]), str(atv["type"]))
            parts.append(f"{key}={_name_value(_raw(atv['value']))}")
    return ", ".join(parts)


def parse_certificate(der: bytes, source: str, what: str) -> Certificate:
    """The subject, issuer, validity and public key of a DER X.509 certificate."""
    cert = _decode(der, rfc5280.Certificate(), source, what)
    tbs = cert["tbsCertificate"]
    spki = tbs["subjectPublicKeyInfo"]
    key_alg = str(spki["algorithm"]["algorithm"])
    curve = ""
    params = spki["algorithm"]["parameters"]
    if key_alg == SM2_CURVE:
        curve = SM2_CURVE
    elif params.isValue and _tlv_tag(_raw(params)) == 0x06:
        curve = str(_decode(_raw(params), univ.ObjectIdentifier(), source, f"{what} curve"))
    validity = tbs["validity"]
    return Certificate(
        subject=format_name(tbs["subject"]), issuer=format_name(tbs["issuer"]),
        not_before=_time(validity["notBefore"], source, f"{what} notBefore"),
        not_after=_time(validity["notAfter"], source, f"{what} notAfter"),
        key_algorithm=key_alg, curve=curve,
        public_key=bytes(spki["subjectPublicKey"].asOctets()),
    )


__all__ = ["Certificate", "Seal", "SesSignature", "ec_signature_der", "format_name",
           "parse_certificate", "parse_ses_signature"]
