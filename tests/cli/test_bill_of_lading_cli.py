"""``smechain bill_of_lading``: import a DCSA file (checked, or issued by a carrier), show a
bill, print and check its chain; a bad file is refused naming its JSON path and stores
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_cli import EXAMPLE, smechain

from modules.bill_of_lading.dcsa_samples import shared, transport_document


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example consortium with a carrier."""
    folder = tmp_path_factory.mktemp("bl-chain")
    config = folder / "consortium.toml"
    config.write_text(EXAMPLE.read_text() + '\n[[orgs]]\nid = "carrier-cosco"\n'
                      'name = "COSCO Shipping Lines"\nroles = ["carrier"]\n')
    data = folder / "data"
    code, out = smechain("init", "--config", config, "--data", data)
    assert code == 0, out
    return data


def _file(tmp_path: Path, content: object) -> Path:
    path = tmp_path / "td.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def test_import_prints_what_a_message_is(tmp_path: Path) -> None:
    code, out = smechain("bill_of_lading", "import",
                         _file(tmp_path, shared("ebl__v3.0.0__ebl-api-3.0.0-dg.json")))
    assert code == 0 and json.loads(out) == {"kind": "shipping_instructions"}
    code, out = smechain("bill_of_lading", "import", _file(tmp_path, transport_document()))
    assert code == 0
    doc = json.loads(out)
    assert doc["kind"] == "transport_document" and doc["endorsee"] == "DCSA CTK SHIPPER"
    assert doc["document"]["digest"].startswith("0x") and len(doc["document"]["digest"]) == 66


def test_a_bad_file_is_refused_naming_its_path(tmp_path: Path) -> None:
    td = transport_document()
    td["transports"]["portOfDischarge"]["UNLocationCode"] = "rotterdam"
    code, out = smechain("bill_of_lading", "import", _file(tmp_path, td))
    assert code == 1
    assert "FILE: transports.portOfDischarge.UNLocationCode: 'rotterdam' does not match" in out
    code, out = smechain("bill_of_lading", "import", _file(tmp_path, b"\x00\x01"))
    assert code == 1 and "FILE: not JSON" in out
    code, out = smechain("bill_of_lading", "import", tmp_path / "missing.json")
    assert code == 2 and "FILE:" in out


def test_a_carrier_issues_from_a_file_and_the_chain_checks_out(chain: Path, tmp_path: Path
                                                               ) -> None:
    key = chain / "keys" / "carrier-cosco.key"
    path = _file(tmp_path, transport_document(to_order=False))
    code, out = smechain("bill_of_lading", "import", path, "--data", chain, "--key", key,
                         "--shipper", "sme-1")
    assert code == 1 and "documentParties.consignee" in out  # a straight bill names one
    code, out = smechain("bill_of_lading", "import", path, "--data", chain, "--key", key,
                         "--shipper", "sme-1", "--consignee", "sme-2")
    assert code == 0, out
    decoder = json.JSONDecoder()
    printed, end = decoder.raw_decode(out)  # the document, then the receipt
    assert printed["document"]["reference"] == "COSU6112345670"
    receipt = decoder.raw_decode(out[end:].lstrip())[0]["receipt"]
    bill = receipt["events"][0]["attrs"]["id"]
    code, out = smechain("bill_of_lading", "show", bill, "--data", chain)
    assert code == 0 and json.loads(out)["bill"]["possessor"] == "sme-1"
    code, out = smechain("bill_of_lading", "chain", bill, "--data", chain, "--pint")
    assert code == 0
    shown = json.loads(out)
    assert shown["verified"] is True
    assert shown["entries"][0]["transactions"][0]["actionCode"] == "ISSUE"
    code, out = smechain("bill_of_lading", "transfer", "--data", chain, "--key",
                         chain / "keys" / "sme-1.key", "--args",
                         json.dumps({"id": bill, "to": "bank-a", "endorsement": ""}))
    assert code == 2 and "--args.to" in out and "'sme-2'" in out  # straight: consignee only
    code, out = smechain("bill_of_lading", "show", "nope", "--data", chain)
    assert code == 2 and "BILL_ID" in out
