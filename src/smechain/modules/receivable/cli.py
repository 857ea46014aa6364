"""``smechain receivable``: act on debt certificates and show one with its lineage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.tree import Tree

from smechain.cli.common import contract_app, fail, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode
from smechain.modules.receivable.contract import CERT_PREFIX, CONTRACT, Certificate

EXAMPLES = {
    "issue": '{"invoices": [["<invoice id>", 10000]], "debtor": "core-a", "currency": "CNY", '
             '"maturity": "2027-03-31"}',
    "confirm": '{"id": "<certificate id>"}',
    "dispute": '{"id": "<certificate id>", "reason": "goods not received"}',
    "split": '{"id": "<certificate id>", "amounts": [6000, 4000]}',
    "transfer": '{"id": "<certificate id>", "to": "sme-2"}',
    "sell": '{"id": "<id>", "buyer": "bank-a", "discount_rate_bp": 450, '
            '"day_count": "ACT/360", "recourse": true} (with --cosign the buyer\'s key; '
            "day_count: ACT/360, ACT/365F, 30/360 or ACT/ACT)",
    "guarantee": '{"id": "<id>", "guarantor": "g-1", "fee": 500} (with --cosign the guarantor)',
    "settle": '{"id": "<certificate id>"}',
    "mark_overdue": '{"id": "<certificate id>"}',
    "claim": '{"id": "<certificate id>", "source": "recourse"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Digital debt certificates: issue, confirm, split, transfer, sell, "
                   "guarantee, settle, claim; show.", EXAMPLES)


@app.command()
def show(
    cert_id: Annotated[str, typer.Argument(help="Certificate or part id.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON, not a tree.")] = False,
) -> None:
    """Show a certificate, the invoices behind it and the tree of its parts."""
    view = view_of(data)
    root_id = cert_id.split(".", 1)[0]
    family = {key.removeprefix(CERT_PREFIX): decode(raw, Certificate)
              for key, raw, _ in view.store.iter_state(CERT_PREFIX + root_id)}
    if cert_id not in family:
        fail(f"CERT_ID: no certificate {cert_id!r}", 1)
    if json_out:
        typer.echo(dumps({"certificate": family[cert_id], "lineage": family}))
        return
    root = family[root_id]
    tree = Tree(f"[bold]{root.id}[/] debtor {root.debtor}, matures {root.maturity}; invoices: "
                + ", ".join(f"{b.invoice} ({b.amount})" for b in root.invoices))

    def label(c: Certificate) -> str:
        mark = "[bold yellow]▶ [/]" if c.id == cert_id else ""
        extra = "".join(f", {k} {v}" for k, v in (("recourse to", c.recourse_to),
                                                     ("guaranteed by", c.guarantor)) if v)
        return f"{mark}{c.id}: {c.face} {c.currency}, {c.status}, held by {c.holder}{extra}"

    def grow(node: Tree, parent: Certificate) -> None:
        for child in sorted((c for c in family.values() if c.parent == parent.id),
                            key=lambda c: c.id):
            grow(node.add(label(child)), child)

    grow(tree.add(label(root)), root)
    Console().print(tree)
