"""Off-ledger: read DCSA eBL 3.0 messages, validate them against the DCSA OpenAPI schemas and
turn a transport document into what ``bill_of_lading.issue`` records.

Message kinds (:class:`Kind`) and the schema each is validated against (the specs are in
``openapi/``; their SwaggerHub ``$ref`` URLs resolve to the domain files there through a
``referencing`` registry, so nothing is fetched):

| kind | spec | schema |
|---|---|---|
| ``transport_document`` | ``EBL_v3.0.0`` | ``TransportDocument`` |
| ``shipping_instructions`` | ``EBL_v3.0.0`` | ``CreateShippingInstructions`` |
| ``issuance_request`` | ``EBL_ISS_v3.0.0`` | ``IssuanceRequest`` (``document``: the TD) |
| ``surrender_request`` | ``EBL_SUR_v3.0.0`` | ``SurrenderRequestDetails`` |
| ``pint_envelope`` | ``EBL_PINT_v3.0.0`` | ``EblEnvelope`` (``transportDocument``, signed chain) |
| ``pint_chain_entry`` | ``EBL_PINT_v3.0.0`` | ``EnvelopeTransferChainEntry`` (a JWS payload) |
| ``error_response`` | ``EBL_v3.0.0`` | ``ErrorResponse`` (an API's error, not a document) |

OpenAPI 3.0 schema objects are JSON Schema draft 4 in their keywords that matter here
(boolean ``exclusiveMinimum``, ``$ref`` replacing its siblings), so a
``Draft4Validator`` reads them as they are; each kind's validator is built once per
process (:func:`validator`).

Every refusal is a :class:`DcsaError` naming the JSON path of the element at fault
(``transports.portOfLoading.UNLocationCode``, ``document.consignmentItems[0].HSCodes``;
``""`` for the whole message) and the reason. Hostile input is refused before the
schema sees it: more than ``MAX_DOCUMENT`` bytes, bytes that are not UTF-8 JSON, nesting
deeper than ``MAX_DEPTH``, duplicate keys (two readings of one document would have two
meanings under one digest), ``NaN``/``Infinity``, a top level that is not an object.

The document's digest is SHA-256 of its RFC 8785 canonical JSON (``rfc8785``), as PINT
computes ``transportDocumentChecksum``. Numbers are read exactly (``Decimal``) for the
figures: the declared value becomes minor units of its ISO 4217 currency, weights grams.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import rfc8785
import yaml
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from smechain.core.currency import minor_digits
from smechain.core.encoding import shown
from smechain.core.errors import BadArguments
from smechain.modules.bill_of_lading.contract import MAX_GOODS, Document, check_document

SPECS = Path(__file__).resolve().parent / "openapi"
SWAGGERHUB = "https://api.swaggerhub.com"
SPEC_URLS = {
    "EBL_v3.0.0.yaml": f"{SWAGGERHUB}/apis/dcsaorg/DCSA_EBL/3.0.0",
    "EBL_ISS_v3.0.0.yaml": f"{SWAGGERHUB}/apis/dcsaorg/DCSA_EBL_ISS/3.0.0",
    "EBL_SUR_v3.0.0.yaml": f"{SWAGGERHUB}/apis/dcsaorg/DCSA_EBL_SUR/3.0.0",
    "EBL_PINT_v3.0.0.yaml": f"{SWAGGERHUB}/apis/dcsaorg/DCSA_EBL_PINT/3.0.0",
    "dcsa_domain_v3.1.0.yaml": f"{SWAGGERHUB}/domains/dcsaorg/DCSA_DOMAIN/3.1.0",
    "dcsa_location_v4.0.0.yaml": f"{SWAGGERHUB}/domains/dcsaorg/LOCATION_DOMAIN/4.0.0",
}
"""Each spec file and the URL its ``$ref``s are written against."""

MAX_DOCUMENT = 2 * 1024 * 1024
"""Largest message read, in bytes (DCSA transport documents are a few kilobytes)."""
MAX_DEPTH = 64
"""Deepest nesting of arrays and objects read (DCSA documents nest about ten deep)."""
MAX_PROBLEMS = 20
"""Most schema problems reported for one message."""


class Kind(StrEnum):
    """What a DCSA message is."""

    TRANSPORT_DOCUMENT = "transport_document"
    SHIPPING_INSTRUCTIONS = "shipping_instructions"
    ISSUANCE_REQUEST = "issuance_request"
    SURRENDER_REQUEST = "surrender_request"
    PINT_ENVELOPE = "pint_envelope"
    PINT_CHAIN_ENTRY = "pint_chain_entry"
    ERROR_RESPONSE = "error_response"


SCHEMAS = {
    Kind.TRANSPORT_DOCUMENT: ("EBL_v3.0.0.yaml", "TransportDocument"),
    Kind.SHIPPING_INSTRUCTIONS: ("EBL_v3.0.0.yaml", "CreateShippingInstructions"),
    Kind.ISSUANCE_REQUEST: ("EBL_ISS_v3.0.0.yaml", "IssuanceRequest"),
    Kind.SURRENDER_REQUEST: ("EBL_SUR_v3.0.0.yaml", "SurrenderRequestDetails"),
    Kind.PINT_ENVELOPE: ("EBL_PINT_v3.0.0.yaml", "EblEnvelope"),
    Kind.PINT_CHAIN_ENTRY: ("EBL_PINT_v3.0.0.yaml", "EnvelopeTransferChainEntry"),
    Kind.ERROR_RESPONSE: ("EBL_v3.0.0.yaml", "ErrorResponse"),
}
"""The spec file and schema of each kind."""
DOCUMENT_AT: dict[Kind, tuple[str, ...]] = {
    Kind.TRANSPORT_DOCUMENT: (), Kind.ISSUANCE_REQUEST: ("document",),
    Kind.PINT_ENVELOPE: ("transportDocument",)}
"""Where the transport document is in each kind that carries one."""
DESCRIBED = {
    Kind.TRANSPORT_DOCUMENT: "a DCSA transport document",
    Kind.SHIPPING_INSTRUCTIONS: "DCSA shipping instructions (the shipper's request the "
                                "carrier issues the transport document from)",
    Kind.ISSUANCE_REQUEST: "a DCSA eBL issuance request",
    Kind.SURRENDER_REQUEST: "a DCSA eBL surrender request",
    Kind.PINT_ENVELOPE: "a DCSA PINT envelope",
    Kind.PINT_CHAIN_ENTRY: "a DCSA PINT envelope transfer chain entry",
    Kind.ERROR_RESPONSE: "a DCSA API error response, not a document",
}

GRAMS_PER = {"KGM": Decimal(1000), "LBR": Decimal("453.59237")}
"""Grams in a DCSA weight unit (the international avoirdupois pound, exactly)."""
REQUIRED = re.compile(r"^'(.+)' is a required property$")
JWS = re.compile(r"^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a message: where (a JSON path) and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class DcsaError(ValueError):
    """A message refused: ``path`` (JSON path of the element at fault, ``""``: the whole
    message) and ``reason``, the first of ``problems``."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(str(problems[0]) + (
            f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        self.problems = problems
        self.path = problems[0].path
        self.reason = problems[0].reason


