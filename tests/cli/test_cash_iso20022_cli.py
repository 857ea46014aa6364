"""``smechain cash pacs008`` and ``pain001`` print a committed transfer of a data folder's
ledger as ISO 20022 XML; a hash that is no committed transfer, and a bad BIC, are named."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import EXAMPLE, smechain

from smechain.payments.iso20022 import PACS008, PAIN001
from smechain.payments.reader import read_message


def test_a_committed_transfer_printed_as_pacs008_and_pain001(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"
    code, out = smechain("cash", "issue", "--data", data, "--key", keys / "pboc.key",
                         "--args", '{"currency": "CNY", "to": "core-a", "amount": 500000}')
    assert code == 0, out
    code, out = smechain("cash", "transfer", "--data", data, "--key", keys / "core-a.key",
                         "--args", '{"currency": "CNY", "to": "sme-1", "amount": 10001, '
                                   '"memo": "invoice A1"}')
    assert code == 0, out
    tx = json.loads(out)["receipt"]["tx_hash"]
    code, out = smechain("cash", "pacs008", tx, "--data", data, "--debtor-agent", "BKCHCNBJ",
                         "--creditor-agent", "ICBKCNBJ300")
    assert code == 0, out
    message = read_message(out.encode())
    [t] = message.transfers
    assert message.definition == PACS008
    assert (t.amount, t.debtor.org, t.creditor.org, t.remittance, t.creditor_agent) == (
        10_001, "core-a", "sme-1", "invoice A1", "ICBKCNBJ300")
    code, out = smechain("cash", "pain001", tx, "--data", data, "--debtor-agent", "BKCHCNBJ")
    assert code == 0, out
    assert read_message(out.encode()).definition == PAIN001

    code, out = smechain("cash", "pain001", tx, "--data", data, "--debtor-agent", "BKCH")
    assert code == 2 and "--debtor-agent" in out and "not a BIC" in out, out
    code, out = smechain("cash", "pacs008", "ab" * 32, "--data", data, "--debtor-agent",
                         "BKCHCNBJ", "--creditor-agent", "ICBKCNBJ")
    assert code == 1 and "TX_HASH" in out and "not committed" in out, out
    code, out = smechain("cash", "pain001", "xyz", "--data", data, "--debtor-agent", "BKCHCNBJ")
    assert code == 2 and "TX_HASH" in out and "not hexadecimal" in out, out
