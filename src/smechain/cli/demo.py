"""``smechain demo``: the main job on the embedded default, start to finish.

A consortium is founded (regulator, cash issuer, bank, core enterprise, two
SMEs); the issuer mints digital cash to the core enterprise, which pays its
suppliers; a supplier's attempt to mint cash is refused with a receipt; a new
organisation is admitted by two of three governing admins; then a third party
checks a payment's inclusion proof and the whole chain is verified.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from smechain.client import sign_tx
from smechain.core.block import Receipt
from smechain.core.proof import verify_tx_proof
from smechain.node.consortium import consortium_from_dict
from smechain.node.keys import generate_key
from smechain.node.node import STORE_FILE, Node, NodeConfig
from smechain.node.verify import verify_chain
from smechain.ordering.cutter import CutterConfig
from smechain.storage.sqlite import SqliteStore

CONSORTIUM = {
    "chain_id": "smechain-demo",
    "suite": "ed25519",
    "governance": {"admins": ["regulator", "bank-a", "core-a"], "add_org": 2,
                   "suspend_org": 2, "readmit_org": 2, "rekey_org": 2},
    "orgs": [
        {"id": "regulator", "name": "Banking Regulator", "roles": ["regulator"]},
        {"id": "pboc", "name": "Digital Cash Issuer", "roles": ["cash_issuer"]},
        {"id": "bank-a", "name": "Bank A", "roles": ["bank", "factor"]},
        {"id": "core-a", "name": "Core Enterprise A", "roles": ["core_enterprise"]},
        {"id": "sme-1", "name": "Supplier One Ltd", "roles": ["sme"]},
        {"id": "sme-2", "name": "Supplier Two Ltd", "roles": ["sme"]},
    ],
}


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def run_demo(folder: Path | None = None) -> int:
    """Run the demo in ``folder`` (a new temporary one by default); 0 when all went as expected."""
    console = Console()
    folder = folder or Path(tempfile.mkdtemp(prefix="smechain-demo-"))
    c = consortium_from_dict(CONSORTIUM, int(time.time() * 1000))
    k = c.keys
    chain = c.genesis.chain_id
    config = NodeConfig(CutterConfig(max_wait_ms=5), verify_workers=0)
    console.print(f"[bold]smechain demo[/] — chain {chain!r} in {folder}")
    with Node.create(folder, c.genesis, c.orderer, config) as node:

        def send(contract: str, action: str, args: dict[str, object], *signers: str) -> Receipt:
            keys = [k[s] for s in signers]
            raw = sign_tx(chain, contract, action, args, keys, node.nonce(keys[0].public) + 1)
            receipt = node.submit_and_wait(raw)
            mark = "[green]ok[/]" if receipt.ok else f"[red]{receipt.code}[/]"
            console.print(f"  {signers[0]:>9} {contract}.{action:<9} {mark} {receipt.message}")
            return receipt

        console.print("[bold]1.[/] The issuer mints 1,000,000.00 CNY to the core enterprise")
        ok = send("cash", "issue", {"currency": "CNY", "to": "core-a", "amount": 100_000_000},
                  "pboc").ok
        console.print("[bold]2.[/] The core enterprise pays its suppliers; one pays the bank")
        pay = send("cash", "transfer", {"currency": "CNY", "to": "sme-1", "amount": 25_000_000},
                   "core-a")
        ok &= pay.ok
        ok &= send("cash", "transfer", {"currency": "CNY", "to": "sme-2", "amount": 12_500_000},
                   "core-a").ok
        ok &= send("cash", "transfer", {"currency": "CNY", "to": "bank-a", "amount": 1_000_000},
                   "sme-1").ok
        console.print("[bold]3.[/] A supplier tries to mint cash: refused, nothing changes")
        ok &= not send("cash", "issue", {"currency": "CNY", "to": "sme-1", "amount": 1},
                       "sme-1").ok
        console.print("[bold]4.[/] Admitting a factor: one admin is not enough, two are")
        factor = {"id": "factor-x", "name": "Factor X", "roles": ["factor"],
                  "admin_key": generate_key("ed25519").public}
        ok &= not send("membership", "add_org", factor, "regulator").ok
        ok &= send("membership", "add_org", factor, "regulator", "bank-a").ok

        table = Table(title="CNY balances (yuan)")
        table.add_column("organisation")
        table.add_column("balance", justify="right")
        for key, value in node.scan("cash/balance/CNY/"):
            table.add_row(key.rsplit("/", 1)[1], _yuan(value))
        table.add_row("[bold]supply[/]", _yuan(node.query("cash/supply/CNY")))
        console.print(table)

        proof = node.proof(pay.tx_hash)
        reason = verify_tx_proof(node.suite, proof, node.orderer_keys)
        console.print(f"[bold]5.[/] Inclusion proof of the first payment (block "
                      f"{proof.header.height}, {len(proof.tx_path)} path steps): "
                      + ("[green]holds[/]" if not reason else f"[red]{reason}[/]"))
        ok &= not reason
    report = verify_chain(SqliteStore(folder / STORE_FILE, readonly=True))
    console.print(f"[bold]6.[/] verify: {report.blocks} blocks, {report.transactions} "
                  "transactions — "
                  + ("[green]intact[/]" if report.ok else f"[red]{report.problem}[/]"))
    ok &= report.ok
    console.print("[bold green]demo complete[/]" if ok else "[bold red]demo found a problem[/]")
    return 0 if ok else 1