def _fail(path: str, reason: str) -> DcsaError:
    return DcsaError([Problem(path, reason)])


# --------------------------------------------------------------------------- schemas


@cache
def registry() -> Registry[Any]:
    """The six specs, each under its SwaggerHub URL (read once per process)."""
    resources = []
    for name, url in SPEC_URLS.items():
        with open(SPECS / name, encoding="utf-8") as f:
            contents = yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        resources.append((url, Resource.from_contents(contents,
                                                      default_specification=DRAFT4)))
    return Registry().with_resources(resources)


@cache
def validator(kind: Kind) -> Draft4Validator:
    """The validator of ``kind``'s schema, built once per process."""
    spec, schema = SCHEMAS[kind]
    ref = {"$ref": f"{SPEC_URLS[spec]}#/components/schemas/{schema}"}
    return Draft4Validator(ref, registry=registry(), format_checker=FormatChecker())


def json_path(parts: Iterator[str | int] | Any, prefix: str = "") -> str:
    """``a.b[0].c`` from path parts (``prefix``: the path of their root)."""
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else "null"


def _problem(error: ValidationError, prefix: str) -> Problem:
    """A schema error as a path and a reason short enough to read (never the whole value)."""
    while error.context:  # oneOf / anyOf: the alternative that came closest
        error = best_match(error.context)
    path = json_path(error.absolute_path, prefix)
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required" and isinstance(value, dict):
        # one error per missing property; jsonschema names it only in its message
        named = REQUIRED.match(error.message)
        missing = named.group(1) if named else next((p for p in expected if p not in value), "")
        return Problem(json_path([missing], path), "missing (required by the DCSA schema)")
    if kind == "additionalProperties" and isinstance(value, dict):
        extra = next(iter(sorted(set(value) - set(error.schema.get("properties", {})))), "")
        return Problem(json_path([extra], path), "not a field of this DCSA schema")
    if kind == "type":
        return Problem(path, f"expected {expected}, got {_json_type(value)}")
    if kind == "enum":
        return Problem(path, f"{shown(value)!r} is not one of {', '.join(map(str, expected))}")
    if kind in ("maxLength", "minLength"):
        return Problem(path, f"{len(value)} characters; {kind[:3]}imum {expected}")
    if kind in ("maxItems", "minItems"):
        return Problem(path, f"{len(value)} items; {kind[:3]}imum {expected}")
    if kind == "pattern":
        return Problem(path, f"{shown(value)!r} does not match {expected}")
    if kind == "format":
        return Problem(path, f"{shown(value)!r} is not a valid {expected}")
    return Problem(path, error.message if len(error.message) <= 200
                   else error.message[:200] + "...")


