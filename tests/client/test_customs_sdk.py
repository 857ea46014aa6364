"""``client.customs`` against a real server: customs imports a WCO declaration file and
amends it by arguments; the exporter reads its declaration as typed records."""

from __future__ import annotations

import hashlib

import pytest

from smechain.client import Declaration, InvalidInput
from smechain.modules.customs.demo import SAMPLE

from .conftest import Net

MRN = "23GBDFSUDLJ2X59AR7"


def test_import_a_file_amend_it_and_read_it_back(net: Net) -> None:
    customs = net.login("customs-sh")
    result = customs.customs.import_file(SAMPLE, mrn=MRN, exporter_org="sme-t3")
    registered = result.event("DeclarationRegistered").attrs
    assert (registered["id"], registered["value"], registered["currency"]) == (
        MRN, 950_000, "GBP")
    customs.customs.amend(MRN, hashlib.sha256(b"sdk amendment").digest(),
                          invoice_amount=800_000, invoice_currency="GBP",
                          change_reasons=["25"])
    exporter = net.login("sme-t3", "viewer")
    decl = exporter.customs.declaration(MRN)
    assert isinstance(decl, Declaration)
    assert (decl.value, decl.status, decl.exporter_org, decl.goods_count) == (
        800_000, "registered", "sme-t3", 1)
    assert decl.goods_items[0].commodity_code == "73181631"
    assert decl.amendments[0]["value_before"] == 950_000
    page = exporter.declarations(direction="export")
    assert [d.id for d in page.items] == [MRN]
    with pytest.raises(InvalidInput) as refused:
        customs.customs.import_file(SAMPLE, mrn=MRN, exporter_org="sme-t3", action="amend")
    assert refused.value.field == "file"
