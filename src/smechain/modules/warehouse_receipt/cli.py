"""``smechain warehouse_receipt``: issue, transfer, pledge, release, enforce and deliver
warehouse receipts; list and show them."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, view_of
from smechain.cli.render import dumps
from smechain.core.encoding import decode
from smechain.modules.warehouse_receipt import queries as q
from smechain.modules.warehouse_receipt.contract import (
    CONTRACT,
    RECEIPT_PREFIX,
    Receipt,
    read_receipt,
)

EXAMPLES = {
    "issue": '{"depositor": "sme-t4", "goods": "Electrolytic copper cathodes, grade A", '
             '"commodity_code": "7403110000", "quantity": 25000, "unit": "KGM", '
             '"value": 182500000, "currency": "CNY", "location": "Waigaoqiao bonded zone, '
             'warehouse 3, bay 12"} (commodity_code: HS code of 6, 8 or 10 digits; unit: UN/ECE '
             "Rec. 20 code such as KGM, TNE, MTQ, PCE; value in minor units)",
    "transfer": '{"id": "<receipt id>", "to": "sme-t3"} (a pledged receipt: also "pledgee": '
                '"bank-b", with --cosign the pledgee\'s key)',
    "pledge": '{"id": "<receipt id>", "bank": "bank-b", "reference": "WC-2026-001"} '
              "(with --cosign the bank's key)",
    "release": '{"id": "<receipt id>"}',
    "enforce": '{"id": "<receipt id>"}',
    "deliver": '{"id": "<receipt id>", "holder": "sme-t4"} (with --cosign the holder\'s key: '
               "it surrenders the receipt)",
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Warehouse receipts: issue, transfer, pledge, release, enforce, "
                   "deliver; list, show.", EXAMPLES)


@app.command("list")
def list_receipts(
    org: Annotated[str, typer.Argument(help="The organisation whose receipts to list.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
    role: Annotated[str, typer.Option(help="holder, warehouse, pledgee or any.")] = "any",
) -> None:
    """List the receipts an organisation holds, issued, has in pledge, or is party to."""
    if role not in q.ROLES:
        fail(f"--role: {role!r} is not {', '.join(q.ROLES[:-1])} or {q.ROLES[-1]}")
    view = view_of(data)
    records = [decode(raw, Receipt) for _, raw, _ in view.store.iter_state(RECEIPT_PREFIX)]
    typer.echo(dumps(q.receipts_of(records, org, role)))


@app.command("show")
def show(
    receipt_id: Annotated[str, typer.Argument(help="The receipt's id.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a receipt and what it is worth as collateral."""
    view = view_of(data)
    receipt = read_receipt(view.store, receipt_id)
    if receipt is None:
        fail(f"RECEIPT_ID: no warehouse receipt {receipt_id!r}")
    typer.echo(dumps({"receipt": receipt, "collateral": asdict(q.collateral_of(receipt))}))
