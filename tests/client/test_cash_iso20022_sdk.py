"""``client.cash.pacs008`` and ``pain001``: a transfer paid through the SDK comes back as
ISO 20022 XML that reads into what was paid; a stranger is told there is no such transfer,
a bad BIC is named."""

from __future__ import annotations

import pytest

from smechain.client import InvalidInput, NotFound
from smechain.payments.iso20022 import PACS008, PAIN001
from smechain.payments.reader import read_message

from .conftest import Net


def test_a_transfer_paid_through_the_sdk_as_pacs008_and_pain001(net: Net) -> None:
    net.login("pboc").cash.issue("CNY", "core-a", 10_000)
    payer = net.login("core-a")
    paid = payer.cash.transfer("CNY", "sme-t2", 2_501, memo="invoice 7")
    pacs = read_message(payer.cash.pacs008(paid.tx_hash, "BKCHCNBJ", "ICBKCNBJ300").encode())
    [t] = pacs.transfers
    assert pacs.definition == PACS008 and t.end_to_end_id == paid.tx_hash[:32]
    assert (t.amount, t.currency, t.debtor.org, t.creditor.org, t.remittance) == (
        2_501, "CNY", "core-a", "sme-t2", "invoice 7")
    pain = read_message(net.login("sme-t2").cash.pain001(paid.tx_hash, "BKCHCNBJ").encode())
    assert pain.definition == PAIN001 and pain.transfers[0].uetr == t.uetr
    with pytest.raises(NotFound) as missing:
        net.login("bank-b").cash.pacs008(paid.tx_hash, "BKCHCNBJ", "ICBKCNBJ300")
    assert missing.value.field == "tx_hash"
    with pytest.raises(InvalidInput) as bad:
        payer.cash.pain001(paid.tx_hash, "BKCH")
    assert bad.value.field == "debtor_agent"