def schema_problems(kind: Kind, value: Any, prefix: str = "") -> list[Problem]:
    """What ``value`` breaks of ``kind``'s schema, by path (at most
    ``MAX_PROBLEMS``); ``[]`` when it is valid."""
    errors = itertools.islice(validator(kind).iter_errors(value), MAX_PROBLEMS)
    problems = [_problem(e, prefix) for e in errors]
    return sorted(problems, key=lambda p: p.path)


# --------------------------------------------------------------------------- parsing


def _depth(text: str) -> int:
    """How deep arrays and objects nest in JSON ``text`` (strings skipped)."""
    skeleton = re.sub(r'"(?:[^"\\]|\\.)*"', "", text)
    deepest = depth = 0
    for ch in re.sub(r"[^\[\]{}]", "", skeleton):
        depth += 1 if ch in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _fail("", f"duplicate key {shown(key)!r}: the message has two readings")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _fail("", f"{name} is not a JSON number")


def parse(data: bytes, exact: bool = True) -> Any:
    """The JSON value of ``data`` (numbers with a fraction as ``Decimal`` when ``exact``,
    else as ``float``, as RFC 8785 reads them); ``DcsaError`` for anything hostile."""
    if len(data) > MAX_DOCUMENT:
        raise _fail("", f"{len(data)} bytes; at most {MAX_DOCUMENT}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("", f"not UTF-8 (byte {exc.start})") from None
    if _depth(text) > MAX_DEPTH:
        raise _fail("", f"nested deeper than {MAX_DEPTH} arrays and objects")
    try:
        return json.loads(text, object_pairs_hook=_object, parse_constant=_constant,
                          parse_float=Decimal if exact else float)
    except json.JSONDecodeError as exc:
        raise _fail("", f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                    ) from None
    except RecursionError:
        raise _fail("", f"nested deeper than {MAX_DEPTH} arrays and objects") from None


def detect(body: dict[str, Any]) -> Kind:
    """The kind of a message from its top-level fields (a transport document when nothing
    else fits, so its own schema says what it lacks)."""
    keys = set(body)
    if {"document", "issueTo"} & keys and "transportDocumentReference" not in keys:
        return Kind.ISSUANCE_REQUEST
    if {"envelopeTransferChain", "envelopeManifestSignedContent"} & keys:
        return Kind.PINT_ENVELOPE
    if {"surrenderRequestReference", "surrenderRequestCode"} & keys:
        return Kind.SURRENDER_REQUEST
    if {"statusCode", "errors"} <= keys or {"httpMethod", "requestUri"} <= keys:
        return Kind.ERROR_RESPONSE
    if {"eblPlatform", "transactions"} <= keys:
        return Kind.PINT_CHAIN_ENTRY
    if not {"transportDocumentReference", "transportDocumentStatus"} & keys and (
            "isCargoDeliveredInICS2Zone" in keys or ("shippingInstructionsReference" not in keys
            and "carrierCode" not in keys and "consignmentItems" in keys)):
        return Kind.SHIPPING_INSTRUCTIONS
    return Kind.TRANSPORT_DOCUMENT


@dataclass(frozen=True, slots=True)
class Message:
    """A DCSA message that validates against its kind's schema."""

    kind: Kind
    body: dict[str, Any]
    """The message, numbers with a fraction as ``Decimal``."""
    raw: bytes

    @property
    def document_path(self) -> tuple[str, ...] | None:
        """Where its transport document is (``()``: it is one); ``None``: it has none."""
        return DOCUMENT_AT.get(self.kind)


def read_message(data: bytes, kind: Kind | str | None = None) -> Message:
    """Parse and validate a DCSA message of ``kind`` (``None``: :func:`detect` it).

    Raises ``DcsaError`` naming the JSON path and the reason. A PINT envelope is also
    checked link by link (:func:`check_envelope`)."""
    body = parse(data)
    if not isinstance(body, dict):
        raise _fail("", f"expected a JSON object, got {_json_type(body)}")
    if kind is None:
        found = detect(body)
    else:
        try:
            found = Kind(kind)
        except ValueError:
            raise _fail("", f"kind {shown(kind)!r} is none of "
                        f"{', '.join(k.value for k in Kind)}") from None
    problems = schema_problems(found, body)
    if problems:
        raise DcsaError(problems)
    message = Message(found, body, data)
    if found is Kind.PINT_ENVELOPE:
        check_envelope(message)
    return message


# --------------------------------------------------------------------------- PINT


def jws_payload(token: str, path: str) -> dict[str, Any]:
    """The JSON payload of a compact JWS (RFC 7515), unverified: the signing platform's
    keys are not known here."""
    match = JWS.match(token)
    if match is None:
        raise _fail(path, "not a compact JWS (header.payload.signature)")
    segment = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise _fail(path, "the JWS payload is not base64url") from None
    try:
        payload = parse(raw)
    except DcsaError as exc:
        raise _fail(path, f"JWS payload: {exc.reason}") from None
    if not isinstance(payload, dict):
        raise _fail(path, "the JWS payload is not a JSON object")
    return payload


def document_checksum(message: Message) -> str:
    """Hex SHA-256 of the message's transport document in RFC 8785 canonical form."""
    at = message.document_path
    if at is None:
        raise _fail("", f"{DESCRIBED[message.kind]} carries no transport document")
    document = parse(message.raw, exact=False)
    for part in at:
        document = document[part]
    try:
        return hashlib.sha256(rfc8785.dumps(document)).hexdigest()
    except rfc8785.CanonicalizationError as exc:
        raise _fail(json_path(at), f"has no RFC 8785 canonical form: {exc}") from None


def check_envelope(message: Message) -> list[dict[str, Any]]:
    """The chain entries of a PINT envelope, after the checks a receiving platform makes:
    each entry's payload is an ``EnvelopeTransferChainEntry``; the first has no previous
    checksum and starts with ``ISSUE``; each later one's
    ``previousEnvelopeTransferChainEntrySignedContentChecksum`` is the SHA-256 of the
    entry before (its JWS text); the manifest's ``lastEnvelopeTransferChainEntry…``
    checksum is the last entry's; the manifest's and the last entry's
    ``transportDocumentChecksum`` are the document's. Signatures are not verified."""
    body = message.body
    manifest = jws_payload(body["envelopeManifestSignedContent"], "envelopeManifestSignedContent")
    tokens: list[str] = body["envelopeTransferChain"]
    entries = []
    for n, token in enumerate(tokens):
        where = f"envelopeTransferChain[{n}]"
        entry = jws_payload(token, where)
        problems = schema_problems(Kind.PINT_CHAIN_ENTRY, entry, where)
        if problems:
            raise DcsaError(problems)
        previous = entry.get("previousEnvelopeTransferChainEntrySignedContentChecksum")
        if n == 0:
            if previous is not None:
                raise _fail(where, "the first entry has no previous entry checksum")
            if entry["transactions"][0].get("actionCode") != "ISSUE":
                raise _fail(f"{where}.transactions[0].actionCode", "the chain starts with ISSUE")
        elif previous != hashlib.sha256(tokens[n - 1].encode()).hexdigest():
            raise _fail(f"{where}.previousEnvelopeTransferChainEntrySignedContentChecksum",
                        f"is not the checksum of entry {n - 1}")
        entries.append(entry)
    checksum = document_checksum(message)
    last = hashlib.sha256(tokens[-1].encode()).hexdigest()
    if manifest.get("lastEnvelopeTransferChainEntrySignedContentChecksum") != last:
        raise _fail("envelopeManifestSignedContent.lastEnvelopeTransferChainEntrySigned"
                    "ContentChecksum", "is not the checksum of the last chain entry")
    for path, value in (("envelopeManifestSignedContent.transportDocumentChecksum",
                         manifest.get("transportDocumentChecksum")),
                        (f"envelopeTransferChain[{len(tokens) - 1}].transportDocumentChecksum",
                         entries[-1]["transportDocumentChecksum"])):
        if value != checksum:
            raise _fail(path, f"is not the SHA-256 of the transport document ({checksum})")
    return entries


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True, slots=True)
class Party:
    """A document party: its name and identifying codes (``provider/list:code``)."""

    name: str
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, doc: dict[str, Any] | None) -> Party | None:
        if not doc:
            return None
        codes = tuple(f"{c['codeListProvider']}/{c.get('codeListName', '')}:{c['partyCode']}"
                      for c in doc.get("identifyingCodes", ()))
        return cls(doc["partyName"], codes)


