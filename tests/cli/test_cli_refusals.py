"""Transactions the ledger would refuse are refused before signing, naming the field at
fault (exit 2), and nothing is stored: no block, no nonce used (``cli.common.submit``)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from test_cli import EXAMPLE, copy_chain, smechain

from shared_data import DATA
from smechain.modules.invoice.contract import invoice_id
from smechain.node.keys import load_key
from smechain.node.ledger import LedgerView
from smechain.storage.sqlite import SqliteStore

SAMPLE = DATA / "einvoice" / "en16931" / "ubl" / "ubl-tc434-example1.xml"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cash at core-a; a confirmed certificate held by sme-1 (for a sale)."""
    data = tmp_path_factory.mktemp("refusals")
    assert smechain("init", "--config", EXAMPLE, "--data", data)[0] == 0
    keys = data / "keys"

    def tx(contract: str, action: str, args: dict[str, object], key: str) -> dict[str, object]:
        code, out = smechain("tx", "--data", data, contract, action, "--key", keys / f"{key}.key",
                             "--args", json.dumps(args))
        assert code == 0, out
        return dict(json.loads(out)["receipt"])

    tx("cash", "issue", {"currency": "CNY", "to": "core-a", "amount": 1000}, "pboc")
    tx("invoice", "register_party", {"identifier": "LEGAL:T-SME1", "org": "sme-1"}, "tax")
    tx("invoice", "register_party", {"identifier": "LEGAL:T-CORE", "org": "core-a"}, "tax")
    tx("invoice", "anchor", {"number": "A1", "seller": "LEGAL:T-SME1", "buyer": "LEGAL:T-CORE",
                             "currency": "CNY", "net_amount": 9000, "tax_amount": 1000,
                             "total_amount": 10000, "issue_date": "2026-11-01",
                             "digest": "0x" + "ab" * 32}, "tax")
    maturity = (datetime.date.today() + datetime.timedelta(days=60)).isoformat()
    receipt = tx("receivable", "issue", {"invoices": [[invoice_id("LEGAL:T-SME1", "", "A1"),
                                                       10000]], "debtor": "core-a",
                                         "currency": "CNY", "maturity": maturity}, "sme-1")
    cert = receipt["events"][-1]["attrs"]["id"]  # type: ignore[index]
    tx("receivable", "confirm", {"id": cert}, "core-a")
    (data / "cert").write_text(cert)
    return data


def ledger_state(data: Path) -> tuple[int, bytes, dict[str, int]]:
    """Height, the last block's writes hash and every key file's nonce."""
    view = LedgerView(SqliteStore(data / "ledger.sqlite", readonly=True))
    try:
        nonces = {p.stem: view.nonce(load_key(p).public) for p in (data / "keys").glob("*.key")}
        return view.height(), view.head.writes_hash, nonces
    finally:
        view.store.close()


TRANSFER = ["cash", "transfer", "--key", "core-a"]
CASES = {
    # name: (command with {data}/{keys} and a key name after --key, args, the error's start)
    "amount as text": (TRANSFER, {"currency": "CNY", "to": "sme-1", "amount": "5"},
                       "error: --args.amount: expected int, got str"),
    "amount missing": (TRANSFER, {"currency": "CNY", "to": "sme-1"},
                       "error: --args.amount: missing"),
    "unknown field": (TRANSFER, {"currency": "CNY", "to": "sme-1", "amount": 5, "foo": 1},
                      "error: --args.foo: unknown field (cash.transfer takes currency, to, "
                      "amount, memo)"),
    "no such org": (TRANSFER, {"currency": "CNY", "to": "nobody", "amount": 5},
                    "error: --args.to: no organisation 'nobody' (not_found)"),
    "too little money": (TRANSFER, {"currency": "CNY", "to": "sme-1", "amount": 50_000},
                         "error: --args.amount: 'core-a' holds 1000 CNY, 50000 asked "
                         "(insufficient_funds)"),
    "nested type": (["receivable", "issue", "--key", "sme-1"],
                    {"invoices": [["x", "10"]], "debtor": "core-a", "currency": "CNY",
                     "maturity": "2027-01-01"},
                    "error: --args.invoices[0].amount: expected int, got str"),
    "sale without the buyer's signature": (
        ["receivable", "sell", "--key", "sme-1"],
        {"id": "{cert}", "buyer": "bank-a", "discount_rate_bp": 450, "day_count": "ACT/360",
         "recourse": True},
        "error: --args.buyer: 'bank-a' must co-sign (unauthorised)"),
    "wrong sender": (["cash", "issue", "--key", "sme-1"],
                     {"currency": "CNY", "to": "sme-1", "amount": 5},
                     "error: --key: cash.issue: sender 'sme-1' holds none of the roles"),
    "unknown contract": (["tx", "x", "y", "--key", "core-a"], {},
                         "error: contract: no contract 'x' (known: calendar, cash, consent, "
                         "credit, invoice, loan, membership, product, receivable, "
                         "warehouse_receipt)"),
    "unknown action": (["tx", "cash", "pay", "--key", "core-a"], {},
                       "error: action: cash has no action 'pay' (known: appoint_operator, issue, "
                       "redeem, set_rate, set_settlement_dates, set_wallet_class, "
                       "settle_interest, transfer)"),
    "expired": (["tx", "cash", "issue", "--expiry", "1", "--key", "pboc"],
                {"currency": "CNY", "to": "sme-1", "amount": 5},
                "error: --expiry: height 1 has passed"),
}


