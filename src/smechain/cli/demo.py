"""``smechain demo``: the demo consortium on the embedded default, then its portal.

The network is seeded as its users would use it (see ``smechain.api.demo``):
cash issued, invoices anchored, a certificate confirmed, split and passed down
four tiers of suppliers, a part sold to a bank, a second financing of the same
invoice refused, a factor admitted by two admins. Then a third party checks
the sale's inclusion proof, the whole chain is verified, and the portal is
served at http://127.0.0.1:8000 (``--port``) with the logins printed. The chain
is kept in its folder (a new ``/tmp/smechain-demo-*`` one unless ``--folder``
names one) after the demo ends.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from smechain.api.demo import ORGS, PASSWORD, Demo, build_demo
from smechain.api.platform import Platform
from smechain.core.encoding import decode
from smechain.core.proof import verify_tx_proof
from smechain.modules.loan.queries import read_loan
from smechain.modules.receivable.contract import CERT_PREFIX, Certificate
from smechain.node.verify import verify_chain


def platform_report(platform: Platform, report_id: str) -> dict[str, Any]:
    """The demo's credit report (kept at the peer, off the ledger)."""
    from contextlib import closing

    from smechain.modules.credit import desk
    from smechain.modules.credit.routes import credit_folder

    with closing(desk.ReportBook(credit_folder(platform))) as book:
        found = book.get(report_id)
    assert found is not None
    return found


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def run_demo(folder: Path | None = None, serve: bool = False, host: str = "127.0.0.1",
             port: int = 8000) -> int:
    """Seed the demo in ``folder`` (a new temporary one by default); serve it with ``serve``.

    Returns 0 when everything went as expected.
    """
    console = Console()
    folder = folder or Path(tempfile.mkdtemp(prefix="smechain-demo-"))
    console.print(f"[bold]smechain demo[/] — seeding the demo consortium in {folder} "
                  "(kept after the demo; `smechain demo --folder DIR` picks the folder)")
    demo, ids = build_demo(folder)
    node, platform = demo.node, demo.platform
    try:
        table = Table(title=f"chain {node.chain_id!r}: {node.height()} blocks after genesis")
        for column in ("organisation", "roles", "CNY balance", "certificates held"):
            table.add_column(column)
        holdings: dict[str, int] = {}
        for _, raw, _ in node.store.iter_state(CERT_PREFIX):
            cert = decode(raw, Certificate)
            if cert.status == "confirmed":
                holdings[cert.holder] = holdings.get(cert.holder, 0) + cert.face
        for org_id, name, roles in ORGS:
            balance = node.query(f"cash/balance/CNY/{org_id}") or 0
            table.add_row(f"{org_id} ({name})", ", ".join(roles), _yuan(balance),
                          _yuan(holdings.get(org_id, 0)))
        console.print(table)
        refused = node.receipt(bytes.fromhex(ids["refused_tx"]))
        console.print(f"Second financing of invoice {ids['invoices'][0]} refused by the ledger: "
                      f"[red]{refused.code}[/] {refused.message}")
        sale = platform.accounts.proposal(ids["sold_proposal"])
        assert sale is not None and sale["result"] is not None
        proof = node.proof(bytes.fromhex(sale["result"]["tx_hash"]))
        reason = verify_tx_proof(node.suite, proof, node.orderer_keys)
        console.print(f"Inclusion proof of the sale to bank-a (block {proof.header.height}): "
                      + ("[green]holds[/]" if not reason else f"[red]{reason}[/]"))
        credit = platform_report(platform, ids["report"])
        console.print(f"Credit score of sme-t1 for bank-a under its consent, computed by the "
                      f"tax, market regulation and social insurance offices on their own data "
                      f"through secret shares: [bold]{credit['score']}[/] (band "
                      f"{credit['band']}; reasons "
                      f"{', '.join(r['code'] for r in credit['reasons'])}; "
                      f"{len(credit['attestation_txs'])} attestations on the ledger)")
        for key, what in (("ip_loan", "a patent pledged"), ("export_loan", "an export record")):
            loan = read_loan(node.store, ids[key])
            if loan is not None:
                console.print(f"Loan to {loan.sme} from {loan.bank} against {what}: "
                              f"{_yuan(loan.amount)} CNY over {loan.term_months} months "
                              f"({loan.status}, {len(loan.schedule)} instalments)")
        console.print(f"{len(ids['products'])} loan products published; every real-name "
                      f"wallet credited its interest on {ids['interest_settled']}")
        report = verify_chain(node.store)
        console.print(f"verify: {report.blocks} blocks, {report.transactions} transactions — "
                      + ("[green]intact[/]" if report.ok else f"[red]{report.problem}[/]"))
        ok = report.ok and not reason and not refused.ok
        if serve and ok:
            _serve(demo, host, port, console)
    finally:
        demo.close()
    console.print("[bold green]demo complete[/]" if ok else "[bold red]demo found a problem[/]")
    console.print(f"The demo's chain is kept in {folder}; remove the folder when done.")
    return 0 if ok else 1


def _serve(demo: Demo, host: str, port: int, console: Console) -> None:
    from smechain.api.app import create_app
    from smechain.api.server import configure_logging, serve

    logins = Table(title=f"Portal: http://{host}:{port}   (API docs: /docs)")
    for column in ("organisation id", "name", "ledger roles"):
        logins.add_column(column)
    for org_id, name, roles in ORGS:
        logins.add_row(org_id, name, ", ".join(roles))
    console.print(logins)
    console.print(f"Sign in with an organisation id, user [bold]admin[/], [bold]operator[/] or "
                  f"[bold]viewer[/] (the user's role), password [bold]{PASSWORD}[/].")
    console.print(f"Ctrl-C stops the demo; its chain stays in {demo.folder}.")
    configure_logging("warning")
    serve(create_app(demo.platform), host, port)
