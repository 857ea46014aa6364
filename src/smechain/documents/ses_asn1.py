"""The ASN.1 of electronic-seal signatures: GB/T 38540-2020 (v4) and GM/T 0031-2014 (v1).

pyasn1 schemas, named as the standards name the structures. The parts a
signature covers (``toSign``, ``eseal``, ``esealInfo``) are declared ``Any`` so
that their exact DER is kept and then decoded again with their own schema:
nothing is re-encoded before a signature is verified. Where producers deviate
in practice (ofdrw accepts the same), an OCTET STRING is accepted where a BIT
STRING belongs and either time type where one is named.
"""

from __future__ import annotations

from pyasn1.type import char, namedtype, namedval, univ, useful


class AnyList(univ.SequenceOf):
    """A SEQUENCE read element by element, each kept as its exact DER."""

    componentType = univ.Any()


class OctetList(univ.SequenceOf):
    componentType = univ.OctetString()


class Time(univ.Choice):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("utcTime", useful.UTCTime()),
        namedtype.NamedType("generalTime", useful.GeneralizedTime()),
    )


class Bytes(univ.Choice):
    """BIT STRING by the standards; OCTET STRING from some producers."""

    componentType = namedtype.NamedTypes(
        namedtype.NamedType("bits", univ.BitString()),
        namedtype.NamedType("octets", univ.OctetString()),
    )


class Header(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("id", char.IA5String()),
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("vid", char.IA5String()),
    )


class ExtData(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("extnID", univ.ObjectIdentifier()),
        namedtype.DefaultedNamedType("critical", univ.Boolean(False)),
        namedtype.NamedType("extnValue", univ.OctetString()),
    )


class ExtensionDatas(univ.SequenceOf):
    componentType = ExtData()


class PictureInfo(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", char.IA5String()),
        namedtype.NamedType("data", univ.OctetString()),
        namedtype.NamedType("width", univ.Integer()),
        namedtype.NamedType("height", univ.Integer()),
    )


class PropertyV4(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", univ.Integer()),
        namedtype.NamedType("name", char.UTF8String()),
        namedtype.NamedType("certListType", univ.Integer(
            namedValues=namedval.NamedValues(("certs", 1), ("certDigestList", 2)))),
        namedtype.NamedType("certList", AnyList()),
        namedtype.NamedType("createDate", Time()),
        namedtype.NamedType("validStart", Time()),
        namedtype.NamedType("validEnd", Time()),
    )


class PropertyV1(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", univ.Integer()),
        namedtype.NamedType("name", char.UTF8String()),
        namedtype.NamedType("certList", OctetList()),
        namedtype.NamedType("createDate", Time()),
        namedtype.NamedType("validStart", Time()),
        namedtype.NamedType("validEnd", Time()),
    )


class SealInfoV4(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("header", Header()),
        namedtype.NamedType("esID", char.IA5String()),
        namedtype.NamedType("property", PropertyV4()),
        namedtype.NamedType("picture", PictureInfo()),
        namedtype.OptionalNamedType("extDatas", ExtensionDatas()),
    )


class SealInfoV1(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("header", Header()),
        namedtype.NamedType("esID", char.IA5String()),
        namedtype.NamedType("property", PropertyV1()),
        namedtype.NamedType("picture", PictureInfo()),
        namedtype.OptionalNamedType("extDatas", ExtensionDatas()),
    )


class CertDigest(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("type", char.PrintableString()),
        namedtype.NamedType("value", univ.OctetString()),
    )


class TbsV4(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("eseal", univ.Any()),
        namedtype.NamedType("timeInfo", Time()),
        namedtype.NamedType("dataHash", Bytes()),
        namedtype.NamedType("propertyInfo", char.IA5String()),
        namedtype.OptionalNamedType("extDatas", univ.Any()),
    )


class TbsV1(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("version", univ.Integer()),
        namedtype.NamedType("eseal", univ.Any()),
        namedtype.NamedType("timeInfo", Bytes()),
        namedtype.NamedType("dataHash", Bytes()),
        namedtype.NamedType("propertyInfo", char.IA5String()),
        namedtype.NamedType("cert", univ.OctetString()),
        namedtype.NamedType("signatureAlgorithm", univ.ObjectIdentifier()),
    )


class EcSignature(univ.Sequence):
    componentType = namedtype.NamedTypes(
        namedtype.NamedType("r", univ.Integer()),
        namedtype.NamedType("s", univ.Integer()),
    )
