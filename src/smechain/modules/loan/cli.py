"""``smechain loan``: apply, decide, disburse, repay and the rest; show a loan's schedule."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from smechain.cli.common import contract_app, fail, view_of
from smechain.cli.render import dumps
from smechain.core.daycount import block_day
from smechain.modules.loan import queries as q
from smechain.modules.loan.contract import CONTRACT

EXAMPLES = {
    "apply": '{"bank": "bank-a", "consent_id": "<consent id>", "currency": "CNY", '
             '"amount": 50000000, "term_months": 12, "product_id": "<product id>", '
             '"product_version": 1, "basis": {"kind": "ip_pledge", "right_kind": "patent", '
             '"registration_number": "ZL202310123456.7"}} (basis kinds: unsecured, ip_pledge, '
             "export_record with export_record, receivable with certificate)",
    "decide": '{"id": "<loan id>", "approve": true, "band": "B", "reason_codes": ["TAX_LOW"], '
              '"attestation_id": "<score attestation id>", "terms": {"amount": 50000000, '
              '"rate_bp": 420, "term_months": 12, "style": "equal_instalments", '
              '"day_count": "ACT/360", "penalty_rate_bp": 630, "grace_days": 3, '
              '"prepayment_fee_bp": 50}} (band: A to E; style: the product\'s repayment, '
              "equal_instalments, equal_principal or interest_only_balloon; an export-record "
              "loan adds export_share_bp; a decline: approve false, no terms, its reason codes)",
    "withdraw": '{"id": "<loan id>"} (the SME, before disbursement)',
    "pledge_ip": '{"id": "<loan id>", "right_kind": "patent", '
                 '"registration_number": "ZL202310123456.7", "value": 80000000}',
    "disburse": '{"id": "<loan id>"}',
    "repay": '{"id": "<loan id>", "amount": 4300000}',
    "repay_early": '{"id": "<loan id>", "principal": 10000000} (principal 0 or left out: all)',
    "mark_overdue": '{"id": "<loan id>"}',
    "default": '{"id": "<loan id>"}',
    "write_off": '{"id": "<loan id>"}',
    "recover": '{"id": "<loan id>", "amount": 9000000, "source": "collateral", '
               '"reference": "auction lot 42"} (source: collateral, guarantee, collection or '
               "borrower)",
    "release_pledge": '{"id": "<pledge id>"}',
    "attest_export": '{"sme": "sme-t4", "consent_id": "<consent id>", "currency": "CNY", '
                     '"value": 2400000000, "period_end": "2026-11-30", '
                     '"digest": "<sha-256 hex of the declarations>"}',
}
"""Each action's ``--args``, as its command's help shows it."""

app = contract_app(CONTRACT, "Loans: apply, decide, pledge IP, disburse, repay, prepay, "
                   "overdue, default, write off, recover; customs export records; show.", EXAMPLES)


@app.command("show")
def show(
    loan_id: Annotated[str, typer.Argument(help="The loan's id.")],
    data: Annotated[Path, typer.Option("--data", help="The node's data folder.")],
) -> None:
    """Show a loan with its schedule and what it owes today."""
    view = view_of(data)
    loan = q.read_loan(view.store, loan_id)
    if loan is None:
        fail(f"LOAN_ID: no loan {loan_id!r}")
    today = block_day(int(time.time() * 1000))
    typer.echo(dumps({"loan": loan, "standing": q.standing(loan, today)}))
