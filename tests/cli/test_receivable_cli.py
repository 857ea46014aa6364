"""``smechain receivable``: a certificate's life through the command line, and its lineage."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from test_cli import EXAMPLE, smechain

from smechain.modules.invoice.contract import invoice_id


def test_issue_confirm_split_transfer_show(tmp_path: Path) -> None:
    data = tmp_path / "chain"
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"

    def tx(contract: str, action: str, args: dict[str, object], key: str) -> dict[str, object]:
        code, out = smechain("tx", "--data", data, contract, action, "--key", keys / f"{key}.key",
                             "--args", json.dumps(args))
        assert code == 0, out
        return dict(json.loads(out))

    tx("invoice", "register_party", {"identifier": "LEGAL:T-SME1", "org": "sme-1"}, "tax")
    tx("invoice", "register_party", {"identifier": "LEGAL:T-CORE", "org": "core-a"}, "tax")
    tx("invoice", "anchor", {"number": "A1", "seller": "LEGAL:T-SME1", "buyer": "LEGAL:T-CORE",
                             "currency": "CNY", "net_amount": 9000, "tax_amount": 1000,
                             "total_amount": 10000, "issue_date": "2026-11-01",
                             "digest": "0x" + "ab" * 32}, "tax")
    inv = invoice_id("LEGAL:T-SME1", "", "A1")
    maturity = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    code, out = smechain("receivable", "issue", "--data", data, "--key", keys / "sme-1.key",
                         "--args", json.dumps({"invoices": [[inv, 10000]],
                                               "debtor": "core-a", "currency": "CNY",
                                               "maturity": maturity}))
    assert code == 0, out
    cert = json.loads(out)["receipt"]["events"][-1]["attrs"]["id"]
    # only the debtor confirms: refused before signing, naming the key
    code, out = smechain("receivable", "confirm", "--data", data, "--key", keys / "sme-2.key",
                         "--args", json.dumps({"id": cert}))
    assert code == 2 and "error: --key: " in out and "unauthorised" in out
    for action, args, key in [("confirm", {"id": cert}, "core-a"),
                              ("split", {"id": cert, "amounts": [6000, 4000]}, "sme-1"),
                              ("transfer", {"id": f"{cert}.2", "to": "sme-2"}, "sme-1")]:
        code, out = smechain("receivable", action, "--data", data, "--key", keys / f"{key}.key",
                             "--args", json.dumps(args))
        assert code == 0, out
    code, out = smechain("receivable", "show", f"{cert}.2", "--data", data)
    assert code == 0
    assert inv in out and f"{cert}.1" in out and "held by sme-2" in out
    code, out = smechain("receivable", "show", cert, "--data", data, "--json")
    lineage = json.loads(out)["lineage"]
    assert sum(c["face"] for c in lineage.values() if c["status"] == "confirmed") == 10000
    code, out = smechain("receivable", "show", "nope", "--data", data)
    assert code == 1 and "no certificate" in out