@dataclass(frozen=True, slots=True)
class Goods:
    """One consignment item: its descriptions, HS codes, packages and gross weight."""

    description: str
    hs_codes: tuple[str, ...]
    packages: int
    gross_weight_g: int


@dataclass(frozen=True, slots=True)
class TransportDocumentRecord:
    """What a DCSA transport document says, typed; ``digest`` is its PINT checksum."""

    kind: Kind
    """The message it came in (a transport document, an issuance request, an envelope)."""
    path: str
    """JSON path of the document in that message (``""``: the message itself)."""
    reference: str
    status: str
    document_type: str
    to_order: bool
    is_electronic: bool
    shipper: Party
    consignee: Party | None
    endorsee: Party | None
    """DCSA: a to-order bill naming no endorsee is endorsed in blank."""
    carrier_code: str
    carrier_code_list: str
    shipped_on_board_date: str
    received_for_shipment_date: str
    issue_date: str
    place_of_receipt: str
    port_of_loading: str
    port_of_discharge: str
    place_of_delivery: str
    originals: int
    goods: tuple[Goods, ...]
    gross_weight_g: int
    declared_value: int
    """Minor units of ``declared_value_currency``; 0: none declared."""
    declared_value_currency: str
    digest: bytes

    def at(self, field: str) -> str:
        """JSON path of one of the document's fields in its message."""
        return json_path([field], self.path)

    def document(self) -> dict[str, Any]:
        """The facts in the form ``issue`` takes as ``document`` (the digest as hex; goods
        joined and cut to ``MAX_GOODS`` characters)."""
        goods = "; ".join(g.description for g in self.goods)
        if len(goods) > MAX_GOODS:
            goods = goods[:MAX_GOODS - 3] + "..."
        return {"reference": self.reference, "to_order": self.to_order,
                "digest": self.digest.hex(), "carrier_code": self.carrier_code,
                "carrier_code_list": self.carrier_code_list,
                "document_type": self.document_type,
                "shipped_on_board_date": self.shipped_on_board_date,
                "received_for_shipment_date": self.received_for_shipment_date,
                "issue_date": self.issue_date, "place_of_receipt": self.place_of_receipt,
                "port_of_loading": self.port_of_loading,
                "port_of_discharge": self.port_of_discharge,
                "place_of_delivery": self.place_of_delivery, "originals": self.originals,
                "goods": goods, "gross_weight_g": self.gross_weight_g,
                "declared_value": self.declared_value,
                "declared_value_currency": self.declared_value_currency}

    def issue_args(self, shipper: str, consignee: str = "", endorsee: str = ""
                   ) -> dict[str, Any]:
        """``bill_of_lading.issue``'s arguments for this document, its parties being the
        ledger organisations named. ``DcsaError`` naming the document's field when it
        cannot be issued as an eBL (a draft, a paper or sea waybill), when the parties
        named do not fit it (a consignee for a to-order bill, an endorsee where the
        document names none), or when its facts break ``contract.check_document``."""
        if self.status != "ISSUED":
            raise _fail(self.at("transportDocumentStatus"), f"{self.status}: only an "
                        "ISSUED transport document is issued as a bill")
        if not self.is_electronic:
            raise _fail(self.at("isElectronic"), "a paper bill is not an eBL")
        if self.to_order:
            if consignee:
                raise _fail(self.at("isToOrder"), "a to-order bill names no consignee "
                            "organisation: name the order party as endorsee")
            if endorsee and self.endorsee is None:
                raise _fail(self.at("documentParties.endorsee"), "the document names no "
                            "endorsee (it is endorsed in blank): name none")
            if self.endorsee is not None and not endorsee:
                raise _fail(self.at("documentParties.endorsee"), "the document is made out "
                            f"to the order of {self.endorsee.name!r}: name its organisation")
        elif not consignee:
            raise _fail(self.at("documentParties.consignee"), "a straight bill names its "
                        "consignee: name its organisation")
        document = self.document()
        args: dict[str, Any] = {"document": document, "shipper": shipper,
                                "consignee": consignee, "endorsee": endorsee}
        try:
            check_document(Document(**{**document, "digest": self.digest}))
        except BadArguments as exc:
            raise _fail(self.at(LEDGER_TO_DCSA.get(exc.field, exc.field)), exc.reason) from None
        return args