def command(data: Path, words: list[str], args: dict[str, object]) -> list[object]:
    """``words`` as a command line on ``data``: ``tx`` takes ``--data`` first, module
    commands after the action; the word after ``--key`` is a key file's name."""
    words = [str(data / "keys" / f"{w}.key") if i and words[i - 1] == "--key" else w
             for i, w in enumerate(words)]
    cert = (data / "cert").read_text()
    text = json.dumps(args).replace("{cert}", cert)
    if words[0] == "tx":
        return ["tx", "--data", data, *words[1:], "--args", text]
    return [*words[:2], "--data", data, *words[2:], "--args", text]


@pytest.mark.parametrize("case", list(CASES))
def test_refused_before_signing_naming_the_field(chain: Path, case: str) -> None:
    words, args, error = CASES[case]
    before = ledger_state(chain)
    code, out = smechain(*command(chain, words, args))
    assert code == 2, out
    assert out.startswith(error), out
    assert out.count("\n") == 1 and '"receipt"' not in out
    assert ledger_state(chain) == before


@pytest.mark.parametrize("words", [["tx", "cash", "transfer"], ["cash", "transfer"]])
def test_tx_and_module_commands_check_alike(chain: Path, words: list[str]) -> None:
    """``tx`` and the module commands go through one check."""
    before = ledger_state(chain)
    code, out = smechain(*command(chain, [*words, "--key", "core-a"],
                                  {"currency": "CNY", "to": "sme-1", "amount": True}))
    assert code == 2 and out.startswith("error: --args.amount: expected int, got bool"), out
    assert ledger_state(chain) == before


def test_wrong_key_for_an_invoice_import_is_refused(chain: Path) -> None:
    if not SAMPLE.exists():
        pytest.skip(f"{SAMPLE} not present")
    before = ledger_state(chain)
    code, out = smechain("invoice", "import", SAMPLE, "--data", chain, "--key",
                         chain / "keys" / "sme-1.key")
    assert code == 2 and "error: --key: " in out and "(unauthorised)" in out, out
    assert ledger_state(chain) == before


def test_tx_takes_the_hyphenated_names_of_the_module_commands(chain: Path,
                                                              tmp_path: Path) -> None:
    data = copy_chain(chain, tmp_path / "c")
    code, out = smechain("tx", "--data", data, "invoice", "register-party", "--key",
                         data / "keys" / "tax.key", "--args",
                         json.dumps({"identifier": "LEGAL:T-SME2", "org": "sme-2"}))
    assert code == 0, out
    receipt = json.loads(out)["receipt"]
    assert receipt["code"] == "ok" and receipt["events"][0]["attrs"]["org"] == "sme-2", receipt


def test_a_good_transaction_after_refusals_uses_the_next_nonce(chain: Path,
                                                               tmp_path: Path) -> None:
    data = copy_chain(chain, tmp_path / "c")
    height, _, nonces = ledger_state(data)
    base = ["cash", "transfer", "--data", data, "--key", data / "keys" / "core-a.key", "--args"]
    assert smechain(*base, json.dumps({"currency": "CNY", "to": "nobody", "amount": 1}))[0] == 2
    code, out = smechain(*base, json.dumps({"currency": "CNY", "to": "sme-1", "amount": 1}))
    assert code == 0, out
    after_height, _, after = ledger_state(data)
    assert after_height == height + 1 and after["core-a"] == nonces["core-a"] + 1
