"""DCSA messages for tests, built from the shared DCSA conformance examples
(``../shared/data/trade/dcsa-ebl``): their placeholders filled as a carrier's platform
fills them, and PINT envelopes signed with a throwaway JWS shape (signatures are not
verified by the importer)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import rfc8785

from shared_data import DATA

DCSA = DATA / "trade" / "dcsa-ebl"


def shared(name: str) -> bytes:
    """A shared DCSA file's bytes (``ebl__v3.0.0__ebl-api-3.0.0-<name>.json`` etc.)."""
    return (DCSA / name).read_bytes()


PINT_TD = "pint__v3.0.0__pint-3.0.0-transport-document.json"
ISSUANCE = "eblissuance__v3.0.0__eblissuance-v3.0.0-request.json"
SURRENDER = "eblsurrender__v3.0.0__eblsurrender-api-v3.0.0-request.json"


def transport_document(reference: str = "COSU6112345670", to_order: bool = True,
                       endorsee: str | None = "DCSA CTK SHIPPER", **changes: Any
                       ) -> dict[str, Any]:
    """The PINT example transport document as COSCO issues it: a real reference, COSCO's
    SCAC, to order (of ``endorsee``; ``None``: in blank) or straight."""
    td: dict[str, Any] = json.loads(shared(PINT_TD))
    td.update(transportDocumentReference=reference, carrierCode="COSU",
              carrierCodeListProvider="NMFTA", isToOrder=to_order, issueDate="2023-12-19",
              declaredValue=1231.1, declaredValueCurrency="USD")
    parties = td["documentParties"]
    if to_order:
        parties.pop("consignee")
        if endorsee:
            parties["endorsee"] = {"partyName": endorsee, "identifyingCodes": [
                {"codeListProvider": "ZZZ", "partyCode": "SHIPPER"}]}
    td.update(changes)
    return td


def issuance_request(reference: str = "COSU6112349999") -> dict[str, Any]:
    """The issuance request example with its placeholders filled and its manifest made."""
    req: dict[str, Any] = json.loads(shared(ISSUANCE))
    req["document"]["transportDocumentReference"] = reference
    req["document"]["shippingInstructionsReference"] = "SI-2026-0042"
    req["issueTo"]["sendToPlatform"] = "BOLE"
    manifest = {"documentChecksum": checksum(req["document"]),
                "issueToChecksum": checksum(req["issueTo"])}
    req["issuanceManifestSignedContent"] = jws(manifest)
    return req


def surrender_request() -> bytes:
    """The surrender request example with its unquoted party placeholders and code filled."""
    text = shared(SURRENDER).decode()
    carrier = {"partyName": "COSCO Shipping Lines", "eblPlatform": "BOLE",
               "identifyingCodes": [{"codeListProvider": "SMDG", "partyCode": "COS"}]}
    holder = {"partyName": "Bank A", "eblPlatform": "WAVE",
              "identifyingCodes": [{"codeListProvider": "GLEIF", "codeListName": "LEI",
                                    "partyCode": "529900T8BM49ADCSAO55"}]}
    for name, party in (("CARRIER_PARTY", carrier), ("ISSUE_TO_PARTY", holder),
                        ("SURRENDEREE_PARTY", holder)):
        text = text.replace(name, json.dumps(party))
    doc = json.loads(text)
    doc.update(surrenderRequestReference="Z12345", transportDocumentReference="COSU6112345670",
               surrenderRequestCode="SREQ")
    doc.pop("reasonCode")
    doc["endorsementChain"][1]["actionCode"] = "SURRENDER_FOR_DELIVERY"
    return json.dumps(doc).encode()


def checksum(value: Any) -> str:
    """Hex SHA-256 of a value's RFC 8785 canonical form (PINT's checksums)."""
    return hashlib.sha256(rfc8785.dumps(value)).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(payload: Any) -> str:
    """A compact JWS of ``payload`` (its signature bytes are not a real signature)."""
    return ".".join((_b64(b'{"alg":"ES256"}'), _b64(json.dumps(payload).encode()),
                     _b64(b"not-verified")))


def party(name: str, platform: str = "BOLE") -> dict[str, Any]:
    return {"partyName": name, "eblPlatform": platform,
            "identifyingCodes": [{"codeListProvider": "ZZZ", "partyCode": name.upper()[:20]}]}


def envelope(td: dict[str, Any] | None = None, moves: int = 2) -> dict[str, Any]:
    """A PINT envelope of ``td`` with a chain of ``moves + 1`` entries (ISSUE, then
    endorsements), each linked to the one before by checksum."""
    td = copy.deepcopy(td or transport_document())
    doc_checksum = checksum(td)
    tokens: list[str] = []
    actors = ["COSCO", "Shipper", "Bank A", "Bank B", "Buyer"]
    for n in range(moves + 1):
        entry: dict[str, Any] = {
            "eblPlatform": "BOLE", "transportDocumentChecksum": doc_checksum,
            "transactions": [{"actionCode": "ISSUE" if n == 0 else "ENDORSE_TO_ORDER",
                              "actor": party(actors[n]), "recipient": party(actors[n + 1]),
                              "actionDateTime": f"2024-04-1{n}T07:11:19.531Z"}]}
        if n == 0:
            entry["issuanceManifestSignedContent"] = jws({"documentChecksum": doc_checksum,
                                                          "issueToChecksum": "0" * 64})
        else:
            entry["previousEnvelopeTransferChainEntrySignedContentChecksum"] = hashlib.sha256(
                tokens[-1].encode()).hexdigest()
        tokens.append(jws(entry))
    manifest = {"transportDocumentChecksum": doc_checksum,
                "lastEnvelopeTransferChainEntrySignedContentChecksum": hashlib.sha256(
                    tokens[-1].encode()).hexdigest()}
    return {"transportDocument": td, "envelopeManifestSignedContent": jws(manifest),
            "envelopeTransferChain": tokens}


def dumps(value: Any) -> bytes:
    return json.dumps(value).encode()