LEDGER_TO_DCSA = {
    "document.document_type": "transportDocumentTypeCode",
    "document.shipped_on_board_date": "shippedOnBoardDate",
    "document.received_for_shipment_date": "receivedForShipmentDate",
    "document.issue_date": "issueDate",
    "document.carrier_code_list": "carrierCodeListProvider",
    "document.declared_value_currency": "declaredValueCurrency",
}
"""The DCSA field of each ledger fact a check may refuse."""


def minor_units(value: Decimal, currency: str, path: str) -> int:
    """An amount in minor units of ``currency`` (ISO 4217 exponent); ``DcsaError`` when it
    has more decimals than the currency's minor unit."""
    scaled = value.scaleb(minor_digits(currency))
    if scaled != scaled.to_integral_value():
        raise _fail(path, f"{value} {currency} is finer than the currency's minor unit")
    return int(scaled)


def _grams(weight: dict[str, Any]) -> int:
    grams = Decimal(weight["value"]) * GRAMS_PER[weight["unit"]]
    return int(grams.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _un_locode(transports: dict[str, Any], place: str) -> str:
    return str((transports.get(place) or {}).get("UNLocationCode", ""))


def transport_document(message: Message) -> TransportDocumentRecord:
    """The typed record of the transport document a validated message carries;
    ``DcsaError`` naming the path when it carries none or contradicts itself (both or
    neither of the shipped-on-board and received-for-shipment dates, a declared value
    finer than its currency's minor unit)."""
    at = message.document_path
    if at is None:
        raise _fail("", f"{DESCRIBED[message.kind]}, not a transport document")
    td: dict[str, Any] = message.body
    for part in at:
        td = td[part]
    path = json_path(at)
    shipped, received = td.get("shippedOnBoardDate", ""), td.get("receivedForShipmentDate", "")
    if bool(shipped) == bool(received):
        raise _fail(json_path(["shippedOnBoardDate"], path), "an issued bill carries exactly "
                    "one of shippedOnBoardDate and receivedForShipmentDate")
    currency = td.get("declaredValueCurrency", "")
    declared = 0
    if "declaredValue" in td:
        if not currency:
            raise _fail(json_path(["declaredValueCurrency"], path), "a declared value needs "
                        "its currency")
        declared = minor_units(Decimal(td["declaredValue"]), currency,
                               json_path(["declaredValue"], path))
    goods = tuple(
        Goods("; ".join(item["descriptionOfGoods"]), tuple(item["HSCodes"]),
              sum(c["outerPackaging"].get("numberOfPackages", 0) for c in item["cargoItems"]),
              sum(_grams(c["cargoGrossWeight"]) for c in item["cargoItems"]))
        for item in td["consignmentItems"])
    parties = td["documentParties"]
    transports = td["transports"]
    originals = (td.get("numberOfOriginalsWithCharges", 0)
                 + td.get("numberOfOriginalsWithoutCharges", 0)) or 1
    return TransportDocumentRecord(
        message.kind, path, td["transportDocumentReference"], td["transportDocumentStatus"],
        td["transportDocumentTypeCode"], td["isToOrder"], td["isElectronic"],
        Party.of(parties["shipper"]) or Party(""), Party.of(parties.get("consignee")),
        Party.of(parties.get("endorsee")), td["carrierCode"], td["carrierCodeListProvider"],
        shipped, received, td.get("issueDate", ""), _un_locode(transports, "placeOfReceipt"),
        _un_locode(transports, "portOfLoading"), _un_locode(transports, "portOfDischarge"),
        _un_locode(transports, "placeOfDelivery"), originals, goods,
        sum(g.gross_weight_g for g in goods), declared, currency if declared else "",
        bytes.fromhex(document_checksum(message)))


def import_transport_document(data: bytes, kind: Kind | str | None = None
                              ) -> TransportDocumentRecord:
    """Read, validate and type the transport document in ``data`` (a transport document,
    an issuance request or a PINT envelope); ``DcsaError`` naming the path otherwise."""
    return transport_document(read_message(data, kind))
