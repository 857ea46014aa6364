"""``smechain calendar`` and ``smechain warehouse_receipt`` on an embedded chain: a year
loaded from its data file and counted on; a bad file refused naming the entry, nothing
stored; a receipt issued, pledged with the bank's co-signature, shown and listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import EXAMPLE, smechain

from smechain.modules.calendar import datafile
from smechain.node.keys import generate_key, save_key
from smechain.node.node import STORE_FILE
from smechain.storage.sqlite import SqliteStore

DATA = Path(datafile.__file__).parent / "data"


@pytest.fixture
def chain(tmp_path: Path) -> Path:
    data = tmp_path / "chain"
    code, out = smechain("init", "--config", EXAMPLE, "--data", data)
    assert code == 0, out
    return data


def height(data: Path) -> int:
    """The embedded chain's committed height."""
    store = SqliteStore(data / STORE_FILE, readonly=True)
    try:
        return store.height()
    finally:
        store.close()


def test_the_central_bank_loads_a_year_and_days_count_on_it(chain: Path) -> None:
    code, out = smechain("calendar", "load", DATA / "cn-2026.json", "--data", chain,
                         "--key", chain / "keys" / "pboc.key")
    assert code == 0, out
    receipt = json.loads(out)["receipt"]
    assert receipt["code"] == "ok" and receipt["events"][0]["attrs"]["revision"] == 1
    code, out = smechain("calendar", "show", "2026", "--data", chain)
    assert code == 0 and json.loads(out)["banking_days"] == 248
    code, out = smechain("calendar", "add", "2026-02-13", "5", "--data", chain)
    assert code == 0 and json.loads(out)["result"] == "2026-02-27"
    code, out = smechain("calendar", "add", "2026-12-28", "5", "--data", chain)
    assert code == 2 and "DAYS:" in out and "calendar for 2027" in out
    code, out = smechain("calendar", "add", "2026-02-30", "1", "--data", chain)
    assert code == 2 and "DATE:" in out
    code, out = smechain("calendar", "show", "2027", "--data", chain)
    assert code == 2 and "YEAR: the ledger holds no calendar for 2027" in out


def _bad(tmp_path: Path, change: Any) -> Path:
    doc = json.loads((DATA / "cn-2026.json").read_text(encoding="utf-8"))
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "says"), [
    (lambda d: d["working_days"][1].update(date="2026-02-16"),
     "working_days[1].date: 2026-02-16 is a Monday"),
    (lambda d: d["working_days"][1].update(date="2026-02-15"),
     "working_days[1].date: 2026-02-15 is also a holiday (holidays[3])"),
    (lambda d: d["holidays"][0].update(date="2026-1-1"), "holidays[0].date: '2026-1-1' is not"),
    (lambda d: d.update(year=2025), "holidays[0].date: 2026-01-01 is not in 2025"),
    (lambda d: d.pop("source"), "missing required field `source`"),
])
def test_a_bad_file_is_refused_naming_the_entry_and_nothing_is_stored(
        chain: Path, tmp_path: Path, change: Any, says: str) -> None:
    before = height(chain)
    path = _bad(tmp_path, change)
    code, out = smechain("calendar", "load", path, "--data", chain,
                         "--key", chain / "keys" / "pboc.key")
    assert code == 2, out
    assert f"FILE: {path}: " in out and says in out
    assert height(chain) == before


def test_a_file_that_cannot_be_read_or_is_no_json_is_refused(chain: Path, tmp_path: Path
                                                             ) -> None:
    code, out = smechain("calendar", "load", tmp_path / "missing.json", "--data", chain,
                         "--key", chain / "keys" / "pboc.key")
    assert code == 2 and "FILE:" in out and "no such file" in out
    junk = tmp_path / "junk.json"
    junk.write_text("{\"year\": 2026,", encoding="utf-8")
    code, out = smechain("calendar", "load", junk, "--data", chain,
                         "--key", chain / "keys" / "pboc.key")
    assert code == 2 and "not JSON" in out


def test_only_the_central_bank_loads_a_year(chain: Path) -> None:
    before = height(chain)
    for org in ("bank-a", "regulator"):
        code, out = smechain("calendar", "load", DATA / "cn-2026.json", "--data", chain,
                             "--key", chain / "keys" / f"{org}.key")
        assert code == 2 and "--key" in out and "cash_issuer" in out, out
    assert height(chain) == before


def test_a_receipt_is_issued_pledged_shown_and_listed(chain: Path) -> None:
    keys = chain / "keys"
    key = generate_key("ed25519")
    save_key(key, keys / "wh.key")

    def run(module: str, command: str, signer: str, args: dict[str, object],
            *cosign: str) -> dict[str, Any]:
        extra = [a for k in cosign for a in ("--cosign", keys / f"{k}.key")]
        code, out = smechain(module, command, "--data", chain, "--key", keys / f"{signer}.key",
                             "--args", json.dumps(args), *extra)
        assert code == 0, out
        return dict(json.loads(out)["receipt"])

    run("membership", "add-org", "regulator", {"id": "wh", "name": "Bonded Warehouse",
                                               "roles": ["warehouse"],
                                               "admin_key": "0x" + key.public.hex()}, "bank-a")
    issued = run("warehouse_receipt", "issue", "wh", {
        "depositor": "sme-1", "goods": "Copper cathodes", "commodity_code": "740311",
        "quantity": 25, "unit": "TNE", "value": 182_500_000, "currency": "CNY",
        "location": "bay 12"})
    rid = issued["events"][0]["attrs"]["id"]
    # the bank's co-signature is needed: refused, naming it, and nothing signed
    code, out = smechain("warehouse_receipt", "pledge", "--data", chain, "--key",
                         keys / "sme-1.key", "--args", json.dumps({"id": rid, "bank": "bank-a"}))
    assert code == 2 and "bank" in out and "must co-sign" in out
    run("warehouse_receipt", "pledge", "sme-1", {"id": rid, "bank": "bank-a"}, "bank-a")
    code, out = smechain("warehouse_receipt", "show", rid, "--data", chain)
    shown = json.loads(out)
    assert code == 0 and shown["receipt"]["pledgee"] == "bank-a"
    assert shown["collateral"]["free_value"] == 0 and shown["collateral"]["value"] == 182_500_000
    code, out = smechain("warehouse_receipt", "list", "bank-a", "--role", "pledgee",
                         "--data", chain)
    assert code == 0 and [r["id"] for r in json.loads(out)] == [rid]
    code, out = smechain("warehouse_receipt", "list", "bank-a", "--role", "owner",
                         "--data", chain)
    assert code == 2 and "--role" in out
    code, out = smechain("warehouse_receipt", "show", "nope", "--data", chain)
    assert code == 2 and "RECEIPT_ID" in out
